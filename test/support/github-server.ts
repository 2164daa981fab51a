/**
 * Stateful fake of GitHub's REST API for tests, served on 127.0.0.1.
 *
 * Every request and every response that the fake builds is checked against
 * GitHub's OpenAPI description of api.github.com (see openapi-validator.ts).
 * A request that breaks the description is recorded in `violations` and gets
 * a 500, so a client that sends what GitHub would reject fails its tests.
 *
 * The GraphQL endpoint supports only the mutation `enablePullRequestAutoMerge`.
 * GitHub's OpenAPI description does not cover GraphQL, so the fake checks
 * those requests itself and records a malformed one in `violations` too.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {
  ApiError,
  ENDPOINTS,
  executeGraphQL,
  type Endpoint,
  type EndpointContext,
  type EndpointResponse,
} from './github-endpoints.js'
import {GitObjectStore, isValidTreePath, signatureAt, type BlobMode, type LeafEntry} from './github-git.js'
import {errorPayload, type PayloadContext} from './github-payloads.js'
import {
  branchSha,
  resolveCommitish,
  type Account,
  type PullRequestState,
  type RepositoryState,
  type TeamState,
} from './github-state.js'
import {
  formatSchemaErrors,
  loadGitHubDescription,
  type OpenApiDescription,
  type Operation,
  type ValidationFailure,
  type ViolationPart,
} from './openapi-validator.js'
import type {ErrorObject} from 'ajv'

/** Options of `GitHubTestServer.start`. */
export interface StartOptions {
  /**
   * Path under which the API is served, such as `/api/v3` for a GitHub
   * Enterprise Server-like layout. Other paths then act as the web UI:
   * `GET /` returns an HTML page.
   */
  pathPrefix?: string
  /** Clock for timestamps and commit dates. Defaults to the system clock. */
  now?: () => Date
  /** Milliseconds added before every API response, to measure round trips as on a network. */
  latencyMs?: number
}

/** Content of a seeded file: UTF-8 text with mode `100644`, or content with an optional mode. */
export type FileSpec = string | {content: string | Buffer; mode?: BlobMode}

/** Options of `createRepository`. */
export interface CreateRepositoryOptions {
  owner: string
  name: string
  /** Branch that receives the initial commit. Defaults to `main`. */
  defaultBranch?: string
  /** Files of the initial commit, keyed by path such as `modules/vpc/main.tf`. */
  files?: Record<string, FileSpec>
  private?: boolean
  /** Logins that can see the repository. Other tokens get 404. Defaults to everyone. */
  visibleTo?: string[]
  /** Account type of the owner when the server has not seen it yet. Defaults to `Organization`. */
  ownerType?: 'User' | 'Organization'
  /** Whether pull requests may enable auto-merge ("Allow auto-merge" in the settings). Defaults to true. */
  allowAutoMerge?: boolean
}

/** Options of `pushCommit`. */
export interface PushCommitOptions {
  owner: string
  repo: string
  /** Branch to advance. A missing branch starts from the default branch. */
  branch: string
  /** Files to write, or `null` to delete a file. Other files stay as they are. */
  files: Record<string, FileSpec | null>
  message?: string
}

/** Identity of a token added with `addToken`. */
export interface TokenOptions {
  login: string
  /** OAuth scopes, sent back in the `x-oauth-scopes` header when given. */
  scopes?: string[]
  /**
   * A GitHub App installation token, which acts as the App's bot account (`login` such as
   * `idp-gate[bot]`): GitHub returns 403 for `GET /user` with it.
   */
  installation?: boolean
}

/** Entry of `requests`, in arrival order. */
export interface RequestLogEntry {
  method: string
  /**
   * Request path as sent, still percent-encoded, without query and without
   * the `pathPrefix`. GraphQL requests are logged as `/graphql`, also where
   * they went to `/api/graphql` beside a `/api/v3` prefix.
   */
  path: string
  /** Query parameters; a parameter given more than once has an array of values. */
  query: Record<string, string | string[]>
  /** Parsed JSON body, the raw text when it is not JSON, or undefined without a body. */
  body: unknown
  /** Status sent, or null when the connection was dropped or no response was sent yet. */
  status: number | null
  /** `performance.now()` when the request arrived and when its response was sent. */
  receivedAt?: number
  respondedAt?: number
}

/**
 * Breach of GitHub's OpenAPI description, a GraphQL request that GitHub would
 * reject (`part: 'graphql'`), or a failure inside the fake itself (`part: 'handler'`).
 */
export interface Violation {
  method: string
  path: string
  /** Operation of the description that the request matched, or `graphql`. */
  operationId: string
  part: ViolationPart | 'handler' | 'graphql'
  message: string
  errors: ErrorObject[]
}

/** Request that the fake does not implement, including GraphQL queries other than the supported mutation. */
export interface UnhandledRequest {
  method: string
  path: string
  query: Record<string, string | string[]>
  body: unknown
  /** Operation of the description when GitHub has this endpoint but the fake does not implement it. */
  operationId: string | undefined
}

/** Response to send instead of the real one, given to `inject`. */
export interface Fault {
  /** HTTP method to match. Defaults to any method. */
  method?: string
  /** Path template (`/repos/{owner}/{repo}/pulls`) or request path (`/repos/acme/infra/pulls`) to match. */
  path: string
  /** Status to send. Required unless `drop` is set. */
  status?: number
  /** Headers to add to the response, such as `retry-after`. */
  headers?: Record<string, string>
  /** JSON body. Defaults to GitHub's error body with the status's reason phrase. */
  body?: unknown
  /** Number of matching requests that get the fault. Defaults to 1. */
  times?: number
  /** Destroys the socket instead of responding. */
  drop?: boolean
  /** Milliseconds to wait before responding. Without `status` or `drop` the real response follows. */
  delayMs?: number
}

/** File of a tree, as `filesAt` returns it. */
export interface FileAtRef {
  content: string
  mode: BlobMode
}

/** Pull request, as `pullRequests` returns it. */
export interface PullRequestSummary {
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  draft: boolean
  head: string
  base: string
  labels: string[]
  requestedReviewers: string[]
  requestedTeams: string[]
  /** Auto-merge while enabled: the merge method and the login that enabled it. */
  autoMerge: {mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE'; enabledBy: string} | null
}

/** Commit status, as `statusesOf` returns it. */
export interface CommitStatusSummary {
  context: string
  state: 'error' | 'failure' | 'pending' | 'success'
  targetUrl: string | null
  description: string | null
  /** Login of the token's user that created it, or null for a status added with `addStatus`. */
  creator: string | null
  createdAt: string
}

/** Comment on a pull request's conversation, as `commentsOf` returns it. */
export interface CommentSummary {
  id: number
  /** Login of the author. */
  user: string
  body: string
  createdAt: string
}

/** User of every token while no token was added with `addToken`. */
const DEFAULT_LOGIN = 'octocat'
const MISSING_TOKEN_MESSAGE = 'Requires authentication'
const RATE_LIMIT = 5000
const GENERIC_DOCUMENTATION_URL = 'https://docs.github.com/rest'
const GRAPHQL_DOCUMENTATION_URL = 'https://docs.github.com/graphql'
/** Path under which the request log records GraphQL requests. */
const GRAPHQL_LOG_PATH = '/graphql'
/**
 * Statuses that GitHub sends for any operation, even where the description
 * does not declare them: 401 for a missing or bad token, 404 for a
 * repository that does not exist or that the token cannot see.
 */
const IMPLICIT_STATUSES: ReadonlySet<number> = new Set([401, 404])

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Bad credentials',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Failed',
  429: 'Too Many Requests',
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

const WEB_UI_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>GitHub Enterprise</title></head>
<body><h1>GitHub Enterprise</h1><p>Sign in to continue.</p></body>
</html>
`

interface PendingFault {
  fault: Fault
  remaining: number
}

interface TokenState {
  login: string
  scopes: string[] | undefined
  installation?: boolean
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return ''
  const withSlash = prefix.startsWith('/') ? prefix : `/${prefix}`
  return withSlash.replace(/\/+$/, '')
}

/**
 * Returns the path of the GraphQL endpoint for an API path prefix: GitHub
 * Enterprise Server serves REST under `/api/v3` and GraphQL at `/api/graphql`,
 * which is also where Octokit sends GraphQL for such a base URL.
 */
function graphQLPath(prefix: string): string {
  return /\/api\/v3$/.test(prefix) ? prefix.replace(/\/v3$/, '/graphql') : `${prefix}/graphql`
}

function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {}
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name)
    record[name] = values.length === 1 ? values[0] : values
  }

  return record
}

function fileContent(spec: FileSpec): {content: Buffer; mode: BlobMode} {
  if (typeof spec === 'string') return {content: Buffer.from(spec, 'utf8'), mode: '100644'}
  const content = typeof spec.content === 'string' ? Buffer.from(spec.content, 'utf8') : spec.content
  return {content, mode: spec.mode ?? '100644'}
}

function formatIso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function isVisible(repository: RepositoryState, viewer: Account): boolean {
  return repository.visibleTo === undefined || repository.visibleTo.includes(viewer.login.toLowerCase())
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Fake of api.github.com for tests; see the file header. */
export class GitHubTestServer {
  /** Base URL to give Octokit as `baseUrl`, without trailing slash. */
  readonly url: string
  /** Every request received, in arrival order. */
  readonly requests: RequestLogEntry[] = []
  /** Breaches of the OpenAPI description and failures of the fake. */
  readonly violations: Violation[] = []
  /** Requests for endpoints that the fake does not implement, each sent a 404. */
  readonly unhandled: UnhandledRequest[] = []

  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly description: OpenApiDescription
  private readonly pathPrefix: string
  private readonly graphQLPath: string
  private readonly clock: () => Date
  private readonly payloads: PayloadContext
  private readonly context: EndpointContext

  private readonly accounts = new Map<string, Account>()
  private readonly tokens = new Map<string, TokenState>()
  private readonly repositories = new Map<string, RepositoryState>()
  private readonly teams = new Map<string, TeamState>()
  private readonly faults: PendingFault[] = []
  private readonly rateLimitUsed = new Map<string, number>()
  private readonly rateLimitReset: number
  private lastId = 1000
  private requestCount = 0
  private readonly latencyMs: number

  private constructor(server: Server, options: StartOptions, description: OpenApiDescription) {
    this.server = server
    this.description = description
    this.pathPrefix = normalizePrefix(options.pathPrefix)
    this.graphQLPath = graphQLPath(this.pathPrefix)
    this.clock = options.now ?? (() => new Date())
    this.latencyMs = options.latencyMs ?? 0
    this.rateLimitReset = Math.floor(this.clock().getTime() / 1000) + 3600

    const {port} = server.address() as AddressInfo
    const origin = `http://127.0.0.1:${port}`
    this.url = origin + this.pathPrefix
    this.payloads = {apiUrl: this.url, webUrl: origin}
    this.context = this.createEndpointContext()

    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: unknown) => {
        // Only a failure while writing the response lands here, so the socket is closed.
        response.destroy(error instanceof Error ? error : new Error(String(error)))
      })
    })
  }

  /** Loads the OpenAPI description (once per process) and starts listening on a random port of 127.0.0.1. */
  static async start(options: StartOptions = {}): Promise<GitHubTestServer> {
    const description = loadGitHubDescription()
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return new GitHubTestServer(server, options, description)
  }

  /** Stops listening and destroys every open socket, so the process can exit. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()))
    })
    for (const socket of this.sockets) socket.destroy()
    this.server.closeAllConnections()
    await closed
  }

  // Seeding -------------------------------------------------------------------

  /** Creates a repository with one initial commit of `files` on its default branch, and returns that commit's id. */
  createRepository(options: CreateRepositoryOptions): string {
    const key = `${options.owner}/${options.name}`.toLowerCase()
    if (this.repositories.has(key)) throw new Error(`repository ${options.owner}/${options.name} already exists`)

    const owner = this.account(options.owner, options.ownerType ?? 'Organization')
    const now = this.now()
    const repository: RepositoryState = {
      id: this.nextId(),
      owner,
      name: options.name,
      private: options.private ?? false,
      defaultBranch: options.defaultBranch ?? 'main',
      visibleTo: options.visibleTo?.map((login) => login.toLowerCase()),
      allowAutoMerge: options.allowAutoMerge ?? true,
      git: new GitObjectStore(),
      refs: new Map(),
      labels: new Map(),
      pullRequests: [],
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
    }

    const leaves = new Map<string, LeafEntry>()
    this.writeFiles(repository, leaves, options.files ?? {})
    const sha = this.commitLeaves(repository, leaves, [], 'Initial commit')
    repository.refs.set(`refs/heads/${repository.defaultBranch}`, sha)
    this.repositories.set(key, repository)
    return sha
  }

  /** Adds a commit on top of a branch, as a push from outside the client would, and returns its id. */
  pushCommit(options: PushCommitOptions): string {
    const repository = this.repositoryState(options.owner, options.repo)
    const parent = branchSha(repository, options.branch) ?? branchSha(repository, repository.defaultBranch)
    if (parent === undefined) throw new Error(`repository ${options.owner}/${options.repo} has no default branch`)

    const leaves = repository.git.flattenTree(repository.git.commit(parent)?.tree as string)
    const deleted = Object.keys(options.files).filter((path) => options.files[path] === null)
    for (const path of deleted) {
      if (!leaves.delete(path)) throw new Error(`cannot delete ${path}: it is not a file at ${options.branch}`)
    }

    const written = Object.entries(options.files).filter((entry): entry is [string, FileSpec] => entry[1] !== null)
    this.writeFiles(repository, leaves, Object.fromEntries(written))
    const sha = this.commitLeaves(repository, leaves, [parent], options.message ?? 'Update files')
    repository.refs.set(`refs/heads/${options.branch}`, sha)
    repository.pushedAt = this.now()
    return sha
  }

  /** Adds team `slug` to organization `org`, so that it can be requested as reviewer. */
  addTeam(org: string, slug: string, name: string = slug): void {
    this.account(org, 'Organization')
    this.teams.set(`${org}/${slug}`.toLowerCase(), {id: this.nextId(), org, slug, name, createdAt: this.now()})
  }

  /** Makes `login` a member of the team `org/slug`, which must exist. */
  addTeamMember(org: string, slug: string, login: string): void {
    const team = this.teams.get(`${org}/${slug}`.toLowerCase())
    if (!team) throw new Error(`team ${org}/${slug} does not exist`)
    this.account(login)
    team.members = [...(team.members ?? []), login]
  }

  /**
   * Sets a commit status on commit `sha`, as a CI system would. Earlier
   * statuses stay in the commit's list, and the latest of each context counts
   * in the combined status.
   */
  addStatus(
    owner: string,
    repo: string,
    sha: string,
    status: {context: string; state: 'error' | 'failure' | 'pending' | 'success'; targetUrl?: string; description?: string},
  ): void {
    const repository = this.repositoryState(owner, repo)
    repository.statuses ??= new Map()
    const list = repository.statuses.get(sha) ?? []
    list.push({
      id: this.nextId(),
      context: status.context,
      state: status.state,
      targetUrl: status.targetUrl ?? null,
      description: status.description ?? null,
      creator: null,
      createdAt: this.now(),
    })
    repository.statuses.set(sha, list)
  }

  /** Adds or replaces the check run `name` on commit `sha`. */
  addCheckRun(owner: string, repo: string, sha: string, run: {name: string; status: 'queued' | 'in_progress' | 'completed'; conclusion?: 'success' | 'failure'; detailsUrl?: string}): void {
    const repository = this.repositoryState(owner, repo)
    repository.checkRuns ??= new Map()
    const list = (repository.checkRuns.get(sha) ?? []).filter((existing) => existing.name !== run.name)
    const completed = run.status === 'completed'
    list.push({id: this.nextId(), name: run.name, status: run.status, conclusion: completed ? (run.conclusion ?? 'success') : null, detailsUrl: run.detailsUrl ?? null, startedAt: this.now(), completedAt: completed ? this.now() : null})
    repository.checkRuns.set(sha, list)
  }

  /** Records a review of pull request `number` by `login` on commit `commitId` (default: its head). */
  addReview(owner: string, repo: string, number: number, review: {login: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED'; commitId?: string}): void {
    const repository = this.repositoryState(owner, repo)
    const pull = repository.pullRequests.find((candidate) => candidate.number === number)
    if (!pull) throw new Error(`pull request #${number} does not exist`)
    this.account(review.login)
    const head = repository.refs.get(`refs/heads/${pull.headRef}`) ?? pull.headSha
    pull.reviews = [...(pull.reviews ?? []), {id: this.nextId(), login: review.login, state: review.state, commitId: review.commitId ?? head, submittedAt: this.now()}]
  }

  /** Marks pull request `number` as merged and closed, which also ends its auto-merge. */
  mergePullRequest(owner: string, repo: string, number: number): void {
    const pull = this.pullRequestState(owner, repo, number)
    pull.state = 'closed'
    pull.mergedAt = this.now()
    pull.closedAt = pull.mergedAt
    pull.autoMerge = null
  }

  /**
   * Sets when pull request `number` was created, such as a date in the past
   * to make it old. The pull request's `updated_at` stays as it is, and the
   * `now` option of `start` sets the clock of everything else.
   */
  setPullRequestCreatedAt(owner: string, repo: string, number: number, date: Date | string): void {
    const time = typeof date === 'string' ? new Date(date) : date
    if (Number.isNaN(time.getTime())) throw new Error(`invalid date ${String(date)} for pull request #${number}`)
    this.pullRequestState(owner, repo, number).createdAt = formatIso(time)
  }

  /**
   * Adds a valid token for `login`. Once a token was added, requests with
   * any other token get 401; before that, every token is `octocat`'s.
   */
  addToken(token: string, options: TokenOptions): void {
    this.account(options.login, 'User')
    this.tokens.set(token, {login: options.login, scopes: options.scopes, installation: options.installation})
  }

  /** Makes the next `times` requests that match `fault` get its response, or lose their connection with `drop`. */
  inject(fault: Fault): void {
    if (!fault.drop && fault.status === undefined && fault.delayMs === undefined) throw new Error('inject needs a status unless drop or delayMs is set')
    this.faults.push({fault, remaining: fault.times ?? 1})
  }

  // Inspection ----------------------------------------------------------------

  /** Returns the commit id of a branch, or undefined when the branch does not exist. */
  branch(owner: string, repo: string, name: string): string | undefined {
    return branchSha(this.repositoryState(owner, repo), name)
  }

  /** Returns the files (blobs) of a branch, `heads/<branch>` ref or commit id, keyed by path. */
  filesAt(owner: string, repo: string, ref: string): Record<string, FileAtRef> {
    const repository = this.repositoryState(owner, repo)
    const sha = resolveCommitish(repository, ref)
    const commit = sha === undefined ? undefined : repository.git.commit(sha)
    if (!commit) throw new Error(`ref ${ref} is not a branch or commit of ${owner}/${repo}`)

    const files: Record<string, FileAtRef> = {}
    for (const [path, leaf] of repository.git.flattenTree(commit.tree)) {
      if (leaf.type !== 'blob') continue
      const content = repository.git.blob(leaf.sha)?.content ?? Buffer.alloc(0)
      files[path] = {content: content.toString('utf8'), mode: leaf.mode as BlobMode}
    }

    return files
  }

  /** Returns every status set on commit `sha`, through the API or `addStatus`, oldest first. */
  statusesOf(owner: string, repo: string, sha: string): CommitStatusSummary[] {
    const statuses = this.repositoryState(owner, repo).statuses?.get(sha.toLowerCase()) ?? []
    return statuses.map(({context, state, targetUrl, description, creator, createdAt}) => ({
      context,
      state,
      targetUrl,
      description,
      creator,
      createdAt,
    }))
  }

  /** Returns the comments on the conversation of pull request `number`, oldest first. */
  commentsOf(owner: string, repo: string, number: number): CommentSummary[] {
    const comments = this.pullRequestState(owner, repo, number).comments ?? []
    return comments.map((comment) => ({id: comment.id, user: comment.login, body: comment.body, createdAt: comment.createdAt}))
  }

  /** Returns the pull requests of a repository, in creation order. */
  pullRequests(owner: string, repo: string): PullRequestSummary[] {
    return this.repositoryState(owner, repo).pullRequests.map((pull) => ({
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      draft: pull.draft,
      head: pull.headRef,
      base: pull.baseRef,
      labels: [...pull.labels],
      requestedReviewers: [...pull.requestedReviewers],
      requestedTeams: [...pull.requestedTeams],
      autoMerge: pull.autoMerge ? {mergeMethod: pull.autoMerge.mergeMethod, enabledBy: pull.autoMerge.enabledBy} : null,
    }))
  }

  /** Throws an error that lists every recorded violation, unless there is none. */
  assertNoViolations(): void {
    if (this.violations.length === 0) return

    const lines = [`GitHub test server recorded ${this.violations.length} violation(s):`]
    for (const violation of this.violations) {
      lines.push(`- ${violation.method} ${violation.path} (${violation.operationId}) ${violation.part}: ${violation.message}`)
      for (const error of formatSchemaErrors(violation.errors).slice(0, 10)) lines.push(`    ${error}`)
      if (violation.errors.length > 10) lines.push(`    ... ${violation.errors.length - 10} more schema errors`)
    }

    throw new Error(lines.join('\n'))
  }

  // State helpers ---------------------------------------------------------------

  private now(): string {
    return formatIso(this.clock())
  }

  private nextId(): number {
    this.lastId += 1
    return this.lastId
  }

  private account(login: string, type: Account['type'] = 'User'): Account {
    const key = login.toLowerCase()
    let account = this.accounts.get(key)
    if (!account) {
      account = {id: this.nextId(), login, type, createdAt: this.now()}
      this.accounts.set(key, account)
    }

    return account
  }

  private repositoryState(owner: string, name: string): RepositoryState {
    const repository = this.repositories.get(`${owner}/${name}`.toLowerCase())
    if (!repository) throw new Error(`repository ${owner}/${name} was not created on this server`)
    return repository
  }

  private pullRequestState(owner: string, repo: string, number: number): PullRequestState {
    const pull = this.repositoryState(owner, repo).pullRequests.find((candidate) => candidate.number === number)
    if (!pull) throw new Error(`pull request #${number} does not exist in ${owner}/${repo}`)
    return pull
  }

  private writeFiles(repository: RepositoryState, leaves: Map<string, LeafEntry>, files: Record<string, FileSpec>): void {
    for (const [path, spec] of Object.entries(files)) {
      if (!isValidTreePath(path)) throw new Error(`invalid file path ${JSON.stringify(path)}`)
      const {content, mode} = fileContent(spec)
      leaves.set(path, {mode, type: 'blob', sha: repository.git.writeBlob(content)})
    }
  }

  private commitLeaves(
    repository: RepositoryState,
    leaves: Map<string, LeafEntry>,
    parents: string[],
    message: string,
  ): string {
    const tree = repository.git.writeTreeFromLeaves(leaves)
    const signature = signatureAt('GitHub', 'noreply@github.com', this.now())
    return repository.git.writeCommit({tree, parents, author: signature, committer: signature, message})
  }

  private createEndpointContext(): EndpointContext {
    return {
      payloads: this.payloads,
      now: () => this.now(),
      nextId: () => this.nextId(),
      account: (login) => this.account(login),
      repository: (owner, name, viewer) => {
        const repository = this.repositories.get(`${owner}/${name}`.toLowerCase())
        // GitHub sends 404, not 403, for repositories that the token cannot see.
        if (!repository || !isVisible(repository, viewer)) throw new ApiError(404, 'Not Found')
        return repository
      },
      repositoriesOwnedBy: (login) =>
        [...this.repositories.values()].filter((repository) => repository.owner.login.toLowerCase() === login.toLowerCase()),
      visibleRepositories: (viewer) => [...this.repositories.values()].filter((repository) => isVisible(repository, viewer)),
      team: (org, slug) => this.teams.get(`${org}/${slug}`.toLowerCase()),
    }
  }

  // HTTP handling -----------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = performance.now()
    const method = (request.method ?? 'GET').toUpperCase()
    const parsedUrl = new URL(request.url ?? '/', 'http://127.0.0.1')
    const rawBody = await readBody(request)

    const isGraphQL = parsedUrl.pathname === this.graphQLPath
    const inPrefix = parsedUrl.pathname === this.pathPrefix || parsedUrl.pathname.startsWith(`${this.pathPrefix}/`)
    if (this.pathPrefix !== '' && !inPrefix && !isGraphQL) {
      this.serveWebUi(method, parsedUrl, rawBody, response)
      return
    }

    const path = isGraphQL ? GRAPHQL_LOG_PATH : parsedUrl.pathname.slice(this.pathPrefix.length) || '/'
    let body: unknown = undefined
    let invalidJson = false
    if (rawBody !== '') {
      try {
        body = JSON.parse(rawBody)
      } catch {
        body = rawBody
        invalidJson = true
      }
    }

    const entry: RequestLogEntry = {method, path, query: queryRecord(parsedUrl.searchParams), body, status: null, receivedAt}
    this.requests.push(entry)
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs))

    const match = isGraphQL ? undefined : this.description.findOperation(method, path)
    const operation = match?.operation
    const failures = match && !invalidJson
      ? match.operation.validateRequest({pathParameters: match.pathParameters, query: parsedUrl.searchParams, body})
      : []
    for (const failure of failures) this.recordViolation(method, path, operation as Operation, failure)

    const fault = this.takeFault(method, path, operation)
    if (fault?.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (fault?.drop) {
      request.socket.destroy()
      return
    }

    if (fault?.status !== undefined) {
      const {status} = fault
      const faultBody = fault.body ?? errorPayload(status, REASON_PHRASES[status] ?? 'Error', GENERIC_DOCUMENTATION_URL)
      this.sendJson(response, entry, status, faultBody, fault.headers ?? {}, undefined)
      return
    }

    if (invalidJson) {
      const documentationUrl = operation?.documentationUrl ?? (isGraphQL ? GRAPHQL_DOCUMENTATION_URL : GENERIC_DOCUMENTATION_URL)
      this.sendJson(response, entry, 400, errorPayload(400, 'Problems parsing JSON', documentationUrl), {}, undefined)
      return
    }

    if (isGraphQL) {
      this.runGraphQL(request, response, entry)
      return
    }

    if (failures.length > 0) {
      const summary = failures.map((failure) => [failure.message, ...formatSchemaErrors(failure.errors)].join('; '))
      const message = `test server: request does not match GitHub's OpenAPI description: ${summary.join('; ')}`
      this.sendJson(response, entry, 500, {message}, {}, undefined)
      return
    }

    const endpoint = operation === undefined ? undefined : ENDPOINTS[operation.operationId]
    if (operation === undefined || endpoint === undefined) {
      this.unhandled.push({method, path, query: entry.query, body, operationId: operation?.operationId})
      this.sendJson(response, entry, 404, errorPayload(404, 'Not Found', GENERIC_DOCUMENTATION_URL), {}, undefined)
      return
    }

    this.runEndpoint(request, response, entry, {
      operation,
      endpoint,
      pathParameters: match?.pathParameters ?? {},
      query: parsedUrl.searchParams,
    })
  }

  /** Authenticates a request that passed validation, runs its handler and sends the handler's response. */
  private runEndpoint(
    request: IncomingMessage,
    response: ServerResponse,
    entry: RequestLogEntry,
    target: {operation: Operation; endpoint: Endpoint; pathParameters: Record<string, string>; query: URLSearchParams},
  ): void {
    const {operation, endpoint} = target
    const {method, path, body} = entry
    const authorization = this.authenticate(request.headers.authorization)
    if ('error' in authorization) {
      const unauthorizedBody = errorPayload(401, authorization.error, GENERIC_DOCUMENTATION_URL)
      this.sendJson(response, entry, 401, unauthorizedBody, {}, operation)
      return
    }

    const headers = this.rateLimitHeaders(authorization, 'core')
    const {user} = authorization
    let result: EndpointResponse
    try {
      result = endpoint(this.context, {
        params: target.pathParameters,
        query: target.query,
        body,
        user,
        installation: authorization.token?.installation ?? false,
        url: `${this.url}${path}`,
      })
    } catch (error) {
      result = this.errorResponse(error, method, path, operation)
    }

    this.sendJson(response, entry, result.status, result.body, {...headers, ...result.headers}, operation)
  }

  /**
   * Authenticates a GraphQL request, runs it and sends its result. GitHub
   * responds to every authenticated GraphQL request with status 200, also
   * when its body lists errors.
   */
  private runGraphQL(request: IncomingMessage, response: ServerResponse, entry: RequestLogEntry): void {
    const {method, path, query, body} = entry
    if (method !== 'POST') {
      this.unhandled.push({method, path, query, body, operationId: undefined})
      this.sendJson(response, entry, 404, errorPayload(404, 'Not Found', GRAPHQL_DOCUMENTATION_URL), {}, undefined)
      return
    }

    const authorization = this.authenticate(request.headers.authorization)
    if ('error' in authorization) {
      // GitHub words a missing token differently on its GraphQL endpoint.
      const message = authorization.error === MISSING_TOKEN_MESSAGE ? 'This endpoint requires you to be authenticated.' : authorization.error
      this.sendJson(response, entry, 401, {message, documentation_url: GRAPHQL_DOCUMENTATION_URL}, {}, undefined)
      return
    }

    const headers = this.rateLimitHeaders(authorization, 'graphql')
    try {
      const result = executeGraphQL(this.context, body, authorization.user)
      const violation = {method, path, operationId: 'graphql', part: 'graphql' as const, errors: []}
      if (result.invalid !== undefined) this.violations.push({...violation, message: result.invalid})
      if (result.unsupported !== undefined) this.unhandled.push({method, path, query, body, operationId: undefined})
      this.sendJson(response, entry, 200, result.body, headers, undefined)
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      this.violations.push({method, path, operationId: 'graphql', part: 'handler', message, errors: []})
      this.sendJson(response, entry, 500, {message: `test server: handler failed: ${message}`}, headers, undefined)
    }
  }

  /** Counts a request against the token user's rate limit of `resource` and returns GitHub's rate limit headers. */
  private rateLimitHeaders(authorization: {user: Account; token?: TokenState}, resource: 'core' | 'graphql'): Record<string, string> {
    const {user, token} = authorization
    const key = `${resource} ${user.login.toLowerCase()}`
    const used = (this.rateLimitUsed.get(key) ?? 0) + 1
    this.rateLimitUsed.set(key, used)
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(RATE_LIMIT - used, 0)),
      'x-ratelimit-reset': String(this.rateLimitReset),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': resource,
    }
    if (token?.scopes) headers['x-oauth-scopes'] = token.scopes.join(', ')
    return headers
  }

  private errorResponse(error: unknown, method: string, path: string, operation: Operation): EndpointResponse {
    if (error instanceof ApiError) {
      return {status: error.status, body: errorPayload(error.status, error.message, operation.documentationUrl, error.errors)}
    }

    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    this.recordViolation(method, path, operation, {part: 'handler', message, errors: []})
    return {status: 500, body: {message: `test server: handler failed: ${message}`}}
  }

  private authenticate(header: string | undefined): {user: Account; token?: TokenState} | {error: string} {
    const match = header === undefined ? null : /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim())
    if (!match) return {error: MISSING_TOKEN_MESSAGE}

    // Until a token is added, any token authenticates as octocat.
    if (this.tokens.size === 0) return {user: this.account(DEFAULT_LOGIN, 'User')}

    const token = this.tokens.get(match[1])
    if (!token) return {error: 'Bad credentials'}
    return {user: this.account(token.login, 'User'), token}
  }

  private takeFault(method: string, path: string, operation: Operation | undefined): Fault | undefined {
    let decodedPath = path
    try {
      decodedPath = decodeURIComponent(path)
    } catch {
      // A malformed escape leaves only the raw path to compare.
    }

    const index = this.faults.findIndex(({fault}) => {
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false
      return fault.path === path || fault.path === decodedPath || fault.path === operation?.pathTemplate.template
    })
    if (index === -1) return undefined

    const pending = this.faults[index]
    pending.remaining -= 1
    if (pending.remaining <= 0) this.faults.splice(index, 1)
    return pending.fault
  }

  private recordViolation(
    method: string,
    path: string,
    operation: Operation,
    failure: Omit<ValidationFailure, 'part'> & {part: Violation['part']},
  ): void {
    this.violations.push({
      method,
      path,
      operationId: operation.operationId,
      part: failure.part,
      message: failure.message,
      errors: failure.errors,
    })
  }

  /** Sends a JSON response, checking it against `operation`'s declared responses unless operation is undefined. */
  private sendJson(
    response: ServerResponse,
    entry: RequestLogEntry,
    status: number,
    body: unknown,
    headers: Record<string, string>,
    operation: Operation | undefined,
  ): void {
    if (operation) {
      const failures = operation.validateResponse(status, body, IMPLICIT_STATUSES)
      for (const failure of failures) this.recordViolation(entry.method, entry.path, operation, failure)
    }

    this.requestCount += 1
    const text = body === undefined ? '' : JSON.stringify(body)
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `TEST:${this.requestCount}`,
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    entry.status = status
    entry.respondedAt = performance.now()
    response.end(text)
  }

  private serveWebUi(method: string, url: URL, rawBody: string, response: ServerResponse): void {
    const path = url.pathname
    const query = queryRecord(url.searchParams)
    const entry: RequestLogEntry = {method, path, query, body: rawBody === '' ? undefined : rawBody, status: null}
    this.requests.push(entry)

    const found = method === 'GET' && path === '/'
    if (!found) this.unhandled.push({method, path, query, body: entry.body, operationId: undefined})

    const text = found ? WEB_UI_PAGE : '<!DOCTYPE html>\n<html><body><h1>Page not found</h1></body></html>\n'
    entry.status = found ? 200 : 404
    response.writeHead(entry.status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    })
    response.end(text)
  }
}
