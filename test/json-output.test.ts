import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Ajv} from 'ajv'

import {readCatalog} from '../src/actions/catalog.js'
import {COMMANDS} from '../src/commands.js'
import {type CliResult, git, runCli, runCliAsync, sandboxEnv} from './support/cli.js'
import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import type {GitHubTestServer} from './support/github-server.js'
import {type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

const SCHEMA_DIR = fileURLToPath(new URL('../schemas/output/', import.meta.url))
const SOURCE_DIR = fileURLToPath(new URL('../src/', import.meta.url))
const SCHEMA_BASE = 'https://idp.dev/schemas/output/'
/** Schema files that describe no command's success document. */
const SHARED_SCHEMAS = ['definitions', 'error']

const REQUEST = ['--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments']
const CREATE = ['db', 'create', ...REQUEST]
const PRODUCTION = ['db', 'create', '--name', 'orders-db', '--environment', 'production', '--size', 'small', '--team', 'payments']

const REQUESTER_TOKEN = 'ghp_sandboxtoken'
const LEAD_TOKEN = 'ghp_leadtoken'
const CI_TOKEN = 'ghp_citoken'
/** Tokens of the tests, which no output may contain. */
const TOKENS = [REQUESTER_TOKEN, LEAD_TOKEN, CI_TOKEN]

// A policy that denies production requests and approves the rest.
const FREEZE_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
onError: deny
default:
  effect: auto_approve
  message: Everything else is approved.
rules:
  - id: freeze
    when: environment == "production"
    effect: deny
    message: Production is frozen.
`

const ajv = new Ajv({strict: true, allErrors: true})
for (const file of schemaFiles()) ajv.addSchema(readSchema(file))

function schemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR).filter((file) => file.endsWith('.schema.json'))
}

function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>
}

/** Names the schema of a command's success document: one per fixed command, one shared by every action command. */
function schemaNameOf(commandId: string, actionIds: ReadonlySet<string>): string {
  return actionIds.has(commandId) ? 'action' : commandId.replaceAll(':', '-')
}

/**
 * Checks that stdout is exactly one JSON document as idp prints it, that it matches
 * schemas/output/<name>.schema.json and that it contains no token, and returns it.
 */
function expectDocument<T = Record<string, unknown>>(result: CliResult, name: string): T {
  let document: unknown
  assert.doesNotThrow(() => (document = JSON.parse(result.stdout)), `stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`)
  // JSON.parse allows whitespace around the document, so stdout is compared with idp's own
  // formatting of it, which leaves no room for anything else.
  assert.equal(result.stdout, `${JSON.stringify(document, null, 2)}\n`)
  const validate = ajv.getSchema(`${SCHEMA_BASE}${name}.schema.json`)
  assert.ok(validate, `no schema ${name}.schema.json`)
  assert.ok(validate(document), `stdout does not match ${name}.schema.json:\n${ajv.errorsText(validate.errors, {separator: '\n'})}\n${result.stdout}`)
  for (const token of TOKENS) assert.ok(!result.stdout.includes(token), 'stdout contains a token')
  return document as T
}

interface ErrorDocument {
  error: {code: string; message: string; exitCode: number; problems: unknown[]; hint?: string} & Record<string, unknown>
}

/** Checks that the command failed with one error document of this code and exit code, and returns the error. */
function expectError(result: CliResult, code: string, exitCode: number): ErrorDocument['error'] {
  assert.equal(result.status, exitCode, result.stdout + result.stderr)
  const {error} = expectDocument<ErrorDocument>(result, 'error')
  assert.equal(error.code, code)
  assert.equal(error.exitCode, exitCode)
  return error
}

/** Lists the TypeScript files below src/. */
function sourceFiles(): string[] {
  return readdirSync(SOURCE_DIR, {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(SOURCE_DIR, file))
}

/** Calls `visit` with every subschema below `schema` and its JSON pointer. */
function walkSchema(schema: unknown, pointer: string, visit: (subschema: Record<string, unknown>, pointer: string) => void): void {
  if (typeof schema !== 'object' || schema === null) return
  if (Array.isArray(schema)) {
    for (const [index, item] of schema.entries()) walkSchema(item, `${pointer}/${index}`, visit)
    return
  }

  visit(schema as Record<string, unknown>, pointer)
  for (const [key, value] of Object.entries(schema)) walkSchema(value, `${pointer}/${key}`, visit)
}

describe('JSON output schemas', () => {
  it('exist for every command', () => {
    const actionIds = new Set(readCatalog().entries.map((entry) => entry.command.replaceAll(' ', ':')))
    assert.ok(actionIds.has('db:create'))
    const names = new Set<string>()
    const withoutJson: string[] = []
    for (const [id, command] of Object.entries(COMMANDS)) {
      if (!('json' in {...command.baseFlags, ...command.flags})) {
        withoutJson.push(id)
        continue
      }

      const name = schemaNameOf(id, actionIds)
      assert.ok(existsSync(join(SCHEMA_DIR, `${name}.schema.json`)), `idp ${id.replaceAll(':', ' ')} has no schemas/output/${name}.schema.json`)
      names.add(name)
    }

    // `idp autocomplete` prints setup instructions for a person, and `autocomplete script` one
    // line for a shell profile; neither takes --json.
    assert.deepEqual(withoutJson, ['autocomplete', 'autocomplete:script'])
    const unused = schemaFiles().map((file) => file.replace('.schema.json', '')).filter((name) => !names.has(name) && !SHARED_SCHEMAS.includes(name))
    assert.deepEqual(unused, [], 'schemas of no command')
  })

  it('document every field', () => {
    for (const file of schemaFiles()) {
      const schema = readSchema(file)
      assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#', file)
      assert.equal(schema.$id, `${SCHEMA_BASE}${file}`, file)
      assert.equal(typeof schema.title, 'string', `${file} has no title`)
      assert.equal(typeof schema.description, 'string', `${file} has no description`)
      walkSchema(schema, '', (subschema, pointer) => {
        const properties = (subschema.properties ?? {}) as Record<string, unknown>
        for (const [name, property] of Object.entries(properties)) {
          // `true` only lists a field whose schema sits elsewhere, in a oneOf variant.
          if (property === true) continue
          assert.equal(typeof (property as {description?: unknown}).description, 'string', `${file}#${pointer}/properties/${name} has no description`)
        }
      })
    }
  })

  it('list every error code', () => {
    const definitions = readSchema('definitions.schema.json') as {definitions: {errorCode: {enum: string[]}}}
    const listed = new Set(definitions.definitions.errorCode.enum)
    const missing: string[] = []
    for (const file of sourceFiles()) {
      // `code: 'X'`, `notFoundCode: 'X'` and `code: condition ? 'X' : 'Y'`, up to the next comma.
      for (const [, value] of readFileSync(file, 'utf8').matchAll(/(?:\bcode|[a-z]Code)\s*:([^,}\n]*)/g)) {
        for (const [, code] of value.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) {
          if (!listed.has(code)) missing.push(`${code} (${relative(SOURCE_DIR, file)})`)
        }
      }
    }

    assert.deepEqual(missing, [], 'error codes missing from definitions.schema.json#/definitions/errorCode')
  })

  it('list every error detail', () => {
    const error = readSchema('error.schema.json') as {properties: {error: {properties: Record<string, unknown>}}}
    const listed = new Set(Object.keys(error.properties.error.properties))
    const missing: string[] = []
    for (const file of sourceFiles()) {
      const text = readFileSync(file, 'utf8')
      // `details: {a, b: value}` on one line (possibly behind a condition), and `error.details.a = value`.
      const keys = [...text.matchAll(/\bdetails: (.*)$/gm)].flatMap(([, line]) =>
        [...line.matchAll(/\{([^{}]*)\}/g)].flatMap(([, body]) => body.split(',').map((part) => part.split(':')[0].trim())),
      )
      keys.push(...[...text.matchAll(/\.details\.(\w+) =/g)].map(([, key]) => key))
      for (const key of keys.filter((candidate) => /^\w+$/.test(candidate))) {
        if (!listed.has(key)) missing.push(`${key} (${relative(SOURCE_DIR, file)})`)
      }
    }

    assert.deepEqual(missing, [], 'error details missing from error.schema.json')
  })
})

describe('--json with a local git target', () => {
  let dir: TempDir
  let home: string
  let repository: string
  let env: NodeJS.ProcessEnv

  beforeEach(() => {
    dir = tempDir('json-git')
    home = join(dir.path, 'home')
    repository = join(dir.path, 'infrastructure')
    // A .git folder ends the configuration search at the working folder.
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `target:\n  git:\n    path: ${repository}\n`)
    dir.write('work/freeze.yaml', FREEZE_POLICY)
    env = sandboxEnv(home)
  })

  afterEach(() => dir.cleanup())

  const run = (args: string[], cwd = join(dir.path, 'work')) => runCli(args, {cwd, env})

  /** Submits the dev request and returns its run id. */
  function submit(): string {
    const result = run([...CREATE, '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    return expectDocument<{runId: string}>(result, 'action').runId
  }

  it('prints an action dry run', () => {
    const result = run([...CREATE, '--dry-run', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{dryRun: boolean; decision: {outcome: string}}>(result, 'action')
    assert.equal(document.dryRun, true)
    assert.equal(document.decision.outcome, 'auto_approve')
  })

  it('prints a submitted, then existing request', () => {
    const first = run([...CREATE, '--yes', '--json'])
    assert.equal(first.status, 0, first.stderr)
    const submitted = expectDocument<{runId: string; commit: string; outputs: Record<string, string>}>(first, 'action')
    assert.match(submitted.runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/)
    assert.equal(submitted.outputs.commit, submitted.commit)

    const second = run([...CREATE, '--yes', '--json'])
    assert.equal(second.status, 0, second.stderr)
    const existing = expectDocument<{existing: boolean; commit: string}>(second, 'action')
    assert.equal(existing.existing, true)
    assert.equal(existing.commit, submitted.commit)
  })

  it('prints nothingToChange for merged files', () => {
    submit()
    git(repository, ['merge', '--quiet', '--ff-only', 'idp/db-create/orders-db-dev'])
    git(repository, ['branch', '-D', 'idp/db-create/orders-db-dev'])
    const result = run([...CREATE, '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(expectDocument<{nothingToChange: boolean}>(result, 'action').nothingToChange, true)
  })

  it('prints a deletion and its errors', () => {
    submit()
    git(repository, ['merge', '--quiet', '--ff-only', 'idp/db-create/orders-db-dev'])
    const DELETE = ['db', 'delete', '--name', 'orders-db', '--environment', 'dev']
    const plan = expectDocument<{files: Array<{status: string}>; resources: Array<{change?: string}>}>(run([...DELETE, '--dry-run', '--json']), 'action')
    assert.deepEqual([...new Set(plan.files.map((file) => file.status))], ['deleted'])
    assert.deepEqual([...new Set(plan.resources.map((resource) => resource.change))], ['delete'])
    expectError(run([...DELETE, '--yes', '--json']), 'CONFIRMATION_REQUIRED', 2)
    assert.equal(expectError(run([...DELETE, '--confirm', 'orders', '--yes', '--json']), 'CONFIRMATION_MISMATCH', 2).expected, 'orders-db')
    assert.deepEqual(expectError(run(['db', 'delete', '--name', 'billing-db', '--confirm', 'billing-db', '--yes', '--json']), 'NOTHING_TO_DELETE', 2).paths, ['databases/dev/billing-db'])
    assert.equal(run([...DELETE, '--confirm', 'orders-db', '--yes', '--json']).status, 0)
  })

  it('prints action command errors', () => {
    const missing = expectError(run(['db', 'create', '--json']), 'INPUT_MISSING', 2)
    assert.deepEqual(missing.missing, ['name', 'team'])
    expectError(run(['db', 'create', '--name', 'orders-db', '--size', 'huge', '--json']), 'INPUT_INVALID', 2)
    const unknown = expectError(run([...CREATE, '--nam', 'x', '--json']), 'USAGE_INVALID', 2)
    assert.deepEqual(unknown.unknownFlags, ['--nam'])

    dir.write('work/.idprc.yaml', `policy: freeze.yaml\ntarget:\n  git:\n    path: ${repository}\n`)
    const denied = expectError(run([...PRODUCTION, '--yes', '--json']), 'DENIED', 3)
    assert.equal((denied.decision as {outcome: string}).outcome, 'deny')
  })

  it('prints idp run', () => {
    const result = run(['run', 'db-create', ...REQUEST, '--dry-run', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(expectDocument<{action: string}>(result, 'run').action, 'db-create')
    const unknown = expectError(run(['run', 'db-creat', '--json']), 'ACTION_NOT_FOUND', 2)
    assert.deepEqual(unknown.actions, ['access-grant', 'bucket-create', 'db-create', 'db-delete', 'namespace-create'])
  })

  it('prints runs list', () => {
    assert.deepEqual(expectDocument(run(['runs', 'list', '--json']), 'runs-list'), {runs: []})
    const runId = submit()
    const {runs} = expectDocument<{runs: Array<{runId: string; status: string}>}>(run(['runs', 'list', '--json']), 'runs-list')
    assert.deepEqual(
      runs.map((entry) => [entry.runId, entry.status]),
      [[runId, 'succeeded']],
    )
    expectError(run(['runs', 'list', '--all', '--json']), 'USAGE_INVALID', 2)
  })

  it('prints runs show', () => {
    const runId = submit()
    const result = run(['runs', 'show', runId, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{runId: string; status: string; pullRequestStatus?: unknown}>(result, 'runs-show')
    assert.equal(document.runId, runId)
    assert.equal(document.status, 'succeeded')
    assert.equal(document.pullRequestStatus, undefined)
    expectError(run(['runs', 'show', 'no-such-run', '--json']), 'RUN_NOT_FOUND', 2)
  })

  it('prints runs retry', () => {
    const runId = submit()
    const result = run(['runs', 'retry', runId, '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(expectDocument(result, 'runs-retry'), {runId, status: 'succeeded', retried: false})

    assert.equal(run(['runs', 'cancel', runId, '--json']).status, 0)
    expectError(run(['runs', 'retry', runId, '--json']), 'RUN_CANCELLED', 2)
  })

  it('prints runs edit', () => {
    const runId = submit()
    const same = run(['runs', 'edit', runId, '--json'])
    assert.equal(same.status, 0, same.stderr)
    assert.deepEqual(expectDocument(same, 'runs-edit'), {runId, inputs: {name: 'orders-db', environment: 'dev', size: 'small', team: 'payments'}, nothingToChange: true})

    const edited = run(['runs', 'edit', runId, '--size', 'medium', '--yes', '--json'])
    assert.equal(edited.status, 0, edited.stderr)
    const document = expectDocument<{runId: string; inputs: {size: string}}>(edited, 'runs-edit')
    assert.equal(document.runId, runId)
    assert.equal(document.inputs.size, 'medium')

    expectError(run(['runs', 'edit', runId, '--branch', 'other', '--json']), 'USAGE_INVALID', 2)
  })

  it('prints runs cancel', () => {
    const runId = submit()
    const result = run(['runs', 'cancel', runId, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{actions: string[]}>(result, 'runs-cancel')
    assert.equal(document.actions.length, 1)
    assert.match(document.actions[0], /^Deleted branch idp\/db-create\/orders-db-dev \(was [0-9a-f]{12}\)$/)
    expectError(run(['runs', 'cancel', 'no-such-run', '--json']), 'RUN_NOT_FOUND', 2)
  })

  it('prints runs watch of a local run', () => {
    const runId = submit()
    expectError(run(['runs', 'watch', runId, '--json']), 'WAIT_UNSUPPORTED', 2)
  })

  it('prints actions list', () => {
    const result = run(['actions', 'list', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{actions: Array<{name: string; command: string}>}>(result, 'actions-list')
    assert.deepEqual(document.actions.map((action) => [action.name, action.command]), [
      ['access-grant', 'idp access grant'],
      ['bucket-create', 'idp bucket create'],
      ['db-create', 'idp db create'],
      ['db-delete', 'idp db delete'],
      ['namespace-create', 'idp namespace create'],
    ])
    expectError(run(['actions', 'list', '--config', 'absent.yaml', '--json']), 'CONFIG_NOT_FOUND', 2)
  })

  it('prints actions show', () => {
    const result = run(['actions', 'show', 'db', 'create', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{name: string; inputs: Array<{name: string}>}>(result, 'actions-show')
    assert.equal(document.name, 'db-create')
    assert.deepEqual(document.inputs.map((input) => input.name), ['name', 'environment', 'size', 'team'])
    expectError(run(['actions', 'show', 'no-such-action', '--json']), 'ACTION_NOT_FOUND', 2)
  })

  it('prints policy check and a denial', () => {
    const result = run(['policy', 'check', 'db-create', ...REQUEST, '--explain', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{decision: {outcome: string}; explanations: unknown[]}>(result, 'policy-check')
    assert.equal(document.decision.outcome, 'auto_approve')
    assert.ok(document.explanations.length > 0)

    const denied = run(['policy', 'check', 'db-create', ...PRODUCTION.slice(2), '--policy', 'freeze.yaml', '--json'])
    assert.equal(denied.status, 3, denied.stderr)
    assert.equal(expectDocument<{decision: {outcome: string}}>(denied, 'policy-check').decision.outcome, 'deny')

    expectError(run(['policy', 'check', 'db-create', ...REQUEST, '--policy', 'absent.yaml', '--json']), 'POLICY_NOT_FOUND', 2)
  })

  it('prints policy test and a failure', () => {
    const result = run(['policy', 'test', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(expectDocument<{ok: boolean}>(result, 'policy-test').ok, true)

    dir.write(
      'work/freeze.tests.yaml',
      `apiVersion: idp.dev/v1
kind: ApprovalPolicyTests
cases:
  - name: production is approved
    request: {inputs: {environment: production}}
    expect: {outcome: auto_approve}
`,
    )
    const failing = run(['policy', 'test', 'freeze.tests.yaml', '--json'])
    assert.equal(failing.status, 1, failing.stderr)
    const document = expectDocument<{ok: boolean; failed: number; files: Array<{cases: Array<{diff?: string}>}>}>(failing, 'policy-test')
    assert.equal(document.ok, false)
    assert.equal(document.failed, 1)
    assert.match(document.files[0].cases[0].diff ?? '', /^\+outcome: deny$/m)

    expectError(run(['policy', 'test', 'absent.tests.yaml', '--json']), 'POLICY_TESTS_NOT_FOUND', 2)
  })

  it('prints init and existing files', () => {
    const project = join(dir.path, 'project')
    dir.write('project/.git/HEAD', '')
    const result = run(['init', '--team', 'payments', '--policy', '--json'], project)
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{files: string[]; team: string}>(result, 'init')
    assert.equal(document.files.length, 3)
    assert.equal(document.team, 'payments')

    const again = expectError(run(['init', '--json'], project), 'FILES_EXIST', 2)
    assert.deepEqual(again.files, [join(project, '.idprc.yaml')])
  })

  it('prints doctor', () => {
    const result = run(['doctor', '--json'])
    const document = expectDocument<{ok: boolean; checks: Array<{id: string}>}>(result, 'doctor')
    assert.equal(result.status, document.ok ? 0 : 1)
    assert.deepEqual(
      document.checks.map((check) => check.id),
      ['config', 'catalog', 'target', 'token', 'repository', 'policy', 'policy-tests', 'teams'],
    )
    expectError(run(['doctor', '--verbose', '--json']), 'USAGE_INVALID', 2)
  })

  it('prints GitHub command usage errors', () => {
    expectError(run(['policy', 'verify', '1', '--json']), 'USAGE_INVALID', 2)
    expectError(run(['approvals', 'escalate', '--now', 'tomorrow', '--json']), 'USAGE_INVALID', 2)
    expectError(run(['approve', 'no-such-run', '--json']), 'RUN_NOT_FOUND', 2)
  })

  it('prints unknown commands as errors', () => {
    assert.equal(expectError(run(['db', 'creat', '--json']), 'COMMAND_NOT_FOUND', 2).suggestion, 'db create')
    expectError(run(['help', 'db', '--json']), 'USAGE_INVALID', 2)
  })
})

describe('--json against GitHub', () => {
  let sandbox: GitHubSandbox
  let server: GitHubTestServer

  beforeEach(async () => {
    sandbox = await startGitHubSandbox('json-github', {IDP_WAIT_INTERVAL_MS: '50', IDP_WAIT_TIMEOUT_MS: '2000'})
    server = sandbox.server
    server.addToken(REQUESTER_TOKEN, {login: 'ada'})
    server.addToken(LEAD_TOKEN, {login: 'lead-one'})
    server.addToken(CI_TOKEN, {login: 'idp-bot'})
    for (const team of ['team-leads', 'finance']) server.addTeam('acme', team)
    server.addTeamMember('acme', 'team-leads', 'lead-one')
  })

  afterEach(() => sandbox.stop())

  const runAs = (args: string[], token: string) => runCliAsync(args, {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, GH_TOKEN: token}})

  /** Submits the production request, which needs a team lead, and returns its run id. */
  async function submit(): Promise<string> {
    const result = await runAs([...PRODUCTION, '--yes', '--json'], REQUESTER_TOKEN)
    assert.equal(result.status, 0, result.stderr)
    return expectDocument<{runId: string}>(result, 'action').runId
  }

  it('prints a request with --wait', async () => {
    const result = await runAs([...PRODUCTION, '--yes', '--wait', '--json'], REQUESTER_TOKEN)
    assert.equal(result.status, 8, result.stderr)
    const document = expectDocument<{pullRequest: {number: number}; notified: {sent: string[]}; status: {outcome: string}}>(result, 'action')
    assert.equal(document.pullRequest.number, 1)
    assert.deepEqual(document.notified.sent, [])
    assert.equal(document.status.outcome, 'waiting_for_approval')
    server.assertNoViolations()
  })

  it('prints runs show with pull request state', async () => {
    const runId = await submit()
    const result = await runAs(['runs', 'show', runId, '--json'], REQUESTER_TOKEN)
    assert.equal(result.status, 0, result.stderr)
    const document = expectDocument<{status: string; pullRequestStatus: {outcome: string}}>(result, 'runs-show')
    assert.equal(document.status, 'succeeded')
    assert.equal(document.pullRequestStatus.outcome, 'waiting_for_approval')
  })

  it('prints runs watch until merged', async () => {
    const runId = await submit()
    const waiting = await runAs(['runs', 'watch', runId, '--json'], REQUESTER_TOKEN)
    assert.equal(waiting.status, 8, waiting.stderr)
    assert.equal(expectDocument<{status: {outcome: string}}>(waiting, 'runs-watch').status.outcome, 'waiting_for_approval')

    server.mergePullRequest('acme', 'infrastructure', 1)
    const merged = await runAs(['runs', 'watch', runId, '--json'], REQUESTER_TOKEN)
    assert.equal(merged.status, 0, merged.stderr)
    assert.equal(expectDocument<{status: {outcome: string}}>(merged, 'runs-watch').status.outcome, 'merged')
  })

  it('prints policy verify outcomes', async () => {
    await submit()
    const verify = (number: string) => runAs(['policy', 'verify', number, '--no-status', '--json'], CI_TOKEN)
    const waiting = await verify('1')
    assert.equal(waiting.status, 8, waiting.stderr)
    const document = expectDocument<{outcome: string; exitCode: number}>(waiting, 'policy-verify')
    assert.equal(document.outcome, 'waiting_for_approval')
    assert.equal(document.exitCode, 8)

    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'idp/db-create/orders-db-production', files: {'extra.tf': '# extra\n'}})
    const tampered = await verify('1')
    assert.equal(tampered.status, 1, tampered.stderr)
    const files = expectDocument<{outcome: string; files: Array<{path: string; problem: string}>}>(tampered, 'policy-verify')
    assert.equal(files.outcome, 'tampered')
    assert.deepEqual(files.files, [{path: 'extra.tf', problem: 'unexpected'}])

    expectError(await verify('99'), 'PULL_REQUEST_NOT_FOUND', 2)
  })

  it('prints approve and a refusal', async () => {
    await submit()
    const approved = await runAs(['approve', 'acme/infrastructure#1', '--yes', '--json'], LEAD_TOKEN)
    assert.equal(approved.status, 0, approved.stderr)
    const document = expectDocument<{approvedBy: string; countsFor: string[]}>(approved, 'approve')
    assert.equal(document.approvedBy, 'lead-one')
    assert.deepEqual(document.countsFor, ['team-leads'])

    const again = await runAs(['approve', 'acme/infrastructure#1', '--yes', '--json'], LEAD_TOKEN)
    assert.equal(again.status, 0, again.stderr)
    assert.equal(expectDocument<{alreadyApproved: boolean}>(again, 'approve').alreadyApproved, true)

    expectError(await runAs(['approve', 'acme/infrastructure#1', '--yes', '--json'], REQUESTER_TOKEN), 'APPROVAL_REFUSED', 2)
  })

  it('never asks to approve', async () => {
    await submit()
    const session = spawnCli(['approve', 'acme/infrastructure#1', '--json'], {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, GH_TOKEN: LEAD_TOKEN, TERM: 'xterm-256color'}})
    try {
      const {exitCode} = await session.waitForExit()
      assert.equal(exitCode, 2)
      // stdout and stderr share the terminal: the progress lines from stderr come first.
      const {screen} = session
      const start = screen.search(/^\{$/m)
      assert.deepEqual(screen.slice(0, start).split('\n').filter((line) => line !== '' && !line.startsWith('✔ ')), [])
      const {error} = JSON.parse(screen.slice(start)) as ErrorDocument
      assert.equal(error.code, 'CONFIRMATION_REQUIRED')
      assert.equal(error.message, 'Confirmation needed, and prompting is off (--json was given)')
      assert.deepEqual(server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/reviews')), [])
    } finally {
      await session.dispose()
    }
  })

  it('prints approvals escalate', async () => {
    await submit()
    const later = new Date(Date.now() + 30 * 3600 * 1000).toISOString()
    const dryRun = await runAs(['approvals', 'escalate', '--dry-run', '--now', later, '--json'], CI_TOKEN)
    assert.equal(dryRun.status, 0, dryRun.stderr)
    const planned = expectDocument<{dryRun: boolean; checks: Array<{result: string}>}>(dryRun, 'approvals-escalate')
    assert.equal(planned.dryRun, true)
    assert.deepEqual(planned.checks.map((check) => check.result), ['would_escalate'])

    const escalated = await runAs(['approvals', 'escalate', '--now', later, '--json'], CI_TOKEN)
    assert.equal(escalated.status, 0, escalated.stderr)
    assert.deepEqual(expectDocument<{checks: Array<{result: string}>}>(escalated, 'approvals-escalate').checks.map((check) => check.result), ['escalated'])

    expectError(await runAs(['approvals', 'escalate', '--json'], 'ghp_unknowntoken'), 'AUTH_REJECTED', 4)
  })

  it('prints a failed delivery and retry', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', status: 500, times: 4})
    const failed = expectError(await runAs([...PRODUCTION, '--yes', '--json'], REQUESTER_TOKEN), 'GITHUB_UNAVAILABLE', 1)
    assert.match(String(failed.runId), /^\d{8}-\d{6}-[0-9a-f]{6}$/)
    assert.match(String(failed.journal), /\.json$/)

    const retried = await runAs(['runs', 'retry', String(failed.runId), '--json'], REQUESTER_TOKEN)
    assert.equal(retried.status, 0, retried.stderr)
    const document = expectDocument<{runId: string; pullRequest: {number: number}}>(retried, 'runs-retry')
    assert.equal(document.runId, failed.runId)
    assert.equal(document.pullRequest.number, 1)
  })

  it('prints runs cancel on GitHub', async () => {
    const runId = await submit()
    const result = await runAs(['runs', 'cancel', runId, '--json'], REQUESTER_TOKEN)
    assert.equal(result.status, 0, result.stderr)
    const {actions} = expectDocument<{actions: string[]}>(result, 'runs-cancel')
    assert.deepEqual(actions, [`Closed pull request #1: ${new URL(server.url).origin}/acme/infrastructure/pull/1`, 'Deleted branch idp/db-create/orders-db-production'])
  })
})

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
    const submitted = runCli([...CREATE, '--yes'], {cwd: join(dir.path, 'work'), env: sandboxEnv(home)})
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
