/**
 * State of the GitHub test server: accounts, teams, repositories with their
 * git objects, refs, labels, commit statuses and pull requests with their
 * reviews and comments.
 */
import {GitObjectStore} from './github-git.js'

/** User or organization account. */
export interface Account {
  id: number
  login: string
  type: 'User' | 'Organization'
  createdAt: string
}

/** Label defined in a repository. */
export interface LabelState {
  id: number
  name: string
  /** Six hex digits without `#`. */
  color: string
  description: string | null
  default: boolean
}

/** Team of an organization. */
export interface TeamState {
  id: number
  org: string
  slug: string
  name: string
  createdAt: string
  /** Logins of the team's members. */
  members?: string[]
}

/** Review of a pull request. */
export interface ReviewState {
  id: number
  login: string
  /** `PENDING` until submitted: created without an event, the review is visible only to its author. */
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING'
  /** Review text, empty when none was given. */
  body?: string
  /** Commit the review was given on. */
  commitId: string
  /** Time of submission, or undefined while pending. */
  submittedAt: string | undefined
}

/** Comment on the conversation of a pull request ("issue comment" in the REST API). */
export interface CommentState {
  id: number
  /** Login of the author. */
  login: string
  body: string
  createdAt: string
  updatedAt: string
}

/** Auto-merge of a pull request, as `enablePullRequestAutoMerge` sets it. */
export interface AutoMergeState {
  /** Login of the user who enabled it. */
  enabledBy: string
  mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE'
  commitTitle: string
  commitMessage: string
  enabledAt: string
}

/** Commit status set by a CI system, as "Create a commit status" stores it. */
export interface StatusState {
  id: number
  context: string
  state: 'error' | 'failure' | 'pending' | 'success'
  targetUrl: string | null
  description: string | null
  /** Login of the user whose token created the status, or null for a status seeded by a test. */
  creator: string | null
  createdAt: string
}

/** Check run of a GitHub App on a commit. */
export interface CheckRunState {
  id: number
  name: string
  status: 'queued' | 'in_progress' | 'completed'
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null
  detailsUrl: string | null
  startedAt: string
  completedAt: string | null
}

/** Pull request, which GitHub also counts as an issue of the repository. */
export interface PullRequestState {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  draft: boolean
  maintainerCanModify: boolean
  /** Login of the author. */
  author: string
  headRef: string
  baseRef: string
  /** Head commit when the pull request was opened, used once the head branch is gone. */
  headSha: string
  /** Label names, as the repository spells them. */
  labels: string[]
  /** Logins of requested reviewers. */
  requestedReviewers: string[]
  /** Slugs of requested teams. */
  requestedTeams: string[]
  createdAt: string
  updatedAt: string
  closedAt: string | null
  /** Time of the merge, or null/undefined while not merged. */
  mergedAt?: string | null
  reviews?: ReviewState[]
  /** Comments on the conversation, oldest first. */
  comments?: CommentState[]
  /** Auto-merge while enabled, else null or undefined. */
  autoMerge?: AutoMergeState | null
}

/** Repository with its git data and pull requests. */
export interface RepositoryState {
  id: number
  owner: Account
  name: string
  private: boolean
  defaultBranch: string
  /** Logins allowed to see the repository, or undefined when everyone may. */
  visibleTo: string[] | undefined
  /** Whether pull requests may enable auto-merge ("Allow auto-merge" in the repository settings). */
  allowAutoMerge: boolean
  git: GitObjectStore
  /** Full ref name, such as `refs/heads/main`, to commit id. */
  refs: Map<string, string>
  /** Lowercased label name to label. */
  labels: Map<string, LabelState>
  pullRequests: PullRequestState[]
  /** Commit statuses, every one ever created and oldest first, and check runs, by commit id. */
  statuses?: Map<string, StatusState[]>
  checkRuns?: Map<string, CheckRunState[]>
  createdAt: string
  updatedAt: string
  pushedAt: string
}

/** Returns the commit of branch `name`, or undefined. */
export function branchSha(repository: RepositoryState, name: string): string | undefined {
  return repository.refs.get(`refs/heads/${name}`)
}

/**
 * Resolves a commit id, a branch name, a tag name, or a ref name with or
 * without `refs/` (such as `heads/main`) to a commit id, trying them in this
 * order.
 */
export function resolveCommitish(repository: RepositoryState, name: string): string | undefined {
  if (repository.git.commit(name)) return name.toLowerCase()
  return (
    repository.refs.get(`refs/heads/${name}`) ??
    repository.refs.get(`refs/tags/${name}`) ??
    repository.refs.get(`refs/${name}`) ??
    (name.startsWith('refs/') ? repository.refs.get(name) : undefined)
  )
}

/** Returns the current head commit of a pull request: its branch's commit while the branch exists. */
export function pullRequestHeadSha(repository: RepositoryState, pull: PullRequestState): string {
  return branchSha(repository, pull.headRef) ?? pull.headSha
}
