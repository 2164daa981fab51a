import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {cpSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'

import {binPath, resultOf, runCli, runCliAsync, sandboxEnv, type CliResult} from './support/cli.js'
import {exampleRepositoryFiles} from './support/example-repository.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bundledPolicy = readFileSync(join(root, 'policies', 'approval-policy.yaml'), 'utf8')
const bundledCases = readFileSync(join(root, 'policies', 'approval-policy.tests.yaml'), 'utf8')

// The run id and pull request number the examples are written with; the test replaces them
// with those of a request it submits first.
const EXAMPLE_RUN_ID = '20261204-203015-3f9a1c'
const EXAMPLE_RUN_PREFIX = '20261204-2030'
const EXAMPLE_PULL_REQUEST = /(?<=#|pull\/|verify )42\b/g

// An example that exits with another code than 0 when a script runs it states the code in its
// description, in brackets: "(exit 2)" or "(exit 8 while approval is missing)".
const DOCUMENTED_EXIT = /\(exit (\d+)\b/

const REQUESTER_TOKEN = 'ghp_requestertoken0123456789'
const APPROVER_TOKEN = 'ghp_approvertoken0123456789'

// Where an example's user differs from the requester in a configured repository: an approver
// has a token of their own, and `idp init` starts in a repository without configuration.
const SETUP_BY_COMMAND: Record<string, {approver?: boolean; unconfigured?: boolean}> = {
  approve: {approver: true},
  init: {unconfigured: true},
}

/** One example of one command, as oclif stores it. */
interface Example {
  commandId: string
  command: string
  description?: string
}

async function readExamples(): Promise<Example[]> {
  const config = await Config.load(root)
  return config.commands.flatMap((command) =>
    (command.examples ?? []).map((example) =>
      typeof example === 'string' ? {commandId: command.id, command: example} : {commandId: command.id, command: example.command, description: example.description},
    ),
  )
}

/** Runs a shell command line to completion, with stdin closed, as a script in CI would. */
function runShell(commandLine: string, options: {cwd: string; env: NodeJS.ProcessEnv}): Promise<CliResult> {
  return resultOf(spawn('/bin/sh', ['-c', commandLine], {cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe']}))
}

// Read before the tests are defined, so that each example becomes a test of its own.
const examples = await readExamples()

describe('help', () => {
  let home: TempDir
  beforeEach(() => {
    home = tempDir('help')
  })
  afterEach(() => home.cleanup())

  it('gives every command an example', async () => {
    const config = await Config.load(root)
    // Hidden commands (`autocomplete script`, which the completion setup calls) are not for people.
    const without = config.commands.filter((command) => !command.hidden && (command.examples ?? []).length === 0).map((command) => command.id)
    assert.deepEqual(without, [])
    assert.ok(examples.length >= 30, `only ${examples.length} examples`)
  })

  it('shows the monthly price of each value', () => {
    const result = runCli(['db', 'create', '--help'], {cwd: root, env: sandboxEnv(home.path)})
    assert.equal(result.status, 0, result.stderr)
    const help = result.stdout.replaceAll(/\s+/g, ' ')
    assert.ok(
      help.includes('Values: small (Small: 2 vCPU, 8 GB, $50/month), medium (Medium: 4 vCPU, 16 GB, $150/month), large (Large: 8 vCPU, 32 GB, $400/month).'),
      result.stdout,
    )
    assert.ok(help.includes('which doubles the price. Default: small.'), result.stdout)
    assert.ok(help.includes('--branch=<name> Branch to propose the change on. Default: idp/db-create/<name>-<environment>.'), result.stdout)
  })

  it('lists the exit codes on the root page', () => {
    const result = runCli(['--help'], {cwd: root, env: sandboxEnv(home.path)})
    assert.equal(result.status, 0, result.stderr)
    const codes = result.stdout.slice(result.stdout.indexOf('EXIT CODES')).split('\n').slice(1).filter(Boolean)
    assert.deepEqual(
      codes.map((line) => line.trim().split(/\s+/)[0]),
      ['0', '1', '2', '3', '4', '8', '130'],
    )
  })
})

describe('examples in the help', function () {
  this.timeout(60_000)
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let runId: string
  let pullRequest: number

  const cwd = () => join(dir.path, 'work')

  // Each example starts from the same state: a new server, folder and submitted request.
  beforeEach(async () => {
    server = await GitHubTestServer.start()
    // The database that the `idp db delete` examples delete.
    const existingDatabase = {'databases/dev/legacy-db/main.tf': 'module "database" {}\n'}
    server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles(existingDatabase)})
    for (const team of ['team-leads', 'finance', 'security']) server.addTeam('acme', team)
    server.addTeamMember('acme', 'team-leads', 'lead')
    server.addToken(REQUESTER_TOKEN, {login: 'octocat'})
    server.addToken(APPROVER_TOKEN, {login: 'lead'})

    dir = tempDir('examples')
    dir.write('work/.git/HEAD', '')
    dir.write('unconfigured/.git/HEAD', '')
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    dir.write('work/request.yaml', 'name: orders-db\nteam: payments\n')
    dir.write('work/db-create-request.yaml', 'name: orders-db\nteam: payments\n')
    dir.write('work/db-delete-request.yaml', 'name: legacy-db\nenvironment: dev\n')
    dir.write('work/namespace-create-request.yaml', 'name: orders\nteam: payments\n')
    dir.write('work/bucket-create-request.yaml', 'name: invoices\nteam: payments\n')
    dir.write('work/access-grant-request.yaml', 'principal: payments\nresource: database/orders-db\nreason: Read the order history\n')
    dir.write('work/approval-policy.yaml', bundledPolicy)
    dir.write('work/.idp/approval-policy.yaml', bundledPolicy)
    dir.write('work/.idp/approval-policy.tests.yaml', bundledCases)
    dir.write('work/cases/db-create.yaml', `policy: ../approval-policy.yaml\n${bundledCases}`)
    // A platform team's own catalog folder: an action of its own, which `actions validate catalog` checks.
    cpSync(join(root, 'action-manifests', 'db-create'), join(dir.path, 'work', 'catalog', 'db-create'), {recursive: true})
    const ownAction = readFileSync(join(root, 'action-manifests', 'db-create.yaml'), 'utf8').replace('name: db-create', 'name: analytics-db-create').replace('command: db create', 'command: analytics db create')
    dir.write('work/catalog/analytics-db-create.yaml', ownAction)
    // `idp` on the PATH runs the built CLI, as after `npm install --global`.
    dir.write('bin/idp', `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(binPath)} "$@"\n`, 0o755)
    env = sandboxEnv(join(dir.path, 'home'), {
      PATH: `${join(dir.path, 'bin')}:${process.env.PATH}`,
      GH_TOKEN: REQUESTER_TOKEN,
      GITHUB_API_URL: server.url,
      IDP_GITHUB_RETRY_BASE_MS: '1',
      IDP_WAIT_INTERVAL_MS: '10',
      IDP_WAIT_TIMEOUT_MS: '2000',
    })

    // A request that needs approval gives the run and pull request the examples refer to.
    const submitted = await runCliAsync(['db', 'create', '--name', 'orders-db', '--environment', 'production', '--size', 'small', '--team', 'payments', '--yes', '--json'], {cwd: cwd(), env})
    assert.equal(submitted.status, 0, submitted.stderr)
    const document = JSON.parse(submitted.stdout)
    runId = document.runId
    pullRequest = document.pullRequest.number
    dir.write('work/event.json', JSON.stringify({action: 'opened', number: pullRequest, pull_request: {number: pullRequest}}))
    assert.equal(readdirSync(join(dir.path, 'home', '.local', 'state', 'idp', 'runs')).length, 1)
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  /** Turns an example into a command line for this test's folder, server, run and pull request. */
  function commandLine(example: Example): string {
    return example.command
      .replaceAll('<%= config.bin %>', 'idp')
      .replaceAll(EXAMPLE_RUN_ID, runId)
      .replaceAll(EXAMPLE_RUN_PREFIX, runId.slice(0, EXAMPLE_RUN_PREFIX.length))
      .replaceAll('https://github.com/', `${server.url}/`)
      .replaceAll(EXAMPLE_PULL_REQUEST, String(pullRequest))
  }

  for (const example of examples) {
    const expected = Number(DOCUMENTED_EXIT.exec(example.description ?? '')?.[1] ?? 0)
    it(`${example.command.replace('<%= config.bin %>', 'idp')} exits ${expected}`, async () => {
      const line = commandLine(example)
      const setup = SETUP_BY_COMMAND[example.commandId] ?? {}
      const result = await runShell(line, {
        cwd: setup.unconfigured ? join(dir.path, 'unconfigured') : cwd(),
        env: setup.approver ? {...env, GH_TOKEN: APPROVER_TOKEN} : env,
      })
      assert.equal(result.status, expected, `${line}\n${result.stdout}\n${result.stderr}`)
      assert.doesNotMatch(result.stdout + result.stderr, /ghp_\w+token/, 'no token is printed')
    })
  }
})
