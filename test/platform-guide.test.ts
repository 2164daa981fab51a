import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {binPath, git, resultOf, sandboxEnv, type CliResult} from './support/cli.js'
import type {FileSpec} from './support/github-server.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const guidePath = join(root, 'docs', 'platform-guide.md')

const TOKEN = 'ghp_platformguide0123456789'

// A command expected to exit with another code than 0 states the code in a trailing comment: `# exit 3`.
const DOCUMENTED_EXIT = /#\s*exit (\d+)\b/

/** A step of the guide: a shell command, or a file that the reader writes or appends to. */
type GuideStep =
  | {kind: 'command'; line: string; exitCode: number}
  | {kind: 'file'; path: string; content: string; append: boolean; intro: string}

/**
 * Reads the guide's `sh` blocks as commands, one a line, and its blocks marked
 * `file=<path>` or `append=<path>` as files, in the order they appear.
 */
function readGuide(markdown: string): GuideStep[] {
  const steps: GuideStep[] = []
  // A fenced code block: its language, the rest of its info string, and its text.
  const fence = /^```(\S*)([^\n]*)\n([\s\S]*?)^```$/gm
  let proseStart = 0
  for (const match of markdown.matchAll(fence)) {
    const [, language, attributes, body] = match
    const intro = markdown.slice(proseStart, match.index)
    proseStart = match.index + match[0].length
    const file = /\b(file|append)=(\S+)/.exec(attributes)
    if (file) {
      steps.push({kind: 'file', path: file[2], content: body, append: file[1] === 'append', intro})
      continue
    }

    if (language !== 'sh') continue
    for (const line of body.split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue
      steps.push({kind: 'command', line, exitCode: Number(DOCUMENTED_EXIT.exec(line)?.[1] ?? 0)})
    }
  }

  return steps
}

/** Returns the files of a branch of a local git repository, keyed by path, with their exact bytes. */
function filesOfBranch(repository: string, branch: string): Record<string, FileSpec> {
  const files: Record<string, FileSpec> = {}
  for (const path of git(repository, ['ls-tree', '-r', '--name-only', branch]).split('\n').filter(Boolean)) {
    const show = spawnSync('git', ['show', `${branch}:${path}`], {cwd: repository})
    assert.equal(show.status, 0, show.stderr.toString())
    files[path] = {content: show.stdout}
  }

  return files
}

const guide = readFileSync(guidePath, 'utf8')
const steps = readGuide(guide)

describe('platform guide', function () {
  this.timeout(240_000)

  let dir: TempDir
  let server: GitHubTestServer

  beforeEach(async () => {
    dir = tempDir('platform-guide')
    server = await GitHubTestServer.start()
    server.addToken(TOKEN, {login: 'ada'})
    for (const team of ['team-leads', 'finance', 'finance-leads', 'security']) server.addTeam('acme', team)
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  it('reads commands and files', () => {
    const commands = steps.filter((step) => step.kind === 'command')
    const files = steps.filter((step) => step.kind === 'file')
    assert.ok(commands.length >= 25, `only ${commands.length} commands`)
    assert.deepEqual(
      files.map((step) => step.path),
      ['actions/cache-create.yaml', 'actions/cache-create/main.tf', '.idprc.yaml', '.idprc.yaml', '.idp/approval-policy.yaml', '.idp/approval-policy.tests.yaml', '~/.config/idp/config.yaml'],
    )
  })

  it('names each file in the prose before it', () => {
    for (const step of steps) {
      if (step.kind === 'file') assert.ok(step.intro.includes(`\`${step.path}\``), `the text before the block of ${step.path} does not name it`)
    }
  })

  it('runs every command as documented', async () => {
    // The workspace: the clone of idp that the guide starts from, and `idp` on the PATH.
    const workspace = join(dir.path, 'workspace')
    mkdirSync(workspace)
    symlinkSync(root, join(workspace, 'idp'))
    dir.write('bin/idp', `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(binPath)} "$@"\n`, 0o755)

    // GitHub's git side: one empty bare repository per repository the guide pushes to. git
    // reads https://github.com/ as this folder, and git refuses every network protocol, so a
    // remote URL that is not rewritten fails before it connects.
    const remotes = join(dir.path, 'github')
    for (const name of ['platform-catalog', 'infrastructure']) git(dir.path, ['init', '--quiet', '--bare', '--initial-branch=main', join(remotes, 'acme', `${name}.git`)])
    const home = join(dir.path, 'home')
    const gitConfig = dir.write(
      'gitconfig',
      [
        '[user]\n\tname = Platform Engineer\n\temail = platform@example.com',
        `[url "${remotes}/"]\n\tinsteadOf = https://github.com/`,
        ...['https', 'http', 'ssh', 'git'].map((protocol) => `[protocol "${protocol}"]\n\tallow = never`),
        '',
      ].join('\n'),
    )
    const env = sandboxEnv(home, {
      PATH: `${join(dir.path, 'bin')}:${process.env.PATH}`,
      GIT_CONFIG_GLOBAL: gitConfig,
      GH_TOKEN: TOKEN,
      GITHUB_API_URL: server.url,
      IDP_GITHUB_RETRY_BASE_MS: '1',
      SHELL: '/bin/bash',
    })

    let cwd = workspace
    const pushed = new Map<string, string>()
    for (const step of steps) {
      if (step.kind === 'file') {
        const path = step.path.startsWith('~/') ? join(home, step.path.slice(2)) : resolve(cwd, step.path)
        mkdirSync(dirname(path), {recursive: true})
        if (step.append) {
          assert.ok(existsSync(path), `${step.path} to append to does not exist in ${cwd}`)
          appendFileSync(path, `\n${step.content}`)
        } else {
          writeFileSync(path, step.content)
        }

        continue
      }

      const result = await runStep(step.line, cwd, env)
      assert.equal(result.status, step.exitCode, `${step.line}\nin ${cwd}\n${result.stdout}\n${result.stderr}`)
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN), 'no token is printed')
      cwd = result.cwd
      syncPushes(remotes, server, pushed)
    }

    // What the guide promises at the end: one pull request for the large cache, none for the denied one.
    const pulls = server.pullRequests('acme', 'infrastructure')
    assert.deepEqual(
      pulls.map((pull) => [pull.number, pull.head, pull.requestedTeams]),
      [[1, 'idp/cache-create/sessions-production', ['team-leads']]],
    )
    assert.ok(pulls[0].labels.includes('idp:needs-approval'), pulls[0].labels.join(', '))
    const mainTf = server.filesAt('acme', 'infrastructure', pulls[0].head)['caches/production/sessions/main.tf'].content
    assert.match(mainTf, /^ {2}node_count = 2$/m)
    assert.match(mainTf, /^ {2}name {7}= "production-sessions"$/m)
    assert.match(readFileSync(join(home, '.bashrc'), 'utf8'), /idp/)
    server.assertNoViolations()
  })
})

/** Runs one command line of the guide in bash, and returns where it left the working folder. */
async function runStep(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult & {cwd: string}> {
  const pwdFile = join(dirname(env.GIT_CONFIG_GLOBAL!), 'pwd')
  const script = `${line}\nstatus=$?\npwd > ${JSON.stringify(pwdFile)}\nexit $status\n`
  const result = await resultOf(spawn('/bin/bash', ['--noprofile', '--norc', '-c', script], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']}))
  return {...result, cwd: readFileSync(pwdFile, 'utf8').trim()}
}

/**
 * Copies the main branch of each bare repository that the guide pushed to into the GitHub test
 * server, as a push to GitHub would: the first push creates the repository, later ones add a
 * commit. `pushed` maps each repository to the commit of its last copy.
 */
function syncPushes(remotes: string, server: GitHubTestServer, pushed: Map<string, string>): void {
  for (const owner of readdirSync(remotes)) {
    for (const bare of readdirSync(join(remotes, owner))) {
      const repository = join(remotes, owner, bare)
      const name = bare.replace(/\.git$/, '')
      const head = git(repository, ['for-each-ref', '--format=%(objectname)', 'refs/heads/main'])
      if (head === '' || pushed.get(repository) === head) continue

      const files = filesOfBranch(repository, 'main')
      if (pushed.has(repository)) {
        const removed = Object.keys(server.filesAt(owner, name, 'main')).filter((path) => !(path in files))
        server.pushCommit({owner, repo: name, branch: 'main', files: {...files, ...Object.fromEntries(removed.map((path) => [path, null]))}})
      } else {
        server.createRepository({owner, name, files})
      }

      pushed.set(repository, head)
    }
  }
}
