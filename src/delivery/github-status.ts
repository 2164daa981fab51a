import type {Octokit} from '@octokit/rest'

import {IdpError} from '../errors.js'

/** One check on the pull request's head commit: a check run or a commit status. */
export interface CheckState {
  name: string
  state: 'pending' | 'success' | 'failure'
  url?: string
}

/** Approvals a required group has given so far. */
export interface RequirementState {
  group: string
  team: string
  count: number
  /** Logins whose approval of the current head commit counts for the group. */
  approvals: string[]
  satisfied: boolean
  /** Time the group has to respond, from the policy, such as `24h`. */
  sla?: string
  /** True when the token could not list the team's members, so no approval could count. */
  membersUnreadable?: boolean
  /** Approvals that did not count, with the reason; set only when there are some. */
  ignored?: Array<{login: string; reason: string}>
  /** Team members whose latest review requests changes; set only when there are some. */
  changesRequested?: string[]
}

/** State of a submitted request's pull request. */
export interface RequestStatus {
  pullRequest: {number: number; url: string; state: 'open' | 'closed'; merged: boolean; headSha: string; createdAt: string}
  checks: CheckState[]
  requirements: RequirementState[]
  /**
   * merged or closed: the pull request is done. checks_failed: someone must fix them.
   * checks_pending: still running. waiting_for_approval: approvers must act.
   * ready_to_merge: checks passed and every requirement is met.
   */
  outcome: 'merged' | 'closed' | 'checks_failed' | 'checks_pending' | 'waiting_for_approval' | 'ready_to_merge'
}

/** A requirement of the decision, as the status needs it. */
export interface RequiredApproval {
  group: string
  team: string
  count: number
  allowRequester: boolean
  sla?: string
}

type Client = Pick<Octokit, 'rest' | 'paginate'>

/**
 * Reads the state of a request's pull request: merge state, checks and statuses of the head
 * commit, and approvals per required group. An approval counts only when it is the user's
 * latest review and was given on the current head commit, so approvals of an earlier version
 * do not count. It must also come from a member of the group's team, and not from the author
 * unless the requirement allows the requester.
 */
export async function readRequestStatus(client: Client, owner: string, repo: string, number: number, required: RequiredApproval[], expectedHead?: string): Promise<RequestStatus> {
  const {data: pull} = await client.rest.pulls.get({owner, repo, pull_number: number})
  const headSha = pull.head.sha
  if (expectedHead !== undefined && headSha !== expectedHead) throw headMovedError(number, expectedHead, headSha)
  const [checkRuns, combined, reviews, members] = await Promise.all([
    client.paginate(client.rest.checks.listForRef, {owner, repo, ref: headSha, per_page: 100}),
    client.rest.repos.getCombinedStatusForRef({owner, repo, ref: headSha}),
    client.paginate(client.rest.pulls.listReviews, {owner, repo, pull_number: number, per_page: 100}),
    Promise.all(required.map((requirement) => teamMembers(client, owner, requirement.team))),
  ])

  const checks: CheckState[] = [
    ...checkRuns.map((run) => ({name: run.name, state: checkRunState(run.status, run.conclusion), url: run.details_url ?? run.html_url ?? undefined})),
    ...combined.data.statuses.map((status) => ({name: status.context, state: statusState(status.state), url: status.target_url ?? undefined})),
  ]

  const latest = new Map<string, {state: string; commitId: string}>()
  for (const review of reviews) {
    const login = review.user?.login
    if (!login || review.state === 'COMMENTED') continue
    latest.set(login.toLowerCase(), {state: review.state, commitId: review.commit_id ?? ''})
  }

  const author = pull.user?.login.toLowerCase()
  const teams = members.map((listed) => new Set((listed ?? []).map((login) => login.toLowerCase())))
  const approved = [...latest.entries()].filter(([, review]) => review.state === 'APPROVED').map(([login, review]) => ({login, commitId: review.commitId}))
  const notCountedBecause = (index: number, login: string, commitId: string): string | undefined => {
    const requirement = required[index]
    if (commitId !== headSha) return 'approved an earlier commit'
    if (login === author && !requirement.allowRequester) return 'is the author, whose own approval does not count'
    if (!teams[index].has(login)) return `is not a member of @${requirement.team}`
    return undefined
  }

  const eligible = required.map((_, index) => approved.filter(({login, commitId}) => notCountedBecause(index, login, commitId) === undefined).map(({login}) => login))
  const assigned = assignApprovers(eligible, required.map((requirement) => requirement.count))
  const requirements = required.map((requirement, index): RequirementState => {
    const team = teams[index]
    // Approvers the matching left unused count here too: they are more than enough.
    const elsewhere = (login: string) => assigned.some((logins, other) => other !== index && logins.includes(login))
    const approvals = eligible[index].filter((login) => !elsewhere(login))
    const state: RequirementState = {group: requirement.group, team: requirement.team, count: requirement.count, approvals, satisfied: assigned[index].length >= requirement.count, sla: requirement.sla}
    if (!members[index]) state.membersUnreadable = true
    // Someone outside this team whose approval counts for another requirement is no news here.
    const ignored = approved
      .map(({login, commitId}) => {
        const reason = notCountedBecause(index, login, commitId)
        if (reason === undefined && elsewhere(login)) return {login, reason: 'already counts for another requirement, and one person counts once'}
        return {login, reason}
      })
      .filter((entry): entry is {login: string; reason: string} => entry.reason !== undefined && !(entry.reason.startsWith('is not a member') && elsewhere(entry.login)))
    if (ignored.length > 0) state.ignored = ignored
    const changesRequested = [...latest.entries()].filter(([login, review]) => review.state === 'CHANGES_REQUESTED' && team.has(login)).map(([login]) => login)
    if (changesRequested.length > 0) state.changesRequested = changesRequested
    return state
  })

  const pullRequest = {number, url: pull.html_url, state: pull.state as 'open' | 'closed', merged: Boolean(pull.merged), headSha, createdAt: pull.created_at}
  return {pullRequest, checks, requirements, outcome: outcomeOf(pullRequest, checks, requirements)}
}

/**
 * Assigns approvers to requirements so that each person counts once, for as many required
 * approvals as possible: "1 from @team-leads and 1 from @finance" takes two people, even when
 * one of them is in both teams. A maximum matching by augmenting paths (Kuhn's algorithm);
 * requirements need a handful of approvals, so its cost does not matter.
 */
export function assignApprovers(eligible: string[][], counts: number[]): string[][] {
  const slots = counts.flatMap((count, index) => Array.from({length: count}, () => index))
  const holder = new Map<string, number>()
  const place = (slot: number, visited: Set<string>): boolean => {
    for (const login of eligible[slots[slot]]) {
      if (visited.has(login)) continue
      visited.add(login)
      const current = holder.get(login)
      if (current === undefined || place(current, visited)) {
        holder.set(login, slot)
        return true
      }
    }

    return false
  }

  for (let slot = 0; slot < slots.length; slot++) place(slot, new Set())
  return counts.map((_, index) => [...holder.entries()].filter(([, slot]) => slots[slot] === index).map(([login]) => login))
}

/** Creates the error for a pull request whose head moved while it was being judged. */
export function headMovedError(number: number, expected: string, actual: string): IdpError {
  return new IdpError(`The head of pull request #${number} moved from ${expected.slice(0, 12)} to ${actual.slice(0, 12)} during the check, so nothing was reported`, {
    code: 'HEAD_MOVED',
    exitCode: 1,
    details: {expected, actual},
    hint: 'The run for the new head decides; run the check again if none started.',
  })
}

function outcomeOf(pull: RequestStatus['pullRequest'], checks: CheckState[], requirements: RequirementState[]): RequestStatus['outcome'] {
  if (pull.merged) return 'merged'
  if (pull.state === 'closed') return 'closed'
  if (checks.some((check) => check.state === 'failure')) return 'checks_failed'
  if (checks.some((check) => check.state === 'pending')) return 'checks_pending'
  return requirements.every((requirement) => requirement.satisfied) ? 'ready_to_merge' : 'waiting_for_approval'
}

/** Lists a team's members; undefined when the token cannot see the team. */
async function teamMembers(client: Client, org: string, team: string): Promise<string[] | undefined> {
  try {
    const members = await client.paginate(client.rest.teams.listMembersInOrg, {org, team_slug: team, per_page: 100})
    return members.map((member) => member.login)
  } catch (error) {
    // NOTE: a repository owned by a user has no teams, and a token without read:org cannot
    // list them. No approval then counts for the group, so its requirement stays unmet.
    if ([403, 404].includes((error as {status?: number}).status ?? 0)) return undefined
    throw error
  }
}

function checkRunState(status: string, conclusion: string | null): CheckState['state'] {
  if (status !== 'completed') return 'pending'
  return ['success', 'neutral', 'skipped'].includes(conclusion ?? '') ? 'success' : 'failure'
}

function statusState(state: string): CheckState['state'] {
  if (state === 'success') return 'success'
  if (state === 'pending') return 'pending'
  return 'failure'
}
