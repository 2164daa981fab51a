import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {createRequire, isBuiltin} from 'node:module'
import {delimiter, dirname, join, posix} from 'node:path'
import {fileURLToPath} from 'node:url'

import {COMPLETE_WORDS_PRELUDE} from './support/bash-completion.js'
import type {CliResult} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/**
 * The top-level entries of the package. npm adds package.json, README.md and LICENSE to the
 * entries listed in `files` by itself, but not CHANGELOG.md.
 */
const TOP_LEVEL = ['CHANGELOG.md', 'LICENSE', 'README.md', 'action-manifests', 'bin', 'dist', 'docs', 'examples', 'package.json', 'policies', 'schemas']

/** Folders that ship exactly as git tracks them. */
const TRACKED_FOLDERS = ['action-manifests', 'docs', 'examples', 'policies', 'schemas']

/** Path segments that mark files used only to develop idp. */
const DEVELOPMENT_SEGMENTS = ['test', 'src', 'scripts', 'bench', 'node_modules', '.scratch', '.ci']

/**
 * Packages that the bundle names but never loads in an installed idp, with the reason. Every
 * other package it names must resolve from the installed package.
 */
const UNLOADED_PACKAGES: Record<string, string> = {
  typescript: "cosmiconfig's TypeScript loaders, which jiti replaces, and oclif's lookup of command sources, which is off",
  'ts-node': "oclif's lookup of command sources, which is off",
  chokidar: "nunjucks' watch option, which idp does not set",
  pnpapi: 'oclif under Yarn Plug\'n\'Play only, inside a try block',
}

/**
 * Matches a package that bundled code imports, requires or resolves by a literal name. The
 * minified bundle writes `from"x"`, `import("x")`, `__require("x")` and `.resolve("x")`.
 */
const PACKAGE_REFERENCE = /(?:import\(|require\(|require\.resolve\(|\)\.resolve\(|\bfrom\s*)["']((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w./-]*)?)["']/g

/** Lists the files below a folder as POSIX paths relative to it, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort()
}

/** Lists the names of every package in a node_modules tree, nested ones included. */
function listInstalledPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return []
  const names: string[] = []
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue
    const scoped = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((name) => `${entry}/${name}`) : [entry]
    for (const name of scoped) names.push(name, ...listInstalledPackages(join(nodeModules, name, 'node_modules')))
  }

  return names
}

/** Finds an executable by name in the folders of this process's PATH. */
function findOnPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find((file) => existsSync(file))
}

/** Runs a command to completion and returns its exit status and output. */
function runProcess(file: string, args: string[], options: {cwd: string; env: NodeJS.ProcessEnv}): CliResult {
  const result = spawnSync(file, args, {...options, encoding: 'utf8', timeout: 300_000})
  if (result.error) throw result.error
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

// Packs the working tree once as `npm pack` does for a release, installs the tarball globally
// into an empty prefix, and runs the installed `idp` as a user would, with nothing from the
// repository or the machine in its environment.
describe('npm package', function () {
  // One build, one pack and one install take far longer than a test's usual timeout.
  this.timeout(600_000)

  let work: TempDir
  let packed: string
  let packedFiles: string[]
  let prefix: string
  let installed: string
  let home: string
  let emptyDir: string
  const staleFile = join(root, 'dist', 'stale-build-output.js')

  before(function () {
    // NOTE: npm installs global packages under <prefix>/node_modules on Windows, and the test
    // runs the installed shim through a POSIX shebang. Remove this skip when CI runs on Windows.
    if (process.platform === 'win32') this.skip()

    work = tempDir('package')
    // A file left by an older build. The build that prepack runs must remove it before packing.
    mkdirSync(dirname(staleFile), {recursive: true})
    writeFileSync(staleFile, '')

    const pack = runProcess('npm', ['pack', '--json', '--pack-destination', work.path], {cwd: root, env: process.env})
    assert.equal(pack.status, 0, pack.stderr)
    const [report] = JSON.parse(pack.stdout) as Array<{filename: string}>
    const tarball = join(work.path, report.filename)

    mkdirSync(join(work.path, 'extracted'))
    const extract = runProcess('tar', ['-xzf', tarball, '-C', join(work.path, 'extracted')], {cwd: work.path, env: process.env})
    assert.equal(extract.status, 0, extract.stderr)
    packed = join(work.path, 'extracted', 'package')
    packedFiles = listFiles(packed)

    prefix = join(work.path, 'prefix')
    const install = runProcess('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], {cwd: work.path, env: process.env})
    assert.equal(install.status, 0, install.stderr)
    installed = join(prefix, 'lib', 'node_modules', packageJson.name)

    home = join(work.path, 'home')
    emptyDir = join(work.path, 'empty')
    mkdirSync(home)
    mkdirSync(emptyDir)
  })

  after(() => {
    rmSync(staleFile, {force: true})
    work?.cleanup()
  })

  /** Builds an environment with only node and the installed `idp` on PATH, and every folder idp writes to under `home`. */
  function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: [dirname(process.execPath), join(prefix, 'bin')].join(delimiter),
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
      XDG_CACHE_HOME: join(home, '.cache'),
      ...extra,
    }
  }

  /** Runs the installed `idp` through its link in `<prefix>/bin`, in an empty folder unless `cwd` is given. */
  function idp(args: string[], options: {cwd?: string; env?: Record<string, string>} = {}): CliResult {
    return runProcess(join(prefix, 'bin', 'idp'), args, {cwd: options.cwd ?? emptyDir, env: cleanEnv(options.env)})
  }

  describe('tarball', () => {
    it('contains only the allowed top-level entries', () => {
      assert.deepEqual(readdirSync(packed).sort(), TOP_LEVEL)
    })

    it('contains the tracked files of each shipped folder', () => {
      for (const folder of TRACKED_FOLDERS) {
        const tracked = runProcess('git', ['ls-files', '--', folder], {cwd: root, env: process.env})
        assert.equal(tracked.status, 0, tracked.stderr)
        const expected = tracked.stdout.split('\n').filter(Boolean).sort()
        assert.deepEqual(packedFiles.filter((file) => file.startsWith(`${folder}/`)), expected, folder)
      }
    })

    it('contains the build that prepack ran', () => {
      const dist = packedFiles.filter((file) => file.startsWith('dist/'))
      assert.ok(!dist.includes('dist/stale-build-output.js'), 'a file of an older build was packed')
      assert.ok(dist.includes('dist/cli.js'))
      assert.ok(dist.includes('dist/bundled-catalog.json'))
      assert.deepEqual(dist, listFiles(join(root, 'dist'), 'dist/'))
    })

    it('contains no tests, sources, source maps or oclif manifest', () => {
      assert.deepEqual(packedFiles.filter((file) => file.endsWith('.map')), [])
      assert.deepEqual(packedFiles.filter((file) => file.split('/').some((segment) => DEVELOPMENT_SEGMENTS.includes(segment))), [])
      assert.deepEqual(packedFiles.filter((file) => posix.basename(file) === 'oclif.manifest.json'), [])
      assert.deepEqual(packedFiles.filter((file) => /\.tsx?$/.test(file)), [])
    })

    it('has an executable bin/run.js with a node shebang', () => {
      const bin = join(packed, 'bin', 'run.js')
      assert.equal(statSync(bin).mode & 0o111, 0o111)
      assert.equal(readFileSync(bin, 'utf8').split('\n')[0], '#!/usr/bin/env node')
      assert.deepEqual(packageJson.bin, {idp: './bin/run.js'})
    })

    it('has the MIT license and a changelog entry', () => {
      assert.equal(packageJson.license, 'MIT')
      const license = readFileSync(join(packed, 'LICENSE'), 'utf8')
      assert.equal(license.split('\n')[0], 'MIT License')
      assert.match(license, /^Copyright \(c\) 2026 idp contributors$/m)
      assert.match(readFileSync(join(packed, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## \\[${packageJson.version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'))
    })

    it('links only to files that ship from its Markdown', () => {
      const broken: string[] = []
      for (const file of packedFiles.filter((name) => name === 'README.md' || name.startsWith('docs/'))) {
        const text = readFileSync(join(packed, file), 'utf8')
        // Inline Markdown links: [text](target), without a scheme or a leading # (an anchor in the same file).
        for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue
          const path = posix.normalize(posix.join(posix.dirname(file), target.split('#')[0]))
          if (!existsSync(join(packed, path))) broken.push(`${file}: ${target}`)
        }
      }

      assert.deepEqual(broken, [])
    })
  })

  describe('installed globally', () => {
    it('installs no dev dependency', () => {
      assert.deepEqual(readdirSync(join(prefix, 'lib', 'node_modules')), [packageJson.name])
      const installedPackages = listInstalledPackages(join(installed, 'node_modules'))
      assert.ok(installedPackages.includes('@oclif/plugin-autocomplete'), 'the runtime dependencies are installed')
      assert.deepEqual(Object.keys(packageJson.devDependencies).filter((name) => installedPackages.includes(name)), [])
    })

    it('resolves every package the bundle loads', () => {
      const dist = join(installed, 'dist')
      const resolveFromDist = createRequire(join(dist, 'cli.js')).resolve
      const referenced = new Set<string>()
      for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
        for (const [, specifier] of readFileSync(join(dist, file), 'utf8').matchAll(PACKAGE_REFERENCE)) referenced.add(specifier)
      }

      const packages = [...referenced].filter((specifier) => !specifier.startsWith('node:') && !isBuiltin(specifier))
      assert.ok(packages.includes('@oclif/plugin-autocomplete'), 'the pattern finds the packages the bundle loads')
      const unresolved = packages.filter((specifier) => {
        try {
          resolveFromDist(specifier)
          return false
        } catch {
          return true
        }
      })
      assert.deepEqual(unresolved.filter((specifier) => !(specifier in UNLOADED_PACKAGES)), [])
    })

    it('prints the version from package.json', () => {
      const arch = process.arch === 'ia32' ? 'x86' : process.arch
      const expected = `${packageJson.name}/${packageJson.version} ${process.platform}-${arch} node-${process.version}\n`
      assert.deepEqual(idp(['--version']), {status: 0, stdout: expected, stderr: ''})
    })

    it('prints the help with exit codes', () => {
      const result = idp(['--help'])
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.match(result.stdout, new RegExp(`^VERSION\\n {2}idp/${packageJson.version.replaceAll('.', '\\.')} `, 'm'))
      assert.match(result.stdout, /^ {2}db +PostgreSQL databases\.$/m)
      assert.match(result.stdout, /^ {2}3 +Denied by the approval policy$/m)
    })

    it('prints the help of idp db create', () => {
      const result = idp(['db', 'create', '--help'])
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.match(result.stdout, /^ {2}\$ idp db create \[--json\]/m)
      assert.match(result.stdout, /^ {2}--size=<option>$/m)
    })

    it('prints the plan of a dry run', () => {
      const args = ['db', 'create', '--dry-run', '--yes', '--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments']
      const result = idp(args)
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /^ {2}\+ aws_db_instance orders-db: PostgreSQL 16, Small: 2 vCPU, 8 GB$/m)
      assert.match(result.stdout, /^Estimated cost: \$50\/month \(USD\)$/m)
      assert.match(result.stdout, /^Approval: auto-approved$/m)
      assert.ok(result.stdout.includes(`  Policy: ${join(installed, 'policies', 'approval-policy.yaml')} (the bundled example)\n`), result.stdout)
      assert.match(result.stdout, /^\+ {2}identifier {5}= "orders-db"$/m)
      assert.match(result.stdout, /^Dry run: nothing was written\.$/m)
      assert.equal(existsSync(join(home, '.local', 'share', 'idp')), false, 'the dry run created the default target')
    })

    it('lists the same actions as the source tree', () => {
      const result = idp(['actions', 'list'])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /^db-create +idp db create +PostgreSQL database$/m)
      const fromSource = runProcess(process.execPath, [join(root, 'bin', 'run.js'), 'actions', 'list'], {cwd: emptyDir, env: cleanEnv()})
      assert.deepEqual(result, fromSource)
    })

    it('FC18: sets up bash completion that completes', () => {
      const bash = findOnPath('bash')
      assert.ok(bash, 'bash is not on PATH')
      const setup = idp(['autocomplete', 'bash'])
      assert.equal(setup.status, 0, setup.stderr)
      assert.ok(setup.stdout.includes('printf "$(idp autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc'), setup.stdout)

      // The step the setup prints, then simulated Tab presses.
      const profile = runProcess(bash, ['--norc', '--noprofile', '-c', 'printf "$(idp autocomplete script bash)" >> ~/.bashrc'], {cwd: emptyDir, env: cleanEnv()})
      assert.equal(profile.status, 0, profile.stderr)
      const script = [
        COMPLETE_WORDS_PRELUDE,
        'complete -p idp',
        "complete_words idp d",
        "complete_words idp db create --size ''",
      ].join('\n')
      const result = runProcess(bash, ['--norc', '--noprofile', '-c', script], {cwd: emptyDir, env: cleanEnv()})
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.deepEqual(result.stdout.split('\n'), ['complete -F _idp_autocomplete idp', 'db doctor', 'small medium large', ''])
    })

    it('FC27: loads TypeScript configuration without the compiler', () => {
      const project = join(work.path, 'project-ts')
      mkdirSync(project)
      writeFileSync(join(project, 'package.json'), '{"name": "project", "type": "module"}\n')
      writeFileSync(join(project, '.idprc.ts'), "const team: string = 'payments'\nexport default {user: {team}}\n")
      const result = idp(['db', 'create', '--dry-run', '--yes', '--name', 'orders-db', '--json'], {cwd: project})
      assert.equal(result.status, 0, result.stderr)
      assert.equal(JSON.parse(result.stdout).inputs.team, 'payments')

      // A CommonJS TypeScript file is never found by the search, but --config may name one.
      writeFileSync(join(project, 'team.cts'), "const team: string = 'platform'\nmodule.exports = {user: {team}}\n")
      const named = idp(['db', 'create', '--dry-run', '--yes', '--name', 'orders-db', '--json', '--config', 'team.cts'], {cwd: project})
      assert.equal(named.status, 0, named.stderr)
      assert.equal(JSON.parse(named.stdout).inputs.team, 'platform')
    })

    it('FC27: reports a syntax error in .idprc.ts with its position', () => {
      const project = join(work.path, 'project-ts-broken')
      mkdirSync(project)
      writeFileSync(join(project, 'package.json'), '{"name": "project", "type": "module"}\n')
      const config = join(project, '.idprc.ts')
      writeFileSync(config, 'export default {user: {team: }}\n')
      const result = idp(['db', 'create', '--dry-run', '--yes', '--name', 'orders-db', '--json'], {cwd: project})
      assert.equal(result.status, 2, result.stderr)
      const {error} = JSON.parse(result.stdout)
      assert.equal(error.code, 'CONFIG_INVALID')
      assert.deepEqual(error.problems.map(({file, line, column}: {file: string; line: number; column: number}) => ({file, line, column})), [{file: config, line: 1, column: 30}])
    })

    it('prints no TypeScript warning under NODE_ENV=development', () => {
      for (const nodeEnv of ['development', 'test']) {
        const result = idp(['db', 'create', '--help'], {env: {NODE_ENV: nodeEnv}})
        assert.equal(result.status, 0, nodeEnv)
        assert.equal(result.stderr, '', nodeEnv)
      }
    })

    it('warns below the Node.js version in engines', () => {
      // bin/run.js parses only this form of the range.
      assert.match(packageJson.engines.node, /^>=\d+\.\d+$/)
      const [major, minor] = packageJson.engines.node.slice(2).split('.')
      assert.ok(readFileSync(join(root, 'README.md'), 'utf8').includes(`Node.js ${major}.${minor} or later`), 'README states another Node.js version than engines')

      // A copy of the installed bin/run.js whose package.json requires the next major version.
      const newer = join(work.path, 'newer-engines')
      mkdirSync(join(newer, 'bin'), {recursive: true})
      copyFileSync(join(installed, 'bin', 'run.js'), join(newer, 'bin', 'run.js'))
      symlinkSync(join(installed, 'dist'), join(newer, 'dist'))
      const next = Number(process.versions.node.split('.')[0]) + 1
      writeFileSync(join(newer, 'package.json'), JSON.stringify({...packageJson, engines: {node: `>=${next}.0`}}))
      const result = runProcess(process.execPath, [join(newer, 'bin', 'run.js'), 'actions', 'list'], {cwd: emptyDir, env: cleanEnv()})
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stderr, new RegExp(`Warning: idp needs Node\\.js ${next}\\.0 or later; this is ${process.versions.node.replaceAll('.', '\\.')}\\.`))

      assert.equal(idp(['actions', 'list']).stderr, '', 'the supported version warns')
    })
  })
})
