import {appendFileSync} from 'node:fs'

import {formatMoney} from '../actions/plan.js'
import {headMovedError} from '../delivery/github-status.js'
import {ExitCode} from '../errors.js'
import {printable, type GateContext, type GateOutcome, type Judgement} from '../gate/judge.js'
import {describePolicySource} from './policy-source.js'
import type {TerminalCapabilities} from './terminal.js'

/** The context of the commit status that `idp policy verify` reports. */
export const STATUS_CONTEXT = 'idp/policy'

/** Exit code of `idp policy verify` for each outcome. */
export function exitCodeOf(outcome: GateOutcome, requireRequest: boolean): number {
  switch (outcome) {
    case 'approved':
      return ExitCode.success
    case 'not_managed':
      return requireRequest ? ExitCode.failure : ExitCode.success
    case 'other_base':
      return ExitCode.success
    case 'waiting_for_approval':
      return ExitCode.waiting
    case 'denied':
      return ExitCode.denied
    default:
      return ExitCode.failure
  }
}

/** Returns the commit status state of an outcome: approvals still missing are pending, not failed. */
export function statusStateOf(outcome: GateOutcome, requireRequest: boolean): 'success' | 'pending' | 'failure' {
  if (outcome === 'approved' || (outcome === 'not_managed' && !requireRequest)) return 'success'
  return outcome === 'waiting_for_approval' ? 'pending' : 'failure'
}

/**
 * Reports the judgement as the commit status `idp/policy` on the pull request's head commit,
 * unless the head moved since the judgement began: the run for the new head decides then.
 */
export async function reportStatus(context: GateContext, judgement: Judgement, requireRequest: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  const [owner, repo] = context.repository.split('/')
  const {data: pull} = await context.client.rest.pulls.get({owner, repo, pull_number: judgement.pullRequest.number})
  if (pull.head.sha !== judgement.pullRequest.headSha) throw headMovedError(judgement.pullRequest.number, judgement.pullRequest.headSha, pull.head.sha)
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined
  await context.client.rest.repos.createCommitStatus({
    owner,
    repo,
    sha: judgement.pullRequest.headSha,
    state: statusStateOf(judgement.outcome, requireRequest),
    context: STATUS_CONTEXT,
    description: shorten(judgement.summary, 140),
    target_url: runUrl ?? judgement.pullRequest.url,
  })
}

/** Formats the judgement for a terminal or a CI log. */
export function formatJudgement(judgement: Judgement, chalk: TerminalCapabilities['stdout']): string {
  const {pullRequest, decision} = judgement
  const marks: Record<GateOutcome, string> = {
    approved: chalk.green('✓ approved'),
    waiting_for_approval: chalk.yellow('… waiting for approval'),
    denied: chalk.red('✗ denied'),
    tampered: chalk.red('✗ files differ from the request'),
    invalid_request: chalk.red('✗ invalid request'),
    not_managed: chalk.dim('- not managed by idp'),
    other_base: chalk.dim('- not judged'),
  }
  const lines = [`${chalk.bold(`Pull request #${pullRequest.number}`)} ${pullRequest.url}: ${marks[judgement.outcome]}`, `  ${judgement.summary}`]
  const {request, policyRequest} = judgement
  if (request && policyRequest) {
    // Recomputed from the manifest: the readable part of the body is the requester's text.
    lines.push(`  Request: ${judgement.title ?? request.action} (${request.action}) by ${pullRequest.author}, run ${request.runId}`)
    lines.push(`  Inputs: ${Object.entries(policyRequest.inputs).map(([name, value]) => `${name}=${printable(typeof value === 'string' ? value : JSON.stringify(value))}`).join(', ')}`)
    lines.push(`  Cost: ${formatMoney(policyRequest.cost.monthly, policyRequest.cost.currency)}/month${policyRequest.risk.length > 0 ? `, risk ${policyRequest.risk.join(', ')}` : ''}`)
    for (const resource of policyRequest.resources) lines.push(`  ${resource.change === 'delete' ? 'Deletes' : 'Creates'}: ${printable(String(resource.type))} ${printable(String(resource.name))}`)
    for (const permission of policyRequest.permissions) lines.push(`  Grants: ${printable(String(permission.principal))} gets ${printable(String(permission.role))} on ${printable(String(permission.on))}`)
  }

  if (decision) lines.push(chalk.dim(`  Policy: ${describePolicySource(decision)}`))
  for (const note of judgement.notes) lines.push(chalk.dim(`  Note: ${note}`))

  if (judgement.files.length > 0) {
    lines.push('', chalk.bold('Files'))
    const problems = {
      changed: 'differs from the rendered request',
      unexpected: 'is not written by the request',
      missing: 'is written by the request but missing from the pull request',
      removed: 'is removed by the pull request, but the request does not delete it',
      exists: 'already exists on the base branch, and the request creates new resources',
      kept: 'is deleted by the request but still in the pull request',
    }
    for (const file of judgement.files) {
      lines.push(`  ${chalk.red('✗')} ${file.path} ${problems[file.problem]}`)
      if (file.diff) lines.push(...file.diff.split('\n').map((line) => `      ${printable(line)}`))
    }
  }

  if (judgement.requirements.length > 0) {
    lines.push('', chalk.bold('Requirements'))
    for (const requirement of judgement.requirements) {
      const mark = requirement.satisfied ? chalk.green('✓') : chalk.yellow('…')
      const approvers = requirement.approvals.length > 0 ? `approved by ${requirement.approvals.join(', ')}` : 'no counting approval yet'
      const reasons = decision?.requirements.find((entry) => entry.group === requirement.group)?.reasons ?? []
      lines.push(`  ${mark} ${Math.min(requirement.approvals.length, requirement.count)}/${requirement.count} from @${requirement.team} (${requirement.group}): ${approvers}`)
      for (const reason of reasons) lines.push(chalk.dim(`      ${reason}`))
      if (requirement.membersUnreadable) lines.push(chalk.yellow(`      The token cannot list the members of @${requirement.team}, so no approval counts for it: give the token read access to the organization's members.`))
      for (const {login, reason} of requirement.ignored ?? []) lines.push(chalk.dim(`      Not counted: ${login} ${reason}.`))
      if (requirement.changesRequested) lines.push(chalk.yellow(`      Changes requested by ${requirement.changesRequested.join(', ')}.`))
    }
  }

  return lines.join('\n')
}

/**
 * Appends the judgement to the GitHub Actions job summary (GITHUB_STEP_SUMMARY) as Markdown:
 * the outcome and one row per requirement. Returns a warning when the file cannot be written.
 */
export function writeJobSummary(judgement: Judgement, env: NodeJS.ProcessEnv): string | undefined {
  const path = env.GITHUB_STEP_SUMMARY
  if (!path) return undefined
  const {pullRequest} = judgement
  const lines = [`### idp policy: pull request #${pullRequest.number}`, '', `**${judgement.outcome.replaceAll('_', ' ')}**: ${escapeMarkdown(judgement.summary)}`, '']
  if (judgement.requirements.length > 0) {
    lines.push('| Approvers | Needed | Counted approvals | Met |', '|---|---|---|---|')
    for (const requirement of judgement.requirements) {
      lines.push(`| @${requirement.team} (${requirement.group}) | ${requirement.count} | ${requirement.approvals.join(', ') || '-'} | ${requirement.satisfied ? 'yes' : 'no'} |`)
    }

    lines.push('')
  }

  if (judgement.policyRequest) {
    const {cost, inputs} = judgement.policyRequest
    const shown = Object.entries(inputs).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    lines.push(`Recomputed request: ${codeSpan(shown.join(', '))}, ${formatMoney(cost.monthly, cost.currency)} per month.`, '')
  }

  if (judgement.files.length > 0) {
    lines.push('| File | Problem |', '|---|---|')
    for (const file of judgement.files) lines.push(`| ${codeSpan(file.path)} | ${file.problem} |`)
    lines.push('')
  }

  if (judgement.decision) lines.push(`Policy: \`${describePolicySource(judgement.decision)}\``, '')
  try {
    appendFileSync(path, `${lines.join('\n')}\n`)
    return undefined
  } catch (error) {
    return `The job summary was not written to GITHUB_STEP_SUMMARY (${path}): ${(error as Error).message}`
  }
}

/** Shapes the judgement for `--json`. */
export function judgementJson(judgement: Judgement, exitCode: number): Record<string, unknown> {
  return {
    pullRequest: judgement.pullRequest,
    outcome: judgement.outcome,
    summary: judgement.summary,
    exitCode,
    request: judgement.request,
    cost: judgement.policyRequest?.cost,
    decision: judgement.decision,
    requirements: judgement.requirements,
    files: judgement.files,
    problem: judgement.problem,
    notes: judgement.notes,
  }
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`
}

export function escapeMarkdown(text: string): string {
  return printable(text).replaceAll(/[<>|\\`*_[\]#]/g, (character) => `\\${character}`)
}

/** Writes text from a pull request as one inline code span that cannot close itself or break a table. */
function codeSpan(text: string): string {
  return `\`${printable(text).replaceAll('`', "'").replaceAll('|', '\\|')}\``
}
