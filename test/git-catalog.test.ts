import assert from 'node:assert/strict'
import {cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {readRefreshState} from '../src/completion/refresh.js'
import {type CliResult, git, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bundledManifest = readFileSync(join(root, 'action-manifests', 'db-create.yaml'), 'utf8')
const AUTHOR = ['-c', 'user.name=Catalog Author', '-c', 'user.email=author@example.com']

/** Copies the bundled db-create manifest with another name and command words. */
function manifestCopy(name: string, command: string): string {
  return bundledManifest.replace('  name: db-create\n', `  name: ${name}\n`).replace('  command: db create\n', `  command: ${command}\n`)
}


/** The commands of the bundled catalog, which `idp actions list` prints first, in file name order. */
const BUNDLED = ['idp access grant', 'idp bucket create', 'idp db create', 'idp db delete', 'idp namespace create']
describe('git catalogs', function () {
  this.timeout(60_000)
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const source = () => join(dir.path, 'source')
  const bare = () => join(dir.path, 'catalog.git')
  const cacheRoot = () => join(dir.path, 'home', '.cache', 'idp', 'catalogs')
  const run = (args: string[]): CliResult => runCli(args, {cwd: join(dir.path, 'work'), env})

  /** Commits a manifest to the source repository under actions/ and pushes it to the bare one. */
  function publish(file: string, content: string): void {
    dir.write(`source/actions/${file}`, content)
    git(source(), ['add', '-A'])
    git(source(), [...AUTHOR, 'commit', '--quiet', '-m', `Add ${file}`])
    git(source(), ['push', '--quiet', bare(), 'main'])
  }

  /** Returns the single cached copy of the catalog. */
  function checkout(): string {
    const copies = readdirSync(cacheRoot())
    assert.equal(copies.length, 1, copies.join(', '))
    return join(cacheRoot(), copies[0])
  }

  /** Makes the cached copy look fetched `hours` ago. */
  function age(hours: number): void {
    const time = new Date(Date.now() - hours * 3_600_000)
    utimesSync(join(checkout(), '.git', 'FETCH_HEAD'), time, time)
  }

  const commandsOf = (result: CliResult) => result.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/)[1])

  beforeEach(() => {
    dir = tempDir('git-catalog')
    // Set explicitly because readRefreshState runs in this process, whose home folder is not the sandbox's.
    env = sandboxEnv(join(dir.path, 'home'), {XDG_CACHE_HOME: join(dir.path, 'home', '.cache')})
    git(dir.path, ['init', '--quiet', '--bare', '--initial-branch', 'main', bare()])
    git(dir.path, ['init', '--quiet', '--initial-branch', 'main', source()])
    cpSync(join(root, 'action-manifests', 'db-create'), join(source(), 'actions', 'db-create'), {recursive: true})
    publish('cache.yaml', manifestCopy('cache-create', 'cache create'))
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'catalog:\n  - git: ../catalog.git\n    ref: main\n    path: actions\n')
  })
  afterEach(() => dir.cleanup())

  it('clones on first use', () => {
    const result = run(['actions', 'list'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.deepEqual(commandsOf(result), [...BUNDLED, 'idp cache create'])
    assert.ok(existsSync(join(checkout(), 'actions', 'cache.yaml')))
  })

  it('runs an action from the copy', () => {
    const target = join(dir.path, 'infrastructure')
    dir.write('work/.idprc.yaml', `catalog:\n  - git: ../catalog.git\n    ref: main\n    path: actions\ntarget:\n  git:\n    path: ${target}\n`)
    const result = run(['cache', 'create', '--name', 'orders-cache', '--team', 'payments', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(target, ['branch', '--list', '--format=%(refname:short)']).split('\n').filter((branch) => branch.startsWith('idp/')).length, 1)
  })

  it('uses a fresh copy without fetching', () => {
    assert.equal(run(['actions', 'list']).status, 0)
    publish('queue.yaml', manifestCopy('queue-create', 'queue create'))

    const result = run(['actions', 'list'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(commandsOf(result), [...BUNDLED, 'idp cache create'])
  })

  it('fetches with actions update', () => {
    assert.equal(run(['actions', 'list']).status, 0)
    publish('queue.yaml', manifestCopy('queue-create', 'queue create'))
    rmSync(join(source(), 'actions', 'cache.yaml'))
    git(source(), [...AUTHOR, 'commit', '--quiet', '-am', 'Remove cache.yaml'])
    git(source(), ['push', '--quiet', bare(), 'main'])

    const update = run(['actions', 'update', '--json'])
    assert.equal(update.status, 0, update.stderr)
    const document = JSON.parse(update.stdout) as {catalogs: Array<{url: string; ref: string; path: string; dir: string}>}
    assert.deepEqual(
      document.catalogs.map(({url, ref, path, dir: folder}) => ({url, ref, path, dir: folder})),
      [{url: bare(), ref: 'main', path: 'actions', dir: join(checkout(), 'actions')}],
    )

    const result = run(['actions', 'list'])
    assert.deepEqual(commandsOf(result), [...BUNDLED, 'idp queue create'])
  })

  it('fetches a copy older than catalogMaxAge', () => {
    dir.write('work/.idprc.yaml', 'catalogMaxAge: 2h\ncatalog:\n  - git: ../catalog.git\n    ref: main\n    path: actions\n')
    assert.equal(run(['actions', 'list']).status, 0)
    publish('queue.yaml', manifestCopy('queue-create', 'queue create'))

    age(1)
    assert.deepEqual(commandsOf(run(['actions', 'list'])), [...BUNDLED, 'idp cache create'])
    age(3)
    const result = run(['actions', 'list'])
    assert.equal(result.stderr, '')
    assert.deepEqual(commandsOf(result), [...BUNDLED, 'idp cache create', 'idp queue create'])
  })

  it('never fetches for --help', () => {
    assert.equal(run(['actions', 'list']).status, 0)
    publish('queue.yaml', manifestCopy('queue-create', 'queue create'))
    age(30)
    const before = statSync(join(checkout(), '.git', 'FETCH_HEAD')).mtimeMs

    const help = run(['--help'])
    assert.equal(help.status, 0, help.stderr)
    assert.doesNotMatch(help.stdout, /queue/)
    assert.equal(
      help.stderr,
      `! The copy of the git catalog ${bare()} (main) is 30 hours old, older than catalogMaxAge; run \`idp actions update\`.\n`,
    )
    assert.equal(statSync(join(checkout(), '.git', 'FETCH_HEAD')).mtimeMs, before)
  })

  it('keeps the copy when a fetch fails', () => {
    assert.equal(run(['actions', 'list']).status, 0)
    age(30)
    rmSync(bare(), {recursive: true})

    const result = run(['actions', 'list'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(commandsOf(result), [...BUNDLED, 'idp cache create'])
    assert.match(result.stderr, new RegExp(`^! The git catalog ${bare().replaceAll('.', '\\.')} \\(main\\) could not be fetched; using the copy from 30 hours ago: `))

    const update = run(['actions', 'update', '--json'])
    assert.equal(update.status, 1)
    const {error} = JSON.parse(update.stdout) as {error: {code: string; problems: Array<{file: string}>}}
    assert.equal(error.code, 'CATALOG_FETCH_FAILED')
    assert.deepEqual(error.problems.map((problem) => problem.file), [bare()])
  })

  it('reports a catalog that cannot be cloned', () => {
    dir.write('work/.idprc.yaml', 'catalog:\n  - git: ../absent.git\n')
    const result = run(['actions', 'list'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(commandsOf(result), BUNDLED)
    assert.match(result.stderr, /^! The git catalog .*absent\.git could not be cloned, so its actions are missing: /)
    assert.ok(!existsSync(cacheRoot()) || readdirSync(cacheRoot()).length === 0, 'no half-made copy is left')
  })

  it('are watched by the completion (FC19)', async () => {
    const before = await readRefreshState({cwd: join(dir.path, 'work'), env, cliRoot: root})
    assert.equal(before.catalog.length, 1)
    assert.ok(before.absent.includes(before.catalog[0]), 'the copy that does not exist yet is watched for')

    assert.equal(run(['actions', 'update']).status, 0)
    const after = await readRefreshState({cwd: join(dir.path, 'work'), env, cliRoot: root})
    assert.ok(after.watched.includes(join(checkout(), 'actions')))
    assert.ok(after.watched.includes(join(checkout(), 'actions', 'cache.yaml')))
  })

  it('keeps two refs apart', () => {
    git(source(), ['push', '--quiet', bare(), 'main:stable'])
    publish('queue.yaml', manifestCopy('queue-create', 'queue create'))
    dir.write('work/.idprc.yaml', 'catalog:\n  - git: ../catalog.git\n    ref: stable\n    path: actions\n')
    assert.deepEqual(commandsOf(run(['actions', 'list'])), [...BUNDLED, 'idp cache create'])
    writeFileSync(join(dir.path, 'work', '.idprc.yaml'), 'catalog:\n  - git: ../catalog.git\n    ref: main\n    path: actions\n')
    assert.deepEqual(commandsOf(run(['actions', 'list'])), [...BUNDLED, 'idp cache create', 'idp queue create'])
    assert.equal(readdirSync(cacheRoot()).length, 2)
  })
})
