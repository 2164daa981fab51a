#!/usr/bin/env node
// The last step of the idp GitHub Action (action.yml): runs `idp policy verify --json` or
// `idp approvals escalate --json` with the action's inputs, writes the step outputs and the job
// summary, and exits with idp's exit code. It uses only Node's standard library, because it
// runs straight from the action's checkout.
//
// The step maps each input to an INPUT_* variable; the runner sets the GITHUB_* ones. Workflow
// commands (lines such as `::add-mask::`) are documented at
// https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {appendFileSync, statSync} from 'node:fs'

const env = process.env

/** Exit codes of idp (src/errors.ts), for the failures this script detects itself. */
const EXIT_FAILURE = 1
const EXIT_USAGE = 2
const EXIT_AUTH = 4

/** The `decision` output for each outcome of `idp policy verify --json`. */
const DECISIONS = {
  approved: 'approved',
  waiting_for_approval: 'pending',
  denied: 'denied',
  tampered: 'tampered',
  invalid_request: 'invalid',
  not_managed: 'not-managed',
  other_base: 'not-judged',
}

const COMMANDS = {
  verify: {words: ['policy', 'verify'], title: 'idp policy verify'},
  escalate: {words: ['approvals', 'escalate'], title: 'idp approvals escalate'},
}

/** A problem with the action's inputs or environment, found before idp runs. */
class StepError extends Error {
  /**
   * @param {string} message
   * @param {number} exitCode
   * @param {string} [hint]
   */
  constructor(message, exitCode, hint) {
    super(message)
    this.exitCode = exitCode
    this.hint = hint
  }
}

/**
 * @typedef {{command: 'verify' | 'escalate', token: string, policyPath: string, base: string, requireRequest: boolean, pullRequest: string, botLogin: string}} Inputs
 * @typedef {{exitCode: number, decision?: string, escalated?: number, log: string[], summary?: string}} StepResult
 */

/** Size of the job summary before idp runs, to tell whether idp appended to it. */
const summarySizeAtStart = env.GITHUB_STEP_SUMMARY ? sizeOf(env.GITHUB_STEP_SUMMARY) : 0

await main()

async function main() {
  // The token is masked first, so that the runner hides it in every later log line.
  const token = env.INPUT_TOKEN ?? ''
  maskSecret(token)
  const commandName = (env.INPUT_COMMAND ?? '').trim()
  const title = COMMANDS[/** @type {'verify' | 'escalate'} */ (commandName)]?.title ?? 'idp'

  /** @type {StepResult} */
  let result
  try {
    const inputs = readInputs(token)
    for (const warning of ignoredInputWarnings(inputs)) console.log(`::warning::${escapeCommandData(warning)}`)
    result = await runIdp(inputs)
  } catch (error) {
    if (!(error instanceof StepError)) throw error
    console.log(`::error::${escapeCommandData(redact(error.message, token))}`)
    if (error.hint) console.log(`Next: ${redact(error.hint, token)}`)
    result = {exitCode: error.exitCode, decision: commandName === 'escalate' ? undefined : 'error', log: [], summary: errorSummary(title, error.exitCode, error.message, error.hint)}
  }

  writeOutputs(result, token)
  writeSummary(result, title, token)
  process.exitCode = result.exitCode
}

/**
 * Reads and checks the inputs from the INPUT_* variables of the step.
 * @param {string} token
 * @returns {Inputs}
 */
function readInputs(token) {
  const command = (env.INPUT_COMMAND ?? '').trim()
  if (command !== 'verify' && command !== 'escalate') {
    throw new StepError(`The command input ${JSON.stringify(command)} is not verify or escalate`, EXIT_USAGE, 'Set command to verify (the default) or escalate.')
  }

  if (!token.trim()) {
    throw new StepError('The token input is empty', EXIT_AUTH, 'Pass a token, such as the one of a GitHub App: token: ${{ steps.app.outputs.token }}.')
  }

  const requireRequest = (env.INPUT_REQUIRE_REQUEST ?? '').trim().toLowerCase()
  if (!['', 'true', 'false'].includes(requireRequest)) {
    throw new StepError(`The require-request input ${JSON.stringify(env.INPUT_REQUIRE_REQUEST)} is not true or false`, EXIT_USAGE, 'Set require-request to true or false.')
  }

  // Checked here, so that a value such as `--no-status` cannot reach idp as a flag.
  const pullRequest = (env.INPUT_PULL_REQUEST ?? '').trim().replace(/^#/, '')
  if (pullRequest !== '' && !/^[1-9]\d*$/.test(pullRequest)) {
    throw new StepError(`The pull-request input ${JSON.stringify(env.INPUT_PULL_REQUEST)} is not a pull request number`, EXIT_USAGE, 'Pass the number, such as 42, or leave it out to use the pull request of the event.')
  }

  return {
    command,
    token: token.trim(),
    policyPath: (env.INPUT_POLICY_PATH ?? '').trim(),
    base: (env.INPUT_BASE ?? '').trim(),
    requireRequest: requireRequest === 'true',
    pullRequest,
    botLogin: (env.INPUT_BOT_LOGIN ?? '').trim(),
  }
}

/**
 * Returns a warning for each input that the command does not use.
 * @param {Inputs} inputs
 */
function ignoredInputWarnings(inputs) {
  if (inputs.command !== 'escalate') return []
  const ignored = [...(inputs.requireRequest ? ['require-request'] : []), ...(inputs.pullRequest ? ['pull-request'] : [])]
  return ignored.map((name) => `The ${name} input applies to command: verify only, so escalate ignores it.`)
}

/**
 * Returns idp's arguments for the inputs. Values go in the `--flag=value` form, so that a value
 * that starts with a dash stays a value.
 * @param {Inputs} inputs
 */
function idpArguments(inputs) {
  const args = [...COMMANDS[inputs.command].words]
  if (inputs.command === 'verify' && inputs.pullRequest) args.push(inputs.pullRequest)
  args.push('--json')
  if (inputs.base) args.push(`--base=${inputs.base}`)
  if (inputs.policyPath) args.push(`--policy-path=${inputs.policyPath}`)
  if (inputs.command === 'verify' && inputs.requireRequest) args.push('--require-request')
  return args
}

/**
 * Runs idp and turns its JSON document into the step's result. Workflow commands are off while
 * idp's progress and the result are printed, because both contain text from the pull request,
 * such as branch names and file paths, that could otherwise set outputs or masks.
 * @param {Inputs} inputs
 * @returns {Promise<StepResult>}
 */
async function runIdp(inputs) {
  const {title} = COMMANDS[inputs.command]
  const resumeToken = randomUUID()
  console.log(`::stop-commands::${resumeToken}`)
  try {
    const {exitCode, stdout, failure} = await spawnIdp(idpArguments(inputs), inputs.token, inputs.botLogin)
    const result = failure ? failedResult(title, exitCode, failure) : resultOf(inputs.command, title, exitCode, stdout)
    for (const line of result.log) console.log(redact(line, inputs.token))
    return result
  } finally {
    console.log(`::${resumeToken}::`)
  }
}

/**
 * Runs `idp` from PATH with the token in GH_TOKEN and the bot login, if given, in
 * IDP_BOT_LOGIN, passing its stderr (progress and warnings) through, and collects its stdout.
 * @param {string[]} args
 * @param {string} token
 * @param {string} botLogin
 * @returns {Promise<{exitCode: number, stdout: string, failure?: string}>}
 */
function spawnIdp(args, token, botLogin) {
  /** @type {NodeJS.ProcessEnv} */
  const childEnv = {...env, GH_TOKEN: token, ...(botLogin ? {IDP_BOT_LOGIN: botLogin} : {})}
  delete childEnv.INPUT_TOKEN
  return new Promise((resolve) => {
    const child = spawn('idp', args, {env: childEnv, stdio: ['ignore', 'pipe', 'inherit']})
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.on('error', (error) => {
      const missing = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT'
      resolve({exitCode: EXIT_FAILURE, stdout, failure: missing ? 'idp is not on PATH: the install step of the action did not run or failed' : `idp did not start: ${error.message}`})
    })
    child.on('close', (status, signal) => {
      if (signal) resolve({exitCode: EXIT_FAILURE, stdout, failure: `idp was stopped by the signal ${signal}`})
      else resolve({exitCode: status ?? EXIT_FAILURE, stdout})
    })
  })
}

/**
 * Reads idp's JSON document: a judgement, an escalation report or an error.
 * @param {'verify' | 'escalate'} command
 * @param {string} title
 * @param {number} exitCode
 * @param {string} stdout
 * @returns {StepResult}
 */
function resultOf(command, title, exitCode, stdout) {
  let document
  try {
    document = JSON.parse(stdout)
  } catch {
    return failedResult(title, exitCode, `idp exited with ${exitCode} without a JSON document on stdout; its log above says why`)
  }

  if (document.error) return failedResult(title, exitCode, document.error.message, document.error.hint)
  return command === 'verify' ? verifyResult(document, exitCode) : escalateResult(document, exitCode)
}

/**
 * @param {string} title
 * @param {number} exitCode
 * @param {string} message
 * @param {string} [hint]
 * @returns {StepResult}
 */
function failedResult(title, exitCode, message, hint) {
  const log = [`${title} failed with exit code ${exitCode}: ${message}`, ...(hint ? [`Next: ${hint}`] : [])]
  return {exitCode, decision: title === COMMANDS.escalate.title ? undefined : 'error', log, summary: errorSummary(title, exitCode, message, hint)}
}

/**
 * Returns the result of a judgement. idp wrote the job summary itself, with the table of
 * requirements, so the step adds none.
 * @param {any} judgement
 * @param {number} exitCode
 * @returns {StepResult}
 */
function verifyResult(judgement, exitCode) {
  const decision = DECISIONS[/** @type {keyof typeof DECISIONS} */ (judgement.outcome)] ?? 'error'
  const log = [`Pull request #${judgement.pullRequest.number}: ${decision} (exit code ${exitCode})`, `  ${judgement.summary}`]
  for (const requirement of judgement.requirements ?? []) {
    const approvals = requirement.approvals.length > 0 ? `approved by ${requirement.approvals.join(', ')}` : 'no counting approval yet'
    log.push(`  ${requirement.satisfied ? 'met' : 'unmet'}: ${Math.min(requirement.approvals.length, requirement.count)}/${requirement.count} from @${requirement.team} (${requirement.group}), ${approvals}`)
  }

  for (const file of judgement.files ?? []) log.push(`  file ${file.path}: ${file.problem}`)
  return {exitCode, decision, log}
}

/**
 * Returns the result of an escalation run. idp wrote the job summary itself, with the table of
 * requirements, so the step adds none.
 * @param {any} report
 * @param {number} exitCode
 * @returns {StepResult}
 */
function escalateResult(report, exitCode) {
  /** @type {any[]} */
  const checks = report.checks
  const escalated = checks.filter((check) => check.result === 'escalated').length
  const log = checks.map((check) => `#${check.pullRequest.number} @${check.team} (${check.group}): waited ${formatMinutes(check.waitedMinutes)} of ${check.sla}, ${describeResult(check)}`)
  log.push(checks.length === 0 ? 'No open idp pull request waits for an approval with an SLA.' : `Escalated ${escalated} of ${checks.length} ${checks.length === 1 ? 'requirement' : 'requirements'} with an SLA.`)
  for (const failure of report.failures) log.push(`Pull request #${failure.pullRequest} was not checked: ${failure.message}`)
  return {exitCode, escalated, log}
}

/** @param {any} check */
function describeResult(check) {
  const target = check.escalateTo.group === check.group ? `@${check.team}` : `@${check.escalateTo.team} (${check.escalateTo.group})`
  /** @type {Record<string, string>} */
  const results = {within_sla: 'within the SLA', escalated: `escalated to ${target}`, already_escalated: 'already escalated', would_escalate: `would escalate to ${target}`}
  return results[check.result] ?? check.result
}

/**
 * Formats minutes as "3d 4h", "5h 10m" or "7m", as idp's own output does.
 * @param {number} minutes
 */
function formatMinutes(minutes) {
  const whole = Math.max(0, Math.floor(minutes))
  const days = Math.floor(whole / 1440)
  const hours = Math.floor((whole % 1440) / 60)
  const rest = whole % 60
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`
  return `${rest}m`
}

/**
 * @param {string} title
 * @param {number} exitCode
 * @param {string} message
 * @param {string} [hint]
 */
function errorSummary(title, exitCode, message, hint) {
  const lines = [`### ${title}: error`, '', `**Exit code ${exitCode}**: ${escapeMarkdown(message)}`, '']
  if (hint) lines.push(`Next: ${escapeMarkdown(hint)}`, '')
  return lines.join('\n')
}

/**
 * Writes the step outputs to GITHUB_OUTPUT. Every value is a fixed word or a number, so the
 * one-line `name=value` form is enough.
 * @param {StepResult} result
 * @param {string} token
 */
function writeOutputs(result, token) {
  const lines = []
  if (result.decision !== undefined) lines.push(`decision=${result.decision}`)
  if (result.escalated !== undefined) lines.push(`escalated=${result.escalated}`)
  lines.push(`exit-code=${result.exitCode}`)
  appendToFile(env.GITHUB_OUTPUT, 'GITHUB_OUTPUT', 'the step outputs', redact(`${lines.join('\n')}\n`, token))
}

/**
 * Appends the step's own summary, when it has one, to the job summary. A judgement or an
 * escalation report has none, because idp appended it. If idp wrote nothing, as when it stopped
 * early, the step writes an error summary instead.
 * @param {StepResult} result
 * @param {string} title
 * @param {string} token
 */
function writeSummary(result, title, token) {
  const path = env.GITHUB_STEP_SUMMARY
  if (!path) return
  if (result.summary === undefined && sizeOf(path) > summarySizeAtStart) return
  const summary = result.summary ?? errorSummary(title, result.exitCode, 'idp wrote no job summary; its log says why', undefined)
  appendToFile(path, 'GITHUB_STEP_SUMMARY', 'the job summary', redact(`${summary}\n`, token))
}

/**
 * Appends text to the file that a GitHub variable names. A missing variable is noted in the log
 * and a failed write is a warning, because the step's result is its exit code.
 * @param {string | undefined} path
 * @param {string} variable
 * @param {string} contents what the text is, for the messages
 * @param {string} text
 */
function appendToFile(path, variable, contents, text) {
  if (!path) {
    console.log(`${variable} is not set, so ${contents} were not written. Outside GitHub Actions this is expected.`)
    return
  }

  try {
    appendFileSync(path, text)
  } catch (error) {
    console.log(`::warning::${escapeCommandData(`Writing ${contents} to ${variable} failed: ${/** @type {Error} */ (error).message}`)}`)
  }
}

/** @param {string} path */
function sizeOf(path) {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/**
 * Masks the token in the job log. A token with a line break is masked line by line too, because
 * the runner masks whole values and a log line may hold only one of its lines.
 * @param {string} token
 */
function maskSecret(token) {
  for (const part of secretParts(token)) console.log(`::add-mask::${escapeCommandData(part)}`)
}

/** @param {string} token */
function secretParts(token) {
  const parts = new Set([token.trim(), ...token.split(/\s+/)])
  return [...parts].filter((part) => part !== '')
}

/**
 * Replaces the token and its lines in text that the step writes. idp never prints the token;
 * this keeps the outputs and the summary free of it even if a message quotes it.
 * @param {string} text
 * @param {string} token
 */
function redact(text, token) {
  return secretParts(token)
    .filter((part) => part.length >= 4)
    .reduce((result, part) => result.replaceAll(part, '***'), text)
}

/**
 * Escapes the data of a workflow command as @actions/core does, so that a line break cannot
 * start another command.
 * @param {string} text
 */
function escapeCommandData(text) {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/**
 * Escapes text from idp or the pull request for a Markdown table cell or line.
 * @param {string} text
 */
function escapeMarkdown(text) {
  return String(text)
    .replaceAll(/[\r\n]+/g, ' ')
    .replaceAll(/[<>|\\`*_[\]#]/g, (character) => `\\${character}`)
}
