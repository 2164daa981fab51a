import {RequirementMerger} from './requirements.js'
import type {Decision, DecisionPolicy} from './types.js'

/**
 * Combines the decisions of several policies for one request, such as a shared policy and a
 * local one, so that requirements only grow. Any deny wins. Otherwise the requirements of
 * every decision are merged by group with the rules used inside one policy: the larger count,
 * accumulated reasons and rules, allowRequester only if every decision allows it, and the
 * shortest sla. The result is auto_approve only if every decision auto-approves.
 *
 * Each merged requirement lists in `policies` the paths of the policies that asked for it, and
 * the merged decision lists every policy in `policies`. Its `policy` is the first decision's.
 * Throws a TypeError when `decisions` is empty.
 */
export function mergeDecisions(decisions: readonly Decision[]): Decision {
  const [first] = decisions
  if (first === undefined) throw new TypeError('mergeDecisions needs at least one decision')

  const base = {
    matchedRules: decisions.flatMap((decision) => decision.matchedRules.map((rule) => ({...rule}))),
    errors: decisions.flatMap((decision) => decision.errors.map((error) => ({...error}))),
    policy: copyPolicy(first.policy),
    policies: decisions.flatMap((decision) => (decision.policies ?? [decision.policy]).map(copyPolicy)),
  }

  const outcome = mergedOutcome(decisions)
  const reasons = unique(decisions.filter((decision) => decision.outcome === outcome).flatMap((decision) => decision.reasons))
  if (outcome !== 'needs_approval') return {...base, outcome, requirements: [], reasons}

  const merger = new RequirementMerger()
  for (const decision of decisions) {
    for (const requirement of decision.requirements) {
      merger.add({...requirement, policies: requirement.policies ?? [decision.policy.path]})
    }
  }

  return {...base, outcome, requirements: merger.requirements(), reasons}
}

function mergedOutcome(decisions: readonly Decision[]): Decision['outcome'] {
  if (decisions.some((decision) => decision.outcome === 'deny')) return 'deny'
  if (decisions.some((decision) => decision.outcome === 'needs_approval')) return 'needs_approval'
  return 'auto_approve'
}

function copyPolicy(policy: DecisionPolicy): DecisionPolicy {
  return policy.origin === undefined ? {path: policy.path} : {path: policy.path, origin: {...policy.origin}}
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)]
}
