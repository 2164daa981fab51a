import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {git, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const SHARED_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  dba: {team: dba}
default:
  effect: require
  require: [{group: team-leads}]
  message: A team lead approves what no rule covers.
rules:
  - id: no-large-in-dev
    when: environment == "dev" && inputs.size == "large"
    effect: deny
    message: Large databases are not allowed in dev.
  - id: dev-is-free
    when: environment == "dev"
    effect: auto_approve
    message: Dev requests are approved automatically.
`

// A local policy that tries to approve everything: it must not weaken the shared one (FC36).
const PERMISSIVE_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  dba: {team: dba}
default: {effect: auto_approve, message: Everything is fine.}
onError: deny
rules:
  - id: approve-everything
    when: "true"
    effect: auto_approve
    message: Approved locally.
`

// A local policy that adds a requirement the shared one does not have.
const STRICTER_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  dba: {team: dba}
default: {effect: auto_approve, message: Everything is fine.}
onError: deny
rules:
  - id: dba-reviews-everything
    when: "true"
    effect: require
    require: [{group: dba}]
    message: A DBA reviews every database for now.
`

const REQUEST_FLAGS = ['--name', 'orders-db', '--team', 'payments']

describe('idp policy check', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const cwd = () => join(dir.path, 'work')
  const check = (args: string[]) => runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, ...args], {cwd: cwd(), env})

  beforeEach(() => {
    dir = tempDir('cli-policy')
    env = sandboxEnv(join(dir.path, 'home'))
    dir.write('work/.git/HEAD', '')
  })
  afterEach(() => dir.cleanup())

  it('prints the decision, the requirements and the matched rules of the bundled policy', () => {
    const result = check(['--environment', 'production', '--size', 'large'])
    assert.equal(result.status, 0, result.stderr)
    const lines = result.stdout.split('\n')
    assert.equal(lines[0], 'db-create: needs approval: 1 from @team-leads and 1 from @finance')
    assert.equal(lines[1], '  cost $800/month, environment production, risk none')
    assert.match(lines[2], /^ {2}Policy: .*policies\/approval-policy\.yaml \(the bundled example\)$/)
    assert.ok(
      result.stdout.includes(
        [
          'Requirements',
          "  1 from @team-leads (team-leads): the requester's approval does not count; SLA 24h; rules production-needs-sign-off, cost-100-or-more-needs-team-lead",
          "  1 from @finance (finance): the requester's approval does not count; SLA 2d; rules cost-over-500-needs-finance",
        ].join('\n'),
      ),
      result.stdout,
    )
    assert.match(result.stdout, /^ {2}✓ cost-over-500-needs-finance \(require\): The estimated cost of 800 USD a month is over 500, so finance must approve\.$/m)
    assert.doesNotMatch(result.stdout, /Not matched/)
  })

  it('explains why the other rules did not match', () => {
    const result = check(['--environment', 'production', '--size', 'large', '--explain'])
    assert.equal(result.status, 0, result.stderr)
    const explained = result.stdout.slice(result.stdout.indexOf('Not matched'))
    assert.equal(
      explained.trimEnd(),
      [
        'Not matched',
        '  - non-production-under-100 (auto_approve): The clause environment != "production" is false (environment is "production").',
        '  - iam-needs-security (require): The condition "iam" in risk is false (risk is []).',
        '  - production-deletion-needs-security (require): The clause "deletion" in risk is false (risk is []).',
        '  - no-public-exposure-in-production (deny): The clause "public-exposure" in risk is false (risk is []).',
      ].join('\n'),
    )
  })

  it('prints one JSON document with the request, the decision and the explanations', () => {
    const result = check(['--environment', 'dev', '--size', 'small', '--explain', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.action, 'db-create')
    assert.deepEqual(document.request.cost, {monthly: 50, currency: 'USD'})
    assert.equal(document.request.environment, 'dev')
    assert.equal(document.decision.outcome, 'auto_approve')
    assert.deepEqual(
      document.decision.matchedRules.map((rule: {id: string}) => rule.id),
      ['non-production-under-100'],
    )
    assert.deepEqual(
      document.explanations.map((explanation: {id: string; matched: boolean}) => [explanation.id, explanation.matched]),
      [
        ['non-production-under-100', true],
        ['production-needs-sign-off', false],
        ['cost-100-or-more-needs-team-lead', false],
        ['cost-over-500-needs-finance', false],
        ['iam-needs-security', false],
        ['production-deletion-needs-security', false],
        ['no-public-exposure-in-production', false],
      ],
    )
  })

  it('exits 3 for a denied request, with the deny reason', () => {
    dir.write('policy.yaml', SHARED_POLICY)
    const result = check(['--environment', 'dev', '--size', 'large', '--policy', join(dir.path, 'policy.yaml')])
    assert.equal(result.status, 3, result.stderr)
    assert.match(result.stdout, /^db-create: denied$/m)
    assert.match(result.stdout, /^ {2}- Large databases are not allowed in dev\.$/m)
  })

  it('names the missing input flags', () => {
    const result = runCli(['policy', 'check', 'db-create', '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /--name/)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  })

  it('suggests the closest action for an unknown one', () => {
    const result = runCli(['policy', 'check', 'db-creat', '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Unknown action "db-creat"; did you mean "db-create"\?$/m)
  })

  it('rejects an unknown flag, naming the known ones', () => {
    const result = check(['--environment', 'dev', '--size', 'small', '--explian'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Unknown flag for idp policy check db-create: --explian \(did you mean --explain\?\)$/m)
    assert.match(result.stderr, /Known flags: .*--explain/)
  })

  it('rejects an API URL with a password, without printing it', () => {
    const result = runCli(['policy', 'verify', '1', '--repository', 'acme/infra'], {cwd: cwd(), env: {...env, GH_TOKEN: 'ghp_notused0', GITHUB_API_URL: 'http://user:s3cret@127.0.0.1:9/'}})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: GITHUB_API_URL contains a user name or password$/m)
    assert.doesNotMatch(result.stderr, /s3cret/)
  })

  it('says how to fix a values file that is not a mapping', () => {
    dir.write('work/broken.yaml', 'name: [unclosed\n')
    const broken = check(['--values', 'broken.yaml'])
    assert.equal(broken.status, 2)
    assert.match(broken.stderr, /^Error: The values file broken\.yaml is not valid YAML or JSON: .*[^:]$/m)
    assert.match(broken.stderr, /^Next: Fix the file: a mapping of input names to values/m)

    dir.write('work/text.yaml', 'just text\n')
    const text = check(['--values', 'text.yaml'])
    assert.equal(text.status, 2)
    assert.match(text.stderr, /^Error: The values file text\.yaml must contain a mapping of input names to values$/m)
    assert.match(text.stderr, /^Next: Write one input per line/m)
  })

  it('points a policy author at the working copy', () => {
    dir.write('work/.idp/approval-policy.yaml', SHARED_POLICY)
    const result = check(['--environment', 'dev', '--size', 'small'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /^! The bundled example decided\. To evaluate the working copy of \.idp\/approval-policy\.yaml instead, pass --policy \.idp\/approval-policy\.yaml\.$/m)
  })

  it('names what the gate commands are missing', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, number, RegExp]> = [
      [['policy', 'verify', '1'], env, 2, /^Error: No repository to work on$/m],
      [['policy', 'verify', '1', '--repository', 'not-a-repository'], env, 2, /^Error: The repository "not-a-repository" is not in the form owner\/name$/m],
      [['policy', 'verify', '1', '--repository', 'acme/infra'], {...env, GITHUB_API_URL: 'http://127.0.0.1:9'}, 4, /^Error: No GitHub token found to read acme\/infra$/m],
      [['approvals', 'escalate', '--now', 'yesterday'], env, 2, /^Error: --now "yesterday" is not a time$/m],
    ]
    for (const [args, environment, status, message] of cases) {
      const result = runCli(args, {cwd: cwd(), env: environment})
      assert.equal(result.status, status, args.join(' '))
      assert.match(result.stderr, message, args.join(' '))
    }
  })

  it('asks for the action name when it is missing', () => {
    const result = runCli(['policy', 'check', '--explain'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Missing the action name$/m)
  })

  it('reports a policy file that does not exist', () => {
    const result = check(['--environment', 'dev', '--size', 'small', '--policy', 'nope.yaml'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Policy file not found: .*nope\.yaml$/m)
    assert.match(result.stderr, /^Next: Check the path given to --policy\.$/m)
  })

  it('suggests its own command for missing inputs', () => {
    const result = runCli(['policy', 'check', 'db-create', '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Next: Pass them as flags, for example: idp policy check db-create --name <value> --team <value>\.$/m)
  })

  it('finds the action after an input flag', () => {
    const result = runCli(['policy', 'check', '--team', 'payments', 'db-create', '--name', 'orders-db', '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^db-create: auto-approved$/m)
  })

  it('says which rules failed instead of calling them unmatched', () => {
    dir.write('broken.yaml', SHARED_POLICY.replace('when: environment == "dev"\n', 'when: inputs.missing == "x"\n'))
    const result = check(['--environment', 'staging', '--size', 'small', '--explain', '--policy', join(dir.path, 'broken.yaml')])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Matched rules\n {2}none: the rules that could not be evaluated decided, through onError$/m)
    assert.match(result.stdout, /^ {2}! dev-is-free: when failed: No such key: missing/m)
    assert.match(result.stdout, /^Not matched\n {2}- no-large-in-dev \(deny\): /m)
  })
})

describe('the shared policy of a local git target', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let infra: string
  let sharedCommit: string
  const cwd = () => join(dir.path, 'work')

  beforeEach(() => {
    dir = tempDir('cli-policy-shared')
    env = sandboxEnv(join(dir.path, 'home'))
    infra = join(dir.path, 'infra')
    dir.write('infra/.idp/approval-policy.yaml', SHARED_POLICY)
    git(infra, ['init', '-q', '-b', 'main'])
    git(infra, ['-c', 'user.name=Platform', '-c', 'user.email=platform@example.com', 'add', '.'])
    git(infra, ['-c', 'user.name=Platform', '-c', 'user.email=platform@example.com', 'commit', '-q', '-m', 'Add the approval policy'])
    sharedCommit = git(infra, ['rev-parse', 'HEAD'])
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infra}\n`)
  })
  afterEach(() => dir.cleanup())

  const commitPolicy = (text: string) => {
    dir.write('infra/.idp/approval-policy.yaml', text)
    git(infra, ['-c', 'user.name=Platform', '-c', 'user.email=platform@example.com', 'commit', '-q', '-am', 'Change the approval policy'])
  }

  it('decides with the file on the base branch and names its commit', () => {
    const result = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', 'dev', '--size', 'small'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^db-create: auto-approved$/m)
    assert.ok(result.stdout.includes(`  Policy: ${infra}:.idp/approval-policy.yaml at main ${sharedCommit.slice(0, 12)}\n`), result.stdout)
  })

  it('shows the deciding file and commit in the plan of a run', () => {
    const result = runCli(['db', 'create', ...REQUEST_FLAGS, '--environment', 'staging', '--size', 'small', '--dry-run'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Approval: needs approval: 1 from @team-leads$/m)
    assert.ok(result.stdout.includes(`  Policy: ${infra}:.idp/approval-policy.yaml at main ${sharedCommit.slice(0, 12)}\n`), result.stdout)
  })

  /** Checks a request with a local policy configured next to the shared one, and returns the decision. */
  const checkWithLocalPolicy = (policy: string, environment: string) => {
    dir.write('work/local-policy.yaml', policy)
    dir.write('work/.idprc.yaml', `policy: ./local-policy.yaml\ntarget:\n  git:\n    path: ${infra}\n`)
    const result = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', environment, '--size', 'small', '--json'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    return {decision: JSON.parse(result.stdout).decision, stderr: result.stderr}
  }

  it('keeps the shared requirements when a local policy approves everything (FC36)', () => {
    const {decision, stderr} = checkWithLocalPolicy(PERMISSIVE_POLICY, 'staging')
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(
      decision.requirements.map((requirement: {group: string; count: number; policies: string[]}) => [requirement.group, requirement.count, requirement.policies]),
      [['team-leads', 1, [`${infra}:.idp/approval-policy.yaml`]]],
    )
    assert.match(stderr, /can add requirements but not remove them, and CI enforces only the shared file/)
  })

  it('adds a stricter local requirement with its source (FC36)', () => {
    const {decision} = checkWithLocalPolicy(STRICTER_POLICY, 'dev')
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(
      decision.requirements.map((requirement: {group: string; policies: string[]}) => [requirement.group, requirement.policies]),
      [['dba', [join(cwd(), 'local-policy.yaml')]]],
    )
  })

  it('rejects a configured base branch that does not exist', () => {
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infra}\n    baseBranch: mian\n`)
    const result = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: The base branch mian does not exist in /m)
  })

  it('warns when the target has no shared policy', () => {
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infra}\n    policyPath: .idp/missing.yaml\n`)
    const result = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.ok(result.stderr.includes(`${infra} has no .idp/missing.yaml on its base branch, so the bundled example policy decides.`), result.stderr)
  })

  it('rejects a policy path that names a folder or leaves the repository', () => {
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infra}\n    policyPath: .idp\n`)
    const folder = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(folder.status, 2)
    assert.match(folder.stderr, /^Error: \.idp on main of .* is a folder, not a policy file$/m)

    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${infra}\n    policyPath: ../outside.yaml\n`)
    const outside = runCli(['policy', 'check', 'db-create', ...REQUEST_FLAGS, '--environment', 'dev'], {cwd: cwd(), env})
    assert.equal(outside.status, 2)
    assert.match(outside.stderr, /target\.git\.policyPath/)
  })

  it('names the commit of an invalid shared policy', () => {
    commitPolicy(SHARED_POLICY.replace('effect: auto_approve', 'effect: approve'))
    const commit = git(infra, ['rev-parse', 'HEAD']).slice(0, 12)
    const result = runCli(['db', 'create', ...REQUEST_FLAGS, '--environment', 'dev', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.ok(result.stderr.includes(`Error: The shared policy ${infra}:.idp/approval-policy.yaml on main (commit ${commit}) is invalid, so no request can be decided`), result.stderr)
    assert.match(result.stderr, /^Next: Nothing was submitted\. Tell the owners of the policy/m)
  })

  it('judges a second run again with the policy of that moment (FC38)', () => {
    const request = ['db', 'create', ...REQUEST_FLAGS, '--environment', 'dev', '--size', 'medium', '--yes']
    const first = runCli(request, {cwd: cwd(), env})
    assert.equal(first.status, 0, first.stderr)
    assert.match(first.stdout, /^Decision: auto-approved$/m)

    commitPolicy(SHARED_POLICY.replace('inputs.size == "large"', 'inputs.size in ["medium", "large"]'))
    const second = runCli(request, {cwd: cwd(), env})
    assert.equal(second.status, 3, second.stderr)
    assert.match(second.stderr, /^Error: Denied by the approval policy: Large databases are not allowed in dev\.$/m)

    // Denied once, denied again: nothing is remembered between runs.
    const third = runCli(request, {cwd: cwd(), env})
    assert.equal(third.status, 3, third.stderr)
  })
})

describe('idp policy test', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const cwd = () => join(dir.path, 'work')

  beforeEach(() => {
    dir = tempDir('cli-policy-test')
    env = sandboxEnv(join(dir.path, 'home'))
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idp/approval-policy.yaml', SHARED_POLICY)
  })
  afterEach(() => dir.cleanup())

  it('runs the bundled cases when the folder has none', () => {
    rmSync(join(cwd(), '.idp'), {recursive: true})
    const result = runCli(['policy', 'test'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /policies\/approval-policy\.tests\.yaml \(policy .*policies\/approval-policy\.yaml\)/)
    assert.match(result.stdout, /^ {2}✓ production large needs a team lead and finance$/m)
    assert.match(result.stdout, /^18 passed, 0 failed$/m)
  })

  it('runs a repository folder\'s shared cases', () => {
    const examples = fileURLToPath(new URL('../examples/infrastructure', import.meta.url))
    const result = runCli(['policy', 'test', examples], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.ok(result.stdout.startsWith(`${join(examples, '.idp', 'approval-policy.tests.yaml')} (policy `), result.stdout)
    assert.match(result.stdout, /^10 passed, 0 failed$/m)

    dir.write('work/empty/README.md', '')
    const missing = runCli(['policy', 'test', 'empty', '--json'], {cwd: cwd(), env})
    assert.equal(missing.status, 2)
    const {error} = JSON.parse(missing.stdout) as {error: {code: string; message: string}}
    assert.equal(error.code, 'POLICY_TESTS_NOT_FOUND')
    assert.equal(error.message, `${join(cwd(), 'empty')} is a folder without .idp/approval-policy.tests.yaml`)
  })

  it('shows a failed case as a diff', () => {
    dir.write(
      'work/.idp/approval-policy.tests.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
cases:
  - name: dev small is free
    request: {inputs: {environment: dev, size: small}}
    expect: {outcome: auto_approve, rules: [dev-is-free]}
  - name: dev large is allowed
    request: {inputs: {environment: dev, size: large}}
    expect: {outcome: auto_approve}
`,
    )
    const result = runCli(['policy', 'test'], {cwd: cwd(), env})
    assert.equal(result.status, 1, result.stderr)
    assert.ok(
      result.stdout.includes(
        [
          '.idp/approval-policy.tests.yaml (policy .idp/approval-policy.yaml)',
          '  ✓ dev small is free',
          '  ✗ dev large is allowed (line 7)',
        ].join('\n'),
      ),
      result.stdout,
    )
    assert.match(result.stdout, /^ {6}-outcome: auto_approve$/m)
    assert.match(result.stdout, /^ {6}\+outcome: deny$/m)
    assert.match(result.stdout, /^1 passed, 1 failed$/m)
  })

  it('computes the cost of a case that names an action from its manifest', () => {
    dir.write(
      'work/cases.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
policy: .idp/approval-policy.yaml
cases:
  - name: production large costs 800
    request:
      action: db-create
      inputs: {name: orders-db, environment: production, size: large, team: payments}
    expect:
      outcome: needs_approval
      requirements: [{group: team-leads, count: 1}]
`,
    )
    const result = runCli(['policy', 'test', 'cases.yaml', '--json'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.passed, 1)
    assert.equal(document.failed, 0)
    assert.deepEqual(document.files[0].uncoveredRules, ['no-large-in-dev', 'dev-is-free'])
  })

  it('fails on rules no case matches with --require-coverage', () => {
    dir.write(
      'work/.idp/approval-policy.tests.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
cases:
  - name: dev small is free
    request: {inputs: {environment: dev, size: small}}
    expect: {outcome: auto_approve}
`,
    )
    const plain = runCli(['policy', 'test'], {cwd: cwd(), env})
    assert.equal(plain.status, 0, plain.stderr)
    assert.match(plain.stdout, /^ {2}! no case matches the rules no-large-in-dev$/m)
    const strict = runCli(['policy', 'test', '--require-coverage'], {cwd: cwd(), env})
    assert.equal(strict.status, 1)
    assert.match(strict.stdout, /^ {2}✗ no case matches the rules no-large-in-dev$/m)
  })

  it('applies the manifest defaults to a case that names an action', () => {
    dir.write(
      'work/cases.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
policy: .idp/approval-policy.yaml
cases:
  - name: the defaults are dev and small
    request:
      action: db-create
      inputs: {name: orders-db, team: payments}
    expect: {outcome: auto_approve, rules: [dev-is-free]}
`,
    )
    const result = runCli(['policy', 'test', 'cases.yaml'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stdout)
    assert.match(result.stdout, /^1 passed, 0 failed, 1 rule without a case$/m)
  })

  it('names the case whose inputs the manifest rejects', () => {
    dir.write(
      'work/cases.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
policy: .idp/approval-policy.yaml
cases:
  - name: no team
    request: {action: db-create, inputs: {name: orders-db}}
    expect: {outcome: auto_approve}
`,
    )
    const result = runCli(['policy', 'test', 'cases.yaml'], {cwd: cwd(), env: {...env, XDG_CONFIG_HOME: join(dir.path, 'config')}})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: The test case "no team" \(cases\.yaml:5\) is not a valid db-create request: Missing required input: --team$/m)
  })

  it('asks for the test cases of a shared policy that has none', () => {
    const result = runCli(['policy', 'test'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: \.idp\/approval-policy\.yaml has no test cases: \.idp\/approval-policy\.tests\.yaml does not exist$/m)
  })

  it('reports a case file that does not exist', () => {
    const result = runCli(['policy', 'test', 'missing.tests.yaml'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Policy test file not found: .*missing\.tests\.yaml$/m)
  })
})
