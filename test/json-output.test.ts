import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

import {runCli, sandboxEnv} from './support/cli.js'
import {type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

const REQUEST = ['--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments']

describe('--json in a terminal', () => {
  let dir: TempDir
  let home: string
  let session: PtySession | undefined

  beforeEach(() => {
    dir = tempDir('json-terminal')
    home = join(dir.path, 'home')
    // A .git folder ends the configuration search at the working folder.
    dir.write('work/.git/HEAD', '')
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    dir.cleanup()
  })

  const env = () => sandboxEnv(home, {TERM: 'xterm-256color'})

  /** Runs the CLI in a pseudo-terminal and returns its exit code and the one JSON document it printed. */
  async function runInTerminal(args: string[]): Promise<{exitCode: number; document: Record<string, unknown>}> {
    session = spawnCli(args, {cwd: join(dir.path, 'work'), env: env()})
    const {exitCode} = await session.waitForExit()
    // stdout and stderr share the terminal, so the screen must be the document and nothing else.
    return {exitCode, document: JSON.parse(session.screen) as Record<string, unknown>}
  }

  const errorOf = (document: Record<string, unknown>) => document.error as {code: string; message: string; hint: string}

  it('never asks for missing inputs', async () => {
    const {exitCode, document} = await runInTerminal(['db', 'create', '--json'])
    assert.equal(exitCode, 2)
    assert.equal(errorOf(document).code, 'INPUT_MISSING')
    assert.equal(errorOf(document).message, 'Missing required inputs: --name, --team')
    assert.equal(errorOf(document).hint, 'Pass them as flags, for example: idp db create --name <value> --team <value>.')
  })

  it('never asks for confirmation', async () => {
    const {exitCode, document} = await runInTerminal(['run', 'db-create', ...REQUEST, '--json'])
    assert.equal(exitCode, 2)
    assert.equal(errorOf(document).code, 'CONFIRMATION_REQUIRED')
    assert.equal(errorOf(document).message, 'Confirmation needed, and prompting is off (--json was given)')
  })

  it('never asks again in runs edit', async () => {
    const submitted = runCli(['db', 'create', ...REQUEST, '--yes'], {cwd: join(dir.path, 'work'), env: sandboxEnv(home)})
    assert.equal(submitted.status, 0, submitted.stderr)
    const [journal] = readdirSync(join(home, '.local', 'state', 'idp', 'runs')).filter((name) => name.endsWith('.json'))
    const runId = journal.replace(/\.json$/, '')

    const {exitCode, document} = await runInTerminal(['runs', 'edit', runId, '--json'])
    assert.equal(exitCode, 0)
    assert.deepEqual(document, {runId, inputs: {name: 'orders-db', environment: 'dev', size: 'small', team: 'payments'}, nothingToChange: true})
  })

  it('never asks for the team in init', async () => {
    const {exitCode, document} = await runInTerminal(['init', '--json'])
    assert.equal(exitCode, 0)
    assert.equal(document.team, null)
  })
})
