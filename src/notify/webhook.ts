export type SlackPostResult = {ok: true} | {ok: false; reason: string}

export interface SlackPostOptions {
  /** Time allowed for the whole request, response body included, in milliseconds. Default 10,000. */
  timeoutMs?: number
  /** Replaces the global fetch, for tests. */
  fetch?: typeof fetch
}

export const defaultSlackTimeoutMs = 10_000

/** Maximum length of the response body quoted in a failure reason. */
const MAX_BODY_IN_REASON = 200

/** Maximum number of response body bytes read. Slack returns a short word such as `ok` or `no_service`. */
const MAX_BODY_BYTES = 4096

const INVALID_URL = 'the webhook URL is not a valid https URL'

/**
 * Posts a message to a Slack incoming webhook. Never throws: a failure comes back as a reason
 * for a warning. Webhook URLs are secrets, so no reason contains the URL, its path or a path
 * segment of 4 or more characters, even when the server quotes them. Plain http is accepted only for loopback hosts, which
 * tests use; any other URL that is not https is rejected without a request.
 */
export async function postSlackMessage(url: string, payload: object, options: SlackPostOptions = {}): Promise<SlackPostResult> {
  const checked = checkWebhookUrl(url)
  if (!checked.ok) return checked

  let body: string
  try {
    body = JSON.stringify(payload)
  } catch (error) {
    return {ok: false, reason: `the message could not be converted to JSON: ${(error as Error).message}`}
  }

  const timeoutMs = validTimeout(options.timeoutMs)
  const fetchFunction = options.fetch ?? globalThis.fetch
  try {
    const response = await fetchFunction(checked.url, {
      method: 'POST',
      headers: {'content-type': 'application/json; charset=utf-8'},
      body,
      // A redirect is reported as a failure rather than followed, so the message cannot be sent to another host.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await readLimited(response)
    if (response.ok) return {ok: true}
    return {ok: false, reason: redact(statusReason(response, text), url, checked.url)}
  } catch (error) {
    return {ok: false, reason: redact(requestFailureReason(error, timeoutMs), url, checked.url)}
  }
}

/** Checks that a webhook URL is https, or http on a loopback host, and has no user name or password. */
export function checkWebhookUrl(url: string): {ok: true; url: URL} | {ok: false; reason: string} {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return {ok: false, reason: INVALID_URL}
  }

  if (parsed.username !== '' || parsed.password !== '') {
    return {ok: false, reason: `${INVALID_URL} (it must not contain a user name or password)`}
  }

  if (parsed.protocol === 'https:') return {ok: true, url: parsed}
  if (parsed.protocol === 'http:') {
    if (isLoopbackHost(parsed.hostname)) return {ok: true, url: parsed}
    return {ok: false, reason: `${INVALID_URL} (http is accepted only for loopback hosts)`}
  }

  return {ok: false, reason: INVALID_URL}
}

/** Checks whether a URL host name is a loopback address: `localhost`, 127.0.0.0/8 or `[::1]`. */
function isLoopbackHost(hostname: string): boolean {
  // The URL parser has already turned other spellings of an IPv4 address, such as 0x7f.1, into dotted decimal.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

function validTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return defaultSlackTimeoutMs
  return Math.ceil(timeoutMs)
}

/** Reads at most `MAX_BODY_BYTES` of a response body as text. */
async function readLimited(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < MAX_BODY_BYTES) {
    const {done, value} = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
  }

  if (size >= MAX_BODY_BYTES) await reader.cancel().catch(() => {})
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES))
}

/** Describes a response that is not 2xx: Slack's error word when it sent one, otherwise the status text. */
function statusReason(response: Response, body: string): string {
  // Control characters and line breaks are replaced so the reason stays on one line of a terminal.
  const detail = body.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  if (detail !== '') {
    const quoted = detail.length > MAX_BODY_IN_REASON ? `${detail.slice(0, MAX_BODY_IN_REASON - 1)}…` : detail
    return `Slack returned HTTP ${response.status}: ${quoted}`
  }

  return response.statusText === '' ? `Slack returned HTTP ${response.status}` : `Slack returned HTTP ${response.status} ${response.statusText}`
}

/** Errors from connecting, by their Node.js or undici code. */
const connectionErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed before a response',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
}

/** Describes why fetch rejected: the time limit, a connection error by its code, or the error's message. */
function requestFailureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no response within ${formatDuration(timeoutMs)}`

  const cause = error instanceof Error ? (error.cause as {code?: unknown; message?: unknown} | undefined) : undefined
  const code = typeof cause?.code === 'string' ? cause.code : undefined
  if (code !== undefined) {
    const description = connectionErrors[code]
    return description === undefined ? `the request failed (${code})` : `${description} (${code})`
  }

  // A cause without a code, such as undici's "bad port", is clearer than fetch's own "fetch failed".
  if (typeof cause?.message === 'string') return `the request failed: ${cause.message}`
  return `the request failed: ${error instanceof Error ? error.message : String(error)}`
}

function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds} ms`
  return `${Number((milliseconds / 1000).toFixed(1))} s`
}

/** Path segments shorter than this are not redacted, because they would blank out ordinary words. */
const MIN_REDACTED_SEGMENT = 4

/**
 * Removes the webhook URL, its path, query and each path segment of 4 or more characters from a
 * reason, in case a server or an error message quotes them.
 */
function redact(reason: string, original: string, url: URL): string {
  const secrets = new Set([original, original.trim(), url.href, url.pathname, url.search])
  for (const segment of url.pathname.split('/')) {
    secrets.add(segment)
    try {
      secrets.add(decodeURIComponent(segment))
    } catch {
      // A segment with a malformed escape is redacted as written.
    }
  }

  const sorted = [...secrets].filter((secret) => secret.length >= MIN_REDACTED_SEGMENT).sort((a, b) => b.length - a.length)
  let redacted = reason
  for (const secret of sorted) redacted = redacted.replaceAll(secret, '[redacted]')
  return redacted
}
