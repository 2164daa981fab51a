import assert from 'node:assert/strict'
import {join} from 'node:path'

import {sandboxEnv} from './support/cli.js'
import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import {KEYS, spawnCli, type PtySession} from './support/pty.js'
import {renderScreen} from './support/screen.js'
import {runWithStreams, type StreamSetup} from './support/streams.js'
import {tempDir, type TempDir} from './support/temp.js'

const REQUEST = ['db', 'create', '--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments', '--yes']

// SGR sequences set colours and styles; any other escape sequence starts with ESC too.
const COLOUR = /\u001B\[[0-9;]*m/
const ESCAPE = /\u001B/
// ora's default "dots" spinner draws braille characters.
const SPINNER_FRAME = /[\u2800-\u28FF]/
// A carriage return that does not end a line redraws it.
const LONE_CARRIAGE_RETURN = /\r(?!\n)/
const ANY_CARRIAGE_RETURN = /\r/

/** What one setting of the environment must produce on each stream. */
interface Expected {
  /** Colour on a stream that is a terminal. */
  colourOnTerminal: boolean
  /** Colour on a stream that is a file or a pipe. */
  colourOffTerminal: boolean
  /** Spinner frames on stderr when it is a terminal. */
  spinner: boolean
}

// TERM=xterm-256color unless the setting replaces it. chalk (its supports-color rules) gives a
// plain CI=true no colour, even on a terminal. GITHUB_ACTIONS=true without CI is not taken for
// CI there, so TERM decides.
const SETTINGS: Array<[string, Record<string, string>, Expected]> = [
  ['no variable', {}, {colourOnTerminal: true, colourOffTerminal: false, spinner: true}],
  ['NO_COLOR=1', {NO_COLOR: '1'}, {colourOnTerminal: false, colourOffTerminal: false, spinner: true}],
  ['FORCE_COLOR=0', {FORCE_COLOR: '0'}, {colourOnTerminal: false, colourOffTerminal: false, spinner: true}],
  ['FORCE_COLOR=1', {FORCE_COLOR: '1'}, {colourOnTerminal: true, colourOffTerminal: true, spinner: true}],
  ['FORCE_COLOR=3', {FORCE_COLOR: '3'}, {colourOnTerminal: true, colourOffTerminal: true, spinner: true}],
  ['NO_COLOR=1 FORCE_COLOR=3', {NO_COLOR: '1', FORCE_COLOR: '3'}, {colourOnTerminal: false, colourOffTerminal: false, spinner: true}],
  ['TERM=dumb', {TERM: 'dumb'}, {colourOnTerminal: false, colourOffTerminal: false, spinner: false}],
  ['CI=true', {CI: 'true'}, {colourOnTerminal: false, colourOffTerminal: false, spinner: false}],
  ['GITHUB_ACTIONS=true', {GITHUB_ACTIONS: 'true'}, {colourOnTerminal: true, colourOffTerminal: false, spinner: false}],
]

const SETUPS: Array<[string, StreamSetup]> = [
  ['both streams terminals', {stdoutTty: true, stderrTty: true}],
  ['stdout piped', {stdoutTty: false, stderrTty: true}],
  ['stderr piped', {stdoutTty: true, stderrTty: false}],
  ['both streams piped', {stdoutTty: false, stderrTty: false}],
]

const stripEscapes = (text: string) => text.replaceAll(/\u001B\[[0-?]*[ -/]*[@-~]/g, '')

describe('colour and spinners on each stream (FC20, FC21)', function () {
  this.timeout(60_000)
  let dir: TempDir

  beforeEach(() => {
    dir = tempDir('streams')
    dir.write('work/.git/HEAD', '')
  })
  afterEach(() => dir.cleanup())

  for (const [settingLabel, variables, expected] of SETTINGS) {
    for (const [setupLabel, setup] of SETUPS) {
      it(`${settingLabel}, ${setupLabel}`, async () => {
        const env = sandboxEnv(join(dir.path, 'home'), {TERM: 'xterm-256color', ...variables})
        const result = await runWithStreams(REQUEST, {...setup, cwd: join(dir.path, 'work'), env, scratch: dir.path})
        assert.equal(result.status, 0, result.stderr)

        assertStream('stdout', result.stdout, setup.stdoutTty, expected, false)
        assertStream('stderr', result.stderr, setup.stderrTty, expected, setup.stderrTty && expected.spinner)
        assert.match(stripEscapes(result.stdout), /^Branch: idp\/db-create\/orders-db-dev \(commit [0-9a-f]{12}\)/m)
        assert.doesNotMatch(stripEscapes(result.stdout), /Committed|Approval:/, 'progress and plan stay off stdout')
      })
    }
  }
})

describe('progress of a GitHub run', function () {
  this.timeout(60_000)
  let sandbox: GitHubSandbox
  let session: PtySession | undefined

  beforeEach(async () => {
    sandbox = await startGitHubSandbox('streams-github')
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    await sandbox.stop()
  })

  /** Runs the request in a pseudo-terminal and returns the session once the CLI exits. */
  async function runInTerminal(variables: Record<string, string>, commitDelayMs: number): Promise<PtySession> {
    if (commitDelayMs > 0) sandbox.server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/commits', delayMs: commitDelayMs})
    session = spawnCli(REQUEST, {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, TERM: 'xterm-256color', ...variables}})
    const {exitCode} = await session.waitForExit(30_000)
    assert.equal(exitCode, 0, session.screen)
    return session
  }

  for (const [label, variables] of [
    ['CI=true', {CI: 'true'}],
    ['TERM=dumb', {TERM: 'dumb'}],
    ['GITHUB_ACTIONS=true', {GITHUB_ACTIONS: 'true'}],
  ] as const) {
    it(`prints the same lines for a slow step under ${label} (FC21)`, async () => {
      const fast = await runInTerminal(variables, 0)
      const fastLines = fast.screen.split('\n')
      await session?.dispose()
      await sandbox.stop()
      sandbox = await startGitHubSandbox('streams-github')
      const slow = await runInTerminal(variables, 1500)
      const slowLines = slow.screen.split('\n')

      assert.doesNotMatch(slow.raw, SPINNER_FRAME, slow.raw)
      assert.doesNotMatch(slow.raw, LONE_CARRIAGE_RETURN)
      assert.equal(slowLines.length, fastLines.length, `fast:\n${fast.screen}\nslow:\n${slow.screen}`)
      const steps = slowLines.filter((line) => /^[✔✖…]/.test(line))
      assert.deepEqual(
        steps.map((line) => line.replaceAll(/[0-9a-f]{12}/g, '<sha>').replace(/http:\/\/127\.0\.0\.1:\d+\/acme\/infrastructure\/pull\/1$/, '<url>')),
        ['✔ Read acme/infrastructure at main <sha>', '✔ Committed <sha>', '✔ Created branch idp/db-create/orders-db-dev', '✔ Opened pull request #1: <url>', '✔ Added labels idp, idp:auto-approved'],
      )
    })
  }

  it('writes the pull request link to a piped stdout (FC20)', async () => {
    const result = await sandbox.run(REQUEST)
    assert.equal(result.status, 0, result.stderr)

    assert.match(result.stdout, /^Pull request: http:\/\/127\.0\.0\.1:\d+\/acme\/infrastructure\/pull\/1$/m)
    assert.doesNotMatch(result.stdout, ESCAPE)
    assert.doesNotMatch(result.stdout, ANY_CARRIAGE_RETURN)
    assert.doesNotMatch(result.stderr, ESCAPE)
    assert.doesNotMatch(result.stderr, ANY_CARRIAGE_RETURN)
    assert.doesNotMatch(result.stderr, SPINNER_FRAME)
    assert.equal(result.stderr.split('\n').filter((line) => /^[✔✖…]/.test(line)).length, 5, result.stderr)
  })

  it('reports a failed step as plain lines when piped (FC20)', async () => {
    sandbox.server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/commits', status: 500, times: 10})
    const result = await sandbox.run(REQUEST)
    assert.equal(result.status, 1, result.stderr)

    assert.equal(result.stdout, '')
    assert.doesNotMatch(result.stderr, ESCAPE)
    assert.doesNotMatch(result.stderr, ANY_CARRIAGE_RETURN)
    assert.doesNotMatch(result.stderr, SPINNER_FRAME)
    assert.match(result.stderr, /^✖ Committing 2 files on top of main: failed$/m)
    assert.match(result.stderr, /^Error: .*POST \/repos\/acme\/infrastructure\/git\/commits.*500/m)
  })

  it('prints one JSON document on a piped stdout (FC20)', async () => {
    const result = await sandbox.run([...REQUEST, '--json'])
    assert.equal(result.status, 0, result.stderr)

    assert.equal(JSON.parse(result.stdout).pullRequest.number, 1)
    assert.doesNotMatch(result.stdout, ESCAPE)
    assert.doesNotMatch(result.stderr, ESCAPE)
    assert.doesNotMatch(result.stderr, SPINNER_FRAME)
  })

  it('removes colour with NO_COLOR under CI=true (FC21)', async () => {
    const cli = await runInTerminal({CI: 'true', NO_COLOR: '1', FORCE_COLOR: '1'}, 0)
    assert.doesNotMatch(cli.raw, ESCAPE, JSON.stringify(cli.raw))
  })

  it('keeps the Ctrl-C warning on screen while a step spins (FC22)', async () => {
    sandbox.server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/commits', delayMs: 1500})
    const cli = spawnCli(REQUEST, {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, TERM: 'xterm-256color'}})
    session = cli
    await cli.expect('Committing')
    cli.press(KEYS.ctrlC)
    const {exitCode} = await cli.waitForExit(30_000)

    const warning = '! Stopping after the current step; press Ctrl-C again to quit at once.'
    const screen = await renderScreen(cli.raw)
    assert.equal(exitCode, 130, screen.join('\n'))
    assert.equal(screen.filter((line) => line === warning).length, 1, screen.join('\n'))
    const warningIndex = screen.indexOf(warning)
    assert.match(screen[warningIndex + 1], /^✔ Committed [0-9a-f]{12}$/, screen.join('\n'))
    assert.match(cli.raw, SPINNER_FRAME, 'the step was spinning')
  })
})

/** Checks colour, escape codes and spinner frames on one stream. */
function assertStream(name: string, text: string, isTerminal: boolean, expected: Expected, spinner: boolean): void {
  const colour = isTerminal ? expected.colourOnTerminal : expected.colourOffTerminal
  const shown = `${name}: ${JSON.stringify(text)}`
  if (colour) assert.match(text, COLOUR, `${name} has colour\n${shown}`)
  else assert.doesNotMatch(text, COLOUR, `${name} has no colour\n${shown}`)

  if (spinner) assert.match(text, SPINNER_FRAME, `${name} shows spinner frames\n${shown}`)
  else assert.doesNotMatch(text, SPINNER_FRAME, `${name} shows no spinner frame\n${shown}`)

  if (!colour && !spinner) assert.doesNotMatch(text, ESCAPE, `${name} has no escape code at all\n${shown}`)
  if (!isTerminal) assert.doesNotMatch(text, ANY_CARRIAGE_RETURN, `${name} has no carriage return off a terminal\n${shown}`)
  if (spinner) return

  assert.doesNotMatch(text, LONE_CARRIAGE_RETURN, `${name} redraws no line\n${shown}`)
  if (name !== 'stderr') return
  const steps = stripEscapes(text)
    .split(/\r?\n/)
    .filter((line) => /^[✔✖…]/.test(line))
  assert.equal(steps.length, 2, `one line per step\n${shown}`)
  assert.match(steps[0], /^✔ Committed [0-9a-f]{12}$/)
  assert.equal(steps[1], '✔ Created branch idp/db-create/orders-db-dev')
}
