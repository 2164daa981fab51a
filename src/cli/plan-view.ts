import type {ChalkInstance} from 'chalk'
import {createTwoFilesPatch} from 'diff'

import {formatMoney, type Plan, shownInputs} from '../actions/plan.js'
import type {SubmitResult} from '../actions/submit.js'
import type {DeliveryResult} from '../delivery/target.js'
import type {Decision} from '../policy/index.js'
import {describePolicySource} from './policy-source.js'

/** Formats the plan shown before anything is written. */
export function formatPlan(plan: Plan, chalk: ChalkInstance): string {
  const lines: string[] = []
  lines.push(chalk.bold(`${plan.action.title} (${plan.action.name})`))
  const width = Math.max(...Object.keys(plan.inputs).map((name) => name.length))
  for (const [name, value] of Object.entries(shownInputs(plan))) {
    const label = plan.labels[name]
    const shown = typeof value === 'string' ? value : JSON.stringify(value)
    lines.push(`  ${name.padEnd(width)}  ${shown}${label && label !== shown ? chalk.dim(` (${label})`) : ''}`)
  }

  for (const change of ['create', 'delete'] as const) {
    const resources = plan.resources.filter((resource) => (resource.change ?? 'create') === change)
    if (resources.length === 0) continue
    lines.push('', chalk.bold(`Resources to ${change}`))
    const mark = change === 'create' ? chalk.green('+') : chalk.red('-')
    for (const resource of resources) {
      lines.push(`  ${mark} ${resource.type} ${chalk.bold(resource.name)}${resource.description ? chalk.dim(`: ${resource.description}`) : ''}`)
    }
  }

  if (plan.permissions.length > 0) {
    lines.push('', chalk.bold('Permissions to grant'))
    for (const permission of plan.permissions) {
      lines.push(`  ${chalk.green('+')} ${permission.principal} gets ${permission.role} on ${permission.on}${permission.description ? chalk.dim(`: ${permission.description}`) : ''}`)
    }
  }

  if (plan.cost) {
    lines.push('', `${chalk.bold('Estimated cost:')} ${formatMoney(plan.cost.monthly, plan.cost.currency)}/month (${plan.cost.currency})`)
    if (plan.cost.explanation) lines.push(chalk.dim(`  ${plan.cost.explanation}`))
  }

  lines.push('', `${chalk.bold('Approval:')} ${formatDecision(plan.decision, chalk)}`)
  for (const reason of plan.decision.reasons) lines.push(`  - ${reason}`)
  lines.push(chalk.dim(`  Policy: ${describePolicySource(plan.decision)}`))

  lines.push('', chalk.bold(`Files in the ${plan.target.description}`))
  for (const file of plan.files) {
    const marks = {added: chalk.green('+'), modified: chalk.yellow('~'), unchanged: chalk.dim('='), deleted: chalk.red('-')}
    const mark = marks[file.status]
    lines.push(`  ${mark} ${file.path} ${chalk.dim(`(${file.status})`)}`)
  }

  lines.push(`  on branch ${plan.change.branch}`)
  lines.push('', chalk.dim(`Configuration: ${plan.configSources.length > 0 ? plan.configSources.join(', ') : 'none (built-in defaults)'}`))
  return lines.join('\n')
}

/** Formats a decision in one line: auto-approved, needs approval from whom, or denied. */
export function formatDecision(decision: Decision, chalk: ChalkInstance): string {
  if (decision.outcome === 'auto_approve') return chalk.green('auto-approved')
  if (decision.outcome === 'deny') return chalk.red('denied')
  return chalk.yellow(`needs approval: ${requiredApprovers(decision)}`)
}

/** "1 from @team-leads and 1 from @finance". */
export function requiredApprovers(decision: Decision): string {
  return decision.requirements.map((requirement) => `${requirement.count} from @${requirement.team}`).join(' and ')
}

/** Formats the unified diff of every added, modified or deleted file, for a dry run. */
export function formatDiff(plan: Plan, chalk: ChalkInstance): string {
  const parts: string[] = []
  for (const file of plan.files) {
    if (file.status === 'unchanged') continue
    // A deleted file that was not read (no token) has no lines to show.
    if (file.status === 'deleted' && !file.previous) {
      parts.push(chalk.red(`deleted: ${file.path} (not read without a token)`))
      continue
    }

    const before = file.previous?.toString('utf8') ?? ''
    const after = file.content.toString('utf8')
    const oldName = file.status === 'added' ? '/dev/null' : `a/${file.path}`
    const newName = file.status === 'deleted' ? '/dev/null' : `b/${file.path}`
    const patch = createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, {context: 3})
    for (const line of patch.split('\n').slice(1)) {
      if (line.startsWith('+') && !line.startsWith('+++')) parts.push(chalk.green(line))
      else if (line.startsWith('-') && !line.startsWith('---')) parts.push(chalk.red(line))
      else parts.push(line)
    }
  }

  return parts.join('\n').trimEnd()
}

/** Formats the final lines of a submission: where the change is, the decision, and what happens next. */
export function formatResult(plan: Plan, result: SubmitResult, chalk: ChalkInstance): string {
  const lines: string[] = []
  const {delivery} = result
  if (delivery.pullRequest) lines.push(`${chalk.bold('Pull request:')} ${delivery.pullRequest.url}`)
  else lines.push(`${chalk.bold('Branch:')} ${delivery.branch} (commit ${delivery.commit.slice(0, 12)}) in the ${plan.target.description}`)
  for (const output of result.outputs) {
    if (['pullRequest', 'branch', 'commit'].includes(output.name)) continue
    lines.push(`${chalk.bold(`${output.title}:`)} ${output.value}`)
  }

  lines.push(`${chalk.bold('Decision:')} ${formatDecision(plan.decision, chalk)}`)
  lines.push(`${chalk.bold('Next:')} ${nextStep(plan, result)}`)
  lines.push(chalk.dim(`Run ${plan.runId}; journal ${result.journalPath}`))
  return lines.join('\n')
}

/** Formats what an edit changes: inputs, cost and decision, old then new. */
export function formatEditSummary(previous: {inputs: Record<string, unknown>; cost?: {monthly: number; currency: string}; decision?: Decision}, plan: Plan, chalk: ChalkInstance): string {
  const lines = [chalk.bold('Changes to the submitted request')]
  for (const [name, value] of Object.entries(plan.inputs)) {
    if (JSON.stringify(previous.inputs[name]) !== JSON.stringify(value)) lines.push(`  ${name}: ${String(previous.inputs[name])} → ${String(value)}`)
  }

  if (previous.cost && plan.cost && previous.cost.monthly !== plan.cost.monthly) {
    lines.push(`  cost: ${formatMoney(previous.cost.monthly, previous.cost.currency)}/month → ${formatMoney(plan.cost.monthly, plan.cost.currency)}/month`)
  }

  if (previous.decision) {
    const before = formatDecision(previous.decision, chalk)
    const after = formatDecision(plan.decision, chalk)
    lines.push(before === after ? `  decision: ${after} (unchanged)` : `  decision: ${before} → ${after}`)
  }

  return lines.join('\n')
}

/** Formats the report of a request that an earlier run already submitted. */
export function formatExisting(plan: Plan, existing: DeliveryResult, chalk: ChalkInstance): string {
  const lines = ['Already submitted: an earlier run of this request made the same change.']
  if (existing.pullRequest) lines.push(`${chalk.bold('Pull request:')} ${existing.pullRequest.url}`)
  lines.push(`${chalk.bold('Branch:')} ${existing.branch} (commit ${existing.commit.slice(0, 12)}) in the ${plan.target.description}`)
  lines.push(`${chalk.bold('Decision:')} ${formatDecision(plan.decision, chalk)}`)
  lines.push(`${chalk.bold('Next:')} nothing was written. To propose a different change, run the action with other inputs, or with --branch <name>.`)
  return lines.join('\n')
}

function nextStep(plan: Plan, result: SubmitResult): string {
  if (!result.delivery.pullRequest) {
    return (
      'review the branch locally (git log, git diff) and merge it when ready. ' +
      'To get pull requests instead, set target.github.repository in .idprc.yaml (see docs/configuration.md).'
    )
  }

  if (plan.decision.outcome === 'auto_approve') return 'no approval is needed: merge the pull request once its checks pass.'
  return `${requiredApprovers(plan.decision)} must approve the pull request; they have been asked to review it.`
}
