import type {IdpConfig} from '../config/config.js'
import {githubError} from '../delivery/github-errors.js'
import {ExitCode, type ExitCodeValue, IdpError} from '../errors.js'
import {describeRequirement, judgePullRequest, type Judgement} from '../gate/judge.js'
import {createGateContext} from './gate-context.js'
import {printJson} from './json-output.js'
import {formatJudgement} from './policy-verify.js'
import type {TerminalProgress} from './progress.js'
import {confirmSubmission} from './prompts.js'
import type {TerminalCapabilities} from './terminal.js'

/** A pull request named on the command line. */
export interface PullRequestRef {
  repository: string
  number: number
  /** Set when the reference was a URL: the web host, to check it against the API URL. */
  host?: string
}

/**
 * Reads a pull request reference: a URL such as https://github.com/acme/infra/pull/12,
 * `acme/infra#12`, or `#12` / `12` in the configured repository. Returns undefined for
 * anything else, which the caller then tries as a run id.
 */
export function parsePullRequestRef(text: string, defaultRepository: string | undefined): PullRequestRef | undefined {
  const url = /^https?:\/\/([^/]+)\/([\w.-]+)\/([\w.-]+)\/pull\/(\d+)(?:[/?#].*)?$/.exec(text)
  if (url) return {host: url[1], repository: `${url[2]}/${url[3]}`, number: Number(url[4])}
  const short = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(text)
  if (short) return {repository: short[1], number: Number(short[2])}
  const bare = /^#?(\d+)$/.exec(text)
  if (bare && defaultRepository) return {repository: defaultRepository, number: Number(bare[1])}
  return undefined
}

export interface ApproveOptions {
  ref: PullRequestRef
  config: IdpConfig
  yes: boolean
  json: boolean
  terminal: TerminalCapabilities
  progress: TerminalProgress
  env: NodeJS.ProcessEnv
}

/**
 * Approves a request's pull request from the terminal. It judges the pull request the way CI
 * will (files against the recorded request, decision from the base branch's policy, approvals
 * so far) and shows the result. After confirmation it submits an approving review whose body
 * summarizes what was checked.
 */
export async function approvePullRequest(options: ApproveOptions): Promise<void> {
  const {ref, env, progress} = options
  const context = await createGateContext(options.config, {repository: ref.repository}, progress, env)
  checkHost(ref, context.apiUrl)
  const [owner, repo] = ref.repository.split('/')
  const step = `Approving pull request #${ref.number}`
  try {
    const [judgement, {data: viewer}] = await Promise.all([judgePullRequest(context, ref.number, {checkFiles: true}), context.client.rest.users.getAuthenticated()])
    if (!options.json) process.stderr.write(`${formatJudgement(judgement, options.terminal.stderr)}\n\n`)
    checkApprovable(judgement, viewer.login)
    if (judgement.requirements.some((requirement) => requirement.approvals.includes(viewer.login.toLowerCase()))) {
      if (options.json) printJson({pullRequest: judgement.pullRequest, approvedBy: viewer.login, alreadyApproved: true, outcome: judgement.outcome})
      else process.stdout.write(`You (${viewer.login}) already approved the current version of pull request #${ref.number}; nothing to do.\n`)
      return
    }

    const counting = await countingTeams(context.client, owner, judgement, viewer.login)
    if (counting.length === 0 && judgement.requirements.length > 0) {
      const teams = judgement.requirements.map((requirement) => `@${owner}/${requirement.team}`).join(', ')
      throw new IdpError(`Your approval (${viewer.login}) would not count: you are not a member of ${teams}`, {
        code: 'APPROVAL_REFUSED',
        exitCode: ExitCode.usage,
        hint: `Ask a member of ${teams} to approve, or review the pull request on GitHub to comment: ${judgement.pullRequest.url}`,
      })
    }

    if (!options.json && counting.length > 0) process.stderr.write(`Your approval counts for ${counting.map((team) => `@${owner}/${team}`).join(', ')}.\n\n`)

    await confirm(options, `Approve pull request #${ref.number} as ${viewer.login}?`)
    const {data: review} = await context.client.rest.pulls.createReview({owner, repo, pull_number: ref.number, event: 'APPROVE', commit_id: judgement.pullRequest.headSha, body: reviewBody(judgement, counting)})
    if (options.json) printJson({pullRequest: judgement.pullRequest, approvedBy: viewer.login, review: {id: review.id, url: review.html_url}, countsFor: counting, outcome: judgement.outcome})
    else process.stdout.write(`Approved pull request #${ref.number} as ${viewer.login}: ${review.html_url}\n`)
  } catch (error) {
    throw githubError(error, {repository: ref.repository, apiUrl: context.apiUrl, step})
  }
}

/** Rejects a pull request URL of another host than the API's: it names another GitHub. */
function checkHost(ref: PullRequestRef, apiUrl: string): void {
  if (!ref.host) return
  const apiHost = new URL(apiUrl).host
  const webHost = apiHost === 'api.github.com' ? 'github.com' : apiHost
  if (ref.host.toLowerCase() === webHost.toLowerCase()) return
  throw new IdpError(`The pull request is on ${ref.host}, but idp talks to ${webHost} (${apiUrl})`, {
    code: 'USAGE_INVALID',
    exitCode: ExitCode.usage,
    hint: 'Set GITHUB_API_URL (or target.github.apiUrl) to the API of that host, or pass the URL of a pull request on the configured one.',
  })
}

function checkApprovable(judgement: Judgement, viewer: string): void {
  const {pullRequest} = judgement
  const rejection = (message: string, exitCode: ExitCodeValue, hint: string) => new IdpError(message, {code: 'APPROVAL_REFUSED', exitCode, hint})
  if (pullRequest.state !== 'open') throw rejection(`Pull request #${pullRequest.number} is ${pullRequest.merged ? 'merged' : 'closed'}`, ExitCode.usage, 'Nothing to approve.')
  if (judgement.outcome === 'not_managed') throw rejection(`Pull request #${pullRequest.number} is not an idp request`, ExitCode.usage, `Review it on GitHub instead: ${pullRequest.url}`)
  if (judgement.outcome === 'invalid_request') throw rejection(judgement.summary, ExitCode.failure, `Review it on GitHub instead: ${pullRequest.url}`)
  if (judgement.outcome === 'tampered') throw rejection(`idp does not approve pull request #${pullRequest.number}: ${judgement.summary}`, ExitCode.failure, 'Ask the requester to submit the request again with idp, or review the changes on GitHub.')
  if (judgement.outcome === 'denied') throw rejection(`idp does not approve pull request #${pullRequest.number}: ${judgement.summary}`, ExitCode.denied, 'A denied request cannot merge; ask the requester to change it.')
  if (viewer.toLowerCase() === pullRequest.author.toLowerCase()) {
    throw rejection(`You (${viewer}) opened pull request #${pullRequest.number}, and GitHub does not let authors approve their own pull requests`, ExitCode.usage, 'Ask a member of a required team to run `idp approve` instead.')
  }
}

/** Lists the required teams the viewer belongs to. A team the token cannot list counts as not belonging. */
async function countingTeams(client: Awaited<ReturnType<typeof createGateContext>>['client'], org: string, judgement: Judgement, viewer: string): Promise<string[]> {
  const teams = judgement.requirements.map((requirement) => requirement.team)
  const members = await Promise.all(
    teams.map((team) =>
      client.paginate(client.rest.teams.listMembersInOrg, {org, team_slug: team, per_page: 100}).then(
        (list) => list.map((member) => member.login.toLowerCase()),
        () => [] as string[],
      ),
    ),
  )
  return teams.filter((_, index) => members[index].includes(viewer.toLowerCase()))
}

async function confirm(options: ApproveOptions, question: string): Promise<void> {
  if (options.yes) return
  if (!options.terminal.interactive) {
    throw new IdpError(`Confirmation needed, and prompting is off (${options.terminal.noPromptReason ?? 'not a terminal'})`, {
      code: 'CONFIRMATION_REQUIRED',
      exitCode: ExitCode.usage,
      hint: 'Add --yes to approve without asking.',
    })
  }

  // Approving is the one prompt that defaults to no: Enter alone must not approve a change.
  if (!(await confirmSubmission(question, false))) throw new IdpError('Not approved; nothing was written.', {code: 'CANCELLED', exitCode: ExitCode.cancelled})
}

function reviewBody(judgement: Judgement, counting: string[]): string {
  const lines = ['Approved with `idp approve` after checking that:', '', '- the files match the request recorded in this pull request;']
  if (judgement.decision) lines.push(`- the approval policy (\`${judgement.decision.policy.path}\`) decides: ${judgement.decision.outcome.replaceAll('_', ' ')};`)
  if (judgement.requirements.length > 0) lines.push(`- approvals before this one: ${judgement.requirements.map(describeRequirement).join(', ')}.`)
  lines.push('', counting.length > 0 ? `This approval counts for ${counting.map((team) => `@${team}`).join(', ')}.` : 'The approver is not a member of a required team.')
  return lines.join('\n')
}
