/**
 * State of the GitHub test server: accounts, teams, repositories with their
 * git objects, refs, labels and pull requests.
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
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'
  /** Commit the review was given on. */
  commitId: string
  submittedAt: string
}

/** Commit status set by a CI system, as "Create a commit status" stores it. */
export interface StatusState {
  id: number
  context: string
  state: 'error' | 'failure' | 'pending' | 'success'
  targetUrl: string | null
  description: string | null
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
  git: GitObjectStore
  /** Full ref name, such as `refs/heads/main`, to commit id. */
  refs: Map<string, string>
  /** Lowercased label name to label. */
  labels: Map<string, LabelState>
  pullRequests: PullRequestState[]
  /** Commit statuses and check runs, by commit id. */
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
 * Resolves a commit id, a branch name or a ref name without `refs/` (such as
 * `heads/main`) to a commit id.
 */
export function resolveCommitish(repository: RepositoryState, name: string): string | undefined {
  if (repository.git.commit(name)) return name.toLowerCase()
  return repository.refs.get(`refs/heads/${name}`) ?? repository.refs.get(`refs/${name}`)
}

/** Returns the current head commit of a pull request: its branch's commit while the branch exists. */
export function pullRequestHeadSha(repository: RepositoryState, pull: PullRequestState): string {
  return branchSha(repository, pull.headRef) ?? pull.headSha
}
