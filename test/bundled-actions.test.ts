import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {git, runCli, runCliAsync, sandboxEnv} from './support/cli.js'
import {exampleRepositoryFiles} from './support/example-repository.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const TOKEN = 'ghp_bundledactions0123456789'

/** One request to a bundled action and what the bundled policy decides about it. */
interface ActionCase {
  name: string
  args: string[]
  exitCode: number
  outcome: 'auto_approve' | 'needs_approval' | 'deny'
  rules: string[]
  /** Teams asked to review, in decision order. */
  teams: string[]
  risk: string[]
  monthly: number
  branch: string
  /** A file of the commit and a line it contains. */
  file?: {path: string; line: RegExp}
}

const CASES: ActionCase[] = [
  {
    name: 'namespace create in dev',
    args: ['namespace', 'create', '--name', 'orders', '--team', 'payments'],
    exitCode: 0,
    outcome: 'auto_approve',
    rules: ['non-production-under-100'],
    teams: [],
    risk: [],
    monthly: 40,
    branch: 'idp/namespace-create/orders-dev',
    file: {path: 'kubernetes/dev/namespaces/orders/namespace.yaml', line: /^ {2}hard: \{"requests.cpu":"4","requests.memory":"8Gi","pods":"40"\}$/m},
  },
  {
    name: 'namespace create, large tier',
    args: ['namespace', 'create', '--name', 'orders', '--team', 'payments', '--environment', 'staging', '--tier', 'large'],
    exitCode: 0,
    outcome: 'needs_approval',
    rules: ['cost-100-or-more-needs-team-lead', 'cost-over-500-needs-finance'],
    teams: ['team-leads', 'finance'],
    risk: [],
    monthly: 640,
    branch: 'idp/namespace-create/orders-staging',
    file: {path: 'kubernetes/staging/namespaces/orders/namespace.yaml', line: /^ {2}name: "orders"$/m},
  },
  {
    name: 'bucket create, public in staging',
    args: ['bucket', 'create', '--name', 'assets', '--team', 'payments', '--environment', 'staging', '--public'],
    exitCode: 0,
    outcome: 'auto_approve',
    rules: ['non-production-under-100'],
    teams: [],
    risk: ['public-exposure'],
    monthly: 5,
    branch: 'idp/bucket-create/assets-staging',
    file: {path: 'buckets/staging/assets/main.tf', line: /^ {2}public_read = true$/m},
  },
  {
    name: 'bucket create, public in production',
    args: ['bucket', 'create', '--name', 'assets', '--team', 'payments', '--environment', 'production', '--public'],
    exitCode: 3,
    outcome: 'deny',
    rules: ['production-needs-sign-off', 'no-public-exposure-in-production'],
    teams: [],
    risk: ['public-exposure'],
    monthly: 5,
    branch: 'idp/bucket-create/assets-production',
  },
  {
    name: 'bucket create, private in production',
    args: ['bucket', 'create', '--name', 'assets', '--team', 'payments', '--environment', 'production', '--versioning'],
    exitCode: 0,
    outcome: 'needs_approval',
    rules: ['production-needs-sign-off'],
    teams: ['team-leads'],
    risk: [],
    monthly: 10,
    branch: 'idp/bucket-create/assets-production',
    file: {path: 'buckets/production/assets/main.tf', line: /^ {2}public_read = false$/m},
  },
  {
    name: 'access grant in dev',
    args: ['access', 'grant', '--principal', 'payments', '--resource', 'database/orders-db', '--reason', 'Read the order history'],
    exitCode: 0,
    outcome: 'needs_approval',
    rules: ['non-production-under-100', 'iam-needs-security'],
    teams: ['security'],
    risk: ['iam'],
    monthly: 0,
    branch: 'idp/access-grant/database-orders-db-payments-viewer-dev',
    file: {path: 'access/dev/database-orders-db/team-payments-viewer/grant.tf', line: /^ {2}reason {6}= "Read the order history"$/m},
  },
  {
    name: 'access grant in production',
    args: ['access', 'grant', '--principal-type', 'user', '--principal', 'octocat', '--role', 'admin', '--resource', 'bucket/invoices', '--environment', 'production', '--reason', 'Rotate the bucket keys'],
    exitCode: 0,
    outcome: 'needs_approval',
    rules: ['production-needs-sign-off', 'iam-needs-security'],
    teams: ['team-leads', 'security'],
    risk: ['iam'],
    monthly: 0,
    branch: 'idp/access-grant/bucket-invoices-octocat-admin-production',
    file: {path: 'access/production/bucket-invoices/user-octocat-admin/grant.tf', line: /^ {2}principal {3}= "user:octocat"$/m},
  },
]

interface ActionOutput {
  risk: string[]
  cost: {monthly: number}
  decision: {outcome: string; matchedRules: Array<{id: string}>; requirements: Array<{team: string}>}
}

interface ErrorOutput {
  error: {code: string; exitCode: number; decision: {matchedRules: Array<{id: string}>}}
}

function checkDecision(output: ActionOutput, expected: ActionCase): void {
  assert.equal(output.decision.outcome, expected.outcome)
  assert.deepEqual(output.decision.matchedRules.map((rule) => rule.id), expected.rules)
  assert.deepEqual(output.decision.requirements.map((requirement) => requirement.team), expected.teams)
  assert.deepEqual(output.risk, expected.risk)
  assert.equal(output.cost.monthly, expected.monthly)
}

describe('bundled actions to the local git repository', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let repository: string

  beforeEach(() => {
    dir = tempDir('bundled-git')
    env = sandboxEnv(join(dir.path, 'home'))
    repository = join(dir.path, 'home', '.local', 'share', 'idp', 'infrastructure')
    dir.write('work/.git/HEAD', '')
  })

  afterEach(() => dir.cleanup())

  for (const expected of CASES) {
    it(`${expected.name}: ${expected.outcome}`, () => {
      const plan = runCli([...expected.args, '--dry-run', '--json'], {cwd: join(dir.path, 'work'), env})
      assert.equal(plan.status, expected.exitCode, plan.stderr)
      if (expected.exitCode === 0) checkDecision(JSON.parse(plan.stdout) as ActionOutput, expected)
      else assert.deepEqual((JSON.parse(plan.stdout) as ErrorOutput).error.decision.matchedRules.map((rule) => rule.id), expected.rules)

      const result = runCli([...expected.args, '--yes', '--json'], {cwd: join(dir.path, 'work'), env})
      assert.equal(result.status, expected.exitCode, result.stderr)
      if (expected.exitCode === 3) {
        assert.equal((JSON.parse(result.stdout) as ErrorOutput).error.code, 'DENIED')
        // A denied request writes nothing, so the default repository is not even created.
        assert.equal(existsSync(repository), false)
        return
      }

      checkDecision(JSON.parse(result.stdout) as ActionOutput, expected)
      assert.match(git(repository, ['show', `${expected.branch}:${expected.file!.path}`]), expected.file!.line)
    })
  }
})

describe('bundled actions to GitHub', () => {
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles()})
    server.addToken(TOKEN, {login: 'ada'})
    for (const team of ['team-leads', 'finance', 'security']) server.addTeam('acme', team)
    dir = tempDir('bundled-github')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  for (const expected of CASES) {
    it(`${expected.name}: ${expected.outcome}`, async () => {
      const result = await runCliAsync([...expected.args, '--yes', '--json'], {cwd: join(dir.path, 'work'), env})
      assert.equal(result.status, expected.exitCode, result.stderr)
      server.assertNoViolations()
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN))
      if (expected.exitCode === 3) {
        assert.equal((JSON.parse(result.stdout) as ErrorOutput).error.code, 'DENIED')
        assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
        return
      }

      checkDecision(JSON.parse(result.stdout) as ActionOutput, expected)
      const [pull] = server.pullRequests('acme', 'infrastructure')
      assert.equal(pull.head, expected.branch)
      assert.deepEqual(pull.requestedTeams, expected.teams)
      assert.ok(pull.labels.includes(expected.outcome === 'auto_approve' ? 'idp:auto-approved' : 'idp:needs-approval'), pull.labels.join(', '))
      assert.match(server.filesAt('acme', 'infrastructure', expected.branch)[expected.file!.path].content, expected.file!.line)
    })
  }
})
