import {EvaluationError, type ParseResult} from '@marcbachmann/cel-js'
import {toCelContext} from './cel.js'
import {conditionsOf} from './clauses.js'
import type {CompiledRule} from './compiled.js'
import type {CompiledExpression} from './expressions.js'
import {compiledRulesOf, copyOrigin, defaultRuleId} from './load.js'
import {mergeRequirements, type RequirementRequest} from './requirements.js'
import type {Decision, DecisionPolicy, MatchedRule, Policy, PolicyRequest} from './types.js'

/** The outcome of one rule for one request, before the rules are combined. */
export type RuleResult =
  | {kind: 'matched'; message: string}
  | {kind: 'not_matched'}
  | {kind: 'failed'; message: string}

/** A sentence for `Decision.reasons`, with the outcomes it explains. */
interface Reason {
  text: string
  explains: 'deny' | 'needs_approval' | 'auto_approve'
  /** Failures are listed under every outcome they can lead to. */
  failure: boolean
}

/**
 * Evaluates every rule against a request and combines the results: any deny wins, otherwise
 * every requirement applies (merged per group), otherwise a matching auto_approve rule
 * approves, otherwise the policy default applies. A rule that fails fails closed per
 * `onError` and is reported in the decision, not thrown. A policy built in code that fails the
 * load-time checks raises `POLICY_INVALID`.
 */
export function evaluatePolicy(policy: Policy, request: PolicyRequest): Decision {
  const compiledRules = compiledRulesOf(policy)
  const context = toCelContext(request)
  const conditionAt = conditionsOf(policy, compiledRules, context)

  const matchedRules: MatchedRule[] = []
  const errors: Decision['errors'] = []
  const reasons: Reason[] = []
  const requested: RequirementRequest[] = []
  let denied = false
  let autoApproved = false

  for (const [index, compiled] of compiledRules.entries()) {
    const {rule} = compiled
    const result = evaluateRule(compiled, context, policy.path, conditionAt(index))
    if (result.kind === 'not_matched') continue

    if (result.kind === 'failed') {
      errors.push({rule: rule.id, message: result.message})
      if (policy.onError === 'deny') {
        denied = true
        reasons.push({text: `Rule ${rule.id} could not be evaluated, so the request is denied: ${result.message}`, explains: 'deny', failure: true})
      } else {
        const text = `Rule ${rule.id} could not be evaluated, so the default approvers are required: ${result.message}`
        reasons.push({text, explains: 'needs_approval', failure: true})
        for (const spec of policy.default.require) requested.push({spec, ruleId: rule.id, reason: text})
      }

      continue
    }

    matchedRules.push({id: rule.id, effect: rule.effect, message: result.message})
    if (rule.effect === 'deny') {
      denied = true
      reasons.push({text: result.message, explains: 'deny', failure: false})
    } else if (rule.effect === 'require') {
      reasons.push({text: result.message, explains: 'needs_approval', failure: false})
      for (const spec of rule.require) requested.push({spec, ruleId: rule.id, reason: result.message})
    } else {
      autoApproved = true
      reasons.push({text: result.message, explains: 'auto_approve', failure: false})
    }
  }

  const base = {matchedRules, errors, policy: decisionPolicyOf(policy)}
  const reasonsFor = (outcome: Reason['explains']) =>
    reasons.filter((reason) => reason.explains === outcome || reason.failure).map((reason) => reason.text)

  if (denied) return {...base, outcome: 'deny', requirements: [], reasons: reasonsFor('deny')}
  if (requested.length > 0) {
    return {
      ...base,
      outcome: 'needs_approval',
      requirements: mergeRequirements(requested, policy.groups),
      reasons: reasonsFor('needs_approval'),
    }
  }

  if (autoApproved) return {...base, outcome: 'auto_approve', requirements: [], reasons: reasonsFor('auto_approve')}
  return applyDefault(policy, base)
}

/** Builds the `policy` field of a decision: the path and a copy of the origin, when there is one. */
function decisionPolicyOf(policy: Policy): DecisionPolicy {
  return policy.origin === undefined ? {path: policy.path} : {path: policy.path, origin: copyOrigin(policy.origin)}
}

function applyDefault(policy: Policy, base: Pick<Decision, 'matchedRules' | 'errors' | 'policy'>): Decision {
  const {effect, message} = policy.default
  if (effect === 'deny') return {...base, outcome: 'deny', requirements: [], reasons: [message]}
  if (effect === 'auto_approve') return {...base, outcome: 'auto_approve', requirements: [], reasons: [message]}

  const requested = policy.default.require.map((spec) => ({spec, ruleId: defaultRuleId, reason: message}))
  return {...base, outcome: 'needs_approval', requirements: mergeRequirements(requested, policy.groups), reasons: [message]}
}

/**
 * Evaluates one rule's `when` and, when it matches, its message. A CEL error or a result of
 * the wrong type becomes a `failed` result that names the field and the position in `file`.
 * `knownMatch` is the value of `when` when the caller already has it, and the condition then
 * does not run again.
 */
export function evaluateRule(compiled: CompiledRule, context: Record<string, unknown>, file: string, knownMatch?: boolean): RuleResult {
  let matched: unknown = knownMatch
  if (matched === undefined) {
    try {
      matched = run(compiled.when, context)
    } catch (error) {
      return {kind: 'failed', message: failureMessage(compiled.when, error, file)}
    }
  }

  if (typeof matched !== 'boolean') {
    return {kind: 'failed', message: `when returned ${describe(matched)} instead of a bool`}
  }

  if (!matched) return {kind: 'not_matched'}
  if (!compiled.messageExpression) return {kind: 'matched', message: compiled.rule.message ?? ''}

  let message: unknown
  try {
    message = run(compiled.messageExpression, context)
  } catch (error) {
    return {kind: 'failed', message: failureMessage(compiled.messageExpression, error, file)}
  }

  if (typeof message !== 'string') {
    return {kind: 'failed', message: `messageExpression returned ${describe(message)} instead of a string`}
  }

  return {kind: 'matched', message}
}

function run(expression: CompiledExpression, context: Record<string, unknown>): unknown {
  return runProgram(expression.program, context)
}

/** Runs a parsed CEL program synchronously. */
export function runProgram(program: ParseResult, context: Record<string, unknown>): unknown {
  const value: unknown = program(context)
  // cel-js returns a promise only when an async function is registered, and the policy environment has none.
  if (value instanceof Promise) throw new Error('the expression returned a promise')
  return value
}

/** Describes an evaluation failure: the field, the CEL error and where it points in the policy file. */
function failureMessage(expression: CompiledExpression, error: unknown, file: string): string {
  if (!(error instanceof EvaluationError)) return `${expression.field} failed: ${String(error)}`

  const start = error.range?.start
  const position = start === undefined ? undefined : expression.locate?.(start)
  let location = ''
  if (position) location = ` (${file}:${position.line}:${position.column})`
  else if (start !== undefined) location = ` (at character ${start + 1} of ${expression.field})`
  return `${expression.field} failed: ${error.summary}${location}`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return `the int ${value}`
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`
  return `a ${Array.isArray(value) ? 'list' : typeof value}`
}
