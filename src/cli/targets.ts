import {join} from 'node:path'

import type {IdpConfig} from '../config/config.js'
import {createGitHubTarget} from '../delivery/github.js'
import {createGitTarget} from '../delivery/git.js'
import type {DeliveryTarget, PlannedFile} from '../delivery/target.js'
import {findToken} from '../delivery/token.js'
import {ExitCode, IdpError} from '../errors.js'
import {xdgDir} from '../xdg.js'
import type {TerminalProgress} from './progress.js'

/**
 * Creates the delivery target from the configuration: GitHub when a repository is configured,
 * otherwise a local git repository. Checks the API URL and finds the token first.
 */
export async function createTarget(config: IdpConfig, dryRun: boolean, progress: TerminalProgress, env: NodeJS.ProcessEnv): Promise<DeliveryTarget> {
  const location = targetLocation(config, env)
  const {github, git} = config.target
  if (github && location.kind === 'github') {
    const {apiUrl} = location
    const token = await findToken(apiUrl, env)
    if (!token) {
      if (dryRun) {
        progress.warn(`No GitHub token: the files are not compared with ${github.repository}, and its shared approval policy is not read. Set GH_TOKEN to compare them.`)
        return uncomparedTarget(github.repository)
      }

      throw new IdpError(`No GitHub token found to open a pull request in ${github.repository}`, {
        code: 'AUTH_MISSING',
        exitCode: ExitCode.auth,
        hint: 'Set GH_TOKEN (or GITHUB_TOKEN) to a token with the "repo" scope, or log in with `gh auth login`.',
      })
    }

    return createGitHubTarget({
      repository: github.repository,
      baseBranch: github.baseBranch,
      apiUrl,
      token: token.token,
      progress,
      retryBaseMs: retryBaseOf(env),
    })
  }

  const path = location.kind === 'git' ? location.path : ''
  return createGitTarget({path, baseBranch: git?.baseBranch, author: {name: 'idp', email: 'idp@localhost'}})
}

type TargetLocation = {kind: 'github'; repository: string; apiUrl: string} | {kind: 'git'; path: string}

/** Works out where the configuration sends requests, checking it is one valid target. */
function targetLocation(config: IdpConfig, env: NodeJS.ProcessEnv): TargetLocation {
  const {github, git} = config.target
  if (github && git) {
    throw new IdpError('Both target.github and target.git are configured; a request goes to one target', {
      code: 'CONFIG_INVALID',
      exitCode: ExitCode.usage,
      hint: `Remove one of them from ${config.sources.at(-1) ?? 'the configuration'}.`,
    })
  }

  if (github) {
    const apiUrl = checkApiUrl(env.GITHUB_API_URL ? 'GITHUB_API_URL' : 'target.github.apiUrl', env.GITHUB_API_URL || github.apiUrl || 'https://api.github.com')
    return {kind: 'github', repository: github.repository, apiUrl}
  }

  return {kind: 'git', path: git?.path ?? join(xdgDir(env, 'XDG_DATA_HOME'), 'idp', 'infrastructure')}
}

/** Describes the configured target the way a run journal records it, to compare the two. */
export function createTargetSummary(config: IdpConfig, env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {...targetLocation(config, env)}
}

/** Recreates the target a run was delivered to, from its journal, to withdraw the change. */
export async function targetOfRun(summary: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<DeliveryTarget> {
  if (summary.kind === 'git' && typeof summary.path === 'string') {
    return createGitTarget({path: summary.path, author: {name: 'idp', email: 'idp@localhost'}})
  }

  const repository = String(summary.repository)
  const apiUrl = checkApiUrl('the run journal', String(summary.apiUrl ?? 'https://api.github.com'))
  const token = await findToken(apiUrl, env)
  if (!token) {
    throw new IdpError(`No GitHub token found to withdraw the change in ${repository}`, {
      code: 'AUTH_MISSING',
      exitCode: ExitCode.auth,
      hint: 'Set GH_TOKEN (or GITHUB_TOKEN) to a token with the "repo" scope, or log in with `gh auth login`.',
    })
  }

  return createGitHubTarget({repository, apiUrl, token: token.token, retryBaseMs: retryBaseOf(env)})
}

/** Reads IDP_GITHUB_RETRY_BASE_MS; undefined keeps the plugins' default of one second. */
export function retryBaseOf(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env.IDP_GITHUB_RETRY_BASE_MS)
  return env.IDP_GITHUB_RETRY_BASE_MS && Number.isFinite(value) && value >= 0 ? value : undefined
}

/** Checks an API URL: http or https, and no user name or password, which messages would show. */
export function checkApiUrl(origin: string, apiUrl: string): string {
  let url: URL | undefined
  try {
    url = new URL(apiUrl)
  } catch {
    url = undefined
  }

  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new IdpError(`${origin} is not a valid URL: ${JSON.stringify(apiUrl)}`, {
      code: 'CONFIG_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.',
    })
  }

  if (url.username || url.password) {
    throw new IdpError(`${origin} contains a user name or password`, {
      code: 'CONFIG_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Remove them from the URL: idp sends the token from GH_TOKEN or GITHUB_TOKEN, and a URL is shown in messages.',
    })
  }

  return apiUrl
}

function uncomparedTarget(repository: string): DeliveryTarget {
  return {
    kind: 'github',
    description: `GitHub repository ${repository} (not compared: no token)`,
    summary: {kind: 'github', repository},
    offline: true,
    steps: [],
    // Without a token nothing is read: each removed path stands for the files below it.
    compare: async (files, removals = []) => [
      ...files.map((file): PlannedFile => ({...file, status: 'added'})),
      ...removals.map((path): PlannedFile => ({path, content: Buffer.alloc(0), mode: '100644', status: 'deleted'})),
    ],
    findExisting: async () => undefined,
    readBaseFile: async () => undefined,
    cancel: async () => [],
    deliver: async () => {
      throw new IdpError('No GitHub token', {code: 'AUTH_MISSING', exitCode: ExitCode.auth})
    },
  }
}
