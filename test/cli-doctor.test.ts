import assert from 'node:assert/strict'
import {cpSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {TERMINAL_CONTROL, git, runCliAsync, sandboxEnv, type CliResult} from './support/cli.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

// The shared policy on the base branch: two approver teams.
const SHARED_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  finance: {team: finance}
default:
  effect: require
  require: [{group: team-leads}]
  message: A team lead approves what no rule covers.
rules:
  - id: dev-is-free
    when: environment == "dev"
    effect: auto_approve
    message: Dev requests are approved automatically.
  - id: large-needs-finance
    when: inputs.size == "large"
    effect: require
    require: [{group: finance}]
    message: Large databases need finance.
`

// Cases of SHARED_POLICY. The second names db-create without a cost, so its cost comes from the manifest.
const CASES = `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
policy: approval-policy.yaml
cases:
  - name: dev is free
    request: {action: db-create, inputs: {size: small}, environment: dev, cost: {monthly: 50, currency: USD}}
    expect: {outcome: auto_approve, rules: [dev-is-free]}
  - name: production large needs finance
    request:
      action: db-create
      inputs: {name: orders-db, environment: production, size: large, team: payments}
    expect:
      outcome: needs_approval
      requirements: [{group: finance, count: 1}]
`

const GITHUB_CONFIG = 'target:\n  github:\n    repository: acme/infrastructure\n'
const TOKEN = 'ghp_adatoken'

describe('idp doctor', () => {
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let mainCommit: string
  const work = () => join(dir.path, 'work')
  const doctor = (args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<CliResult> =>
    runCliAsync(['doctor', ...args], {cwd: work(), env: {...env, ...extra}})
  const lines = (result: CliResult) => result.stdout.trimEnd().split('\n')

  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: 'acme', name: 'infrastructure', files: {'README.md': '# Infrastructure\n'}})
    server.addToken(TOKEN, {login: 'ada'})
    server.addTeam('acme', 'team-leads')
    server.addTeam('acme', 'finance')
    mainCommit = server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': SHARED_POLICY}, message: 'Add the approval policy'})

    dir = tempDir('doctor')
    git(dir.path, ['init', '--quiet', 'work'])
    env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
  })

  afterEach(async () => {
    server.assertNoViolations()
    await server.stop()
    dir.cleanup()
  })

  /** Writes a GitHub configuration and a checkout of the shared policy with its cases, as in the infrastructure repository. */
  const healthySetup = (cases = CASES) => {
    dir.write('work/.idprc.yaml', GITHUB_CONFIG)
    dir.write('work/.idp/approval-policy.yaml', SHARED_POLICY)
    dir.write('work/.idp/approval-policy.tests.yaml', cases)
  }

  it('passes a healthy GitHub setup', async () => {
    healthySetup()

    const result = await doctor()
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(lines(result), [
      '✓ Configuration: read .idprc.yaml',
      '✓ Action catalog: 5 actions (access-grant, bucket-create, db-create, db-delete, namespace-create) in 1 folder',
      `✓ Target: pull requests in the GitHub repository acme/infrastructure (API ${server.url})`,
      '✓ GitHub token: from GH_TOKEN, accepted for ada',
      `✓ Repository: acme/infrastructure, base branch main (the default branch) at ${mainCommit.slice(0, 12)}`,
      `✓ Approval policy: the shared acme/infrastructure:.idp/approval-policy.yaml on main at ${mainCommit.slice(0, 12)} decides`,
      '✓ Policy tests: .idp/approval-policy.tests.yaml (policy .idp/approval-policy.yaml): 2 passed, 0 failed',
      '✓ Approver teams: the token can list the members of @acme/team-leads, @acme/finance',
      '',
      '8 checks passed, 0 warnings, 0 failed, 0 skipped',
    ])
    assert.equal(result.stderr, '')
    assert.doesNotMatch(result.stdout, TERMINAL_CONTROL)
    assert.ok(!result.stdout.includes(TOKEN))
  })

  it('prints every check as JSON', async () => {
    healthySetup()

    const result = await doctor(['--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.ok, true)
    assert.deepEqual(document.counts, {pass: 8, warn: 0, fail: 0, skip: 0})
    assert.deepEqual(
      document.checks.map((check: {id: string; status: string}) => [check.id, check.status]),
      [
        ['config', 'pass'],
        ['catalog', 'pass'],
        ['target', 'pass'],
        ['token', 'pass'],
        ['repository', 'pass'],
        ['policy', 'pass'],
        ['policy-tests', 'pass'],
        ['teams', 'pass'],
      ],
    )
    assert.deepEqual(document.checks[3], {id: 'token', title: 'GitHub token', status: 'pass', detail: 'from GH_TOKEN, accepted for ada'})
  })

  it('passes without any configuration', async () => {
    const result = await doctor()
    assert.equal(result.status, 0, result.stderr)
    const repository = join(dir.path, 'home', '.local', 'share', 'idp', 'infrastructure')
    const bundledCases = join(ROOT, 'policies', 'approval-policy.tests.yaml')
    assert.deepEqual(lines(result), [
      '✓ Configuration: no configuration file, so the defaults apply',
      '✓ Action catalog: 5 actions (access-grant, bucket-create, db-create, db-delete, namespace-create) in 1 folder',
      `✓ Target: branches in the default local git repository ${repository}, which idp creates on the first submission`,
      '- GitHub token: not needed, because the target is a local git repository',
      '- Repository: skipped, because idp creates the repository, with the branch main, on the first submission',
      '✓ Approval policy: the bundled example decides, because no target is configured',
      `✓ Policy tests: ${bundledCases} (policy ${join(ROOT, 'policies', 'approval-policy.yaml')}): 18 passed, 0 failed`,
      '- Approver teams: not needed, because the target is a local git repository',
      '',
      '5 checks passed, 0 warnings, 0 failed, 3 skipped',
    ])
    assert.deepEqual(server.requests, [])
  })

  it('checks a local git repository with its shared policy', async () => {
    const infrastructure = join(dir.path, 'infrastructure')
    git(dir.path, ['init', '--quiet', '--initial-branch=trunk', 'infrastructure'])
    dir.write('infrastructure/.idp/approval-policy.yaml', SHARED_POLICY)
    git(infrastructure, ['add', '.'])
    git(infrastructure, ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'Add the policy'])
    const commit = git(infrastructure, ['rev-parse', 'HEAD'])
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infrastructure}\n`)

    const result = await doctor()
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(lines(result).slice(2, 8), [
      `✓ Target: branches in the local git repository ${infrastructure}`,
      '- GitHub token: not needed, because the target is a local git repository',
      `✓ Repository: ${infrastructure}, base branch trunk (the checked-out branch) at ${commit.slice(0, 12)}`,
      `✓ Approval policy: the shared ${infrastructure}:.idp/approval-policy.yaml on trunk at ${commit.slice(0, 12)} decides`,
      '- Policy tests: skipped, because the working folder has no .idp/approval-policy.tests.yaml: run idp doctor in a checkout of the repository with the shared policy to run its cases',
      '- Approver teams: not needed, because the target is a local git repository',
    ])
  })

  it('fails an invalid configuration', async () => {
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n    baseBrnch: main\n')

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    assert.deepEqual(lines(result), [
      `✗ Configuration: Configuration file ${join(work(), '.idprc.yaml')} is invalid`,
      '    .idprc.yaml:4:5: target.github.baseBrnch: unknown key "baseBrnch"; did you mean "baseBranch"?',
      '  Fix: Fix the file; docs/configuration.md lists every key.',
      '- Action catalog: skipped, because the configuration is invalid',
      '- Target: skipped, because the configuration is invalid',
      '- GitHub token: skipped, because the target is not known',
      '- Repository: skipped, because the target is not known',
      '- Approval policy: skipped, because the configuration is not known',
      '- Policy tests: skipped, because no policy decides requests',
      '- Approver teams: skipped, because the target is not known',
      '',
      '0 checks passed, 0 warnings, 1 failed, 7 skipped',
    ])
    assert.deepEqual(server.requests, [])
  })

  it('lists the problems of a broken manifest', async () => {
    healthySetup()
    dir.write('work/.idprc.yaml', `${GITHUB_CONFIG}catalog:\n  - ./actions\n`)
    const manifest = readBundledManifest().replace('name: db-create', 'name: cache-create').replace('command: db create', 'command: cache create').replace('type: object', 'type: objekt')
    dir.write('work/actions/cache-create.yaml', manifest)

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    const output = lines(result)
    assert.equal(output[1], '✗ Action catalog: a manifest is invalid: actions/cache-create.yaml. Loaded 5 actions (access-grant, bucket-create, db-create, db-delete, namespace-create) in 2 folders')
    const line = manifest.split('\n').findIndex((text) => text.includes('type: objekt')) + 1
    assert.match(output[2], new RegExp(`^ {4}actions/cache-create\\.yaml:${line}:\\d+: spec\\.inputs\\.type: `))
    assert.equal(output.at(-1), '7 checks passed, 0 warnings, 1 failed, 0 skipped')
  })

  it('fails for an action declared twice', async () => {
    healthySetup()
    dir.write('work/.idprc.yaml', `${GITHUB_CONFIG}catalog:\n  - ./actions\n`)
    dir.write('work/actions/db-create.yaml', readBundledManifest())
    cpSync(join(ROOT, 'action-manifests', 'db-create'), join(work(), 'actions', 'db-create'), {recursive: true})

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    const output = lines(result)
    assert.equal(output[1], '✗ Action catalog: 2 action names or commands are declared by more than one manifest, so their commands fail. Loaded 6 actions (access-grant, bucket-create, db-create, db-delete, namespace-create, db-create) in 2 folders')
    assert.deepEqual(output.slice(2, 6), [
      `    ${join(ROOT, 'action-manifests', 'db-create.yaml')}: metadata.name: action name db-create is also declared by ${join(work(), 'actions', 'db-create.yaml')}`,
      `    actions/db-create.yaml: metadata.name: action name db-create is also declared by ${join(ROOT, 'action-manifests', 'db-create.yaml')}`,
      `    ${join(ROOT, 'action-manifests', 'db-create.yaml')}: spec.command: command \`idp db create\` is also declared by ${join(work(), 'actions', 'db-create.yaml')}`,
      `    actions/db-create.yaml: spec.command: command \`idp db create\` is also declared by ${join(ROOT, 'action-manifests', 'db-create.yaml')}`,
    ])
    assert.match(output[6], /^ {2}Fix: Fix each problem listed: /)
    assert.equal(output.at(-1), '7 checks passed, 0 warnings, 1 failed, 0 skipped')
  })

  it('colours the marks unless NO_COLOR is set', async () => {
    healthySetup()

    const coloured = await doctor([], {FORCE_COLOR: '1'})
    assert.equal(coloured.status, 0, coloured.stderr)
    assert.ok(coloured.stdout.includes('\u001B[32m✓\u001B[39m'), coloured.stdout)
    const plain = await doctor([], {FORCE_COLOR: '1', NO_COLOR: '1'})
    assert.equal(plain.status, 0, plain.stderr)
    assert.doesNotMatch(plain.stdout, TERMINAL_CONTROL)
  })

  it('fails without a token', async () => {
    healthySetup()

    const result = await doctor([], {GH_TOKEN: undefined})
    assert.equal(result.status, 1, result.stderr)
    assert.deepEqual(lines(result).slice(3), [
      '✗ GitHub token: no token: GH_TOKEN and GITHUB_TOKEN are not set, and `gh auth token` returned none',
      '  Fix: Set GH_TOKEN (or GITHUB_TOKEN) to a token that can read and write acme/infrastructure, or log in with `gh auth login`.',
      '- Repository: skipped, because GitHub did not accept a token',
      '- Approval policy: the shared .idp/approval-policy.yaml was not read, because GitHub did not accept a token',
      '- Policy tests: skipped, because no policy decides requests',
      '- Approver teams: skipped, because GitHub did not accept a token',
      '',
      '3 checks passed, 0 warnings, 1 failed, 4 skipped',
    ])
    assert.deepEqual(server.requests, [])
  })

  it('fails a token that GitHub rejects', async () => {
    healthySetup()

    const result = await doctor([], {GH_TOKEN: undefined, GITHUB_TOKEN: 'ghp_revoked'})
    assert.equal(result.status, 1, result.stderr)
    assert.deepEqual(lines(result).slice(3, 6), [
      '✗ GitHub token: the token from GITHUB_TOKEN was rejected: GET /user returned 401',
      '  Fix: Replace the token in GITHUB_TOKEN with a valid one (it may have expired or been revoked), or log in again with `gh auth login`.',
      '- Repository: skipped, because GitHub did not accept a token',
    ])
    assert.ok(!result.stdout.includes('ghp_revoked'))
    assert.deepEqual(
      server.requests.map(({method, path, status}) => `${method} ${path} ${status}`),
      ['GET /user 401'],
    )
  })

  it('fails a missing base branch', async () => {
    healthySetup()
    dir.write('work/.idprc.yaml', `${GITHUB_CONFIG}    baseBranch: release\n`)

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    assert.deepEqual(lines(result).slice(4), [
      '✗ Repository: acme/infrastructure has no branch release (target.github.baseBranch)',
      '  Fix: Set target.github.baseBranch to an existing branch, or remove it to use the default branch main.',
      '- Approval policy: the shared .idp/approval-policy.yaml was not read, because the base branch release does not exist',
      '- Policy tests: skipped, because no policy decides requests',
      '- Approver teams: skipped, because no policy decides requests',
      '',
      '4 checks passed, 0 warnings, 1 failed, 3 skipped',
    ])
  })

  it('fails an invalid shared policy on the base branch', async () => {
    healthySetup()
    const broken = SHARED_POLICY.replace('when: environment == "dev"', 'when: environment == 3')
    const commit = server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': broken}, message: 'Break the policy'})

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    const output = lines(result)
    assert.equal(output[5], `✗ Approval policy: the shared acme/infrastructure:.idp/approval-policy.yaml on main at ${commit.slice(0, 12)} is invalid, so no request can be decided`)
    const line = broken.split('\n').findIndex((text) => text.includes('environment == 3')) + 1
    assert.match(output[6], new RegExp(`^ {4}acme/infrastructure:\\.idp/approval-policy\\.yaml:${line}:\\d+: `))
    assert.equal(output[7], '  Fix: Fix .idp/approval-policy.yaml in a pull request to main, and test the fix with `idp policy test` first.')
    assert.equal(output[8], '- Policy tests: skipped, because no policy decides requests')
    assert.equal(output[9], '- Approver teams: skipped, because no policy decides requests')
  })

  it('warns when the repository has no shared policy', async () => {
    dir.write('work/.idprc.yaml', GITHUB_CONFIG)
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': null}, message: 'Remove the policy'})

    const result = await doctor()
    assert.equal(result.status, 0, result.stderr)
    const output = lines(result)
    assert.equal(output[5], '! Approval policy: acme/infrastructure has no .idp/approval-policy.yaml on main, so the bundled example decides, but CI enforces the shared file')
    assert.equal(output[6], '  Fix: Commit the shared policy as .idp/approval-policy.yaml to main (`idp init --policy` writes one, with its test cases).')
    assert.match(output[7], /^✓ Policy tests: .*approval-policy\.tests\.yaml .*: 18 passed, 0 failed$/)
    // The bundled example names the team security too, which acme does not have.
    assert.match(output[8], /^! Approver teams: the token cannot list the members of @acme\/security, /)
    assert.equal(output.at(-1), '6 checks passed, 2 warnings, 0 failed, 0 skipped')
  })

  it('fails failing policy test cases', async () => {
    healthySetup(CASES.replace('outcome: auto_approve', 'outcome: deny'))

    const result = await doctor()
    assert.equal(result.status, 1, result.stderr)
    assert.deepEqual(lines(result).slice(6), [
      '✗ Policy tests: .idp/approval-policy.tests.yaml (policy .idp/approval-policy.yaml): 1 passed, 1 failed: dev is free',
      '  Fix: Run `idp policy test .idp/approval-policy.tests.yaml` to see what each failed case expected, then fix the policy or the cases.',
      '✓ Approver teams: the token can list the members of @acme/team-leads, @acme/finance',
      '',
      '7 checks passed, 0 warnings, 1 failed, 0 skipped',
    ])
  })

  it('warns about a team the token cannot list', async () => {
    healthySetup()
    const policy = SHARED_POLICY.replace('finance: {team: finance}', 'finance: {team: money}')
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': policy}, message: 'Rename the team'})

    const result = await doctor()
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(lines(result).slice(7), [
      '! Approver teams: the token cannot list the members of @acme/money, so `--wait` and `idp runs watch` count no approval from it',
      `  Fix: Check that the team exists in acme, and give the token read access to the organization's members (a GitHub App: "organization: members, read"; see docs/ci.md, "The App"). CI's token needs the same access.`,
      '',
      '7 checks passed, 1 warning, 0 failed, 0 skipped',
    ])
  })
})

function readBundledManifest(): string {
  return readFileSync(join(ROOT, 'action-manifests', 'db-create.yaml'), 'utf8')
}
