import assert from 'node:assert/strict'
import {join} from 'node:path'
import {readdirSync} from 'node:fs'

import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import type {GitHubTestServer} from './support/github-server.js'
import type {TempDir} from './support/temp.js'

const BRANCH = 'idp/db-create/orders-db-production'

function request(size: string): string[] {
  return ['db', 'create', '--name', 'orders-db', '--environment', 'production', '--size', size, '--team', 'payments', '--yes']
}

describe('following a request with --wait and runs watch', () => {
  let sandbox: GitHubSandbox
  let server: GitHubTestServer
  let dir: TempDir

  beforeEach(async () => {
    sandbox = await startGitHubSandbox('github-wait', {IDP_WAIT_INTERVAL_MS: '50', IDP_WAIT_TIMEOUT_MS: '5000'})
    ;({server, dir} = sandbox)
    for (const team of ['team-leads', 'finance']) server.addTeam('acme', team)
    server.addTeamMember('acme', 'team-leads', 'lead-one')
  })

  afterEach(() => sandbox.stop())

  const run = (args: string[]) => sandbox.run(args)
  const runId = () => readdirSync(join(dir.path, 'home', '.local', 'state', 'idp', 'runs')).find((name) => name.endsWith('.json'))!.replace(/\.json$/, '')
  const head = () => server.branch('acme', 'infrastructure', BRANCH)!

  it('exits 8 while approval is missing', async () => {
    const result = await run([...request('small'), '--wait'])
    assert.equal(result.status, 8, result.stderr)
    server.assertNoViolations()
    assert.match(result.stderr, /^• Approval from @team-leads: 0 of 1; waiting \d+m of the 24h SLA$/m)
    assert.match(result.stderr, /^• Pull request #1: waiting for approval: 1 from @team-leads$/m)
    assert.match(result.stderr, /^Error: Pull request #1 \(.*\/pull\/1\): waiting for approval: 1 from @team-leads$/m)
    assert.match(result.stdout, /^Pull request: /m)
  })

  it('prints one JSON document with the status', async () => {
    const result = await run([...request('small'), '--wait', '--json'])
    assert.equal(result.status, 8, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.status.outcome, 'waiting_for_approval')
    assert.deepEqual(document.status.requirements, [{group: 'team-leads', team: 'team-leads', count: 1, approvals: [], satisfied: false, sla: '24h'}])
  })

  it('counts an approval on the head commit from a team member', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
    const result = await run(['runs', 'watch', runId()])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /^• Approval from @team-leads: 1 of 1 by lead-one$/m)
    assert.equal(result.stdout, 'Pull request #1: checks passed and every approval is in: ready to merge\n')
  })

  it('does not count approvals of an earlier version', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
    assert.equal((await run(['runs', 'edit', runId(), '--size', 'medium', '--yes'])).status, 0)
    const result = await run(['runs', 'watch', runId()])
    assert.equal(result.status, 8, result.stderr)
    assert.match(result.stderr, /^• Approval from @team-leads: 0 of 1; waiting \d+m of the 24h SLA$/m)
  })

  it('counts neither the author nor people outside the team', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.addTeamMember('acme', 'team-leads', 'octocat')
    server.addReview('acme', 'infrastructure', 1, {login: 'octocat', state: 'APPROVED'})
    server.addReview('acme', 'infrastructure', 1, {login: 'outsider', state: 'APPROVED'})
    const result = await run(['runs', 'watch', runId()])
    assert.equal(result.status, 8, result.stderr)
    assert.match(result.stderr, /^• Approval from @team-leads: 0 of 1; waiting \d+m of the 24h SLA$/m)
  })

  it('follows running checks until they pass', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
    server.addStatus('acme', 'infrastructure', head(), {context: 'terraform/plan', state: 'pending', targetUrl: 'http://127.0.0.1/plan'})
    const watching = run(['runs', 'watch', runId()])
    await new Promise((resolve) => setTimeout(resolve, 1500))
    server.addStatus('acme', 'infrastructure', head(), {context: 'terraform/plan', state: 'success', targetUrl: 'http://127.0.0.1/plan'})
    const result = await watching
    assert.equal(result.status, 0, result.stderr)
    const checkLines = result.stderr.split('\n').filter((line) => line.includes('Check terraform/plan'))
    assert.deepEqual(checkLines, ['• Check terraform/plan: pending (http://127.0.0.1/plan)', '• Check terraform/plan: success (http://127.0.0.1/plan)'])
  })

  it('exits 1 naming the failed check', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.addCheckRun('acme', 'infrastructure', head(), {name: 'tflint', status: 'completed', conclusion: 'failure', detailsUrl: 'http://127.0.0.1/tflint'})
    const result = await run(['runs', 'watch', runId()])
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^Error: Pull request #1 \(.*\): checks failed: tflint$/m)
  })

  it('reports a merged pull request', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.mergePullRequest('acme', 'infrastructure', 1)
    const result = await run(['runs', 'watch', runId()])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, 'Pull request #1: merged\n')
  })

  it('shows the pull request state once in runs show', async () => {
    assert.equal((await run(request('small'))).status, 0)
    const result = await run(['runs', 'show', runId()])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Pull request state$/m)
    assert.match(result.stdout, /^ {2}Pull request #1: waiting for approval: 1 from @team-leads$/m)
    assert.match(result.stdout, /^ {2}Approval from @team-leads: 0 of 1; waiting \d+m of the 24h SLA$/m)
    const document = JSON.parse((await run(['runs', 'show', runId(), '--json'])).stdout)
    assert.equal(document.status, 'succeeded')
    assert.equal(document.pullRequestStatus.outcome, 'waiting_for_approval')
  })

  it('shows a missed SLA in runs show', async () => {
    assert.equal((await run(request('small'))).status, 0)
    server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 26 * 3600 * 1000))
    const result = await run(['runs', 'show', runId()])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^ {2}Approval from @team-leads: 0 of 1; waiting 1d 2h, 2h past the 24h SLA$/m)
  })

  it('rejects --wait with a local target', async () => {
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${join(dir.path, 'local')}\n`)
    const result = await run([...request('small'), '--wait'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: --wait needs a GitHub target/m)
  })
})
