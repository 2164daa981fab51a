import {readFileSync} from 'node:fs'

import type {IdpConfig} from '../config/config.js'
import {createGitHubClient} from '../delivery/github.js'
import {findToken} from '../delivery/token.js'
import {ExitCode, IdpError} from '../errors.js'
import type {GateContext} from '../gate/judge.js'
import {SHARED_POLICY_PATH} from './policy-source.js'
import type {TerminalProgress} from './progress.js'
import {checkApiUrl, retryBaseOf} from './targets.js'

/** Flags shared by the commands that work on pull requests of the infrastructure repository. */
export interface RepositoryFlags {
  repository?: string
  'policy-path'?: string
  base?: string
}

/**
 * Builds the context of `idp policy verify` and `idp approvals escalate`: the repository from
 * --repository, GITHUB_REPOSITORY (set in GitHub Actions) or the configuration, the API URL
 * from GITHUB_API_URL or the configuration, and the token.
 */
export async function createGateContext(config: IdpConfig, flags: RepositoryFlags, progress: TerminalProgress, env: NodeJS.ProcessEnv): Promise<GateContext> {
  const repository = flags.repository ?? env.GITHUB_REPOSITORY ?? config.target.github?.repository
  if (!repository) {
    throw new IdpError('No repository to work on', {
      code: 'USAGE_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Pass --repository owner/name, run inside GitHub Actions (GITHUB_REPOSITORY), or set target.github.repository in the configuration.',
    })
  }

  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new IdpError(`The repository ${JSON.stringify(repository)} is not in the form owner/name`, {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'For example: --repository acme/infrastructure'})
  }

  const apiUrl = checkApiUrl(env.GITHUB_API_URL ? 'GITHUB_API_URL' : 'target.github.apiUrl', env.GITHUB_API_URL || config.target.github?.apiUrl || 'https://api.github.com').replace(/\/$/, '')
  const token = await findToken(apiUrl, env)
  if (!token) {
    throw new IdpError(`No GitHub token found to read ${repository}`, {
      code: 'AUTH_MISSING',
      exitCode: ExitCode.auth,
      hint: 'Set GH_TOKEN or GITHUB_TOKEN to a token that can read the pull requests, write commit statuses and list the members of the organization\'s teams; docs/ci.md describes it.',
    })
  }

  const retryBaseMs = retryBaseOf(env)
  const configured = config.target.github?.policyPath
  return {
    client: createGitHubClient({apiUrl, token: token.token, retryBaseMs}, (message) => progress.warn(message)),
    repository,
    apiUrl,
    token: token.token,
    config,
    policyPath: flags['policy-path'] ?? configured ?? SHARED_POLICY_PATH,
    policyPathExplicit: Boolean(flags['policy-path'] ?? configured),
    // Never from the configuration: in CI the checkout, and so its configuration, may come
    // from a branch the requester controls.
    baseBranch: flags.base,
    progress,
    retryBaseMs,
  }
}

/**
 * Finds the pull request number: the argument, or the event payload that GitHub Actions names
 * in GITHUB_EVENT_PATH (`pull_request`, `pull_request_target`, `pull_request_review` or
 * `workflow_run`).
 */
export function pullRequestNumber(argument: string | undefined, env: NodeJS.ProcessEnv): number {
  if (argument !== undefined) {
    const number = Number(argument.replace(/^#/, ''))
    if (!/^#?\d+$/.test(argument) || !Number.isSafeInteger(number) || number < 1) {
      throw new IdpError(`${JSON.stringify(argument)} is not a pull request number`, {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Pass the number, such as 42.'})
    }

    return number
  }

  const path = env.GITHUB_EVENT_PATH
  if (!path) {
    throw new IdpError('No pull request given', {
      code: 'USAGE_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Pass its number (idp policy verify 42), or run in a GitHub Actions job triggered by pull_request, which sets GITHUB_EVENT_PATH.',
    })
  }

  let event: {pull_request?: {number?: unknown}; number?: unknown; workflow_run?: {pull_requests?: Array<{number?: unknown}>}} | null
  try {
    event = JSON.parse(readFileSync(path, 'utf8')) as typeof event
  } catch (error) {
    throw new IdpError(`Cannot read the event payload ${path}: ${(error as Error).message}`, {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Pass the pull request number instead.'})
  }

  // pull_request, pull_request_target and pull_request_review name it directly; workflow_run
  // names the pull requests of the run that triggered it.
  const number = event?.pull_request?.number ?? event?.number ?? event?.workflow_run?.pull_requests?.[0]?.number
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw new IdpError(`The event payload ${path} is not about a pull request`, {
      code: 'USAGE_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Run the workflow on pull_request or pull_request_review events, or pass the pull request number.',
    })
  }

  return number
}
