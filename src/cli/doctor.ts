import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {isAbsolute, join, relative, resolve} from 'node:path'

import {bundledCatalogDir, duplicateError, listManifestFiles, readCatalog} from '../actions/catalog.js'
import {loadManifest} from '../actions/manifest.js'
import {loadConfig, type IdpConfig} from '../config/config.js'
import {createGitHubClient, createGitHubTarget, type RestClient} from '../delivery/github.js'
import {createGitTarget} from '../delivery/git.js'
import {githubError} from '../delivery/github-errors.js'
import type {BaseFile} from '../delivery/target.js'
import {findToken} from '../delivery/token.js'
import {IdpError, formatProblem, type Problem} from '../errors.js'
import {bundledPolicyPath, defaultCasesPath, loadPolicy, parsePolicy, type Policy} from '../policy/index.js'
import {SHARED_POLICY_PATH, sharedPolicyPath} from './policy-source.js'
import {createTargetSummary, retryBaseOf} from './targets.js'
import {displayPath} from '../display-path.js'

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/** The checks of `idp doctor`, in the order they run and are printed. */
export const CHECK_TITLES = {
  config: 'Configuration',
  catalog: 'Action catalog',
  target: 'Target',
  token: 'GitHub token',
  repository: 'Repository',
  policy: 'Approval policy',
  'policy-tests': 'Policy tests',
  teams: 'Approver teams',
} as const

export type CheckId = keyof typeof CHECK_TITLES

/** The outcome of one check. */
export interface CheckResult {
  id: CheckId
  title: string
  status: CheckStatus
  detail: string
  /** The fix for a failure or a warning. */
  fix?: string
  /** Located problems behind a failure, such as the invalid keys of a configuration file. */
  problems?: Problem[]
}

export interface DoctorReport {
  /** False when a check failed. Warnings and skipped checks keep it true. */
  ok: boolean
  counts: Record<CheckStatus, number>
  checks: CheckResult[]
}

export interface DoctorOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** `--config`: the configuration file to use instead of searching for one. */
  configFile?: string
}

/** The target that the configuration sends requests to. */
type Location =
  | {kind: 'github'; repository: string; owner: string; apiUrl: string; baseBranch?: string}
  | {kind: 'git'; path: string; configured: boolean; baseBranch?: string}

/** Facts that later checks need from earlier ones. A missing fact makes the later check skip. */
interface DoctorState {
  options: DoctorOptions
  config?: IdpConfig
  location?: Location
  client?: RestClient
  /** The accepted token, for the delivery target that reads the shared policy. Never printed. */
  token?: string
  /** The base branch and its head commit, once check `repository` found them. */
  base?: {branch: string; commit: string}
  /** The reason check `repository` failed or was skipped, which keeps the shared policy from being read. */
  baseMissing?: string
  /** The policies that decide requests, once check `policy` loaded them. */
  deciding?: Policy[]
  /** Set when the shared policy on the base branch decides (not a local file or the bundled example). */
  sharedDecides?: boolean
}

/**
 * Checks the setup of idp step by step: configuration, catalog, target, token, repository,
 * approval policy, its test cases and the approver teams. A failed check does not stop the
 * others, but a check that needs what a failed one would have found is skipped with the reason.
 * Only GitHub's REST API at the configured URL is contacted, and only with read requests.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const state: DoctorState = {options}
  const checks: CheckResult[] = []
  checks.push(await checkConfig(state))
  checks.push(await checkCatalog(state))
  checks.push(checkTarget(state))
  checks.push(await checkToken(state))
  checks.push(await checkRepository(state))
  checks.push(await checkPolicy(state))
  checks.push(await checkPolicyTests(state))
  checks.push(await checkTeams(state))

  const counts: Record<CheckStatus, number> = {pass: 0, warn: 0, fail: 0, skip: 0}
  for (const check of checks) counts[check.status]++
  return {ok: counts.fail === 0, counts, checks}
}

function result(id: CheckId, status: CheckStatus, detail: string, extra: {fix?: string; problems?: Problem[]} = {}): CheckResult {
  const check: CheckResult = {id, title: CHECK_TITLES[id], status, detail}
  if (extra.fix !== undefined) check.fix = extra.fix
  if (extra.problems !== undefined && extra.problems.length > 0) check.problems = extra.problems
  return check
}

/** Turns an IdpError into a failed check, with its problems and its hint as the fix. Other errors are bugs and propagate. */
function failure(id: CheckId, error: unknown, fallbackFix: string): CheckResult {
  if (!(error instanceof IdpError)) throw error
  return result(id, 'fail', error.message, {fix: error.hint ?? fallbackFix, problems: error.problems})
}

// ---------------------------------------------------------------------------------------------
// 1. Configuration

async function checkConfig(state: DoctorState): Promise<CheckResult> {
  const {cwd, env, configFile} = state.options
  try {
    state.config = await loadConfig({cwd, env, file: configFile})
  } catch (error) {
    return failure('config', error, 'Fix the file named above, or point --config at another one.')
  }

  const {sources} = state.config
  if (sources.length === 0) return result('config', 'pass', 'no configuration file, so the defaults apply')
  return result('config', 'pass', `read ${sources.map((source) => displayPath(source, cwd)).join(', ')}`)
}

// ---------------------------------------------------------------------------------------------
// 2. Action catalog

async function checkCatalog(state: DoctorState): Promise<CheckResult> {
  const {config} = state
  if (!config) return result('catalog', 'skip', 'skipped, because the configuration is invalid')
  const {cwd} = state.options

  const problems: Problem[] = []
  const missing = config.catalog.filter((dir) => !isDirectory(dir))
  for (const dir of missing) problems.push({file: dir, message: 'the catalog folder does not exist'})

  // readCatalog is what idp lists at start-up: Action manifests, and files it could not read.
  // Each of them is loaded with full validation, as running the action would.
  const catalog = readCatalog(config.catalog)
  const files = [...catalog.entries.map((entry) => entry.file), ...catalog.problems.map((problem) => problem.file)]
  const invalid = new Set<string>()
  for (const file of listManifestFiles([bundledCatalogDir, ...config.catalog]).filter((candidate) => files.includes(candidate))) {
    try {
      await loadManifest(file)
    } catch (error) {
      if (!(error instanceof IdpError)) throw error
      invalid.add(file)
      problems.push(...(error.problems.length > 0 ? error.problems : [{file, message: error.message}]))
    }
  }

  const duplicates = catalog.duplicates.length > 0 ? duplicateError(catalog.duplicates).problems : []
  problems.push(...duplicates)
  const valid = catalog.entries.filter((entry) => !invalid.has(entry.file))
  const folders = `${1 + config.catalog.length} ${config.catalog.length === 0 ? 'folder' : 'folders'}`
  const actions = `${valid.length} ${valid.length === 1 ? 'action' : 'actions'} (${valid.map((entry) => entry.name).join(', ') || 'none'}) in ${folders}`
  if (problems.length === 0) return result('catalog', 'pass', actions)

  const named = [...invalid].map((file) => displayPath(file, cwd))
  const status: CheckStatus = named.length > 0 || missing.length > 0 || duplicates.length > 0 ? 'fail' : 'warn'
  const parts = [
    named.length > 0 ? `${named.length === 1 ? 'a manifest is' : `${named.length} manifests are`} invalid: ${named.join(', ')}` : '',
    missing.length > 0 ? `${missing.length === 1 ? 'a catalog folder does' : `${missing.length} catalog folders do`} not exist: ${missing.map((dir) => displayPath(dir, cwd)).join(', ')}` : '',
    duplicates.length > 0 ? `${catalog.duplicates.length === 1 ? 'an action name or command is' : `${catalog.duplicates.length} action names or commands are`} declared by more than one manifest, so their commands fail` : '',
  ].filter(Boolean)
  const configFile = config.sources.at(-1)
  return result('catalog', status, `${parts.join('; ')}. Loaded ${actions}`, {
    problems,
    fix: `Fix each problem listed: an invalid manifest fails when its action runs, and two manifests with the same action name or command words make the commands of both fail until one is changed. The \`catalog\` key of ${configFile ? displayPath(configFile, cwd) : 'the configuration'} lists the folders.`,
  })
}

// ---------------------------------------------------------------------------------------------
// 3. Target

function checkTarget(state: DoctorState): CheckResult {
  const {config} = state
  if (!config) return result('target', 'skip', 'skipped, because the configuration is invalid')
  let summary: Record<string, unknown>
  try {
    summary = createTargetSummary(config, state.options.env)
  } catch (error) {
    return failure('target', error, 'Fix the target in the configuration.')
  }

  const {github, git} = config.target
  if (summary.kind === 'github' && github) {
    const apiUrl = String(summary.apiUrl)
    state.location = {kind: 'github', repository: github.repository, owner: github.repository.split('/')[0], apiUrl, baseBranch: github.baseBranch}
    return result('target', 'pass', `pull requests in the GitHub repository ${github.repository} (API ${apiUrl})`)
  }

  const path = String(summary.path)
  const which = git ? 'the local git repository' : 'the default local git repository'
  const location: Location = {kind: 'git', path, configured: git !== undefined, baseBranch: git?.baseBranch}
  if (!existsSync(path) || (isDirectory(path) && readdirSync(path).length === 0)) {
    state.location = location
    return result('target', 'pass', `branches in ${which} ${path}, which idp creates on the first submission`)
  }

  if (!isGitRepository(path)) {
    return result('target', 'fail', `${path} exists but is not a git repository`, {
      fix: `Point target.git.path at a git repository, or run \`git init\` in ${path}.`,
    })
  }

  state.location = location
  return result('target', 'pass', `branches in ${which} ${path}`)
}

/** Tells whether a folder is the top of a git repository (not a folder inside one), as the git target does. */
function isGitRepository(path: string): boolean {
  const output = spawnSync('git', ['rev-parse', '--git-dir'], {cwd: path, encoding: 'utf8'})
  if (output.status !== 0) return false
  const gitDir = output.stdout.trim()
  return gitDir === '.git' || gitDir === '.' || (!isAbsolute(gitDir) && existsSync(join(path, gitDir)))
}

function isDirectory(path: string): boolean {
  return statSync(path, {throwIfNoEntry: false})?.isDirectory() ?? false
}

// ---------------------------------------------------------------------------------------------
// 4. GitHub token

async function checkToken(state: DoctorState): Promise<CheckResult> {
  const {location} = state
  if (!location) return result('token', 'skip', 'skipped, because the target is not known')
  if (location.kind === 'git') return result('token', 'skip', 'not needed, because the target is a local git repository')

  let token: Awaited<ReturnType<typeof findToken>>
  try {
    token = await findToken(location.apiUrl, state.options.env)
  } catch (error) {
    return failure('token', error, 'Set GH_TOKEN to the token alone, on one line.')
  }

  if (!token) {
    return result('token', 'fail', 'no token: GH_TOKEN and GITHUB_TOKEN are not set, and `gh auth token` returned none', {
      fix: `Set GH_TOKEN (or GITHUB_TOKEN) to a token that can read and write ${location.repository}, or log in with \`gh auth login\`.`,
    })
  }

  const client = createGitHubClient({apiUrl: location.apiUrl, token: token.token, retryBaseMs: retryBaseOf(state.options.env)})
  try {
    const {data} = await client.rest.users.getAuthenticated()
    state.client = client
    state.token = token.token
    return result('token', 'pass', `from ${token.origin}, accepted for ${data.login}`)
  } catch (error) {
    if ((error as {status?: number}).status === 401) {
      return result('token', 'fail', `the token from ${token.origin} was rejected: GET /user returned 401`, {
        fix: `Replace the token in ${token.origin} with a valid one (it may have expired or been revoked), or log in again with \`gh auth login\`.`,
      })
    }

    return failure('token', githubError(error, {repository: location.repository, apiUrl: location.apiUrl, step: 'Reading the account of the token'}), '')
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Repository and base branch

async function checkRepository(state: DoctorState): Promise<CheckResult> {
  const {location} = state
  if (!location) return result('repository', 'skip', 'skipped, because the target is not known')
  if (location.kind === 'git') return checkGitRepository(state, location)
  const {client} = state
  if (!client) {
    state.baseMissing = 'GitHub did not accept a token'
    return result('repository', 'skip', 'skipped, because GitHub did not accept a token')
  }

  const [owner, repo] = location.repository.split('/')
  let defaultBranch: string
  try {
    defaultBranch = (await client.rest.repos.get({owner, repo})).data.default_branch
  } catch (error) {
    state.baseMissing = `${location.repository} is not reachable`
    return failure('repository', githubError(error, {repository: location.repository, apiUrl: location.apiUrl, step: `Reading ${location.repository}`}), '')
  }

  const branch = location.baseBranch ?? defaultBranch
  const which = location.baseBranch ? 'target.github.baseBranch' : 'the default branch'
  try {
    const {data} = await client.rest.git.getRef({owner, repo, ref: `heads/${branch}`})
    state.base = {branch, commit: data.object.sha}
    return result('repository', 'pass', `${location.repository}, base branch ${branch} (${which}) at ${data.object.sha.slice(0, 12)}`)
  } catch (error) {
    state.baseMissing = `the base branch ${branch} does not exist`
    if ((error as {status?: number}).status === 404) {
      return result('repository', 'fail', `${location.repository} has no branch ${branch} (${which})`, {
        fix: `Set target.github.baseBranch to an existing branch, or remove it to use the default branch ${defaultBranch}.`,
      })
    }

    return failure('repository', githubError(error, {repository: location.repository, apiUrl: location.apiUrl, step: `Reading the branch ${branch}`}), '')
  }
}

function checkGitRepository(state: DoctorState, location: Extract<Location, {kind: 'git'}>): CheckResult {
  if (!isGitRepository(location.path)) {
    return result('repository', 'skip', `skipped, because idp creates the repository, with the branch ${location.baseBranch ?? 'main'}, on the first submission`)
  }

  const head = spawnSync('git', ['symbolic-ref', '--short', 'HEAD'], {cwd: location.path, encoding: 'utf8'})
  const branch = location.baseBranch ?? (head.status === 0 ? head.stdout.trim() : 'main')
  const which = location.baseBranch ? 'target.git.baseBranch' : 'the checked-out branch'
  const commit = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {cwd: location.path, encoding: 'utf8'})
  if (commit.status === 0) {
    state.base = {branch, commit: commit.stdout.trim()}
    return result('repository', 'pass', `${location.path}, base branch ${branch} (${which}) at ${commit.stdout.trim().slice(0, 12)}`)
  }

  if (!location.baseBranch) return result('repository', 'pass', `${location.path}, base branch ${branch} (${which}) without commits yet`)
  state.baseMissing = `the base branch ${branch} does not exist`
  return result('repository', 'fail', `${location.path} has no branch ${branch} (${which})`, {
    fix: `Set target.git.baseBranch to an existing branch (see \`git -C "${location.path}" branch\`), or remove it to use the checked-out branch.`,
  })
}

// ---------------------------------------------------------------------------------------------
// 6. Approval policy

async function checkPolicy(state: DoctorState): Promise<CheckResult> {
  const {config, location} = state
  if (!config || !location) return result('policy', 'skip', `skipped, because the ${config ? 'target' : 'configuration'} is not known`)

  const shared = await readSharedPolicy(state, config, location)
  const local = await loadLocalPolicy(state, config)
  if (shared.policy) state.deciding = local.policy ? [shared.policy, local.policy] : [shared.policy]
  else if (!shared.stop && local.policy) state.deciding = [local.policy]
  else if (!shared.stop && !local.failed) state.deciding = [await loadPolicy(bundledPolicyPath, {kind: 'bundled'})]
  state.sharedDecides = shared.policy !== undefined

  const parts = [shared, local].filter((part) => part.detail !== '')
  const status: CheckStatus = parts.some((part) => part.status === 'fail') ? 'fail' : parts.some((part) => part.status === 'warn') ? 'warn' : parts.every((part) => part.status === 'skip') ? 'skip' : 'pass'
  const fixes = parts.map((part) => part.fix).filter((fix): fix is string => fix !== undefined)
  return result('policy', status, parts.map((part) => part.detail).join('; '), {
    fix: fixes.length > 0 && status !== 'pass' && status !== 'skip' ? fixes.join(' ') : undefined,
    problems: parts.flatMap((part) => part.problems),
  })
}

/** Result of one part of the policy check. `stop` means no request can be decided, so later checks skip. */
interface PolicyPart {
  status: CheckStatus
  detail: string
  fix?: string
  problems: Problem[]
  policy?: Policy
  stop?: boolean
  failed?: boolean
}

async function readSharedPolicy(state: DoctorState, config: IdpConfig, location: Location): Promise<PolicyPart> {
  const path = sharedPolicyPath(config)
  if (location.kind === 'git' && !location.configured) return {status: 'pass', detail: 'the bundled example decides, because no target is configured', problems: []}
  if (!state.base) {
    // A local repository that does not exist yet, or has no commit, has no shared policy either.
    if (location.kind === 'git' && !state.baseMissing) {
      return {status: 'warn', detail: `the bundled example decides until ${location.path} has a ${path} on its base branch`, fix: `Commit the shared policy as ${path} (\`idp init --policy\` writes one). CI enforces the shared file.`, problems: []}
    }

    return {status: 'skip', detail: `the shared ${path} was not read, because ${state.baseMissing ?? 'the base branch is not known'}`, problems: [], stop: true}
  }

  const name = location.kind === 'github' ? location.repository : location.path
  let file: BaseFile | undefined
  try {
    file =
      location.kind === 'github'
        ? await readGitHubFile(state, location, state.base.branch, path)
        : await createGitTarget({path: location.path, baseBranch: state.base.branch, author: {name: 'idp', email: 'idp@localhost'}}).readBaseFile(path)
  } catch (error) {
    return {...failedPart(error), stop: true}
  }

  const where = `${name}:${path} on ${state.base.branch}`
  if (!file) {
    return {
      status: 'warn',
      detail: `${name} has no ${path} on ${state.base.branch}, so the bundled example decides, but CI enforces the shared file`,
      fix: `Commit the shared policy as ${path} to ${state.base.branch} (\`idp init --policy\` writes one, with its test cases).`,
      problems: [],
    }
  }

  try {
    const policy = parsePolicy(file.content.toString('utf8'), `${name}:${path}`, {kind: 'repository', repository: name, ref: file.branch, commit: file.commit})
    return {status: 'pass', detail: `the shared ${where} at ${file.commit.slice(0, 12)} decides`, problems: [], policy}
  } catch (error) {
    if (!(error instanceof IdpError)) throw error
    return {
      status: 'fail',
      detail: `the shared ${where} at ${file.commit.slice(0, 12)} is invalid, so no request can be decided`,
      fix: `Fix ${path} in a pull request to ${state.base.branch}, and test the fix with \`idp policy test\` first.`,
      problems: error.problems.length > 0 ? error.problems : [{file: `${name}:${path}`, message: error.message}],
      stop: true,
      failed: true,
    }
  }
}

/**
 * Reads a file from the GitHub base branch the way a submission does, through the delivery
 * target's `readBaseFile`, which checks the file against the base tree.
 */
async function readGitHubFile(state: DoctorState, location: Extract<Location, {kind: 'github'}>, branch: string, path: string): Promise<BaseFile | undefined> {
  const target = createGitHubTarget({repository: location.repository, baseBranch: branch, apiUrl: location.apiUrl, token: state.token ?? '', retryBaseMs: retryBaseOf(state.options.env)})
  return target.readBaseFile(path)
}

async function loadLocalPolicy(state: DoctorState, config: IdpConfig): Promise<PolicyPart> {
  if (config.policy === undefined) return {status: 'pass', detail: '', problems: []}
  const shown = displayPath(config.policy, state.options.cwd)
  try {
    const policy = await loadPolicy(config.policy, {kind: 'file'})
    return {status: 'pass', detail: `the configured policy ${shown} loads and can add requirements`, problems: [], policy}
  } catch (error) {
    return {...failedPart(error), detail: `the configured policy ${shown} does not load: ${(error as Error).message}`, failed: true}
  }
}

function failedPart(error: unknown): PolicyPart {
  if (!(error instanceof IdpError)) throw error
  return {status: 'fail', detail: error.message, fix: error.hint, problems: error.problems}
}

// ---------------------------------------------------------------------------------------------
// 7. Policy test cases

async function checkPolicyTests(state: DoctorState): Promise<CheckResult> {
  const {config} = state
  if (!config || !state.deciding) return result('policy-tests', 'skip', 'skipped, because no policy decides requests')
  const {cwd} = state.options
  const casesFile = chooseCasesFile(state, config)
  if ('skip' in casesFile) return result('policy-tests', casesFile.status, casesFile.skip, {fix: casesFile.fix})

  const run = await runPolicyTestFile(casesFile.path, config, cwd)
  const shown = displayPath(casesFile.path, cwd)
  if ('error' in run) {
    return result('policy-tests', 'fail', `${shown} cannot run: ${run.error.message}`, {fix: run.error.hint, problems: run.error.problems})
  }

  const file = run.files[0]
  const policy = file ? ` (policy ${displayPath(file.policy, cwd)})` : ''
  const uncovered = file && file.uncoveredRules.length > 0 ? `; no case matches the rules ${file.uncoveredRules.join(', ')}` : ''
  const counts = `${run.passed} passed, ${run.failed} failed`
  if (run.failed === 0) return result('policy-tests', 'pass', `${shown}${policy}: ${counts}${uncovered}`)
  const failedCases = (file?.cases ?? []).filter((policyCase) => !policyCase.passed).map((policyCase) => policyCase.name)
  return result('policy-tests', 'fail', `${shown}${policy}: ${counts}: ${failedCases.join(', ')}`, {
    fix: `Run \`idp policy test ${shown}\` to see what each failed case expected, then fix the policy or the cases.`,
  })
}

type CasesChoice = {path: string} | {skip: string; status: CheckStatus; fix?: string}

/**
 * Picks the test cases of the policy that decides: `.idp/approval-policy.tests.yaml` in the
 * working folder when it exists, else the cases next to the configured `policy`, else the
 * bundled example's when the bundled example decides.
 */
function chooseCasesFile(state: DoctorState, config: IdpConfig): CasesChoice {
  const {cwd} = state.options
  const workingCases = resolve(cwd, defaultCasesPath(SHARED_POLICY_PATH))
  if (existsSync(workingCases)) return {path: workingCases}
  if (existsSync(resolve(cwd, SHARED_POLICY_PATH))) {
    return {skip: `${SHARED_POLICY_PATH} has no test cases: ${defaultCasesPath(SHARED_POLICY_PATH)} does not exist`, status: 'warn', fix: `Write its cases in ${defaultCasesPath(SHARED_POLICY_PATH)} (docs/policy.md, "Test cases").`}
  }

  if (config.policy) {
    const cases = defaultCasesPath(config.policy)
    if (existsSync(cases)) return {path: cases}
    return {skip: `the configured policy has no test cases: ${displayPath(cases, cwd)} does not exist`, status: 'warn', fix: `Write its cases in ${displayPath(cases, cwd)} (docs/policy.md, "Test cases").`}
  }

  if (state.sharedDecides) return {skip: `skipped, because the working folder has no ${defaultCasesPath(SHARED_POLICY_PATH)}: run idp doctor in a checkout of the repository with the shared policy to run its cases`, status: 'skip'}
  return {path: defaultCasesPath(bundledPolicyPath)}
}

/** The `--json` document of `idp policy test`, or its error. */
type PolicyTestOutput =
  | {passed: number; failed: number; files: Array<{path: string; policy: string; uncoveredRules: string[]; cases: Array<{name: string; passed: boolean}>}>}
  | {error: {message: string; hint?: string; problems?: Problem[]}}

/** Runs a case file the way `idp policy test` does, turning an error that stops it into a result. */
async function runPolicyTestFile(file: string, config: IdpConfig, cwd: string): Promise<PolicyTestOutput> {
  const {testCaseFile} = await import('./policy-test.js')
  try {
    const {path, policy, report} = await testCaseFile(file, config, cwd)
    const failed = report.results.filter((entry) => !entry.passed).length
    const cases = report.results.map(({name, passed}) => ({name, passed}))
    return {passed: report.results.length - failed, failed, files: [{path, policy, uncoveredRules: report.uncoveredRules, cases}]}
  } catch (error) {
    if (!(error instanceof IdpError)) throw error
    return {error: {message: error.message, hint: error.hint, problems: error.problems}}
  }
}

// ---------------------------------------------------------------------------------------------
// 8. Approver teams

async function checkTeams(state: DoctorState): Promise<CheckResult> {
  const {location, client, deciding} = state
  if (!location) return result('teams', 'skip', 'skipped, because the target is not known')
  if (location.kind === 'git') return result('teams', 'skip', 'not needed, because the target is a local git repository')
  if (!client) return result('teams', 'skip', 'skipped, because GitHub did not accept a token')
  if (!deciding) return result('teams', 'skip', 'skipped, because no policy decides requests')

  // The shared policy's team wins for a group that both policies name.
  const teams = new Map<string, string>()
  for (const policy of [...deciding].reverse()) {
    for (const [group, {team}] of Object.entries(policy.groups)) teams.set(group, team)
  }

  const slugs = [...new Set(teams.values())]
  if (slugs.length === 0) return result('teams', 'pass', 'the policy names no approver teams')
  const unreadable: string[] = []
  for (const slug of slugs) {
    try {
      await client.rest.teams.listMembersInOrg({org: location.owner, team_slug: slug, per_page: 1})
    } catch (error) {
      const status = (error as {status?: number}).status ?? 0
      if (![403, 404].includes(status)) return failure('teams', githubError(error, {repository: location.repository, apiUrl: location.apiUrl, step: `Listing the members of @${location.owner}/${slug}`}), '')
      unreadable.push(slug)
    }
  }

  const named = (list: string[]) => list.map((slug) => `@${location.owner}/${slug}`).join(', ')
  if (unreadable.length === 0) return result('teams', 'pass', `the token can list the members of ${named(slugs)}`)
  return result('teams', 'warn', `the token cannot list the members of ${named(unreadable)}, so \`--wait\` and \`idp runs watch\` count no approval from ${unreadable.length === 1 ? 'it' : 'them'}`, {
    fix: `Check that the team exists in ${location.owner}, and give the token read access to the organization's members (a GitHub App: "organization: members, read"; see docs/ci.md, "The App"). CI's token needs the same access.`,
  })
}

// ---------------------------------------------------------------------------------------------

/** Formats a problem with its file relative to the working folder. */
export function formatDoctorProblem(problem: Problem, cwd: string): string {
  // A file on a base branch is named `owner/name:path`, which is no path of this machine.
  return formatProblem(problem.file && isAbsolute(problem.file) ? {...problem, file: displayPath(problem.file, cwd)} : problem)
}
