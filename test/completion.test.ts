import {type IPty, spawn as spawnPty} from '@lydell/node-pty'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {COMPLETE_WORDS_PRELUDE} from './support/bash-completion.js'
import {TERMINAL_CONTROL, binPath, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

/** Returns a catalog manifest whose command is `<noun> create`, with one enum input, `--tier`. */
function manifest(noun: string, tiers = ['basic', 'premium']): string {
  return [
    'apiVersion: idp.dev/v1',
    'kind: Action',
    'metadata:',
    `  name: ${noun}-create`,
    `  title: Create a ${noun}`,
    'spec:',
    `  command: ${noun} create`,
    '  inputs:',
    '    type: object',
    '    properties:',
    '      tier:',
    '        type: string',
    `        enum: [${tiers.join(', ')}]`,
    '',
  ].join('\n')
}

/** A manifest whose command words and input name would run `touch` if a script used them as code. */
const UNSAFE_MANIFEST = [
  'apiVersion: idp.dev/v1',
  'kind: Action',
  'metadata:',
  '  name: unsafe',
  '  title: Unsafe names',
  'spec:',
  '  command: "evil $(touch pwned-command)"',
  '  inputs:',
  '    type: object',
  '    properties:',
  '      "tier$(touch pwned-flag)":',
  '        type: string',
  '',
].join('\n')

const TOP_LEVEL = ['access', 'actions', 'approvals', 'approve', 'autocomplete', 'bucket', 'db', 'doctor', 'init', 'namespace', 'policy', 'run', 'runs']

const hasZsh = spawnSync('zsh', ['-c', 'exit 0']).status === 0

describe('shell completion', function () {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const home = () => join(dir.path, 'home')
  const repo = () => join(dir.path, 'repo')
  const cacheDir = () => join(home(), '.cache', 'idp', 'autocomplete')
  const refreshScript = () => join(cacheDir(), 'refresh.sh')
  /** The first line of the refresh script, which changes with each regeneration. */
  const generation = () => readFileSync(refreshScript(), 'utf8').split('\n')[0]
  const idp = (args: string[], cwd = repo()) => runCli(args, {cwd, env})

  beforeEach(() => {
    dir = tempDir('completion')
    // `idp` on PATH runs the built CLI, as after `npm link`, so the setup lines work as printed.
    const bin = dir.write('bin/idp', `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`, 0o755)
    env = sandboxEnv(home(), {
      PATH: `${join(bin, '..')}:${process.env.PATH}`,
      XDG_CACHE_HOME: join(home(), '.cache'),
      SHELL: '/bin/bash',
    })
    mkdirSync(join(repo(), '.git'), {recursive: true})
    dir.write('repo/.idprc.yaml', 'catalog:\n  - ./actions\n')
    dir.write('repo/actions/cache-create.yaml', manifest('cache'))
    dir.write('repo/actions/queue-create.yaml', manifest('queue'))
  })
  afterEach(() => dir.cleanup())

  describe('idp autocomplete', () => {
    it('is listed in idp --help', () => {
      const result = idp(['--help'])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /^ {2}autocomplete +Set up shell completion for bash, zsh or PowerShell\.$/m)
    })

    it('prints the bash setup and writes every file', () => {
      const result = idp(['autocomplete', 'bash'])
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.doesNotMatch(result.stdout, TERMINAL_CONTROL)
      assert.ok(result.stdout.includes('printf "$(idp autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc'), result.stdout)
      assert.ok(result.stdout.includes('runs\n  `idp autocomplete --refresh-cache` by itself.'), result.stdout)
      for (const file of ['bash_setup', 'zsh_setup', 'refresh.sh', 'functions/bash/idp.bash', 'functions/zsh/_idp', 'functions/powershell/idp.ps1']) {
        assert.ok(existsSync(join(cacheDir(), file)), file)
      }
    })

    it('prints the PowerShell setup with its limits', () => {
      const result = idp(['autocomplete', 'powershell'])
      assert.equal(result.status, 0, result.stderr)
      assert.ok(result.stdout.includes('In PowerShell, flag values do not complete'), result.stdout)
      const script = readFileSync(join(cacheDir(), 'functions', 'powershell', 'idp.ps1'), 'utf8')
      assert.ok(script.includes('"cache" = @{'), 'the catalog command cache create is in the PowerShell script')
    })

    it('writes manifest titles literally in the PowerShell script', () => {
      dir.write('repo/actions/cache-create.yaml', manifest('cache').replace('title: Create a cache', 'title: "Costs $(Get-Date) <%= 6 * 7 %>"'))
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      const script = readFileSync(join(cacheDir(), 'functions', 'powershell', 'idp.ps1'), 'utf8')
      assert.ok(script.includes('"summary" = "Costs \uFF04(Get-Date) <%= 6 * 7 %>"'), 'the title keeps its text, with a dollar sign PowerShell does not expand')
      assert.equal(script.includes('$(Get-Date)'), false)
    })

    it('prints the line for the shell profile', () => {
      const result = idp(['autocomplete', 'script', 'bash'])
      assert.equal(result.status, 0, result.stderr)
      const setup = join(cacheDir(), 'bash_setup')
      assert.equal(result.stdout, `\nIDP_AC_BASH_SETUP_PATH=${setup} && test -f $IDP_AC_BASH_SETUP_PATH && source $IDP_AC_BASH_SETUP_PATH; # idp autocomplete setup\n\n`)
    })

    it('rejects a shell it cannot set up', () => {
      const result = runCli(['autocomplete'], {cwd: repo(), env: {...env, SHELL: '/usr/bin/fish'}})
      assert.equal(result.status, 2)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^Error: Cannot set up completion for the shell "fish"\nNext: Name the shell: idp autocomplete bash, idp autocomplete zsh or idp autocomplete powershell\.\n$/)
    })

    it('writes scripts that bash -n accepts', () => {
      assert.equal(idp(['autocomplete', 'bash']).status, 0)
      for (const file of ['bash_setup', 'refresh.sh', 'functions/bash/idp.bash']) {
        const check = spawnSync('bash', ['-n', join(cacheDir(), file)], {encoding: 'utf8'})
        assert.equal(check.status, 0, `${file}: ${check.stderr}`)
      }
    })

    it('writes scripts that zsh -n accepts', function () {
      if (!hasZsh) skipWithoutZsh(this)
      assert.equal(idp(['autocomplete', 'zsh']).status, 0)
      for (const file of ['zsh_setup', 'refresh.sh', 'functions/zsh/_idp']) {
        const check = spawnSync('zsh', ['-n', join(cacheDir(), file)], {encoding: 'utf8'})
        assert.equal(check.status, 0, `${file}: ${check.stderr}`)
      }
    })
  })

  describe('bash', () => {
    /**
     * Runs a bash script after the setup a user makes: the line printed by `idp autocomplete
     * script bash` appended to ~/.bashrc and sourced. `complete_words WORD...` calls the
     * completion function as bash does on Tab, and prints the candidates for the last word.
     */
    const bash = (script: string, cwd = repo()): string[] => {
      const setup = spawnSync('bash', ['--norc', '--noprofile', '-c', 'printf "$(idp autocomplete script bash)" >> ~/.bashrc'], {cwd, env, encoding: 'utf8'})
      assert.equal(setup.status, 0, setup.stderr)
      const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `${COMPLETE_WORDS_PRELUDE}\n${script}`], {cwd, env, encoding: 'utf8', timeout: 60_000})
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      return result.stdout.split('\n').slice(0, -1)
    }

    beforeEach(() => {
      const result = idp(['autocomplete', 'bash'])
      assert.equal(result.status, 0, result.stderr)
    })

    it('registers _idp_autocomplete for idp', () => {
      assert.deepEqual(bash('complete -p idp'), ['complete -F _idp_autocomplete idp'])
    })

    it('FC18: completes commands, flags and enum values', () => {
      const cases: Array<[string[], string[]]> = [
        [['idp', 'd'], ['db', 'doctor']],
        [['idp', 'db', 'c'], ['create']],
        [['idp', 'db', 'create', '--si'], ['--size']],
        [['idp', 'db', 'create', '--size', ''], ['small', 'medium', 'large']],
        [['idp', 'db', 'create', '--environment', ''], ['dev', 'staging', 'production']],
        [['idp', 'db', 'create', '--size', 'me'], ['medium']],
        [['idp', ''], [...TOP_LEVEL, 'cache', 'queue'].sort()],
        [['idp', 'cache', 'create', '--tier', ''], ['basic', 'premium']],
      ]
      const script = cases.map(([words]) => `complete_words ${words.map((word) => `'${word}'`).join(' ')}`).join('\n')
      const lines = bash(script)
      for (const [index, [words, expected]] of cases.entries()) {
        assert.deepEqual(lines[index].split(' ').filter(Boolean), expected, words.join(' '))
      }
    })

    it('FC18: completes the value of --flag=', () => {
      // Bash splits `--size=me` at `=`, as COMP_WORDBREAKS contains it by default.
      const lines = bash(["complete_words idp db create --size '='", 'complete_words idp db create --size = me'].join('\n'))
      assert.deepEqual(lines, ['small medium large', 'medium'])
    })

    it('skips given flags and extra command words', () => {
      const lines = bash(['complete_words idp db create --size small --s', "complete_words idp autocomplete ''", "complete_words idp autocomplete bash ''", "complete_words idp run ''"].join('\n'))
      // Action names come in catalog order: the bundled folder first.
      assert.deepEqual(lines, ['', 'bash zsh powershell', '', 'access-grant bucket-create db-create db-delete namespace-create cache-create queue-create'])
    })

    it('keeps an enum value with spaces or $ one literal word', () => {
      dir.write('repo/actions/cache-create.yaml', manifest('cache', ['"eu west"', '"$(touch pwned)"']))
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      const lines = bash("complete_words idp cache create --tier ''")
      assert.deepEqual(lines, [String.raw`eu\ west \$\(touch\ pwned\)`])
      assert.equal(existsSync(join(repo(), 'pwned')), false)
    })

    it('FC19: follows an added and a deleted manifest', () => {
      const volume = dir.write('volume-create.yaml', manifest('volume'))
      const before = generation()
      const lines = bash(
        [
          "complete_words idp ''",
          `head -n 1 ${refreshScript()}`,
          `cp ${volume} actions/ && rm actions/queue-create.yaml`,
          "complete_words idp ''",
          "complete_words idp volume create --tier ''",
          `head -n 1 ${refreshScript()}`,
          "complete_words idp ''",
          `head -n 1 ${refreshScript()}`,
        ].join('\n'),
      )
      assert.deepEqual(lines[0].split(' '), [...TOP_LEVEL, 'cache', 'queue'].sort())
      assert.equal(lines[1], before, 'no regeneration while nothing changed')
      assert.deepEqual(lines[2].split(' '), [...TOP_LEVEL, 'volume', 'cache'].sort())
      assert.equal(lines[3], 'basic premium')
      assert.notEqual(lines[4], before, 'the first Tab after the change regenerated')
      assert.equal(lines[6], lines[4], 'the Tab after that did not regenerate again')
      assert.deepEqual(lines[5].split(' '), [...TOP_LEVEL, 'volume', 'cache'].sort())
    })

    it('FC19: follows a manifest edited in place', () => {
      const lines = bash(
        [
          "complete_words idp cache create --tier ''",
          `sed -i 's/enum: \\[basic, premium\\]/enum: [basic, premium, enterprise]/' actions/cache-create.yaml`,
          "complete_words idp cache create --tier ''",
        ].join('\n'),
      )
      assert.deepEqual(lines, ['basic premium', 'basic premium enterprise'])
    })

    it('FC19: follows a configured catalog folder created later', () => {
      dir.write('repo/.idprc.yaml', 'catalog:\n  - ./actions\n  - ./more-actions\n')
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      const volume = dir.write('volume-create.yaml', manifest('volume'))
      const lines = bash(["complete_words idp v", `mkdir more-actions && cp ${volume} more-actions/`, 'complete_words idp v'].join('\n'))
      assert.deepEqual(lines, ['', 'volume'])
    })

    it('FC19: follows the configuration of the folder the shell is in', () => {
      mkdirSync(join(dir.path, 'other', '.git'), {recursive: true})
      dir.write('other/.idprc.yaml', 'catalog:\n  - ./platform\n')
      dir.write('other/platform/topic-create.yaml', manifest('topic'))
      const lines = bash(["complete_words idp ''", 'cd ../other', "complete_words idp ''", 'cd ../repo', "complete_words idp ''"].join('\n'))
      assert.deepEqual(lines[0].split(' '), [...TOP_LEVEL, 'cache', 'queue'].sort())
      assert.deepEqual(lines[1].split(' '), [...TOP_LEVEL, 'topic'].sort())
      assert.deepEqual(lines[2].split(' '), [...TOP_LEVEL, 'cache', 'queue'].sort())
    })

    it('FC19: follows a change of the configuration file', () => {
      const lines = bash(["complete_words idp q", "printf 'catalog: []\\n' > .idprc.yaml", 'complete_words idp q'].join('\n'))
      assert.deepEqual(lines, ['queue', ''])
    })

    it('leaves out unsafe command and flag names', () => {
      dir.write('repo/actions/unsafe.yaml', UNSAFE_MANIFEST)
      dir.write('repo/actions/cache-create.yaml', manifest('cache').replace('    properties:\n', '    properties:\n      "size$(touch pwned-flag)":\n        type: string\n'))
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      const lines = bash(["complete_words idp ''", 'complete_words idp cache create --'].join('\n')).map((line) => line.split(' '))
      assert.deepEqual(lines[0], [...TOP_LEVEL, 'cache', 'queue'].sort())
      assert.deepEqual(lines[1], ['--branch', '--config', '--dry-run', '--help', '--json', '--no-input', '--tier', '--values', '--wait', '--yes'])
      for (const file of ['pwned-command', 'pwned-flag']) assert.equal(existsSync(join(repo(), file)), false, file)
    })

    it('rewrites deleted files on Tab', () => {
      const lines = bash([`rm -r ${cacheDir()}`, 'complete_words idp q', `test -f ${refreshScript()} && echo written`].join('\n'))
      assert.deepEqual(lines, ['queue', 'written'])
    })

    it('regenerates with idp from PATH when the recorded node is gone', () => {
      const script = readFileSync(refreshScript(), 'utf8')
      writeFileSync(refreshScript(), script.replace(/^_idp_ac_node=.*$/m, "_idp_ac_node='/nonexistent/node'"))
      const lines = bash([`rm actions/queue-create.yaml`, 'complete_words idp q'].join('\n'))
      assert.deepEqual(lines, [''])
    })
  })

  describe('zsh', function () {
    before(function () {
      if (!hasZsh) skipWithoutZsh(this)
    })

    let shell: ZshSession | undefined
    afterEach(() => shell?.dispose())

    beforeEach(() => {
      const result = idp(['autocomplete', 'zsh'])
      assert.equal(result.status, 0, result.stderr)
      assert.ok(result.stdout.includes('printf "$(idp autocomplete script zsh)" >> ~/.zshrc; source ~/.zshrc'), result.stdout)
      const setup = spawnSync('zsh', ['-f', '-c', 'printf "$(idp autocomplete script zsh)" >> ~/.zshrc'], {cwd: repo(), env, encoding: 'utf8'})
      assert.equal(setup.status, 0, setup.stderr)
    })

    it('FC18: completes commands, flags and enum values', async () => {
      shell = await ZshSession.start(repo(), env, join(dir.path, 'candidates'))
      assert.deepEqual(await shell.complete('idp d'), ['db', 'doctor'])
      assert.deepEqual(await shell.complete('idp db c'), ['create'])
      assert.deepEqual(await shell.complete('idp db create --si'), ['--size'])
      assert.deepEqual(await shell.complete('idp db create --size '), ['small', 'medium', 'large'])
      assert.deepEqual(await shell.complete('idp db create --environment '), ['dev', 'staging', 'production'])
      assert.deepEqual(await shell.complete('idp cache create --tier '), ['basic', 'premium'])
    })

    it('keeps enum values and titles with spaces, quotes or $ literal', async () => {
      dir.write('repo/actions/cache-create.yaml', manifest('cache', ['"eu west"', '"$(touch pwned)"', `'say "hi"'`]).replace('title: Create a cache', 'title: "Costs $(touch pwned-title) <%= 6 * 7 %> \\\\"'))
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      shell = await ZshSession.start(repo(), env, join(dir.path, 'candidates'))
      assert.deepEqual(await shell.complete('idp cache create --tier '), ['eu west', '$(touch pwned)', 'say "hi"'])
      assert.deepEqual(await shell.complete('idp cache '), ['create'])
      assert.equal(existsSync(join(repo(), 'pwned')), false)
      assert.equal(existsSync(join(repo(), 'pwned-title')), false)
      const script = readFileSync(join(cacheDir(), 'functions', 'zsh', '_idp'), 'utf8')
      assert.ok(script.includes(String.raw`"create[Costs \$(touch pwned-title) <%= 6 * 7 %> \\\\]"`), 'the title is written literally')
    })

    it('leaves out unsafe command and flag names', async () => {
      dir.write('repo/actions/unsafe.yaml', UNSAFE_MANIFEST)
      dir.write('repo/actions/cache-create.yaml', manifest('cache').replace('    properties:\n', '    properties:\n      "size$(touch pwned-flag)":\n        type: string\n'))
      assert.equal(idp(['autocomplete', '--refresh-cache']).status, 0)
      const check = spawnSync('zsh', ['-n', join(cacheDir(), 'functions', 'zsh', '_idp')], {encoding: 'utf8'})
      assert.equal(check.status, 0, check.stderr)

      shell = await ZshSession.start(repo(), env, join(dir.path, 'candidates'))
      assert.deepEqual((await shell.complete('idp ')).sort(), [...TOP_LEVEL, 'cache', 'queue'].sort())
      assert.deepEqual((await shell.complete('idp cache create --')).filter((flag) => flag.startsWith('--s') || flag.startsWith('--t')), ['--tier'])
      for (const file of ['pwned-command', 'pwned-flag']) assert.equal(existsSync(join(repo(), file)), false, file)
    })

    it('FC19: follows an added and a deleted manifest', async () => {
      shell = await ZshSession.start(repo(), env, join(dir.path, 'candidates'))
      assert.deepEqual((await shell.complete('idp ')).sort(), [...TOP_LEVEL, 'cache', 'queue'].sort())
      const before = generation()

      renameSync(join(repo(), 'actions', 'queue-create.yaml'), join(dir.path, 'queue-create.yaml'))
      dir.write('repo/actions/volume-create.yaml', manifest('volume'))
      assert.deepEqual((await shell.complete('idp ')).sort(), [...TOP_LEVEL, 'volume', 'cache'].sort())
      assert.deepEqual(await shell.complete('idp volume create --tier '), ['basic', 'premium'])
      assert.notEqual(generation(), before)
    })
  })
})

function skipWithoutZsh(context: Mocha.Context): void {
  // CI installs packages from the npm registry only, so zsh may be missing there. The bash tests always run.
  console.log('    zsh tests skipped: zsh is not installed (apt-get install zsh runs them)')
  context.skip()
}

/**
 * An interactive zsh in a pseudo-terminal, with the setup line in ~/.zshrc. `compadd` is
 * wrapped to append every candidate it adds to a file, and Tab runs the completion through a
 * widget that ends the file with a marker line, so the test reads exactly what zsh offers.
 */
class ZshSession {
  private output = ''

  private constructor(
    private readonly terminal: IPty,
    private readonly candidatesFile: string,
  ) {
    terminal.onData((data) => (this.output += data))
  }

  static async start(cwd: string, env: NodeJS.ProcessEnv, candidatesFile: string): Promise<ZshSession> {
    const capture = [
      'source ~/.zshrc',
      `_test_candidates=${candidatesFile}`,
      'compadd() {',
      // Calls that only ask for matches (-O, -A, -D) add nothing, so they pass through.
      '  if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi',
      '  local -a added',
      '  builtin compadd -O added "$@"',
      '  (( $#added )) && print -rl -- "${added[@]}" >> $_test_candidates',
      '  builtin compadd "$@"',
      '}',
      '_test_complete() { _main_complete; print -r -- END-OF-CANDIDATES >> $_test_candidates; }',
      'zle -C test-complete complete-word _test_complete',
      'bindkey "^I" test-complete',
      'print READY-FOR-TESTS',
    ].join('\n')
    const rc = join(candidatesFile, '..', 'capture.zsh')
    writeFileSync(rc, `${capture}\n`)
    const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
    const terminal = spawnPty('zsh', ['-f', '-i'], {name: 'xterm', cols: 200, rows: 50, cwd, env: {...variables, TERM: 'xterm'}})
    const session = new ZshSession(terminal, candidatesFile)
    terminal.write(`source ${rc}\r`)
    await session.waitFor(() => session.output.includes('READY-FOR-TESTS'), 'the setup')
    return session
  }

  /** Types `line`, presses Tab, and returns the candidates zsh offers; then clears the line. */
  async complete(line: string): Promise<string[]> {
    rmSync(this.candidatesFile, {force: true})
    this.terminal.write(`${line}\t`)
    const read = () => (existsSync(this.candidatesFile) ? readFileSync(this.candidatesFile, 'utf8') : '')
    await this.waitFor(() => read().endsWith('END-OF-CANDIDATES\n'), `the candidates for "${line}"`)
    // Ctrl-U clears the line for the next completion.
    this.terminal.write('\u0015')
    return read().split('\n').slice(0, -2)
  }

  dispose(): void {
    this.terminal.kill('SIGKILL')
  }

  private async waitFor(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Terminal output:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}
