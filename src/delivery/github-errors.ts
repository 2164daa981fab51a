import {IdpError} from '../errors.js'

/** Context of a GitHub failure, for the message. */
export interface GitHubErrorContext {
  repository: string
  apiUrl: string
  /** The step that was running, such as "Opening the pull request". */
  step: string
}

interface ResponseLike {
  status?: number
  request?: {method?: string; url?: string}
  response?: {data?: unknown; headers?: Record<string, string | undefined>}
}

const TOKEN_HELP = 'Set GH_TOKEN (or GITHUB_TOKEN) to a token with the "repo" scope, or log in with `gh auth login`.'

/**
 * Turns a failure from Octokit into an IdpError that names the step, the request and the
 * status, and the next thing to do. The token never appears: Octokit redacts it from requests,
 * and only the method, URL path and GitHub's message are used here.
 */
export function githubError(error: unknown, context: GitHubErrorContext): IdpError {
  if (error instanceof IdpError) return error
  if (isHtmlResponse(error)) return apiUrlError(context)

  const failure = error as ResponseLike & Error
  const status = failure.status
  // Octokit reports a request that got no response at all (refused, reset, bad URL) as a
  // status 500 error without a response.
  if (status === undefined || (status === 500 && failure.response === undefined)) {
    return new IdpError(`${context.step} failed: cannot reach ${context.apiUrl}: ${failure.message}`, {
      code: 'GITHUB_UNREACHABLE',
      exitCode: 1,
      cause: error,
      hint: 'Check the network and the API URL (GITHUB_API_URL or target.github.apiUrl), then run the command again.',
    })
  }

  const request = `${failure.request?.method ?? ''} ${pathOf(failure.request?.url)}`.trim()
  const githubMessage = messageOf(failure.response?.data) ?? failure.message
  const where = `${context.step} failed: ${request} returned ${status}`
  const headers = failure.response?.headers ?? {}

  if (status === 401) {
    return new IdpError(`${where}: the token was rejected (${githubMessage})`, {code: 'AUTH_REJECTED', exitCode: 4, cause: error, hint: TOKEN_HELP})
  }

  if (typeof failure.response?.data === 'string' && /<html/i.test(failure.response.data)) return apiUrlError(context)

  if (status === 403 && !isRateLimited(headers)) {
    return new IdpError(`${where}: permission denied (${githubMessage})`, {
      code: 'PERMISSION_DENIED',
      exitCode: 1,
      cause: error,
      details: {scopes: headers['x-oauth-scopes'], acceptedScopes: headers['x-accepted-oauth-scopes']},
      hint: `The token needs write access to ${context.repository} (classic token: "repo" scope; fine-grained token: Contents, Pull requests and Issues read and write).${scopesNote(headers)}`,
    })
  }

  if (status === 403 || status === 429) {
    return new IdpError(`${where}: GitHub's rate limit was still exceeded after retrying`, {
      code: 'RATE_LIMITED',
      exitCode: 1,
      cause: error,
      hint: `Wait ${retryDelay(headers)} and run the command again.`,
    })
  }

  if (status === 404) {
    return new IdpError(`${where}: ${context.repository} was not found, or is not visible to this token`, {
      code: 'REPOSITORY_NOT_FOUND',
      exitCode: 1,
      cause: error,
      hint: `Check target.github.repository ("${context.repository}") and that the token can read it.${scopesNote(headers)}`,
    })
  }

  if (status === 422) {
    return new IdpError(`${where}: GitHub rejected the request: ${githubMessage}${detailsOf(failure.response?.data)}`, {
      code: 'GITHUB_REJECTED',
      exitCode: 1,
      cause: error,
      hint: 'Read the reason above; if the branch or pull request already exists, inspect it on GitHub.',
    })
  }

  return new IdpError(`${where}: ${githubMessage}`, {
    code: status >= 500 ? 'GITHUB_UNAVAILABLE' : 'GITHUB_FAILED',
    exitCode: 1,
    cause: error,
    hint: status >= 500 ? 'GitHub failed even after retries; run the command again later.' : undefined,
  })
}

function apiUrlError(context: GitHubErrorContext): IdpError {
  const suggestion = `${context.apiUrl.replace(/\/+$/, '')}/api/v3`
  return new IdpError(`${context.apiUrl} returned a web page, not GitHub's REST API`, {
    code: 'API_URL_NOT_API',
    exitCode: 2,
    hint: `For GitHub Enterprise Server, set GITHUB_API_URL (or target.github.apiUrl) to the API address, such as ${suggestion}.`,
  })
}

function isHtmlResponse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as {idpHtmlResponse?: boolean}).idpHtmlResponse === true
}

function isRateLimited(headers: Record<string, string | undefined>): boolean {
  return headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined
}

function retryDelay(headers: Record<string, string | undefined>): string {
  const retryAfter = Number(headers['retry-after'])
  if (Number.isFinite(retryAfter) && retryAfter > 0) return `${retryAfter} seconds`
  const reset = Number(headers['x-ratelimit-reset'])
  if (Number.isFinite(reset) && reset > 0) return `until ${new Date(reset * 1000).toISOString()}`
  return 'a minute'
}

function scopesNote(headers: Record<string, string | undefined>): string {
  const scopes = headers['x-oauth-scopes']
  return scopes === undefined ? '' : ` The token's scopes: ${scopes || '(none)'}.`
}

function pathOf(url: string | undefined): string {
  if (!url) return ''
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}

function messageOf(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && typeof (data as {message?: unknown}).message === 'string') {
    return (data as {message: string}).message
  }

  return undefined
}

function detailsOf(data: unknown): string {
  const errors = (data as {errors?: Array<{message?: string; field?: string; code?: string}>} | undefined)?.errors
  if (!Array.isArray(errors) || errors.length === 0) return ''
  return ` (${errors.map((item) => item.message ?? [item.field, item.code].filter(Boolean).join(' ')).join('; ')})`
}
