/**
 * Handlers of the REST operations that the GitHub test server implements,
 * keyed by the operationId of GitHub's OpenAPI description. The server has
 * already checked each request against the description, so handlers read
 * bodies with the shapes that the schemas guarantee.
 *
 * NOTE: the 422 messages `Invalid tree info`, `Reference name is invalid`,
 * the unsupported-encoding message and `GitRPC::BadObjectState` for a
 * missing file are unverified against api.github.com, so tests should
 * check their status rather than their text.
 */
import {
  diffTreeFiles,
  findMergeBase,
  isValidTreePath,
  signatureAt,
  type BlobMode,
  type EntryMode,
  type FileChange,
  type LeafEntry,
  type Signature,
  type TreeEntry,
} from './github-git.js'
import {
  authenticatedUserPayload,
  blobPayload,
  commentPayload,
  contentItemPayload,
  diffEntryPayload,
  gitCommitPayload,
  gitRefPayload,
  gitTreePayload,
  labelPayload,
  nodeId,
  pullRequestPayload,
  repositoryPayload,
  restCommitPayload,
  reviewPayload,
  statusPayload,
  teamFullPayload,
  teamPayload,
  userPayload,
  wrappedBase64,
  type ErrorDetail,
  type PayloadContext,
  type PullRequestStats,
} from './github-payloads.js'
import {
  branchSha,
  pullRequestHeadSha,
  resolveCommitish,
  type Account,
  type CommentState,
  type LabelState,
  type PullRequestState,
  type RepositoryState,
  type ReviewState,
  type StatusState,
  type TeamState,
} from './github-state.js'

/** Error response in GitHub's shape: `message`, optional `errors`, and the operation's documentation link. */
export class ApiError extends Error {
  readonly status: number
  readonly errors: ErrorDetail[] | undefined

  constructor(status: number, message: string, errors?: ErrorDetail[]) {
    super(message)
    this.status = status
    this.errors = errors
  }
}

/** Response that a handler returns. */
export interface EndpointResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** Request data passed to a handler. */
export interface EndpointRequest {
  /** Decoded path parameters, such as `{owner, repo, ref: 'heads/main'}`. */
  params: Record<string, string>
  query: URLSearchParams
  /** JSON body, already checked against the operation's schema. */
  body: unknown
  /** Account of the request's token. */
  user: Account
  /** True for a GitHub App installation token. */
  installation: boolean
  /** Base URL of the request path, for `Link` headers, such as `http://127.0.0.1:1234/repos/o/r/pulls`. */
  url: string
}

/** State and services of the server that handlers use. */
export interface EndpointContext {
  readonly payloads: PayloadContext
  /** Returns the current time as GitHub formats it, such as `2024-05-01T12:00:00Z`. */
  now(): string
  /** Returns a new id, unique across all kinds of objects of this server. */
  nextId(): number
  /** Returns the account `login`, creating a user account when none exists. */
  account(login: string): Account
  /** Returns a repository that `viewer` can see, or throws a 404 `ApiError`. */
  repository(owner: string, name: string, viewer: Account): RepositoryState
  /** Returns every repository owned by `login`. */
  repositoriesOwnedBy(login: string): RepositoryState[]
  /** Returns every repository that `viewer` can see. */
  visibleRepositories(viewer: Account): RepositoryState[]
  /** Returns the team `slug` of organization `org`, or undefined. */
  team(org: string, slug: string): TeamState | undefined
}

/** Handler of one operation. */
export type Endpoint = (context: EndpointContext, request: EndpointRequest) => EndpointResponse

const MAX_PER_PAGE = 100
const DEFAULT_PER_PAGE = 30
const AUTO_CREATED_LABEL_COLOR = 'ededed'

function notFound(): ApiError {
  return new ApiError(404, 'Not Found')
}

function repositoryOf(context: EndpointContext, request: EndpointRequest): RepositoryState {
  return context.repository(request.params.owner, request.params.repo, request.user)
}

function pullRequestOf(repository: RepositoryState, number: string): PullRequestState {
  const pull = repository.pullRequests.find((candidate) => candidate.number === Number(number))
  if (!pull) throw notFound()
  return pull
}

function created(body: unknown, location: string): EndpointResponse {
  return {status: 201, body, headers: {location}}
}

// Git database -------------------------------------------------------------

interface TreeEntryInput {
  path?: string
  mode?: EntryMode
  type?: 'blob' | 'tree' | 'commit'
  sha?: string | null
  content?: string
}

interface SignatureInput {
  name: string
  email: string
  date?: string
}

/** Checks a ref name with the rules of `git check-ref-format` that matter for branches. */
function isValidRefName(ref: string): boolean {
  if (!ref.startsWith('refs/') || ref.split('/').length < 3) return false
  if (/\.\.|@\{|[\s~^:?*[\\\x00-\x1f\x7f]|\/\/|\/$|\.lock$|\.$/.test(ref)) return false
  return ref.split('/').every((component) => component !== '' && !component.startsWith('.'))
}

function modeMatchesType(mode: EntryMode, type: string): boolean {
  if (type === 'tree') return mode === '040000'
  if (type === 'commit') return mode === '160000'
  return mode === '100644' || mode === '100755' || mode === '120000'
}

/** Removes `path` and everything below it from `leaves`, and any file that sits where a parent directory of `path` must go. */
function clearPath(leaves: Map<string, LeafEntry>, path: string): void {
  for (const existing of [...leaves.keys()]) {
    if (existing === path || existing.startsWith(`${path}/`) || path.startsWith(`${existing}/`)) leaves.delete(existing)
  }
}

/** Applies the entries of a `POST /git/trees` body to the leaves of the base tree. */
function applyTreeEntries(repository: RepositoryState, leaves: Map<string, LeafEntry>, entries: TreeEntryInput[]): void {
  for (const entry of entries) {
    const {path, mode, type} = entry
    if (path === undefined || mode === undefined || type === undefined) throw new ApiError(422, 'Invalid tree info')

    if (!isValidTreePath(path)) throw new ApiError(422, 'tree.path contains a malformed path component')
    if (!modeMatchesType(mode, type)) throw new ApiError(422, 'Invalid tree info')

    const hasSha = entry.sha !== undefined && entry.sha !== null
    if (hasSha && entry.content !== undefined) {
      throw new ApiError(422, 'Must supply either tree.sha or tree.content. Request will be rejected if both are present.')
    }

    if (entry.content !== undefined) {
      if (type !== 'blob') throw new ApiError(422, 'Invalid tree info')
      const sha = repository.git.writeBlob(Buffer.from(entry.content, 'utf8'))
      clearPath(leaves, path)
      leaves.set(path, {mode: mode as BlobMode, type: 'blob', sha})
      continue
    }

    if (entry.sha === null) {
      // According to the description, deleting a missing file fails. Users
      // report `GitRPC::BadObjectState` for deleting a directory with
      // `sha: null`, so only files can be deleted.
      if (!leaves.has(path)) throw new ApiError(422, 'GitRPC::BadObjectState')
      leaves.delete(path)
      continue
    }

    if (entry.sha === undefined) {
      throw new ApiError(422, 'Must supply either tree.sha or tree.content. Request will be rejected if both are present.')
    }

    const sha = entry.sha.toLowerCase()
    if (type === 'commit') {
      clearPath(leaves, path)
      leaves.set(path, {mode: '160000', type: 'commit', sha})
      continue
    }

    const object = repository.git.get(sha)
    if (object?.type !== type) {
      throw new ApiError(422, `tree.sha ${entry.sha} is not a valid ${type}`)
    }

    clearPath(leaves, path)
    if (type === 'blob') {
      leaves.set(path, {mode: mode as BlobMode, type: 'blob', sha})
    } else {
      for (const [subpath, leaf] of repository.git.flattenTree(sha)) leaves.set(`${path}/${subpath}`, leaf)
    }
  }
}

function resolveTreeish(repository: RepositoryState, name: string): string | undefined {
  if (repository.git.tree(name)) return name.toLowerCase()
  const commitSha = resolveCommitish(repository, name)
  return commitSha === undefined ? undefined : repository.git.commit(commitSha)?.tree
}

function signatureFrom(input: SignatureInput | undefined, fallback: Signature, now: string): Signature {
  if (!input) return fallback
  return signatureAt(input.name, input.email, input.date ?? now)
}

const gitEndpoints: Record<string, Endpoint> = {
  'git/get-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const ref = `refs/${request.params.ref}`
    const sha = repository.refs.get(ref)
    if (sha === undefined) throw notFound()
    return {status: 200, body: gitRefPayload(context.payloads, repository, ref, sha)}
  },

  'git/create-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const {ref, sha} = request.body as {ref: string; sha: string}
    if (!isValidRefName(ref)) throw new ApiError(422, 'Reference name is invalid')
    if (repository.refs.has(ref)) throw new ApiError(422, 'Reference already exists')
    if (!repository.git.get(sha)) throw new ApiError(422, 'Object does not exist')

    repository.refs.set(ref, sha.toLowerCase())
    repository.pushedAt = context.now()
    const payload = gitRefPayload(context.payloads, repository, ref, sha.toLowerCase())
    return created(payload, payload.url as string)
  },

  'git/update-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const ref = `refs/${request.params.ref}`
    const {sha, force = false} = request.body as {sha: string; force?: boolean}
    const current = repository.refs.get(ref)
    if (current === undefined) throw new ApiError(422, 'Reference does not exist')

    const target = sha.toLowerCase()
    if (!repository.git.get(target)) throw new ApiError(422, 'Object does not exist')
    if (!force && !repository.git.isAncestor(current, target)) throw new ApiError(422, 'Update is not a fast forward')

    repository.refs.set(ref, target)
    repository.pushedAt = context.now()
    return {status: 200, body: gitRefPayload(context.payloads, repository, ref, target)}
  },

  'git/delete-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const ref = `refs/${request.params.ref}`
    if (!repository.refs.has(ref)) throw new ApiError(422, 'Reference does not exist')

    repository.refs.delete(ref)
    repository.pushedAt = context.now()
    return {status: 204}
  },

  'git/get-commit'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = request.params.commit_sha.toLowerCase()
    const commit = repository.git.commit(sha)
    if (!commit) throw notFound()
    return {status: 200, body: gitCommitPayload(context.payloads, repository, sha, commit)}
  },

  'git/create-commit'(context, request) {
    const repository = repositoryOf(context, request)
    const body = request.body as {
      message: string
      tree: string
      parents?: string[]
      author?: SignatureInput
      committer?: SignatureInput
    }

    const tree = body.tree.toLowerCase()
    if (!repository.git.tree(tree)) throw new ApiError(422, 'Tree SHA does not exist')

    const parents = (body.parents ?? []).map((parent) => parent.toLowerCase())
    for (const parent of parents) {
      if (!repository.git.commit(parent)) throw new ApiError(422, 'Parent SHA does not exist or is not a commit object')
    }

    // GitHub signs as the authenticated user when no author is given, and
    // uses the author as committer when no committer is given.
    const now = context.now()
    const user = request.user
    const defaultSignature = signatureAt(user.login, `${user.id}+${user.login}@users.noreply.github.com`, now)
    const author = signatureFrom(body.author, defaultSignature, now)
    const committer = signatureFrom(body.committer, author, now)

    const commit = {tree, parents, author, committer, message: body.message}
    const sha = repository.git.writeCommit(commit)
    const payload = gitCommitPayload(context.payloads, repository, sha, {type: 'commit', ...commit})
    return created(payload, payload.url as string)
  },

  'git/get-tree'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveTreeish(repository, request.params.tree_sha)
    if (sha === undefined) throw notFound()

    // GitHub lists recursively for any value of `recursive`, even "0" or "false".
    const recursive = request.query.has('recursive')
    const entries = repository.git.listTree(sha, recursive)
    return {status: 200, body: gitTreePayload(context.payloads, repository, sha, entries)}
  },

  'git/create-tree'(context, request) {
    const repository = repositoryOf(context, request)
    const body = request.body as {base_tree?: string; tree: TreeEntryInput[]}

    let leaves = new Map<string, LeafEntry>()
    if (body.base_tree !== undefined) {
      // The description requires the id of a tree, so commit ids and branch
      // names are rejected here even where GitHub might resolve them.
      if (!repository.git.tree(body.base_tree)) throw new ApiError(422, 'Invalid tree info')
      leaves = repository.git.flattenTree(body.base_tree.toLowerCase())
    }

    applyTreeEntries(repository, leaves, body.tree)
    const sha = repository.git.writeTreeFromLeaves(leaves)
    const payload = gitTreePayload(context.payloads, repository, sha, repository.git.listTree(sha, false))
    return created(payload, payload.url as string)
  },

  'git/get-blob'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = request.params.file_sha.toLowerCase()
    const blob = repository.git.blob(sha)
    if (!blob) throw notFound()
    return {status: 200, body: blobPayload(context.payloads, repository, sha, blob.content)}
  },

  'git/create-blob'(context, request) {
    const repository = repositoryOf(context, request)
    const {content, encoding = 'utf-8'} = request.body as {content: string; encoding?: string}
    if (encoding !== 'utf-8' && encoding !== 'base64') {
      throw new ApiError(422, `encoding must be "utf-8" or "base64", not "${encoding}"`)
    }

    const sha = repository.git.writeBlob(Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'))
    const url = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}/git/blobs/${sha}`
    return created({sha, url}, url)
  },
}

// Pull requests, labels and reviewers ----------------------------------------

/**
 * Lists the files that a pull request changes: the difference between the
 * merge base of its head and base branch and its head commit, as GitHub
 * compares them.
 */
function changedFiles(repository: RepositoryState, pull: PullRequestState): FileChange[] {
  const head = pullRequestHeadSha(repository, pull)
  const base = branchSha(repository, pull.baseRef) ?? head
  const mergeBase = findMergeBase(repository.git, base, head)
  const headTree = repository.git.commit(head)?.tree
  const baseTree = mergeBase === undefined ? undefined : repository.git.commit(mergeBase)?.tree
  if (headTree === undefined || baseTree === undefined) return []
  return diffTreeFiles(repository.git, baseTree, headTree)
}

function pullRequestStats(repository: RepositoryState, pull: PullRequestState): PullRequestStats {
  const head = pullRequestHeadSha(repository, pull)
  const base = branchSha(repository, pull.baseRef) ?? head
  const stats = {commits: repository.git.countCommitsBetween(base, head), additions: 0, deletions: 0, changedFiles: 0}
  for (const change of changedFiles(repository, pull)) {
    stats.changedFiles += 1
    stats.additions += change.additions
    stats.deletions += change.deletions
  }

  return stats
}

function pullPayload(
  context: EndpointContext,
  repository: RepositoryState,
  pull: PullRequestState,
  form: 'simple' | 'full' | 'just-created',
): Record<string, unknown> {
  const labels = pull.labels.map((name) => repository.labels.get(name.toLowerCase()) as LabelState)
  const teams = pull.requestedTeams.map((slug) => context.team(repository.owner.login, slug) as TeamState)
  return pullRequestPayload(context.payloads, repository, pull, {
    author: context.account(pull.author),
    reviewers: pull.requestedReviewers.map((login) => context.account(login)),
    teams,
    labels,
    stats: form === 'simple' ? undefined : pullRequestStats(repository, pull),
    mergeabilityPending: form === 'just-created',
    autoMergeEnabledBy: pull.autoMerge ? context.account(pull.autoMerge.enabledBy) : undefined,
  })
}

function findOpenDuplicate(repository: RepositoryState, headRef: string, baseRef: string, except?: number) {
  return repository.pullRequests.find(
    (pull) => pull.state === 'open' && pull.headRef === headRef && pull.baseRef === baseRef && pull.number !== except,
  )
}

function duplicateError(repository: RepositoryState, headRef: string): ApiError {
  return new ApiError(422, 'Validation Failed', [
    {resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repository.owner.login}:${headRef}.`},
  ])
}

function invalidField(field: string): ApiError {
  return new ApiError(422, 'Validation Failed', [{resource: 'PullRequest', field, code: 'invalid'}])
}

/** Builds the `Link` header of one page, with the rels in the order GitHub sends them. */
function linkHeader(url: string, query: URLSearchParams, page: number, lastPage: number): string | undefined {
  if (lastPage <= 1) return undefined

  const pageUrl = (target: number) => {
    const params = new URLSearchParams(query)
    params.set('page', String(target))
    return `<${url}?${params.toString()}>`
  }

  const links: string[] = []
  if (page > 1) links.push(`${pageUrl(Math.min(page - 1, lastPage))}; rel="prev"`)
  if (page < lastPage) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`)
  if (page > 1) links.push(`${pageUrl(1)}; rel="first"`)
  return links.join(', ')
}

/**
 * Returns the page of `items` that the `per_page` (default 30, at most 100)
 * and `page` query parameters select, each item built with `toPayload`, with
 * GitHub's `Link` header when there is more than one page.
 */
function paginate<T>(request: EndpointRequest, items: T[], toPayload: (item: T) => unknown): EndpointResponse {
  const {query} = request
  const requestedPerPage = Number(query.get('per_page') ?? DEFAULT_PER_PAGE)
  const perPage = requestedPerPage < 1 ? DEFAULT_PER_PAGE : Math.min(requestedPerPage, MAX_PER_PAGE)
  const page = Math.max(Number(query.get('page') ?? 1), 1)
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1)
  const body = items.slice((page - 1) * perPage, page * perPage).map(toPayload)

  const headers: Record<string, string> = {}
  const link = linkHeader(request.url, query, page, lastPage)
  if (link !== undefined) headers.link = link
  return {status: 200, body, headers}
}

const pullEndpoints: Record<string, Endpoint> = {
  'pulls/list'(context, request) {
    const repository = repositoryOf(context, request)
    const {query} = request
    const state = query.get('state') ?? 'open'
    const head = query.get('head')
    const base = query.get('base')
    const sort = query.get('sort') ?? 'created'
    const direction = query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')

    let pulls = repository.pullRequests.filter((pull) => state === 'all' || pull.state === state)
    // api.github.com ignores a `head` filter without the `owner:` part and
    // returns every pull request, so the filter is ignored here too.
    if (head !== null && head.includes(':')) {
      const [owner, ref] = [head.slice(0, head.indexOf(':')), head.slice(head.indexOf(':') + 1)]
      pulls = pulls.filter(
        (pull) => owner.toLowerCase() === repository.owner.login.toLowerCase() && pull.headRef === ref,
      )
    }

    if (base !== null) pulls = pulls.filter((pull) => pull.baseRef === base)

    // `popularity` and `long-running` order like `created`, because the fake
    // does not implement those rankings.
    const key = (pull: PullRequestState) => (sort === 'updated' ? pull.updatedAt : pull.createdAt)
    pulls = [...pulls].sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number)
    if (direction === 'desc') pulls.reverse()

    return paginate(request, pulls, (pull) => pullPayload(context, repository, pull, 'simple'))
  },

  'pulls/create'(context, request) {
    const repository = repositoryOf(context, request)
    const body = request.body as {
      title?: string
      head: string
      base: string
      body?: string
      draft?: boolean
      maintainer_can_modify?: boolean
    }

    if (body.title === undefined) {
      throw new ApiError(422, 'Validation Failed', [{resource: 'Issue', field: 'title', code: 'missing_field'}])
    }

    // NOTE: pull requests from forks are not modelled, so a `head` owner
    // other than the repository owner is invalid.
    const separator = body.head.indexOf(':')
    const headOwner = separator === -1 ? repository.owner.login : body.head.slice(0, separator)
    const headRef = separator === -1 ? body.head : body.head.slice(separator + 1)
    if (headOwner.toLowerCase() !== repository.owner.login.toLowerCase()) throw invalidField('head')

    const baseSha = branchSha(repository, body.base)
    if (baseSha === undefined) throw invalidField('base')
    const headSha = branchSha(repository, headRef)
    if (headSha === undefined) throw invalidField('head')

    if (findOpenDuplicate(repository, headRef, body.base)) throw duplicateError(repository, headRef)
    if (repository.git.countCommitsBetween(baseSha, headSha) === 0) {
      throw new ApiError(422, 'Validation Failed', [
        {resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${body.head}`},
      ])
    }

    const now = context.now()
    const number = repository.pullRequests.reduce((highest, pull) => Math.max(highest, pull.number), 0) + 1
    const pull: PullRequestState = {
      id: context.nextId(),
      number,
      title: body.title,
      body: body.body ?? null,
      state: 'open',
      draft: body.draft ?? false,
      maintainerCanModify: body.maintainer_can_modify ?? false,
      author: request.user.login,
      headRef,
      baseRef: body.base,
      headSha,
      labels: [],
      requestedReviewers: [],
      requestedTeams: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    }

    repository.pullRequests.push(pull)
    const payload = pullPayload(context, repository, pull, 'just-created')
    return created(payload, payload.url as string)
  },

  'pulls/get'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    return {status: 200, body: pullPayload(context, repository, pull, 'full')}
  },

  'pulls/update'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const body = request.body as {
      title?: string
      body?: string
      state?: 'open' | 'closed'
      base?: string
      maintainer_can_modify?: boolean
    }

    const baseRef = body.base ?? pull.baseRef
    if (branchSha(repository, baseRef) === undefined) throw invalidField('base')
    const state = body.state ?? pull.state
    if (state === 'open' && findOpenDuplicate(repository, pull.headRef, baseRef, pull.number)) {
      throw duplicateError(repository, pull.headRef)
    }

    const now = context.now()
    if (body.title !== undefined) pull.title = body.title
    if (body.body !== undefined) pull.body = body.body
    if (body.maintainer_can_modify !== undefined) pull.maintainerCanModify = body.maintainer_can_modify
    if (state !== pull.state) pull.closedAt = state === 'closed' ? now : null
    // GitHub turns auto-merge off when a pull request is closed.
    if (state === 'closed') pull.autoMerge = null
    pull.state = state
    pull.baseRef = baseRef
    pull.updatedAt = now
    return {status: 200, body: pullPayload(context, repository, pull, 'full')}
  },

  'issues/add-labels'(context, request) {
    const repository = repositoryOf(context, request)
    // Pull requests are the only issues that the fake stores.
    const pull = pullRequestOf(repository, request.params.issue_number)
    const {labels} = request.body as {labels: Array<string | {name: string}>}

    for (const item of labels) {
      const name = typeof item === 'string' ? item : item.name
      let label = repository.labels.get(name.toLowerCase())
      if (!label) {
        // GitHub creates unknown labels with a grey color and no description.
        label = {id: context.nextId(), name, color: AUTO_CREATED_LABEL_COLOR, description: null, default: false}
        repository.labels.set(name.toLowerCase(), label)
      }

      if (!pull.labels.some((existing) => existing.toLowerCase() === name.toLowerCase())) pull.labels.push(label.name)
    }

    pull.updatedAt = context.now()
    const body = pull.labels.map((name) =>
      labelPayload(context.payloads, repository, repository.labels.get(name.toLowerCase()) as LabelState),
    )
    return {status: 200, body}
  },

  'issues/remove-label'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.issue_number)
    const name = String(request.params.name).toLowerCase()
    const index = pull.labels.findIndex((existing) => existing.toLowerCase() === name)
    if (index === -1) throw new ApiError(404, 'Label does not exist')

    pull.labels.splice(index, 1)
    pull.updatedAt = context.now()
    const body = pull.labels.map((label) => labelPayload(context.payloads, repository, repository.labels.get(label.toLowerCase()) as LabelState))
    return {status: 200, body}
  },

  'pulls/request-reviewers'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const {reviewers = [], team_reviewers: teamReviewers = []} = request.body as {
      reviewers?: string[]
      team_reviewers?: string[]
    }

    if (reviewers.some((login) => login.toLowerCase() === pull.author.toLowerCase())) {
      throw new ApiError(422, 'Review cannot be requested from pull request author.')
    }

    const teams = teamReviewers.map((slug) => context.team(repository.owner.login, slug))
    if (teams.some((team) => team === undefined)) {
      throw new ApiError(
        422,
        `Reviews may only be requested from collaborators. One or more of the teams you specified is not a collaborator of the ${repository.owner.login}/${repository.name} repository.`,
      )
    }

    for (const login of reviewers) {
      const account = context.account(login)
      if (!pull.requestedReviewers.includes(account.login)) pull.requestedReviewers.push(account.login)
    }

    for (const team of teams as TeamState[]) {
      if (!pull.requestedTeams.includes(team.slug)) pull.requestedTeams.push(team.slug)
    }

    pull.updatedAt = context.now()
    return {status: 201, body: pullPayload(context, repository, pull, 'simple')}
  },
}

// Accounts and repositories ----------------------------------------------------

const accountEndpoints: Record<string, Endpoint> = {
  'users/get-authenticated'(context, request) {
    if (request.installation) throw new ApiError(403, 'Resource not accessible by integration')
    const owned = context.repositoriesOwnedBy(request.user.login)
    return {status: 200, body: authenticatedUserPayload(context.payloads, request.user, owned)}
  },

  'teams/get-by-name'(context, request) {
    const team = context.team(request.params.org, request.params.team_slug)
    if (!team) throw notFound()
    const organization = context.account(team.org)
    const publicRepositories = context.repositoriesOwnedBy(team.org).filter((repository) => !repository.private)
    return {status: 200, body: teamFullPayload(context.payloads, team, organization, publicRepositories.length)}
  },

  'checks/list-for-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveCommitish(repository, request.params.ref)
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${request.params.ref}`)
    const base = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}`
    const runs = (repository.checkRuns?.get(sha) ?? []).map((run) => ({
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: sha,
      external_id: null,
      url: `${base}/check-runs/${run.id}`,
      html_url: run.detailsUrl,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${base}/check-runs/${run.id}/annotations`},
      name: run.name,
      check_suite: null,
      app: null,
      pull_requests: [],
    }))
    return {status: 200, body: {total_count: runs.length, check_runs: runs}}
  },

  'teams/list-members-in-org'(context, request) {
    const team = context.team(String(request.params.org), String(request.params.team_slug))
    if (!team) throw notFound()
    return {status: 200, body: (team.members ?? []).map((login) => userPayload(context.payloads, context.account(login)))}
  },

  'repos/get-commit'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveCommitish(repository, request.params.ref)
    const commit = sha === undefined ? undefined : repository.git.commit(sha)
    if (!sha || !commit) throw new ApiError(422, `No commit found for SHA: ${request.params.ref}`)
    return {status: 200, body: restCommitPayload(context.payloads, repository, sha, commit)}
  },

  'repos/get'(context, request) {
    const repository = repositoryOf(context, request)
    return {status: 200, body: repositoryPayload(context.payloads, repository)}
  },
}

// Repository contents ----------------------------------------------------------

/**
 * Largest file, in bytes, that "Get repository content" returns as JSON.
 * GitHub documents the limit as 1 megabyte.
 */
const MAX_CONTENT_SIZE = 1024 * 1024

/**
 * Resolves the target of the symbolic link at `linkPath` to a path inside
 * the repository, or returns undefined when the target points outside it.
 */
function symlinkTargetPath(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined

  const components = linkPath.split('/').slice(0, -1)
  for (const component of target.split('/')) {
    if (component === '' || component === '.') continue
    if (component !== '..') {
      components.push(component)
      continue
    }

    if (components.length === 0) return undefined
    components.pop()
  }

  return components.length === 0 ? undefined : components.join('/')
}

/** Reads the URL of the submodule at `path` from the `.gitmodules` file at the root of a tree. */
function submoduleUrl(repository: RepositoryState, rootTree: string, path: string): string | undefined {
  const file = repository.git.entryAt(rootTree, '.gitmodules')
  const text = file?.type === 'blob' ? repository.git.blob(file.sha)?.content.toString('utf8') : undefined
  if (text === undefined) return undefined

  for (const section of text.split(/^\s*\[submodule\b[^\]]*\]\s*$/m).slice(1)) {
    const value = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`, 'm').exec(section)?.[1]
    if (value('path') === path) return value('url')
  }

  return undefined
}

/** Builds the `content-file` of a blob, or throws GitHub's 403 for a file over `MAX_CONTENT_SIZE`. */
function fileContentPayload(
  context: EndpointContext,
  repository: RepositoryState,
  ref: string,
  path: string,
  entry: TreeEntry,
): Record<string, unknown> {
  const content = repository.git.blob(entry.sha)?.content ?? Buffer.alloc(0)
  if (content.length > MAX_CONTENT_SIZE) {
    // NOTE: the wording of this 403 is unverified against api.github.com.
    throw new ApiError(
      403,
      'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.',
      [{resource: 'Blob', field: 'data', code: 'too_large'}],
    )
  }

  const item = {type: 'file' as const, path, sha: entry.sha, size: content.length}
  return {...contentItemPayload(context.payloads, repository, ref, item), content: wrappedBase64(content), encoding: 'base64'}
}

/** Builds one item of a directory listing, where GitHub reports submodules as files and leaves out file content. */
function directoryItemPayload(
  context: EndpointContext,
  repository: RepositoryState,
  ref: string,
  path: string,
  entry: TreeEntry,
): Record<string, unknown> {
  if (entry.type === 'tree') return contentItemPayload(context.payloads, repository, ref, {type: 'dir', path, sha: entry.sha, size: 0})
  if (entry.type === 'commit') {
    const submodule = contentItemPayload(context.payloads, repository, ref, {type: 'submodule', path, sha: entry.sha, size: 0})
    return {...submodule, type: 'file'}
  }

  const size = repository.git.blob(entry.sha)?.content.length ?? 0
  const type = entry.mode === '120000' ? 'symlink' : 'file'
  return contentItemPayload(context.payloads, repository, ref, {type, path, sha: entry.sha, size})
}

/**
 * Builds the response of "Get repository content" for the entry at `path`:
 * an array for a directory, else one object. A symbolic link to a regular
 * file of the repository returns that file, as GitHub documents.
 */
function contentPayload(
  context: EndpointContext,
  repository: RepositoryState,
  ref: string,
  rootTree: string,
  path: string,
  entry: TreeEntry,
): unknown {
  if (entry.type === 'tree') {
    const entries = repository.git.tree(entry.sha)?.entries ?? []
    return entries.map((child) => directoryItemPayload(context, repository, ref, `${path}/${child.name}`, child))
  }

  if (entry.type === 'commit') {
    const url = submoduleUrl(repository, rootTree, path)
    // A plain Error is recorded as a failure of the fake, because GitHub's response to this case is unknown.
    if (url === undefined) throw new Error(`submodule ${path} has no URL in .gitmodules at ${ref}`)
    const item = {type: 'submodule' as const, path, sha: entry.sha, size: 0}
    return {...contentItemPayload(context.payloads, repository, ref, item), submodule_git_url: url}
  }

  if (entry.mode !== '120000') return fileContentPayload(context, repository, ref, path, entry)

  const target = repository.git.blob(entry.sha)?.content.toString('utf8') ?? ''
  const targetPath = symlinkTargetPath(path, target)
  const targetEntry = targetPath === undefined ? undefined : repository.git.entryAt(rootTree, targetPath)
  if (targetPath !== undefined && targetEntry?.type === 'blob' && targetEntry.mode !== '120000') {
    return fileContentPayload(context, repository, ref, targetPath, targetEntry)
  }

  const item = {type: 'symlink' as const, path, sha: entry.sha, size: Buffer.byteLength(target)}
  return {...contentItemPayload(context.payloads, repository, ref, item), target}
}

const contentEndpoints: Record<string, Endpoint> = {
  'repos/get-content'(context, request) {
    const repository = repositoryOf(context, request)
    const ref = request.query.get('ref') || repository.defaultBranch
    const sha = resolveCommitish(repository, ref)
    const commit = sha === undefined ? undefined : repository.git.commit(sha)
    if (!commit) throw new ApiError(404, `No commit found for the ref ${ref}`)

    // GitHub also finds a directory when its path ends with a slash.
    const path = request.params.path.replace(/\/+$/, '')
    const entry = path === '' ? undefined : repository.git.entryAt(commit.tree, path)
    if (!entry) throw notFound()
    return {status: 200, body: contentPayload(context, repository, ref, commit.tree, path, entry)}
  },
}

// Pull request files, reviews and comments -------------------------------------

/** Maximum number of files that "List pull requests files" returns, as GitHub documents it. */
const MAX_PULL_REQUEST_FILES = 3000
/** Maximum length of a comment body that GitHub accepts, in characters. */
const MAX_COMMENT_LENGTH = 65_536

const REVIEW_STATES = {APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED'} as const

/**
 * Builds the 422 of "Create a review for a pull request", whose `errors` are
 * plain messages (`validation-error-simple`).
 */
function reviewError(message: string): ApiError {
  return new ApiError(422, 'Unprocessable Entity', [message])
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function commentError(error: Record<string, string>): ApiError {
  return new ApiError(422, 'Validation Failed', [{resource: 'IssueComment', field: 'body', ...error}])
}

/*
 * NOTE: the texts of the 422s for a blank or too long comment body, for a
 * review without a body and for a review of an unknown commit are unverified
 * against api.github.com. Tests should check their status only. The other
 * review 422s quote GitHub's messages.
 */
const reviewEndpoints: Record<string, Endpoint> = {
  /**
   * Compares `BASE...HEAD`: the files changed between their merge base and HEAD, as GitHub
   * lists them. NOTE: `commits` is always empty and `ahead_by` counts commits on HEAD only;
   * idp reads the files and the merge base, nothing else.
   */
  'repos/compare-commits'(context, request) {
    const repository = repositoryOf(context, request)
    // Older descriptions name the two parts `base` and `head`, newer ones `basehead`.
    const [baseName, headName] = request.params.basehead === undefined ? [request.params.base, request.params.head] : String(request.params.basehead).split('...')
    const base = baseName === undefined ? undefined : resolveCommitish(repository, baseName)
    const head = headName === undefined ? undefined : resolveCommitish(repository, headName)
    if (base === undefined || head === undefined) throw new ApiError(404, 'Not Found')
    const mergeBase = findMergeBase(repository.git, base, head)
    const headCommit = repository.git.commit(head)
    const baseCommit = repository.git.commit(base)
    const mergeBaseCommit = mergeBase === undefined ? undefined : repository.git.commit(mergeBase)
    if (!headCommit || !baseCommit || !mergeBase || !mergeBaseCommit) throw new ApiError(404, 'Not Found')
    const files = diffTreeFiles(repository.git, mergeBaseCommit.tree, headCommit.tree).slice(0, 300)
    const url = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}/compare/${baseName}...${headName}`
    const webUrl = `${context.payloads.webUrl}/${repository.owner.login}/${repository.name}/compare/${baseName}...${headName}`
    const ahead = head === mergeBase ? 0 : repository.git.countCommitsBetween(mergeBase, head)
    const behind = base === mergeBase ? 0 : repository.git.countCommitsBetween(mergeBase, base)
    let status = 'diverged'
    if (ahead === 0 && behind === 0) status = 'identical'
    else if (behind === 0) status = 'ahead'
    else if (ahead === 0) status = 'behind'
    return {
      status: 200,
      body: {
        url,
        html_url: webUrl,
        permalink_url: webUrl,
        diff_url: `${webUrl}.diff`,
        patch_url: `${webUrl}.patch`,
        base_commit: restCommitPayload(context.payloads, repository, base, baseCommit),
        merge_base_commit: restCommitPayload(context.payloads, repository, mergeBase, mergeBaseCommit),
        status,
        ahead_by: ahead,
        behind_by: behind,
        total_commits: ahead,
        commits: [],
        files: files.map((change) => diffEntryPayload(context.payloads, repository, change, {headSha: head, baseSha: mergeBase})),
      },
    }
  },

  // The same operation under the name newer descriptions give it.
  'repos/compare-commits-with-basehead'(context, request) {
    return reviewEndpoints['repos/compare-commits'](context, request)
  },

  'pulls/list-files'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const headSha = pullRequestHeadSha(repository, pull)
    const baseSha = findMergeBase(repository.git, branchSha(repository, pull.baseRef) ?? headSha, headSha) ?? headSha
    const files = changedFiles(repository, pull).slice(0, MAX_PULL_REQUEST_FILES)
    return paginate(request, files, (change) => diffEntryPayload(context.payloads, repository, change, {headSha, baseSha}))
  },

  'pulls/create-review'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const body = (request.body ?? {}) as {commit_id?: string; body?: string; event?: keyof typeof REVIEW_STATES; comments?: unknown[]}
    // A plain Error is recorded as a failure of the fake, so a test that relies on inline comments fails.
    if (body.comments !== undefined && body.comments.length > 0) throw new Error('the test server does not implement inline review comments')

    const reviewer = request.user
    const reviews = pull.reviews ?? []
    const isAuthor = sameLogin(reviewer.login, pull.author)
    if (isAuthor && body.event === 'APPROVE') throw reviewError('Can not approve your own pull request')
    if (isAuthor && body.event === 'REQUEST_CHANGES') throw reviewError('Can not request changes on your own pull request')
    if ((body.event === 'REQUEST_CHANGES' || body.event === 'COMMENT') && !body.body?.trim()) {
      throw reviewError(`A review with event ${body.event} requires a body`)
    }

    if (reviews.some((review) => review.state === 'PENDING' && sameLogin(review.login, reviewer.login))) {
      throw reviewError('User can only have one pending review per pull request')
    }

    const commitId = body.commit_id?.toLowerCase() ?? pullRequestHeadSha(repository, pull)
    if (!repository.git.commit(commitId)) throw reviewError(`No commit found for SHA: ${body.commit_id}`)

    const now = context.now()
    const review: ReviewState = {
      id: context.nextId(),
      login: reviewer.login,
      // Without an event the review stays pending until it is submitted.
      state: body.event === undefined ? 'PENDING' : REVIEW_STATES[body.event],
      body: body.body ?? '',
      commitId,
      submittedAt: body.event === undefined ? undefined : now,
    }
    pull.reviews = [...reviews, review]
    if (body.event !== undefined) {
      // A submitted review fulfils the reviewer's own review request, as on GitHub.
      pull.requestedReviewers = pull.requestedReviewers.filter((login) => !sameLogin(login, reviewer.login))
      pull.updatedAt = now
    }

    return {status: 200, body: reviewPayload(context.payloads, repository, pull, review, reviewer)}
  },

  'pulls/list-reviews'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    // A pending review is visible only to its author.
    const visible = (pull.reviews ?? []).filter((review) => review.state !== 'PENDING' || sameLogin(review.login, request.user.login))
    return paginate(request, visible, (review) => reviewPayload(context.payloads, repository, pull, review, context.account(review.login)))
  },

  'pulls/list-requested-reviewers'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const users = pull.requestedReviewers.map((login) => userPayload(context.payloads, context.account(login)))
    const teams = pull.requestedTeams.map((slug) =>
      teamPayload(context.payloads, context.team(repository.owner.login, slug) as TeamState, repository.owner),
    )
    return {status: 200, body: {users, teams}}
  },

  'pulls/remove-requested-reviewers'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const {reviewers, team_reviewers: teamReviewers = []} = request.body as {reviewers: string[]; team_reviewers?: string[]}

    // Reviewers and teams that were not requested are ignored.
    pull.requestedReviewers = pull.requestedReviewers.filter((login) => !reviewers.some((removed) => sameLogin(removed, login)))
    pull.requestedTeams = pull.requestedTeams.filter((slug) => !teamReviewers.some((removed) => sameLogin(removed, slug)))
    pull.updatedAt = context.now()
    return {status: 200, body: pullPayload(context, repository, pull, 'simple')}
  },

  'issues/create-comment'(context, request) {
    const repository = repositoryOf(context, request)
    // Pull requests are the only issues that the fake stores.
    const pull = pullRequestOf(repository, request.params.issue_number)
    const {body} = request.body as {body: string}
    if (body.trim() === '') throw commentError({code: 'missing_field'})
    if (body.length > MAX_COMMENT_LENGTH) {
      throw commentError({code: 'custom', message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`})
    }

    const now = context.now()
    const comment: CommentState = {id: context.nextId(), login: request.user.login, body, createdAt: now, updatedAt: now}
    pull.comments = [...(pull.comments ?? []), comment]
    pull.updatedAt = now
    const payload = commentPayload(context.payloads, repository, pull, comment, request.user)
    return created(payload, payload.url as string)
  },

  'issues/list-comments'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.issue_number)
    const since = request.query.get('since')
    const comments = (pull.comments ?? []).filter((comment) => since === null || Date.parse(comment.updatedAt) >= Date.parse(since))
    return paginate(request, comments, (comment) =>
      commentPayload(context.payloads, repository, pull, comment, context.account(comment.login)),
    )
  },
}

// Commit statuses --------------------------------------------------------------

/** Statuses that GitHub keeps per commit and context, as it documents the limit. */
const MAX_STATUSES_PER_CONTEXT = 1000

function statusesOn(repository: RepositoryState, sha: string): StatusState[] {
  return repository.statuses?.get(sha) ?? []
}

/**
 * Returns the latest status of each context, in the order those statuses
 * were set. GitHub compares contexts case-insensitively.
 */
function latestStatuses(statuses: StatusState[]): StatusState[] {
  const latest = new Map<string, StatusState>()
  for (const status of statuses) {
    const key = status.context.toLowerCase()
    latest.delete(key)
    latest.set(key, status)
  }

  return [...latest.values()]
}

function statusPayloadOf(context: EndpointContext, repository: RepositoryState, sha: string, status: StatusState) {
  const creator = status.creator === null ? undefined : context.account(status.creator)
  return statusPayload(context.payloads, repository, sha, status, creator)
}

const statusEndpoints: Record<string, Endpoint> = {
  'repos/create-commit-status'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = request.params.sha.toLowerCase()
    // GitHub takes only a full commit id here, not a branch name.
    if (!/^[0-9a-f]{40}$/.test(sha) || !repository.git.commit(sha)) {
      throw new ApiError(422, `No commit found for SHA: ${request.params.sha}`)
    }

    const body = request.body as {state: StatusState['state']; target_url?: string | null; description?: string | null; context?: string}
    const name = body.context ?? 'default'
    const existing = statusesOn(repository, sha)
    if (existing.filter((status) => sameLogin(status.context, name)).length >= MAX_STATUSES_PER_CONTEXT) {
      // NOTE: the wording of this 422 is unverified against api.github.com.
      throw new ApiError(422, 'Validation Failed', [
        {resource: 'Status', field: 'context', code: 'custom', message: 'This SHA and context has reached the maximum number of statuses.'},
      ])
    }

    const status: StatusState = {
      id: context.nextId(),
      context: name,
      state: body.state,
      targetUrl: body.target_url ?? null,
      description: body.description ?? null,
      creator: request.user.login,
      createdAt: context.now(),
    }
    repository.statuses ??= new Map()
    repository.statuses.set(sha, [...existing, status])
    const payload = statusPayloadOf(context, repository, sha, status)
    return created(payload, payload.url as string)
  },

  'repos/list-commit-statuses-for-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveCommitish(repository, request.params.ref)
    // NOTE: the 404 for an unknown ref is unverified against api.github.com.
    if (!sha) throw notFound()
    const newestFirst = [...statusesOn(repository, sha)].reverse()
    return paginate(request, newestFirst, (status) => statusPayloadOf(context, repository, sha, status))
  },

  'repos/get-combined-status-for-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveCommitish(repository, request.params.ref)
    if (!sha) throw notFound()

    const latest = latestStatuses(statusesOn(repository, sha))
    // GitHub combines: any error or failure fails, any pending (or none at all) is pending.
    const states = latest.map((status) => status.state)
    const failed = states.some((item) => item === 'error' || item === 'failure')
    const state = failed ? 'failure' : states.length === 0 || states.includes('pending') ? 'pending' : 'success'

    // The combined view lists `simple-commit-status` items, which have no creator.
    const page = paginate(request, latest, (status) => {
      const {creator, ...simple} = statusPayloadOf(context, repository, sha, status)
      return simple
    })
    const base = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}`
    return {
      status: 200,
      headers: page.headers,
      body: {
        state,
        sha,
        total_count: latest.length,
        statuses: page.body,
        repository: repositoryPayload(context.payloads, repository),
        commit_url: `${base}/commits/${sha}`,
        url: `${base}/commits/${sha}/status`,
      },
    }
  },
}

// GraphQL ----------------------------------------------------------------------
//
// A small GraphQL implementation for the one mutation that the fake supports,
// `enablePullRequestAutoMerge`. It parses the whole GraphQL syntax (fragments,
// directives, variables, aliases), checks the request against the part of
// GitHub's schema that it models, and only then runs the mutation, so an
// invalid request changes nothing, as on GitHub.

/** 1-based position in the query text, as GraphQL errors report it. */
interface SourceLocation {
  line: number
  column: number
}

interface Token {
  kind: 'punctuator' | 'name' | 'int' | 'float' | 'string' | 'end'
  value: string
  location: SourceLocation
}

type ValueNode =
  | {kind: 'variable'; name: string; location: SourceLocation}
  | {kind: 'int' | 'float' | 'string' | 'enum'; value: string; location: SourceLocation}
  | {kind: 'boolean'; value: boolean; location: SourceLocation}
  | {kind: 'null'; location: SourceLocation}
  | {kind: 'list'; values: ValueNode[]; location: SourceLocation}
  | {kind: 'object'; fields: ArgumentNode[]; location: SourceLocation}

interface ArgumentNode {
  name: string
  value: ValueNode
  location: SourceLocation
}

interface DirectiveNode {
  name: string
  arguments: ArgumentNode[]
  location: SourceLocation
}

interface FieldNode {
  kind: 'field'
  alias: string | undefined
  name: string
  arguments: ArgumentNode[]
  directives: DirectiveNode[]
  selections: SelectionNode[] | undefined
  location: SourceLocation
}

interface FragmentSpreadNode {
  kind: 'spread'
  name: string
  directives: DirectiveNode[]
  location: SourceLocation
}

interface InlineFragmentNode {
  kind: 'inline'
  typeCondition: string | undefined
  directives: DirectiveNode[]
  selections: SelectionNode[]
  location: SourceLocation
}

type SelectionNode = FieldNode | FragmentSpreadNode | InlineFragmentNode

interface VariableDefinitionNode {
  name: string
  /** Type as written, such as `ID!` or `[String]`. */
  type: string
  defaultValue: ValueNode | undefined
  location: SourceLocation
}

interface OperationNode {
  kind: 'operation'
  operation: 'query' | 'mutation' | 'subscription'
  name: string | undefined
  variables: VariableDefinitionNode[]
  directives: DirectiveNode[]
  selections: SelectionNode[]
  location: SourceLocation
}

interface FragmentNode {
  kind: 'fragment'
  name: string
  typeCondition: string
  directives: DirectiveNode[]
  selections: SelectionNode[]
  location: SourceLocation
}

/**
 * Request that GitHub would reject (`invalid`: broken syntax, wrong variables
 * or arguments of the supported mutation) or that the fake does not
 * implement (`unsupported`). Either way no data is returned.
 */
class GraphQLRequestError extends Error {
  readonly kind: 'invalid' | 'unsupported'
  readonly locations: SourceLocation[]

  constructor(kind: 'invalid' | 'unsupported', message: string, locations: SourceLocation[] = []) {
    super(message)
    this.kind = kind
    this.locations = locations
  }
}

/** Failure of the mutation itself, which GitHub reports with a `type` next to `data: {field: null}`. */
class GraphQLExecutionError extends Error {
  readonly type: 'NOT_FOUND' | 'UNPROCESSABLE'

  constructor(type: 'NOT_FOUND' | 'UNPROCESSABLE', message: string) {
    super(message)
    this.type = type
  }
}

function invalidRequest(message: string, location?: SourceLocation): GraphQLRequestError {
  return new GraphQLRequestError('invalid', message, location ? [location] : [])
}

function unsupportedRequest(message: string, location?: SourceLocation): GraphQLRequestError {
  return new GraphQLRequestError('unsupported', message, location ? [location] : [])
}

/** Splits a GraphQL document into tokens, skipping white space, commas and comments. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let index = 0
  let line = 1
  let lineStart = 0
  const currentLocation = (): SourceLocation => ({line, column: index - lineStart + 1})
  const newLine = (length: number) => {
    index += length
    line += 1
    lineStart = index
  }

  while (index < source.length) {
    const char = source[index]
    if (char === '\r' || char === '\n') {
      newLine(source.startsWith('\r\n', index) ? 2 : 1)
      continue
    }

    if (char === ' ' || char === '\t' || char === ',' || char === '\uFEFF') {
      index += 1
      continue
    }

    if (char === '#') {
      while (index < source.length && source[index] !== '\n' && source[index] !== '\r') index += 1
      continue
    }

    const location = currentLocation()
    const rest = source.slice(index)
    if (rest.startsWith('...')) {
      tokens.push({kind: 'punctuator', value: '...', location})
      index += 3
      continue
    }

    if ('!$&()[]{}:=@|'.includes(char)) {
      tokens.push({kind: 'punctuator', value: char, location})
      index += 1
      continue
    }

    const name = /^[_A-Za-z][_0-9A-Za-z]*/.exec(rest)
    if (name) {
      tokens.push({kind: 'name', value: name[0], location})
      index += name[0].length
      continue
    }

    const number = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?(?![_A-Za-z.\d])/.exec(rest)
    if (number) {
      const kind = number[1] !== undefined || number[2] !== undefined ? 'float' : 'int'
      tokens.push({kind, value: number[0], location})
      index += number[0].length
      continue
    }

    if (rest.startsWith('"""')) {
      const end = findBlockStringEnd(source, index + 3)
      if (end === -1) throw invalidRequest('Unterminated string', location)
      const raw = source.slice(index + 3, end)
      tokens.push({kind: 'string', value: blockStringValue(raw), location})
      for (const match of raw.matchAll(/\r\n|\r|\n/g)) {
        line += 1
        lineStart = index + 3 + (match.index ?? 0) + match[0].length
      }

      index = end + 3
      continue
    }

    if (char === '"') {
      const {value, length} = readString(source, index, location)
      tokens.push({kind: 'string', value, location})
      index += length
      continue
    }

    throw invalidRequest(`Parse error on "${char}" at [${location.line}, ${location.column}]`, location)
  }

  tokens.push({kind: 'end', value: '', location: currentLocation()})
  return tokens
}

function findBlockStringEnd(source: string, from: number): number {
  for (let index = from; index < source.length; index += 1) {
    if (source.startsWith('\\"""', index)) {
      index += 3
      continue
    }

    if (source.startsWith('"""', index)) return index
  }

  return -1
}

/** Returns the value of a block string: escaped quotes restored, common indentation and blank first and last lines removed. */
function blockStringValue(raw: string): string {
  const lines = raw.replace(/\\"""/g, '"""').split(/\r\n|\r|\n/)
  const indents = lines.slice(1).filter((text) => text.trim() !== '').map((text) => /^[ \t]*/.exec(text)?.[0].length ?? 0)
  const common = indents.length === 0 ? 0 : Math.min(...indents)
  const dedented = lines.map((text, index) => (index === 0 ? text : text.slice(common)))
  while (dedented.length > 0 && dedented[0].trim() === '') dedented.shift()
  while (dedented.length > 0 && dedented[dedented.length - 1].trim() === '') dedented.pop()
  return dedented.join('\n')
}

/** Returns `record[key]` when `key` is an own property, so that names such as `constructor` are not found. */
function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

const STRING_ESCAPES: Record<string, string> = {'"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'}

/** Reads the quoted string that starts at `start`, returning its value and its length in the source. */
function readString(source: string, start: number, location: SourceLocation): {value: string; length: number} {
  let value = ''
  let index = start + 1
  while (index < source.length) {
    const char = source[index]
    if (char === '"') return {value, length: index + 1 - start}
    if (char === '\n' || char === '\r') break

    if (char !== '\\') {
      value += char
      index += 1
      continue
    }

    const escape = source[index + 1]
    if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(index + 2, index + 6))) {
      value += String.fromCharCode(Number.parseInt(source.slice(index + 2, index + 6), 16))
      index += 6
      continue
    }

    const escaped = ownValue(STRING_ESCAPES, escape)
    if (escaped === undefined) throw invalidRequest(`Invalid escape sequence \\${escape} in the string at [${location.line}, ${location.column}]`, location)
    value += escaped
    index += 2
  }

  throw invalidRequest('Unterminated string', location)
}

/** Recursive-descent parser of GraphQL's executable documents. */
class GraphQLParser {
  private readonly tokens: Token[]
  private position = 0

  constructor(source: string) {
    this.tokens = tokenize(source)
  }

  parseDocument(): Array<OperationNode | FragmentNode> {
    const definitions: Array<OperationNode | FragmentNode> = []
    do {
      definitions.push(this.parseDefinition())
    } while (this.peek().kind !== 'end')
    return definitions
  }

  private peek(): Token {
    return this.tokens[this.position]
  }

  private next(): Token {
    const token = this.tokens[this.position]
    if (token.kind !== 'end') this.position += 1
    return token
  }

  private unexpected(token: Token): GraphQLRequestError {
    const description = token.kind === 'end' ? 'end of file' : `"${token.value}"`
    return invalidRequest(`Parse error on ${description} at [${token.location.line}, ${token.location.column}]`, token.location)
  }

  private isPunctuator(value: string): boolean {
    const token = this.peek()
    return token.kind === 'punctuator' && token.value === value
  }

  private expectPunctuator(value: string): Token {
    const token = this.next()
    if (token.kind !== 'punctuator' || token.value !== value) throw this.unexpected(token)
    return token
  }

  private expectName(): Token {
    const token = this.next()
    if (token.kind !== 'name') throw this.unexpected(token)
    return token
  }

  private parseDefinition(): OperationNode | FragmentNode {
    const token = this.peek()
    if (this.isPunctuator('{')) {
      return {kind: 'operation', operation: 'query', name: undefined, variables: [], directives: [], selections: this.parseSelectionSet(), location: token.location}
    }

    if (token.kind === 'name' && token.value === 'fragment') return this.parseFragment()
    if (token.kind !== 'name' || !['query', 'mutation', 'subscription'].includes(token.value)) throw this.unexpected(token)

    this.next()
    const name = this.peek().kind === 'name' ? this.next().value : undefined
    const variables = this.isPunctuator('(') ? this.parseVariableDefinitions() : []
    const directives = this.parseDirectives()
    const operation = token.value as OperationNode['operation']
    return {kind: 'operation', operation, name, variables, directives, selections: this.parseSelectionSet(), location: token.location}
  }

  private parseFragment(): FragmentNode {
    const location = this.next().location
    const name = this.expectName()
    if (name.value === 'on') throw this.unexpected(name)
    const on = this.expectName()
    if (on.value !== 'on') throw this.unexpected(on)
    const typeCondition = this.expectName().value
    const directives = this.parseDirectives()
    return {kind: 'fragment', name: name.value, typeCondition, directives, selections: this.parseSelectionSet(), location}
  }

  private parseVariableDefinitions(): VariableDefinitionNode[] {
    this.expectPunctuator('(')
    const definitions: VariableDefinitionNode[] = []
    while (!this.isPunctuator(')')) {
      const location = this.expectPunctuator('$').location
      const name = this.expectName().value
      this.expectPunctuator(':')
      const type = this.parseType()
      let defaultValue: ValueNode | undefined
      if (this.isPunctuator('=')) {
        this.next()
        defaultValue = this.parseValue(true)
      }

      this.parseDirectives()
      definitions.push({name, type, defaultValue, location})
    }

    this.expectPunctuator(')')
    if (definitions.length === 0) throw this.unexpected(this.tokens[this.position - 1])
    return definitions
  }

  private parseType(): string {
    let type: string
    if (this.isPunctuator('[')) {
      this.next()
      type = `[${this.parseType()}]`
      this.expectPunctuator(']')
    } else {
      type = this.expectName().value
    }

    if (this.isPunctuator('!')) {
      this.next()
      type += '!'
    }

    return type
  }

  private parseDirectives(): DirectiveNode[] {
    const directives: DirectiveNode[] = []
    while (this.isPunctuator('@')) {
      const location = this.next().location
      const name = this.expectName().value
      directives.push({name, arguments: this.isPunctuator('(') ? this.parseArguments() : [], location})
    }

    return directives
  }

  private parseSelectionSet(): SelectionNode[] {
    this.expectPunctuator('{')
    const selections: SelectionNode[] = []
    do {
      selections.push(this.parseSelection())
    } while (!this.isPunctuator('}'))
    this.next()
    return selections
  }

  private parseSelection(): SelectionNode {
    if (this.isPunctuator('...')) {
      const location = this.next().location
      const token = this.peek()
      if (token.kind === 'name' && token.value !== 'on') {
        this.next()
        return {kind: 'spread', name: token.value, directives: this.parseDirectives(), location}
      }

      let typeCondition: string | undefined
      if (token.kind === 'name') {
        this.next()
        typeCondition = this.expectName().value
      }

      const directives = this.parseDirectives()
      return {kind: 'inline', typeCondition, directives, selections: this.parseSelectionSet(), location}
    }

    const first = this.expectName()
    let alias: string | undefined
    let name = first.value
    if (this.isPunctuator(':')) {
      this.next()
      alias = first.value
      name = this.expectName().value
    }

    const fieldArguments = this.isPunctuator('(') ? this.parseArguments() : []
    const directives = this.parseDirectives()
    const selections = this.isPunctuator('{') ? this.parseSelectionSet() : undefined
    return {kind: 'field', alias, name, arguments: fieldArguments, directives, selections, location: first.location}
  }

  private parseArguments(): ArgumentNode[] {
    this.expectPunctuator('(')
    const parsed: ArgumentNode[] = []
    do {
      const name = this.expectName()
      this.expectPunctuator(':')
      parsed.push({name: name.value, value: this.parseValue(false), location: name.location})
    } while (!this.isPunctuator(')'))
    this.next()
    return parsed
  }

  private parseValue(constant: boolean): ValueNode {
    const token = this.next()
    const {location} = token
    if (token.kind === 'punctuator' && token.value === '$' && !constant) return {kind: 'variable', name: this.expectName().value, location}
    if (token.kind === 'int' || token.kind === 'float' || token.kind === 'string') return {kind: token.kind, value: token.value, location}
    if (token.kind === 'name') {
      if (token.value === 'true' || token.value === 'false') return {kind: 'boolean', value: token.value === 'true', location}
      if (token.value === 'null') return {kind: 'null', location}
      return {kind: 'enum', value: token.value, location}
    }

    if (token.kind === 'punctuator' && token.value === '[') {
      const values: ValueNode[] = []
      while (!this.isPunctuator(']')) values.push(this.parseValue(constant))
      this.next()
      return {kind: 'list', values, location}
    }

    if (token.kind === 'punctuator' && token.value === '{') {
      const fields: ArgumentNode[] = []
      while (!this.isPunctuator('}')) {
        const name = this.expectName()
        this.expectPunctuator(':')
        fields.push({name: name.value, value: this.parseValue(constant), location: name.location})
      }

      this.next()
      return {kind: 'object', fields, location}
    }

    throw this.unexpected(token)
  }
}

// Schema: the part of GitHub's GraphQL schema that the fake models.

const SUPPORTED_GRAPHQL = 'the mutation enablePullRequestAutoMerge(input: {pullRequestId, mergeMethod, commitHeadline, commitBody, authorEmail, expectedHeadOid, clientMutationId})'

const MERGE_METHODS = ['MERGE', 'SQUASH', 'REBASE'] as const
type MergeMethod = (typeof MERGE_METHODS)[number]

/** Types of the fields of `EnablePullRequestAutoMergeInput`. */
const AUTO_MERGE_INPUT_FIELDS: Record<string, string> = {
  pullRequestId: 'ID!',
  mergeMethod: 'PullRequestMergeMethod',
  commitHeadline: 'String',
  commitBody: 'String',
  authorEmail: 'String',
  expectedHeadOid: 'GitObjectID',
  clientMutationId: 'String',
}
const AUTO_MERGE_INPUT = 'EnablePullRequestAutoMergeInput'

/** Input types and scalars that variables may have, with the JSON values that each accepts. */
const INPUT_TYPES: Record<string, (value: unknown) => boolean> = {
  ID: (value) => typeof value === 'string' || Number.isInteger(value),
  String: (value) => typeof value === 'string',
  GitObjectID: (value) => typeof value === 'string',
  Int: (value) => Number.isInteger(value),
  Boolean: (value) => typeof value === 'boolean',
  PullRequestMergeMethod: (value) => MERGE_METHODS.includes(value as MergeMethod),
  [AUTO_MERGE_INPUT]: (value) => inputObjectProblem(value) === undefined,
}

/** Pull request with its repository, the source of `PullRequest` fields. */
interface PullRequestSource {
  repository: RepositoryState
  pull: PullRequestState
}

interface GraphQLField {
  /** GraphQL type, such as `Int!` or `PullRequest`. */
  type: string
  resolve(source: never, context: EndpointContext): unknown
}

interface GraphQLObjectType {
  /** Interfaces that fragments may name as their type condition. */
  interfaces: string[]
  fields: Record<string, GraphQLField>
}

function field<Source>(type: string, resolve: (source: Source, context: EndpointContext) => unknown): GraphQLField {
  return {type, resolve: resolve as GraphQLField['resolve']}
}

function pullRequestUrl(context: EndpointContext, {repository, pull}: PullRequestSource): string {
  return `${context.payloads.webUrl}/${repository.owner.login}/${repository.name}/pull/${pull.number}`
}

const GRAPHQL_TYPES: Record<string, GraphQLObjectType> = {
  EnablePullRequestAutoMergePayload: {
    interfaces: [],
    fields: {
      clientMutationId: field<{clientMutationId: string | null}>('String', (source) => source.clientMutationId),
      actor: field<{actor: Account}>('User', (source) => source.actor),
      pullRequest: field<{pullRequest: PullRequestSource}>('PullRequest', (source) => source.pullRequest),
    },
  },
  PullRequest: {
    interfaces: ['Node', 'UniformResourceLocatable'],
    fields: {
      id: field<PullRequestSource>('ID!', ({pull}) => nodeId('PullRequest', pull.id)),
      number: field<PullRequestSource>('Int!', ({pull}) => pull.number),
      title: field<PullRequestSource>('String!', ({pull}) => pull.title),
      url: field<PullRequestSource>('URI!', (source, context) => pullRequestUrl(context, source)),
      state: field<PullRequestSource>('PullRequestState!', ({pull}) => (pull.mergedAt ? 'MERGED' : pull.state.toUpperCase())),
      isDraft: field<PullRequestSource>('Boolean!', ({pull}) => pull.draft),
      merged: field<PullRequestSource>('Boolean!', ({pull}) => Boolean(pull.mergedAt)),
      createdAt: field<PullRequestSource>('DateTime!', ({pull}) => pull.createdAt),
      headRefName: field<PullRequestSource>('String!', ({pull}) => pull.headRef),
      baseRefName: field<PullRequestSource>('String!', ({pull}) => pull.baseRef),
      headRefOid: field<PullRequestSource>('GitObjectID!', ({repository, pull}) => pullRequestHeadSha(repository, pull)),
      autoMergeRequest: field<PullRequestSource>('AutoMergeRequest', (source) => (source.pull.autoMerge ? source : null)),
    },
  },
  AutoMergeRequest: {
    interfaces: [],
    fields: {
      enabledAt: field<PullRequestSource>('DateTime', ({pull}) => pull.autoMerge?.enabledAt),
      mergeMethod: field<PullRequestSource>('PullRequestMergeMethod!', ({pull}) => pull.autoMerge?.mergeMethod),
      commitHeadline: field<PullRequestSource>('String', ({pull}) => pull.autoMerge?.commitTitle),
      commitBody: field<PullRequestSource>('String', ({pull}) => pull.autoMerge?.commitMessage),
      enabledBy: field<PullRequestSource>('User', ({pull}, context) => context.account(pull.autoMerge?.enabledBy as string)),
      pullRequest: field<PullRequestSource>('PullRequest!', (source) => source),
    },
  },
  User: {
    interfaces: ['Actor', 'Node'],
    fields: {
      id: field<Account>('ID!', (account) => nodeId(account.type, account.id)),
      login: field<Account>('String!', (account) => account.login),
      url: field<Account>('URI!', (account, context) => `${context.payloads.webUrl}/${account.login}`),
    },
  },
}

function namedType(type: string): string {
  return type.replace(/[[\]!]/g, '')
}

/** Describes what is wrong with an `EnablePullRequestAutoMergeInput` given as JSON, or returns undefined. */
function inputObjectProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${AUTO_MERGE_INPUT} must be an object`
  for (const [name, fieldValue] of Object.entries(value)) {
    const type = ownValue(AUTO_MERGE_INPUT_FIELDS, name)
    if (type === undefined) return `InputObject '${AUTO_MERGE_INPUT}' doesn't accept argument '${name}'`
    if (fieldValue === null) {
      if (type.endsWith('!')) return `Argument '${name}' on InputObject '${AUTO_MERGE_INPUT}' is required. Expected type ${type}`
      continue
    }

    if (!INPUT_TYPES[namedType(type)](fieldValue)) return `Argument '${name}' on InputObject '${AUTO_MERGE_INPUT}' has an invalid value. Expected type '${type}'`
  }

  if (!Object.hasOwn(value, 'pullRequestId')) return `Argument 'pullRequestId' on InputObject '${AUTO_MERGE_INPUT}' is required. Expected type ID!`
  return undefined
}

// Validation and execution.

interface ExecutionState {
  context: EndpointContext
  viewer: Account
  fragments: Map<string, FragmentNode>
  usedFragments: Set<string>
  variableTypes: Map<string, VariableDefinitionNode>
  variables: Record<string, unknown>
  usedVariables: Set<string>
  errors: Array<Record<string, unknown>>
}

/** Checks a variable used where `expected` is required: same named type, and non-null unless a non-null default exists. */
function checkVariableUsage(state: ExecutionState, value: ValueNode & {kind: 'variable'}, expected: string, argumentName: string): void {
  state.usedVariables.add(value.name)
  const definition = state.variableTypes.get(value.name)
  if (!definition) throw invalidRequest(`Variable $${value.name} is used but not declared`, value.location)

  const nullable = !definition.type.endsWith('!') && (definition.defaultValue === undefined || definition.defaultValue.kind === 'null')
  if (namedType(definition.type) !== namedType(expected) || (expected.endsWith('!') && nullable)) {
    throw invalidRequest(`Type mismatch on variable $${value.name} and argument ${argumentName} (${definition.type} / ${expected})`, value.location)
  }
}

/** Checks a literal or variable given where the input type `type` is expected. */
function checkInputValue(state: ExecutionState, value: ValueNode, type: string, argumentName: string): void {
  if (value.kind === 'variable') {
    checkVariableUsage(state, value, type, argumentName)
    return
  }

  const name = namedType(type)
  const invalid = () => invalidRequest(`Argument '${argumentName}' has an invalid value. Expected type '${type}'`, value.location)
  if (value.kind === 'null') {
    if (type.endsWith('!')) throw invalid()
    return
  }

  if (name === AUTO_MERGE_INPUT) {
    if (value.kind !== 'object') throw invalid()
    for (const input of value.fields) {
      const fieldType = ownValue(AUTO_MERGE_INPUT_FIELDS, input.name)
      if (fieldType === undefined) throw invalidRequest(`InputObject '${AUTO_MERGE_INPUT}' doesn't accept argument '${input.name}'`, input.location)
      checkInputValue(state, input.value, fieldType, input.name)
    }

    if (!value.fields.some((input) => input.name === 'pullRequestId')) {
      throw invalidRequest(`Argument 'pullRequestId' on InputObject '${AUTO_MERGE_INPUT}' is required. Expected type ID!`, value.location)
    }

    return
  }

  const accepted =
    name === 'PullRequestMergeMethod'
      ? value.kind === 'enum' && MERGE_METHODS.includes(value.value as MergeMethod)
      : name === 'ID'
        ? value.kind === 'string' || value.kind === 'int'
        : value.kind === 'string'
  if (!accepted) throw invalid()
}

/** Returns the JSON value of a checked literal or variable. */
function valueOf(state: ExecutionState, value: ValueNode): unknown {
  switch (value.kind) {
    case 'variable':
      return state.variables[value.name] ?? null
    case 'null':
      return null
    case 'int':
    case 'float':
      return Number(value.value)
    case 'list':
      return value.values.map((item) => valueOf(state, item))
    case 'object':
      return Object.fromEntries(value.fields.map((input) => [input.name, valueOf(state, input.value)]))
    default:
      return value.value
  }
}

/** Returns whether `@skip` and `@include` let a selection through. */
function isIncluded(state: ExecutionState, directives: DirectiveNode[]): boolean {
  for (const directive of directives) {
    const condition = directive.arguments.find((argument) => argument.name === 'if')
    const value = condition === undefined ? undefined : valueOf(state, condition.value)
    if (directive.name === 'skip' && value === true) return false
    if (directive.name === 'include' && value === false) return false
  }

  return true
}

function checkDirectives(state: ExecutionState, directives: DirectiveNode[]): void {
  for (const directive of directives) {
    if (directive.name !== 'skip' && directive.name !== 'include') {
      throw unsupportedRequest(`The test server does not support the directive @${directive.name}`, directive.location)
    }

    const [condition, ...others] = directive.arguments
    if (condition?.name !== 'if' || others.length > 0) {
      throw invalidRequest(`Directive @${directive.name} takes exactly the argument 'if'`, directive.location)
    }

    checkInputValue(state, condition.value, 'Boolean!', 'if')
  }
}

function typeConditionApplies(typeName: string, condition: string | undefined): boolean {
  return condition === undefined || condition === typeName || GRAPHQL_TYPES[typeName].interfaces.includes(condition)
}

/** Checks the selections of a fragment spread or inline fragment inside an object of type `typeName`. */
function checkFragment(
  state: ExecutionState,
  typeName: string,
  fragment: {typeCondition: string | undefined; selections: SelectionNode[]; location: SourceLocation},
  visiting: Set<string>,
): void {
  const condition = fragment.typeCondition
  if (typeConditionApplies(typeName, condition)) {
    checkSelections(state, typeName, fragment.selections, visiting)
    return
  }

  if (condition !== undefined && Object.hasOwn(GRAPHQL_TYPES, condition)) {
    throw invalidRequest(`Fragment on ${condition} can't be spread inside ${typeName}`, fragment.location)
  }

  throw unsupportedRequest(`The test server does not model the type ${condition}; it supports only ${SUPPORTED_GRAPHQL}`, fragment.location)
}

/** Checks a selection set against an object type of the modelled schema, before anything runs. */
function checkSelections(state: ExecutionState, typeName: string, selections: SelectionNode[], visiting: Set<string>): void {
  for (const selection of selections) {
    checkDirectives(state, selection.directives)
    if (selection.kind === 'inline') {
      checkFragment(state, typeName, selection, visiting)
      continue
    }

    if (selection.kind === 'spread') {
      const fragment = state.fragments.get(selection.name)
      if (!fragment) throw invalidRequest(`Fragment ${selection.name} was used, but not defined`, selection.location)
      if (visiting.has(selection.name)) throw invalidRequest(`Fragment ${selection.name} contains an infinite loop`, selection.location)

      state.usedFragments.add(selection.name)
      checkDirectives(state, fragment.directives)
      checkFragment(state, typeName, fragment, new Set([...visiting, selection.name]))
      continue
    }

    if (selection.name === '__typename') continue
    const definition = ownValue(GRAPHQL_TYPES[typeName].fields, selection.name)
    if (!definition) {
      const known = Object.keys(GRAPHQL_TYPES[typeName].fields).join(', ')
      throw unsupportedRequest(`The test server does not model the field '${selection.name}' of type '${typeName}'; it models ${known}`, selection.location)
    }

    if (selection.arguments.length > 0) {
      throw unsupportedRequest(`The test server does not model arguments of the field '${selection.name}' of type '${typeName}'`, selection.location)
    }

    const fieldType = namedType(definition.type)
    const isObject = Object.hasOwn(GRAPHQL_TYPES, fieldType)
    if (isObject && selection.selections === undefined) {
      throw invalidRequest(`Field must have selections (field '${selection.name}' returns ${fieldType} but has no selections. Did you mean '${selection.name} { ... }'?)`, selection.location)
    }

    if (!isObject && selection.selections !== undefined) {
      throw invalidRequest(`Selections can't be made on scalars (field '${selection.name}' returns ${fieldType} but has selections)`, selection.location)
    }

    if (isObject) checkSelections(state, fieldType, selection.selections as SelectionNode[], visiting)
  }
}

/** Collects the fields of a selection set that apply to `typeName`, expanding fragments and applying `@skip` and `@include`. */
function collectFields(state: ExecutionState, typeName: string, selections: SelectionNode[]): FieldNode[] {
  const fields: FieldNode[] = []
  for (const selection of selections) {
    if (!isIncluded(state, selection.directives)) continue
    if (selection.kind === 'field') {
      fields.push(selection)
      continue
    }

    const fragment = selection.kind === 'spread' ? (state.fragments.get(selection.name) as FragmentNode) : selection
    if (typeConditionApplies(typeName, fragment.typeCondition)) fields.push(...collectFields(state, typeName, fragment.selections))
  }

  return fields
}

/** Resolves the selected fields of an object, merging fields that share a response key. */
function executeSelections(state: ExecutionState, typeName: string, source: unknown, selections: SelectionNode[]): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const selection of collectFields(state, typeName, selections)) {
    const key = selection.alias ?? selection.name
    if (selection.name === '__typename') {
      result[key] = typeName
      continue
    }

    const definition = GRAPHQL_TYPES[typeName].fields[selection.name]
    const value = definition.resolve(source as never, state.context) ?? null
    const fieldType = namedType(definition.type)
    if (value === null || !Object.hasOwn(GRAPHQL_TYPES, fieldType)) {
      result[key] = value
      continue
    }

    const previous = result[key] as Record<string, unknown> | undefined
    result[key] = {...previous, ...executeSelections(state, fieldType, value, selection.selections as SelectionNode[])}
  }

  return result
}

/** Finds a pull request that `viewer` can see by its node id, or throws GitHub's NOT_FOUND error message. */
function pullRequestByNodeId(state: ExecutionState, id: string): PullRequestSource {
  for (const repository of state.context.visibleRepositories(state.viewer)) {
    const pull = repository.pullRequests.find((candidate) => nodeId('PullRequest', candidate.id) === id)
    if (pull) return {repository, pull}
  }

  const decoded = /^0\d+:([A-Za-z]+?)\d+$/.exec(Buffer.from(id, 'base64').toString('latin1'))
  if (decoded && decoded[1] !== 'PullRequest') {
    throw new GraphQLExecutionError('NOT_FOUND', `Could not resolve to PullRequest node with the global id of '${id}'.`)
  }

  throw new GraphQLExecutionError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'.`)
}

/** Default commit title and message of an auto-merge, as GitHub would fill them in. */
function defaultAutoMergeCommit(source: PullRequestSource, method: MergeMethod): {title: string; message: string} {
  const {repository, pull} = source
  if (method === 'MERGE') return {title: `Merge pull request #${pull.number} from ${repository.owner.login}/${pull.headRef}`, message: pull.title}
  if (method === 'SQUASH') return {title: `${pull.title} (#${pull.number})`, message: pull.body ?? ''}
  return {title: '', message: ''}
}

/**
 * Runs `enablePullRequestAutoMerge` and returns the source of its payload.
 *
 * NOTE: "Pull request Auto merge is not allowed for this repository" and
 * the NOT_FOUND messages are GitHub's words, though some reports show the
 * first without its "Pull request" prefix. The messages for a closed pull
 * request and a moved head are unverified. The fake enables auto-merge on
 * drafts and on pull requests that could merge at once, which GitHub may
 * reject ("Pull request is in clean status").
 */
function enableAutoMerge(state: ExecutionState, input: Record<string, unknown>): Record<string, unknown> {
  const source = pullRequestByNodeId(state, String(input.pullRequestId))
  const {repository, pull} = source
  if (!repository.allowAutoMerge) throw new GraphQLExecutionError('UNPROCESSABLE', 'Pull request Auto merge is not allowed for this repository')
  if (pull.state !== 'open') throw new GraphQLExecutionError('UNPROCESSABLE', 'Pull request is not open')

  const headSha = pullRequestHeadSha(repository, pull)
  if (typeof input.expectedHeadOid === 'string' && input.expectedHeadOid.toLowerCase() !== headSha) {
    throw new GraphQLExecutionError('UNPROCESSABLE', `Head commit ${headSha} does not match the expected head ${input.expectedHeadOid}`)
  }

  const mergeMethod = (input.mergeMethod as MergeMethod | null | undefined) ?? 'MERGE'
  const defaults = defaultAutoMergeCommit(source, mergeMethod)
  const now = state.context.now()
  pull.autoMerge = {
    enabledBy: state.viewer.login,
    mergeMethod,
    commitTitle: (input.commitHeadline as string | null | undefined) ?? defaults.title,
    commitMessage: (input.commitBody as string | null | undefined) ?? defaults.message,
    enabledAt: now,
  }
  pull.updatedAt = now
  return {clientMutationId: input.clientMutationId ?? null, actor: state.viewer, pullRequest: source}
}

/** Result of a GraphQL request: the body to send with status 200, and why the request failed, if it did. */
export interface GraphQLResult {
  body: Record<string, unknown>
  /** Why GitHub would reject the request: broken syntax, or wrong arguments or variables of the supported mutation. */
  invalid?: string
  /** What the request asked for that the fake does not implement. */
  unsupported?: string
}

/** Picks the operation to run: the one named `operationName`, or the only one. */
function selectOperation(definitions: Array<OperationNode | FragmentNode>, operationName: string | null | undefined): OperationNode {
  const operations = definitions.filter((definition): definition is OperationNode => definition.kind === 'operation')
  if (operationName !== undefined && operationName !== null) {
    const named = operations.find((operation) => operation.name === operationName)
    if (!named) throw invalidRequest(`No operation named "${operationName}"`)
    return named
  }

  if (operations.length !== 1) throw invalidRequest(operations.length === 0 ? 'No operations in query document' : 'An operation name is required')
  return operations[0]
}

/** Coerces the request's variables to the declared types, filling in defaults. */
function coerceVariables(state: ExecutionState, operation: OperationNode, provided: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const definition of operation.variables) {
    const typeName = namedType(definition.type)
    if (definition.type.startsWith('[') || !Object.hasOwn(INPUT_TYPES, typeName)) {
      throw unsupportedRequest(`The test server does not model the variable type ${definition.type} of $${definition.name}`, definition.location)
    }

    let value: unknown
    if (Object.hasOwn(provided, definition.name)) value = provided[definition.name]
    else if (definition.defaultValue !== undefined) value = valueOf(state, definition.defaultValue)
    if (value === undefined || value === null) {
      if (definition.type.endsWith('!')) throw invalidRequest(`Variable $${definition.name} of type ${definition.type} was provided invalid value`, definition.location)
      continue
    }

    if (!INPUT_TYPES[typeName](value)) {
      const problem = typeName === AUTO_MERGE_INPUT ? ` (${inputObjectProblem(value)})` : ''
      throw invalidRequest(`Variable $${definition.name} of type ${definition.type} was provided invalid value${problem}`, definition.location)
    }

    values[definition.name] = value
  }

  return values
}

/** Checks the root fields of a mutation, which may only be `enablePullRequestAutoMerge` and `__typename`. */
function checkMutationFields(state: ExecutionState, selections: SelectionNode[]): void {
  for (const selection of selections) {
    checkDirectives(state, selection.directives)
    if (selection.kind !== 'field') throw unsupportedRequest(`The test server does not support fragments on the mutation root; it supports only ${SUPPORTED_GRAPHQL}`, selection.location)
    if (selection.name === '__typename') continue
    if (selection.name !== 'enablePullRequestAutoMerge') {
      throw unsupportedRequest(`The test server does not implement the mutation ${selection.name}; it supports only ${SUPPORTED_GRAPHQL}`, selection.location)
    }

    const [input, ...others] = selection.arguments
    if (others.length > 0 || (input !== undefined && input.name !== 'input')) {
      const extra = others.length > 0 ? others[0] : input
      throw invalidRequest(`Field 'enablePullRequestAutoMerge' doesn't accept argument '${extra.name}'`, extra.location)
    }

    if (input === undefined) throw invalidRequest(`Field 'enablePullRequestAutoMerge' is missing required arguments: input`, selection.location)
    checkInputValue(state, input.value, `${AUTO_MERGE_INPUT}!`, 'input')
    if (selection.selections === undefined) {
      throw invalidRequest(`Field must have selections (field 'enablePullRequestAutoMerge' returns EnablePullRequestAutoMergePayload but has no selections. Did you mean 'enablePullRequestAutoMerge { ... }'?)`, selection.location)
    }

    checkSelections(state, 'EnablePullRequestAutoMergePayload', selection.selections, new Set())
  }
}

/**
 * Runs the body of a POST to GitHub's GraphQL endpoint: checks its shape,
 * parses and checks the query, and runs `enablePullRequestAutoMerge` as
 * `viewer`. Like GitHub, it reports every failure in an `errors` array.
 */
export function executeGraphQL(context: EndpointContext, body: unknown, viewer: Account): GraphQLResult {
  const request = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>
  const problem =
    typeof request.query !== 'string'
      ? 'A query attribute must be specified and must be a string.'
      : request.variables !== undefined && request.variables !== null && (typeof request.variables !== 'object' || Array.isArray(request.variables))
        ? 'Variables must be a JSON object.'
        : request.operationName !== undefined && request.operationName !== null && typeof request.operationName !== 'string'
          ? 'operationName must be a string.'
          : undefined
  if (problem !== undefined) return {body: {errors: [{message: problem}]}, invalid: problem}

  const state: ExecutionState = {
    context,
    viewer,
    fragments: new Map(),
    usedFragments: new Set(),
    variableTypes: new Map(),
    variables: {},
    usedVariables: new Set(),
    errors: [],
  }

  let operation: OperationNode
  try {
    const definitions = new GraphQLParser(request.query as string).parseDocument()
    for (const definition of definitions) {
      if (definition.kind === 'fragment') state.fragments.set(definition.name, definition)
    }

    operation = selectOperation(definitions, request.operationName as string | null | undefined)
    const singleOperation = definitions.filter((definition) => definition.kind === 'operation').length === 1
    for (const definition of operation.variables) state.variableTypes.set(definition.name, definition)
    if (operation.operation !== 'mutation') {
      throw unsupportedRequest(`The test server does not implement ${operation.operation} operations; it supports only ${SUPPORTED_GRAPHQL}`, operation.location)
    }

    checkMutationFields(state, operation.selections)
    // Only the selected operation is checked, so unused fragments are found only in a document with one operation.
    const unusedFragment = [...state.fragments.values()].find((fragment) => !state.usedFragments.has(fragment.name))
    if (singleOperation && unusedFragment) throw invalidRequest(`Fragment ${unusedFragment.name} was defined, but not used`, unusedFragment.location)
    const unused = operation.variables.find((definition) => !state.usedVariables.has(definition.name))
    if (unused) throw invalidRequest(`Variable $${unused.name} is declared by ${operation.name ?? 'anonymous mutation'} but not used`, unused.location)
    state.variables = coerceVariables(state, operation, (request.variables ?? {}) as Record<string, unknown>)
  } catch (error) {
    if (!(error instanceof GraphQLRequestError)) throw error
    const body = {errors: [{message: error.message, locations: error.locations}]}
    return error.kind === 'invalid' ? {body, invalid: error.message} : {body, unsupported: error.message}
  }

  // A mutation runs its root fields one after another, as the GraphQL specification requires.
  const data: Record<string, unknown> = {}
  for (const selection of collectFields(state, 'Mutation', operation.selections)) {
    const key = selection.alias ?? selection.name
    if (selection.name === '__typename') {
      data[key] = 'Mutation'
      continue
    }

    const input = valueOf(state, selection.arguments[0].value) as Record<string, unknown>
    try {
      const payload = enableAutoMerge(state, input)
      data[key] = executeSelections(state, 'EnablePullRequestAutoMergePayload', payload, selection.selections as SelectionNode[])
    } catch (error) {
      if (!(error instanceof GraphQLExecutionError)) throw error
      data[key] = null
      state.errors.push({type: error.type, path: [key], locations: [selection.location], message: error.message})
    }
  }

  return {body: state.errors.length > 0 ? {data, errors: state.errors} : {data}}
}

/** Handlers by operationId. */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  ...gitEndpoints,
  ...contentEndpoints,
  ...pullEndpoints,
  ...reviewEndpoints,
  ...statusEndpoints,
  ...accountEndpoints,
}
