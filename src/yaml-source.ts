import {readFile} from 'node:fs/promises'
import {LineCounter, isCollection, isMap, isNode, isPair, isScalar, parseDocument, type Document} from 'yaml'

import {IdpError, isErrnoException, type Problem} from './errors.js'

/** A parsed YAML (or JSON) file that can map a field path back to a line and column. */
export interface YamlSource {
  file: string
  value: unknown
  /**
   * The 1-based position of the field at `path`, or of its closest existing parent. A
   * scalar is located at its value unless `at` is "key".
   */
  locate(path: ReadonlyArray<string | number>, at?: 'key' | 'value'): {line: number; column: number} | undefined
  /** The raw scalar node at `path`, for callers that need the exact source text. */
  scalarAt(path: ReadonlyArray<string | number>): {source: string; line: number; column: number; quoted: boolean} | undefined
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

  return createSource(doc, lineCounter, file)
}

function createSource(doc: Document, lineCounter: LineCounter, file: string): YamlSource {
  const positionOf = (offset: number) => {
    const position = lineCounter.linePos(offset)
    return {line: position.line, column: position.col}
  }

  const nodeAt = (path: ReadonlyArray<string | number>) => {
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true)
      if (isNode(node) && node.range) return {node, exact: length === path.length}
    }

    return undefined
  }

  return {
    file,
    value: doc.toJS({maxAliasCount: 100}),
    locate(path, at = 'value') {
      const found = nodeAt(path)
      if (!found?.node.range) return undefined
      // A mapping or list is reported at its key, and a missing field at its parent's key:
      // that is the line the user reads or edits. A scalar is reported at its value.
      const keyPath = found.exact ? path : path.slice(0, -1)
      if (!found.exact || at === 'key' || isCollection(found.node)) {
        const keyOffset = keyOffsetOf(doc, keyPath)
        if (keyOffset !== undefined) return positionOf(keyOffset)
      }

      return positionOf(found.node.range[0])
    },
    scalarAt(path) {
      const node = doc.getIn(path, true)
      if (!isScalar(node) || !node.range) return undefined
      const position = positionOf(node.range[0])
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'
      return {source: String(node.source ?? ''), ...position, quoted}
    },
  }
}

function keyOffsetOf(doc: Document, path: ReadonlyArray<string | number>): number | undefined {
  if (path.length === 0) return undefined
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
  if (!isMap(parent)) return undefined
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === path.at(-1) && item.key.range) {
      return item.key.range[0]
    }
  }

  return undefined
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
export function formatPath(path: ReadonlyArray<string | number>): string {
  let text = ''
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`
  }

  return text
}
