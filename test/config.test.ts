import assert from 'node:assert/strict'
import {join} from 'node:path'
import {globalConfigSearchPlaces} from 'cosmiconfig'

import {GLOBAL_SEARCH_PLACES, loadConfig, mayFindConfigFile, META_SEARCH_PLACES, SEARCH_PLACES} from '../src/config/config.js'
import {IdpError} from '../src/errors.js'
import {tempDir, type TempDir} from './support/temp.js'

describe('configuration loading', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(() => {
    dir = tempDir('config')
    env = {XDG_CONFIG_HOME: join(dir.path, 'xdg')}
  })
  afterEach(() => dir.cleanup())

  async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<IdpError> {
    const error = await loadConfig(options).then(
      () => assert.fail('expected the configuration to be rejected'),
      (failure: unknown) => failure,
    )
    assert.ok(error instanceof IdpError, `expected an IdpError, got ${String(error)}`)
    return error
  }

  it('returns an empty configuration when there is none', async () => {
    dir.write('repo/.git/HEAD', '')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(config, {catalog: [], gitCatalogs: [], catalogMaxAgeMs: 86_400_000, target: {}, user: {}, sources: []})
  })

  it('reads the project file and resolves its paths', async () => {
    dir.write('repo/.git/HEAD', '')
    const file = dir.write('repo/.idprc.yaml', 'catalog: [actions]\npolicy: .idp/policy.yaml\ntarget:\n  git:\n    path: ../infra\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(config.catalog, [join(dir.path, 'repo', 'actions')])
    assert.equal(config.policy, join(dir.path, 'repo', '.idp', 'policy.yaml'))
    assert.deepEqual(config.target, {git: {path: join(dir.path, 'infra')}})
    assert.deepEqual(config.sources, [file])
  })

  it('resolves git catalogs into the cache folder', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write(
      'repo/.idprc.yaml',
      'catalogMaxAge: 90m\ncatalog:\n  - actions\n  - git: ../catalogs/platform.git\n    path: ./manifests/\n  - {git: "https://git.example.com/acme/actions.git", ref: v2}\n',
    )
    const cache = join(dir.path, 'cache')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env: {...env, XDG_CACHE_HOME: cache}})
    assert.equal(config.catalogMaxAgeMs, 90 * 60_000)
    assert.equal(config.gitCatalogs.length, 2)

    const [local, remote] = config.gitCatalogs
    assert.equal(local.url, join(dir.path, 'catalogs', 'platform.git'))
    assert.equal(local.ref, 'HEAD')
    assert.equal(local.path, 'manifests')
    assert.match(local.checkout, new RegExp(`^${cache}/idp/catalogs/platform-[0-9a-f]{12}$`))
    assert.equal(local.dir, join(local.checkout, 'manifests'))
    assert.equal(remote.url, 'https://git.example.com/acme/actions.git')
    assert.equal(remote.ref, 'v2')
    assert.equal(remote.dir, remote.checkout)
    assert.match(remote.checkout, new RegExp(`^${cache}/idp/catalogs/actions-[0-9a-f]{12}$`))
    assert.deepEqual(config.catalog, [join(dir.path, 'repo', 'actions'), local.dir, remote.dir])
  })

  it('rejects a git catalog path with ..', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'catalog:\n  - git: ../platform.git\n    path: ../outside\n')
    const error = await loadError({cwd: join(dir.path, 'repo'), env})
    assert.equal(error.code, 'CONFIG_INVALID')
    assert.deepEqual(error.problems.map((problem) => problem.line), [3])
  })

  it('finds the project file from a subfolder of the repository', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'user: {team: payments}\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo', 'services', 'api'), env: {...env}})
    assert.equal(config.user.team, 'payments')
  })

  it('stops the search at the repository root (FC25)', async () => {
    dir.write('.idprc.yaml', 'target:\n  github:\n    repository: attacker/elsewhere\n')
    dir.write('repo/.git/HEAD', '')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(config.target, {})
    assert.deepEqual(config.sources, [])
  })

  it('searches only the working folder outside home and repositories (FC25)', async () => {
    dir.write('.idprc.yaml', 'target:\n  github:\n    repository: attacker/elsewhere\n')
    const config = await loadConfig({cwd: join(dir.path, 'x', 'y'), env})
    assert.deepEqual(config.target, {})
    assert.deepEqual(config.sources, [])
  })

  it('stops the search at the nearest package.json (FC25)', async () => {
    dir.write('.idprc.yaml', 'user: {team: wrong}\n')
    dir.write('app/package.json', '{"name": "app"}')
    const config = await loadConfig({cwd: join(dir.path, 'app'), env})
    assert.equal(config.user.team, undefined)
  })

  it('reads the idp key of package.json', async () => {
    dir.write('app/package.json', JSON.stringify({name: 'app', idp: {user: {team: 'checkout'}}}))
    const config = await loadConfig({cwd: join(dir.path, 'app'), env})
    assert.equal(config.user.team, 'checkout')
  })

  it('ignores a plain file named .config (FC24)', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.config', 'not a folder\n')
    dir.write('repo/.idprc.yaml', 'user: {team: payments}\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.equal(config.user.team, 'payments')
  })

  it('treats a comment-only file as empty (FC26)', async () => {
    dir.write('repo/.git/HEAD', '')
    const file = dir.write('repo/.idprc.yaml', '# nothing configured yet\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(config.sources, [file])
    assert.deepEqual(config.target, {})
  })

  it('reports a YAML error with path, line and column (FC26)', async () => {
    dir.write('repo/.git/HEAD', '')
    const file = dir.write('repo/.idprc.yaml', 'target:\n  github: [unclosed\n')
    const error = await loadError({cwd: join(dir.path, 'repo'), env})
    assert.equal(error.code, 'CONFIG_INVALID')
    assert.equal(error.exitCode, 2)
    assert.equal(error.problems[0].file, file)
    assert.equal(error.problems[0].line, 3)
    assert.equal(error.problems[0].column, 1)
  })

  it('names an unknown key and the closest known one', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'target:\n  gihtub:\n    repository: acme/infra\n')
    const error = await loadError({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(
      error.problems.map((problem) => [problem.line, problem.column, problem.path, problem.message]),
      [[2, 3, 'target.gihtub', 'unknown key "gihtub"; did you mean "github"?']],
    )
  })

  it('rejects a repository that is not owner/name', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'target:\n  github:\n    repository: https://github.com/acme/infra\n')
    const error = await loadError({cwd: join(dir.path, 'repo'), env})
    assert.equal(error.problems[0].path, 'target.github.repository')
    assert.equal(error.problems[0].line, 3)
  })

  it('merges the user file under the project file', async () => {
    dir.write('xdg/idp/config.yaml', 'user: {team: payments, name: Jane}\ntarget:\n  git:\n    path: /tmp/user-infra\n')
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'user: {team: checkout}\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env})
    assert.deepEqual(config.user, {team: 'checkout', name: 'Jane'})
    assert.deepEqual(config.target, {git: {path: '/tmp/user-infra'}})
    assert.equal(config.sources.length, 2)
  })

  it('uses an explicit file instead of searching', async () => {
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/.idprc.yaml', 'user: {team: searched}\n')
    dir.write('other.yaml', 'user: {team: explicit}\n')
    const config = await loadConfig({cwd: join(dir.path, 'repo'), env, file: join(dir.path, 'other.yaml')})
    assert.equal(config.user.team, 'explicit')
  })

  it('reports a missing explicit file', async () => {
    const error = await loadError({cwd: dir.path, env, file: join(dir.path, 'absent.yaml')})
    assert.equal(error.code, 'CONFIG_NOT_FOUND')
    assert.equal(error.exitCode, 2)
  })

  it('loads an ES module configuration in a module package', async () => {
    dir.write('app/package.json', '{"type": "module"}')
    dir.write('app/idp.config.js', 'export default {user: {team: "esm"}}\n')
    const config = await loadConfig({cwd: join(dir.path, 'app'), env})
    assert.equal(config.user.team, 'esm')
  })

  it('loads a TypeScript configuration in a module package (FC27)', async () => {
    dir.write('app/package.json', '{"type": "module"}')
    dir.write('app/idp.config.ts', 'interface Config { user: {team: string} }\nconst config: Config = {user: {team: "typed"}}\nexport default config\n')
    const config = await loadConfig({cwd: join(dir.path, 'app'), env})
    assert.equal(config.user.team, 'typed')
  })

  it('reports a syntax error in a TypeScript configuration with its position (FC27)', async () => {
    dir.write('app/package.json', '{"type": "module"}')
    const file = dir.write('app/idp.config.ts', 'const team: string = "x"\nexport default {user: {team: }}\n')
    const error = await loadError({cwd: join(dir.path, 'app'), env})
    assert.equal(error.code, 'CONFIG_INVALID')
    assert.equal(error.exitCode, 2)
    assert.doesNotMatch(error.message, /module|require/i)
    assert.deepEqual(
      error.problems.map((problem) => [problem.file, problem.line]),
      [[file, 2]],
    )
  })

  it('reports a syntax error in a JavaScript configuration with its position (FC27)', async () => {
    dir.write('app/package.json', '{"type": "module"}')
    const file = dir.write('app/idp.config.mjs', 'const team = "esm"\nexport default {user: {team: }}\n')
    const error = await loadError({cwd: join(dir.path, 'app'), env})
    assert.equal(error.code, 'CONFIG_INVALID')
    assert.equal(error.exitCode, 2)
    assert.ok(error.message.startsWith(`Cannot read the configuration ${file}: `), error.message)
    assert.deepEqual(
      error.problems.map((problem) => [problem.file, problem.line, problem.column]),
      [[file, 2, 30]],
    )
  })
})

describe('configuration search shortcut', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const startDir = process.cwd()

  beforeEach(() => {
    dir = tempDir('config-shortcut')
    env = {XDG_CONFIG_HOME: join(dir.path, 'xdg')}
    dir.write('repo/.git/HEAD', '')
    dir.write('repo/services/orders/README.md', '')
    // cosmiconfig reads its own settings in the process's working folder, so the test runs from
    // an empty folder rather than from this repository, whose package.json would count.
    process.chdir(join(dir.path, 'repo', 'services', 'orders'))
  })
  afterEach(() => {
    process.chdir(startDir)
    dir.cleanup()
  })

  const cwd = () => join(dir.path, 'repo', 'services', 'orders')

  it('skips cosmiconfig only when no file exists where it looks', async () => {
    assert.equal(mayFindConfigFile(cwd(), env), false)
    assert.deepEqual(await loadConfig({cwd: cwd(), env}), {catalog: [], gitCatalogs: [], catalogMaxAgeMs: 86_400_000, target: {}, user: {}, sources: []})
  })

  it('lists the global places cosmiconfig searches', () => {
    assert.deepEqual([...GLOBAL_SEARCH_PLACES].sort(), [...globalConfigSearchPlaces].sort())
  })

  for (const place of SEARCH_PLACES) {
    it(`searches when ${place} exists in a folder up to the repository root`, () => {
      dir.write(`repo/services/${place}`, '')
      assert.equal(mayFindConfigFile(cwd(), env), true)
    })
  }

  for (const place of GLOBAL_SEARCH_PLACES) {
    it(`searches when the global ${place} exists`, () => {
      dir.write(`xdg/idp/${place}`, '')
      assert.equal(mayFindConfigFile(cwd(), env), true)
    })
  }

  for (const place of META_SEARCH_PLACES) {
    it(`searches when cosmiconfig's own ${place} exists in the working folder`, () => {
      dir.write(`repo/services/orders/${place}`, '')
      assert.equal(mayFindConfigFile(cwd(), env), true)
    })
  }

  it('does not look above the repository root', () => {
    dir.write('.idprc.yaml', 'user: {team: payments}\n')
    assert.equal(mayFindConfigFile(cwd(), env), false)
  })
})
