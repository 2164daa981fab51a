import assert from 'node:assert/strict'
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {TERMINAL_CONTROL, git, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const REQUEST = ['db', 'create', '--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments']

describe('idp db create to the default local repository', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let repository: string
  let runs: string

  beforeEach(() => {
    dir = tempDir('cli-git')
    env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: 'ghp_secretvalue123'})
    repository = join(dir.path, 'home', '.local', 'share', 'idp', 'infrastructure')
    runs = join(dir.path, 'home', '.local', 'state', 'idp', 'runs')
    dir.write('work/.git/HEAD', '')
  })
  afterEach(() => dir.cleanup())

  const cwd = () => join(dir.path, 'work')

  it('commits the files on the request branch', () => {
    const result = runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)

    assert.equal(git(repository, ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev')
    assert.equal(git(repository, ['ls-tree', '-r', '--name-only', 'idp/db-create/orders-db-dev']), ['README.md', 'databases/dev/orders-db/README.md', 'databases/dev/orders-db/main.tf'].join('\n'))
    const mainTf = git(repository, ['show', 'idp/db-create/orders-db-dev:databases/dev/orders-db/main.tf'])
    assert.match(mainTf, /^ {2}identifier {5}= "orders-db"$/m)
    assert.match(mainTf, /^ {2}database_name {2}= "orders_db"$/m)
    assert.match(mainTf, /^ {2}multi_az {7}= false$/m)
    assert.equal(git(repository, ['log', '-1', '--format=%s', 'idp/db-create/orders-db-dev']), 'Create PostgreSQL database orders-db (dev, small)')
  })

  it('leaves the checked-out branch and working tree alone', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    assert.equal(git(repository, ['symbolic-ref', '--short', 'HEAD']), 'main')
    assert.equal(git(repository, ['status', '--porcelain']), '')
  })

  it('separates result and progress streams (FC20)', () => {
    const result = runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const branchLine = result.stdout.split('\n')[0]
    assert.match(branchLine, /^Branch: idp\/db-create\/orders-db-dev \(commit [0-9a-f]{12}\) in the local git repository /)
    assert.match(result.stdout, /^Decision: auto-approved$/m)
    assert.match(result.stdout, /^Next: review the branch locally/m)
    assert.doesNotMatch(result.stdout, TERMINAL_CONTROL)
    assert.doesNotMatch(result.stderr, TERMINAL_CONTROL)
    const steps = result.stderr.split('\n').filter((line) => line.startsWith('✔'))
    assert.equal(steps.length, 2)
    assert.match(steps[0], /^✔ Committed [0-9a-f]{12}$/)
    assert.equal(steps[1], '✔ Created branch idp/db-create/orders-db-dev')
  })

  it('shows the plan before writing', () => {
    const result = runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    for (const expected of [
      'PostgreSQL database (db-create)',
      '  + aws_db_instance orders-db: PostgreSQL 16, Small: 2 vCPU, 8 GB',
      '  + team:payments gets orders_db_readwrite on database orders_db: Read and write all tables',
      'Estimated cost: $50/month (USD)',
      'Approval: auto-approved',
      '  + databases/dev/orders-db/main.tf (added)',
    ]) {
      assert.ok(result.stderr.includes(`${expected}\n`), `stderr lacks ${JSON.stringify(expected)}:\n${result.stderr}`)
    }

    assert.ok(result.stderr.indexOf('Approval: auto-approved') < result.stderr.indexOf('✔ Committed'))
  })

  it('writes a journal without the token', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const [file] = readdirSync(runs)
    const journal = JSON.parse(readFileSync(join(runs, file), 'utf8'))
    assert.equal(journal.status, 'succeeded')
    assert.equal(journal.action.name, 'db-create')
    assert.deepEqual(journal.inputs, {name: 'orders-db', environment: 'dev', size: 'small', team: 'payments'})
    assert.deepEqual(
      journal.steps.map((step: {id: string; status: string}) => `${step.id}:${step.status}`),
      ['render:succeeded', 'commit:succeeded', 'branch:succeeded'],
    )
    assert.equal(journal.remote.branch, 'idp/db-create/orders-db-dev')
    assert.match(journal.remote.commit, /^[0-9a-f]{40}$/)
    assert.equal(journal.plan.decision.outcome, 'auto_approve')
    assert.doesNotMatch(readFileSync(join(runs, file), 'utf8'), /ghp_secretvalue123/)
    assert.equal(statSync(join(runs, file)).mode & 0o077, 0, 'the journal is private to the user')
  })

  it('runs the same action by name with idp run', () => {
    const result = runCli(['run', 'db-create', ...REQUEST.slice(2), '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(repository, ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev')
  })

  it('finds the action name after flags with values (FC15)', () => {
    dir.write('work/request.yaml', 'name: orders-db\nteam: payments\n')
    const result = runCli(['run', '--values', 'request.yaml', 'db-create', '--dry-run', '--json'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).inputs.name, 'orders-db')
  })

  it('doubles the production price and asks team leads', () => {
    const result = runCli(['db', 'create', '--name', 'orders-db', '--environment', 'production', '--size', 'small', '--team', 'payments', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /^Estimated cost: \$100\/month \(USD\)$/m)
    assert.match(result.stderr, /^Approval: needs approval: 1 from @team-leads$/m)
    assert.match(result.stdout, /^Decision: needs approval: 1 from @team-leads$/m)
    const mainTf = git(repository, ['show', 'idp/db-create/orders-db-production:databases/production/orders-db/main.tf'])
    assert.match(mainTf, /multi_az {7}= true/)
  })

  it('reports a re-run of the same request instead of committing again', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const before = git(repository, ['rev-parse', 'idp/db-create/orders-db-dev'])
    const result = runCli([...REQUEST, '--yes', '--json'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.existing, true)
    assert.equal(document.commit, before)
    assert.equal(git(repository, ['rev-parse', 'idp/db-create/orders-db-dev']), before)
    assert.equal(readdirSync(runs).length, 1, 'the re-run submitted nothing, so it has no journal')
  })

  it('stops before writing when another request owns the branch', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const before = git(repository, ['rev-parse', 'idp/db-create/orders-db-dev'])
    const result = runCli([...REQUEST.slice(0, 6), '--size', 'large', '--team', 'payments', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^Error: The branch idp\/db-create\/orders-db-dev already exists in .* and was not created by this request \(last commit by idp <idp@localhost>, /m)
    assert.match(result.stderr, /^Next: Nothing was written\. Choose another name, or keep the inputs and pass --branch idp\/db-create\/orders-db-dev-2\./m)
    assert.equal(git(repository, ['rev-parse', 'idp/db-create/orders-db-dev']), before)
  })

  it('proposes the change on the branch given with --branch', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const result = runCli([...REQUEST.slice(0, 6), '--size', 'large', '--team', 'payments', '--branch', 'idp/orders-db-large', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(repository, ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev\nidp/orders-db-large')
  })

  it('rejects HEAD as a branch name', () => {
    const result = runCli([...REQUEST, '--branch', 'HEAD', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: The branch name "HEAD" is not a valid git branch name$/m)
  })

  it('records the request fingerprint in the commit', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const message = git(repository, ['log', '-1', '--format=%B', 'idp/db-create/orders-db-dev'])
    assert.match(message, /^Idp-Request: [0-9a-f]{16}$/m)
    assert.match(message, /^Idp-Run: \d{8}-\d{6}-[0-9a-f]{6}$/m)
  })

  it('lists runs most recent first and shows one by prefix', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    runCli([...REQUEST.slice(0, 6), '--size', 'medium', '--team', 'payments', '--branch', 'idp/second', '--yes'], {cwd: cwd(), env})

    const list = runCli(['runs', 'list', '--json'], {cwd: cwd(), env})
    assert.equal(list.status, 0, list.stderr)
    const {runs: listed} = JSON.parse(list.stdout)
    assert.deepEqual(
      listed.map((run: {action: string; status: string; branch: string}) => [run.action, run.status, run.branch]),
      [
        ['db-create', 'succeeded', 'idp/second'],
        ['db-create', 'succeeded', 'idp/db-create/orders-db-dev'],
      ],
    )

    const table = runCli(['runs', 'list'], {cwd: cwd(), env})
    assert.match(table.stdout.split('\n')[0], /^RUN +ACTION +STATUS +AGE +WHERE$/)
    assert.match(table.stdout.split('\n')[1], /^\d{8}-\d{6}-[0-9a-f]{6} {2}db-create {2}succeeded {2}\d+s ago +branch idp\/second$/)

    const show = runCli(['runs', 'show', listed[1].runId.slice(0, 18)], {cwd: cwd(), env})
    assert.equal(show.status, 0, show.stderr)
    assert.match(show.stdout, new RegExp(`^Run ${listed[1].runId}: db-create \\(succeeded, `, 'm'))
    assert.match(show.stdout, /^ {2}size: small$/m)
    assert.match(show.stdout, /^ {2}succeeded {2}Create the branch$/m)
    assert.match(show.stdout, /^Where: branch idp\/db-create\/orders-db-dev$/m)
  })

  it('deletes the branch of a cancelled run', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const [file] = readdirSync(runs)
    const runId = file.replace(/\.json$/, '')
    const result = runCli(['runs', 'cancel', runId], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Deleted branch idp\/db-create\/orders-db-dev \(was [0-9a-f]{12}\)$/m)
    assert.equal(git(repository, ['branch', '--list', 'idp/*']), '')
    assert.equal(JSON.parse(readFileSync(join(runs, file), 'utf8')).status, 'cancelled')
  })

  it('edits a run with a new commit on its branch', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const [file] = readdirSync(runs)
    const before = git(repository, ['rev-parse', 'idp/db-create/orders-db-dev'])
    const result = runCli(['runs', 'edit', file.replace(/\.json$/, ''), '--environment', 'staging', '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(repository, ['rev-parse', 'idp/db-create/orders-db-dev^']), before)
    assert.equal(git(repository, ['ls-tree', '-r', '--name-only', 'idp/db-create/orders-db-dev', 'databases']), 'databases/staging/orders-db/README.md\ndatabases/staging/orders-db/main.tf')
  })

  it('skips an incomplete journal and names it when asked for', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    writeFileSync(join(runs, '20990101-000000-badbad.json'), '{}')
    const list = runCli(['runs', 'list', '--json'], {cwd: cwd(), env})
    assert.equal(list.status, 0, list.stderr)
    assert.equal(JSON.parse(list.stdout).runs.length, 1)
    const show = runCli(['runs', 'show', '20990101-000000-badbad'], {cwd: cwd(), env})
    assert.equal(show.status, 1)
    assert.match(show.stderr, /^Error: The journal .*20990101-000000-badbad\.json is unreadable or incomplete$/m)
  })

  it('rejects an empty run id', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const result = runCli(['runs', 'cancel', ''], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: The run id is empty$/m)
    assert.notEqual(git(repository, ['branch', '--list', 'idp/*']), '')
  })

  it('names an unknown run id and the closest one', () => {
    runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    const result = runCli(['runs', 'show', '19990101-000000-abcdef'], {cwd: cwd(), env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: No run with the id "19990101-000000-abcdef" in /m)
    assert.match(result.stderr, /^Next: Did you mean \d{8}-\d{6}-[0-9a-f]{6}\? `idp runs list` shows every run\.$/m)
  })

  it('commits to a configured repository', () => {
    const target = join(dir.path, 'infra')
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${target}\n`)
    const result = runCli([...REQUEST, '--yes'], {cwd: cwd(), env})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(target, ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev')
    assert.equal(existsSync(repository), false)
    assert.match(result.stderr, new RegExp(`^Configuration: ${join(dir.path, 'work', '.idprc.yaml').replaceAll('.', '\\.')}$`, 'm'))
  })
})

describe('idp db create --dry-run', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(() => {
    dir = tempDir('cli-dry')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  it('prints the plan and the diff and writes nothing', () => {
    const result = runCli([...REQUEST, '--dry-run'], {cwd: dir.path, env})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^Approval: auto-approved$/m)
    assert.match(result.stdout, /^\+ {2}identifier {5}= "orders-db"$/m)
    assert.match(result.stdout, /^Dry run: nothing was written\.$/m)
    assert.deepEqual(readdirSync(join(dir.path, 'home')), [], 'no repository, journal or configuration was created')
  })

  it('prints exactly one JSON document with --json', () => {
    const result = runCli([...REQUEST, '--dry-run', '--json'], {cwd: dir.path, env})
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.action, 'db-create')
    assert.deepEqual(document.inputs, {name: 'orders-db', environment: 'dev', size: 'small', team: 'payments'})
    assert.deepEqual(document.cost, {monthly: 50, currency: 'USD'})
    assert.equal(document.decision.outcome, 'auto_approve')
    assert.deepEqual(document.decision.requirements, [])
    assert.deepEqual(
      document.files.map((file: {path: string}) => file.path),
      ['databases/dev/orders-db/README.md', 'databases/dev/orders-db/main.tf'],
    )
    assert.equal(document.dryRun, true)
    assert.equal(document.runId, undefined)
  })

  const table: Array<[string, string, number, string, Array<[string, number]>]> = [
    ['dev', 'small', 50, 'auto_approve', []],
    ['staging', 'small', 50, 'auto_approve', []],
    ['dev', 'medium', 150, 'needs_approval', [['team-leads', 1]]],
    ['dev', 'large', 400, 'needs_approval', [['team-leads', 1]]],
    ['production', 'small', 100, 'needs_approval', [['team-leads', 1]]],
    [
      'production',
      'large',
      800,
      'needs_approval',
      [
        ['team-leads', 1],
        ['finance', 1],
      ],
    ],
  ]
  for (const [environment, size, monthly, outcome, requirements] of table) {
    it(`decides ${environment}/${size} as ${outcome}`, () => {
      const result = runCli(['db', 'create', '--name', 'orders-db', '--environment', environment, '--size', size, '--team', 'payments', '--dry-run', '--json'], {cwd: dir.path, env})
      const document = JSON.parse(result.stdout)
      assert.equal(document.cost.monthly, monthly)
      assert.equal(document.decision.outcome, outcome)
      assert.deepEqual(
        document.decision.requirements.map((requirement: {group: string; count: number}) => [requirement.group, requirement.count]),
        requirements,
      )
    })
  }
})

describe('idp db create errors', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(() => {
    dir = tempDir('cli-errors')
    env = sandboxEnv(join(dir.path, 'home'))
    dir.write('.git/HEAD', '')
  })
  afterEach(() => dir.cleanup())

  const run = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, {cwd: dir.path, env: {...env, ...extraEnv}})
  const nothingWritten = () => assert.deepEqual(readdirSync(join(dir.path, 'home')), [])

  it('names every missing flag', () => {
    const result = run(['db', 'create', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Missing required inputs: --name, --team$/m)
    assert.match(result.stderr, /^Next: Pass them as flags, for example: idp db create --name <value> --team <value>/m)
    assert.equal(result.stdout, '')
    nothingWritten()
  })

  it('reads inputs from a values file, flags first', () => {
    dir.write('request.yaml', 'name: orders-db\nsize: medium\nteam: "007"\n')
    const result = run(['db', 'create', '--values', 'request.yaml', '--size', 'large', '--dry-run', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout).inputs, {name: 'orders-db', environment: 'dev', size: 'large', team: '007'})
  })

  it('reads inputs from standard input with --values -', () => {
    const result = runCli(['db', 'create', '--values', '-', '--dry-run', '--json'], {cwd: dir.path, env, input: '{"name": "orders-db", "team": "payments", "environment": "staging"}'})
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout).inputs, {name: 'orders-db', environment: 'staging', size: 'small', team: 'payments'})
  })

  it('names an unknown key in the values file (FC06)', () => {
    dir.write('request.yaml', 'nmae: orders-db\nteam: payments\n')
    const result = run(['db', 'create', '--values', 'request.yaml', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^ {2}nmae in request\.yaml: unknown input "nmae"; did you mean "name"\? Known inputs: name, environment, size, team$/m)
  })

  it('reports a values file that does not exist', () => {
    const result = run(['db', 'create', '--values', 'absent.yaml', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Values file not found: absent\.yaml$/m)
  })

  it('takes the team from user configuration', () => {
    dir.write('home/.config/idp/config.yaml', 'user:\n  team: checkout\n')
    const result = run(['db', 'create', '--name', 'orders-db', '--dry-run', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).inputs.team, 'checkout')
  })

  it('lists the allowed values and labels of an invalid enum flag (FC07)', () => {
    const result = run([...REQUEST.slice(0, 6), '--size', 'huge', '--team', 'payments', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Invalid value for --size: "huge"\. Allowed values: small \(Small: 2 vCPU, 8 GB\), medium \(Medium: 4 vCPU, 16 GB\), large \(Large: 8 vCPU, 32 GB\)\.$/m)
    nothingWritten()
  })

  it('explains an invalid name in words (FC03)', () => {
    const result = run(['db', 'create', '--name', 'Orders_DB', '--team', 'payments', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^ {2}--name: "Orders_DB" is not a valid Database name: lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter, with no trailing or double hyphen$/m)
    assert.doesNotMatch(result.stderr, /\^\[a-z\]/)
  })

  for (const name of ['orders-', 'a--b', '1orders', 'ab']) {
    it(`rejects the database name ${name} (FC13)`, () => {
      const result = run(['db', 'create', '--name', name, '--team', 'payments', '--dry-run'])
      assert.equal(result.status, 2)
      assert.ok(result.stderr.includes(`--name: "${name}" is not a valid Database name`), result.stderr)
    })
  }

  it('refuses to change an existing database of another team', () => {
    const repository = join(dir.path, 'infra')
    dir.write('.idprc.yaml', `target:\n  git:\n    path: ${repository}\n`)
    assert.equal(run([...REQUEST, '--yes']).status, 0)
    git(repository, ['merge', '--quiet', '--ff-only', 'idp/db-create/orders-db-dev'])
    git(repository, ['branch', '-D', 'idp/db-create/orders-db-dev'])

    const result = run(['db', 'create', '--name', 'orders-db', '--team', 'billing', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: databases\/dev\/orders-db\/README\.md, databases\/dev\/orders-db\/main\.tf already exist with other content in the local git repository /m)
    assert.equal(git(repository, ['branch', '--list', 'idp/*']), '')
  })

  it('reports an unexpected failure in one line, as JSON under --json', () => {
    dir.write('statefile', 'not a folder\n')
    const result = run([...REQUEST, '--yes', '--json'], {XDG_STATE_HOME: join(dir.path, 'statefile')})
    assert.equal(result.status, 1)
    const document = JSON.parse(result.stdout)
    assert.equal(document.error.code, 'UNEXPECTED')
    assert.match(document.error.message, /^Unexpected failure: ENOTDIR/)
    assert.equal(result.stderr.includes('    at '), false, 'no stack trace')
  })

  it('rejects an API URL that is not a URL', () => {
    dir.write('.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    const result = run([...REQUEST, '--yes'], {GH_TOKEN: 'x', GITHUB_API_URL: 'not a url'})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: GITHUB_API_URL is not a valid URL: "not a url"$/m)
  })

  it('reports a broken package.json as a configuration error', () => {
    dir.write('package.json', '{"name": "x", bad json')
    const result = run([...REQUEST, '--dry-run'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Cannot read the configuration in .*: JSON Error in .*package\.json/m)
  })

  it('suggests the closest allowed value of an enum flag', () => {
    const result = run(['db', 'create', '--name', 'orders-db', '--team', 'payments', '--environment', 'prod', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Next: For example: idp db create --environment production$/m)
  })

  it('ignores a relative XDG_STATE_HOME, as the XDG specification requires', () => {
    const result = run([...REQUEST, '--yes'], {XDG_STATE_HOME: 'relative/state'})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(existsSync(join(dir.path, 'relative')), false)
    assert.equal(readdirSync(join(dir.path, 'home', '.local', 'state', 'idp', 'runs')).length, 1)
  })

  it('rejects an unknown flag by name', () => {
    const result = run([...REQUEST, '--sise', 'small', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Unknown flag for idp db create: --sise \(did you mean --size\?\)$/m)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  })

  it('asks for --yes when it cannot prompt', () => {
    const result = run(REQUEST)
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Confirmation needed, and prompting is off \(standard input or output is not a terminal\)$/m)
    assert.match(result.stderr, /^Next: Add --yes to submit without asking, or --dry-run to only see the plan\.$/m)
    nothingWritten()
  })

  it('reports errors as JSON with a stable code under --json', () => {
    const result = run(['db', 'create', '--json', '--yes'])
    assert.equal(result.status, 2)
    const document = JSON.parse(result.stdout)
    assert.equal(document.error.code, 'INPUT_MISSING')
    assert.equal(document.error.exitCode, 2)
    assert.deepEqual(document.error.missing, ['name', 'team'])
  })

  it('exits 3 when the policy denies', () => {
    dir.write('policy.yaml', ['apiVersion: idp.dev/v1', 'kind: ApprovalPolicy', 'groups: {}', 'onError: deny', 'default: {effect: auto_approve, message: Approved.}', 'rules:', '  - id: no-large', '    when: inputs.size == "large"', '    effect: deny', '    message: Large databases are not offered.', ''].join('\n'))
    dir.write('.idprc.yaml', 'policy: policy.yaml\n')
    const result = run([...REQUEST.slice(0, 6), '--size', 'large', '--team', 'payments', '--yes'])
    assert.equal(result.status, 3, result.stderr)
    assert.match(result.stderr, /^Error: Denied by the approval policy: Large databases are not offered\.$/m)
    assert.match(result.stderr, /^Approval: denied$/m)
    nothingWritten()
  })

  it('exits 2 with the rule id and position of a broken policy', () => {
    dir.write('policy.yaml', ['apiVersion: idp.dev/v1', 'kind: ApprovalPolicy', 'groups: {}', 'onError: deny', 'default: {effect: auto_approve, message: Approved.}', 'rules:', '  - id: typo', '    when: enviroment == "production"', '    effect: deny', '    message: x', ''].join('\n'))
    dir.write('.idprc.yaml', 'policy: policy.yaml\n')
    const result = run([...REQUEST, '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /policy\.yaml:8:11: rules\[0\]\.when: .*typo.*enviroment/)
    nothingWritten()
  })

  it('exits 4 when a GitHub repository is configured and no token is found', () => {
    dir.write('.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    const result = run([...REQUEST, '--yes'], {PATH: '/usr/bin:/bin', GITHUB_API_URL: 'http://127.0.0.1:9'})
    assert.equal(result.status, 4)
    assert.match(result.stderr, /^Error: No GitHub token found to open a pull request in acme\/infrastructure$/m)
    assert.match(result.stderr, /GH_TOKEN/)
  })

  it('reports a broken configuration file with its position (FC26)', () => {
    dir.write('.idprc.yaml', 'target:\n  github: [unclosed\n')
    const result = run([...REQUEST, '--dry-run'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /\.idprc\.yaml:\d+:\d+: /)
  })
})

describe('idp catalog commands', () => {
  let dir: TempDir
  beforeEach(() => (dir = tempDir('cli-catalog')))
  afterEach(() => dir.cleanup())

  it('lists the bundled actions', () => {
    const result = runCli(['actions', 'list'], {cwd: dir.path, env: sandboxEnv(join(dir.path, 'home'))})
    assert.equal(result.status, 0, result.stderr)
    assert.equal(
      result.stdout,
      [
        'access-grant      idp access grant      Access grant',
        'bucket-create     idp bucket create     Object storage bucket',
        'db-create         idp db create         PostgreSQL database',
        'db-delete         idp db delete         Delete a PostgreSQL database',
        'namespace-create  idp namespace create  Kubernetes namespace',
        '',
      ].join('\n'),
    )
  })

  it('names an unknown action and the closest one', () => {
    const result = runCli(['run', 'db-craete'], {cwd: dir.path, env: sandboxEnv(join(dir.path, 'home'))})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Unknown action "db-craete"; did you mean "db-create"\?$/m)
  })

  it('lists the exit codes in the root help', () => {
    const result = runCli(['--help'], {cwd: dir.path, env: sandboxEnv(join(dir.path, 'home'))})
    assert.equal(result.status, 0)
    assert.match(result.stdout, /^EXIT CODES$/m)
    for (const code of ['0', '1', '2', '3', '4', '130']) assert.match(result.stdout, new RegExp(`^ {2}${code} +\\S`, 'm'))
  })

  it('derives db create flags and enum options from the manifest', () => {
    const result = runCli(['db', 'create', '--help'], {cwd: dir.path, env: sandboxEnv(join(dir.path, 'home'))})
    assert.equal(result.status, 0)
    assert.match(result.stdout, /^EXIT CODES$/m)
    assert.match(result.stdout, /<options: small\|medium\|large>/)
    assert.match(result.stdout, /<options: dev\|staging\|production>/)
    assert.match(result.stdout, /--name=<value>/)
    assert.match(result.stdout, /--team=<value>/)
  })
})
