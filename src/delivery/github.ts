import {retry} from '@octokit/plugin-retry'
import {throttling} from '@octokit/plugin-throttling'
import {Octokit} from '@octokit/rest'
import Bottleneck from 'bottleneck'

import type {Progress, StepProgress} from '../actions/progress.js'
import {IdpError} from '../errors.js'
import type {RenderedFile} from '../actions/render.js'
import {gitBlobId} from './git-objects.js'
import {githubError} from './github-errors.js'
import {readRequestStatus} from './github-status.js'
import {branchConflictError, namesInFolder, plannedDeletions, recordedFingerprint, recordsRequest, type ChangeRequest, type DeliveryHooks, type DeliveryResult, type DeliveryTarget, type PlannedFile} from './target.js'

export interface GitHubTargetOptions {
  /** `owner/name`. */
  repository: string
  /** Default: the repository's default branch. */
  baseBranch?: string
  /** REST API root, such as https://api.github.com or https://HOST/api/v3. */
  apiUrl: string
  token: string
  /** Milliseconds per second of `retry-after` and of retry backoff; lower only in tests. */
  retryBaseMs?: number
  /** Reporter of rate-limit waits while no step is running. */
  progress?: Progress
}

const RestClient = Octokit.plugin(retry, throttling)
/** Octokit with the retry and throttling plugins, as every idp command uses it. */
export type RestClient = InstanceType<typeof RestClient>

/**
 * Creates a GitHub client for commands that read and comment on pull requests rather than
 * deliver a change (`idp policy verify`, `idp approvals escalate`, `idp approve`). Rate-limit
 * waits are reported through `report`.
 */
export function createGitHubClient(options: {apiUrl: string; token: string; retryBaseMs?: number}, report: (message: string) => void = () => {}): RestClient {
  return createClient({...options, repository: ''}, report)
}

/** Base branch state read once per run. */
interface BaseState {
  branch: string
  commit: string
  tree: string
  entries: Map<string, {sha: string; mode: string}>
}

// Rate-limit retries: a few, as GitHub's guidance for integrators advises against hammering.
const MAX_RATE_LIMIT_RETRIES = 2
// A wait longer than this (a primary limit resetting in an hour) fails with the time to retry
// instead of leaving the terminal silent.
const MAX_RATE_LIMIT_WAIT_SECONDS = 60

/** Creates the GitHub target: one commit through the Git Data API, then a pull request. */
export function createGitHubTarget(options: GitHubTargetOptions): DeliveryTarget {
  const [owner, repo] = options.repository.split('/')
  let activeStep: StepProgress | undefined
  const client = createClient(options, (message) => {
    if (activeStep) activeStep.update(message)
    else options.progress?.warn(message)
  })
  let base: Promise<BaseState> | undefined
  const readBase = () => {
    base ??= reportReading(readBaseState(client, owner, repo, options), options)
    return base
  }

  return {
    kind: 'github',
    description: `GitHub repository ${options.repository}`,
    summary: {kind: 'github', repository: options.repository, apiUrl: options.apiUrl},
    steps: [
      {id: 'commit', title: 'Commit the files'},
      {id: 'branch', title: 'Create the branch'},
      {id: 'pull-request', title: 'Open the pull request'},
      {id: 'labels-reviewers', title: 'Add labels and request reviewers'},
    ],
    compare: async (files, removals = []) => compareFiles(client, owner, repo, await readBase(), files, removals),
    async login() {
      try {
        return (await client.rest.users.getAuthenticated()).data.login
      } catch (error) {
        throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: 'Reading the account of the token'})
      }
    },
    async readBaseFile(path) {
      // The file is read by branch name side by side with the base branch itself, to save a
      // round trip. Its blob id must match the base tree's entry. A mismatch means the branch
      // moved in between, so the blob of the tree that was read is fetched instead.
      const [state, file] = await Promise.all([readBase(), readContent(client, owner, repo, path, options.baseBranch)])
      const entry = state.entries.get(path)
      if (!entry) return undefined
      if (file && file.sha === entry.sha) return {content: file.content, branch: state.branch, commit: state.commit}
      try {
        const {data} = await client.rest.git.getBlob({owner, repo, file_sha: entry.sha})
        return {content: Buffer.from(data.content, 'base64'), branch: state.branch, commit: state.commit}
      } catch (error) {
        throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: `Reading ${path} from ${state.branch}`})
      }
    },
    async listBaseFolder(folder) {
      return namesInFolder((await readBase()).entries.keys(), folder)
    },
    async findExisting(branch, fingerprints) {
      try {
        const existing = await findExistingChange(client, owner, repo, branch, fingerprints)
        // Without an open pull request, the branch may have been merged already.
        if (existing && !existing.pullRequest && (await isMerged(client, owner, repo, (await readBase()).branch, existing.commit))) return {...existing, merged: true}
        return existing
      } catch (error) {
        throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: `Looking for the branch ${branch}`})
      }
    },
    async status(pullRequest, required) {
      try {
        return await readRequestStatus(client, owner, repo, pullRequest.number, required)
      } catch (error) {
        throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: `Reading the state of pull request #${pullRequest.number}`})
      }
    },
    async cancel(created, fingerprints) {
      try {
        return await cancelChange(client, owner, repo, created, fingerprints)
      } catch (error) {
        throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: 'Cancelling the run'})
      }
    },
    async deliver(change, progress, hooks) {
      const state = await readBase()
      const run = async <T>(id: string, text: string, work: () => Promise<T>, done: (result: T) => string): Promise<T> => {
        await hooks.stepStarted(id)
        activeStep = progress.step(text)
        try {
          const result = await work()
          activeStep.succeed(done(result))
          await hooks.stepFinished(id)
          return result
        } catch (error) {
          const wrapped = githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: text})
          activeStep.fail(`${text}: failed`)
          throw wrapped
        } finally {
          activeStep = undefined
        }
      }

      return deliverChange({client, owner, repo, state, change, hooks, run, progress})
    },
  }
}

function createClient(options: GitHubTargetOptions, report: (message: string) => void): RestClient {
  const baseMs = options.retryBaseMs ?? 1000
  const onLimit = (kind: string) => (retryAfter: number, request: {method: string; url: string; [parameter: string]: unknown}, _octokit: unknown, retryCount: number) => {
    if (retryCount >= MAX_RATE_LIMIT_RETRIES || retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) return false
    // The URL is Octokit's route template; its parameters are in the request options.
    const path = request.url.replaceAll(/\{(\w+)\}/g, (placeholder, name: string) => String(request[name] ?? placeholder))
    report(`GitHub ${kind} reached on ${request.method} ${path}: waiting ${retryAfter} s before retry ${retryCount + 1} of ${MAX_RATE_LIMIT_RETRIES}`)
    return true
  }

  return new RestClient({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/$/, ''),
    userAgent: 'idp-cli',
    log: {debug() {}, info() {}, warn() {}, error() {}},
    retry: {retryAfterBaseValue: baseMs},
    throttle: {
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
      retryAfterBaseValue: baseMs,
      // A request proposes a handful of writes; GitHub's one-second spacing between writes is
      // for bulk clients, and the label and reviewer requests are meant to run side by side.
      write: new Bottleneck.Group({maxConcurrent: 2, minTime: 0}),
      // The plugin spaces requests that notify people (a new pull request, a review request, a
      // comment) three seconds apart, for bots that send thousands. A request sends two or
      // three, and the three-second wait before the review request was most of a run's time.
      notifications: new Bottleneck.Group({maxConcurrent: 1, minTime: 0}),
    },
  })
}

/**
 * Reads a file with the contents API; undefined when it is missing, not a file, too large to
 * come inline, or unreadable, so that the caller falls back to the base tree's blob.
 */
async function readContent(client: RestClient, owner: string, repo: string, path: string, ref: string | undefined): Promise<{sha: string; content: Buffer} | undefined> {
  try {
    const {data} = await client.rest.repos.getContent({owner, repo, path, ...(ref === undefined ? {} : {ref})})
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data) || data.encoding !== 'base64') return undefined
    return {sha: data.sha, content: Buffer.from(data.content, 'base64')}
  } catch {
    return undefined
  }
}

/** Shows the base branch read as a step, so that retries against a slow server are not silent. */
async function reportReading(reading: Promise<BaseState>, options: GitHubTargetOptions): Promise<BaseState> {
  const step = options.progress?.step(`Reading ${options.repository}`)
  try {
    const state = await reading
    step?.succeed(`Read ${options.repository} at ${state.branch} ${state.commit.slice(0, 12)}`)
    return state
  } catch (error) {
    step?.fail(`Reading ${options.repository}: failed`)
    throw error
  }
}

async function readBaseState(client: RestClient, owner: string, repo: string, options: GitHubTargetOptions): Promise<BaseState> {
  try {
    const branch = options.baseBranch ?? (await readDefaultBranch(client, owner, repo, options))
    // The head commit and the listing of its tree are read side by side, both by branch name,
    // to save a round trip. Both name the tree, so a branch that moved between the two reads
    // is noticed, and the listing is then read again by the commit's own tree id.
    const [{data: commit}, {data: listing}] = await Promise.all([
      client.rest.repos.getCommit({owner, repo, ref: branch}),
      client.rest.git.getTree({owner, repo, tree_sha: branch, recursive: 'true'}),
    ])
    expectJson(commit, options)
    const tree = listing.sha === commit.commit.tree.sha ? listing : (await client.rest.git.getTree({owner, repo, tree_sha: commit.commit.tree.sha, recursive: 'true'})).data
    const entries = new Map<string, {sha: string; mode: string}>()
    for (const entry of tree.tree) {
      if (entry.type === 'blob' && entry.path && entry.sha && entry.mode) entries.set(entry.path, {sha: entry.sha, mode: entry.mode})
    }

    // NOTE: a truncated tree (over 100,000 entries) lists only part of the repository, so a
    // file missing from it is reported as added even when it exists.
    return {branch, commit: commit.sha, tree: tree.sha, entries}
  } catch (error) {
    if (await isMissingBranch(client, owner, repo, error)) {
      throw new IdpError(`The base branch ${options.baseBranch ?? ''} does not exist in ${options.repository}`, {
        code: 'BASE_BRANCH_NOT_FOUND',
        exitCode: 2,
        hint: 'Set target.github.baseBranch to an existing branch, or remove it to use the default branch.',
      })
    }

    throw githubError(error, {repository: options.repository, apiUrl: options.apiUrl, step: 'Reading the base branch'})
  }
}

/**
 * Tells a missing base branch from a missing repository. GitHub returns 422 "No commit found
 * for SHA" for a commit of an unknown branch, and 404 both for a tree of an unknown branch and
 * for an invisible repository.
 */
async function isMissingBranch(client: RestClient, owner: string, repo: string, error: unknown): Promise<boolean> {
  const status = (error as {status?: number}).status
  if (status === 422) return true
  if (status !== 404) return false
  try {
    await client.rest.repos.get({owner, repo})
    return true
  } catch {
    return false
  }
}

async function readDefaultBranch(client: RestClient, owner: string, repo: string, options: GitHubTargetOptions): Promise<string> {
  const {data} = await client.rest.repos.get({owner, repo})
  expectJson(data, options)
  return data.default_branch
}

/** Rejects a web page instead of JSON: the URL is then GitHub's web interface, not its API. */
function expectJson(data: unknown, options: GitHubTargetOptions): void {
  if (typeof data === 'object' && data !== null) return
  throw Object.assign(new Error('not an API response'), {idpHtmlResponse: true, apiUrl: options.apiUrl})
}

async function compareFiles(client: RestClient, owner: string, repo: string, base: BaseState, files: RenderedFile[], removals: readonly string[]): Promise<PlannedFile[]> {
  const readBlob = async (sha: string) => Buffer.from((await client.rest.git.getBlob({owner, repo, file_sha: sha})).data.content, 'base64')
  const planned: PlannedFile[] = []
  for (const file of files) {
    const existing = base.entries.get(file.path)
    if (!existing) planned.push({...file, status: 'added'})
    else if (existing.sha === gitBlobId(file.content) && existing.mode === file.mode) planned.push({...file, status: 'unchanged'})
    else planned.push({...file, status: 'modified', previous: await readBlob(existing.sha)})
  }

  const baseFiles = [...base.entries].map(([path, {mode}]) => ({path, mode}))
  planned.push(...(await plannedDeletions(removals, files, baseFiles, (path) => readBlob(base.entries.get(path)!.sha))))
  return planned
}

/**
 * Looks up the request's branch. A branch whose head commit records the fingerprint was made
 * by an earlier run of this request: its open pull request, if any, is returned with it.
 */
async function findExistingChange(client: RestClient, owner: string, repo: string, branch: string, fingerprint: string | readonly string[]): Promise<DeliveryResult | undefined> {
  let commit: string
  try {
    const {data: ref} = await client.rest.git.getRef({owner, repo, ref: `heads/${branch}`})
    commit = ref.object.sha
  } catch (error) {
    if ((error as {status?: number}).status === 404) return undefined
    throw error
  }

  const pullRequest = await findOpenPullRequest(client, owner, repo, branch)
  const {data} = await client.rest.git.getCommit({owner, repo, commit_sha: commit})
  if (!recordsRequest(data.message, fingerprint)) {
    const owned = `last commit by ${data.author.name}, ${data.author.date}`
    throw branchConflictError(branch, `${owner}/${repo}`, owned, pullRequest ? ` Its open pull request: ${pullRequest.url}` : '')
  }

  return {branch, commit, pullRequest, fingerprint: recordedFingerprint(data.message)}
}

/** Checks whether the base branch contains a commit, as it does once the commit's branch is merged. */
async function isMerged(client: RestClient, owner: string, repo: string, base: string, commit: string): Promise<boolean> {
  const {data} = await client.rest.repos.compareCommitsWithBasehead({owner, repo, basehead: `${base}...${commit}`, per_page: 1})
  return data.status === 'behind' || data.status === 'identical'
}

/** Finds the open pull request whose head is the branch, reading every page of the list. */
async function findOpenPullRequest(client: RestClient, owner: string, repo: string, branch: string): Promise<{number: number; url: string} | undefined> {
  const pulls = await client.paginate(client.rest.pulls.list, {owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 100})
  const pull = pulls.find((candidate) => candidate.head.ref === branch)
  return pull ? {number: pull.number, url: pull.html_url} : undefined
}

async function cancelChange(client: RestClient, owner: string, repo: string, created: {branch?: string; pullRequest?: {number: number}}, fingerprints: readonly string[]): Promise<string[]> {
  const done: string[] = []
  if (created.pullRequest) {
    const {data} = await client.rest.pulls.get({owner, repo, pull_number: created.pullRequest.number})
    if (data.state === 'open') {
      await client.rest.pulls.update({owner, repo, pull_number: data.number, state: 'closed'})
      done.push(`Closed pull request #${data.number}: ${data.html_url}`)
    } else {
      done.push(`Pull request #${data.number} was already ${data.merged_at ? 'merged' : 'closed'}`)
    }
  }

  if (created.branch) {
    const existing = await findExistingChange(client, owner, repo, created.branch, fingerprints).catch((error: unknown) => {
      if ((error as IdpError).code === 'BRANCH_CONFLICT') return 'foreign' as const
      throw error
    })
    if (existing === 'foreign') done.push(`Kept branch ${created.branch}: its last commit was not made by this run`)
    else if (existing) {
      await client.rest.git.deleteRef({owner, repo, ref: `heads/${created.branch}`})
      done.push(`Deleted branch ${created.branch}`)
    }
  }

  return done
}

interface DeliverOptions {
  client: RestClient
  owner: string
  repo: string
  state: BaseState
  change: ChangeRequest
  hooks: DeliveryHooks
  run: <T>(id: string, text: string, work: () => Promise<T>, done: (result: T) => string) => Promise<T>
  progress: Progress
}

async function deliverChange(options: DeliverOptions): Promise<DeliveryResult> {
  const {client, owner, repo, state, change, hooks, run, progress} = options
  let commit: string
  if (change.update?.committed) commit = await reuseBranch(options, {branch: change.branch, commit: change.update.commit})
  else if (change.update) commit = await commitOnBranch(options, change.update)
  else if (change.existing) commit = await reuseBranch(options, change.existing)
  else commit = await commitAndBranch(options)

  const pullRequest = await run(
    'pull-request',
    'Opening the pull request',
    async () => {
      const current = change.existing?.pullRequest
      if (current && change.update) {
        // An edited run keeps its pull request: the title and body describe the new version.
        await client.rest.pulls.update({owner, repo, pull_number: current.number, title: change.title, body: change.body})
        return current
      }

      if (current) return current
      try {
        const {data} = await client.rest.pulls.create({owner, repo, title: change.title, head: change.branch, base: state.branch, body: change.body, ...(change.draft ? {draft: true} : {})})
        return {number: data.number, url: data.html_url, nodeId: data.node_id}
      } catch (error) {
        // Another run of this request opened it in the meantime: report that one, never a duplicate.
        const existing = isAlreadyExists(error) ? await findOpenPullRequest(client, owner, repo, change.branch) : undefined
        if (existing) return existing
        throw error
      }
    },
    (pull) => `${change.update ? 'Updated' : change.existing?.pullRequest ? 'Reused' : 'Opened'} pull request #${pull.number}: ${pull.url}`,
  )
  const {nodeId, ...created} = pullRequest as typeof pullRequest & {nodeId?: string}
  await hooks.recordRemote('pullRequest', created)

  let autoMergeProblem: string | undefined
  await run(
    'labels-reviewers',
    describeLabelsAndReviewers(change),
    () =>
      Promise.all([
        change.autoMerge
          ? enableAutoMerge(client, owner, repo, {number: created.number, nodeId}, change.autoMerge).then((problem) => {
              autoMergeProblem = problem
            })
          : Promise.resolve(),
        ...(change.update?.staleLabels ?? []).map((name) => removeLabel(client, owner, repo, pullRequest.number, name)),
        client.rest.issues.addLabels({owner, repo, issue_number: pullRequest.number, labels: change.labels}),
        change.teamReviewers.length > 0 || (change.reviewers?.length ?? 0) > 0
          ? client.rest.pulls.requestReviewers({owner, repo, pull_number: pullRequest.number, reviewers: change.reviewers ?? [], team_reviewers: change.teamReviewers})
          : Promise.resolve(undefined),
      ]),
    () => describeLabelsAndReviewers(change, true),
  )
  if (autoMergeProblem) progress.warn(`Auto-merge is not on for pull request #${created.number}: ${autoMergeProblem}. Merge it once the checks pass.`)

  return {branch: change.branch, commit, pullRequest: created}
}

/**
 * Turns on auto-merge with GitHub's GraphQL API (REST has no endpoint for it), so that an
 * auto-approved change lands once the required checks pass. Returns why it could not, if it
 * could not: a repository without auto-merge allowed is a warning, not a failed run.
 */
async function enableAutoMerge(client: RestClient, owner: string, repo: string, pull: {number: number; nodeId?: string}, method: 'merge' | 'squash' | 'rebase'): Promise<string | undefined> {
  try {
    const nodeId = pull.nodeId ?? (await client.rest.pulls.get({owner, repo, pull_number: pull.number})).data.node_id
    await client.graphql(
      'mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) { enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) { pullRequest { number } } }',
      {pullRequestId: nodeId, mergeMethod: method.toUpperCase()},
    )
    return undefined
  } catch (error) {
    const errors = (error as {errors?: Array<{message?: string}>}).errors
    return errors?.map((entry) => entry.message).join('; ') || (error as Error).message
  }
}

/**
 * Commits an edited run's new version on top of its branch: the branch head's tree with the
 * new files and without the files the new version no longer writes (`sha: null` deletes a
 * path in the tree API). The branch moves forward only, never with force.
 */
async function commitOnBranch(options: DeliverOptions, update: NonNullable<ChangeRequest['update']>): Promise<string> {
  const {client, owner, repo, change, hooks, run} = options
  const commit = await run(
    'commit',
    `Committing the new version on ${change.branch}`,
    async () => {
      const {data: head} = await client.rest.git.getCommit({owner, repo, commit_sha: update.commit})
      const written = await Promise.all(change.files.filter((file) => file.status !== 'deleted').map((file) => treeEntry(client, owner, repo, file)))
      // GitHub rejects deleting a path the tree lacks, so only files still on the branch are removed.
      const {data: headTree} = await client.rest.git.getTree({owner, repo, tree_sha: head.tree.sha, recursive: 'true'})
      const present = new Set(headTree.tree.map((entry) => entry.path))
      const deleted = change.files.filter((file) => file.status === 'deleted').map((file) => file.path)
      const removed = [...update.removedFiles, ...deleted].filter((path) => present.has(path)).map(deletionEntry)
      const {data: tree} = await client.rest.git.createTree({owner, repo, base_tree: head.tree.sha, tree: [...written, ...removed]})
      const {data: created} = await client.rest.git.createCommit({owner, repo, message: change.commitMessage, tree: tree.sha, parents: [update.commit]})
      return created.sha
    },
    (sha) => `Committed ${sha.slice(0, 12)}`,
  )
  await hooks.recordRemote('commit', commit)

  await run(
    'branch',
    `Moving ${change.branch} to the new version`,
    () => client.rest.git.updateRef({owner, repo, ref: `heads/${change.branch}`, sha: commit, force: false}),
    () => `Moved ${change.branch} to ${commit.slice(0, 12)}`,
  )
  await hooks.recordRemote('branch', change.branch)
  return commit
}

/**
 * Returns the commit an earlier attempt of this run made, when it records the same request
 * and sits on the same base commit, so a retry does not leave a second, unused commit.
 */
async function reusableCommit({client, owner, repo, state, change}: DeliverOptions): Promise<string | undefined> {
  if (!change.previousCommit) return undefined
  try {
    const {data} = await client.rest.git.getCommit({owner, repo, commit_sha: change.previousCommit})
    const sameBase = data.parents.length === 1 && data.parents[0].sha === state.commit
    return sameBase && recordsRequest(data.message, change.fingerprint) ? data.sha : undefined
  } catch (error) {
    if ((error as {status?: number}).status === 404) return undefined
    throw error
  }
}

/** Removes a label from a pull request; a label someone already removed is fine. */
async function removeLabel(client: RestClient, owner: string, repo: string, number: number, name: string): Promise<void> {
  try {
    await client.rest.issues.removeLabel({owner, repo, issue_number: number, name})
  } catch (error) {
    if ((error as {status?: number}).status !== 404) throw error
  }
}

/** Records the branch an earlier run of this request pushed, instead of committing again. */
async function reuseBranch({hooks}: DeliverOptions, existing: DeliveryResult): Promise<string> {
  for (const id of ['commit', 'branch']) {
    await hooks.stepStarted(id)
    await hooks.stepFinished(id)
  }

  await hooks.recordRemote('commit', existing.commit)
  await hooks.recordRemote('branch', existing.branch)
  return existing.commit
}

function isAlreadyExists(error: unknown): boolean {
  const failure = error as {status?: number; response?: {data?: {message?: string; errors?: Array<{message?: string}>}}}
  if (failure.status !== 422) return false
  const messages = [failure.response?.data?.message, ...(failure.response?.data?.errors ?? []).map((item) => item.message)]
  return messages.some((message) => message !== undefined && /already exists/i.test(message))
}

async function commitAndBranch(options: DeliverOptions): Promise<string> {
  const {client, owner, repo, state, change, hooks, run} = options
  const changed = change.files.filter((file) => file.status !== 'unchanged')

  const commit = await run(
    'commit',
    `Committing ${changed.length} ${changed.length === 1 ? 'file' : 'files'} on top of ${state.branch}`,
    async () => {
      const reusable = await reusableCommit(options)
      if (reusable) return reusable
      const tree = await Promise.all(changed.map((file) => treeEntry(client, owner, repo, file)))
      const {data: newTree} = await client.rest.git.createTree({owner, repo, base_tree: state.tree, tree})
      const {data: created} = await client.rest.git.createCommit({owner, repo, message: change.commitMessage, tree: newTree.sha, parents: [state.commit]})
      return created.sha
    },
    (sha) => `Committed ${sha.slice(0, 12)}`,
  )
  await hooks.recordRemote('commit', commit)

  const head = await run(
    'branch',
    `Creating branch ${change.branch}`,
    async () => {
      // A merged branch of an earlier run moves forward: the new commit descends from its head.
      if (change.mergedBranch) {
        await client.rest.git.updateRef({owner, repo, ref: `heads/${change.branch}`, sha: commit, force: false})
        return commit
      }

      try {
        await client.rest.git.createRef({owner, repo, ref: `refs/heads/${change.branch}`, sha: commit})
        return commit
      } catch (error) {
        // The branch appeared after the plan was made. It is never moved: a concurrent run of
        // this request made it, and its commit is used, or findExistingChange reports a conflict.
        if (!isAlreadyExists(error)) throw error
        const existing = await findExistingChange(client, owner, repo, change.branch, change.fingerprint)
        if (!existing) throw error
        return existing.commit
      }
    },
    (sha) => (sha === commit ? `Created branch ${change.branch}` : `Reused branch ${change.branch} at ${sha.slice(0, 12)}, made by another run of this request`),
  )
  await hooks.recordRemote('branch', change.branch)
  return head
}

function describeLabelsAndReviewers(change: ChangeRequest, done = false): string {
  const merge = change.autoMerge ? `, ${done ? 'turned on' : 'turning on'} auto-merge` : ''
  return describeLabelsAndTeams(change, done) + merge
}

function describeLabelsAndTeams(change: ChangeRequest, done: boolean): string {
  const labels = `label${change.labels.length === 1 ? '' : 's'} ${change.labels.join(', ')}`
  const requested = [...(change.reviewers ?? []), ...change.teamReviewers].map((name) => `@${name}`)
  const reviewers = requested.length > 0 ? ` and ${done ? 'requested' : 'requesting'} review from ${requested.join(', ')}` : ''
  return done ? `Added ${labels}${reviewers}` : `Adding ${labels}${reviewers}`
}

type TreeEntry = {path: string; mode: '100644' | '100755'; type: 'blob'; content?: string; sha?: string | null}

/** Returns the tree entry that deletes a path: the tree API removes a path whose `sha` is null. */
function deletionEntry(path: string): TreeEntry {
  return {path, mode: '100644', type: 'blob', sha: null}
}

// Text goes inline in the tree request. Only binary content needs a blob request of its own,
// because the tree API takes inline content as UTF-8 text.
async function treeEntry(client: RestClient, owner: string, repo: string, file: PlannedFile): Promise<TreeEntry> {
  if (file.status === 'deleted') return deletionEntry(file.path)
  const text = file.content.toString('utf8')
  if (Buffer.from(text, 'utf8').equals(file.content)) return {path: file.path, mode: file.mode, type: 'blob', content: text}
  const {data} = await client.rest.git.createBlob({owner, repo, content: file.content.toString('base64'), encoding: 'base64'})
  return {path: file.path, mode: file.mode, type: 'blob', sha: data.sha}
}
