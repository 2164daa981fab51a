import {readFile} from 'node:fs/promises'
import {FAILSAFE_SCHEMA, load, Type} from 'js-yaml'
import {LineCounter, parseDocument, type Document} from 'yaml'

import {IdpError, isErrnoException, type Problem} from './errors.js'
import {lazyPositions, SourcePositions, type Position} from './yaml-positions.js'

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
  const quick = quickParse(text)
  if (quick) {
    const positions = lazyPositions(text)
    return {
      file,
      value: quick.value,
      locate: (path, at) => positions().locate(path, at),
      locateInString: (path, offset) => positions().positionInString(path, offset),
    }
  }

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

/**
 * YAML 1.2's core schema as the yaml package reads it. js-yaml's own core schema differs: it
 * also reads `0b101`, `-0x1` and `+0o7` as numbers, and `+.5` as a string.
 */
const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (text: string) => /^(?:~|null|Null|NULL)?$/.test(text),
      construct: () => null,
    }),
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (text: string) => /^(?:true|True|TRUE|false|False|FALSE)$/.test(text),
      construct: (text: string) => text.toLowerCase() === 'true',
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (text: string) => /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(text),
      construct: (text: string) => (text.startsWith('0o') ? Number.parseInt(text.slice(2), 8) : Number(text)),
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (text: string) => /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(text),
      construct: constructFloat,
    }),
  ],
})

function constructFloat(text: string): number {
  if (/nan/i.test(text)) return Number.NaN
  if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  return Number(text)
}

/**
 * Parses YAML with js-yaml, several times faster than the yaml package, which then runs only to
 * locate a problem. Returns undefined when the yaml package must parse the text itself: on a
 * syntax error, whose every position it reports, and when the text may hold an alias, whose
 * expansion it limits. The values are the ones the yaml package gives: no dates, no `<<` merge
 * keys, `yes` is a string, an empty document is null.
 */
export function quickParse(text: string): {value: unknown} | undefined {
  if (/(^|[\s[{,:-])\*[^\s*]/.test(text)) return undefined
  try {
    return {value: load(text, {schema: CORE_SCHEMA}) ?? null}
  } catch {
    return undefined
  }
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
