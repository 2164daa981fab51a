import {createTwoFilesPatch} from 'diff'

import {readCatalog} from '../actions/catalog.js'
import {resolveInputs} from '../actions/inputs.js'
import {loadManifest} from '../actions/manifest.js'
import {prepareRequest, removalsOf, renderFiles} from '../actions/plan.js'
import type {RenderedFile} from '../actions/render.js'
import type {Progress} from '../actions/progress.js'
import type {IdpConfig} from '../config/config.js'
import {gitBlobId} from '../delivery/git-objects.js'
import {createGitHubTarget, type RestClient} from '../delivery/github.js'
import {readRequestStatus, type RequirementState} from '../delivery/github-status.js'
import type {DeliveryTarget} from '../delivery/target.js'
import {IdpError} from '../errors.js'
import {bundledPolicyPath, evaluatePolicy, loadPolicy, parsePolicy, type Decision, type Policy, type PolicyRequest} from '../policy/index.js'
import {readRecordedRequest, type RecordedRequest} from './recorded-request.js'

/** Context of a pull request gate: the repository, its client, and the configuration of the checkout. */
export interface GateContext {
  client: RestClient
  /** `owner/name`. */
  repository: string
  apiUrl: string
  token: string
  config: IdpConfig
  /** Path of the shared policy on the base branch. */
  policyPath: string
  /** True when the path was given explicitly: a missing file is then an error, not the bundled example. */
  policyPathExplicit: boolean
  /** The branch the gate protects; default: the repository's default branch. */
  baseBranch?: string
  progress: Progress
  retryBaseMs?: number
}

/** The facts of a pull request that a verification reports. */
export interface PullRequestFacts {
  number: number
  url: string
  headSha: string
  author: string
  baseRef: string
  state: 'open' | 'closed'
  merged: boolean
  createdAt: string
  labels: string[]
}

/**
 * approved: every requirement is met, or the policy approves automatically. waiting_for_approval:
 * approvals are missing. denied: the policy denies the request. tampered: the files differ from
 * what the recorded request renders. invalid_request: the recorded request cannot be read or
 * rendered. not_managed: the pull request records no idp request. other_base: the pull request
 * targets a branch the gate does not protect, so it is not judged.
 */
export type GateOutcome = 'approved' | 'waiting_for_approval' | 'denied' | 'tampered' | 'invalid_request' | 'not_managed' | 'other_base'

/** A file of the pull request that does not match the recorded request. */
export interface FileMismatch {
  path: string
  /**
   * changed: other content than the request renders. unexpected: not rendered by the request.
   * missing: rendered but not in the pull request. removed: deleted, or renamed away, by the
   * pull request, though the request does not delete it. exists: the request would change a
   * file that already exists on the base branch, which a create request never does. kept: the
   * request deletes the file, but the pull request does not.
   */
  problem: 'changed' | 'unexpected' | 'missing' | 'removed' | 'exists' | 'kept'
  /** Unified diff from the rendered content to the pull request's, for a changed text file. */
  diff?: string
}

/** The gate's findings for one pull request. */
export interface Judgement {
  pullRequest: PullRequestFacts
  outcome: GateOutcome
  /** One sentence for a commit status description and a log line. */
  summary: string
  request?: RecordedRequest
  /** Title of the request's action, from its manifest. */
  title?: string
  policyRequest?: PolicyRequest
  decision?: Decision
  /** The policy that decided, for its groups' teams and notification settings. */
  policy?: Policy
  requirements: RequirementState[]
  files: FileMismatch[]
  /** Reason the recorded request is invalid, when it is. */
  problem?: string
  /** Notes for the reader, such as the bundled policy deciding because the repository has none. */
  notes: string[]
}

/**
 * Judges a pull request the way CI enforces the policy. It reads the request recorded in the
 * body and renders the action's files again from the manifest in the checkout, to compare them
 * with the pull request's files. Then it evaluates the policy from the base branch (never the
 * pull request's own copy) and counts the approvals that meet each requirement.
 */
export async function judgePullRequest(context: GateContext, number: number, options: {checkFiles: boolean}): Promise<Judgement> {
  const [owner, repo] = context.repository.split('/')
  const [pull, protectedBranch] = await Promise.all([readPullRequest(context, number), context.baseBranch ?? defaultBranch(context)])
  const facts: PullRequestFacts = {
    number,
    url: pull.html_url,
    headSha: pull.head.sha,
    author: pull.user?.login ?? '',
    baseRef: pull.base.ref,
    state: pull.state as 'open' | 'closed',
    merged: Boolean(pull.merged),
    createdAt: pull.created_at,
    labels: pull.labels.map((label) => label.name ?? '').filter(Boolean),
  }
  const judgement: Judgement = {pullRequest: facts, outcome: 'not_managed', summary: '', requirements: [], files: [], notes: []}
  if (facts.state === 'closed') judgement.notes.push(`The pull request is ${facts.merged ? 'merged' : 'closed'}.`)
  // The commit status belongs to the head commit, which a second pull request into another
  // branch can share: judging that one against its own base would pass this one too.
  if (facts.baseRef !== protectedBranch) {
    return finish(judgement, 'other_base', `Not judged: the pull request targets ${printable(facts.baseRef)}, and the gate protects ${protectedBranch}.`)
  }

  const record = readRecordedRequest(pull.body)
  const traces = idpTraces(facts.labels, pull.head.ref)
  if (record.kind === 'none' && traces) {
    const reason = `the pull request has ${traces} but no recorded request; was the idp-request block removed from its body?`
    return finish({...judgement, problem: reason}, 'invalid_request', `The recorded request is invalid: ${reason}`)
  }

  if (record.kind === 'none') return finish(judgement, 'not_managed', 'Not an idp request: the pull request records no request, so the policy gate does not apply.')
  if (record.kind === 'invalid') return finish({...judgement, problem: record.reason}, 'invalid_request', `The recorded request is invalid: ${record.reason}.`)
  const {request} = record
  judgement.request = request

  const target = createGitHubTarget({repository: context.repository, baseBranch: facts.baseRef, apiUrl: context.apiUrl, token: context.token, progress: context.progress, retryBaseMs: context.retryBaseMs})
  const policy = await sharedPolicy(context, target, judgement)
  judgement.policy = policy

  const prepared = await prepareRecorded(context, request, facts.author)
  if ('problem' in prepared) return finish({...judgement, problem: prepared.problem}, 'invalid_request', `The recorded request cannot be checked: ${prepared.problem}.`)
  judgement.policyRequest = prepared.request
  judgement.title = prepared.title

  if (options.checkFiles) judgement.files = await compareFiles(context, target, prepared.render, protectedBranch, facts.headSha)
  const decision = evaluatePolicy(policy, prepared.request)
  judgement.decision = decision

  if (judgement.files.length > 0) {
    const paths = judgement.files.map((file) => file.path).join(', ')
    return finish(judgement, 'tampered', `The files differ from what the recorded request renders (${paths}): the pull request was changed after idp opened it, or the action's templates changed.`)
  }

  if (decision.outcome === 'deny') return finish(judgement, 'denied', `Denied by the approval policy: ${decision.reasons.join(' ')}`)
  const required = decision.requirements.map(({group, team, count, allowRequester, sla}) => ({group, team, count, allowRequester, sla}))
  const status = await readRequestStatus(context.client, owner, repo, number, required, facts.headSha)
  judgement.requirements = status.requirements
  if (decision.outcome === 'auto_approve') return finish(judgement, 'approved', `Auto-approved by the approval policy: ${decision.reasons.join(' ')}`)
  const missing = status.requirements.filter((requirement) => !requirement.satisfied)
  if (missing.length === 0) return finish(judgement, 'approved', `Approved: ${status.requirements.map(describeRequirement).join(', ')}.`)
  return finish(judgement, 'waiting_for_approval', `Waiting for approval: ${status.requirements.map(describeRequirement).join(', ')}.`)
}

/** Reads a pull request, telling a missing one from a missing repository. */
async function readPullRequest(context: GateContext, number: number) {
  const [owner, repo] = context.repository.split('/')
  try {
    return (await context.client.rest.pulls.get({owner, repo, pull_number: number})).data
  } catch (error) {
    if ((error as {status?: number}).status !== 404) throw error
    const repository = await context.client.rest.repos.get({owner, repo}).then(
      () => true,
      () => false,
    )
    if (!repository) throw error
    throw new IdpError(`Pull request #${number} does not exist in ${context.repository}`, {code: 'PULL_REQUEST_NOT_FOUND', exitCode: 2, hint: 'Check the number.'})
  }
}

async function defaultBranch(context: GateContext): Promise<string> {
  const [owner, repo] = context.repository.split('/')
  return (await context.client.rest.repos.get({owner, repo})).data.default_branch
}

/** Names what marks a pull request as idp's besides its recorded request: its label or its branch name. */
function idpTraces(labels: string[], branch: string): string | undefined {
  const traces = []
  if (labels.some((label) => label === 'idp' || label.startsWith('idp:'))) traces.push('the idp label')
  if (branch.startsWith('idp/')) traces.push(`the idp branch ${printable(branch)}`)
  return traces.length > 0 ? traces.join(' and ') : undefined
}

/** Replaces control characters in text from a pull request, so that it cannot forge log lines or terminal output. */
export function printable(text: string): string {
  return text.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, '?')
}

/** "1/1 from @team-leads" or "0/1 from @finance". */
export function describeRequirement(requirement: RequirementState): string {
  return `${Math.min(requirement.approvals.length, requirement.count)}/${requirement.count} from @${requirement.team}`
}

function finish(judgement: Judgement, outcome: GateOutcome, summary: string): Judgement {
  return {...judgement, outcome, summary}
}

/**
 * Reads the policy from the base branch. Without a file at the default path the bundled
 * example decides, as it does for the CLI; a path given explicitly must exist.
 */
async function sharedPolicy(context: GateContext, target: DeliveryTarget, judgement: Judgement): Promise<Policy> {
  const base = await target.readBaseFile(context.policyPath)
  if (base) {
    return parsePolicy(base.content.toString('utf8'), `${context.repository}:${context.policyPath}`, {kind: 'repository', repository: context.repository, ref: base.branch, commit: base.commit})
  }

  if (context.policyPathExplicit) {
    throw new IdpError(`The policy ${context.policyPath} does not exist on the base branch ${judgement.pullRequest.baseRef} of ${context.repository}`, {
      code: 'POLICY_NOT_FOUND',
      exitCode: 2,
      hint: 'Commit the policy to the base branch, or pass the path it has there with --policy-path.',
    })
  }

  judgement.notes.push(`${context.repository} has no ${context.policyPath} on ${judgement.pullRequest.baseRef}, so the bundled example policy decided.`)
  return loadPolicy(bundledPolicyPath, {kind: 'bundled'})
}

/** The change a request makes in the repository: the files it writes and the paths it deletes. */
type RenderedChange = {files: RenderedFile[]; removals: string[]}

type Prepared = {request: PolicyRequest; title: string; render: () => Promise<RenderedChange>} | {problem: string}

/**
 * Validates the recorded inputs against the action's manifest and prepares the request. The
 * requester's login is the pull request's author: a body can claim anything, GitHub cannot.
 */
async function prepareRecorded(context: GateContext, request: RecordedRequest, author: string): Promise<Prepared> {
  const entry = readCatalog(context.config.catalog).entries.find((candidate) => candidate.name === request.action)
  if (!entry) return {problem: `the action ${request.action} is not in the catalog of this checkout`}
  try {
    const loaded = await loadManifest(entry.file)
    const inputs = await resolveInputs({
      manifest: loaded.manifest,
      flags: {},
      values: {origin: 'the recorded request', data: request.inputs},
      user: {},
      usage: {command: `idp ${entry.command}`, neverPrompts: true},
    })
    const requester = {...request.requester, login: author || request.requester.login}
    const prepared = prepareRequest(loaded, inputs, {user: {...requester}, requester, runId: request.runId})
    return {request: prepared.policyRequest, title: loaded.manifest.metadata.title, render: async () => ({files: await renderFiles(loaded, prepared.context), removals: removalsOf(loaded, prepared.context)})}
  } catch (error) {
    if (!(error instanceof IdpError)) throw error
    const messages = [error.message, ...error.problems.map((problem) => problem.message)]
    return {problem: messages.join('; ')}
  }
}

// GitHub's comparison lists at most 300 files; a request never writes that many.
const MAX_COMPARED_FILES = 300

// Diffs longer than this are cut: the status and the summary need the gist, not the file.
const MAX_DIFF_LINES = 40

/**
 * Compares the files the request renders with the pull request's changes: every rendered file
 * that differs from the base branch must be in the pull request with exactly that content, and
 * the pull request must change nothing else.
 */
async function compareFiles(context: GateContext, target: DeliveryTarget, render: () => Promise<RenderedChange>, base: string, head: string): Promise<FileMismatch[]> {
  const [owner, repo] = context.repository.split('/')
  const {files, removals} = await render()
  const rendered = await target.compare(files, removals)
  // The comparison names the head commit itself, not the branch, so that a push during the
  // run cannot swap the files being checked. The pull request's file list follows the branch.
  const {data: comparison} = await context.client.rest.repos.compareCommitsWithBasehead({owner, repo, basehead: `${base}...${head}`})
  const changed = comparison.files ?? []
  if (changed.length >= MAX_COMPARED_FILES) {
    return [{path: `${changed.length} files`, problem: 'unexpected'}]
  }

  const byPath = new Map(changed.map((file) => [file.filename, file]))
  const mismatches: FileMismatch[] = []
  for (const file of rendered) {
    // A create request must not change an existing file, as the CLI also checks before writing.
    if (file.status === 'modified') {
      byPath.delete(file.path)
      mismatches.push({path: file.path, problem: 'exists'})
      continue
    }

    const actual = byPath.get(file.path)
    byPath.delete(file.path)
    if (file.status === 'deleted') {
      // A rename away deletes the path too; the file it became is reported as unexpected.
      const renamedAway = changed.some((candidate) => candidate.status === 'renamed' && candidate.previous_filename === file.path)
      if (actual?.status !== 'removed' && !renamedAway) mismatches.push({path: file.path, problem: 'kept'})
      continue
    }

    if (file.status === 'unchanged') {
      if (actual) mismatches.push({path: file.path, problem: 'changed'})
      continue
    }

    if (!actual || actual.status === 'removed') {
      mismatches.push({path: file.path, problem: 'missing'})
      continue
    }

    if (!actual.sha || actual.sha !== gitBlobId(file.content)) {
      const content = actual.sha ? Buffer.from((await context.client.rest.git.getBlob({owner, repo, file_sha: actual.sha})).data.content, 'base64') : undefined
      mismatches.push({path: file.path, problem: 'changed', diff: content && textDiff(file.path, file.content, content)})
    }
  }

  for (const [path, file] of byPath) mismatches.push({path: printable(path), problem: file.status === 'removed' ? 'removed' : 'unexpected'})
  // A rename also deletes the old path: only a path the request deletes may go.
  const deleted = new Set(rendered.filter((file) => file.status === 'deleted').map((file) => file.path))
  for (const file of changed) {
    if (file.status === 'renamed' && file.previous_filename && !deleted.has(file.previous_filename)) mismatches.push({path: printable(file.previous_filename), problem: 'removed'})
  }

  return mismatches
}

function textDiff(path: string, expected: Buffer, actual: Buffer): string | undefined {
  if (expected.includes(0) || actual.includes(0)) return undefined
  const patch = createTwoFilesPatch(`rendered/${path}`, `pull-request/${path}`, expected.toString('utf8'), actual.toString('utf8'), undefined, undefined, {context: 1})
  const lines = patch.split('\n').slice(1).filter((line) => line !== '')
  return lines.length > MAX_DIFF_LINES ? [...lines.slice(0, MAX_DIFF_LINES), `... ${lines.length - MAX_DIFF_LINES} more lines`].join('\n') : lines.join('\n')
}
