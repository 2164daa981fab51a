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
  const merger = new RequirementMerger()
  for (const {spec, ruleId, reason} of requests) {
    merger.add({
      group: spec.group,
      team: groups[spec.group]?.team ?? spec.group,
      count: spec.count,
      allowRequester: spec.allowRequester,
      reasons: [reason],
      rules: [ruleId],
      ...(spec.sla === undefined ? {} : {sla: spec.sla}),
      ...(spec.escalateTo === undefined ? {} : {escalateTo: spec.escalateTo}),
    })
  }

  return merger.requirements()
}

/**
 * Merges requirements by group with the rules of `mergeRequirements`. `policies` accumulate
 * like reasons. The first requirement of a group fixes its team.
 */
export class RequirementMerger {
  private readonly byGroup = new Map<string, Merged>()

  /** Adds a requirement. The merger copies it and never changes the argument. */
  add(incoming: Requirement): void {
    const slaMinutes = incoming.sla === undefined ? Infinity : durationMinutes(incoming.sla)
    const merged = this.byGroup.get(incoming.group)
    if (!merged) {
      const requirement: Requirement = {...incoming, reasons: [...incoming.reasons], rules: [...incoming.rules]}
      if (incoming.policies !== undefined) requirement.policies = [...incoming.policies]
      this.byGroup.set(incoming.group, {requirement, slaMinutes})
      return
    }

    const {requirement} = merged
    requirement.count = Math.max(requirement.count, incoming.count)
    requirement.allowRequester &&= incoming.allowRequester
    appendNew(requirement.reasons, incoming.reasons)
    appendNew(requirement.rules, incoming.rules)
    if (incoming.policies !== undefined) requirement.policies = appendNew(requirement.policies ?? [], incoming.policies)

    if (slaMinutes < merged.slaMinutes) {
      merged.slaMinutes = slaMinutes
      requirement.sla = incoming.sla
      if (incoming.escalateTo === undefined) delete requirement.escalateTo
      else requirement.escalateTo = incoming.escalateTo
    } else if (requirement.escalateTo === undefined && merged.slaMinutes === Infinity && incoming.escalateTo !== undefined) {
      // No request has an sla yet, so the first escalation target stays until one sets an sla.
      requirement.escalateTo = incoming.escalateTo
    }
  }

  /** Returns the merged requirements, in the order their groups were first added. */
  requirements(): Requirement[] {
    return [...this.byGroup.values()].map((merged) => merged.requirement)
  }
}

/** Appends the items of `from` that `into` lacks, in order, and returns `into`. */
function appendNew(into: string[], from: readonly string[]): string[] {
  for (const item of from) {
    if (!into.includes(item)) into.push(item)
  }

  return into
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
