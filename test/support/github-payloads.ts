/**
 * JSON bodies that the GitHub test server sends, shaped like api.github.com's
 * and complete enough to pass the schemas of GitHub's OpenAPI description.
 */
import {formatSignatureDate, type CommitObject, type FileChange, type ListedEntry} from './github-git.js'
import {
  pullRequestHeadSha,
  type Account,
  type AutoMergeState,
  type CommentState,
  type LabelState,
  type PullRequestState,
  type RepositoryState,
  type ReviewState,
  type StatusState,
  type TeamState,
} from './github-state.js'

/** Base URLs that payload links point at. */
export interface PayloadContext {
  /** Base URL of the REST API, without trailing slash. */
  apiUrl: string
  /** Base URL of the web pages (`html_url`), without trailing slash. */
  webUrl: string
}

/** Change counts of a pull request, as git computes them between the merge base and the head. */
export interface PullRequestStats {
  commits: number
  additions: number
  deletions: number
  changedFiles: number
}

/** Builds a node id in GitHub's legacy format: base64 of `0<length of type>:<type><id>`. */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/**
 * Error details of a 422: objects such as `{resource, field, code}`, or plain
 * messages where the operation declares `validation-error-simple`.
 */
export type ErrorDetail = Record<string, string> | string

/** Builds GitHub's error body, such as `{message: "Not Found", documentation_url, status: "404"}`. */
export function errorPayload(
  status: number,
  message: string,
  documentationUrl: string,
  errors?: ErrorDetail[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {message}
  if (errors) body.errors = errors
  body.documentation_url = documentationUrl
  body.status = String(status)
  return body
}

/** Builds a `simple-user` for a user or organization account. */
export function userPayload(context: PayloadContext, account: Account): Record<string, unknown> {
  const url = `${context.apiUrl}/users/${account.login}`
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type, account.id),
    avatar_url: `${context.webUrl}/avatars/u/${account.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${context.webUrl}/${account.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  }
}

/** Builds the `private-user` that `GET /user` returns for the token's own account. */
export function authenticatedUserPayload(
  context: PayloadContext,
  account: Account,
  ownedRepositories: RepositoryState[],
): Record<string, unknown> {
  const privateCount = ownedRepositories.filter((repository) => repository.private).length
  return {
    ...userPayload(context, account),
    user_view_type: 'private',
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: null,
    public_repos: ownedRepositories.length - privateCount,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: account.createdAt,
    updated_at: account.createdAt,
    private_gists: 0,
    total_private_repos: privateCount,
    owned_private_repos: privateCount,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  }
}

/** Builds a `full-repository`, which also satisfies the shorter `repository` schema. */
export function repositoryPayload(context: PayloadContext, repository: RepositoryState): Record<string, unknown> {
  const fullName = `${repository.owner.login}/${repository.name}`
  const url = `${context.apiUrl}/repos/${fullName}`
  const htmlUrl = `${context.webUrl}/${fullName}`
  const host = new URL(context.webUrl).host
  const openIssues = repository.pullRequests.filter((pull) => pull.state === 'open').length

  return {
    id: repository.id,
    node_id: nodeId('Repository', repository.id),
    name: repository.name,
    full_name: fullName,
    private: repository.private,
    owner: userPayload(context, repository.owner),
    html_url: htmlUrl,
    description: null,
    fork: false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: repository.createdAt,
    updated_at: repository.updatedAt,
    pushed_at: repository.pushedAt,
    git_url: `git://${host}/${fullName}.git`,
    ssh_url: `git@${host}:${fullName}.git`,
    clone_url: `${htmlUrl}.git`,
    svn_url: htmlUrl,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repository.private ? 'private' : 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repository.defaultBranch,
    allow_auto_merge: repository.allowAutoMerge,
    permissions: {admin: true, maintain: true, push: true, triage: true, pull: true},
    network_count: 0,
    subscribers_count: 0,
  }
}

function repositoryApiUrl(context: PayloadContext, repository: RepositoryState): string {
  return `${context.apiUrl}/repos/${repository.owner.login}/${repository.name}`
}

/** Builds a `git-ref` for the full ref name `ref`, such as `refs/heads/main`. */
export function gitRefPayload(
  context: PayloadContext,
  repository: RepositoryState,
  ref: string,
  sha: string,
): Record<string, unknown> {
  const url = repositoryApiUrl(context, repository)
  const type = repository.git.get(sha)?.type ?? 'commit'
  return {
    ref,
    node_id: nodeId('Ref', ref),
    url: `${url}/git/${ref}`,
    object: {sha, type, url: `${url}/git/${type}s/${sha}`},
  }
}

/** Builds a `git-commit`. */
export function gitCommitPayload(
  context: PayloadContext,
  repository: RepositoryState,
  sha: string,
  commit: CommitObject,
): Record<string, unknown> {
  const url = repositoryApiUrl(context, repository)
  const htmlUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}`
  const person = (signature: CommitObject['author']) => ({
    name: signature.name,
    email: signature.email,
    date: formatSignatureDate(signature),
  })

  return {
    sha,
    node_id: nodeId('Commit', `${repository.id}:${sha}`),
    url: `${url}/git/commits/${sha}`,
    html_url: `${htmlUrl}/commit/${sha}`,
    author: person(commit.author),
    committer: person(commit.committer),
    tree: {sha: commit.tree, url: `${url}/git/trees/${commit.tree}`},
    message: commit.message,
    parents: commit.parents.map((parent) => ({
      sha: parent,
      url: `${url}/git/commits/${parent}`,
      html_url: `${htmlUrl}/commit/${parent}`,
    })),
    verification: {verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null},
  }
}

/**
 * Builds the REST `commit` of "Get a commit" (`/repos/{owner}/{repo}/commits/{ref}`): the git
 * commit nested under `commit`, with the GitHub accounts of author and committer unknown and
 * no file list.
 */
export function restCommitPayload(
  context: PayloadContext,
  repository: RepositoryState,
  sha: string,
  commit: CommitObject,
): Record<string, unknown> {
  const git = gitCommitPayload(context, repository, sha, commit)
  const url = repositoryApiUrl(context, repository)
  const htmlUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}`
  return {
    url: `${url}/commits/${sha}`,
    sha,
    node_id: git.node_id,
    html_url: `${htmlUrl}/commit/${sha}`,
    comments_url: `${url}/commits/${sha}/comments`,
    commit: {
      url: git.url,
      author: git.author,
      committer: git.committer,
      message: git.message,
      comment_count: 0,
      tree: git.tree,
      verification: git.verification,
    },
    author: null,
    committer: null,
    parents: commit.parents.map((parent) => ({sha: parent, url: `${url}/commits/${parent}`, html_url: `${htmlUrl}/commit/${parent}`})),
    files: [],
  }
}

/** Builds a `git-tree` from listed entries, with blob sizes looked up in the repository. */
export function gitTreePayload(
  context: PayloadContext,
  repository: RepositoryState,
  sha: string,
  entries: ListedEntry[],
): Record<string, unknown> {
  const url = repositoryApiUrl(context, repository)
  const tree = entries.map((entry) => {
    const listed: Record<string, unknown> = {path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha}
    if (entry.type === 'blob') {
      listed.size = repository.git.blob(entry.sha)?.content.length ?? 0
      listed.url = `${url}/git/blobs/${entry.sha}`
    } else if (entry.type === 'tree') {
      listed.url = `${url}/git/trees/${entry.sha}`
    }

    return listed
  })

  return {sha, url: `${url}/git/trees/${sha}`, tree, truncated: false}
}

/**
 * Encodes content as base64 in lines of 60 characters, each ending in `\n`,
 * which is how GitHub's blob API wraps it.
 */
export function wrappedBase64(content: Buffer): string {
  const encoded = content.toString('base64')
  let wrapped = ''
  for (let start = 0; start < encoded.length; start += 60) wrapped += `${encoded.slice(start, start + 60)}\n`
  return wrapped
}

/** Builds a `blob` with base64 content. */
export function blobPayload(
  context: PayloadContext,
  repository: RepositoryState,
  sha: string,
  content: Buffer,
): Record<string, unknown> {
  return {
    sha,
    node_id: nodeId('Blob', `${repository.id}:${sha}`),
    size: content.length,
    url: `${repositoryApiUrl(context, repository)}/git/blobs/${sha}`,
    content: wrappedBase64(content),
    encoding: 'base64',
  }
}

/** Builds a `label`. */
export function labelPayload(
  context: PayloadContext,
  repository: RepositoryState,
  label: LabelState,
): Record<string, unknown> {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${repositoryApiUrl(context, repository)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  }
}

/** Builds a `team`, which also satisfies the shorter `team-simple` schema. */
export function teamPayload(context: PayloadContext, team: TeamState, organization: Account): Record<string, unknown> {
  const url = `${context.apiUrl}/organizations/${organization.id}/team/${team.id}`
  return {
    id: team.id,
    node_id: nodeId('Team', team.id),
    url,
    html_url: `${context.webUrl}/orgs/${organization.login}/teams/${team.slug}`,
    name: team.name,
    slug: team.slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: 'organization',
    organization_id: organization.id,
    parent: null,
  }
}

/** Builds a `team-full`, which embeds the organization. */
export function teamFullPayload(
  context: PayloadContext,
  team: TeamState,
  organization: Account,
  publicRepositories: number,
): Record<string, unknown> {
  const url = `${context.apiUrl}/orgs/${organization.login}`
  return {
    ...teamPayload(context, team, organization),
    members_count: 0,
    repos_count: 0,
    created_at: team.createdAt,
    updated_at: team.createdAt,
    organization: {
      login: organization.login,
      id: organization.id,
      node_id: nodeId('Organization', organization.id),
      url,
      repos_url: `${url}/repos`,
      events_url: `${url}/events`,
      hooks_url: `${url}/hooks`,
      issues_url: `${url}/issues`,
      members_url: `${url}/members{/member}`,
      public_members_url: `${url}/public_members{/member}`,
      avatar_url: `${context.webUrl}/avatars/u/${organization.id}?v=4`,
      description: null,
      // The schema allows `company`, `blog`, `location` and `email` to be left
      // out but not to be null, so they are left out as for an organization
      // that never set them.
      name: organization.login,
      is_verified: false,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: publicRepositories,
      public_gists: 0,
      followers: 0,
      following: 0,
      html_url: `${context.webUrl}/${organization.login}`,
      created_at: organization.createdAt,
      updated_at: organization.createdAt,
      archived_at: null,
      type: 'Organization',
    },
  }
}

/** Accounts, labels and teams that a pull request payload refers to. */
export interface PullRequestReferences {
  author: Account
  reviewers: Account[]
  teams: TeamState[]
  labels: LabelState[]
  /** Stats for the detailed `pull-request` form, or undefined for `pull-request-simple`. */
  stats?: PullRequestStats
  /** Whether GitHub is still computing mergeability, as right after creation. */
  mergeabilityPending?: boolean
  /** Account that enabled auto-merge, when the pull request has it enabled. */
  autoMergeEnabledBy?: Account
}

/** Builds a `pull-request` when `references.stats` is given, else a `pull-request-simple`. */
export function pullRequestPayload(
  context: PayloadContext,
  repository: RepositoryState,
  pull: PullRequestState,
  references: PullRequestReferences,
): Record<string, unknown> {
  const repositoryUrl = repositoryApiUrl(context, repository)
  const url = `${repositoryUrl}/pulls/${pull.number}`
  const htmlUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}/pull/${pull.number}`
  const issueUrl = `${repositoryUrl}/issues/${pull.number}`
  const headSha = pullRequestHeadSha(repository, pull)
  const baseSha = repository.refs.get(`refs/heads/${pull.baseRef}`) ?? headSha
  const branch = (ref: string, sha: string) => ({
    label: `${repository.owner.login}:${ref}`,
    ref,
    sha,
    user: userPayload(context, repository.owner),
    repo: repositoryPayload(context, repository),
  })

  const payload: Record<string, unknown> = {
    url,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: issueUrl,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userPayload(context, references.author),
    body: pull.body,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: references.reviewers.map((account) => userPayload(context, account)),
    requested_teams: references.teams.map((team) => teamPayload(context, team, repository.owner)),
    labels: references.labels.map((label) => labelPayload(context, repository, label)),
    milestone: null,
    draft: pull.draft,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repositoryUrl}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${repositoryUrl}/statuses/${headSha}`,
    head: branch(pull.headRef, headSha),
    base: branch(pull.baseRef, baseSha),
    _links: {
      self: {href: url},
      html: {href: htmlUrl},
      issue: {href: issueUrl},
      comments: {href: `${issueUrl}/comments`},
      review_comments: {href: `${url}/comments`},
      review_comment: {href: `${repositoryUrl}/pulls/comments{/number}`},
      commits: {href: `${url}/commits`},
      statuses: {href: `${repositoryUrl}/statuses/${headSha}`},
    },
    author_association: authorAssociation(repository, references.author),
    auto_merge: pull.autoMerge ? autoMergePayload(context, pull.autoMerge, references.autoMergeEnabledBy) : null,
    active_lock_reason: null,
  }

  const stats = references.stats
  if (!stats) return payload

  // NOTE: the fake never detects merge conflicts, so an open pull request
  // becomes mergeable as soon as mergeability is no longer pending.
  const mergeable = pull.state === 'open' && !references.mergeabilityPending
  return {
    ...payload,
    merged: Boolean(pull.mergedAt),
    mergeable: mergeable ? true : null,
    rebaseable: mergeable ? true : null,
    mergeable_state: mergeable ? 'clean' : 'unknown',
    merged_by: null,
    comments: pull.comments?.length ?? 0,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: stats.commits,
    additions: stats.additions,
    deletions: stats.deletions,
    changed_files: stats.changedFiles,
  }
}

/**
 * Returns the `author_association` of an account in a repository: `OWNER`
 * for the owner, `COLLABORATOR` for anyone else, because the fake models no
 * organization membership or commit history.
 */
export function authorAssociation(repository: RepositoryState, account: Account): string {
  return account.id === repository.owner.id ? 'OWNER' : 'COLLABORATOR'
}

/** Builds the REST `auto-merge` of a pull request. */
function autoMergePayload(context: PayloadContext, autoMerge: AutoMergeState, enabledBy: Account | undefined): Record<string, unknown> {
  if (!enabledBy) throw new Error(`the account ${autoMerge.enabledBy} that enabled auto-merge was not passed`)
  return {
    enabled_by: userPayload(context, enabledBy),
    merge_method: autoMerge.mergeMethod.toLowerCase(),
    commit_title: autoMerge.commitTitle,
    commit_message: autoMerge.commitMessage,
  }
}

/** Builds a `status`, the commit status that "Create a commit status" and "List commit statuses" return. */
export function statusPayload(
  context: PayloadContext,
  repository: RepositoryState,
  sha: string,
  status: StatusState,
  creator: Account | undefined,
): Record<string, unknown> {
  return {
    url: `${repositoryApiUrl(context, repository)}/statuses/${sha}`,
    avatar_url: creator ? (userPayload(context, creator).avatar_url as string) : null,
    id: status.id,
    node_id: nodeId('StatusContext', status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: creator ? userPayload(context, creator) : null,
  }
}

/** Builds an `issue-comment` on a pull request's conversation. */
export function commentPayload(
  context: PayloadContext,
  repository: RepositoryState,
  pull: PullRequestState,
  comment: CommentState,
  author: Account,
): Record<string, unknown> {
  const url = repositoryApiUrl(context, repository)
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${url}/issues/comments/${comment.id}`,
    html_url: `${context.webUrl}/${repository.owner.login}/${repository.name}/pull/${pull.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userPayload(context, author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${url}/issues/${pull.number}`,
    author_association: authorAssociation(repository, author),
    performed_via_github_app: null,
  }
}

/** Builds a `pull-request-review`. A pending review has no `submitted_at`, as on GitHub. */
export function reviewPayload(
  context: PayloadContext,
  repository: RepositoryState,
  pull: PullRequestState,
  review: ReviewState,
  reviewer: Account,
): Record<string, unknown> {
  const pullUrl = `${repositoryApiUrl(context, repository)}/pulls/${pull.number}`
  const htmlUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}/pull/${pull.number}#pullrequestreview-${review.id}`
  const payload: Record<string, unknown> = {
    id: review.id,
    node_id: nodeId('PullRequestReview', review.id),
    user: userPayload(context, reviewer),
    body: review.body ?? '',
    state: review.state,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    _links: {html: {href: htmlUrl}, pull_request: {href: pullUrl}},
    commit_id: review.commitId,
    author_association: authorAssociation(repository, reviewer),
  }
  if (review.submittedAt !== undefined) payload.submitted_at = review.submittedAt
  return payload
}

/**
 * Builds a `diff-entry` of "List pull requests files". Links point at the
 * head commit, or at `baseSha` for a removed file, which the head lacks.
 */
export function diffEntryPayload(
  context: PayloadContext,
  repository: RepositoryState,
  change: FileChange,
  commits: {headSha: string; baseSha: string},
): Record<string, unknown> {
  const ref = change.status === 'removed' ? commits.baseSha : commits.headSha
  const path = encodePath(change.path)
  const webUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}`
  const entry: Record<string, unknown> = {
    sha: (change.after ?? change.before)?.sha ?? null,
    filename: change.path,
    status: change.status,
    additions: change.additions,
    deletions: change.deletions,
    changes: change.additions + change.deletions,
    blob_url: `${webUrl}/blob/${ref}/${path}`,
    raw_url: `${webUrl}/raw/${ref}/${path}`,
    contents_url: `${repositoryApiUrl(context, repository)}/contents/${path}?ref=${ref}`,
  }
  if (change.previousPath !== undefined) entry.previous_filename = change.previousPath
  return entry
}

/** Percent-encodes each component of a file path, keeping the slashes between them. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/** Kind of a repository content item, as "Get repository content" spells it. */
export type ContentType = 'file' | 'dir' | 'symlink' | 'submodule'

/** Item of "Get repository content", before the fields that only some kinds have. */
export interface ContentItem {
  type: ContentType
  path: string
  /** Blob id of a file or symlink, tree id of a directory, commit id of a submodule. */
  sha: string
  size: number
}

/**
 * Builds the fields that every kind of content item has (`content-directory`
 * items and the start of `content-file`, `content-symlink` and
 * `content-submodule`). `ref` is the branch, tag or commit as the request
 * named it.
 */
export function contentItemPayload(
  context: PayloadContext,
  repository: RepositoryState,
  ref: string,
  item: ContentItem,
): Record<string, unknown> {
  const apiUrl = repositoryApiUrl(context, repository)
  const webUrl = `${context.webUrl}/${repository.owner.login}/${repository.name}`
  const path = encodePath(item.path)
  const self = `${apiUrl}/contents/${path}?ref=${encodeURIComponent(ref)}`
  const blob = item.type === 'file' || item.type === 'symlink'
  let gitUrl: string | null = null
  if (blob) gitUrl = `${apiUrl}/git/blobs/${item.sha}`
  if (item.type === 'dir') gitUrl = `${apiUrl}/git/trees/${item.sha}`
  const htmlUrl = item.type === 'submodule' ? null : `${webUrl}/${item.type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`
  return {
    type: item.type,
    size: item.size,
    name: item.path.slice(item.path.lastIndexOf('/') + 1),
    path: item.path,
    sha: item.sha,
    url: self,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: blob ? `${webUrl}/raw/${ref}/${path}` : null,
    _links: {self, git: gitUrl, html: htmlUrl},
  }
}
