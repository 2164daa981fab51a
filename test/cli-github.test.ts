import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {TERMINAL_CONTROL, binPath, runCliAsync, sandboxEnv} from './support/cli.js'
import {exampleRepositoryFiles} from './support/example-repository.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const TOKEN = 'ghp_testtoken0123456789abcdef'
const REPOSITORY = 'acme/infrastructure'
const API = '/repos/acme/infrastructure'

function request(environment: string, size: string): string[] {
  return ['db', 'create', '--name', 'orders-db', '--environment', environment, '--size', size, '--team', 'payments']
}

describe('idp db create to GitHub', () => {
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: 'acme', name: 'infrastructure', files: {'README.md': '# Infrastructure\n', 'modules/postgresql/main.tf': 'variable "identifier" {}\n'}})
    for (const team of ['team-leads', 'finance', 'security']) server.addTeam('acme', team)
    dir = tempDir('cli-github')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `target:\n  github:\n    repository: ${REPOSITORY}\n`)
    env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  const run = (args: string[]) => runCliAsync(args, {cwd: join(dir.path, 'work'), env})
  const calls = () => server.requests.map((entry) => `${entry.method} ${entry.path.replace(/[0-9a-f]{40}/, '<sha>')}`)

  it('opens an auto-approved pull request with one tree and one commit', async () => {
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()

    // The default branch and the token's account first, then four reads side by side (the
    // base commit and tree, the shared policy and the request's branch), then the writes in order.
    assert.deepEqual(calls().slice(0, 2).sort(), [`GET ${API}`, 'GET /user'])
    assert.deepEqual(calls().slice(2, 6).sort(), [
      `GET ${API}/commits/main`,
      `GET ${API}/contents/.idp%2Fapproval-policy.yaml`,
      `GET ${API}/git/ref/heads%2Fidp%2Fdb-create%2Forders-db-dev`,
      `GET ${API}/git/trees/main`,
    ])
    assert.deepEqual(calls().slice(6), [`POST ${API}/git/trees`, `POST ${API}/git/commits`, `POST ${API}/git/refs`, `POST ${API}/pulls`, `POST ${API}/issues/1/labels`])

    const treeRequest = server.requests.find((entry) => entry.method === 'POST' && entry.path.endsWith('/git/trees'))!.body as {base_tree: string; tree: Array<{path: string; mode: string; content: string}>}
    assert.match(treeRequest.base_tree, /^[0-9a-f]{40}$/)
    assert.deepEqual(
      treeRequest.tree.map((entry) => [entry.path, entry.mode]),
      [
        ['databases/dev/orders-db/README.md', '100644'],
        ['databases/dev/orders-db/main.tf', '100644'],
      ],
    )
    assert.match(treeRequest.tree[1].content, /identifier {5}= "orders-db"/)

    const files = server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')
    assert.deepEqual(Object.keys(files).sort(), ['README.md', 'databases/dev/orders-db/README.md', 'databases/dev/orders-db/main.tf', 'modules/postgresql/main.tf'])

    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.equal(pull.title, 'Create PostgreSQL database orders-db (dev, small)')
    assert.equal(pull.head, 'idp/db-create/orders-db-dev')
    assert.equal(pull.base, 'main')
    assert.deepEqual(pull.labels, ['idp', 'idp:auto-approved'])
    assert.deepEqual(pull.requestedTeams, [])

    assert.match(result.stdout, /^Pull request: http:\/\/127\.0\.0\.1:\d+\/acme\/infrastructure\/pull\/1$/m)
    assert.match(result.stdout, /^Decision: auto-approved$/m)
    assert.match(result.stdout, /^Next: no approval is needed: merge the pull request once its checks pass\.$/m)
    assert.match(result.stderr, /^✔ Read acme\/infrastructure at main [0-9a-f]{12}$/m)
    assert.doesNotMatch(result.stderr, TERMINAL_CONTROL)
  })

  it('gives approvers the full request in the pull request body', async () => {
    const result = await run([...request('production', 'large'), '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const [pull] = server.pullRequests('acme', 'infrastructure')
    const body = pull.body ?? ''
    for (const expected of [
      'Requested by `',
      '| size | large (Large: 8 vCPU, 32 GB) |',
      '- `aws_db_instance` **orders-db**: PostgreSQL 16, Large: 8 vCPU, 32 GB, Multi-AZ standby',
      '- **team:payments** gets `orders_db_readwrite` on database orders_db: Read and write all tables',
      '$800 per month (USD).',
      '**Needs approval**: 1 from @acme/team-leads and 1 from @acme/finance.',
    ]) {
      assert.ok(body.includes(expected), `the body lacks ${JSON.stringify(expected)}`)
    }

    const document = JSON.parse(result.stdout)
    assert.ok(body.includes(`Run id: \`${document.runId}\``))
    const machine = JSON.parse(/```json idp-request\n([\s\S]*?)\n```/.exec(body)![1])
    assert.deepEqual(machine.inputs, {name: 'orders-db', environment: 'production', size: 'large', team: 'payments'})
    assert.deepEqual(machine.decision, {
      outcome: 'needs_approval',
      requirements: [
        {group: 'team-leads', team: 'team-leads', count: 1},
        {group: 'finance', team: 'finance', count: 1},
      ],
    })
  })

  it('labels a pull request that needs approval and requests the teams', async () => {
    const result = await run([...request('production', 'large'), '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()

    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.deepEqual(pull.labels, ['idp', 'idp:needs-approval'])
    assert.deepEqual(pull.requestedTeams, ['team-leads', 'finance'])
    const reviewRequest = server.requests.find((entry) => entry.path.endsWith('/requested_reviewers'))!
    assert.deepEqual(reviewRequest.body, {reviewers: [], team_reviewers: ['team-leads', 'finance']})
    assert.deepEqual(calls().slice(-2).sort(), [`POST ${API}/issues/1/labels`, `POST ${API}/pulls/1/requested_reviewers`])

    const document = JSON.parse(result.stdout)
    assert.deepEqual(document.pullRequest, {number: 1, url: `${new URL(server.url).origin}/acme/infrastructure/pull/1`})
    assert.equal(document.cost.monthly, 800)
    assert.equal(document.decision.outcome, 'needs_approval')
  })

  it('sends only reads in a dry run', async () => {
    const result = await run([...request('dev', 'small'), '--dry-run'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(
      server.requests.map((entry) => entry.method),
      ['GET', 'GET', 'GET', 'GET', 'GET', 'GET'],
    )
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
    assert.deepEqual(readdirSync(join(dir.path, 'home')), [])
  })

  it('journals the pull request and never the token', async () => {
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 0, result.stderr)
    const runs = join(dir.path, 'home', '.local', 'state', 'idp', 'runs')
    const [file] = readdirSync(runs)
    const text = readFileSync(join(runs, file), 'utf8')
    const journal = JSON.parse(text)
    assert.equal(journal.status, 'succeeded')
    assert.deepEqual(journal.remote.pullRequest, {number: 1, url: journal.outputs.pullRequest})
    assert.deepEqual(
      journal.steps.map((step: {id: string; status: string}) => `${step.id}:${step.status}`),
      ['render:succeeded', 'commit:succeeded', 'branch:succeeded', 'pull-request:succeeded', 'labels-reviewers:succeeded'],
    )
    for (const output of [text, result.stdout, result.stderr]) assert.ok(!output.includes(TOKEN))
  })

  it('exits 4 when GitHub rejects the token', async () => {
    server.addToken('a-different-token', {login: 'someone'})
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 4)
    assert.match(result.stderr, /^Error: Reading the base branch failed: GET \/repos\/acme\/infrastructure returned 401: the token was rejected \(Bad credentials\)$/m)
    assert.match(result.stderr, /^Next: Set GH_TOKEN/m)
    assert.ok(!result.stderr.includes(TOKEN))
  })

  it('says a repository is missing or invisible on 404', async () => {
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/absent\n')
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 1)
    assert.match(result.stderr, /acme\/absent was not found, or is not visible to this token/)
  })

  const writes = () => server.requests.filter((entry) => entry.method !== 'GET')

  it('reports the pull request of an earlier run instead of opening another (FC28)', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const writesBefore = writes().length
    const result = await run([...request('dev', 'small'), '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    const document = JSON.parse(result.stdout)
    assert.equal(document.existing, true)
    assert.equal(document.pullRequest.number, 1)
    assert.equal(writes().length, writesBefore, 'the re-run wrote nothing')
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 1)
  })

  it('stops before writing when someone else owns the branch', async () => {
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'idp/db-create/orders-db-dev', files: {'notes.md': 'mine\n'}, message: 'Work in progress'})
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^Error: The branch idp\/db-create\/orders-db-dev already exists in acme\/infrastructure and was not created by this request /m)
    assert.deepEqual(writes(), [])
    assert.deepEqual(Object.keys(server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')).sort(), ['README.md', 'modules/postgresql/main.tf', 'notes.md'])
  })

  it('opens the pull request on the branch a failed run left', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', status: 500, times: 4})
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 1)
    const head = server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev')

    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev'), head, 'the branch was reused, not moved')
    const commitsCreated = server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/git/commits'))
    assert.equal(commitsCreated.length, 1)
    const pulls = server.pullRequests('acme', 'infrastructure')
    assert.equal(pulls.length, 1)
    assert.deepEqual(pulls[0].labels, ['idp', 'idp:auto-approved'])
  })

  it('reports a pull request that appeared meanwhile instead of a duplicate (FC29)', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/labels', status: 500, times: 4})
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 1)
    // The second run's lookup finds no pull request, as if it was opened after the plan.
    server.inject({method: 'GET', path: '/repos/{owner}/{repo}/pulls', status: 200, body: []})

    const result = await run([...request('dev', 'small'), '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).pullRequest.number, 1)
    const pulls = server.pullRequests('acme', 'infrastructure')
    assert.equal(pulls.length, 1)
    assert.deepEqual(pulls[0].labels, ['idp', 'idp:auto-approved'])
  })

  const runsFolder = () => join(dir.path, 'home', '.local', 'state', 'idp', 'runs')
  const onlyJournal = () => {
    const files = readdirSync(runsFolder()).filter((name) => name.endsWith('.json'))
    assert.equal(files.length, 1, `one journal, found ${files.join(', ')}`)
    return JSON.parse(readFileSync(join(runsFolder(), files[0]), 'utf8'))
  }

  const stepStates = (journal: {steps: Array<{id: string; status: string}>}) => journal.steps.map((step) => `${step.id}:${step.status}`)

  for (const [step, path] of [
    ['commit', '/repos/{owner}/{repo}/git/commits'],
    ['branch', '/repos/{owner}/{repo}/git/refs'],
    ['pull-request', '/repos/{owner}/{repo}/pulls'],
    ['labels-reviewers', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
  ] as const) {
    it(`finishes a run that failed at ${step} with idp runs retry`, async () => {
      server.inject({method: 'POST', path, status: 500, times: 4})
      assert.equal((await run([...request('production', 'large'), '--yes'])).status, 1)
      const failed = onlyJournal()
      assert.equal(failed.status, 'failed')
      assert.equal(failed.steps.find((entry: {id: string}) => entry.id === step).status, 'failed')

      const result = await run(['runs', 'retry', failed.runId])
      assert.equal(result.status, 0, result.stderr)
      server.assertNoViolations()

      const retried = onlyJournal()
      assert.equal(retried.runId, failed.runId)
      assert.equal(retried.status, 'succeeded')
      assert.deepEqual(stepStates(retried), ['render:succeeded', 'commit:succeeded', 'branch:succeeded', 'pull-request:succeeded', 'labels-reviewers:succeeded'])
      const commitsCreated = server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/git/commits') && entry.status === 201)
      assert.equal(commitsCreated.length, 1)
      const pulls = server.pullRequests('acme', 'infrastructure')
      assert.equal(pulls.length, 1)
      assert.deepEqual(pulls[0].labels, ['idp', 'idp:needs-approval'])
      assert.deepEqual(pulls[0].requestedTeams, ['team-leads', 'finance'])
    })
  }

  const interruptions: Array<[string, string, string[]]> = [
    ['/git/commits', '/repos/{owner}/{repo}/git/commits', ['render:succeeded', 'commit:succeeded', 'branch:pending', 'pull-request:pending', 'labels-reviewers:pending']],
    ['/git/refs', '/repos/{owner}/{repo}/git/refs', ['render:succeeded', 'commit:succeeded', 'branch:succeeded', 'pull-request:pending', 'labels-reviewers:pending']],
    ['/pulls', '/repos/{owner}/{repo}/pulls', ['render:succeeded', 'commit:succeeded', 'branch:succeeded', 'pull-request:succeeded', 'labels-reviewers:pending']],
  ]
  for (const [suffix, path, states] of interruptions) {
    it(`stops after POST ${suffix} on Ctrl-C, then retries`, async () => {
      server.inject({method: 'POST', path, delayMs: 1500})
      const child = spawn(process.execPath, [binPath, ...request('dev', 'small'), '--yes'], {cwd: join(dir.path, 'work'), env})
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      while (!server.requests.some((entry) => entry.method === 'POST' && entry.path.endsWith(suffix))) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }

      child.kill('SIGINT')
      assert.equal(await exited, 130)
      assert.match(stderr, /^Error: Interrupted; the run stopped before its next step\.$/m)
      const interrupted = onlyJournal()
      assert.equal(interrupted.status, 'interrupted')
      assert.deepEqual(stepStates(interrupted), states)
      assert.match(stderr, new RegExp(`^Next: Finish it with \`idp runs retry ${interrupted.runId}\``, 'm'))

      const result = await run(['runs', 'retry', interrupted.runId])
      assert.equal(result.status, 0, result.stderr)
      server.assertNoViolations()
      const pulls = server.pullRequests('acme', 'infrastructure')
      assert.equal(pulls.length, 1)
      assert.deepEqual(pulls[0].labels, ['idp', 'idp:auto-approved'])
      assert.equal(onlyJournal().status, 'succeeded')
    })
  }

  it('lets only one process deliver a run', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', status: 500, times: 4})
    await run([...request('dev', 'small'), '--yes'])
    const {runId} = onlyJournal()
    const lock = join(runsFolder(), `${runId}.lock`)
    writeFileSync(lock, String(process.pid))

    const result = await run(['runs', 'retry', runId])
    assert.equal(result.status, 1)
    assert.match(result.stderr, new RegExp(`^Error: Run ${runId} is being delivered by another idp process \\(pid ${process.pid}\\)$`, 'm'))
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 0)
  })

  it('withdraws a run with idp runs cancel', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const {runId} = onlyJournal()
    const result = await run(['runs', 'cancel', runId])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    assert.equal(result.stdout, `Closed pull request #1: ${new URL(server.url).origin}/acme/infrastructure/pull/1\nDeleted branch idp/db-create/orders-db-dev\nRun ${runId} is cancelled.\n`)
    assert.equal(server.pullRequests('acme', 'infrastructure')[0].state, 'closed')
    assert.equal(server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev'), undefined)
    assert.equal(onlyJournal().status, 'cancelled')
  })

  it('keeps a branch someone else pushed to when cancelling', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'idp/db-create/orders-db-dev', files: {'notes.md': 'review notes\n'}, message: 'Add review notes'})
    const result = await run(['runs', 'cancel', onlyJournal().runId])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Kept branch idp\/db-create\/orders-db-dev: its last commit was not made by this run$/m)
    assert.notEqual(server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev'), undefined)
  })

  it('edits a submitted run on the same branch and pull request', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const {runId} = onlyJournal()
    const firstHead = server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev')

    const result = await run(['runs', 'edit', runId, '--size', 'large', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    assert.match(result.stderr, /^ {2}size: small → large$/m)
    assert.match(result.stderr, /^ {2}cost: \$50\/month → \$400\/month$/m)
    assert.match(result.stderr, /^ {2}decision: auto-approved → needs approval: 1 from @team-leads$/m)
    assert.match(result.stderr, /^✔ Updated pull request #1: /m)

    const pulls = server.pullRequests('acme', 'infrastructure')
    assert.equal(pulls.length, 1)
    assert.equal(pulls[0].title, 'Create PostgreSQL database orders-db (dev, large)')
    assert.deepEqual(pulls[0].labels, ['idp', 'idp:needs-approval'])
    assert.deepEqual(pulls[0].requestedTeams, ['team-leads'])
    assert.match(pulls[0].body ?? '', /\| size \| large \(Large: 8 vCPU, 32 GB\) \|/)

    const refUpdate = server.requests.find((entry) => entry.method === 'PATCH' && entry.path.includes('/git/refs/'))!
    assert.equal((refUpdate.body as {force: boolean}).force, false)
    const commitRequest = server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/git/commits')).at(-1)!
    assert.deepEqual((commitRequest.body as {parents: string[]}).parents, [firstHead])
    assert.match(server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')['databases/dev/orders-db/main.tf'].content, /instance_class = "db\.m6g\.2xlarge"/)

    const journal = onlyJournal()
    assert.equal(journal.runId, runId)
    assert.equal(journal.status, 'succeeded')
    assert.equal(journal.inputs.size, 'large')
  })

  it('deletes the files an edit no longer writes', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const result = await run(['runs', 'edit', onlyJournal().runId, '--name', 'billing-db', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    const paths = Object.keys(server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')).filter((path) => path.startsWith('databases/'))
    assert.deepEqual(paths.sort(), ['databases/dev/billing-db/README.md', 'databases/dev/billing-db/main.tf'])
  })

  for (const [label, fault] of [
    ['the commit', {method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 500, times: 4}],
    ['the pull request update', {method: 'PATCH', path: '/repos/{owner}/{repo}/pulls/{pull_number}', status: 500, times: 4}],
  ] as const) {
    it(`retries an edit that failed at ${label}`, async () => {
      assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
      const {runId} = onlyJournal()
      server.inject({...fault})
      assert.equal((await run(['runs', 'edit', runId, '--size', 'large', '--yes'])).status, 1)

      const result = await run(['runs', 'retry', runId])
      assert.equal(result.status, 0, result.stderr)
      server.assertNoViolations()
      const pulls = server.pullRequests('acme', 'infrastructure')
      assert.equal(pulls.length, 1)
      assert.equal(pulls[0].title, 'Create PostgreSQL database orders-db (dev, large)')
      assert.deepEqual(pulls[0].labels, ['idp', 'idp:needs-approval'])
      assert.match(server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')['databases/dev/orders-db/main.tf'].content, /db\.m6g\.2xlarge/)
      assert.equal(onlyJournal().status, 'succeeded')
    })
  }

  it('cancels a run whose edit failed', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const {runId} = onlyJournal()
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 500, times: 4})
    assert.equal((await run(['runs', 'edit', runId, '--size', 'large', '--yes'])).status, 1)

    const result = await run(['runs', 'cancel', runId])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(server.pullRequests('acme', 'infrastructure')[0].state, 'closed')
    assert.equal(server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev'), undefined)
  })

  it('does not retry a cancelled run', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const {runId} = onlyJournal()
    assert.equal((await run(['runs', 'cancel', runId])).status, 0)
    const result = await run(['runs', 'retry', runId])
    assert.equal(result.status, 2)
    assert.match(result.stderr, new RegExp(`^Error: Run ${runId} was cancelled, so it is not retried$`, 'm'))
    assert.equal(server.pullRequests('acme', 'infrastructure').filter((pull) => pull.state === 'open').length, 0)
  })

  it('does not retry into another target', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', status: 500, times: 4})
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 1)
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${join(dir.path, 'local-infra')}\n`)
    const result = await run(['runs', 'retry', onlyJournal().runId])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /was delivered to the GitHub repository acme\/infrastructure .* but the configuration here points at the local repository /)
  })

  it('reports an edit that changes nothing', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const writesBefore = writes().length
    const result = await run(['runs', 'edit', onlyJournal().runId, '--size', 'small', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Nothing to change: run \S+ already has these inputs\.$/m)
    assert.equal(writes().length, writesBefore)
  })

  it('reports nothing to change when the base branch has the files (FC30)', async () => {
    assert.equal((await run([...request('dev', 'small'), '--yes'])).status, 0)
    const rendered = server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')
    const files = Object.fromEntries(Object.entries(rendered).filter(([path]) => path.startsWith('databases/')).map(([path, file]) => [path, file.content]))
    server.createRepository({owner: 'acme', name: 'merged-infra', files})
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/merged-infra\n')

    const result = await run([...request('dev', 'small'), '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).nothingToChange, true)
    const merged = server.requests.filter((entry) => entry.path.startsWith('/repos/acme/merged-infra'))
    assert.deepEqual([...new Set(merged.map((entry) => entry.method))], ['GET'])
    assert.deepEqual(server.pullRequests('acme', 'merged-infra'), [])
  })

  it('finishes a run whose process was killed with idp runs retry', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', delayMs: 3000})
    const child = spawn(process.execPath, [binPath, ...request('dev', 'small'), '--yes'], {cwd: join(dir.path, 'work'), env})
    const exited = new Promise((resolve) => child.on('close', resolve))
    while (!server.requests.some((entry) => entry.method === 'POST' && entry.path.endsWith('/pulls'))) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    child.kill('SIGKILL')
    await exited
    const crashed = onlyJournal()
    assert.equal(crashed.status, 'running')
    assert.deepEqual(stepStates(crashed), ['render:succeeded', 'commit:succeeded', 'branch:succeeded', 'pull-request:running', 'labels-reviewers:pending'])
    await new Promise((resolve) => setTimeout(resolve, 3200))

    const result = await run(['runs', 'retry', crashed.runId])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 1)
    assert.equal(onlyJournal().status, 'succeeded')
  })

  it('lets two simultaneous runs of one request share a branch and pull request', async () => {
    const [first, second] = await Promise.all([run([...request('dev', 'small'), '--yes']), run([...request('dev', 'small'), '--yes'])])
    assert.equal(first.status, 0, first.stderr)
    assert.equal(second.status, 0, second.stderr)
    server.assertNoViolations()
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 1)
    assert.deepEqual(server.pullRequests('acme', 'infrastructure')[0].labels, ['idp', 'idp:auto-approved'])
    assert.notEqual(server.branch('acme', 'infrastructure', 'idp/db-create/orders-db-dev'), undefined)
  })

  it('says GitHub cannot be reached when nothing answers', async () => {
    const result = await runCliAsync([...request('dev', 'small'), '--yes'], {cwd: join(dir.path, 'work'), env: {...env, GITHUB_API_URL: 'http://127.0.0.1:9'}})
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^Error: Reading the base branch failed: cannot reach http:\/\/127\.0\.0\.1:9: /m)
  })

  it('stops at the failing step and says which request failed (FC23)', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/commits', status: 500, times: 10})
    const started = Date.now()
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 1)
    assert.ok(Date.now() - started < 20_000, 'the process exits once the retries are spent')
    assert.match(result.stderr, /^✖ Committing 2 files on top of main: failed$/m)
    assert.match(result.stderr, /^Error: Committing 2 files on top of main failed: POST \/repos\/acme\/infrastructure\/git\/commits returned 500/m)
    assert.match(result.stderr, /^Once the cause is fixed, `idp runs retry \d{8}-\d{6}-[0-9a-f]{6}` finishes the run and reuses what it created\.$/m)
    const commitAttempts = server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/git/commits'))
    assert.equal(commitAttempts.length, 4, 'one request and three retries')
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])

    const runs = join(dir.path, 'home', '.local', 'state', 'idp', 'runs')
    const journal = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0]), 'utf8'))
    assert.equal(journal.status, 'failed')
    assert.deepEqual(
      journal.steps.map((step: {id: string; status: string}) => `${step.id}:${step.status}`),
      ['render:succeeded', 'commit:failed', 'branch:pending', 'pull-request:pending', 'labels-reviewers:pending'],
    )
    assert.equal(journal.steps[1].error.code, 'GITHUB_UNAVAILABLE')
  })

  it('retries a dropped connection', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', drop: true})
    const result = await run([...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 1)
  })
})

describe('idp with GitHub Enterprise Server', () => {
  let server: GitHubTestServer
  let dir: TempDir

  beforeEach(async () => {
    server = await GitHubTestServer.start({pathPrefix: '/api/v3'})
    server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles()})
    dir = tempDir('cli-ghes')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `target:\n  github:\n    repository: ${REPOSITORY}\n`)
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  const run = (apiUrl: string, args: string[]) =>
    runCliAsync(args, {cwd: join(dir.path, 'work'), env: sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: apiUrl, IDP_GITHUB_RETRY_BASE_MS: '1'})})

  it('opens the pull request through the /api/v3 address', async () => {
    const result = await run(server.url, [...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(server.pullRequests('acme', 'infrastructure').length, 1)
  })

  it('suggests the /api/v3 address when given the web address (FC34)', async () => {
    const webUrl = new URL(server.url).origin
    const result = await run(webUrl, [...request('dev', 'small'), '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, new RegExp(`^Error: ${webUrl.replaceAll('.', '\\.')} returned a web page, not GitHub's REST API$`, 'm'))
    assert.ok(result.stderr.includes(`${webUrl}/api/v3`))
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
  })
})
