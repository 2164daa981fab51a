import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

// oclif renders help texts as EJS templates. Texts from a manifest must be shown as written,
// because a template tag in a catalog's title or description would otherwise run as code.
describe('help texts from manifests', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  beforeEach(() => {
    dir = tempDir('help-render')
    env = sandboxEnv(join(dir.path, 'home'))
    const manifest = readFileSync('action-manifests/db-create.yaml', 'utf8')
      .replace(/^(\s+)name: db-create$/m, '$1name: cache-create')
      .replace(/^(\s+)command: db create$/m, '$1command: cache create')
      .replace(/^(\s+)title: .*$/m, "$1title: \"Cache <%= 6 * 7 %> <%- process.exit(9) %>\"")
    dir.write('work/catalog/cache-create.yaml', manifest)
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'catalog: [./catalog]\n')
  })
  afterEach(() => dir.cleanup())

  it('shows template tags literally', () => {
    for (const args of [['--help'], ['cache', '--help'], ['cache', 'create', '--help']]) {
      const result = runCli(args, {cwd: join(dir.path, 'work'), env})
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`)
      assert.ok(result.stdout.includes('Cache <%= 6 * 7 %> <%- process.exit(9) %>'), `${args.join(' ')}:\n${result.stdout}`)
      assert.ok(!result.stdout.includes('Cache 42'), args.join(' '))
    }
  })

  it('still fills in the command name in usage and examples', () => {
    for (const command of ['db create', 'cache create', 'actions list', 'runs show', 'doctor']) {
      const result = runCli([...command.split(' '), '--help'], {cwd: join(dir.path, 'work'), env})
      assert.equal(result.status, 0, `${command}: ${result.stderr}`)
      assert.match(result.stdout, new RegExp(`^USAGE\n  \\$ idp ${command}( |\n)`, 'm'), command)
      assert.ok(!result.stdout.includes('<%= command.id %>'), command)
      assert.ok(!result.stdout.includes('config.bin'), command)
    }

    const result = runCli(['db', 'create', '--help'], {cwd: join(dir.path, 'work'), env})
    assert.match(result.stdout, /^\s+\$ idp db create --name /m)
  })
})
