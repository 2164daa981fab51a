import {Environment} from '@marcbachmann/cel-js'

import {LITERAL_FILTERS, type LiteralFilterName} from './literals.js'

/**
 * Template strings in manifests and template files: literal text with `${{ expression }}`
 * placeholders, where each expression is CEL (https://cel.dev). An input value is data: it is
 * substituted once and never evaluated again as a template.
 */

/** Variables an expression in a manifest can read. */
export interface ExpressionContext {
  inputs: Record<string, unknown>
  /** Display label of each enum input's chosen value (its `enumNames` entry, or the value). */
  labels: Record<string, string>
  /** Price of each priced input's chosen value, from `spec.cost.prices`. */
  prices: Record<string, number>
  user: Record<string, unknown>
  /** The monthly estimate, once computed; empty while the estimate itself is evaluated. */
  cost: {monthly?: number; currency?: string}
  run: {id: string}
  steps: Record<string, Record<string, unknown>>
}

/** Part of a parsed template: literal text, or an expression with its offset in the source. */
export type TemplatePart = {text: string} | {expression: string; offset: number}

const EXPRESSION_START = '${{'
const EXPRESSION_END = '}}'

let environment: Environment | undefined

/** Returns the shared CEL environment: the context's variables plus a few string helpers. */
export function manifestEnvironment(): Environment {
  if (environment) return environment
  environment = new Environment({homogeneousAggregateLiterals: false})
    .registerVariable('inputs', 'map<string, dyn>')
    .registerVariable('labels', 'map<string, string>')
    .registerVariable('prices', 'map<string, double>')
    .registerVariable('user', 'map<string, dyn>')
    .registerVariable('cost', 'map<string, dyn>')
    .registerVariable('run', 'map<string, string>')
    .registerVariable('steps', 'map<string, dyn>')
    .registerFunction({
      name: 'replace',
      receiverType: 'string',
      returnType: 'string',
      params: [
        {name: 'old', type: 'string'},
        {name: 'new', type: 'string'},
      ],
      description: 'Replaces every occurrence of old with new.',
      handler: (text: string, old: string, replacement: string) => text.replaceAll(old, replacement),
    })
  for (const [name, filter] of Object.entries(LITERAL_FILTERS)) {
    environment.registerFunction({
      name,
      returnType: 'string',
      params: [{name: 'value', type: 'dyn'}],
      description: `Formats a value as a complete ${name.toUpperCase()} literal.`,
      handler: (value: unknown) => filter(fromCel(value)),
    })
  }

  return environment
}

/** Thrown for a template that cannot be parsed: an unclosed `${{` or an empty expression. */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

/** Splits a template string into literal text and expressions. */
export function parseTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let position = 0
  while (position < source.length) {
    const start = source.indexOf(EXPRESSION_START, position)
    if (start === -1) {
      parts.push({text: source.slice(position)})
      break
    }

    if (start > position) parts.push({text: source.slice(position, start)})
    const end = source.indexOf(EXPRESSION_END, start + EXPRESSION_START.length)
    if (end === -1) throw new TemplateSyntaxError(`unclosed "${EXPRESSION_START}": add "${EXPRESSION_END}"`, start)
    const expression = source.slice(start + EXPRESSION_START.length, end)
    if (expression.trim() === '') throw new TemplateSyntaxError(`empty expression "${EXPRESSION_START}${EXPRESSION_END}"`, start)
    parts.push({expression, offset: start + EXPRESSION_START.length})
    position = end + EXPRESSION_END.length
  }

  return parts
}

/** Checks whether a string contains at least one `${{ }}` placeholder. */
export function isTemplate(source: string): boolean {
  return source.includes(EXPRESSION_START)
}

/** Problems found by checking every expression of a template, with offsets into the source. */
export function checkTemplate(source: string): Array<{message: string; offset: number}> {
  let parts: TemplatePart[]
  try {
    parts = parseTemplate(source)
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return [{message: error.message, offset: error.offset}]
    throw error
  }

  const problems: Array<{message: string; offset: number}> = []
  for (const part of parts) {
    if (!('expression' in part)) continue
    const result = manifestEnvironment().check(part.expression)
    if (!result.valid) {
      const error = result.error as {message: string; node?: {start?: number}} | undefined
      problems.push({
        message: firstLine(error?.message ?? 'invalid expression'),
        offset: part.offset + (error?.node?.start ?? 0),
      })
    }
  }

  return problems
}

// A placeholder that is one call of an escaping filter, such as `${{ hcl(inputs.name) }}`.
const FILTER_CALL = /^\s*(hcl|json|yaml)\s*\(([\s\S]*)\)\s*$/

/**
 * Returns the filter of a placeholder that is exactly one filter call: its result is a
 * finished literal and is inserted as it is, whatever the file's own formatter.
 */
function outerFilter(expression: string): LiteralFilterName | undefined {
  const match = FILTER_CALL.exec(expression)
  if (!match || !balanced(match[2])) return undefined
  return match[1] as LiteralFilterName
}

// Whether the parentheses of an argument list pair up, so that `hcl(a) + hcl(b)` is not
// taken for one call. Parentheses inside string literals are ignored.
function balanced(argumentText: string): boolean {
  let depth = 0
  let quote: string | undefined
  for (let index = 0; index < argumentText.length; index++) {
    const character = argumentText[index]
    if (quote) {
      if (character === '\\') index++
      else if (character === quote) quote = undefined
    } else if (character === '"' || character === "'") quote = character
    else if (character === '(') depth++
    else if (character === ')' && --depth < 0) return false
  }

  return depth === 0
}

/** Evaluates one CEL expression and converts its result to plain JavaScript values. */
export function evaluateExpression(expression: string, context: ExpressionContext): unknown {
  const value = manifestEnvironment().evaluate(expression, toCelContext(context))
  return fromCel(value)
}

/**
 * Renders a template string. A template that is exactly one placeholder keeps the
 * expression's type, so a number stays a number. Otherwise every value is formatted by
 * `format` and joined with the literal text.
 */
export function renderTemplate(
  source: string,
  context: ExpressionContext,
  format: (value: unknown) => string = formatPlain,
): unknown {
  const parts = parseTemplate(source)
  if (parts.length === 1 && 'expression' in parts[0]) return evaluateExpression(parts[0].expression, context)
  return renderText(source, context, format)
}

/**
 * Renders a template string as text, formatting every value with `format`, even when the
 * whole text is one placeholder: generated files use it, so a file can never hold a bare value.
 */
export function renderText(source: string, context: ExpressionContext, format: (value: unknown) => string = formatPlain): string {
  const parts = parseTemplate(source)
  return parts.map((part) => ('text' in part ? part.text : formatPart(part.expression, context, format))).join('')
}

function formatPart(expression: string, context: ExpressionContext, format: (value: unknown) => string): string {
  const value = evaluateExpression(expression, context)
  return outerFilter(expression) ? String(value) : format(value)
}

/** Renders a template string and requires a string result. */
export function renderString(source: string, context: ExpressionContext): string {
  return renderText(source, context, formatPlain)
}

/** Formats a value as text: strings as they are, other values as JSON. */
export function formatPlain(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  return JSON.stringify(value)
}

function toCelContext(context: ExpressionContext): Record<string, unknown> {
  return {
    inputs: toCel(context.inputs),
    labels: context.labels,
    prices: context.prices,
    user: toCel(context.user),
    cost: context.cost,
    run: context.run,
    steps: toCel(context.steps),
  }
}

// CEL distinguishes int from double, and cel-js represents int as BigInt. Whole JavaScript
// numbers become int so that `inputs.storage * 2` type-checks as int arithmetic.
function toCel(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (Array.isArray(value)) return value.map(toCel)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toCel(item)]))
  }

  return value
}

function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(fromCel)
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([key, item]) => [key, fromCel(item)]))
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromCel(item)]))
  }

  return value
}

function firstLine(message: string): string {
  return message.split('\n')[0]
}
