import {spawnSync} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path'
import {pathToFileURL} from 'node:url'
import {stringify} from 'yaml'

import {configSchemaPath, loadConfig, projectRoot} from '../config/config.js'
import {displayPath} from '../display-path.js'
import {ExitCode, IdpError} from '../errors.js'
import {bundledPolicyPath, defaultCasesPath, policySchemaPath, policyTestsSchemaPath} from '../policy/index.js'
import {xdgDir} from '../xdg.js'
import {SHARED_POLICY_PATH} from './policy-source.js'

/** Name of the configuration file that `idp init` writes at the repository root. */
export const CONFIG_FILE_NAME = '.idprc.yaml'

/** The delivery target that `idp init` writes: a GitHub repository, or none with the reason. */
export type InitTarget =
  | {kind: 'github'; repository: string; host: string; apiUrl?: string; detectedFrom?: string}
  | {kind: 'none'; reason: string}

export interface InitOptions {
  /** The working folder. The files go to the root of the git repository that contains it. */
  cwd: string
  env: NodeJS.ProcessEnv
  /** `--repository`: `owner/name` or the repository's URL. Without it, the git remote decides. */
  repository?: string
  /** `--team`. Without it, `askTeam` is called when given. */
  team?: string
  /** `--policy`: also write the shared approval policy and its test cases. */
  policy: boolean
  /** `--force`: replace files that exist. */
  force: boolean
  /** Prompts for the team, and returns undefined for an empty entry. The command passes it only when prompting is allowed. */
  askTeam?: () => Promise<string | undefined>
}

export interface InitResult {
  /** The folder the files were written in. */
  root: string
  /** False when no git repository contains the working folder, so `root` is the working folder. */
  inGitRepository: boolean
  /** Absolute paths of the files written, the configuration file first. */
  files: string[]
  /** The files of `files` that existed before and were replaced (`--force`). */
  replaced: string[]
  /** The policy test cases written with `policy`, which `idp policy test` runs. */
  policyTests?: string
  target: InitTarget
  team?: string
  /** Sentences for stderr about something the user should check. */
  warnings: string[]
}

/**
 * Writes `.idprc.yaml` (and with `policy`, the shared approval policy and its test cases) at the
 * root of the git repository containing `cwd`. Every file is checked before any is written:
 * files that exist stop the command unless `force` is set, and the files are written together
 * (all or none).
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const gitRoot = findGitRoot(options.cwd)
  const root = gitRoot ?? resolve(options.cwd)
  const flagTeam = options.team === undefined ? undefined : checkTeam(options.team)
  const target = options.repository === undefined ? detectTarget(gitRoot) : targetFromFlag(options.repository)

  const configPath = join(root, CONFIG_FILE_NAME)
  const policyPath = join(root, SHARED_POLICY_PATH)
  const casesPath = defaultCasesPath(policyPath)
  const paths = options.policy ? [configPath, policyPath, casesPath] : [configPath]
  const existing = paths.filter((path) => lstatSync(path, {throwIfNoEntry: false}) !== undefined)
  if (existing.length > 0 && !options.force) throw filesExistError(existing, options.cwd)

  const team = flagTeam ?? (await options.askTeam?.())
  const files = [{path: configPath, content: renderConfig({target, team, schema: schemaReference(configSchemaPath, root, root), env: options.env})}]
  if (options.policy) {
    files.push(
      {path: policyPath, content: renderSharedPolicy(readFileSync(bundledPolicyPath, 'utf8'), schemaReference(policySchemaPath, dirname(policyPath), root))},
      {path: casesPath, content: renderPolicyCases(readFileSync(defaultCasesPath(bundledPolicyPath), 'utf8'), schemaReference(policyTestsSchemaPath, dirname(casesPath), root), relative(dirname(casesPath), policyPath))},
    )
  }

  writeFilesTogether(files)

  const warnings: string[] = []
  if (!gitRoot) warnings.push(`No git repository contains ${root}, so idp init wrote the files in the working folder.`)
  const unread = await configNotReadWarning(configPath, options.cwd, options.env)
  if (unread) warnings.push(unread)
  return {root, inGitRepository: gitRoot !== undefined, files: paths, replaced: existing, policyTests: options.policy ? casesPath : undefined, target, team, warnings}
}

/**
 * Finds the root of the git repository containing `cwd`: the nearest folder with `.git` (a
 * folder, or a file in a worktree or submodule). Inside the home folder it stops there, as the
 * configuration search does.
 */
export function findGitRoot(cwd: string): string | undefined {
  const home = homedir()
  let dir = resolve(cwd)
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir
    const parent = dirname(dir)
    if (dir === home || parent === dir) return undefined
    dir = parent
  }
}

/** Checks the team name of `--team` and returns it trimmed. */
function checkTeam(value: string): string {
  const problem = teamProblem(value)
  if (problem) throw new IdpError(`--team ${JSON.stringify(value)} is invalid: ${problem}`, {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Pass the GitHub team slug, such as --team payments.'})
  return value.trim()
}

/** Returns why a team name cannot be written, or undefined when it can. */
function teamProblem(value: string): string | undefined {
  if (value.trim() === '') return 'it is empty'
  // A line break or control character would end the YAML comment or value it is written into.
  if (/\p{Cc}/u.test(value)) return 'it contains a line break or another control character'
  return undefined
}

/** Prompts for the team. An empty entry leaves the team unset. */
export async function askTeam(): Promise<string | undefined> {
  const {inquirerPrompter} = await import('./prompts.js')
  const entry = await inquirerPrompter.ask({
    input: {name: 'team', flag: 'team', required: false, schema: {type: 'string', title: 'Your team, the default for --team (empty to skip)'}},
    parse: (text) => ({value: text.trim()}),
    validate: (value) => teamProblem(String(value)),
  })
  return typeof entry === 'string' && entry !== '' ? entry : undefined
}

// ---------------------------------------------------------------------------------------------
// The GitHub repository, from --repository or the git remote

/** A repository URL taken apart. `web` is set for http and https URLs, whose port is the web server's. */
interface RepositoryLocation {
  host: string
  owner: string
  name: string
  web?: {protocol: 'http' | 'https'; port: string}
}

// owner/name with the characters that the configuration schema allows in each part.
const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const PATH_PART = /^[A-Za-z0-9_.-]+$/
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i
// git's scp-like syntax, [user@]host:path: the host has no slash, and the path does not start
// with `//` (that would be a URL).
const SCP_LIKE = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.+)$/
const GIT_URL_SCHEMES = new Set(['https', 'http', 'ssh', 'git', 'git+ssh', 'ssh+git'])
// ssh.github.com serves SSH on port 443 for networks that block port 22.
const GITHUB_COM_HOSTS = new Set(['github.com', 'www.github.com', 'ssh.github.com'])

/** Reads the GitHub repository from a remote URL: https, ssh://, git:// or git@host:owner/name.git. */
export function parseRepositoryUrl(url: string): RepositoryLocation | undefined {
  const text = url.trim()
  let host: string
  let path: string
  let web: RepositoryLocation['web']
  const scheme = URL_SCHEME.exec(text)?.[1].toLowerCase()
  if (scheme) {
    if (!GIT_URL_SCHEMES.has(scheme)) return undefined
    let parsed: URL
    try {
      parsed = new URL(text)
    } catch {
      return undefined
    }

    host = parsed.hostname
    path = parsed.pathname
    if (scheme === 'http' || scheme === 'https') web = {protocol: scheme, port: parsed.port}
  } else {
    const match = SCP_LIKE.exec(text)
    if (!match) return undefined
    host = match[1]
    path = match[2]
  }

  const parts = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '').split('/')
  if (parts.length !== 2 || !parts.every((part) => PATH_PART.test(part) && part !== '.' && part !== '..')) return undefined
  return {host: host.toLowerCase().replace(/\.$/, ''), owner: parts[0], name: parts[1], web}
}

/**
 * Returns the REST API URL of a repository's host: none for github.com, `https://api.SUB.ghe.com`
 * for GitHub Enterprise Cloud with data residency, and `https://HOST/api/v3` for GitHub
 * Enterprise Server. Returns undefined for a host that does not look like a GitHub server,
 * unless `anyHost` is set because the user named the repository.
 */
function githubApiUrl(location: RepositoryLocation, anyHost: boolean): {apiUrl?: string} | undefined {
  const {host, web} = location
  if (GITHUB_COM_HOSTS.has(host)) return {}
  const dataResidency = /^([a-z0-9-]+)\.ghe\.com$/.exec(host)
  if (dataResidency) return {apiUrl: `https://api.${dataResidency[1]}.ghe.com`}
  if (!anyHost && !looksLikeEnterpriseServer(host)) return undefined
  // The port of an ssh:// URL is the SSH server's, so only a web URL's port is kept.
  const origin = web ? `${web.protocol}://${host}${web.port ? `:${web.port}` : ''}` : `https://${host}`
  return {apiUrl: `${origin}/api/v3`}
}

/**
 * Guesses whether a host is a GitHub Enterprise Server from its name, because nothing is sent
 * to it: a domain name (at least two labels, ending in a top-level domain of letters) with
 * "github" in a label, such as github.example.com. An SSH alias such as `github-work` or
 * `github.com-work` is not a domain name, so it is not recognized.
 */
function looksLikeEnterpriseServer(host: string): boolean {
  const labels = host.split('.')
  if (labels.length < 2 || !/^[a-z]{2,63}$/.test(labels.at(-1)!)) return false
  return labels.some((label) => label.includes('github'))
}

/** Builds the target from `--repository`, which is `owner/name` on github.com or a repository URL on any host. */
function targetFromFlag(value: string): InitTarget {
  if (OWNER_NAME.test(value) && value.split('/').every((part) => part !== '.' && part !== '..')) {
    return {kind: 'github', repository: value, host: 'github.com'}
  }

  const location = parseRepositoryUrl(value)
  if (!location) {
    throw new IdpError(`--repository ${JSON.stringify(value)} is not owner/name or a repository URL`, {
      code: 'USAGE_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Pass owner/name for github.com, such as --repository acme/infrastructure, or the URL for GitHub Enterprise, such as --repository https://github.example.com/acme/infrastructure.',
    })
  }

  const {apiUrl} = githubApiUrl(location, true)!
  return {kind: 'github', repository: `${location.owner}/${location.name}`, host: location.host, apiUrl}
}

/** Detects the GitHub repository from the git remote `origin`, or from the only remote when there is no `origin`. */
function detectTarget(gitRoot: string | undefined): InitTarget {
  if (!gitRoot) return {kind: 'none', reason: 'this folder is not in a git repository'}
  const remotes = runGit(gitRoot, ['remote'])
  if ('error' in remotes) return {kind: 'none', reason: `git could not list the remotes (${remotes.error})`}
  const names = remotes.output.split('\n').filter(Boolean)
  if (names.length === 0) return {kind: 'none', reason: 'this repository has no git remote'}
  let name: string | undefined
  if (names.includes('origin')) name = 'origin'
  else if (names.length === 1) name = names[0]
  if (name === undefined) return {kind: 'none', reason: `this repository has several git remotes (${names.join(', ')}) and none is called origin`}

  const url = runGit(gitRoot, ['remote', 'get-url', name])
  if ('error' in url) return {kind: 'none', reason: `git could not read the URL of the remote ${name} (${url.error})`}
  const location = parseRepositoryUrl(url.output)
  const server = location && githubApiUrl(location, false)
  if (!location || !server) return {kind: 'none', reason: `the git remote ${name} (${displayUrl(url.output)}) is not a GitHub repository that idp recognizes`}
  return {kind: 'github', repository: `${location.owner}/${location.name}`, host: location.host, apiUrl: server.apiUrl, detectedFrom: `the git remote ${name}`}
}

function runGit(cwd: string, args: string[]): {output: string} | {error: string} {
  const result = spawnSync('git', args, {cwd, encoding: 'utf8'})
  if (result.error) return {error: result.error.message}
  if (result.status !== 0) return {error: result.stderr.trim().split('\n')[0] || `exit code ${result.status}`}
  return {output: result.stdout.trim()}
}

/** Shows a remote URL without its user name and password, which can be a token. */
function displayUrl(url: string): string {
  const text = url.trim().replaceAll(/\p{Cc}/gu, '')
  if (!URL_SCHEME.test(text)) return text
  try {
    const parsed = new URL(text)
    parsed.username = ''
    parsed.password = ''
    return parsed.href
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//')
  }
}

// ---------------------------------------------------------------------------------------------
// The files

/** Points a `# yaml-language-server: $schema=` line at a schema file of this idp installation. */
function schemaReference(schema: string, fromFolder: string, root: string): string {
  // A schema inside the repository, such as under node_modules, is named by a relative path, so the
  // line works on every clone. yaml-language-server reads the path up to the first white space.
  const inside = relative(root, schema)
  if (!inside.startsWith('..') && !isAbsolute(inside) && !/\s/.test(schema)) return relative(fromFolder, schema).split(sep).join('/')
  return pathToFileURL(schema).href
}

/** Formats a value as a YAML scalar, quoted when plain text would be read as something else. */
function yamlScalar(value: string): string {
  return stringify(value, {lineWidth: 0}).trimEnd()
}

/**
 * Wraps text into comment lines of at most 96 characters, with the given indentation. Words and
 * `code spans` are never broken, so a line with a long one can exceed the width.
 */
function comment(text: string, indent = ''): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.match(/[^\s`]*`[^`]*`\S*|\S+/g) ?? []) {
    if (line !== '' && indent.length + 2 + line.length + 1 + word.length > 96) {
      lines.push(`${indent}# ${line}`)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }

  if (line !== '') lines.push(`${indent}# ${line}`)
  return lines
}

/** Comments out YAML lines, keeping their indentation readable. */
function commentedOut(lines: string[]): string[] {
  return lines.map((line) => `# ${line}`)
}

interface ConfigContent {
  target: InitTarget
  team?: string
  schema: string
  env: NodeJS.ProcessEnv
}

/** Renders `.idprc.yaml`: every key with a comment saying what it does, and the blocks left out as commented examples. */
export function renderConfig(content: ConfigContent): string {
  const lines = [
    `# yaml-language-server: $schema=${content.schema}`,
    '#',
    ...comment("Configuration of idp for this repository, written by `idp init`. idp's docs/configuration.md describes every key."),
    '',
    ...(content.target.kind === 'github' ? githubTargetLines(content.target) : noTargetLines(content.target.reason, content.env)),
    '',
    ...userLines(content.team),
  ]
  return `${lines.join('\n')}\n`
}

function githubTargetLines(target: Extract<InitTarget, {kind: 'github'}>): string[] {
  const lines = [
    ...comment('Where idp delivers each request. The GitHub token comes from GH_TOKEN, GITHUB_TOKEN or `gh auth login`, never from this file.'),
    'target:',
    '  # Open a pull request in a GitHub repository.',
    '  github:',
    ...comment(`The repository that receives the pull requests, as owner/name${target.detectedFrom ? ` (detected from ${target.detectedFrom})` : ''}.`, '    '),
    `    repository: ${yamlScalar(target.repository)}`,
  ]
  if (target.apiUrl) lines.push('    # The REST API of the GitHub Enterprise host. The GITHUB_API_URL variable wins over it.', `    apiUrl: ${yamlScalar(target.apiUrl)}`)
  return lines
}

function noTargetLines(reason: string, env: NodeJS.ProcessEnv): string[] {
  const repository = displayHomePath(join(xdgDir(env, 'XDG_DATA_HOME'), 'idp', 'infrastructure'))
  return [
    ...comment(
      `Where idp delivers each request. No GitHub repository is set, because ${reason}. Unless your user file sets a target, idp commits each request to a new branch of the local repository ${repository}, and creates it on first use.`,
    ),
    '#',
    '# To commit to another local repository, uncomment these lines and set its path:',
    ...commentedOut([
      'target:',
      '  # Commit each request to a new branch of a local git repository.',
      '  git:',
      '    # The repository folder. idp creates the repository on first use.',
      `    path: ${yamlScalar(repository)}`,
    ]),
    '#',
    ...comment(
      'To open pull requests on GitHub instead, uncomment these lines and set the repository, or run `idp init --repository owner/name --force`. idp then needs a token in GH_TOKEN or GITHUB_TOKEN, or `gh auth login`.',
    ),
    ...commentedOut([
      'target:',
      '  # Open a pull request in a GitHub repository.',
      '  github:',
      '    # The repository that receives the pull requests, as owner/name.',
      '    repository: owner/name',
      '    # Only for GitHub Enterprise Server: its REST API.',
      '    apiUrl: https://HOST/api/v3',
    ]),
  ]
}

function userLines(team: string | undefined): string[] {
  const block = ['user:', '  # Your team: the default for inputs such as --team.', `  team: ${yamlScalar(team ?? 'payments')}`]
  const summary = 'Who you are: idp pre-fills inputs with it and shows it to the approval policy as the requester.'
  if (team !== undefined) return [...comment(summary), ...block]
  return [...comment(`${summary} To set your team, uncomment these lines and replace the example.`), ...commentedOut(block)]
}

/** Shows a path below the home folder as `~/...`, which configuration files accept. */
function displayHomePath(path: string): string {
  const below = relative(homedir(), path)
  return below !== '' && !below.startsWith('..') && !isAbsolute(below) ? `~/${below.split(sep).join('/')}` : path
}

/** Drops the leading comment block of a bundled file, whose schema path and wording are for the bundled copy. */
function withoutLeadingComments(text: string): string {
  const lines = text.split('\n')
  const first = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('#'))
  return lines.slice(Math.max(first, 0)).join('\n')
}

/** Renders `.idp/approval-policy.yaml` from the bundled policy, with a header for the repository's own copy. */
export function renderSharedPolicy(bundled: string, schema: string): string {
  const header = [
    `# yaml-language-server: $schema=${schema}`,
    '#',
    ...comment(
      "The shared approval policy of this repository. CI enforces it on every pull request with `idp policy verify` (set up as idp's docs/ci.md shows), and idp reads it from the base branch to decide each request. `idp init` copied it from the example bundled with idp, and idp's docs/policy.md describes the rules. Change it in a pull request, and keep the cases in approval-policy.tests.yaml passing: `idp policy test`.",
    ),
  ]
  return `${header.join('\n')}\n${withoutLeadingComments(bundled)}`
}

/** Renders `.idp/approval-policy.tests.yaml` from the bundled cases, with `policy:` naming the copied policy. */
export function renderPolicyCases(bundled: string, schema: string, policy: string): string {
  const header = [
    `# yaml-language-server: $schema=${schema}`,
    '#',
    ...comment(
      `Test cases of ${policy} in this folder. \`idp policy test\` runs them, and \`idp policy test --require-coverage\` also fails when a rule has no case. \`idp init\` copied them from the examples bundled with idp. Add a case for each rule you add or change. idp's docs/policy.md describes the format under "Test cases".`,
    ),
  ]
  const body = withoutLeadingComments(bundled).replace(/^policy:.*\n/m, '')
  const kind = /^kind:.*\n/m.exec(body)
  if (!kind) throw new Error(`The bundled policy test cases have no top-level kind: ${defaultCasesPath(bundledPolicyPath)}`)
  const end = kind.index + kind[0].length
  const policyLines = `# The policy these cases test, relative to this file.\npolicy: ${yamlScalar(policy.split(sep).join('/'))}\n`
  return `${header.join('\n')}\n${body.slice(0, end)}${policyLines}${body.slice(end)}`
}

/** Builds the error for files that exist, naming all of them. */
function filesExistError(existing: string[], cwd: string): IdpError {
  const names = existing.map((path) => displayPath(path, cwd))
  return new IdpError(`idp init did not write anything, because ${names.length === 1 ? 'this file exists' : 'these files exist'}: ${names.join(', ')}`, {
    code: 'FILES_EXIST',
    exitCode: ExitCode.usage,
    details: {files: existing},
    hint: 'Pass --force to replace them, after keeping what you need from them.',
  })
}

/**
 * Writes all files or none: each goes to a temporary file next to it first, and the temporary
 * files are renamed into place only when all of them were written.
 */
function writeFilesTogether(files: Array<{path: string; content: string}>): void {
  const pending = files.map((file) => ({...file, temporary: `${file.path}.${process.pid}.tmp`}))
  const createdFolders: string[] = []
  const renamed: string[] = []
  let current = files[0]?.path ?? ''
  try {
    for (const file of pending) {
      current = file.path
      const folder = dirname(file.path)
      if (!existsSync(folder)) {
        mkdirSync(folder, {recursive: true})
        createdFolders.push(folder)
      }

      writeFileSync(file.temporary, file.content, {flag: 'wx'})
    }

    for (const file of pending) {
      current = file.path
      renameSync(file.temporary, file.path)
      renamed.push(file.path)
    }
  } catch (error) {
    for (const file of pending) rmSync(file.temporary, {force: true})
    for (const folder of createdFolders.reverse()) {
      if (readdirSync(folder).length === 0) rmdirSync(folder)
    }

    const written = renamed.length === 0 ? 'Nothing was written.' : `Only ${renamed.join(', ')} ${renamed.length === 1 ? 'was' : 'were'} written.`
    throw new IdpError(`Cannot write ${current}: ${(error as Error).message}`, {
      code: 'WRITE_FAILED',
      exitCode: ExitCode.failure,
      cause: error,
      hint: `${written} Fix the folder or its permissions, then run idp init again${renamed.length > 0 ? ' with --force' : ''}.`,
    })
  }
}

/**
 * Returns a warning when idp, run in the working folder, does not read the written
 * configuration: another configuration file is found first, or the search stops below the
 * repository root at a folder with its own package.json.
 */
async function configNotReadWarning(configPath: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.IDP_CONFIG) return `IDP_CONFIG is set, so idp reads ${env.IDP_CONFIG} instead of ${configPath} until you unset it.`
  let sources: string[]
  try {
    sources = (await loadConfig({cwd, env})).sources
  } catch (error) {
    return `idp cannot load its configuration in ${cwd}: ${(error as Error).message}`
  }

  if (sources.includes(configPath)) return undefined
  const userFolder = join(xdgDir(env, 'XDG_CONFIG_HOME'), 'idp')
  const other = sources.find((source) => dirname(source) !== userFolder)
  if (other) return `idp reads ${other} in ${cwd}, not ${configPath}, because the configuration search finds it first. Merge the two files and delete ${other}.`
  return `idp does not read ${configPath} in ${cwd}, because the configuration search stops at ${projectRoot(cwd)}. Run idp from ${dirname(configPath)}, or pass --config ${configPath}.`
}

export {displayPath}
