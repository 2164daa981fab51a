import type {Plan} from './plan.js'
import {formatMoney, shownInputs} from './plan.js'

/** The fence info string that marks the machine-readable request in a pull request body. */
export const REQUEST_FENCE = 'json idp-request'

/**
 * Writes the pull request body (also the commit message body): everything an approver needs
 * to decide without opening another system, and a machine-readable copy of the request that
 * CI can re-evaluate.
 */
export function requestBody(plan: Plan, description?: string): string {
  const lines: string[] = []
  lines.push(`## ${plan.action.title}: self-service request`, '')
  if (description) lines.push(description, '')
  const {requester} = plan
  lines.push(`Requested by ${code(requester.name)} (login ${code(requester.login)}${requester.team ? `, team ${code(requester.team)}` : ''}) with \`idp ${plan.action.command}\`.`, '')

  lines.push('### Inputs', '', '| Input | Value |', '|---|---|')
  for (const [name, value] of Object.entries(shownInputs(plan))) {
    const label = plan.labels[name]
    const shown = label && label !== String(value) ? `${String(value)} (${label})` : formatValue(value)
    lines.push(`| ${name} | ${escapeCell(shown)} |`)
  }

  lines.push('')
  for (const change of ['create', 'delete'] as const) {
    const resources = plan.resources.filter((resource) => (resource.change ?? 'create') === change)
    if (resources.length === 0) continue
    lines.push(`### Resources to ${change}`, '')
    for (const resource of resources) lines.push(`- \`${resource.type}\` **${resource.name}**${resource.description ? `: ${resource.description}` : ''}`)
    lines.push('')
  }

  if (plan.permissions.length > 0) {
    lines.push('### Permissions to grant', '')
    for (const permission of plan.permissions) {
      lines.push(`- **${permission.principal}** gets \`${permission.role}\` on ${permission.on}${permission.description ? `: ${permission.description}` : ''}`)
    }

    lines.push('')
  }

  if (plan.cost) {
    lines.push('### Estimated cost', '', `${formatMoney(plan.cost.monthly, plan.cost.currency)} per month (${plan.cost.currency}).${plan.cost.explanation ? ` ${plan.cost.explanation}` : ''}`, '')
  }

  lines.push('### Approval', '', decisionSummary(plan), '')
  for (const reason of plan.decision.reasons) lines.push(`- ${reason}`)
  if (plan.decision.reasons.length > 0) lines.push('')
  if (plan.decision.requirements.length > 0) {
    lines.push('| Approvers | Needed | Own approval counts | Response time | Rules |', '|---|---|---|---|---|')
    for (const requirement of plan.decision.requirements) {
      const sla = requirement.sla ? `${requirement.sla}${requirement.escalateTo ? `, then ${requirement.escalateTo}` : ''}` : '-'
      lines.push(`| ${teamMention(plan, requirement.team)} (${requirement.group}) | ${requirement.count} | ${requirement.allowRequester ? 'yes' : 'no'} | ${sla} | ${requirement.rules.join(', ')} |`)
    }

    lines.push('')
  }

  const matched = plan.decision.matchedRules.map((rule) => `\`${rule.id}\` (${rule.effect})`)
  lines.push(`Matched rules: ${matched.length > 0 ? matched.join(', ') : 'none, so the policy default applied'}. Policy: \`${policySource(plan)}\`.`, '')
  if (plan.decision.outcome === 'needs_approval' && plan.target.kind === 'github') {
    lines.push(
      '**To approve**, review the files and approve this pull request, or from a terminal:',
      '',
      '```sh',
      `gh pr review ${plan.change.branch} --approve${repositoryFlag(plan)}`,
      '```',
      '',
      '`idp approve` with the URL of this pull request shows this summary in the terminal before approving.',
      '',
    )
  }

  lines.push('### Files', '')
  for (const file of plan.files) lines.push(`- \`${file.path}\` (${file.status})`)
  lines.push('', `Run id: \`${plan.runId}\``, '')

  lines.push('<details><summary>Machine-readable request</summary>', '', '```' + REQUEST_FENCE, JSON.stringify(machineRequest(plan), null, 2), '```', '', '</details>', '')
  return lines.join('\n')
}

function decisionSummary(plan: Plan): string {
  const {decision} = plan
  if (decision.outcome === 'auto_approve') {
    const merge = plan.change.autoMerge ? ' Auto-merge is on: the change merges once the required checks pass.' : ''
    return `**Auto-approved** by the approval policy: no approver is needed.${merge}`
  }

  if (decision.outcome === 'deny') return '**Denied** by the approval policy.'
  const needed = decision.requirements.map((requirement) => `${requirement.count} from ${teamMention(plan, requirement.team)}`).join(' and ')
  return `**Needs approval**: ${needed}.`
}

/**
 * Mentions a team the way GitHub links it, `@acme/team-leads`; a bare `@team-leads` would
 * mention a user of that name.
 */
function teamMention(plan: Plan, team: string): string {
  const repository = plan.target.summary.repository
  return typeof repository === 'string' ? `@${repository.split('/')[0]}/${team}` : `@${team}`
}

function policySource(plan: Plan): string {
  const {policy} = plan.decision
  const commit = policy.origin?.commit
  return commit ? `${policy.path} at ${commit.slice(0, 12)}` : policy.path
}

function repositoryFlag(plan: Plan): string {
  const repository = plan.target.summary.repository
  return typeof repository === 'string' ? ` --repo ${repository}` : ''
}

/** Builds the request as CI reads it back: enough to re-render the files and re-evaluate the policy. */
export function machineRequest(plan: Plan): Record<string, unknown> {
  return {
    apiVersion: 'idp.dev/v1',
    kind: 'Request',
    runId: plan.runId,
    fingerprint: plan.change.fingerprint,
    action: plan.action.name,
    inputs: shownInputs(plan),
    requester: plan.requester,
    cost: plan.cost ? {monthly: plan.cost.monthly, currency: plan.cost.currency} : undefined,
    decision: {
      outcome: plan.decision.outcome,
      requirements: plan.decision.requirements.map((requirement) => ({group: requirement.group, team: requirement.team, count: requirement.count})),
    },
    files: plan.files.map((file) => file.path),
  }
}

/**
 * Writes text from configuration (names, logins) as one inline code span, so that it cannot
 * add headings, links or HTML to the body that approvers read.
 */
function code(text: string): string {
  return `\`${text.replaceAll(/[\r\n`]+/g, ' ')}\``
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}
