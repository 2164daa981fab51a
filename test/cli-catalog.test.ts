import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {readCatalog} from '../src/actions/catalog.js'
import {binPath, type CliResult, git, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bundledManifest = readFileSync(join(root, 'action-manifests', 'db-create.yaml'), 'utf8')

/** Copies the bundled db-create manifest with another name and other command words. */
function manifestCopy(name: string, command: string): string {
  return bundledManifest.replace('  name: db-create\n', `  name: ${name}\n`).replace('  command: db create\n', `  command: ${command}\n`)
}

interface ShowDocument {
  name: string
  command: string
  owner?: string
  tags: string[]
  inputs: Array<{name: string; flag: string; type: string; required: boolean; default?: unknown; values?: Array<{value: unknown; label?: string; monthly?: number}>}>
  cost?: {currency: string; monthly?: number | string; explanation?: string}
  resources: Array<Record<string, string>>
  permissions: Array<Record<string, string>>
  examples: Array<{description: string; command: string}>
}

describe('idp actions show', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const run = (args: string[]): CliResult => runCli(args, {cwd: join(dir.path, 'work'), env})

  beforeEach(() => {
    dir = tempDir('show')
    dir.write('work/.git/HEAD', '')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  it('shows the same action by name and by command words', () => {
    const byName = run(['actions', 'show', 'db-create', '--json'])
    assert.equal(byName.status, 0, byName.stderr)
    for (const words of [['db', 'create'], ['db create'], ['  db   create ']]) {
      const result = run(['actions', 'show', ...words, '--json'])
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stdout, byName.stdout, `words ${JSON.stringify(words)}`)
    }
  })

  it('describes inputs, cost and preview', () => {
    const result = run(['actions', 'show', 'db-create', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout) as ShowDocument
    assert.equal(document.command, 'idp db create')
    assert.equal(document.owner, 'platform-team')
    assert.deepEqual(document.tags, ['database', 'postgresql', 'aws'])

    const size = document.inputs.find((input) => input.name === 'size')
    assert.deepEqual(size, {
      name: 'size',
      flag: '--size',
      type: 'string',
      title: 'Size',
      description: 'Instance size; the price is per month.',
      required: true,
      default: 'small',
      values: [
        {value: 'small', label: 'Small: 2 vCPU, 8 GB', monthly: 50},
        {value: 'medium', label: 'Medium: 4 vCPU, 16 GB', monthly: 150},
        {value: 'large', label: 'Large: 8 vCPU, 32 GB', monthly: 400},
      ],
    })
    const team = document.inputs.find((input) => input.name === 'team')
    assert.equal(team?.default, '${{ user.team }}')

    assert.equal(document.cost?.currency, 'USD')
    assert.equal(document.cost?.monthly, "${{ prices.size * (inputs.environment == 'production' ? 2.0 : 1.0) }}")
    assert.deepEqual(
      document.resources.map((resource) => resource.type),
      ['aws_db_instance', 'postgresql_database', 'aws_secretsmanager_secret', 'aws_security_group'],
    )
    assert.deepEqual(document.permissions.map((permission) => permission.role), ["${{ inputs.name.replace('-', '_') }}_readwrite", 'CONNECT'])
    assert.deepEqual(
      document.examples.map((example) => example.command),
      ['idp db create --name my-name --team my-team --dry-run', 'idp db create --name my-name --team my-team --yes'],
    )
  })

  it('prints the human page to stdout only', () => {
    const result = run(['actions', 'show', 'db', 'create'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    const lines = result.stdout.split('\n')
    assert.equal(lines[0], 'db-create: PostgreSQL database')
    assert.equal(lines[1], '  idp db create')
    assert.ok(lines.includes('Owner: platform-team'), result.stdout)
    assert.ok(lines.includes('  --team (string, default: from user.team)'), result.stdout)
    assert.ok(lines.includes('      Values: small (Small: 2 vCPU, 8 GB, $50/month), medium (Medium: 4 vCPU, 16 GB, $150/month), large (Large: 8 vCPU, 32 GB, $400/month)'), result.stdout)
    assert.ok(lines.includes('  aws_security_group ${{ inputs.name }}-access: PostgreSQL (5432) from the ${{ inputs.team }} applications in ${{ inputs.environment }}'), result.stdout)
    assert.ok(lines.includes('  app:${{ inputs.team }}-${{ inputs.environment }} gets CONNECT on database ${{ inputs.name.replace(\'-\', \'_\') }}: The team\'s applications may connect'), result.stdout)
    assert.deepEqual(lines.slice(lines.indexOf('Examples')), [
      'Examples',
      '  # Show the plan and the file diff, writing nothing.',
      '  idp db create --name my-name --team my-team --dry-run',
      '  # Submit the request without asking for confirmation; the other inputs take their defaults.',
      '  idp db create --name my-name --team my-team --yes',
      '',
    ])
  })

  it('rejects an unknown action with the closest name', () => {
    const result = run(['actions', 'show', 'db', 'crate'])
    assert.equal(result.status, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /Unknown action "db crate"; did you mean "db-create"\?/)
  })

  it('rejects a missing action name', () => {
    const result = run(['actions', 'show'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Missing the action name\n/)
  })
})

/** Files the target starts with for actions that change existing resources, such as the database `idp db delete` deletes. */
const EXISTING_FILES: Record<string, Record<string, string>> = {
  'db-delete': {'databases/dev/legacy-db/main.tf': 'module "database" {}\n'},
}

describe('examples of idp actions show', function () {
  this.timeout(120_000)

  // Each bundled action's examples run as written, against a local git target.
  for (const entry of readCatalog().entries) {
    it(`run for ${entry.name}`, async () => {
      const dir = tempDir('show-examples')
      try {
        const target = join(dir.path, 'infrastructure')
        dir.write('work/.git/HEAD', '')
        dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${target}\n`)
        const env = sandboxEnv(join(dir.path, 'home'))
        const existing = EXISTING_FILES[entry.name]
        if (existing) {
          for (const [path, content] of Object.entries(existing)) dir.write(`infrastructure/${path}`, content)
          git(target, ['init', '-q', '-b', 'main'])
          git(target, ['add', '.'])
          git(target, ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Existing resources'])
        }

        const showResult = runCli(['actions', 'show', entry.name, '--json'], {cwd: join(dir.path, 'work'), env})
        assert.equal(showResult.status, 0, showResult.stderr)
        const {examples} = JSON.parse(showResult.stdout) as ShowDocument
        assert.equal(examples.length, 2)

        for (const example of examples) {
          assert.match(example.command, /^idp /)
          // A shell runs the line, because values with spaces are quoted for one.
          const line = `${JSON.stringify(process.execPath)} ${JSON.stringify(binPath)} ${example.command.slice('idp '.length)}`
          const result = spawnSync('/bin/sh', ['-c', line], {cwd: join(dir.path, 'work'), env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
          assert.equal(result.status, 0, `${example.command}\n${result.stdout}\n${result.stderr}`)
        }

        // The dry run wrote nothing; the submission made one commit on a branch of its own.
        assert.match(git(target, ['branch', '--list']), /idp\//)
      } finally {
        dir.cleanup()
      }
    })
  }
})

describe('duplicate actions', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const run = (args: string[]): CliResult => runCli(args, {cwd: join(dir.path, 'work'), env})

  beforeEach(() => {
    dir = tempDir('duplicates')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'catalog:\n  - ../extra\n')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  it('fail the command both files declare', () => {
    const copy = dir.write('extra/db-create-copy.yaml', manifestCopy('db-create-copy', 'db create'))
    const bundled = join(root, 'action-manifests', 'db-create.yaml')

    const result = run(['db', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run', '--json'])
    assert.equal(result.status, 2, result.stderr)
    const {error} = JSON.parse(result.stdout) as {error: {code: string; message: string; problems: Array<{file: string; path: string; message: string}>}}
    assert.equal(error.code, 'CATALOG_DUPLICATE')
    assert.equal(error.message, `The command \`idp db create\` is declared by more than one manifest: ${bundled} and ${copy}`)
    assert.deepEqual(error.problems, [
      {file: bundled, path: 'spec.command', message: `command \`idp db create\` is also declared by ${copy}`},
      {file: copy, path: 'spec.command', message: `command \`idp db create\` is also declared by ${bundled}`},
    ])
  })

  it('keep --help and other commands working', () => {
    dir.write('extra/db-create-copy.yaml', manifestCopy('db-create-copy', 'db create'))

    const help = run(['db', 'create', '--help'])
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /is declared by more than one manifest/)
    assert.match(help.stdout, /--size=<option>/)

    const root = run(['--help'])
    assert.equal(root.status, 0, root.stderr)
    const show = run(['actions', 'show', 'db-create-copy', '--help'])
    assert.equal(show.status, 0, show.stderr)
    const policy = run(['policy', 'check', '--help'])
    assert.equal(policy.status, 0, policy.stderr)
  })

  it('fail actions list after the list', () => {
    const copy = dir.write('extra/copy.yaml', manifestCopy('db-create', 'database create'))

    const result = run(['actions', 'list'])
    assert.equal(result.status, 2)
    assert.deepEqual(
      result.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/).slice(0, 2)),
      [
        ['access-grant', 'idp access grant'],
        ['bucket-create', 'idp bucket create'],
        ['db-create', 'idp db create'],
        ['db-delete', 'idp db delete'],
        ['namespace-create', 'idp namespace create'],
        ['db-create', 'idp database create'],
      ],
    )
    assert.match(result.stderr, new RegExp(`The action name db-create is declared by more than one manifest: .*db-create\\.yaml and ${copy.replaceAll('.', '\\.')}`))

    const json = run(['actions', 'list', '--json'])
    assert.equal(json.status, 2)
    assert.equal(JSON.parse(json.stdout).error.code, 'CATALOG_DUPLICATE')
  })

  it('fail every command of a duplicated name', () => {
    dir.write('extra/copy.yaml', manifestCopy('db-create', 'database create'))

    for (const args of [
      ['db', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run'],
      ['database', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run'],
      ['run', 'db-create', '--name', 'orders-db', '--team', 'payments', '--dry-run'],
      ['actions', 'show', 'db-create'],
    ]) {
      const result = run(args)
      assert.equal(result.status, 2, `idp ${args.join(' ')}\n${result.stdout}${result.stderr}`)
      assert.match(result.stderr, /The action name db-create is declared by more than one manifest/, args.join(' '))
    }
  })

  it('leave other actions working', () => {
    dir.write('extra/a.yaml', manifestCopy('cache-create', 'cache create'))
    dir.write('extra/b.yaml', manifestCopy('cache-create', 'store create'))

    const result = run(['db', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run'])
    assert.equal(result.status, 0, result.stderr)
    const show = run(['actions', 'show', 'db-create', '--json'])
    assert.equal(show.status, 0, show.stderr)
  })
})

describe('catalog index', function () {
  this.timeout(120_000)
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const run = (args: string[]): CliResult => runCli(args, {cwd: join(dir.path, 'work'), env})
  const indexDir = () => join(dir.path, 'home', '.cache', 'idp', 'catalog-index')

  /** Writes `count` copies of db-create, `svc<n>-create` with the command words `svc<n> create`, and the template folder. */
  function writeCatalog(count: number): void {
    cpSync(join(root, 'action-manifests', 'db-create'), join(dir.path, 'extra', 'db-create'), {recursive: true})
    for (let index = 0; index < count; index++) dir.write(`extra/svc${String(index).padStart(3, '0')}.yaml`, manifestCopy(`svc${index}-create`, `svc${index} create`))
  }

  beforeEach(() => {
    dir = tempDir('catalog-index')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'catalog:\n  - ../extra\n')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  it('sees every change to a manifest', () => {
    writeCatalog(3)
    assert.equal(run(['actions', 'list']).status, 0)
    assert.equal(readdirSync(indexDir()).length, 1)

    // The same size, so that only the file's times tell the change.
    const file = join(dir.path, 'extra', 'svc001.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: PostgreSQL database', 'title: PostgreSQL databasf'))
    rmSync(join(dir.path, 'extra', 'svc002.yaml'))
    dir.write('extra/svc003.yaml', 'apiVersion: idp.dev/v1\nkind: Action\nmetadata: {}\n')

    const result = run(['actions', 'list', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout) as {actions: Array<{name: string; title: string}>; problems: Array<{file: string; message: string}>}
    assert.deepEqual(
      document.actions.map((action) => [action.name, action.title]),
      [
        ['access-grant', 'Access grant'],
        ['bucket-create', 'Object storage bucket'],
        ['db-create', 'PostgreSQL database'],
        ['db-delete', 'Delete a PostgreSQL database'],
        ['namespace-create', 'Kubernetes namespace'],
        ['svc0-create', 'PostgreSQL database'],
        ['svc1-create', 'PostgreSQL databasf'],
      ],
    )
    assert.deepEqual(document.problems, [{file: join(dir.path, 'extra', 'svc003.yaml'), message: 'metadata.name and spec.command are required'}])
  })

  it('is not written by a dry run', () => {
    writeCatalog(2)
    const result = run(['svc1', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(existsSync(join(dir.path, 'home', '.cache')), false)
    assert.equal(run(['actions', 'list']).status, 0)
    assert.equal(readdirSync(indexDir()).length, 1)
  })

  it('gives indexed actions their inputs', () => {
    writeCatalog(3)
    assert.equal(run(['actions', 'list']).status, 0)
    const result = run(['actions', 'show', 'svc1', 'create', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout) as ShowDocument
    assert.deepEqual(document.inputs.map((input) => input.name), ['name', 'environment', 'size', 'team'])
    assert.equal(document.owner, 'platform-team')
  })

  it('keeps every command of a large catalog working', () => {
    writeCatalog(120)
    const list = run(['actions', 'list'])
    assert.equal(list.status, 0, list.stderr)
    // 120 copies and the five bundled actions.
    assert.equal(list.stdout.trim().split('\n').length, 125)

    const dryRun = run(['svc7', 'create', '--name', 'orders-db', '--team', 'payments', '--dry-run', '--json'])
    assert.equal(dryRun.status, 0, dryRun.stderr)
    assert.equal(JSON.parse(dryRun.stdout).action, 'svc7-create')
    const byName = run(['run', 'svc8-create', '--name', 'orders-db', '--team', 'payments', '--dry-run', '--json'])
    assert.equal(byName.status, 0, byName.stderr)
    assert.equal(JSON.parse(byName.stdout).action, 'svc8-create')

    const help = run(['svc9', 'create', '--help'])
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /--size=<option>/)
    const topic = run(['svc11', '--help'])
    assert.equal(topic.status, 0, topic.stderr)
    assert.match(topic.stdout, /svc11 create/)
    const rootHelp = run(['--help'])
    assert.equal(rootHelp.status, 0, rootHelp.stderr)
    assert.match(rootHelp.stdout, /\n {2}svc119 +PostgreSQL database/)

    const mistyped = run(['svc12', 'creat'])
    assert.equal(mistyped.status, 2)
    assert.match(mistyped.stderr, /svc12 create/)
  })
})
