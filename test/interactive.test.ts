import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import {join, relative} from 'node:path'

import {git, sandboxEnv} from './support/cli.js'
import {KEYS, type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

const NAME_RULE = 'lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter, with no trailing or double hyphen'
const SIZE_CHOICES = ['Small: 2 vCPU, 8 GB, $50/month', 'Medium: 4 vCPU, 16 GB, $150/month', 'Large: 8 vCPU, 32 GB, $400/month']
const ALL_FLAGS = ['--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments', '--yes']

// Matches any escape sequence, spinner frame (ora's "dots" frames are braille characters) or a
// carriage return that is not part of the CR LF line end the terminal driver writes.
const ESCAPE = /\u001B/
const SPINNER_FRAME = /[\u2800-\u28FF]/
const LONE_CARRIAGE_RETURN = /\r(?!\n)/

/** Lists every file below `root`, as sorted paths relative to it. */
function listFiles(root: string): string[] {
  const entries = readdirSync(root, {recursive: true, withFileTypes: true})
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()
}

describe('idp db create in a terminal', () => {
  let dir: TempDir
  let home: string
  let session: PtySession | undefined

  beforeEach(() => {
    dir = tempDir('interactive')
    home = join(dir.path, 'home')
    dir.write('home/.config/idp/config.yaml', 'user:\n  team: payments\n')
    // A .git folder ends the project configuration search at the working folder.
    dir.write('work/.git/HEAD', '')
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    dir.cleanup()
  })

  const repository = () => join(home, '.local', 'share', 'idp', 'infrastructure')

  function start(args: string[], extra: Record<string, string | undefined> = {}): PtySession {
    const env = sandboxEnv(home, {TERM: 'xterm-256color', ...extra})
    // Inquirer breaks lines at the terminal width, so 200 columns keep every message on one line.
    session = spawnCli(args, {cwd: join(dir.path, 'work'), env, columns: 200})
    return session
  }

  /** Types a database name and waits until the environment list is shown. */
  async function enterName(cli: PtySession, name: string): Promise<void> {
    await cli.expect('? Database name')
    cli.press(`${name}${KEYS.enter}`)
    await cli.expect(`✔ Database name ${name}`)
    await cli.expect('  Production')
    // The key hint ends the frame; marks taken before it arrives would count it as later output.
    await cli.expect('⏎ select')
  }

  /** Accepts the team default, confirms the plan, and returns the exit code. */
  async function acceptTeamAndSubmit(cli: PtySession): Promise<number> {
    await cli.expect('? Owning team (payments)')
    cli.press(KEYS.enter)
    await cli.expect('✔ Owning team payments')
    await cli.expect('? Submit this request? (Y/n)')
    cli.press(KEYS.enter)
    return (await cli.waitForExit()).exitCode
  }

  it('submits with the defaults', async () => {
    const cli = start(['db', 'create'])
    await enterName(cli, 'orders-db')
    cli.press(KEYS.enter)
    await cli.expect('✔ Environment Development')
    for (const choice of SIZE_CHOICES) await cli.expect(choice)
    cli.press(KEYS.enter)
    await cli.expect('✔ Size Small: 2 vCPU, 8 GB')
    const exitCode = await acceptTeamAndSubmit(cli)

    assert.equal(exitCode, 0, cli.screen)
    assert.match(cli.screen, /^❯ Small: 2 vCPU, 8 GB, \$50\/month$/m)
    assert.match(cli.screen, /^Estimated cost: \$50\/month \(USD\)$/m)
    assert.match(cli.screen, /^Approval: auto-approved$/m)
    assert.match(cli.screen, /^ {2}\+ databases\/dev\/orders-db\/main\.tf \(added\)$/m)
    assert.match(cli.screen, /^Branch: idp\/db-create\/orders-db-dev \(commit [0-9a-f]{12}\)/m)
    assert.equal(git(repository(), ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev')
    const mainTf = git(repository(), ['show', 'idp/db-create/orders-db-dev:databases/dev/orders-db/main.tf'])
    assert.match(mainTf, /^ {2}identifier {5}= "orders-db"$/m)
  })

  it('picks a size with the arrow key', async () => {
    const cli = start(['db', 'create'])
    await enterName(cli, 'orders-db')
    cli.press(KEYS.enter)
    await cli.expect(SIZE_CHOICES[2])
    cli.press(KEYS.down)
    await cli.expect(`❯ ${SIZE_CHOICES[1]}`)
    cli.press(KEYS.enter)
    await cli.expect('✔ Size Medium: 4 vCPU, 16 GB')
    const exitCode = await acceptTeamAndSubmit(cli)

    assert.equal(exitCode, 0, cli.screen)
    assert.match(cli.screen, /^Estimated cost: \$150\/month \(USD\)$/m)
    assert.match(cli.screen, /^Approval: needs approval: 1 from @team-leads$/m)
    assert.equal(git(repository(), ['log', '-1', '--format=%s', 'idp/db-create/orders-db-dev']), 'Create PostgreSQL database orders-db (dev, medium)')
  })

  it('starts the size list on the default', async () => {
    const cli = start(['db', 'create'])
    await enterName(cli, 'orders-db')
    cli.press(KEYS.down + KEYS.down)
    await cli.expect('❯ Production')
    cli.press(KEYS.enter)
    await cli.expect('✔ Environment Production')
    await cli.expect('❯ Small: 2 vCPU, 8 GB, $100/month\n  Medium: 4 vCPU, 16 GB, $300/month\n  Large: 8 vCPU, 32 GB, $800/month\n')
    cli.press(KEYS.enter)
    await cli.expect('✔ Size Small: 2 vCPU, 8 GB\n')
    const exitCode = await acceptTeamAndSubmit(cli)

    assert.equal(exitCode, 0, cli.screen)
    assert.match(cli.screen, /^Estimated cost: \$100\/month \(USD\)$/m)
    assert.equal(git(repository(), ['log', '-1', '--format=%s', 'idp/db-create/orders-db-production']), 'Create PostgreSQL database orders-db (production, small)')
  })

  it('starts a select on a default that is not first', async () => {
    // The bundled manifest's defaults are all first choices, so a select that ignored its
    // default would still pass the test above. Here the default is the second region.
    dir.write('catalog/cache-create/main.tf', 'region = ${{ inputs.region }}\n')
    dir.write(
      'catalog/cache-create.yaml',
      [
        'apiVersion: idp.dev/v1',
        'kind: Action',
        'metadata: {name: cache-create, title: Cache}',
        'spec:',
        '  command: cache create',
        '  inputs:',
        '    type: object',
        '    required: [name, region]',
        '    properties:',
        '      name: {type: string, title: Cache name}',
        '      region: {type: string, title: Region, enum: [eu-west-1, us-east-1, ap-south-1], default: us-east-1}',
        '  steps:',
        '    - {id: render, name: Render, action: template:render, with: {source: cache-create, target: "caches/${{ inputs.name }}"}}',
        '    - {id: publish, name: Publish, action: publish:pull-request, with: {branch: "idp/cache-create/${{ inputs.name }}", title: "Create cache ${{ inputs.name }}"}}',
        '',
      ].join('\n'),
    )
    dir.write('home/.config/idp/config.yaml', `catalog: [${JSON.stringify(join(dir.path, 'catalog'))}]\n`)

    const cli = start(['cache', 'create', '--name', 'sessions'])
    await cli.expect('? Region')
    await cli.expect('  eu-west-1\n❯ us-east-1\n  ap-south-1\n')
    cli.press(KEYS.enter)
    await cli.expect('✔ Region us-east-1\n')
    await cli.expect('? Submit this request? (Y/n)')
    cli.press(KEYS.enter)

    assert.equal((await cli.waitForExit()).exitCode, 0, cli.screen)
    assert.equal(git(repository(), ['show', 'idp/cache-create/sessions:caches/sessions/main.tf']), 'region = "us-east-1"')
  })

  it('validates the name before moving on', async () => {
    const cli = start(['db', 'create'])
    await cli.expect('? Database name')
    cli.press(`Bad_Name${KEYS.enter}`)
    await cli.expect(`> "Bad_Name" is not a valid Database name: ${NAME_RULE}`)

    assert.ok(!cli.screen.includes('Environment'), `the environment prompt appeared after an invalid name:\n${cli.screen}`)

    cli.press(KEYS.backspace.repeat('Bad_Name'.length))
    cli.press(`bad-name${KEYS.enter}`)
    await cli.expect('✔ Database name bad-name\n')
    await cli.expect('? Environment')
  })

  it('exits 130 on Ctrl-C', async () => {
    const cli = start(['db', 'create'])
    await enterName(cli, 'orders-db')
    const beforeCancel = cli.mark()
    cli.press(KEYS.ctrlC)
    const {exitCode} = await cli.waitForExit()

    assert.equal(exitCode, 130, cli.screen)
    assert.equal(cli.since(beforeCancel).trim(), 'Error: Cancelled; nothing was written.')
    assert.doesNotMatch(cli.screen, /^\s+at /m, 'no stack trace')
    assert.ok(!existsSync(repository()), 'no repository was created')
    assert.ok(!existsSync(join(home, '.local', 'state', 'idp')), 'no journal folder was created')
    assert.deepEqual(listFiles(home), ['.config/idp/config.yaml'])
  })

  it('writes nothing when the answer is no', async () => {
    const cli = start(['db', 'create', '--name', 'orders-db', '--environment', 'dev', '--size', 'small'])
    await cli.expect('? Owning team (payments)')
    cli.press(KEYS.enter)
    await cli.expect('? Submit this request? (Y/n)')
    cli.press('n')
    await cli.expect('? Submit this request? (Y/n) n')
    cli.press(KEYS.enter)
    const {exitCode} = await cli.waitForExit()

    assert.equal(exitCode, 130, cli.screen)
    assert.match(cli.screen, /^✔ Submit this request\? No$/m)
    assert.match(cli.screen, /^Error: Not submitted; nothing was written\.$/m)
    assert.ok(!existsSync(repository()), 'no repository was created')
    assert.ok(!existsSync(join(home, '.local', 'state', 'idp')), 'no journal folder was created')
    assert.deepEqual(listFiles(home), ['.config/idp/config.yaml'])
  })

  for (const [label, variables] of [
    ['CI', {CI: 'true'}],
    ['TERM=dumb', {TERM: 'dumb'}],
  ] as const) {
    it(`reports a missing --name under ${label}`, async () => {
      const cli = start(['db', 'create'], {...variables})
      const {exitCode} = await cli.waitForExit()

      assert.equal(exitCode, 2, cli.screen)
      assert.doesNotMatch(cli.screen, /^\? /m, 'no prompt')
      assert.match(cli.screen, /^Error: Missing required input: --name$/m)
      assert.match(cli.screen, /^ {2}--name: Database name is required/m)
    })
  }

  it('prints no colour under TERM=dumb', async () => {
    const cli = start(['db', 'create', ...ALL_FLAGS], {TERM: 'dumb'})
    const {exitCode} = await cli.waitForExit()

    assert.equal(exitCode, 0, cli.screen)
    assert.doesNotMatch(cli.raw, ESCAPE, JSON.stringify(cli.raw))
  })

  const plainTerminals: Array<[string, Record<string, string>]> = [
    ['CI=true', {CI: 'true'}],
    ['TERM=dumb', {TERM: 'dumb'}],
  ]
  for (const [label, variables] of plainTerminals) {
    describe(`with ${label}`, () => {
      it('prints one line per step state', async () => {
        const cli = start(['db', 'create', ...ALL_FLAGS], variables)
        const {exitCode} = await cli.waitForExit()

        assert.equal(exitCode, 0, cli.screen)
        assert.doesNotMatch(cli.raw, SPINNER_FRAME)
        assert.doesNotMatch(cli.raw, LONE_CARRIAGE_RETURN)
        const steps = cli.screen.split('\n').filter((line) => /^[✔✖…]/.test(line))
        assert.equal(steps.length, 2, cli.screen)
        assert.match(steps[0], /^✔ Committed [0-9a-f]{12}$/)
        assert.equal(steps[1], '✔ Created branch idp/db-create/orders-db-dev')
        assert.equal(git(repository(), ['branch', '--list', 'idp/*', '--format=%(refname:short)']), 'idp/db-create/orders-db-dev')
      })

      it('prints no escape codes with NO_COLOR', async () => {
        const cli = start(['db', 'create', ...ALL_FLAGS], {...variables, NO_COLOR: '1'})
        const {exitCode} = await cli.waitForExit()

        assert.equal(exitCode, 0, cli.screen)
        assert.match(cli.raw, /^✔ Created branch idp\/db-create\/orders-db-dev\r$/m)
        assert.doesNotMatch(cli.raw, ESCAPE, JSON.stringify(cli.raw))
      })
    })
  }
})
