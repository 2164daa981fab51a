import assert from 'node:assert/strict'
import {join} from 'node:path'

import {runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

describe('unknown commands', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  beforeEach(() => {
    dir = tempDir('cli-not-found')
    env = sandboxEnv(join(dir.path, 'home'))
    dir.write('work/.git/HEAD', '')
  })
  afterEach(() => dir.cleanup())

  const run = (args: string[]) => runCli(args, {cwd: join(dir.path, 'work'), env})

  it('suggests the closest command', () => {
    const cases: Array<[string[], string]> = [
      [['db', 'creat'], 'db create'],
      [['policy', 'chek'], 'policy check'],
      [['runs', 'lst'], 'runs list'],
      [['aprove'], 'approve'],
    ]
    for (const [args, suggestion] of cases) {
      const result = run(args)
      assert.equal(result.status, 2, args.join(' '))
      assert.equal(result.stdout, '')
      assert.equal(result.stderr, `Error: Unknown command "${args.join(' ')}"; did you mean "${suggestion}"?\nNext: Run \`idp ${suggestion} --help\`, or \`idp --help\` for every command.\n`)
    }
  })

  it('suggests nothing for a command far from every other', () => {
    const result = run(['zzzzzz'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, 'Error: Unknown command "zzzzzz"\nNext: Run `idp --help` for every command, or `idp actions list` for the actions.\n')
  })

  it('prints one JSON document under --json', () => {
    const result = run(['db', 'creat', '--json'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      error: {
        code: 'COMMAND_NOT_FOUND',
        message: 'Unknown command "db creat"; did you mean "db create"?',
        exitCode: 2,
        problems: [],
        hint: 'Run `idp db create --help`, or `idp --help` for every command.',
        suggestion: 'db create',
      },
    })
  })

  it('points idp help at --help', () => {
    const result = run(['help', 'db', 'create'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, 'Error: idp has no help command\nNext: Run `idp db create --help`.\n')
  })

  it('prints idp help as JSON', () => {
    const result = run(['help', 'db', 'create', '--json'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      error: {code: 'USAGE_INVALID', message: 'idp has no help command', exitCode: 2, problems: [], hint: 'Run `idp db create --help`.'},
    })
  })

  it('prints a topic under --json as a usage error', () => {
    const result = run(['db', '--json'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      error: {
        code: 'USAGE_INVALID',
        message: 'idp db is a topic, not a command',
        exitCode: 2,
        problems: [],
        hint: 'Name a command: idp db create, idp db delete. Run `idp db --help` to see them.',
      },
    })
  })
})

describe('usage errors', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  beforeEach(() => {
    dir = tempDir('cli-usage')
    env = sandboxEnv(join(dir.path, 'home'))
  })
  afterEach(() => dir.cleanup())

  const run = (args: string[]) => runCli(args, {cwd: dir.path, env})

  it('suggests only a close flag', () => {
    const cases: Array<[string[], string]> = [
      [['db', 'create', '--sise', 'small'], 'Error: Unknown flag for idp db create: --sise (did you mean --size?)'],
      [['db', 'create', '--bogus'], 'Error: Unknown flag for idp db create: --bogus'],
      [['db', 'create', '--version'], 'Error: Unknown flag for idp db create: --version'],
    ]
    for (const [args, line] of cases) {
      const result = run(args)
      assert.equal(result.status, 2, args.join(' '))
      assert.equal(result.stderr.split('\n')[0], line)
    }
  })

  it('lists only the flags a command has', () => {
    const result = run(['autocomplete', 'bash', '--json'])
    assert.equal(result.status, 2)
    const {error} = JSON.parse(result.stdout) as {error: {message: string; knownFlags: string[]}}
    assert.equal(error.message, 'Unknown flag for idp autocomplete: --json')
    assert.deepEqual(error.knownFlags, ['--refresh-cache'])
  })

  it('names a missing argument', () => {
    const result = run(['runs', 'show'])
    assert.equal(result.status, 2)
    assert.equal(result.stderr, 'Error: Missing 1 required arg: id (Run id, or a prefix of it that matches one run)\nNext: Run the command with --help to see its flags.\n')
  })
})
