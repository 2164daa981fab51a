import {closest} from 'fastest-levenshtein'
import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {readCatalog} from '../actions/catalog.js'
import {resolveInputs} from '../actions/inputs.js'
import {isDirectory, type LoadedManifest, loadManifest} from '../actions/manifest.js'
import {prepareRequest} from '../actions/plan.js'
import type {IdpConfig} from '../config/config.js'
import {displayPath} from '../display-path.js'
import {ExitCode, IdpError} from '../errors.js'
import {bundledPolicyPath, defaultCasesPath, loadPolicy, loadPolicyCases, runPolicyCases, type PolicyCase, type PolicyCasesReport, type PolicyRequest} from '../policy/index.js'
import {printJson} from './json-output.js'
import {SHARED_POLICY_PATH} from './policy-source.js'
import type {TerminalCapabilities} from './terminal.js'

export interface PolicyTestOptions {
  files: string[]
  config: IdpConfig
  json: boolean
  requireCoverage: boolean
  terminal: TerminalCapabilities
  cwd?: string
}

/** The outcome of one case file. */
export interface FileReport {
  path: string
  policy: string
  report: PolicyCasesReport
}

/**
 * Returns the case file a path names: the file itself, or for a folder, such as a checkout of
 * the infrastructure repository, its shared policy's cases (.idp/approval-policy.tests.yaml).
 */
function casesFileOf(path: string): string {
  if (!isDirectory(path)) return path
  const cases = join(path, defaultCasesPath(SHARED_POLICY_PATH))
  if (existsSync(cases)) return cases
  throw new IdpError(`${path} is a folder without ${defaultCasesPath(SHARED_POLICY_PATH)}`, {
    code: 'POLICY_TESTS_NOT_FOUND',
    exitCode: ExitCode.usage,
    details: {path},
    hint: 'Name the case file itself, such as idp policy test cases/db-create.yaml, or run it in a repository that has the shared policy cases.',
  })
}

/**
 * Runs policy test case files and prints each case as passed or failed, with a diff of the
 * expected and actual decision for a failure, and a summary. Sets exit code 1 on any failure.
 */
export async function runPolicyTests(options: PolicyTestOptions): Promise<void> {
  const cwd = options.cwd ?? process.cwd()
  const files = options.files.length > 0 ? options.files.map((file) => casesFileOf(resolve(cwd, file))) : [defaultCasesFile(options.config, cwd)]
  if (files[0] === defaultCasesPath(bundledPolicyPath) && options.files.length === 0) {
    process.stderr.write(`No policy is configured and ${SHARED_POLICY_PATH} does not exist here, so the bundled example's cases run.\n`)
  }

  const reports: FileReport[] = []
  for (const file of files) reports.push(await testCaseFile(file, options.config, cwd))

  const results = reports.flatMap((file) => file.report.results)
  const failed = results.filter((result) => !result.passed).length
  const uncovered = reports.filter((file) => file.report.uncoveredRules.length > 0)
  const failing = failed > 0 || (options.requireCoverage && uncovered.length > 0)

  if (options.json) {
    printJson({
      ok: !failing,
      passed: results.length - failed,
      failed,
      files: reports.map(({path, policy, report}) => ({
        path,
        policy,
        uncoveredRules: report.uncoveredRules,
        cases: report.results.map(({name, passed, expected, actual, diff}) => ({name, passed, expected, actual, diff: diff || undefined})),
      })),
    })
  } else {
    process.stdout.write(`${formatReports(reports, cwd, options.terminal.stdout, options.requireCoverage)}\n`)
    if (failing && failed === 0) process.stderr.write('Every case passed, but --require-coverage needs a case for every rule.\n')
  }

  if (failing) process.exitCode = ExitCode.failure
}

/**
 * Runs one case file against the policy it names, completing cases that name an action from
 * the catalog of the configuration. Throws for a file or policy that cannot be loaded.
 */
export async function testCaseFile(file: string, config: IdpConfig, cwd = process.cwd()): Promise<FileReport> {
  const cases = await loadPolicyCases(file)
  const policy = await loadPolicy(cases.policyPath).catch((error: unknown) => {
    throw error instanceof IdpError && error.code === 'POLICY_NOT_FOUND'
      ? new IdpError(`The policy ${cases.policyPath} that ${displayPath(file, cwd)} tests does not exist`, {
          code: 'POLICY_NOT_FOUND',
          exitCode: ExitCode.usage,
          hint: `Fix the policy field of ${displayPath(file, cwd)}, or put the cases next to their policy: X.tests.yaml tests X.yaml.`,
        })
      : error
  })
  return {path: file, policy: cases.policyPath, report: await runPolicyCases(policy, cases, {complete: completer(config, file)})}
}

/**
 * Picks the case file to run when none is named: the configured policy's, the shared policy's
 * in the working folder, or the bundled example's.
 */
function defaultCasesFile(config: IdpConfig, cwd: string): string {
  if (config.policy) return defaultCasesPath(config.policy)
  const shared = resolve(cwd, defaultCasesPath(SHARED_POLICY_PATH))
  if (existsSync(shared)) return shared
  if (existsSync(resolve(cwd, SHARED_POLICY_PATH))) {
    throw new IdpError(`${SHARED_POLICY_PATH} has no test cases: ${defaultCasesPath(SHARED_POLICY_PATH)} does not exist`, {
      code: 'POLICY_TESTS_NOT_FOUND',
      exitCode: ExitCode.usage,
      hint: `Write its cases in ${defaultCasesPath(SHARED_POLICY_PATH)} (docs/policy.md, "Test cases"), or name the case files: idp policy test FILE...`,
    })
  }

  return defaultCasesPath(bundledPolicyPath)
}

/**
 * Completes a case that names an action and no cost: its inputs are checked against the
 * manifest with its defaults applied, and cost, risk, resources and permissions are computed
 * as for a real request. The user's own configuration is left out, so that a case file gives
 * the same results on every machine. Inputs whose default comes from it must be stated.
 */
function completer(config: IdpConfig, file: string): (request: PolicyRequest, policyCase: PolicyCase) => Promise<PolicyRequest> {
  const manifests = new Map<string, Promise<LoadedManifest>>()
  return async (request, policyCase) => {
    const where = `${displayPath(file, process.cwd())}${policyCase.position ? `:${policyCase.position.line}` : ''}`
    const entries = readCatalog(config.catalog).entries
    const entry = entries.find((candidate) => candidate.name === request.action)
    if (!entry) {
      const names = entries.map((candidate) => candidate.name)
      throw new IdpError(`The test case "${policyCase.name}" (${where}) names the action ${request.action}, which is not in the catalog, and states no cost`, {
        code: 'POLICY_TESTS_INVALID',
        exitCode: ExitCode.usage,
        details: {actions: names},
        hint: `Did you mean ${closest(request.action, names)}? Or state the cost in the case, or add the action to the catalog (the \`catalog\` configuration key).`,
      })
    }

    if (!manifests.has(entry.name)) manifests.set(entry.name, loadManifest(entry.file))
    const loaded = await manifests.get(entry.name)!
    try {
      const inputs = await resolveInputs({manifest: loaded.manifest, flags: {}, values: {origin: `the test case "${policyCase.name}" (${where})`, data: request.inputs}, user: {}, usage: {command: `idp ${entry.command}`, neverPrompts: true}})
      return prepareRequest(loaded, inputs, {user: {}, requester: request.requester, runId: 'policy-test'}).policyRequest
    } catch (error) {
      if (!(error instanceof IdpError)) throw error
      throw new IdpError(`The test case "${policyCase.name}" (${where}) is not a valid ${entry.name} request: ${error.message}`, {
        code: 'POLICY_TESTS_INVALID',
        exitCode: ExitCode.usage,
        problems: error.problems,
        hint: `State every required input of ${entry.name} in the case's request.inputs (\`idp ${entry.command} --help\` lists them), or state the cost to skip the manifest.`,
      })
    }
  }
}

function formatReports(reports: FileReport[], cwd: string, chalk: TerminalCapabilities['stdout'], requireCoverage: boolean): string {
  const lines: string[] = []
  let passed = 0
  let failed = 0
  for (const {path, policy, report} of reports) {
    lines.push(chalk.bold(displayPath(path, cwd)) + chalk.dim(` (policy ${displayPath(policy, cwd)})`))
    for (const result of report.results) {
      if (result.passed) {
        passed++
        lines.push(`  ${chalk.green('✓')} ${result.name}`)
        continue
      }

      failed++
      const where = result.position ? chalk.dim(` (line ${result.position.line})`) : ''
      lines.push(`  ${chalk.red('✗')} ${result.name}${where}`)
      for (const line of result.diff.trimEnd().split('\n')) {
        if (line.startsWith('+')) lines.push(`      ${chalk.green(line)}`)
        else if (line.startsWith('-')) lines.push(`      ${chalk.red(line)}`)
        else lines.push(`      ${line}`)
      }
    }

    if (report.uncoveredRules.length > 0) {
      const mark = requireCoverage ? chalk.red('✗') : chalk.yellow('!')
      lines.push(`  ${mark} no case matches the rules ${report.uncoveredRules.join(', ')}`)
    }

    lines.push('')
  }

  const uncovered = reports.reduce((count, {report}) => count + report.uncoveredRules.length, 0)
  lines.push(`${passed} passed, ${failed} failed${uncovered > 0 ? `, ${uncovered} ${uncovered === 1 ? 'rule' : 'rules'} without a case` : ''}`)
  return lines.join('\n')
}

