import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Config} from '@oclif/core'

import {binPath, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

// bin/run.js prints the version before oclif loads and runs everything else from the bundle.
describe('start-up paths', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  beforeEach(() => {
    dir = tempDir('cli-startup')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  it('prints the same version line as oclif', async () => {
    const config = await Config.load(binPath)
    for (const args of [['--version'], ['--version', '--json'], ['--version', 'db']]) {
      const result = runCli(args, {cwd: dir.path, env})
      assert.deepEqual(result, {status: 0, stdout: `${config.userAgent}\n`, stderr: ''}, args.join(' '))
    }
  })

  it('leaves --version after a command to the command', () => {
    const result = runCli(['db', 'create', '--version'], {cwd: dir.path, env})
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: Unknown flag for idp db create: --version\n/)
  })

  it('ships no source maps and no per-module copies of the sources in dist/', () => {
    const dist = join(binPath, '..', '..', 'dist')
    const files = readdirSync(dist)
    assert.ok(files.includes('cli.js'), 'dist/cli.js is the entry point')
    assert.deepEqual(files.filter((file) => !/^(cli|chunk-[A-Z0-9]+)\.js$/.test(file)), ['bundled-catalog.json'])
    assert.match(readFileSync(join(dist, 'cli.js'), 'utf8'), /export\s*\{[^}]*\bCOMMANDS\b/)
  })
})
