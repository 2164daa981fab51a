import assert from 'node:assert/strict'

import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parsePullRequestRef} from '../src/cli/approve.js'
import {pullRequestNumber} from '../src/cli/gate-context.js'
import {IdpError} from '../src/errors.js'
import {printable} from '../src/gate/judge.js'
import {exitCodeOf, statusStateOf} from '../src/cli/policy-verify.js'
import {assignApprovers} from '../src/delivery/github-status.js'
import {describeWait, formatMinutes} from '../src/durations.js'
import {readRecordedRequest} from '../src/gate/recorded-request.js'

const REQUEST = {
  apiVersion: 'idp.dev/v1',
  kind: 'Request',
  runId: '20261204-101500-1a2b3c',
  fingerprint: '0123456789abcdef',
  action: 'db-create',
  inputs: {name: 'orders-db', environment: 'dev', size: 'small', team: 'payments'},
  requester: {login: 'ada', name: 'Ada Lovelace', team: 'payments', groups: ['developers']},
  files: ['databases/dev/orders-db/main.tf'],
}

function body(block: string): string {
  return `## PostgreSQL database: self-service request\n\nSome text.\n\n<details><summary>Machine-readable request</summary>\n\n${block}\n\n</details>\n`
}

function fenced(value: unknown): string {
  return '```json idp-request\n' + JSON.stringify(value, null, 2) + '\n```'
}

describe('reading the request recorded in a pull request body', () => {
  it('reads a complete request', () => {
    assert.deepEqual(readRecordedRequest(body(fenced(REQUEST))), {
      kind: 'request',
      request: {
        runId: REQUEST.runId,
        fingerprint: REQUEST.fingerprint,
        action: 'db-create',
        inputs: REQUEST.inputs,
        requester: REQUEST.requester,
        files: REQUEST.files,
      },
    })
  })

  it('reads bodies with Windows line endings', () => {
    assert.equal(readRecordedRequest(body(fenced(REQUEST)).replaceAll('\n', '\r\n')).kind, 'request')
  })

  it('takes the last block, which idp writes at the end', () => {
    const decoy = fenced({...REQUEST, inputs: {...REQUEST.inputs, size: 'large'}})
    const record = readRecordedRequest(`${decoy}\n\n${body(fenced(REQUEST))}`)
    assert.equal(record.kind === 'request' && record.request.inputs.size, 'small')
  })

  it('reports a body without a block as no request', () => {
    for (const text of [null, undefined, '', 'Hand-written pull request.', '```json\n{}\n```']) {
      assert.deepEqual(readRecordedRequest(text), {kind: 'none'}, String(text))
    }
  })

  it('names what is wrong with an invalid block', () => {
    const cases: Array<[string, string]> = [
      ['```json idp-request\n{"a": 1}', 'the idp-request block is not closed'],
      [fenced('text'), 'the idp-request block is not a JSON object'],
      [fenced([REQUEST]), 'the idp-request block is not a JSON object'],
      [fenced({...REQUEST, kind: 'Action'}), 'the idp-request block is not an idp.dev/v1 Request'],
      [fenced({...REQUEST, action: ''}), 'the idp-request block has no action'],
      [fenced({...REQUEST, runId: 7}), 'the idp-request block has no runId'],
      [fenced({...REQUEST, inputs: ['a']}), 'the idp-request block has no inputs object'],
      [fenced({...REQUEST, requester: null}), 'the idp-request block has no requester object'],
    ]
    for (const [block, reason] of cases) assert.deepEqual(readRecordedRequest(body(block)), {kind: 'invalid', reason}, block)
    const broken = readRecordedRequest(body('```json idp-request\n{"runId": \n```'))
    assert.equal(broken.kind, 'invalid')
    assert.match(broken.kind === 'invalid' ? broken.reason : '', /^the idp-request block is not valid JSON: /)
  })
})

describe('pull request references for idp approve', () => {
  it('reads URLs, owner/name#number and numbers', () => {
    assert.deepEqual(parsePullRequestRef('https://github.com/acme/infra/pull/12', undefined), {host: 'github.com', repository: 'acme/infra', number: 12})
    assert.deepEqual(parsePullRequestRef('https://ghe.example.com/acme/infra/pull/12/files', undefined), {host: 'ghe.example.com', repository: 'acme/infra', number: 12})
    assert.deepEqual(parsePullRequestRef('acme/infra#7', undefined), {repository: 'acme/infra', number: 7})
    assert.deepEqual(parsePullRequestRef('#7', 'acme/infra'), {repository: 'acme/infra', number: 7})
    assert.deepEqual(parsePullRequestRef('7', 'acme/infra'), {repository: 'acme/infra', number: 7})
  })

  it('leaves run ids and numbers without a configured repository to the caller', () => {
    for (const text of ['20261204-101500-1a2b3c', '7', 'https://github.com/acme/infra/issues/7', 'acme#7']) {
      assert.equal(parsePullRequestRef(text, text === '7' ? undefined : 'acme/infra'), undefined, text)
    }
  })
})

describe('the pull request number of policy verify', () => {
  let folder: string
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'idp-gate-'))
  })
  after(() => rmSync(folder, {recursive: true, force: true}))

  const failure = (run: () => unknown): string => {
    try {
      run()
    } catch (error) {
      assert.ok(error instanceof IdpError, String(error))
      assert.equal(error.exitCode, 2)
      return error.message
    }

    assert.fail('expected an error')
  }

  const event = (text: string) => {
    const path = join(folder, `event-${Math.random().toString(16).slice(2)}.json`)
    writeFileSync(path, text)
    return {GITHUB_EVENT_PATH: path}
  }

  it('reads the argument or the event payload', () => {
    assert.equal(pullRequestNumber('42', {}), 42)
    assert.equal(pullRequestNumber('#42', {}), 42)
    assert.equal(pullRequestNumber(undefined, event('{"pull_request": {"number": 7}}')), 7)
    assert.equal(pullRequestNumber(undefined, event('{"number": 8}')), 8)
    assert.equal(pullRequestNumber(undefined, event('{"workflow_run": {"pull_requests": [{"number": 9}]}}')), 9)
  })

  it('rejects numbers it cannot trust', () => {
    for (const argument of ['0', '-1', '1.5', '99999999999999999999', '12abc', '']) {
      assert.equal(failure(() => pullRequestNumber(argument, {})), `${JSON.stringify(argument)} is not a pull request number`, argument)
    }
  })

  it('names an event payload that is not about a pull request', () => {
    for (const text of ['null', '[]', '{"issue": {"number": 3}}', '{"number": "3"}']) {
      assert.match(failure(() => pullRequestNumber(undefined, event(text))), /^The event payload .* is not about a pull request$/, text)
    }

    assert.match(failure(() => pullRequestNumber(undefined, event('{'))), /^Cannot read the event payload /)
    assert.equal(failure(() => pullRequestNumber(undefined, {})), 'No pull request given')
  })
})

describe('text from a pull request in logs', () => {
  it('replaces control characters', () => {
    assert.equal(printable('run\n::error ::forged\u001B[31m'), 'run?::error ::forged?[31m')
    assert.equal(printable('databases/dev/orders-db/main.tf'), 'databases/dev/orders-db/main.tf')
  })
})

describe('policy verify outcomes', () => {
  it('maps each outcome to a commit status and an exit code', () => {
    const table = [
      ['approved', false, 'success', 0],
      ['not_managed', false, 'success', 0],
      ['not_managed', true, 'failure', 1],
      ['waiting_for_approval', false, 'pending', 8],
      ['denied', false, 'failure', 3],
      ['tampered', false, 'failure', 1],
      ['invalid_request', false, 'failure', 1],
    ] as const
    for (const [outcome, requireRequest, state, code] of table) {
      assert.equal(statusStateOf(outcome, requireRequest), state, outcome)
      assert.equal(exitCodeOf(outcome, requireRequest), code, outcome)
    }

    // A pull request into another branch gets no status at all.
    assert.equal(exitCodeOf('other_base', false), 0)
  })
})

describe('time waited against an SLA', () => {
  const since = '2026-12-01T08:00:00Z'
  const at = (iso: string) => new Date(iso)

  it('formats minutes with the two largest units', () => {
    assert.deepEqual([0, 7, 60, 130, 1440, 1500, 4380].map((minutes) => formatMinutes(minutes)), ['0m', '7m', '1h', '2h 10m', '1d', '1d 1h', '3d 1h'])
  })

  it('describes the wait against the SLA', () => {
    assert.equal(describeWait(since, '24h', at('2026-12-01T13:30:00Z')), 'waiting 5h 30m of the 24h SLA')
    assert.equal(describeWait(since, '24h', at('2026-12-02T08:00:00Z')), 'waiting 1d of the 24h SLA')
    assert.equal(describeWait(since, '1d12h', at('2026-12-03T10:00:00Z')), 'waiting 2d 2h, 14h past the 1d12h SLA')
    assert.equal(describeWait(since, undefined, at('2026-12-01T09:00:00Z')), 'waiting 1h')
  })

  it('never shows a negative wait when the clocks disagree', () => {
    assert.equal(describeWait(since, '4h', at('2026-12-01T07:00:00Z')), 'waiting 0m of the 4h SLA')
  })
})

describe('assigning approvers to requirements', () => {
  it('counts each person once, for as many requirements as possible', () => {
    assert.deepEqual(assignApprovers([['lead', 'fin'], ['lead']], [1, 1]), [['fin'], ['lead']])
    assert.deepEqual(assignApprovers([['lead'], ['lead']], [1, 1]), [['lead'], []])
    assert.deepEqual(assignApprovers([['a', 'b', 'c']], [2]), [['a', 'b']])
    assert.deepEqual(assignApprovers([[], ['a']], [1, 1]), [[], ['a']])
  })

  it('finds the largest assignment for random teams', () => {
    const people = ['a', 'b', 'c', 'd']
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }

    for (let round = 0; round < 300; round++) {
      const counts = [1 + Math.floor(random() * 2), 1 + Math.floor(random() * 2), 1]
      const eligible = counts.map(() => people.filter(() => random() < 0.5))
      const assigned = assignApprovers(eligible, counts)
      const everyone = assigned.flat()
      assert.equal(new Set(everyone).size, everyone.length, 'a person counted twice')
      for (const [index, logins] of assigned.entries()) {
        assert.ok(logins.length <= counts[index])
        for (const login of logins) assert.ok(eligible[index].includes(login))
      }

      assert.equal(everyone.length, largestAssignment(eligible, counts), JSON.stringify({eligible, counts}))
    }
  })
})

/** Finds the size of the largest assignment by trying every choice, for tiny inputs. */
function largestAssignment(eligible: string[][], counts: number[]): number {
  const slots = counts.flatMap((count, index) => Array.from({length: count}, () => index))
  const best = (slot: number, used: Set<string>): number => {
    if (slot === slots.length) return 0
    let largest = best(slot + 1, used)
    for (const login of eligible[slots[slot]]) {
      if (used.has(login)) continue
      used.add(login)
      largest = Math.max(largest, 1 + best(slot + 1, used))
      used.delete(login)
    }

    return largest
  }

  return best(0, new Set())
}
