import {existsSync} from 'node:fs'
import {relative, resolve} from 'node:path'

import {readCatalog} from '../actions/catalog.js'
import {resolveInputs} from '../actions/inputs.js'
import {type LoadedManifest, loadManifest} from '../actions/manifest.js'
import {prepareRequest} from '../actions/plan.js'
import type {IdpConfig} from '../config/config.js'
import {ExitCode, IdpError} from '../errors.js'
import {bundledPolicyPath, defaultCasesPath, loadPolicy, loadPolicyCases, runPolicyCases, type PolicyCasesReport, type PolicyRequest} from '../policy/index.js'
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
interface FileReport {
  path: string
  policy: string
  report: PolicyCasesReport
}

/**
 * Runs policy test case files and prints each case as passed or failed, with a diff of the
 * expected and actual decision for a failure, and a summary. Sets exit code 1 on any failure.
 */
export async function runPolicyTests(options: PolicyTestOptions): Promise<void> {
  const cwd = options.cwd ?? process.cwd()
  const files = options.files.length > 0 ? options.files.map((file) => resolve(cwd, file)) : [defaultCasesFile(options.config, cwd)]
  const complete = completer(options.config)
  const reports: FileReport[] = []
  for (const file of files) {
    const cases = await loadPolicyCases(file)
    const policy = await loadPolicy(cases.policyPath)
    reports.push({path: file, policy: cases.policyPath, report: await runPolicyCases(policy, cases, {complete})})
  }

  const results = reports.flatMap((file) => file.report.results)
  const failed = results.filter((result) => !result.passed).length
  const uncovered = reports.filter((file) => file.report.uncoveredRules.length > 0)
  const failing = failed > 0 || (options.requireCoverage && uncovered.length > 0)

  if (options.json) {
    printJson({
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
  }

  if (failing) process.exitCode = ExitCode.failure
}

/**
 * Picks the case file to run when none is named: the configured policy's, the shared policy's
 * in the working folder, or the bundled example's.
 */
function defaultCasesFile(config: IdpConfig, cwd: string): string {
  if (config.policy) return defaultCasesPath(config.policy)
  const shared = resolve(cwd, defaultCasesPath(SHARED_POLICY_PATH))
  return existsSync(shared) ? shared : defaultCasesPath(bundledPolicyPath)
}

/**
 * Completes a case that names an action and no cost: its inputs are checked against the
 * manifest, and cost, risk, resources and permissions are computed as for a real request.
 */
function completer(config: IdpConfig): (request: PolicyRequest) => Promise<PolicyRequest> {
  const manifests = new Map<string, Promise<LoadedManifest>>()
  return async (request) => {
    const entry = readCatalog(config.catalog).entries.find((candidate) => candidate.name === request.action)
    if (!entry) {
      throw new IdpError(`A test case names the action ${request.action}, which is not in the catalog, and states no cost`, {
        code: 'POLICY_TESTS_INVALID',
        exitCode: ExitCode.usage,
        hint: 'State the cost in the case, or add the action to the catalog (the `catalog` configuration key).',
      })
    }

    if (!manifests.has(entry.name)) manifests.set(entry.name, loadManifest(entry.file))
    const loaded = await manifests.get(entry.name)!
    const inputs = await resolveInputs({manifest: loaded.manifest, flags: {}, values: {origin: `the test case for ${entry.name}`, data: request.inputs}, user: config.user})
    return prepareRequest(loaded, inputs, {user: config.user, requester: request.requester, runId: 'policy-test'}).policyRequest
  }
}

function formatReports(reports: FileReport[], cwd: string, chalk: TerminalCapabilities['stdout'], requireCoverage: boolean): string {
  const lines: string[] = []
  let passed = 0
  let failed = 0
  for (const {path, policy, report} of reports) {
    lines.push(chalk.bold(shortPath(cwd, path)) + chalk.dim(` (policy ${shortPath(cwd, policy)})`))
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

  lines.push(`${passed} passed, ${failed} failed`)
  return lines.join('\n')
}

/** Shortens a path to one relative to the working folder when it is inside it. */
function shortPath(cwd: string, path: string): string {
  const shown = relative(cwd, path)
  return shown === '' || shown.startsWith('..') ? path : shown
}
