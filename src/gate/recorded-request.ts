import {REQUEST_FENCE} from '../actions/request-body.js'
import type {Requester} from '../actions/plan.js'

/** The machine-readable request that `idp` records in the body of every pull request it opens. */
export interface RecordedRequest {
  runId: string
  fingerprint: string
  action: string
  inputs: Record<string, unknown>
  requester: Requester
  files: string[]
}

/** The request record of a pull request body: none, invalid, or the request. */
export type RequestRecord = {kind: 'none'} | {kind: 'invalid'; reason: string} | {kind: 'request'; request: RecordedRequest}

/**
 * Reads the request recorded in a pull request body: the JSON in the fenced block marked
 * `json idp-request`. A body without one is not an idp request; a block that is not a
 * complete request is reported as invalid, never guessed at.
 */
export function readRecordedRequest(body: string | null | undefined): RequestRecord {
  const text = (body ?? '').replaceAll('\r\n', '\n')
  // The machine-readable block comes last; reading the last one keeps text above it, such as
  // a description quoting a request, from being taken for it.
  const start = text.lastIndexOf('```' + REQUEST_FENCE + '\n')
  if (start === -1) return {kind: 'none'}
  const from = start + REQUEST_FENCE.length + 4
  const end = text.indexOf('\n```', from)
  if (end === -1) return {kind: 'invalid', reason: 'the idp-request block is not closed'}
  let data: unknown
  try {
    data = JSON.parse(text.slice(from, end))
  } catch (error) {
    return {kind: 'invalid', reason: `the idp-request block is not valid JSON: ${(error as Error).message}`}
  }

  const problem = requestProblem(data)
  if (problem) return {kind: 'invalid', reason: `the idp-request block ${problem}`}
  const record = data as Record<string, unknown>
  const requester = record.requester as Record<string, unknown>
  return {
    kind: 'request',
    request: {
      runId: String(record.runId),
      fingerprint: String(record.fingerprint),
      action: String(record.action),
      inputs: record.inputs as Record<string, unknown>,
      requester: {
        login: String(requester.login ?? ''),
        name: String(requester.name ?? ''),
        team: String(requester.team ?? ''),
        groups: Array.isArray(requester.groups) ? requester.groups.map(String) : [],
      },
      files: Array.isArray(record.files) ? record.files.map(String) : [],
    },
  }
}

const FORMATS: Record<string, RegExp> = {
  runId: /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
  fingerprint: /^[0-9a-f]{8,64}$/,
  action: /^[a-z][a-z0-9-]{0,62}$/,
}

function requestProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'is not a JSON object'
  if (data.kind !== 'Request' || data.apiVersion !== 'idp.dev/v1') return 'is not an idp.dev/v1 Request'
  for (const key of ['runId', 'fingerprint', 'action']) {
    if (typeof data[key] !== 'string' || data[key] === '') return `has no ${key}`
  }

  // These values reach logs and commit statuses, so they must look like what idp writes.
  for (const [key, pattern] of Object.entries(FORMATS)) {
    if (!pattern.test(String(data[key]))) return `has an invalid ${key}: ${JSON.stringify(String(data[key]).slice(0, 40))}`
  }

  if (!isObject(data.inputs)) return 'has no inputs object'
  if (!isObject(data.requester)) return 'has no requester object'
  return undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
