import {execFile} from 'node:child_process'

import {IdpError} from '../errors.js'

/** A GitHub token and where it came from (never the token itself in messages). */
export interface TokenSource {
  token: string
  origin: 'GH_TOKEN' | 'GITHUB_TOKEN' | 'gh auth token'
}

/**
 * Finds a GitHub token: GH_TOKEN, then GITHUB_TOKEN, then the output of `gh auth token` when
 * the GitHub CLI is installed. Tokens are never read from flags, so they stay out of shell
 * history and process listings.
 */
export async function findToken(apiUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<TokenSource | undefined> {
  if (env.GH_TOKEN?.trim()) return checked({token: env.GH_TOKEN.trim(), origin: 'GH_TOKEN'})
  if (env.GITHUB_TOKEN?.trim()) return checked({token: env.GITHUB_TOKEN.trim(), origin: 'GITHUB_TOKEN'})
  const token = await tokenFromGitHubCli(apiUrl, env)
  return token ? checked({token, origin: 'gh auth token'}) : undefined
}

/**
 * Rejects a token with spaces or control characters inside, such as two lines pasted into
 * one variable. Sent as it is, Node's fetch would reject the header with an error that
 * quotes the whole token.
 */
function checked(source: TokenSource): TokenSource {
  if (!/[\s\u0000-\u001F\u007F]/.test(source.token)) return source
  throw new IdpError(`The token in ${source.origin} contains spaces or line breaks, so it cannot be a GitHub token`, {
    code: 'AUTH_INVALID',
    exitCode: 4,
    hint: `Set ${source.origin} to the token alone, on one line.`,
  })
}

function tokenFromGitHubCli(apiUrl: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const host = hostOf(apiUrl)
  const args = ['auth', 'token', ...(host === 'github.com' ? [] : ['--hostname', host])]
  return new Promise((resolve) => {
    // A missing gh, a logged-out gh or a slow one all mean "no token from gh".
    execFile('gh', args, {env, timeout: 5000}, (error, stdout) => {
      resolve(error ? undefined : stdout.toString().trim() || undefined)
    })
  })
}

function hostOf(apiUrl: string): string {
  try {
    const {hostname} = new URL(apiUrl)
    return hostname === 'api.github.com' ? 'github.com' : hostname
  } catch {
    return 'github.com'
  }
}
