import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {loadConfig} from '../src/config/config.js'
import {git, runCli, sandboxEnv} from './support/cli.js'
import {KEYS, type PtySession, spawnCli} from './support/pty.js'
import {tempDir, type TempDir} from './support/temp.js'

/** A schema of this checkout, as the `# yaml-language-server` line of a file outside it names it. */
const schemaUrl = (name: string) => pathToFileURL(fileURLToPath(new URL(`../schemas/${name}`, import.meta.url))).href
const bundledPolicy = readFileSync(new URL('../policies/approval-policy.yaml', import.meta.url), 'utf8')
const bundledCases = readFileSync(new URL('../policies/approval-policy.tests.yaml', import.meta.url), 'utf8')

const HEADER = [
  `# yaml-language-server: $schema=${schemaUrl('config.schema.json')}`,
  '#',
  "# Configuration of idp for this repository, written by `idp init`. idp's docs/configuration.md",
  '# describes every key.',
  '',
]

const GITHUB_TARGET = [
  '# Where idp delivers each request. The GitHub token comes from GH_TOKEN, GITHUB_TOKEN or',
  '# `gh auth login`, never from this file.',
  'target:',
  '  # Open a pull request in a GitHub repository.',
  '  github:',
  '    # The repository that receives the pull requests, as owner/name (detected from the git',
  '    # remote origin).',
  '    repository: acme/infrastructure',
]

const TEAM_PAYMENTS = [
  '# Who you are: idp pre-fills inputs with it and shows it to the approval policy as the',
  '# requester.',
  'user:',
  '  # Your team: the default for inputs such as --team.',
  '  team: payments',
]

const TEAM_EXAMPLE = [
  '# Who you are: idp pre-fills inputs with it and shows it to the approval policy as the',
  '# requester. To set your team, uncomment these lines and replace the example.',
  '# user:',
  '#   # Your team: the default for inputs such as --team.',
  '#   team: payments',
]

/** Returns the text from the first line that is not a comment: the part copied from the bundled file. */
const body = (text: string) => text.slice(text.search(/^[^#\n]/m))

describe('idp init', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  const repo = () => join(dir.path, 'repo')
  const configFile = () => join(repo(), '.idprc.yaml')
  const readConfig = () => readFileSync(configFile(), 'utf8')
  const init = (args: string[], cwd = repo()) => runCli(['init', ...args], {cwd, env})
  const addRemote = (name: string, url: string) => git(repo(), ['remote', 'add', name, url])

  beforeEach(() => {
    dir = tempDir('cli-init')
    env = sandboxEnv(join(dir.path, 'home'))
    mkdirSync(repo())
    git(repo(), ['init', '-q', '-b', 'main'])
  })
  afterEach(() => dir.cleanup())

  it('writes the GitHub repository of an https remote', async () => {
    addRemote('origin', 'https://github.com/acme/infrastructure.git')
    const result = init(['--team', 'payments'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(readConfig(), [...HEADER, ...GITHUB_TARGET, '', ...TEAM_PAYMENTS, ''].join('\n'))
    assert.equal(result.stderr, '')

    const config = await loadConfig({cwd: repo(), env})
    assert.deepEqual(config.target, {github: {repository: 'acme/infrastructure'}})
    assert.deepEqual(config.user, {team: 'payments'})
    assert.deepEqual(config.sources, [configFile()])
  })

  it('prints what it wrote and the next command', () => {
    addRemote('origin', 'https://github.com/acme/infrastructure.git')
    const result = init(['--team', 'payments'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(
      result.stdout,
      [
        'Wrote .idprc.yaml',
        '',
        'Target: pull requests in acme/infrastructure on github.com, detected from the git remote origin.',
        'Team: payments',
        '',
        'Next:',
        '  idp db create --dry-run  shows the plan of a request, and writes nothing',
        '',
      ].join('\n'),
    )
  })

  it('detects the remote in every URL form', () => {
    const cases = [
      {url: 'git@github.com:acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: undefined},
      {url: 'ssh://git@github.com/acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: undefined},
      {url: 'ssh://git@ssh.github.com:443/acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: undefined},
      {url: 'https://github.com/acme/infrastructure/', repository: 'acme/infrastructure', apiUrl: undefined},
      {url: 'https://github.example.com/acme/platform.infra.git', repository: 'acme/platform.infra', apiUrl: 'https://github.example.com/api/v3'},
      {url: 'git@github.example.com:acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: 'https://github.example.com/api/v3'},
      {url: 'ssh://git@GitHub.Example.com:2222/acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: 'https://github.example.com/api/v3'},
      {url: 'https://github.example.com:8443/acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: 'https://github.example.com:8443/api/v3'},
      {url: 'https://acme.ghe.com/acme/infrastructure.git', repository: 'acme/infrastructure', apiUrl: 'https://api.acme.ghe.com'},
    ]
    addRemote('origin', 'https://github.com/acme/other.git')
    for (const {url, repository, apiUrl} of cases) {
      git(repo(), ['remote', 'set-url', 'origin', url])
      const result = init(['--team', 'payments', '--force', '--json'])
      assert.equal(result.status, 0, `${url}: ${result.stderr}`)
      const lines = readConfig().split('\n')
      assert.ok(lines.includes(`    repository: ${repository}`), `${url}:\n${readConfig()}`)
      if (apiUrl) {
        assert.equal(lines[lines.indexOf(`    repository: ${repository}`) + 1], '    # The REST API of the GitHub Enterprise host. The GITHUB_API_URL variable wins over it.', url)
        assert.ok(lines.includes(`    apiUrl: ${apiUrl}`), `${url}:\n${readConfig()}`)
      } else {
        assert.ok(!readConfig().includes('apiUrl'), `${url}:\n${readConfig()}`)
      }
    }
  })

  it('writes the API URL of an Enterprise host', async () => {
    addRemote('origin', 'git@github.example.com:acme/infrastructure.git')
    const result = init(['--no-input'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(
      readConfig(),
      [
        ...HEADER,
        ...GITHUB_TARGET,
        '    # The REST API of the GitHub Enterprise host. The GITHUB_API_URL variable wins over it.',
        '    apiUrl: https://github.example.com/api/v3',
        '',
        ...TEAM_EXAMPLE,
        '',
      ].join('\n'),
    )
    assert.match(result.stdout, /^Target: pull requests in acme\/infrastructure on github\.example\.com \(API https:\/\/github\.example\.com\/api\/v3\), detected from the git remote origin\.$/m)

    const config = await loadConfig({cwd: repo(), env})
    assert.deepEqual(config.target, {github: {repository: 'acme/infrastructure', apiUrl: 'https://github.example.com/api/v3'}})
    assert.deepEqual(config.user, {})
  })

  it('uses the only remote when none is origin', () => {
    addRemote('upstream', 'git@github.com:acme/infrastructure.git')
    const result = init(['--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout).target, {kind: 'github', repository: 'acme/infrastructure', host: 'github.com', detectedFrom: 'the git remote upstream'})
    assert.ok(readConfig().includes('    # The repository that receives the pull requests, as owner/name (detected from the git\n    # remote upstream).\n'))
  })

  it('leaves the target unset for several remotes without origin', () => {
    addRemote('fork', 'git@github.com:jdoe/infrastructure.git')
    addRemote('upstream', 'git@github.com:acme/infrastructure.git')
    const result = init(['--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout).target, {kind: 'none', reason: 'this repository has several git remotes (fork, upstream) and none is called origin'})
    assert.ok(readConfig().includes('because this repository has\n# several git remotes (fork, upstream) and none is called origin. Unless'), readConfig())
  })

  it('skips a non-GitHub remote and its token', async () => {
    addRemote('origin', 'https://x-access-token:ghp_notarealtoken1@gitlab.com/acme/infrastructure.git')
    const result = init(['--json'])
    assert.equal(result.status, 0, result.stderr)
    const expected = 'the git remote origin (https://gitlab.com/acme/infrastructure.git) is not a GitHub repository that idp recognizes'
    assert.deepEqual(JSON.parse(result.stdout).target, {kind: 'none', reason: expected})
    assert.ok(!readConfig().includes('ghp_notarealtoken1'))
    assert.ok(!result.stdout.includes('ghp_notarealtoken1'))
    assert.deepEqual((await loadConfig({cwd: repo(), env})).target, {})
  })

  it('does not guess the host of an SSH alias', () => {
    for (const url of ['git@github-work:acme/infrastructure.git', 'git@github.com-work:acme/infrastructure.git']) {
      git(repo(), ['remote', existsSync(configFile()) ? 'set-url' : 'add', 'origin', url])
      const result = init(['--json', '--force'])
      assert.equal(result.status, 0, result.stderr)
      assert.deepEqual(JSON.parse(result.stdout).target, {kind: 'none', reason: `the git remote origin (${url}) is not a GitHub repository that idp recognizes`})
    }
  })

  it('comments out the target without a remote', async () => {
    const result = init([])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(
      readConfig(),
      [
        ...HEADER,
        '# Where idp delivers each request. No GitHub repository is set, because this repository has no',
        '# git remote. Unless your user file sets a target, idp commits each request to a new branch of',
        '# the local repository ~/.local/share/idp/infrastructure, and creates it on first use.',
        '#',
        '# To commit to another local repository, uncomment these lines and set its path:',
        '# target:',
        '#   # Commit each request to a new branch of a local git repository.',
        '#   git:',
        '#     # The repository folder. idp creates the repository on first use.',
        '#     path: ~/.local/share/idp/infrastructure',
        '#',
        '# To open pull requests on GitHub instead, uncomment these lines and set the repository, or run',
        '# `idp init --repository owner/name --force`. idp then needs a token in GH_TOKEN or',
        '# GITHUB_TOKEN, or `gh auth login`.',
        '# target:',
        '#   # Open a pull request in a GitHub repository.',
        '#   github:',
        '#     # The repository that receives the pull requests, as owner/name.',
        '#     repository: owner/name',
        '#     # Only for GitHub Enterprise Server: its REST API.',
        '#     apiUrl: https://HOST/api/v3',
        '',
        ...TEAM_EXAMPLE,
        '',
      ].join('\n'),
    )
    assert.match(result.stdout, /^Target: not set, because this repository has no git remote\. Requests go to a branch of a local repository\. Pass --repository owner\/name to open pull requests on GitHub\.$/m)

    const config = await loadConfig({cwd: repo(), env})
    assert.deepEqual(config.target, {})
    assert.deepEqual(config.user, {})
    assert.deepEqual(config.sources, [configFile()])
  })

  it('takes --repository over the remote', () => {
    addRemote('origin', 'git@github.example.com:acme/app.git')
    const result = init(['--repository', 'acme/infrastructure', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout).target, {kind: 'github', repository: 'acme/infrastructure', host: 'github.com'})
    const text = readConfig()
    assert.ok(text.includes('    # The repository that receives the pull requests, as owner/name.\n    repository: acme/infrastructure\n'), text)
    assert.ok(!text.includes('apiUrl'), text)
  })

  it('takes an Enterprise URL in --repository', async () => {
    const result = init(['--repository', 'https://git.corp.example/acme/infrastructure'])
    assert.equal(result.status, 0, result.stderr)
    const config = await loadConfig({cwd: repo(), env})
    assert.deepEqual(config.target, {github: {repository: 'acme/infrastructure', apiUrl: 'https://git.corp.example/api/v3'}})
  })

  it('rejects a --repository that is not a repository', () => {
    const result = init(['--repository', 'github.com/acme/infrastructure'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: --repository "github\.com\/acme\/infrastructure" is not owner\/name or a repository URL$/m)
    assert.match(result.stderr, /^Next: Pass owner\/name for github\.com, such as --repository acme\/infrastructure, or the URL/m)
    assert.equal(existsSync(configFile()), false)
  })

  it('writes --team as user.team', () => {
    const result = init(['--team', 'payments', '--no-input'])
    assert.equal(result.status, 0, result.stderr)
    const text = readConfig()
    assert.ok(text.endsWith(`\n${TEAM_PAYMENTS.join('\n')}\n`), text)
  })

  it('quotes a team that YAML would read as another type', async () => {
    const result = init(['--team', 'true'])
    assert.equal(result.status, 0, result.stderr)
    assert.ok(readConfig().includes('\n  team: "true"\n'), readConfig())
    assert.deepEqual((await loadConfig({cwd: repo(), env})).user, {team: 'true'})
  })

  it('leaves the team as an example without a terminal', () => {
    const result = init([])
    assert.equal(result.status, 0, result.stderr)
    assert.ok(readConfig().endsWith(`\n${TEAM_EXAMPLE.join('\n')}\n`), readConfig())
    assert.match(result.stdout, /^Team: not set \(no prompt, because standard input or output is not a terminal\)\. Uncomment user\.team in \.idprc\.yaml, or pass --team\.$/m)
  })

  it('names every existing file and writes nothing', () => {
    dir.write('repo/.idprc.yaml', 'user:\n  team: payments\n')
    dir.write('repo/.idp/approval-policy.tests.yaml', 'kept\n')
    const result = init(['--policy', '--team', 'platform'])
    assert.equal(result.status, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^Error: idp init did not write anything, because these files exist: \.idprc\.yaml, \.idp\/approval-policy\.tests\.yaml$/m)
    assert.match(result.stderr, /^Next: Pass --force to replace them, after keeping what you need from them\.$/m)
    assert.equal(readConfig(), 'user:\n  team: payments\n')
    assert.equal(readFileSync(join(repo(), '.idp', 'approval-policy.tests.yaml'), 'utf8'), 'kept\n')
    assert.equal(existsSync(join(repo(), '.idp', 'approval-policy.yaml')), false)
  })

  it('reports existing files as JSON with exit code 2', () => {
    dir.write('repo/.idprc.yaml', '')
    const result = init(['--json'])
    assert.equal(result.status, 2)
    const error = JSON.parse(result.stdout).error
    assert.equal(error.code, 'FILES_EXIST')
    assert.deepEqual(error.files, [configFile()])
  })

  it('replaces existing files with --force', () => {
    dir.write('repo/.idprc.yaml', 'user:\n  team: payments\n')
    dir.write('repo/.idp/approval-policy.yaml', 'old policy\n')
    const result = init(['--policy', '--team', 'platform', '--force'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(result.stdout.split('\n').slice(0, 3), ['Replaced .idprc.yaml', 'Replaced .idp/approval-policy.yaml', 'Wrote .idp/approval-policy.tests.yaml'])
    assert.ok(readConfig().includes('\n  team: platform\n'))
    assert.equal(body(readFileSync(join(repo(), '.idp', 'approval-policy.yaml'), 'utf8')), body(bundledPolicy))
  })

  it('writes a shared policy whose cases pass', () => {
    const result = init(['--policy', '--team', 'payments'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(result.stdout.split('\n').slice(0, 3), ['Wrote .idprc.yaml', 'Wrote .idp/approval-policy.yaml', 'Wrote .idp/approval-policy.tests.yaml'])
    assert.ok(result.stdout.endsWith('Next:\n  idp policy test          runs the test cases of the new shared policy\n  idp db create --dry-run  shows the plan of a request, and writes nothing\n'), result.stdout)

    const policy = readFileSync(join(repo(), '.idp', 'approval-policy.yaml'), 'utf8')
    assert.equal(
      policy.slice(0, policy.indexOf('apiVersion:')),
      [
        `# yaml-language-server: $schema=${schemaUrl('approval-policy.schema.json')}`,
        '#',
        '# The shared approval policy of this repository. CI enforces it on every pull request with',
        "# `idp policy verify` (set up as idp's docs/ci.md shows), and idp reads it from the base branch",
        '# to decide each request. `idp init` copied it from the example bundled with idp, and idp\'s',
        '# docs/policy.md describes the rules. Change it in a pull request, and keep the cases in',
        '# approval-policy.tests.yaml passing: `idp policy test`.',
        '',
      ].join('\n'),
    )
    assert.equal(body(policy), body(bundledPolicy))

    const cases = readFileSync(join(repo(), '.idp', 'approval-policy.tests.yaml'), 'utf8')
    assert.equal(cases.split('\n')[0], `# yaml-language-server: $schema=${schemaUrl('approval-policy-tests.schema.json')}`)
    assert.ok(cases.includes('\nkind: ApprovalPolicyTests\n# The policy these cases test, relative to this file.\npolicy: approval-policy.yaml\n'), cases)
    assert.equal(body(cases).replace('# The policy these cases test, relative to this file.\npolicy: approval-policy.yaml\n', ''), body(bundledCases))

    const test = runCli(['policy', 'test', '--require-coverage'], {cwd: repo(), env})
    assert.equal(test.status, 0, test.stdout + test.stderr)
    assert.equal(test.stdout.split('\n')[0], '.idp/approval-policy.tests.yaml (policy .idp/approval-policy.yaml)')
    assert.match(test.stdout, /^\d+ passed, 0 failed$/m)
    assert.equal(test.stderr, '')
  })

  it('prints one JSON document with the files written', () => {
    addRemote('origin', 'git@github.com:acme/infrastructure.git')
    const result = init(['--policy', '--team', 'payments', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {
      root: repo(),
      inGitRepository: true,
      files: [configFile(), join(repo(), '.idp', 'approval-policy.yaml'), join(repo(), '.idp', 'approval-policy.tests.yaml')],
      replaced: [],
      target: {kind: 'github', repository: 'acme/infrastructure', host: 'github.com', detectedFrom: 'the git remote origin'},
      team: 'payments',
      next: ['idp policy test', 'idp db create --dry-run'],
      warnings: [],
    })
  })

  it('writes at the repository root from a subfolder', () => {
    mkdirSync(join(repo(), 'services', 'orders'), {recursive: true})
    const result = init(['--policy', '--no-input'], join(repo(), 'services', 'orders'))
    assert.equal(result.status, 0, result.stderr)
    assert.ok(existsSync(configFile()))
    assert.deepEqual(result.stdout.split('\n').slice(0, 3), ['Wrote ' + configFile(), 'Wrote ' + join(repo(), '.idp', 'approval-policy.yaml'), 'Wrote ' + join(repo(), '.idp', 'approval-policy.tests.yaml')])
    assert.match(result.stdout, /^ {2}idp policy test \S+\/\.idp\/approval-policy\.tests\.yaml {2}runs the test cases/m)
  })

  it('warns when a package.json below the root hides the file', () => {
    dir.write('repo/services/orders/package.json', '{"name": "orders"}\n')
    const result = init(['--no-input'], join(repo(), 'services', 'orders'))
    assert.equal(result.status, 0, result.stderr)
    assert.equal(
      result.stderr,
      `! idp does not read ${configFile()} in ${join(repo(), 'services', 'orders')}, because the configuration search stops at ${join(repo(), 'services', 'orders')}. Run idp from ${repo()}, or pass --config ${configFile()}.\n`,
    )
  })

  it('writes in the working folder outside a repository', async () => {
    const plain = join(dir.path, 'plain')
    mkdirSync(plain)
    const result = init(['--team', 'payments', '--json'], plain)
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.root, plain)
    assert.equal(document.inGitRepository, false)
    assert.deepEqual(document.target, {kind: 'none', reason: 'this folder is not in a git repository'})
    assert.equal(result.stderr, `! No git repository contains ${plain}, so idp init wrote the files in the working folder.\n`)
    assert.ok(existsSync(join(plain, '.idprc.yaml')))
    assert.deepEqual((await loadConfig({cwd: plain, env})).user, {team: 'payments'})
  })
})

describe('idp init in a terminal', () => {
  let dir: TempDir
  let session: PtySession | undefined

  beforeEach(() => {
    dir = tempDir('cli-init-pty')
    mkdirSync(join(dir.path, 'repo'))
    git(join(dir.path, 'repo'), ['init', '-q', '-b', 'main'])
  })

  afterEach(async () => {
    await session?.dispose()
    session = undefined
    dir.cleanup()
  })

  it('asks for the team', async () => {
    const env = sandboxEnv(join(dir.path, 'home'), {TERM: 'xterm-256color'})
    session = spawnCli(['init'], {cwd: join(dir.path, 'repo'), env, columns: 200})
    await session.expect('? Your team, the default for --team (empty to skip)')
    session.press(`payments${KEYS.enter}`)
    assert.equal((await session.waitForExit()).exitCode, 0, session.screen)
    assert.ok(readFileSync(join(dir.path, 'repo', '.idprc.yaml'), 'utf8').endsWith(`\n${TEAM_PAYMENTS.join('\n')}\n`))
  })

  it('leaves the team unset on an empty answer', async () => {
    const env = sandboxEnv(join(dir.path, 'home'), {TERM: 'xterm-256color'})
    session = spawnCli(['init'], {cwd: join(dir.path, 'repo'), env, columns: 200})
    await session.expect('? Your team, the default for --team (empty to skip)')
    session.press(KEYS.enter)
    assert.equal((await session.waitForExit()).exitCode, 0, session.screen)
    assert.ok(readFileSync(join(dir.path, 'repo', '.idprc.yaml'), 'utf8').endsWith(`\n${TEAM_EXAMPLE.join('\n')}\n`))
    assert.match(session.screen, /^Team: not set\. Uncomment user\.team in \.idprc\.yaml, or pass --team\.$/m)
  })
})
