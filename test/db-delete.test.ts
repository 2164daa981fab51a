import assert from 'node:assert/strict'
import {join} from 'node:path'
import {Octokit} from '@octokit/rest'

import {git, runCli, runCliAsync, sandboxEnv} from './support/cli.js'
import {GitHubTestServer} from './support/github-server.js'
import {KEYS, type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

const REQUESTER_TOKEN = 'ghp_dbdeleterequester0123'
const CI_TOKEN = 'ghp_dbdeletecibot01234567'
const ORDERS_FILES = ['databases/production/orders-db/README.md', 'databases/production/orders-db/main.tf']
const BILLING_FILE = 'databases/production/billing-db/main.tf'
const DELETE_ARGS = ['db', 'delete', '--name', 'orders-db', '--environment', 'production']
const PRODUCTION_RULES = ['production-needs-sign-off', 'production-deletion-needs-security']

/** The base branch of every test: two production databases and a README. */
const BASE_FILES: Record<string, string> = {
  'README.md': '# Infrastructure\n',
  [ORDERS_FILES[0]]: '# orders-db (production)\n',
  [ORDERS_FILES[1]]: 'module "database" {\n  identifier = "orders-db"\n}\n',
  [BILLING_FILE]: 'module "database" {\n  identifier = "billing-db"\n}\n',
}

interface PlanOutput {
  risk: string[]
  files: Array<{path: string; status: string}>
  decision: {outcome: string; matchedRules: Array<{id: string}>; requirements: Array<{team: string}>}
}

interface ErrorOutput {
  error: {code: string; exitCode: number; message: string; hint?: string}
}

describe('idp db delete to a local git repository', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let repository: string
  let session: PtySession | undefined

  beforeEach(() => {
    dir = tempDir('db-delete-git')
    env = sandboxEnv(join(dir.path, 'home'))
    repository = join(dir.path, 'infrastructure')
    for (const [path, content] of Object.entries(BASE_FILES)) dir.write(`infrastructure/${path}`, content)
    git(repository, ['init', '-q', '-b', 'main'])
    git(repository, ['add', '.'])
    git(repository, ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Two databases'])
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${JSON.stringify(repository)}\n`)
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    dir.cleanup()
  })

  const run = (args: string[]) => runCli(args, {cwd: join(dir.path, 'work'), env})
  const branches = () => git(repository, ['branch', '--format=%(refname:short)']).trim().split('\n')

  it('plans deleting every database file', () => {
    const result = run([...DELETE_ARGS, '--dry-run', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const plan = JSON.parse(result.stdout) as PlanOutput
    assert.deepEqual(plan.files, ORDERS_FILES.map((path) => ({path, status: 'deleted', mode: '100644'})))
    assert.deepEqual(plan.risk, ['deletion'])
    assert.equal(plan.decision.outcome, 'needs_approval')
    assert.deepEqual(plan.decision.matchedRules.map((rule) => rule.id), PRODUCTION_RULES)
    assert.deepEqual(plan.decision.requirements.map((requirement) => requirement.team), ['team-leads', 'security'])
  })

  it('dry run shows removed lines', () => {
    const result = run([...DELETE_ARGS, '--dry-run'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Resources to delete\n {2}- aws_db_instance orders-db: The instance and all its data$/m)
    assert.match(result.stdout, /^ {2}- databases\/production\/orders-db\/main\.tf \(deleted\)$/m)
    assert.match(result.stdout, /^--- a\/databases\/production\/orders-db\/main\.tf\n\+\+\+ \/dev\/null\n@@ -1,3 \+0,0 @@\n-module "database" \{$/m)
    assert.doesNotMatch(result.stdout, /billing-db/)
  })

  it('rejects --yes without --confirm', () => {
    const result = run([...DELETE_ARGS, '--yes', '--json'])
    assert.equal(result.status, 2, result.stderr)
    const {error} = JSON.parse(result.stdout) as ErrorOutput
    assert.equal(error.code, 'CONFIRMATION_REQUIRED')
    assert.match(error.message, /^Confirmation needed: type orders-db to submit this request, and prompting is off/)
    assert.equal(error.hint, 'Add --confirm orders-db to submit it from a script (--yes alone does not), or --dry-run to only see the plan.')
    assert.deepEqual(branches(), ['main'])
  })

  for (const wrong of ['orders', 'orders-db ', 'ORDERS-DB', 'billing-db']) {
    it(`rejects --confirm ${JSON.stringify(wrong)}, also in dry runs`, () => {
      for (const mode of ['--yes', '--dry-run']) {
        const result = run([...DELETE_ARGS, '--confirm', wrong, mode, '--json'])
        assert.equal(result.status, 2, result.stderr)
        const {error} = JSON.parse(result.stdout) as ErrorOutput
        assert.equal(error.code, 'CONFIRMATION_MISMATCH')
        assert.equal(error.message, `--confirm ${JSON.stringify(wrong)} does not match "orders-db"`)
      }

      assert.deepEqual(branches(), ['main'])
    })
  }

  it('commits the deletion once', () => {
    const result = run([...DELETE_ARGS, '--confirm', 'orders-db', '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(repository, ['diff', '--name-status', 'main', 'idp/db-delete/orders-db-production']), ORDERS_FILES.map((path) => `D\t${path}`).join('\n'))
    assert.equal(git(repository, ['show', `idp/db-delete/orders-db-production:${BILLING_FILE}`]), BASE_FILES[BILLING_FILE].trimEnd())
    assert.match(git(repository, ['log', '-1', '--format=%B', 'idp/db-delete/orders-db-production']), /^### Resources to delete$/m)

    const again = run([...DELETE_ARGS, '--confirm', 'orders-db', '--yes', '--json'])
    assert.equal(again.status, 0, again.stderr)
    assert.equal((JSON.parse(again.stdout) as {existing: boolean}).existing, true)
  })

  it('proposes a merged request again', () => {
    const DELETE_BRANCH = 'idp/db-delete/orders-db-production'
    assert.equal(run([...DELETE_ARGS, '--confirm', 'orders-db', '--yes', '--json']).status, 0)
    git(repository, ['merge', '--quiet', '--ff-only', DELETE_BRANCH])
    // The database comes back by hand, and the same deletion is requested again.
    dir.write(`infrastructure/${ORDERS_FILES[1]}`, BASE_FILES[ORDERS_FILES[1]])
    git(repository, ['add', '.'])
    git(repository, ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Restore orders-db'])
    const merged = git(repository, ['rev-parse', DELETE_BRANCH])

    const again = run([...DELETE_ARGS, '--confirm', 'orders-db', '--yes', '--json'])
    assert.equal(again.status, 0, again.stderr)
    const document = JSON.parse(again.stdout) as {existing?: boolean; commit: string}
    assert.equal(document.existing, undefined)
    assert.equal(git(repository, ['rev-parse', `${document.commit}^`]), git(repository, ['rev-parse', 'main']))
    assert.equal(git(repository, ['rev-parse', DELETE_BRANCH]), document.commit)
    assert.notEqual(document.commit, merged)
    assert.equal(git(repository, ['diff', '--name-status', 'main', DELETE_BRANCH]), `D\t${ORDERS_FILES[1]}`)
  })

  const MISSING = [
    {name: 'ordrs-db', environment: 'production', present: ' databases/production has: billing-db, orders-db.'},
    {name: 'orders-db', environment: 'staging', present: ''},
  ]
  for (const {name, environment, present} of MISSING) {
    it(`rejects ${name} in ${environment}: nothing to delete`, () => {
      const result = run(['db', 'delete', '--name', name, '--environment', environment, '--confirm', name, '--yes', '--json'])
      assert.equal(result.status, 2, result.stderr)
      const {error} = JSON.parse(result.stdout) as ErrorOutput
      assert.equal(error.code, 'NOTHING_TO_DELETE')
      assert.equal(error.message, `Nothing to delete: databases/${environment}/${name} does not exist on the base branch of the local git repository ${repository}`)
      assert.equal(error.hint, `Check the name and the environment; nothing was written.${present}`)
      assert.deepEqual(branches(), ['main'])
    })
  }

  it('terminal prompt requires the exact name', async () => {
    session = spawnCli([...DELETE_ARGS], {cwd: join(dir.path, 'work'), env: sandboxEnv(join(dir.path, 'home'), {TERM: 'xterm-256color'}), columns: 200})
    await session.expect('? Type the database name to delete it:')
    session.press(`orders${KEYS.enter}`)
    await session.expect('Type orders-db exactly to confirm, or press Ctrl-C to cancel.')
    assert.deepEqual(branches(), ['main'])
    session.press(`-db${KEYS.enter}`)
    assert.equal((await session.waitForExit()).exitCode, 0, session.screen)
    assert.equal(git(repository, ['diff', '--name-status', 'main', 'idp/db-delete/orders-db-production']), ORDERS_FILES.map((path) => `D\t${path}`).join('\n'))
  })
})

describe('idp db delete on GitHub, and the policy gate', () => {
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const BRANCH = 'idp/db-delete/orders-db-production'

  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: 'acme', name: 'infrastructure', files: BASE_FILES})
    server.addToken(REQUESTER_TOKEN, {login: 'ada'})
    server.addToken(CI_TOKEN, {login: 'idp-bot'})
    for (const team of ['team-leads', 'finance', 'security']) server.addTeam('acme', team)
    server.addTeamMember('acme', 'team-leads', 'lead-one')
    server.addTeamMember('acme', 'security', 'sec-one')
    dir = tempDir('db-delete-github')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    env = sandboxEnv(join(dir.path, 'home'), {GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  const as = (token: string, args: string[]) => runCliAsync(args, {cwd: join(dir.path, 'work'), env: {...env, GH_TOKEN: token}})
  const verify = () => as(CI_TOKEN, ['policy', 'verify', '1', '--repository', 'acme/infrastructure', '--json'])

  async function submit(): Promise<void> {
    const result = await as(REQUESTER_TOKEN, [...DELETE_ARGS, '--confirm', 'orders-db', '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.doesNotMatch(result.stdout + result.stderr, /ghp_\w+/)
    server.assertNoViolations()
  }

  it('opens a pull request for team leads and security', async () => {
    await submit()
    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.equal(pull.head, BRANCH)
    assert.deepEqual(pull.requestedTeams, ['team-leads', 'security'])
    assert.deepEqual(Object.keys(server.filesAt('acme', 'infrastructure', BRANCH)).sort(), ['README.md', BILLING_FILE])
    assert.match(pull.body ?? '', /^- `databases\/production\/orders-db\/main\.tf` \(deleted\)$/m)
  })

  it('lists the databases there for a wrong name', async () => {
    const result = await as(REQUESTER_TOKEN, ['db', 'delete', '--name', 'ordrs-db', '--environment', 'production', '--confirm', 'ordrs-db', '--yes', '--json'])
    assert.equal(result.status, 2, result.stderr)
    assert.equal((JSON.parse(result.stdout) as ErrorOutput).error.hint, 'Check the name and the environment; nothing was written. databases/production has: billing-db, orders-db.')
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
  })

  it('gate waits for both approvals', async () => {
    await submit()
    server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
    const waiting = await verify()
    assert.equal(waiting.status, 8, waiting.stderr)
    assert.deepEqual((JSON.parse(waiting.stdout) as {files: unknown[]}).files, [])

    server.addReview('acme', 'infrastructure', 1, {login: 'sec-one', state: 'APPROVED'})
    const approved = await verify()
    assert.equal(approved.status, 0, approved.stderr)
    assert.equal((JSON.parse(approved.stdout) as {outcome: string}).outcome, 'approved')
    server.assertNoViolations()
  })

  it('opens a new pull request after the first was merged', async () => {
    await submit()
    const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
    const head = server.branch('acme', 'infrastructure', BRANCH)!
    await octokit.git.updateRef({owner: 'acme', repo: 'infrastructure', ref: 'heads/main', sha: head})
    server.mergePullRequest('acme', 'infrastructure', 1)
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {[ORDERS_FILES[1]]: BASE_FILES[ORDERS_FILES[1]]}, message: 'Restore orders-db'})

    await submit()
    const pulls = server.pullRequests('acme', 'infrastructure')
    assert.deepEqual(pulls.map((pull) => [pull.number, pull.head, pull.state]), [[1, BRANCH, 'closed'], [2, BRANCH, 'open']])
    assert.deepEqual(Object.keys(server.filesAt('acme', 'infrastructure', BRANCH)).sort(), ['README.md', BILLING_FILE])
    server.assertNoViolations()
  })

  const TAMPERING: Array<{name: string; files: Record<string, string | null>; expected: Array<{path: string; problem: string}>}> = [
    {name: 'brings a deleted file back', files: {[ORDERS_FILES[1]]: BASE_FILES[ORDERS_FILES[1]]}, expected: [{path: ORDERS_FILES[1], problem: 'kept'}]},
    {name: 'also deletes another database', files: {[BILLING_FILE]: null}, expected: [{path: BILLING_FILE, problem: 'removed'}]},
    {name: 'adds a file', files: {'databases/production/orders-db/keep.tf': '# keep\n'}, expected: [{path: 'databases/production/orders-db/keep.tf', problem: 'unexpected'}]},
  ]

  for (const tampering of TAMPERING) {
    it(`gate fails when a push ${tampering.name}`, async () => {
      await submit()
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: tampering.files, message: 'Tamper'})
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      server.addReview('acme', 'infrastructure', 1, {login: 'sec-one', state: 'APPROVED'})
      const result = await verify()
      assert.equal(result.status, 1, result.stderr)
      const document = JSON.parse(result.stdout) as {outcome: string; files: Array<{path: string; problem: string}>}
      assert.equal(document.outcome, 'tampered')
      assert.deepEqual(document.files.map(({path, problem}) => ({path, problem})), tampering.expected)
    })
  }
})
