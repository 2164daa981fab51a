import {appendFileSync} from 'node:fs'

import {formatMinutes} from '../durations.js'
import type {EscalationCheck, EscalationReport} from '../gate/escalate.js'
import {escapeMarkdown} from './policy-verify.js'

/** Formats what `idp approvals escalate` found: one line per requirement with an SLA. */
export function formatEscalations(checks: EscalationCheck[], now: Date, dryRun: boolean): string {
  if (checks.length === 0) return `No open idp pull request waits for an approval with an SLA (checked at ${now.toISOString()}).`
  const lines = checks.map((check) => `#${check.pullRequest.number} @${check.team} (${check.group}): waited ${formatMinutes(Math.max(0, check.waitedMinutes))} of ${check.sla}, ${describeResult(check)}`)
  const escalated = checks.filter((check) => check.result === 'escalated' || check.result === 'would_escalate').length
  lines.push(`${dryRun ? 'Dry run: would escalate' : 'Escalated'} ${escalated} of ${checks.length} ${checks.length === 1 ? 'requirement' : 'requirements'}.`)
  return lines.join('\n')
}

/** Describes what happened to one requirement: within the SLA, escalated, or not again. */
function describeResult(check: EscalationCheck): string {
  const target = check.escalateTo.group === check.group ? `@${check.team}` : `@${check.escalateTo.team} (${check.escalateTo.group})`
  const results: Record<EscalationCheck['result'], string> = {
    within_sla: 'within the SLA',
    escalated: `escalated to ${target}`,
    already_escalated: 'already escalated',
    would_escalate: `would escalate to ${target}`,
  }
  return results[check.result]
}

/**
 * Appends what `idp approvals escalate` found to the GitHub Actions job summary
 * (GITHUB_STEP_SUMMARY) as Markdown: one row per requirement with an SLA, then the pull
 * requests that failed and the warnings. Returns a warning when the file cannot be written.
 */
export function writeEscalationSummary(report: EscalationReport & {warnings: string[]}, dryRun: boolean, env: NodeJS.ProcessEnv): string | undefined {
  const path = env.GITHUB_STEP_SUMMARY
  if (!path) return undefined
  const {checks} = report
  const lines = ['### idp approvals escalate', '']
  if (checks.length === 0) lines.push('No open idp pull request waits for an approval with an SLA.', '')
  else {
    const escalated = checks.filter((check) => check.result === (dryRun ? 'would_escalate' : 'escalated')).length
    lines.push(`${dryRun ? 'Dry run: would escalate' : 'Escalated'} ${escalated} of ${checks.length} ${checks.length === 1 ? 'requirement' : 'requirements'} with an SLA.`, '')
    lines.push('| Pull request | Approvers | Waited | SLA | Result |', '|---|---|---|---|---|')
    for (const check of checks) {
      lines.push(`| #${check.pullRequest.number} | @${escapeMarkdown(check.team)} (${escapeMarkdown(check.group)}) | ${formatMinutes(Math.max(0, check.waitedMinutes))} | ${escapeMarkdown(check.sla)} | ${escapeMarkdown(describeResult(check))} |`)
    }

    lines.push('')
  }

  for (const failure of report.failures) lines.push(`- Pull request #${failure.pullRequest} was not checked: ${escapeMarkdown(failure.message)}`)
  for (const warning of report.warnings) lines.push(`- Warning: ${escapeMarkdown(warning)}`)
  if (report.failures.length + report.warnings.length > 0) lines.push('')
  try {
    appendFileSync(path, `${lines.join('\n')}\n`)
    return undefined
  } catch (error) {
    return `The job summary was not written to GITHUB_STEP_SUMMARY (${path}): ${(error as Error).message}`
  }
}
