import {execFile} from 'node:child_process'
import {userInfo} from 'node:os'
import {isDeepStrictEqual} from 'node:util'

import type {CatalogEntry} from '../actions/catalog.js'
import {type InputDefinition, resolveInputs} from '../actions/inputs.js'
import {createRunId, runsDir} from '../actions/journal.js'
import {type LoadedManifest, loadManifest} from '../actions/manifest.js'
import {shellWord} from '../actions/describe.js'
import {renderString} from '../actions/expressions.js'
import {choicePrice, createPlan, type Plan, type Requester} from '../actions/plan.js'
import {submitPlan} from '../actions/submit.js'
import {type IdpConfig, loadConfig} from '../config/config.js'
import {ExitCode, IdpError} from '../errors.js'
import type {Decision, Policy} from '../policy/index.js'
import type {NotifyReport} from './notifications.js'
import {planJson, printJson, resultJson} from './json-output.js'
import {formatDiff, formatEditSummary, formatExisting, formatPlan, formatResult} from './plan-view.js'
import {TerminalProgress} from './progress.js'
import {confirmSubmission, inquirerPrompter, typedConfirmation} from './prompts.js'
import {choosePolicies, decide, type PolicyChoice} from './policy-source.js'
import {createTarget} from './targets.js'
import type {TerminalCapabilities} from './terminal.js'
import {waitForRequest, waitOptions, waitResultError} from './wait.js'
import type {RequestStatus} from '../delivery/github-status.js'
import {readValues} from './values.js'

/** Flags every action command has. */
export interface ActionFlags {
  values?: string
  yes: boolean
  'dry-run': boolean
  json: boolean
  'no-input': boolean
  config?: string
  branch?: string
  wait?: boolean
  /** The confirmation value of an action with `spec.confirm`, given on the command line. */
  confirm?: string
}

export interface RunActionOptions {
  entry: CatalogEntry
  flags: ActionFlags
  /** Input values given as flags, by input name. */
  inputFlags: Record<string, unknown>
  terminal: TerminalCapabilities
  env?: NodeJS.ProcessEnv
  /** Set by `idp runs retry`: the run to finish, keeping its id and journal, and the commit it made. */
  retry?: {runId: string; createdAt: string; commit?: string}
  /** Set by `idp runs edit`: the run to change, and what its previous version was. */
  edit?: RunEdit
}

/** A submitted run being edited: its id, previous inputs and previous plan. */
export interface RunEdit {
  runId: string
  createdAt: string
  /** The inputs of the version on the branch, which the new inputs are compared with. */
  inputs: Record<string, unknown>
  /** Fingerprints the branch head may record: the submitted version's, or an unfinished edit's. */
  fingerprints: string[]
  branch: string
  files: string[]
  labels: string[]
  cost?: {monthly: number; currency: string}
  decision?: Decision
  /** Remote objects the run already has (branch, pull request), kept in the journal. */
  remote: Record<string, unknown>
  /** True for `idp runs retry` of an unfinished edit: the same inputs are delivered again. */
  resume?: boolean
}

/**
 * Runs an action from the command line: resolve the inputs, show the plan, confirm, submit,
 * and print the result. Every check happens before the first write.
 */
export async function runAction(options: RunActionOptions): Promise<void> {
  const {flags, terminal} = options
  const env = options.env ?? process.env
  const progress = await TerminalProgress.create(process.stderr, terminal.animate && !flags.json, terminal.stderr)

  const config = await loadConfig({file: flags.config, env})
  // git runs while the manifest and the policy load.
  const gitName = config.user.name === undefined ? readGitUserName() : undefined
  const loaded = await loadManifest(options.entry.file)
  const target = await createTarget(config, flags['dry-run'], progress, env)
  const values = flags.values === undefined ? undefined : await readValues(flags.values)

  const inputs = await resolveInputs({
    manifest: loaded.manifest,
    flags: options.inputFlags,
    values,
    user: config.user,
    // Standard input already carried the values, so it cannot answer prompts too.
    prompter: terminal.interactive && flags.values !== '-' ? inquirerPrompter : undefined,
    describeChoice: (definition, value, answers) => describeChoice(loaded, config, definition, value, answers),
    defaults: options.edit?.inputs,
    // A terminal does not help under --json, so the hint for missing inputs leaves it out.
    usage: flags.json ? {command: `idp ${options.entry.command}`, neverPrompts: true} : undefined,
  })

  if (options.edit && !options.edit.resume && isDeepStrictEqual(inputs, options.edit.inputs)) {
    if (flags.json) printJson({runId: options.edit.runId, inputs, nothingToChange: true})
    else process.stdout.write(`Nothing to change: run ${options.edit.runId} already has these inputs.\n`)
    return
  }

  let policies: PolicyChoice = {policies: [], warnings: []}
  const plan = await createPlan({
    loaded,
    inputs,
    user: config.user,
    // The token's account authors the pull request, so CI takes it for the requester. A
    // failure to read it is reported by the target's other reads.
    requester: async () => requesterOf(config, inputs, await target.login?.().catch(() => undefined), await gitName),
    async decider() {
      policies = await choosePolicies(config, target)
      for (const warning of policies.warnings) progress.warn(warning)
      return (request) => decide(policies, request)
    },
    target,
    runId: options.retry?.runId ?? options.edit?.runId ?? createRunId(),
    configSources: config.sources,
    branch: options.edit?.branch ?? flags.branch,
    edit: options.edit && {fingerprints: options.edit.fingerprints, files: options.edit.files, labels: options.edit.labels},
    autoMerge: config.target.github?.autoMerge ? (config.target.github.autoMergeMethod ?? 'squash') : undefined,
  })
  const planText = formatPlan(plan, flags['dry-run'] ? terminal.stdout : terminal.stderr)
  const confirmation = loaded.manifest.spec.confirm && {
    expected: renderString(loaded.manifest.spec.confirm.value, plan.context),
    message: loaded.manifest.spec.confirm.message,
  }
  // A wrong --confirm fails even in a dry run, so that a script can be tried out with one.
  if (confirmation && flags.confirm !== undefined) checkConfirmFlag(flags.confirm, confirmation.expected)

  if (plan.decision.outcome === 'deny') {
    if (!flags.json) process.stderr.write(`${formatPlan(plan, terminal.stderr)}\n\n`)
    throw new IdpError(`Denied by the approval policy: ${plan.decision.reasons.join(' ')}`, {
      code: 'DENIED',
      exitCode: ExitCode.denied,
      details: {decision: plan.decision},
      hint: 'Change the request (for example another environment or size), or ask the policy owners about the rule.',
    })
  }

  // A complete earlier run of this request (a branch, and on GitHub its open pull request) is
  // reported instead of proposing the same change twice.
  const {existing} = plan
  const complete = existing && !options.edit && (target.kind === 'git' || (existing.pullRequest && !options.retry))
  if (existing && complete) {
    const status = flags.wait && existing.pullRequest ? await followRequest(plan, existing.pullRequest, progress, env) : undefined
    if (flags.json) printJson({...planJson(plan, flags['dry-run']), branch: existing.branch, commit: existing.commit, pullRequest: existing.pullRequest, existing: true, status})
    else process.stdout.write(`${formatExisting(plan, existing, terminal.stdout)}\n`)
    if (status) finishWait(status, plan.runId, flags.json)
    return
  }

  plan.change.existing = existing
  plan.change.previousCommit = options.retry?.commit
  if (plan.files.every((file) => file.status === 'unchanged')) {
    if (flags.json) printJson({...planJson(plan, flags['dry-run']), nothingToChange: true})
    else process.stdout.write(`Nothing to change: every file already has this content on the base branch of the ${target.description}.\n`)
    return
  }

  if (flags.wait && target.kind !== 'github') {
    throw new IdpError('--wait needs a GitHub target: a local repository has no pull request to follow', {
      code: 'WAIT_UNSUPPORTED',
      exitCode: ExitCode.usage,
      hint: 'Configure target.github.repository, or leave out --wait.',
    })
  }

  if (flags['dry-run']) {
    if (flags.json) printJson(planJson(plan, true))
    else process.stdout.write(`${planText}\n\n${formatDiff(plan, terminal.stdout)}\n\nDry run: nothing was written.\n`)
    return
  }

  if (!flags.json) process.stderr.write(`${planText}\n\n`)
  if (options.edit && !flags.json) process.stderr.write(`${formatEditSummary(options.edit, plan, terminal.stderr)}\n\n`)
  // A retry finishes a run that was confirmed when it was submitted.
  if (confirmation && !options.retry) await confirmTyped(flags, terminal, confirmation)
  else await confirm(flags, terminal)

  const interruption = watchInterruption(progress)
  let result
  try {
    result = await submitPlan(plan, loaded, progress, runsDir(env), {
      interrupted: interruption.requested,
      createdAt: options.retry?.createdAt ?? options.edit?.createdAt,
      remote: options.edit?.remote,
      edit: options.edit && {fingerprints: options.edit.fingerprints, inputs: options.edit.inputs, files: options.edit.files, labels: options.edit.labels},
    })
  } finally {
    interruption.dispose()
  }

  const notified = result.delivery.pullRequest && needsNotice(plan, options.edit) ? await notifyApprovers(plan, result.delivery.pullRequest, policies.policies, progress, env) : undefined
  const status = flags.wait && result.delivery.pullRequest ? await followRequest(plan, result.delivery.pullRequest, progress, env) : undefined
  if (flags.json) printJson({...resultJson(plan, result), notified, status})
  else process.stdout.write(`${formatResult(plan, result, terminal.stdout)}\n`)
  if (status) finishWait(status, plan.runId, flags.json)
}

/** Decides whether to notify approvers: a request that needs approval does, unless it is an edit that needs the same groups. */
function needsNotice(plan: Plan, edit: RunEdit | undefined): boolean {
  if (plan.decision.outcome !== 'needs_approval') return false
  const groups = (decision: Decision | undefined) => (decision?.requirements ?? []).map((requirement) => requirement.group).sort().join(',')
  return !edit || groups(edit.decision) !== groups(plan.decision)
}

/** Sends the Slack notices; a failure is a warning, never a failed run. */
async function notifyApprovers(plan: Plan, pullRequest: {number: number; url: string}, policies: Policy[], progress: TerminalProgress, env: NodeJS.ProcessEnv): Promise<NotifyReport> {
  const {notifyApproval} = await import('./notifications.js')
  const report = await notifyApproval(plan, pullRequest, policies, env)
  if (report.sent.length > 0) progress.info(`Told ${report.sent.join(', ')} on Slack that the request needs their approval`)
  for (const warning of report.warnings) progress.warn(warning)
  return report
}

/** Streams the pull request's progress until it is done or needs a person (`--wait`). */
async function followRequest(plan: Plan, pullRequest: {number: number; url: string}, progress: TerminalProgress, env: NodeJS.ProcessEnv): Promise<RequestStatus> {
  const required = plan.decision.requirements.map(({group, team, count, allowRequester, sla}) => ({group, team, count, allowRequester, sla}))
  return waitForRequest(plan.target, pullRequest, required, progress, waitOptions(env))
}

/**
 * Ends a `--wait` with an exit code that tells whether the request is done. Under --json the
 * status is already in the one document on stdout, so only the exit code is set.
 */
function finishWait(status: RequestStatus, runId: string, json: boolean): void {
  const error = waitResultError(status, runId)
  if (!error) return
  if (json) process.exitCode = error.exitCode
  else throw error
}

/**
 * Turns the first Ctrl-C during a submission into a request to stop after the current step, so
 * that no GitHub request is cut off half-way. A second Ctrl-C quits at once.
 */
function watchInterruption(progress: TerminalProgress): {requested: () => boolean; dispose: () => void} {
  let requested = false
  const onSignal = () => {
    if (requested) process.exit(ExitCode.cancelled)
    requested = true
    progress.warn('Stopping after the current step; press Ctrl-C again to quit at once.')
  }

  process.on('SIGINT', onSignal)
  return {requested: () => requested, dispose: () => process.off('SIGINT', onSignal)}
}

async function confirm(flags: ActionFlags, terminal: TerminalCapabilities): Promise<void> {
  if (flags.yes) return
  if (!terminal.interactive || flags.values === '-') {
    const reason = terminal.noPromptReason ?? 'standard input carried the values'
    throw new IdpError(`Confirmation needed, and prompting is off (${reason})`, {
      code: 'CONFIRMATION_REQUIRED',
      exitCode: ExitCode.usage,
      hint: 'Add --yes to submit without asking, or --dry-run to only see the plan.',
    })
  }

  if (!(await confirmSubmission('Submit this request?'))) {
    throw new IdpError('Not submitted; nothing was written.', {code: 'CANCELLED', exitCode: ExitCode.cancelled})
  }
}

/**
 * Asks for the value an action with `spec.confirm` needs before it is submitted, such as the
 * name of a database to delete. `--confirm` gives it in a script; `--yes` alone is not enough.
 */
async function confirmTyped(flags: ActionFlags, terminal: TerminalCapabilities, confirmation: {expected: string; message?: string}): Promise<void> {
  if (flags.confirm !== undefined) return
  if (!terminal.interactive || flags.values === '-') {
    const reason = terminal.noPromptReason ?? 'standard input carried the values'
    throw new IdpError(`Confirmation needed: type ${confirmation.expected} to submit this request, and prompting is off (${reason})`, {
      code: 'CONFIRMATION_REQUIRED',
      exitCode: ExitCode.usage,
      hint: `Add --confirm ${shellWord(confirmation.expected)} to submit it from a script (--yes alone does not), or --dry-run to only see the plan.`,
    })
  }

  await typedConfirmation(confirmation.message ?? `Type ${confirmation.expected} to confirm`, confirmation.expected)
}

function checkConfirmFlag(value: string, expected: string): void {
  if (value === expected) return
  throw new IdpError(`--confirm ${JSON.stringify(value)} does not match ${JSON.stringify(expected)}`, {
    code: 'CONFIRMATION_MISMATCH',
    exitCode: ExitCode.usage,
    details: {expected},
    hint: 'Check the inputs: --confirm must repeat the value exactly. Nothing was written.',
  })
}

function describeChoice(loaded: LoadedManifest, config: IdpConfig, definition: InputDefinition, value: unknown, answers: Record<string, unknown>): string | undefined {
  if (!loaded.manifest.spec.cost?.prices?.[definition.name]) return undefined
  const inputs = {...defaultsOf(loaded), ...answers, [definition.name]: value}
  return choicePrice(loaded, inputs, config.user)
}

function defaultsOf(loaded: LoadedManifest): Record<string, unknown> {
  const defaults: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(loaded.manifest.spec.inputs.properties)) {
    if (schema.default !== undefined) defaults[name] = schema.default
  }

  return defaults
}

/**
 * Builds the requester as the policy and the pull request see them, from the configuration's
 * `user`, the token's `account` and the name in git's configuration (`readGitUserName`).
 */
export function requesterOf(config: IdpConfig, inputs: Record<string, unknown>, account?: string, gitName?: string): Requester {
  const login = account ?? config.user.login ?? safeUsername()
  return {
    login,
    name: config.user.name ?? gitName ?? login,
    team: config.user.team ?? (typeof inputs.team === 'string' ? inputs.team : ''),
    groups: config.user.groups ?? [],
  }
}

function safeUsername(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/** Reads `user.name` from git's configuration, or undefined when git has none or fails. */
export function readGitUserName(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', 'user.name'], {encoding: 'utf8', timeout: 2000}, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined))
  })
}
