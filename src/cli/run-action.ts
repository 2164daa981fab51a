import {readFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {join} from 'node:path'
import {execFileSync} from 'node:child_process'
import {parse as parseYaml} from 'yaml'

import type {CatalogEntry} from '../actions/catalog.js'
import {type InputDefinition, type ValuesSource, resolveInputs} from '../actions/inputs.js'
import {createRunId, runsDir} from '../actions/journal.js'
import {type LoadedManifest, loadManifest} from '../actions/manifest.js'
import {choicePrice, createPlan, type Plan, type Requester} from '../actions/plan.js'
import {submitPlan, type SubmitResult} from '../actions/submit.js'
import {type IdpConfig, loadConfig} from '../config/config.js'
import {createGitHubTarget} from '../delivery/github.js'
import {createGitTarget} from '../delivery/git.js'
import type {DeliveryTarget, PlannedFile} from '../delivery/target.js'
import {findToken} from '../delivery/token.js'
import {ExitCode, IdpError} from '../errors.js'
import {xdgDir} from '../xdg.js'
import {bundledPolicyPath, loadPolicy} from '../policy/index.js'
import {formatDiff, formatPlan, formatResult} from './plan-view.js'
import {TerminalProgress} from './progress.js'
import {confirmSubmission, inquirerPrompter} from './prompts.js'
import type {TerminalCapabilities} from './terminal.js'

/** Flags every action command has. */
export interface ActionFlags {
  values?: string
  yes: boolean
  'dry-run': boolean
  json: boolean
  'no-input': boolean
  config?: string
}

export interface RunActionOptions {
  entry: CatalogEntry
  flags: ActionFlags
  /** Input values given as flags, by input name. */
  inputFlags: Record<string, unknown>
  terminal: TerminalCapabilities
  env?: NodeJS.ProcessEnv
}

/**
 * Runs an action from the command line: resolve the inputs, show the plan, confirm, submit,
 * and print the result. Every check happens before the first write.
 */
export async function runAction(options: RunActionOptions): Promise<void> {
  const {flags, terminal} = options
  const env = options.env ?? process.env
  const progress = new TerminalProgress(process.stderr, terminal.animate && !flags.json, terminal.stderr)

  const config = await loadConfig({file: flags.config, env})
  const loaded = await loadManifest(options.entry.file)
  const policy = await loadPolicy(config.policy ?? bundledPolicyPath)
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
  })

  const plan = await createPlan({loaded, inputs, user: config.user, requester: requesterOf(config, inputs), policy, target, runId: createRunId(), configSources: config.sources})
  const planText = formatPlan(plan, flags['dry-run'] ? terminal.stdout : terminal.stderr)

  if (plan.decision.outcome === 'deny') {
    if (!flags.json) process.stderr.write(`${formatPlan(plan, terminal.stderr)}\n\n`)
    throw new IdpError(`Denied by the approval policy: ${plan.decision.reasons.join(' ')}`, {
      code: 'DENIED',
      exitCode: ExitCode.denied,
      details: {decision: plan.decision},
      hint: 'Change the request (for example another environment or size), or ask the policy owners about the rule.',
    })
  }

  if (plan.files.every((file) => file.status === 'unchanged')) {
    if (flags.json) printJson({...planJson(plan, flags['dry-run']), nothingToChange: true})
    else process.stdout.write(`Nothing to change: every file already has this content on the base branch of the ${target.description}.\n`)
    return
  }

  if (flags['dry-run']) {
    if (flags.json) printJson(planJson(plan, true))
    else process.stdout.write(`${planText}\n\n${formatDiff(plan, terminal.stdout)}\n\nDry run: nothing was written.\n`)
    return
  }

  if (!flags.json) process.stderr.write(`${planText}\n\n`)
  await confirm(flags, terminal)

  const result = await submitPlan(plan, loaded, progress, runsDir(env))
  if (flags.json) printJson(resultJson(plan, result))
  else process.stdout.write(`${formatResult(plan, result, terminal.stdout)}\n`)
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

async function readValues(source: string): Promise<ValuesSource> {
  const origin = source === '-' ? 'standard input' : source
  let text: string
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new IdpError(missing ? `Values file not found: ${origin}` : `Cannot read the values file ${origin}: ${(error as Error).message}`, {
      code: 'VALUES_INVALID',
      exitCode: ExitCode.usage,
      cause: error,
      hint: 'Pass the path of a YAML or JSON file of input values, or - to read them from standard input.',
    })
  }

  let data: unknown
  try {
    // The failsafe schema keeps every scalar as written, so `007` stays "007" for a string
    // input and the input's type decides how text becomes a number or a boolean.
    data = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, {schema: 'failsafe'})
  } catch (error) {
    throw new IdpError(`The values file ${origin} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, {
      code: 'VALUES_INVALID',
      exitCode: ExitCode.usage,
      cause: error,
    })
  }

  if (data === null || data === undefined || data === '') data = {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new IdpError(`The values file ${origin} must contain a mapping of input names to values`, {code: 'VALUES_INVALID', exitCode: ExitCode.usage})
  }

  return {origin, data: data as Record<string, unknown>}
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function createTarget(config: IdpConfig, dryRun: boolean, progress: TerminalProgress, env: NodeJS.ProcessEnv): Promise<DeliveryTarget> {
  const {github, git} = config.target
  if (github && git) {
    throw new IdpError('Both target.github and target.git are configured; a request goes to one target', {
      code: 'CONFIG_INVALID',
      exitCode: ExitCode.usage,
      hint: `Remove one of them from ${config.sources.at(-1) ?? 'the configuration'}.`,
    })
  }

  if (github) {
    const apiUrl = checkApiUrl(env.GITHUB_API_URL ? 'GITHUB_API_URL' : 'target.github.apiUrl', env.GITHUB_API_URL || github.apiUrl || 'https://api.github.com')
    const token = await findToken(apiUrl, env)
    if (!token) {
      if (dryRun) {
        progress.warn(`No GitHub token: the files are not compared with ${github.repository}. Set GH_TOKEN to compare them.`)
        return uncomparedTarget(github.repository)
      }

      throw new IdpError(`No GitHub token found to open a pull request in ${github.repository}`, {
        code: 'AUTH_MISSING',
        exitCode: ExitCode.auth,
        hint: 'Set GH_TOKEN (or GITHUB_TOKEN) to a token with the "repo" scope, or log in with `gh auth login`.',
      })
    }

    const retryBase = Number(env.IDP_GITHUB_RETRY_BASE_MS)
    return createGitHubTarget({
      repository: github.repository,
      baseBranch: github.baseBranch,
      apiUrl,
      token: token.token,
      progress,
      retryBaseMs: Number.isFinite(retryBase) && retryBase >= 0 && env.IDP_GITHUB_RETRY_BASE_MS ? retryBase : undefined,
    })
  }

  const path = git?.path ?? join(xdgDir(env, 'XDG_DATA_HOME'), 'idp', 'infrastructure')
  return createGitTarget({path, baseBranch: git?.baseBranch, author: {name: 'idp', email: 'idp@localhost'}})
}

function checkApiUrl(origin: string, apiUrl: string): string {
  let url: URL | undefined
  try {
    url = new URL(apiUrl)
  } catch {
    url = undefined
  }

  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new IdpError(`${origin} is not a valid URL: ${JSON.stringify(apiUrl)}`, {
      code: 'CONFIG_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.',
    })
  }

  return apiUrl
}

function uncomparedTarget(repository: string): DeliveryTarget {
  return {
    kind: 'github',
    description: `GitHub repository ${repository} (not compared: no token)`,
    summary: {kind: 'github', repository},
    steps: [],
    compare: async (files) => files.map((file): PlannedFile => ({...file, status: 'added'})),
    deliver: async () => {
      throw new IdpError('No GitHub token', {code: 'AUTH_MISSING', exitCode: ExitCode.auth})
    },
  }
}

function requesterOf(config: IdpConfig, inputs: Record<string, unknown>): Requester {
  const login = config.user.login ?? safeUsername()
  return {
    login,
    name: config.user.name ?? gitUserName() ?? login,
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

function gitUserName(): string | undefined {
  try {
    return execFileSync('git', ['config', '--get', 'user.name'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000}).trim() || undefined
  } catch {
    return undefined
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

function planJson(plan: Plan, dryRun: boolean): Record<string, unknown> {
  return {
    action: plan.action.name,
    inputs: plan.inputs,
    cost: plan.cost ? {monthly: plan.cost.monthly, currency: plan.cost.currency} : undefined,
    risk: plan.risk,
    resources: plan.resources,
    permissions: plan.permissions,
    requester: plan.requester,
    decision: {
      outcome: plan.decision.outcome,
      requirements: plan.decision.requirements.map((requirement) => ({group: requirement.group, team: requirement.team, count: requirement.count, reasons: requirement.reasons})),
      reasons: plan.decision.reasons,
      matchedRules: plan.decision.matchedRules,
      policy: plan.decision.policy.path,
    },
    files: plan.files.map((file) => ({path: file.path, status: file.status, mode: file.mode})),
    branch: plan.change.branch,
    target: plan.target.summary,
    config: plan.configSources,
    dryRun,
  }
}

function resultJson(plan: Plan, result: SubmitResult): Record<string, unknown> {
  return {
    ...planJson(plan, false),
    runId: plan.runId,
    branch: result.delivery.branch,
    commit: result.delivery.commit,
    pullRequest: result.delivery.pullRequest,
    outputs: Object.fromEntries(result.outputs.map((output) => [output.name, output.value])),
    journal: result.journalPath,
  }
}
