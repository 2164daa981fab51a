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
  diffTrees,
  findMergeBase,
  isValidTreePath,
  signatureAt,
  type BlobMode,
  type EntryMode,
  type LeafEntry,
  type Signature,
} from './github-git.js'
import {
  authenticatedUserPayload,
  blobPayload,
  gitCommitPayload,
  gitRefPayload,
  gitTreePayload,
  labelPayload,
  pullRequestPayload,
  repositoryPayload,
  restCommitPayload,
  teamFullPayload,
  userPayload,
  type PayloadContext,
  type PullRequestStats,
} from './github-payloads.js'
import {
  branchSha,
  pullRequestHeadSha,
  resolveCommitish,
  type Account,
  type LabelState,
  type PullRequestState,
  type RepositoryState,
  type TeamState,
} from './github-state.js'

/** Error response in GitHub's shape: `message`, optional `errors`, and the operation's documentation link. */
export class ApiError extends Error {
  readonly status: number
  readonly errors: Array<Record<string, string>> | undefined

  constructor(status: number, message: string, errors?: Array<Record<string, string>>) {
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

function pullRequestStats(repository: RepositoryState, pull: PullRequestState): PullRequestStats {
  const head = pullRequestHeadSha(repository, pull)
  const base = branchSha(repository, pull.baseRef) ?? head
  const mergeBase = findMergeBase(repository.git, base, head)
  const commits = repository.git.countCommitsBetween(base, head)
  const headTree = repository.git.commit(head)?.tree
  const baseTree = mergeBase === undefined ? undefined : repository.git.commit(mergeBase)?.tree
  if (headTree === undefined || baseTree === undefined) return {commits, additions: 0, deletions: 0, changedFiles: 0}

  return {commits, ...diffTrees(repository.git, baseTree, headTree)}
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
    // stores no comments or activity.
    const key = (pull: PullRequestState) => (sort === 'updated' ? pull.updatedAt : pull.createdAt)
    pulls = [...pulls].sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number)
    if (direction === 'desc') pulls.reverse()

    const requestedPerPage = Number(query.get('per_page') ?? DEFAULT_PER_PAGE)
    const perPage = requestedPerPage < 1 ? DEFAULT_PER_PAGE : Math.min(requestedPerPage, MAX_PER_PAGE)
    const page = Math.max(Number(query.get('page') ?? 1), 1)
    const lastPage = Math.max(Math.ceil(pulls.length / perPage), 1)
    const body = pulls
      .slice((page - 1) * perPage, page * perPage)
      .map((pull) => pullPayload(context, repository, pull, 'simple'))

    const headers: Record<string, string> = {}
    const link = linkHeader(request.url, query, page, lastPage)
    if (link !== undefined) headers.link = link
    return {status: 200, body, headers}
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

  'repos/get-combined-status-for-ref'(context, request) {
    const repository = repositoryOf(context, request)
    const sha = resolveCommitish(repository, request.params.ref)
    if (!sha) throw notFound()
    const base = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}`
    const statuses = (repository.statuses?.get(sha) ?? []).map((status) => ({
      id: status.id,
      node_id: `SC_${status.id}`,
      url: `${base}/statuses/${sha}`,
      avatar_url: null,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
    }))
    // GitHub combines: any error or failure fails, any pending (or none at all) is pending.
    const states = statuses.map((status) => status.state)
    const state = states.some((item) => item === 'error' || item === 'failure') ? 'failure' : states.length === 0 || states.includes('pending') ? 'pending' : 'success'
    return {
      status: 200,
      body: {state, sha, total_count: statuses.length, statuses, repository: repositoryPayload(context.payloads, repository), commit_url: `${base}/commits/${sha}`, url: `${base}/commits/${sha}/status`},
    }
  },

  'pulls/list-reviews'(context, request) {
    const repository = repositoryOf(context, request)
    const pull = pullRequestOf(repository, request.params.pull_number)
    const base = `${context.payloads.apiUrl}/repos/${repository.owner.login}/${repository.name}/pulls/${pull.number}`
    const html = `${context.payloads.webUrl}/${repository.owner.login}/${repository.name}/pull/${pull.number}`
    const reviews = (pull.reviews ?? []).map((review) => ({
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: userPayload(context.payloads, context.account(review.login)),
      body: '',
      state: review.state,
      html_url: `${html}#pullrequestreview-${review.id}`,
      pull_request_url: base,
      _links: {html: {href: `${html}#pullrequestreview-${review.id}`}, pull_request: {href: base}},
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
      author_association: 'MEMBER',
    }))
    return {status: 200, body: reviews}
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

/** Handlers by operationId. */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  ...gitEndpoints,
  ...pullEndpoints,
  ...accountEndpoints,
}
