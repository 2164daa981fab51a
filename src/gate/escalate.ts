import {formatMinutes} from '../durations.js'
import {ExitCode, IdpError} from '../errors.js'
import {durationMinutes} from '../policy/requirements.js'
import {type GateContext, judgePullRequest, type Judgement} from './judge.js'
import {readRecordedRequest} from './recorded-request.js'

/** The label every escalated pull request gets, to find them in the pull request list. */
export const ESCALATED_LABEL = 'idp:escalated'

/** Marks a comment as the escalation of one requirement, so that it happens once. */
export function escalationMarker(group: string): string {
  return `<!-- idp-escalation: ${group} -->`
}

/** One requirement of one pull request that has an SLA, and what escalation did about it. */
export interface EscalationCheck {
  pullRequest: {number: number; url: string}
  group: string
  team: string
  sla: string
  waitingSince: string
  waitedMinutes: number
  /** Group and team asked once the SLA passes; the requirement's own team when none is set. */
  escalateTo: {group: string; team: string}
  /** within_sla: nothing to do yet. escalated: done now. already_escalated: an earlier run did it. would_escalate: a dry run. */
  result: 'within_sla' | 'escalated' | 'already_escalated' | 'would_escalate'
}

export interface EscalateOptions {
  now: Date
  dryRun: boolean
  /**
   * The login of the token's account, for a token that cannot read it: a GitHub App's bot
   * account, such as `idp-gate[bot]` (IDP_BOT_LOGIN).
   */
  botLogin?: string
  /** Called after each escalation, for notifications; its failures are the caller's to report. */
  onEscalated?: (check: EscalationCheck, judgement: Judgement) => Promise<void>
}

/**
 * Escalates open idp pull requests whose requirement has waited longer than its SLA without
 * enough approvals: requests review from the escalation group, and adds the label
 * `idp:escalated` and a comment with the reason. A hidden marker in the comment, written by the
 * same account, makes it happen once per requirement. A pull request that fails (GitHub, an
 * invalid request) is reported in `failures`, and the others are still escalated.
 */
export async function escalatePullRequests(context: GateContext, options: EscalateOptions): Promise<EscalationReport> {
  const [owner, repo] = context.repository.split('/')
  const [pulls, viewer] = await Promise.all([
    context.client.paginate(context.client.rest.pulls.list, {owner, repo, state: 'open', per_page: 100}),
    options.botLogin ?? ownLogin(context),
  ])
  const report: EscalationReport = {checks: [], failures: []}
  for (const pull of pulls) {
    if (readRecordedRequest(pull.body).kind !== 'request') continue
    try {
      report.checks.push(...(await escalatePullRequest(context, pull.number, viewer, options)))
    } catch (error) {
      report.failures.push({pullRequest: pull.number, message: (error as Error).message.split('\n')[0]})
    }
  }

  return report
}

/**
 * Reads the login of the token's account, which wrote the escalation comments of earlier runs.
 * GitHub returns 403 for a GitHub App installation token, which then needs IDP_BOT_LOGIN.
 */
async function ownLogin(context: GateContext): Promise<string> {
  try {
    return (await context.client.rest.users.getAuthenticated()).data.login
  } catch (error) {
    if ((error as {status?: number}).status !== 403) throw error
    throw new IdpError('The token cannot read its own account, so idp cannot tell which escalation comments it wrote', {
      code: 'BOT_LOGIN_REQUIRED',
      exitCode: ExitCode.usage,
      hint: "A GitHub App installation token cannot read GET /user. Set IDP_BOT_LOGIN (the bot-login input of idp's GitHub Action) to the App's bot account, such as idp-gate[bot]: actions/create-github-app-token gives the App's slug as its app-slug output.",
    })
  }
}

/** Result of `escalatePullRequests`: the checked requirements, and the pull requests it could not handle. */
export interface EscalationReport {
  checks: EscalationCheck[]
  failures: Array<{pullRequest: number; message: string}>
}

async function escalatePullRequest(context: GateContext, number: number, viewer: string, options: EscalateOptions): Promise<EscalationCheck[]> {
  const [owner, repo] = context.repository.split('/')
  const checks: EscalationCheck[] = []
  // The files are checked too: a request whose files were changed is not worth an approver's time.
  const judgement = await judgePullRequest(context, number, {checkFiles: true})
  if (judgement.outcome !== 'waiting_for_approval' || !judgement.decision) return checks
  const due = judgement.decision.requirements.filter((requirement) => requirement.sla && !judgement.requirements.find((state) => state.group === requirement.group)?.satisfied)
  if (due.length === 0) return checks

  const comments = await context.client.paginate(context.client.rest.issues.listComments, {owner, repo, issue_number: number, per_page: 100})
  // Only idp's own comments count as markers: anyone can write the marker text.
  const markers = comments.filter((comment) => comment.user?.login === viewer).map((comment) => comment.body ?? '')
  for (const requirement of due) {
    const waitedMinutes = Math.floor((options.now.getTime() - new Date(judgement.pullRequest.createdAt).getTime()) / 60_000)
    const escalateGroup = requirement.escalateTo ?? requirement.group
    const check: EscalationCheck = {
      pullRequest: {number, url: judgement.pullRequest.url},
      group: requirement.group,
      team: requirement.team,
      sla: requirement.sla!,
      waitingSince: judgement.pullRequest.createdAt,
      waitedMinutes,
      escalateTo: {group: escalateGroup, team: judgement.policy?.groups[escalateGroup]?.team ?? requirement.team},
      result: 'within_sla',
    }
    checks.push(check)
    if (waitedMinutes <= durationMinutes(check.sla)) continue
    if (markers.some((body) => body.includes(escalationMarker(requirement.group)))) {
      check.result = 'already_escalated'
      continue
    }

    if (options.dryRun) {
      check.result = 'would_escalate'
      continue
    }

    await escalate(context, check)
    check.result = 'escalated'
    await options.onEscalated?.(check, judgement)
  }

  return checks
}

async function escalate(context: GateContext, check: EscalationCheck): Promise<void> {
  const [owner, repo] = context.repository.split('/')
  const number = check.pullRequest.number
  const body = [
    escalationMarker(check.group),
    `**Escalated:** the approval of @${owner}/${check.team} (${check.group}) has waited ${formatMinutes(check.waitedMinutes)}, longer than its SLA of ${check.sla}.`,
    '',
    check.escalateTo.group === check.group
      ? `@${owner}/${check.team}: please review this request.`
      : `Review is now requested from @${owner}/${check.escalateTo.team} (${check.escalateTo.group}) as well; an approval from @${owner}/${check.team} is still what the policy counts.`,
  ].join('\n')
  // The comment goes last: it is the marker that the escalation happened.
  await Promise.all([
    context.client.rest.pulls.requestReviewers({owner, repo, pull_number: number, reviewers: [], team_reviewers: [check.escalateTo.team]}),
    context.client.rest.issues.addLabels({owner, repo, issue_number: number, labels: [ESCALATED_LABEL]}),
  ])
  await context.client.rest.issues.createComment({owner, repo, issue_number: number, body})
}
