import {isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node, type Pair} from 'yaml'

/** A 1-based line and column in a YAML file. */
export interface Position {
  line: number
  column: number
}

/** A field path inside the policy document, such as `['rules', 2, 'when']`. */
export type FieldPath = ReadonlyArray<string | number>

/** Formats a field path the way problems show it: `rules[2].when`, `groups["odd key"]`. */
export function formatFieldPath(path: FieldPath): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }

  return text
}

/** Finds positions of fields and of characters inside expression strings in one parsed YAML file. */
export class SourcePositions {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly source: string,
  ) {}

  /** Returns the position of an offset into the source text. */
  positionOfOffset(offset: number): Position {
    const {line, col} = this.lineCounter.linePos(offset)
    return {line, column: col}
  }

  /**
   * Returns the position of the value at `path`, or of its key when `key` is set or the value
   * is empty. When the path does not exist, falls back to the nearest enclosing node that does.
   */
  positionOf(path: FieldPath, options: {key?: boolean} = {}): Position | undefined {
    const found = this.find(path)
    const node = options.key || !found.node ? (found.pair?.key as Node | undefined) ?? found.node : found.node
    const offset = node?.range?.[0]
    return offset === undefined ? undefined : this.positionOfOffset(offset)
  }

  /**
   * Returns the position to report a problem at `path` at: a scalar's value, but the key of a
   * mapping or list and, for a missing field, its parent's key, because those are the lines
   * the user reads or edits. With `at: 'key'` a scalar is located at its key too.
   */
  locate(path: FieldPath, at: 'key' | 'value' = 'value'): Position | undefined {
    const found = this.find(path)
    const missing = found.depth < path.length
    const useKey = missing || at === 'key' || isCollection(found.node)
    return this.positionOf(path.slice(0, found.depth), {key: useKey})
  }

  /**
   * Returns the position of character `offset` of the string value at `path`, such as the
   * place a CEL error points to. Plain, quoted and block scalars are mapped character by
   * character. Escapes inside a multi-line quoted string make the mapping unclear, so there the
   * position of the string itself is returned.
   */
  positionInString(path: FieldPath, offset: number): Position | undefined {
    const {node} = this.find(path)
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return this.positionOf(path)
    const sourceOffset = locateInScalar(node, this.source, offset)
    return this.positionOfOffset(sourceOffset)
  }

  private find(path: FieldPath): {node?: Node; pair?: Pair; depth: number} {
    let node: unknown = this.document.contents
    let pair: Pair | undefined
    let found: {node?: Node; pair?: Pair; depth: number} = {node: node as Node | undefined, depth: 0}

    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
        if (!pair) return found
        node = pair.value
        found = {node: (pair.value ?? undefined) as Node | undefined, pair, depth: index + 1}
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment]
        if (!node) return found
        found = {node: node as Node, depth: index + 1}
      } else {
        return found
      }
    }

    return found
  }
}

/** Maps character `offset` of a scalar's value to an offset in the source text. */
function locateInScalar(scalar: Scalar, source: string, offset: number): number {
  const value = String(scalar.value)
  const [start, valueEnd] = scalar.range as [number, number, number]
  const raw = source.slice(start, valueEnd)

  switch (scalar.type) {
    case Scalar.QUOTE_SINGLE:
    case Scalar.QUOTE_DOUBLE: {
      const escape = scalar.type === Scalar.QUOTE_SINGLE ? "''" : '\\'
      if (!raw.includes('\n')) return start + 1 + quotedLength(raw.slice(1), offset, scalar.type)
      if (raw.includes(escape)) return start
      return locateInLines(value, raw.slice(1, -1), start + 1, offset) ?? start
    }

    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED: {
      // The first line is the header (`|`, `>-`, ...); the content starts on the next line.
      const headerEnd = raw.indexOf('\n')
      if (headerEnd === -1) return start
      return locateInLines(value, raw.slice(headerEnd + 1), start + headerEnd + 1, offset) ?? start
    }

    default:
      return locateInLines(value, raw, start, offset) ?? start
  }
}

/** Counts the source characters of a one-line quoted string that make up its first `valueLength` characters. */
function quotedLength(body: string, valueLength: number, type: Scalar.Type): number {
  let index = 0
  for (let produced = 0; produced < valueLength && index < body.length; produced++) {
    if (type === Scalar.QUOTE_SINGLE && body.startsWith("''", index)) index += 2
    else if (type === Scalar.QUOTE_DOUBLE && body[index] === '\\') index += escapeLength(body[index + 1])
    else index += 1
  }

  return index
}

function escapeLength(letter: string | undefined): number {
  if (letter === 'x') return 4
  if (letter === 'u') return 6
  if (letter === 'U') return 10
  return 2
}

/**
 * Maps a value offset to a source offset for scalars whose lines appear verbatim in the value,
 * only joined by spaces or newlines (plain, block and escape-free quoted scalars). Each source
 * line's text is searched for in the value after the previous line's match. Only whitespace
 * lies between two matches, so the first match is the right one.
 */
function locateInLines(value: string, text: string, base: number, offset: number): number | undefined {
  const segments: Array<{valueStart: number; sourceStart: number; length: number}> = []
  let cursor = 0
  let lineStart = 0

  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length
    const content = line.trim()
    if (content !== '') {
      const valueStart = value.indexOf(content, cursor)
      if (valueStart === -1) return undefined
      segments.push({valueStart, sourceStart: base + lineStart + indent, length: content.length})
      cursor = valueStart + content.length
    }

    lineStart += line.length + 1
  }

  let segment = segments[0]
  if (!segment) return undefined
  for (const candidate of segments) {
    if (candidate.valueStart <= offset) segment = candidate
  }

  // An offset in the whitespace between two lines maps to the end of the earlier line.
  return segment.sourceStart + Math.max(0, Math.min(offset - segment.valueStart, segment.length))
}

/**
 * Returns a lookup of the positions in `text`, for a file whose values came from the quick
 * parser. The yaml package parses the text again, with positions, when a problem is first located.
 */
export function lazyPositions(text: string): () => SourcePositions {
  let positions: SourcePositions | undefined
  return () => {
    if (!positions) {
      const lineCounter = new LineCounter()
      positions = new SourcePositions(parseDocument(text, {lineCounter}), lineCounter, text)
    }

    return positions
  }
}
