import {readFile} from 'node:fs/promises'
import {LineCounter, parseDocument, type Document} from 'yaml'

import {IdpError, isErrnoException, type Problem} from './errors.js'
import {SourcePositions, type Position} from './yaml-positions.js'

/** A parsed YAML (or JSON) file that can map a field path back to a line and column. */
export interface YamlSource {
  file: string
  value: unknown
  /** Finds where to report a problem at `path`; see SourcePositions.locate. */
  locate(path: ReadonlyArray<string | number>, at?: 'key' | 'value'): Position | undefined
  /** Finds character `offset` of the string at `path`, such as where an expression error points. */
  locateInString(path: ReadonlyArray<string | number>, offset: number): Position | undefined
}

/** Options for reading a YAML file: which error code and hint describe a missing file. */
export interface ReadYamlOptions {
  kind: string
  notFoundCode: string
  invalidCode: string
  hint?: string
}

/**
 * Reads and parses a YAML file, reporting every syntax error with its line and column
 * in one IdpError (exit code 2).
 */
export async function readYamlFile(file: string, options: ReadYamlOptions): Promise<YamlSource> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR')) {
      throw new IdpError(`${options.kind} not found: ${file}`, {
        code: options.notFoundCode,
        exitCode: 2,
        hint: options.hint,
        cause: error,
      })
    }

    throw error
  }

  return parseYamlText(text, file, options)
}

/** Parses YAML text already in memory; see readYamlFile. */
export function parseYamlText(text: string, file: string, options: ReadYamlOptions): YamlSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0])
      return {file, line: position.line, column: position.col, message: firstLine(error.message)}
    })
    throw new IdpError(`${options.kind} ${file} is not valid YAML`, {
      code: options.invalidCode,
      exitCode: 2,
      problems,
      hint: options.hint,
    })
  }

  return createSource(doc, lineCounter, file, text)
}

function createSource(doc: Document, lineCounter: LineCounter, file: string, text: string): YamlSource {
  const positions = new SourcePositions(doc, lineCounter, text)
  return {
    file,
    value: doc.toJS({maxAliasCount: 100}),
    locate: (path, at) => positions.locate(path, at),
    locateInString: (path, offset) => positions.positionInString(path, offset),
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]
}

/** Converts an ajv `instancePath` such as `/spec/inputs/properties/size` into path segments. */
export function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment))
}

/** Formats path segments as `spec.steps[1].with.target`. */
export {formatFieldPath as formatPath} from './yaml-positions.js'
