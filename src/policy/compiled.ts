import type {CompiledExpression} from './expressions.js'
import type {Policy, PolicyRule} from './types.js'

/** A rule with its type-checked expressions. */
export interface CompiledRule {
  rule: PolicyRule
  when: CompiledExpression
  messageExpression?: CompiledExpression
}

// Keyed by the policy object. Only frozen policies are stored, so the programs never go stale.
const compiledByPolicy = new WeakMap<Policy, CompiledRule[]>()

export function rememberCompiledRules(policy: Policy, rules: CompiledRule[]): void {
  if (Object.isFrozen(policy)) compiledByPolicy.set(policy, rules)
}

export function recallCompiledRules(policy: Policy): CompiledRule[] | undefined {
  return compiledByPolicy.get(policy)
}
