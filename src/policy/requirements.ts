import type {PolicyGroup, Requirement, RequirementSpec} from './types.js'

/** One rule's request for approvals from one group. */
export interface RequirementRequest {
  spec: RequirementSpec
  ruleId: string
  reason: string
}

interface Merged {
  requirement: Requirement
  /** Minutes of the sla the requirement carries, Infinity when it has none. */
  slaMinutes: number
}

/**
 * Merges requests for the same group into one requirement, in the order groups were first
 * requested: the larger count wins, reasons and rule ids accumulate, the requester may
 * approve only if every request allows it, and the shortest sla is kept together with the
 * escalation target of the request that set it.
 */
export function mergeRequirements(requests: RequirementRequest[], groups: Record<string, PolicyGroup>): Requirement[] {
  const byGroup = new Map<string, Merged>()

  for (const {spec, ruleId, reason} of requests) {
    const merged = byGroup.get(spec.group)
    if (!merged) {
      byGroup.set(spec.group, {
        requirement: {
          group: spec.group,
          team: groups[spec.group]?.team ?? spec.group,
          count: spec.count,
          allowRequester: spec.allowRequester,
          reasons: [reason],
          rules: [ruleId],
          ...(spec.sla === undefined ? {} : {sla: spec.sla}),
          ...(spec.escalateTo === undefined ? {} : {escalateTo: spec.escalateTo}),
        },
        slaMinutes: spec.sla === undefined ? Infinity : durationMinutes(spec.sla),
      })
      continue
    }

    const {requirement} = merged
    requirement.count = Math.max(requirement.count, spec.count)
    requirement.allowRequester &&= spec.allowRequester
    if (!requirement.reasons.includes(reason)) requirement.reasons.push(reason)
    if (!requirement.rules.includes(ruleId)) requirement.rules.push(ruleId)

    const slaMinutes = spec.sla === undefined ? Infinity : durationMinutes(spec.sla)
    if (slaMinutes < merged.slaMinutes) {
      merged.slaMinutes = slaMinutes
      requirement.sla = spec.sla
      if (spec.escalateTo === undefined) delete requirement.escalateTo
      else requirement.escalateTo = spec.escalateTo
    } else if (requirement.escalateTo === undefined && merged.slaMinutes === Infinity && spec.escalateTo !== undefined) {
      // No request has an sla yet, so the first escalation target stays until one sets an sla.
      requirement.escalateTo = spec.escalateTo
    }
  }

  return [...byGroup.values()].map((merged) => merged.requirement)
}

const minutesPerUnit: Record<string, number> = {w: 7 * 24 * 60, d: 24 * 60, h: 60, m: 1}

/** Converts an sla such as `1d12h` to minutes; the schema allows only weeks, days, hours and minutes. */
export function durationMinutes(duration: string): number {
  let minutes = 0
  for (const [, amount, unit] of duration.matchAll(/(\d+)([wdhm])/g)) {
    minutes += Number(amount) * (minutesPerUnit[unit ?? 'm'] ?? 1)
  }

  return minutes
}
