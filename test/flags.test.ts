import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {Config, Flags} from '@oclif/core'

import {IdpCommand} from '../src/cli/base-command.js'
import {IdpError} from '../src/errors.js'
import {runCli, sandboxEnv} from './support/cli.js'
import type {CommandDescription, FlagDescription, ParseCase, ParseResult} from './support/flag-walk.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const walkScript = fileURLToPath(new URL('support/flag-walk.ts', import.meta.url))

// An action with boolean inputs (one true by default) and a repeatable input, so that the walk
// covers the flags a manifest creates as well as the fixed ones.
const CACHE_MANIFEST = [
  'apiVersion: idp.dev/v1',
  'kind: Action',
  'metadata: {name: cache-create, title: Cache}',
  'spec:',
  '  command: cache create',
  '  inputs:',
  '    type: object',
  '    required: [name]',
  '    properties:',
  '      name: {type: string, title: Cache name}',
  '      encrypted: {type: boolean, title: Encryption at rest, default: true}',
  '      multiAz: {type: boolean, title: Standby in a second zone}',
  '      tags: {type: array, title: Tags, items: {type: string}}',
  '  steps:',
  '    - {id: render, name: Render, action: template:render, with: {source: cache-create, target: "caches/${{ inputs.name }}"}}',
  '    - {id: publish, name: Publish, action: publish:pull-request, with: {branch: "idp/cache-create/${{ inputs.name }}", title: "Create cache ${{ inputs.name }}"}}',
  '',
].join('\n')

const TRUE_SPELLINGS = ['1', 'true', 'YES', 'on']
const FALSE_SPELLINGS = ['0', 'false', 'No', 'off']

describe('flags of every command', function () {
  this.timeout(120_000)
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let commands: CommandDescription[]

  const cwd = () => join(dir.path, 'work')

  /** Runs the flag walk in the working folder, where the configuration adds the cache action. */
  function walk<T>(request: unknown): T {
    // The working folder is outside the package, so tsx is passed as a file URL.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    const result = spawnSync(process.execPath, ['--import', tsx, walkScript, JSON.stringify(request)], {cwd: cwd(), env, encoding: 'utf8', timeout: 120_000})
    assert.equal(result.status, 0, result.stderr)
    return JSON.parse(result.stdout) as T
  }

  /** Parses every case in one subprocess and returns the results in order. */
  const parseAll = (cases: ParseCase[]) => walk<ParseResult[]>({mode: 'parse', cases})

  /** Arguments that fill a command's required positionals, so that only the flags are tested. */
  const placeholders = (command: CommandDescription) => command.requiredArgs.map(() => 'placeholder')

  const booleans = (predicate: (flag: FlagDescription) => boolean) =>
    commands.flatMap((command) => command.flags.filter((flag) => flag.type === 'boolean' && predicate(flag)).map((flag) => ({command, flag})))

  before(() => {
    dir = tempDir('flags')
    dir.write('work/.git/HEAD', '')
    dir.write('catalog/cache-create.yaml', CACHE_MANIFEST)
    dir.write('catalog/cache-create/main.tf', 'name = ${{ inputs.name }}\n')
    dir.write('work/.idprc.yaml', `catalog: [${JSON.stringify(join(dir.path, 'catalog'))}]\n`)
    env = sandboxEnv(join(dir.path, 'home'))
    commands = walk<CommandDescription[]>({mode: 'describe'})
  })
  after(() => dir.cleanup())

  it('sees the action commands of the catalog', () => {
    const cache = commands.find((command) => command.id === 'cache:create')
    assert.ok(cache, commands.map((command) => command.id).join(', '))
    assert.deepEqual(
      cache.flags.filter((flag) => flag.allowNo).map((flag) => flag.name),
      ['encrypted', 'multi-az'],
    )
  })

  it('accepts the --no- form of every boolean that has one (FC17)', () => {
    const checks = booleans((flag) => flag.allowNo).flatMap(({command, flag}) =>
      [flag.name, ...flag.aliases].flatMap((name) => [
        {command, flag, argv: [`--${name}`], expected: true},
        {command, flag, argv: [`--no-${name}`], expected: false},
      ]),
    )
    assert.ok(checks.length >= 6, `only ${checks.length} checks: the walk found too few flags`)

    const results = parseAll(checks.map(({command, argv}) => ({id: command.id, argv: [...placeholders(command), ...argv]})))
    checks.forEach(({command, flag, argv, expected}, index) => {
      // Other flags may carry their defaults (`--dry-run` is false), so only this flag is compared.
      const result = results[index]
      assert.deepEqual('flags' in result ? result.flags[flag.name] : result, expected, `idp ${command.id.replaceAll(':', ' ')} ${argv.join(' ')}`)
    })
  })

  it('keeps the default of a boolean that is not given (FC16)', () => {
    // Variables that could set a flag are removed, so that the default shows.
    const unset = Object.fromEntries(booleans((flag) => flag.env !== undefined).map(({flag}) => [flag.env!, null]))
    const checks = booleans(() => true)
    const results = parseAll(checks.map(({command}) => ({id: command.id, argv: placeholders(command), env: unset})))
    checks.forEach(({command, flag}, index) => {
      const result = results[index]
      assert.ok('flags' in result, `idp ${command.id}: ${JSON.stringify(result)}`)
      assert.equal(result.flags[flag.name], flag.default, `idp ${command.id.replaceAll(':', ' ')} without --${flag.name}`)
    })
  })

  it('reads the variable of every boolean that names one (FC16)', () => {
    const withVariables = booleans((flag) => flag.env !== undefined)
    assert.ok(withVariables.some(({flag}) => flag.env === 'IDP_NO_INPUT'), 'IDP_NO_INPUT sets --no-input')

    const checks = withVariables.flatMap(({command, flag}) => {
      const variable = flag.env!
      const cases: Array<{argv: string[]; value: string; expected: unknown}> = [
        ...TRUE_SPELLINGS.map((value) => ({argv: [], value, expected: true})),
        ...FALSE_SPELLINGS.map((value) => ({argv: [], value, expected: false})),
        {argv: [], value: '', expected: flag.default},
        // A flag on the command line wins over the variable, even over an invalid one.
        {argv: [`--${flag.name}`], value: '0', expected: true},
        {argv: [`--${flag.name}`], value: 'banana', expected: true},
        ...(flag.allowNo ? [{argv: [`--no-${flag.name}`], value: '1', expected: false}] : []),
      ]
      return cases.map((entry) => ({command, flag, variable, ...entry}))
    })

    const results = parseAll(checks.map(({command, argv, variable, value}) => ({id: command.id, argv: [...placeholders(command), ...argv], env: {[variable]: value}})))
    checks.forEach(({command, flag, variable, argv, value, expected}, index) => {
      const label = `${variable}=${JSON.stringify(value)} idp ${command.id.replaceAll(':', ' ')} ${argv.join(' ')}`
      const result = results[index]
      assert.ok('flags' in result, `${label}: ${JSON.stringify(result)}`)
      assert.equal(result.flags[flag.name], expected, label)
    })
  })

  it('rejects an invalid value of such a variable (FC16)', () => {
    const checks = booleans((flag) => flag.env !== undefined)
    const results = parseAll(checks.map(({command, flag}) => ({id: command.id, argv: placeholders(command), env: {[flag.env!]: 'banana'}})))
    checks.forEach(({command, flag}, index) => {
      assert.deepEqual(
        results[index],
        {
          error: {
            message: `Invalid value for the environment variable ${flag.env}: "banana". Use 1 or 0 (also true/false, yes/no, on/off).`,
            code: 'ENVIRONMENT_INVALID',
            exitCode: 2,
          },
        },
        `idp ${command.id.replaceAll(':', ' ')}`,
      )
    })
  })

  it('exits 2 naming the variable (FC16)', () => {
    for (const args of [['db', 'create'], ['init'], ['approve', 'acme/infrastructure#1']]) {
      const result = runCli(args, {cwd: cwd(), env: {...env, IDP_NO_INPUT: 'banana'}})
      assert.equal(result.status, 2, `idp ${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stderr.split('\n')[0], 'Error: Invalid value for the environment variable IDP_NO_INPUT: "banana". Use 1 or 0 (also true/false, yes/no, on/off).')
      assert.equal(result.stdout, '')
    }
  })

  it('lets --no-input win over an invalid IDP_NO_INPUT (FC16)', () => {
    const result = runCli(['cache', 'create', '--no-input', '--dry-run', '--json'], {cwd: cwd(), env: {...env, IDP_NO_INPUT: 'banana'}})
    assert.equal(result.status, 2, result.stderr)
    assert.equal(JSON.parse(result.stdout).error.message, 'Missing required input: --name')
  })

  describe('repeated flags and positionals (FC15)', () => {
    const inputsOf = (args: string[]) => {
      const result = runCli([...args, '--dry-run', '--json'], {cwd: cwd(), env})
      assert.equal(result.status, 0, result.stderr)
      return JSON.parse(result.stdout).inputs as Record<string, unknown>
    }

    it('finds ACTION after an input flag with a value', () => {
      assert.deepEqual(inputsOf(['run', '--tags', 'a', 'cache-create', '--name', 'sessions']), {name: 'sessions', encrypted: true, tags: ['a']})
      assert.deepEqual(inputsOf(['run', '--name', 'sessions', '--tags', 'a', '--tags', 'b', 'cache-create']), {name: 'sessions', encrypted: true, tags: ['a', 'b']})
    })

    it('takes one value per repeated flag', () => {
      assert.deepEqual(inputsOf(['cache', 'create', '--name', 'sessions', '--tags', 'a', '--tags', 'b', '--no-encrypted']), {name: 'sessions', encrypted: false, tags: ['a', 'b']})
    })

    it('rejects an argument after a repeated flag value', () => {
      const result = runCli(['cache', 'create', '--name', 'sessions', '--tags', 'a', 'b', '--dry-run'], {cwd: cwd(), env})
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, /^Error: Unexpected argument: b$/m)
    })

    it('names an unknown ACTION that follows flags', () => {
      const result = runCli(['run', '--values', 'request.yaml', 'cache-creat'], {cwd: cwd(), env})
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, /^Error: Unknown action "cache-creat"; did you mean "cache-create"\?$/m)
    })
  })
})

describe('boolean flag with a true default and a variable', () => {
  class Probe extends IdpCommand {
    static override flags = {status: Flags.boolean({default: true, allowNo: true, env: 'IDP_PROBE_STATUS'})}
    async run(): Promise<void> {}
  }

  let config: Config
  before(async () => {
    config = await Config.load(root)
  })
  afterEach(() => {
    delete process.env.IDP_PROBE_STATUS
  })

  const parse = async (argv: string[], value?: string) => {
    if (value === undefined) delete process.env.IDP_PROBE_STATUS
    else process.env.IDP_PROBE_STATUS = value
    const probe = new Probe(argv, config) as unknown as {parse: () => Promise<{flags: {status: boolean}}>}
    return (await probe.parse()).flags.status
  }

  it('stays true when the variable is unset or empty', async () => {
    assert.equal(await parse([]), true)
    assert.equal(await parse([], ''), true)
  })

  it('follows the variable', async () => {
    assert.equal(await parse([], 'off'), false)
    assert.equal(await parse([], 'on'), true)
  })

  it('lets the flag win over the variable', async () => {
    assert.equal(await parse(['--status'], '0'), true)
    assert.equal(await parse(['--no-status'], '1'), false)
  })

  it('rejects an invalid value', async () => {
    await assert.rejects(parse([], 'banana'), (error: unknown) => error instanceof IdpError && error.exitCode === 2 && /IDP_PROBE_STATUS: "banana"/.test(error.message))
  })
})
