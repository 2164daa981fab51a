import assert from 'node:assert/strict'
import {join} from 'node:path'

import {git, sandboxEnv} from './support/cli.js'
import {KEYS, type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

const PAGED_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: cache-request
  title: Cache request
spec:
  owner: group:platform-team
  type: resource
  parameters:
    - title: About the cache
      required: [name, engine]
      properties:
        name: {type: string, title: Cache name}
        engine: {type: string, title: Engine, enum: [redis, memcached], enumNames: [Redis, Memcached], ui:widget: radio}
      dependencies:
        engine:
          oneOf:
            - properties:
                engine: {enum: [redis]}
                persistence: {type: boolean, title: Persistence, default: false}
            - properties:
                engine: {enum: [memcached]}
    - title: Access
      required: [password]
      properties:
        password: {type: string, title: Admin password, ui:widget: password}
  steps:
    - id: publish
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=infrastructure
        branchName: cache-\${{ parameters.name }}
        title: Cache \${{ parameters.name }}
`

describe('Backstage templates in a terminal', () => {
  let dir: TempDir
  let home: string
  let session: PtySession | undefined

  beforeEach(() => {
    dir = tempDir('backstage-interactive')
    home = join(dir.path, 'home')
    dir.write('catalog/cache-request.yaml', PAGED_TEMPLATE)
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `catalog: [${JSON.stringify(join(dir.path, 'catalog'))}]\n`)
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    dir.cleanup()
  })

  it('asks page by page, with conditional inputs and a hidden password', async () => {
    const cli = spawnCli(['run', 'cache-request'], {cwd: join(dir.path, 'work'), env: sandboxEnv(home, {TERM: 'xterm-256color'}), columns: 200})
    session = cli
    await cli.expect('About the cache')
    await cli.expect('? Cache name')
    cli.press(`sessions${KEYS.enter}`)
    await cli.expect('Memcached')
    await cli.expect('⏎ select')
    cli.press(KEYS.enter)
    await cli.expect('? Persistence')
    cli.press(`y${KEYS.enter}`)
    await cli.expect('Access')
    await cli.expect('? Admin password')
    cli.press(`hunter2${KEYS.enter}`)
    await cli.expect('? Submit this request? (Y/n)')
    cli.press(KEYS.enter)
    const {exitCode} = await cli.waitForExit()
    assert.equal(exitCode, 0, cli.screen)
    assert.doesNotMatch(cli.screen, /hunter2/)
    assert.match(cli.screen, /password +\*{8}/)
    const request = git(join(home, '.local', 'share', 'idp', 'infrastructure'), ['show', 'cache-sessions:.idp/requests/cache-request/cache-sessions.yaml'])
    assert.equal(request, '# Requested with idp from the Backstage template cache-request.\ntemplate: "cache-request"\nparameters:\n  "name": "sessions"\n  "engine": "redis"\n  "persistence": true')
  })
})
