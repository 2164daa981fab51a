import {formatMinutes} from '../durations.js'
import type {EscalationCheck} from '../gate/escalate.js'

/** Formats what `idp approvals escalate` found: one line per requirement with an SLA. */
export function formatEscalations(checks: EscalationCheck[], now: Date, dryRun: boolean): string {
  if (checks.length === 0) return `No open idp pull request waits for an approval with an SLA (checked at ${now.toISOString()}).`
  const lines = checks.map((check) => {
    const waited = `waited ${formatMinutes(Math.max(0, check.waitedMinutes))} of ${check.sla}`
    const target = check.escalateTo.group === check.group ? `@${check.team}` : `@${check.escalateTo.team} (${check.escalateTo.group})`
    const results: Record<EscalationCheck['result'], string> = {
      within_sla: 'within the SLA',
      escalated: `escalated to ${target}`,
      already_escalated: 'already escalated',
      would_escalate: `would escalate to ${target}`,
    }
    return `#${check.pullRequest.number} @${check.team} (${check.group}): ${waited}, ${results[check.result]}`
  })
  const escalated = checks.filter((check) => check.result === 'escalated' || check.result === 'would_escalate').length
  lines.push(`${dryRun ? 'Dry run: would escalate' : 'Escalated'} ${escalated} of ${checks.length} ${checks.length === 1 ? 'requirement' : 'requirements'}.`)
  return lines.join('\n')
}
