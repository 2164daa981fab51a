import {ParseError, type ParseResult} from '@marcbachmann/cel-js'
import {closest, distance} from 'fastest-levenshtein'
import {costSchema, policyEnvironment, policyVariables, requesterSchema} from './cel.js'
import type {Position} from '../yaml-positions.js'

export type ExpressionField = 'when' | 'messageExpression'

/** The type each expression field must return. `dyn` is accepted too and checked at evaluation. */
export const expectedTypes: Record<ExpressionField, 'bool' | 'string'> = {
  when: 'bool',
  messageExpression: 'string',
}

/** A type-checked CEL expression, ready to evaluate. */
export interface CompiledExpression {
  field: ExpressionField
  source: string
  program: ParseResult
  /** Maps an offset in `source` to its place in the policy file, when the policy came from a file. */
  locate?: (offset: number) => Position | undefined
}

export type CompileResult =
  | {ok: true; expression: CompiledExpression}
  | {ok: false; offset: number; message: string}

/**
 * Parses and type-checks one expression. A failure carries the offset of the problem inside
 * the expression and a message that starts with the field name.
 */
export function compileExpression(field: ExpressionField, source: string): CompileResult {
  let program: ParseResult
  try {
    program = policyEnvironment().parse(source)
  } catch (error) {
    if (error instanceof ParseError) {
      return {ok: false, offset: error.range?.start ?? 0, message: `${field} is not valid CEL: ${error.summary}`}
    }

    return {ok: false, offset: 0, message: `${field} is not valid CEL: ${String(error)}`}
  }

  const result = program.check()
  if (!result.valid) {
    const error = result.error
    const offset = error?.range?.start ?? 0
    const summary = error?.summary ?? 'type check failed'
    return {ok: false, offset, message: `${field} is invalid: ${summary}${hintFor(error?.code, summary, source, error?.range)}`}
  }

  const expected = expectedTypes[field]
  if (result.type !== expected && result.type !== 'dyn') {
    return {ok: false, offset: 0, message: `${field} must return ${expected}, but this expression returns ${result.type}`}
  }

  return {ok: true, expression: {field, source, program}}
}

function hintFor(
  code: string | undefined,
  summary: string,
  source: string,
  range: {start: number; end: number} | undefined,
): string {
  if (code === 'unknown_variable' && range) {
    const name = source.slice(range.start, range.end)
    const names = policyVariables.map((variable) => variable.name)
    const suggestion = closest(name, names)
    if (distance(name, suggestion) <= 2) return ` (did you mean ${suggestion}?)`
    return ` (the variables are ${names.join(', ')})`
  }

  // Only `cost` and `requester` have declared fields, so only their keys are known at load time.
  const missingKey = code === 'no_such_key' ? /^No such key: (.+)$/.exec(summary)?.[1] : undefined
  if (missingKey) {
    const fields = [...Object.keys(costSchema), ...Object.keys(requesterSchema)]
    const suggestion = closest(missingKey, fields)
    if (distance(missingKey, suggestion) <= 2) return ` (did you mean ${suggestion}?)`
  }

  // cel-js orders an int against a double (cost.monthly >= 100) but rejects == and arithmetic.
  if (code === 'no_such_overload' && /\bdouble\b/.test(summary) && /\bint\b/.test(summary)) {
    return ' (CEL does not mix int and double here: write the number as a double, such as 100.0, or convert with double() or int())'
  }

  return ''
}
