import type {Progress} from '../actions/progress.js'
import type {RequestStatus, RequiredApproval} from '../delivery/github-status.js'
import {describeWait} from '../durations.js'
import type {DeliveryTarget} from '../delivery/target.js'
import {ExitCode, IdpError} from '../errors.js'

export interface WaitOptions {
  /** Milliseconds between two reads of the pull request. */
  intervalMs: number
  /** Milliseconds after which waiting stops with exit code 8. */
  timeoutMs: number
}

/** Reads the wait timing: IDP_WAIT_INTERVAL_MS (default 10 s) and IDP_WAIT_TIMEOUT_MS (default 30 min). */
export function waitOptions(env: NodeJS.ProcessEnv): WaitOptions {
  const number = (value: string | undefined, fallback: number) => {
    const parsed = Number(value)
    return value && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback
  }

  return {intervalMs: number(env.IDP_WAIT_INTERVAL_MS, 10_000), timeoutMs: number(env.IDP_WAIT_TIMEOUT_MS, 30 * 60_000)}
}

/**
 * Follows a pull request until it is merged or closed, or until it needs a person: failed
 * checks, missing approvals, or a ready-to-merge state. Each change is reported once as a line.
 */
export async function waitForRequest(
  target: DeliveryTarget,
  pullRequest: {number: number; url: string},
  required: RequiredApproval[],
  progress: Progress,
  options: WaitOptions,
): Promise<RequestStatus> {
  if (!target.status) {
    throw new IdpError('--wait needs a GitHub target: a local repository has no pull request to follow', {
      code: 'WAIT_UNSUPPORTED',
      exitCode: ExitCode.usage,
      hint: 'Configure target.github.repository, or leave out --wait.',
    })
  }

  const deadline = Date.now() + options.timeoutMs
  const seen = new Set<string>()
  for (;;) {
    const status = await target.status(pullRequest, required)
    for (const line of describeStatus(status)) {
      if (seen.has(line)) continue
      seen.add(line)
      progress.info(line)
    }

    if (status.outcome !== 'checks_pending' || Date.now() + options.intervalMs > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs))
  }
}

/**
 * Describes a status as lines: one per check, one per requirement, and the pull request. A
 * requirement still waiting shows how long it has waited against its SLA.
 */
export function describeStatus(status: RequestStatus, now = new Date()): string[] {
  const lines = status.checks.map((check) => `Check ${check.name}: ${check.state}${check.url ? ` (${check.url})` : ''}`)
  for (const requirement of status.requirements) {
    const who = requirement.approvals.length > 0 ? ` by ${requirement.approvals.join(', ')}` : ''
    const waiting = requirement.satisfied || status.pullRequest.state !== 'open' ? '' : `; ${describeWait(status.pullRequest.createdAt, requirement.sla, now)}`
    const unreadable = requirement.membersUnreadable ? ' (the token cannot list this team\'s members, so no approval counts)' : ''
    lines.push(`Approval from @${requirement.team}: ${requirement.approvals.length} of ${requirement.count}${who}${waiting}${unreadable}`)
  }

  lines.push(`Pull request #${status.pullRequest.number}: ${describeOutcome(status)}`)
  return lines
}

/** Describes the state of a request's pull request in words. */
export function describeOutcome(status: RequestStatus): string {
  const missing = status.requirements.filter((requirement) => !requirement.satisfied).map((requirement) => `${requirement.count - requirement.approvals.length} from @${requirement.team}`)
  switch (status.outcome) {
    case 'merged': {
      return 'merged'
    }

    case 'closed': {
      return 'closed without merging'
    }

    case 'checks_failed': {
      return `checks failed: ${status.checks.filter((check) => check.state === 'failure').map((check) => check.name).join(', ')}`
    }

    case 'checks_pending': {
      return `checks still running: ${status.checks.filter((check) => check.state === 'pending').map((check) => check.name).join(', ')}`
    }

    case 'waiting_for_approval': {
      return `waiting for approval: ${missing.join(' and ')}`
    }

    case 'ready_to_merge': {
      return 'checks passed and every approval is in: ready to merge'
    }
  }
}

/** Turns the final status of a wait into the command's error, or undefined for success. */
export function waitResultError(status: RequestStatus, runId: string): IdpError | undefined {
  const where = `Pull request #${status.pullRequest.number} (${status.pullRequest.url})`
  switch (status.outcome) {
    case 'merged':
    case 'ready_to_merge': {
      return undefined
    }

    case 'closed': {
      return new IdpError(`${where} was closed without merging`, {code: 'PULL_REQUEST_CLOSED', exitCode: ExitCode.failure, details: {status}, hint: `Reopen it on GitHub, or submit the request again.`})
    }

    case 'checks_failed': {
      return new IdpError(`${where}: ${describeOutcome(status)}`, {code: 'CHECKS_FAILED', exitCode: ExitCode.failure, details: {status}, hint: 'Open the failed checks above; fix the cause, then push a fix or edit the run with `idp runs edit`.'})
    }

    default: {
      return new IdpError(`${where}: ${describeOutcome(status)}`, {code: 'STILL_WAITING', exitCode: ExitCode.waiting, details: {status}, hint: `Follow it later with \`idp runs watch ${runId}\`.`})
    }
  }
}
