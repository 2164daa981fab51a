import {createHash} from 'node:crypto'
import {join, posix} from 'node:path'

import {compareCodeUnits} from '../compare-text.js'
import {IdpError} from '../errors.js'
import type {Decision, PolicyRequest} from '../policy/index.js'
import {FINGERPRINT_TRAILER, isRemovedBy, type ChangeRequest, type DeliveryResult, type DeliveryTarget, type PlannedFile} from '../delivery/target.js'
import {type ExpressionContext, renderString, renderTemplate} from './expressions.js'
import {labelOf} from './inputs.js'
import {formatMoney} from './money.js'
import type {LoadedManifest, PublishRequest} from './manifest.js'
import {checkRepositoryPath, type RenderedFile, renderTemplateFolder} from './render.js'
import {requestBody} from './request-body.js'

/** Person who requests the change, as the policy and the pull request see them. */
export interface Requester {
  login: string
  name: string
  team: string
  groups: string[]
}

/** The monthly estimate of a request. */
export interface CostEstimate {
  monthly: number
  currency: string
  explanation?: string
}

/** Everything that will happen, computed before anything is written. */
export interface Plan {
  runId: string
  action: {name: string; title: string; command: string; file: string}
  inputs: Record<string, unknown>
  /** Display labels of enum inputs. */
  labels: Record<string, string>
  cost?: CostEstimate
  risk: string[]
  resources: Array<{type: string; name: string; description?: string; change?: 'create' | 'delete'}>
  permissions: Array<{principal: string; role: string; on: string; description?: string}>
  requester: Requester
  decision: Decision
  files: PlannedFile[]
  change: ChangeRequest
  /** Delivery of an earlier run of the same request, when there was one. */
  existing?: DeliveryResult
  target: DeliveryTarget
  /** Configuration files the request was planned with, most specific last. */
  configSources: string[]
  /** Variables for the manifest's expressions; the outputs are rendered with it after delivery. */
  context: ExpressionContext
  /** Inputs whose values are secrets (a Backstage `ui:widget: password`), never displayed. */
  secretInputs?: string[]
}

/** Returns the inputs of a plan for display, with secret values replaced by asterisks. */
export function shownInputs(plan: Pick<Plan, 'inputs' | 'secretInputs'>): Record<string, unknown> {
  if (!plan.secretInputs?.length) return plan.inputs
  return Object.fromEntries(Object.entries(plan.inputs).map(([name, value]) => [name, plan.secretInputs!.includes(name) ? '********' : value]))
}

export interface CreatePlanOptions {
  loaded: LoadedManifest
  inputs: Record<string, unknown>
  user: Record<string, unknown>
  /**
   * The requester, or a function that reads them (their GitHub login): it is called side by
   * side with the target's reads, so that it costs no round trip of its own.
   */
  requester: Requester | (() => Promise<Requester>)
  /**
   * Loads the approval policy, or policies, and returns the function that decides with them.
   * It may read the shared policy from the target, so it runs side by side with the target's
   * other reads.
   */
  decider: () => Promise<(request: PolicyRequest) => Decision>
  target: DeliveryTarget
  runId: string
  configSources?: string[]
  /** Branch name to use instead of the one the manifest renders (`--branch`). */
  branch?: string
  /**
   * Set when a submitted run is edited: the fingerprints its branch head may record (the
   * previous version's, or an unfinished edit's), and the files and labels of that version.
   */
  edit?: {fingerprints: string[]; files: string[]; labels: string[]}
  /** Merge method to turn auto-merge on with when the policy auto-approves the request. */
  autoMerge?: 'merge' | 'squash' | 'rebase'
}

/** A request before any target is read: its cost, preview and the policy's view of it. */
export interface PreparedRequest {
  context: ExpressionContext
  cost?: CostEstimate
  risk: string[]
  resources: Plan['resources']
  permissions: Plan['permissions']
  policyRequest: PolicyRequest
}

/**
 * Computes cost, resources, permissions and risk of complete inputs, and the request the
 * approval policy evaluates. `idp policy check`, `policy test` and `policy verify` use it too,
 * so that every place judges the same request.
 */
export function prepareRequest(loaded: LoadedManifest, inputs: Record<string, unknown>, options: {user: Record<string, unknown>; requester: Requester; runId: string}): PreparedRequest {
  const {manifest} = loaded
  const context: ExpressionContext = {
    inputs,
    labels: labelsOf(loaded, inputs),
    prices: pricesOf(loaded, inputs),
    user: options.user,
    cost: {},
    run: {id: options.runId},
    steps: {},
  }

  const cost = estimateCost(loaded, context)
  if (cost) context.cost = {monthly: cost.monthly, currency: cost.currency}
  const resources = renderList(manifest.spec.preview?.resources ?? [], context)
  const permissions = renderList(manifest.spec.preview?.permissions ?? [], context)
  const risk = riskOf(loaded, context)
  const policyRequest = policyRequestOf({manifest: loaded, inputs, cost, risk, resources, permissions, requester: options.requester})
  return {context, cost, risk, resources, permissions, policyRequest}
}

/** Computes the plan of a request: cost, preview, decision, rendered files and the change. */
export async function createPlan(options: CreatePlanOptions): Promise<Plan> {
  const {loaded, inputs, runId} = options
  const {manifest} = loaded
  // The policy request gets the requester once known; nothing before the decision reads it.
  const {context, cost, risk, resources, permissions, policyRequest} = prepareRequest(loaded, inputs, {user: options.user, requester: {login: '', name: '', team: '', groups: []}, runId})

  const publish = manifest.spec.steps.find((step) => step.action === 'publish:pull-request')!
  const request = publishRequest(loaded, context, options.target)
  const branch = checkBranchName(options.branch ?? request.branch)
  const fingerprint = requestFingerprint(manifest.metadata.name, inputs, options.target)

  // The base branch, the shared policy on it and the request's own branch are read side by
  // side, so that the reads take as few round trips as possible.
  const rendered = await renderFiles(loaded, context)
  const removals = removalsOf(loaded, context)
  const requesting = typeof options.requester === 'function' ? options.requester() : Promise.resolve(options.requester)
  const [files, decide, found, requester] = await settledInOrder([
    options.target.compare(rendered, removals),
    options.decider(),
    options.target.findExisting(branch, options.edit ? [...options.edit.fingerprints, fingerprint] : fingerprint),
    requesting,
  ] as const)
  const decision = decide({...policyRequest, requester})
  // A merged branch is no earlier delivery to continue: the request is proposed anew on it.
  const mergedBranch = found?.merged ? found.commit : undefined
  const existing = found?.merged ? undefined : found
  if (options.edit && found?.merged) {
    throw new IdpError(`The branch ${branch} of this run is already merged into the base branch of the ${options.target.description}`, {
      code: 'RUN_BRANCH_MISSING',
      exitCode: 1,
      hint: 'Submit a new request with the action command instead.',
    })
  }

  if (options.edit && !existing) {
    throw new IdpError(`The branch ${branch} of this run no longer exists in the ${options.target.description}`, {
      code: 'RUN_BRANCH_MISSING',
      exitCode: 1,
      hint: 'It was merged or deleted; submit a new request with the action command instead.',
    })
  }

  checkNoOverwrite(loaded, files, options.target)
  // After an edit or a retry, the run's own branch may have deleted the files already.
  if (!existing) await checkRemovalsExist(removals, files, options.target)

  const {title, description} = request
  const plan: Plan = {
    runId,
    action: {name: manifest.metadata.name, title: manifest.metadata.title, command: manifest.spec.command, file: loaded.file},
    inputs,
    labels: context.labels,
    cost,
    risk,
    resources,
    permissions,
    requester,
    decision,
    files,
    target: options.target,
    configSources: options.configSources ?? [],
    context,
    existing,
    secretInputs: Object.entries(manifest.spec.inputs.properties).filter(([, schema]) => schema.form?.secret).map(([name]) => name),
    change: {
      branch,
      fingerprint,
      title,
      body: '',
      commitMessage: '',
      files,
      labels: decisionLabels(decision, publish.with.labels),
      teamReviewers: [...new Set([...decision.requirements.map((requirement) => requirement.team), ...(request.teamReviewers ?? [])])],
      // GitHub cannot turn on auto-merge for a draft pull request.
      autoMerge: decision.outcome === 'auto_approve' && !request.draft ? options.autoMerge : undefined,
      ...(request.draft ? {draft: true} : {}),
      ...(request.reviewers?.length ? {reviewers: request.reviewers} : {}),
      ...(mergedBranch ? {mergedBranch} : {}),
    },
  }
  if (options.edit && existing) {
    const paths = new Set(files.map((file) => file.path))
    plan.change.update = {
      commit: existing.commit,
      committed: existing.fingerprint === fingerprint,
      removedFiles: options.edit.files.filter((path) => !paths.has(path)),
      staleLabels: options.edit.labels.filter((label) => !plan.change.labels.includes(label)),
    }
  }

  plan.change.body = requestBody(plan, description)
  // Git trailers at the end of the message let a later run recognize its own branch.
  plan.change.commitMessage = `${request.commitMessage ?? title}\n\n${plan.change.body}\n${FINGERPRINT_TRAILER}: ${fingerprint}\nIdp-Run: ${runId}\n`
  return plan
}

/**
 * The branch, title and description of the pull request: rendered from the publish step, or by
 * a Backstage template's engine, whose pull request must go to the configured repository.
 */
function publishRequest(loaded: LoadedManifest, context: ExpressionContext, target: DeliveryTarget): PublishRequest {
  if (loaded.engine) {
    const request = loaded.engine.publish(context)
    const configured = target.summary.repository
    const requested = `${request.repository.owner}/${request.repository.repo}`
    if (target.kind === 'github' && typeof configured === 'string' && configured.toLowerCase() !== requested.toLowerCase()) {
      throw new IdpError(`${loaded.manifest.metadata.name} publishes to ${requested}, but the configured target is ${configured}`, {
        code: 'TARGET_MISMATCH',
        exitCode: 2,
        hint: `Set target.github.repository to ${requested} in the configuration, or run the template against the repository it names.`,
      })
    }

    return request
  }

  const publish = loaded.manifest.spec.steps.find((step) => step.action === 'publish:pull-request')!
  return {
    branch: renderString(String(publish.with.branch), context),
    title: renderString(String(publish.with.title), context),
    description: publish.with.description === undefined ? undefined : renderString(String(publish.with.description), context),
  }
}

/**
 * Waits for every read and returns their results, or throws the error of the first read that
 * failed in the order given, so that one failure (an unreachable server) always gives the same
 * message, whichever request noticed it first.
 */
async function settledInOrder<T extends readonly unknown[]>(reads: {[K in keyof T]: Promise<T[K]>}): Promise<T> {
  const results = await Promise.allSettled(reads)
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}

/**
 * Computes the fingerprint of a request: a hash of the action, its inputs and the target, so
 * that running the same request again finds what the first run created.
 */
export function requestFingerprint(action: string, inputs: Record<string, unknown>, target: DeliveryTarget): string {
  // Code-unit order, the same on every machine whatever its locale.
  const sortedInputs = Object.fromEntries(Object.entries(inputs).sort(([first], [second]) => compareCodeUnits(first, second)))
  const canonical = JSON.stringify({action, inputs: sortedInputs, target: target.summary})
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16)
}

/** Lists the risk attributes of a request: those without a condition, and those whose condition is true. */
function riskOf(loaded: LoadedManifest, context: ExpressionContext): string[] {
  const risk: string[] = []
  for (const item of loaded.manifest.spec.risk ?? []) {
    if (typeof item === 'string') risk.push(item)
    else if (renderTemplate(item.when, context) === true) risk.push(item.name)
  }

  return risk
}

/** Display label of each enum input's value. */
export function labelsOf(loaded: LoadedManifest, inputs: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [name, schema] of Object.entries(loaded.manifest.spec.inputs.properties)) {
    if (schema.enum && name in inputs) labels[name] = labelOf(schema, inputs[name])
  }

  return labels
}

/** Price of each priced input's value, from `spec.cost.prices`. */
export function pricesOf(loaded: LoadedManifest, inputs: Record<string, unknown>): Record<string, number> {
  const prices: Record<string, number> = {}
  for (const [name, table] of Object.entries(loaded.manifest.spec.cost?.prices ?? {})) {
    const value = inputs[name]
    if (value !== undefined && String(value) in table) prices[name] = table[String(value)]
  }

  return prices
}

/** Computes the monthly estimate for complete inputs; undefined when the action declares no cost. */
export function estimateCost(loaded: LoadedManifest, context: ExpressionContext): CostEstimate | undefined {
  const cost = loaded.manifest.spec.cost
  if (!cost) return undefined
  let monthly: unknown
  try {
    monthly = typeof cost.monthly === 'number' ? cost.monthly : renderTemplate(cost.monthly, context)
  } catch (error) {
    throw new IdpError(`Cannot compute the cost of ${loaded.manifest.metadata.name}: ${(error as Error).message.split('\n')[0]}`, {
      code: 'COST_FAILED',
      exitCode: 1,
      cause: error,
      hint: `Check spec.cost.monthly in ${loaded.file}.`,
    })
  }

  if (typeof monthly !== 'number' || !Number.isFinite(monthly) || monthly < 0) {
    throw new IdpError(`The cost of ${loaded.manifest.metadata.name} is ${JSON.stringify(monthly)}, not an amount of money`, {
      code: 'COST_FAILED',
      exitCode: 1,
      hint: `spec.cost.monthly in ${loaded.file} must produce a number of ${cost.currency} per month.`,
    })
  }

  return {monthly: Math.round(monthly * 100) / 100, currency: cost.currency, explanation: cost.explanation}
}

/**
 * Formats the monthly price of one choice, such as "$100/month", computed with the inputs
 * given so far and the defaults of the rest. Returns undefined when the action has no cost.
 */
export function choicePrice(loaded: LoadedManifest, inputs: Record<string, unknown>, user: Record<string, unknown>): string | undefined {
  if (!loaded.manifest.spec.cost?.prices) return undefined
  try {
    const context: ExpressionContext = {inputs, labels: labelsOf(loaded, inputs), prices: pricesOf(loaded, inputs), user, cost: {}, run: {id: ''}, steps: {}}
    const cost = estimateCost(loaded, context)
    return cost ? `${formatMoney(cost.monthly, cost.currency)}/month` : undefined
  } catch {
    return undefined
  }
}

// Kept in its own module so that command help can format prices without loading the planner.
export {formatMoney} from './money.js'

function renderList<T extends object>(items: T[], context: ExpressionContext): T[] {
  return items.map((item) => Object.fromEntries(Object.entries(item).map(([key, value]) => [key, typeof value === 'string' ? renderString(value, context) : value])) as T)
}

/** Renders the files of every template step in memory; two steps writing one path is an error. */
export async function renderFiles(loaded: LoadedManifest, context: ExpressionContext): Promise<RenderedFile[]> {
  if (loaded.engine) return loaded.engine.renderFiles(context)
  const files: RenderedFile[] = []
  for (const step of loaded.manifest.spec.steps) {
    if (step.action !== 'template:render') continue
    const verbatim = Array.isArray(step.with.verbatim) ? step.with.verbatim.map(String) : undefined
    files.push(...(await renderTemplateFolder(join(loaded.dir, String(step.with.source)), String(step.with.target), context, verbatim)))
  }

  const seen = new Set<string>()
  for (const file of files) {
    if (seen.has(file.path)) {
      throw new IdpError(`Two template steps of ${loaded.manifest.metadata.name} write ${file.path}`, {code: 'TEMPLATE_FAILED', exitCode: 1, hint: `Fix the steps in ${loaded.file}.`})
    }

    seen.add(file.path)
  }

  return files
}

/**
 * Renders the repository paths that the `files:delete` steps remove, files or folders. A path
 * is checked as rendered file paths are: it cannot leave the repository.
 */
export function removalsOf(loaded: LoadedManifest, context: ExpressionContext): string[] {
  const removals: string[] = []
  for (const step of loaded.manifest.spec.steps) {
    if (step.action !== 'files:delete') continue
    for (const path of step.with.paths as string[]) removals.push(checkRepositoryPath(renderString(path, context), path))
  }

  return removals
}

/**
 * Rejects a deletion of a path that has no file on the base branch: the name is probably wrong.
 * The hint lists what the folder of the first such path has instead.
 */
async function checkRemovalsExist(removals: string[], files: PlannedFile[], target: DeliveryTarget): Promise<void> {
  const missing = removals.filter((removal) => !files.some((file) => file.status === 'deleted' && isRemovedBy(file.path, removal)))
  if (missing.length === 0) return
  const folder = posix.dirname(missing[0]) === '.' ? '' : posix.dirname(missing[0])
  const present = (await target.listBaseFolder?.(folder)) ?? []
  const presentNote = present.length > 0 ? ` ${folder || 'The repository root'} has: ${present.join(', ')}.` : ''
  throw new IdpError(`Nothing to delete: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on the base branch of the ${target.description}`, {
    code: 'NOTHING_TO_DELETE',
    exitCode: 2,
    details: {paths: missing},
    hint: `Check the name and the environment; nothing was written.${presentNote}`,
  })
}

function policyRequestOf(options: {
  manifest: LoadedManifest
  inputs: Record<string, unknown>
  cost?: CostEstimate
  risk: string[]
  resources: Plan['resources']
  permissions: Plan['permissions']
  requester: Requester
}): PolicyRequest {
  const environment = options.inputs.environment
  return {
    action: options.manifest.manifest.metadata.name,
    inputs: options.inputs,
    environment: typeof environment === 'string' ? environment : '',
    cost: {monthly: options.cost?.monthly ?? 0, currency: options.cost?.currency ?? 'USD'},
    risk: options.risk,
    resources: options.resources.map((resource) => ({...resource})),
    permissions: options.permissions.map((permission) => ({...permission})),
    requester: options.requester,
  }
}

/**
 * Rejects a request whose files already exist with other content on the base branch: the
 * template steps create resources, and changing someone else's existing resource under a
 * "create" request would hide the change from approvers and from the policy.
 */
function checkNoOverwrite(loaded: LoadedManifest, files: PlannedFile[], target: DeliveryTarget): void {
  const modified = files.filter((file) => file.status === 'modified')
  if (modified.length === 0) return
  throw new IdpError(`${modified.map((file) => file.path).join(', ')} already ${modified.length === 1 ? 'exists' : 'exist'} with other content in the ${target.description}`, {
    code: 'RESOURCE_EXISTS',
    exitCode: 2,
    details: {files: modified.map((file) => file.path)},
    hint: `${loaded.manifest.metadata.title} creates new resources: choose another name, or change the existing files with a reviewed pull request.`,
  })
}

function decisionLabels(decision: Decision, extra: unknown): string[] {
  const labels = ['idp', decision.outcome === 'auto_approve' ? 'idp:auto-approved' : 'idp:needs-approval']
  if (Array.isArray(extra)) labels.push(...extra.map(String))
  return [...new Set(labels)]
}

// The rules of `git check-ref-format` that a rendered name could break.
const INVALID_BRANCH = /(^[/.-])|([/.]$)|(\.\.)|(\/\/)|(@\{)|([\s~^:?*[\\\0-\x1F\x7F])|(\.lock(\/|$))|(\/\.)/

function checkBranchName(branch: string): string {
  // `HEAD` is a valid ref name for git check-ref-format, but as a branch it makes every later
  // `git` command warn that the name is ambiguous.
  if (branch === '' || branch === 'HEAD' || INVALID_BRANCH.test(branch)) {
    throw new IdpError(`The branch name ${JSON.stringify(branch)} is not a valid git branch name`, {
      code: 'BRANCH_INVALID',
      exitCode: 2,
      hint: 'Use a branch name, or input values, made of letters, digits, hyphens and slashes.',
    })
  }

  return branch
}
