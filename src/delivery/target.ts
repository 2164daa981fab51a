import type {RenderedFile} from '../actions/render.js'
import {IdpError} from '../errors.js'
import type {RequestStatus, RequiredApproval} from './github-status.js'
import type {Progress} from '../actions/progress.js'

/**
 * Status of a file against the target's base branch. A deleted file is one of the base
 * branch's files that a `files:delete` step removes; its content is empty.
 */
export type FileStatus = 'added' | 'modified' | 'unchanged' | 'deleted'

/** A rendered or deleted file with its status against the base branch. */
export interface PlannedFile extends RenderedFile {
  status: FileStatus
  /** The base branch's content of a modified or deleted file, for the diff in a dry run. */
  previous?: Buffer
}

/** Returns the sorted names of the entries directly in `folder`, from a list of file paths. */
export function namesInFolder(paths: Iterable<string>, folder: string): string[] {
  const prefix = folder === '' ? '' : `${folder}/`
  const names = new Set<string>()
  for (const path of paths) if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0])
  return [...names].sort()
}

/** Checks whether a repository path is `removal` itself or inside the folder `removal`. */
export function isRemovedBy(path: string, removal: string): boolean {
  return path === removal || path.startsWith(`${removal}/`)
}

/**
 * Plans the deletions of a request: each base branch file at or below one of the removed
 * paths, except the files the request writes again. `read` returns a file's base content.
 */
export async function plannedDeletions(
  removals: readonly string[],
  written: readonly RenderedFile[],
  baseFiles: Iterable<{path: string; mode: string}>,
  read: (path: string) => Promise<Buffer>,
): Promise<PlannedFile[]> {
  if (removals.length === 0) return []
  const writtenPaths = new Set(written.map((file) => file.path))
  const deleted = [...baseFiles].filter((file) => !writtenPaths.has(file.path) && removals.some((removal) => isRemovedBy(file.path, removal)))
  return Promise.all(
    deleted.map(async (file): Promise<PlannedFile> => ({path: file.path, content: Buffer.alloc(0), mode: file.mode === '100755' ? '100755' : '100644', status: 'deleted', previous: await read(file.path)})),
  )
}

/** Everything a target needs to propose one change. */
export interface ChangeRequest {
  branch: string
  /** Identifies the request (action, inputs, target) across runs; recorded in the commit. */
  fingerprint: string
  title: string
  body: string
  commitMessage: string
  files: PlannedFile[]
  labels: string[]
  /** GitHub team slugs asked to review. */
  teamReviewers: string[]
  /** GitHub logins asked to review, from a Backstage template's `reviewers`. */
  reviewers?: string[]
  /** Open the pull request as a draft (a Backstage template's `draft`). */
  draft?: boolean
  /** Merge method when the pull request should merge by itself once checks pass (auto-approved requests). */
  autoMerge?: 'merge' | 'squash' | 'rebase'
  /** The branch and commit an earlier run of this request left; delivery continues after them. */
  existing?: DeliveryResult
  /** Set when a run is edited: the new version is committed on top of the run's branch. */
  update?: ChangeUpdate
  /** A commit an earlier attempt of this run created but no branch points to yet (a retry). */
  previousCommit?: string
  /**
   * Head commit of a merged branch with the request's branch name. The delivery moves that
   * branch forward to the new commit, whose parent is the base branch that contains it.
   */
  mergedBranch?: string
}

/** The previous version of an edited run, which the new commit replaces. */
export interface ChangeUpdate {
  /** Head commit of the run's branch, the parent of the new commit. */
  commit: string
  /**
   * True when an earlier attempt already committed this version on the branch: only the pull
   * request is brought up to date.
   */
  committed?: boolean
  /** Files the previous version wrote that the new one does not: they are deleted. */
  removedFiles: string[]
  /** Labels the previous version set that the new decision no longer calls for. */
  staleLabels: string[]
}

/** A file read from the target's base branch, with the commit it was read at. */
export interface BaseFile {
  content: Buffer
  branch: string
  commit: string
}

/** Branch, commit and pull request that received the change. */
export interface DeliveryResult {
  branch: string
  commit: string
  pullRequest?: {number: number; url: string}
  /** The request fingerprint the branch head records, when it was looked up. */
  fingerprint?: string
  /**
   * True when the base branch already contains the branch's head: the earlier run was merged,
   * so running the request again proposes it anew on the same branch name.
   */
  merged?: boolean
}

/** The commit message trailer that records a request's fingerprint. */
export const FINGERPRINT_TRAILER = 'Idp-Request'

/** Returns the request fingerprint a commit message records in its trailer, if any. */
export function recordedFingerprint(message: string): string | undefined {
  const prefix = `${FINGERPRINT_TRAILER}: `
  const line = message
    .split('\n')
    .reverse()
    .find((candidate) => candidate.trim().startsWith(prefix))
  return line?.trim().slice(prefix.length)
}

/** Checks whether a commit message records one of the given request fingerprints. */
export function recordsRequest(message: string, fingerprints: string | readonly string[]): boolean {
  const recorded = recordedFingerprint(message)
  return recorded !== undefined && (typeof fingerprints === 'string' ? [fingerprints] : fingerprints).includes(recorded)
}

/** Creates the error for a branch with the request's name that another request or person created. */
export function branchConflictError(branch: string, where: string, owner: string, extraHint = ''): IdpError {
  return new IdpError(`The branch ${branch} already exists in ${where} and was not created by this request (${owner})`, {
    code: 'BRANCH_CONFLICT',
    exitCode: 1,
    details: {branch},
    hint: `Nothing was written. Choose another name, or keep the inputs and pass --branch ${branch}-2.${extraHint}`,
  })
}

/** Records a remote object as soon as it exists, so that a failed run's journal lists what it left. */
export type RecordRemote = (key: string, value: unknown) => Promise<void>

/** A journaled step of a delivery. */
export interface DeliveryStep {
  id: string
  title: string
}

/** A place that receives changes: a GitHub repository or a local git repository. */
export interface DeliveryTarget {
  kind: 'github' | 'git'
  /** Human description, such as "GitHub acme/infrastructure (base main)". */
  description: string
  /** Machine-readable description for JSON output and the journal. */
  summary: Record<string, unknown>
  /** True for a target that cannot be read, such as GitHub without a token in a dry run. */
  offline?: boolean
  /** The steps `deliver` runs, in order, for the journal. */
  steps: DeliveryStep[]
  /**
   * Looks for the branch before anything is written. Returns what an earlier run of the same
   * request (same fingerprint) delivered, nothing when the branch is free, and throws
   * BRANCH_CONFLICT when someone else's branch has the name. Only reads.
   */
  findExisting(branch: string, fingerprints: string | readonly string[]): Promise<DeliveryResult | undefined>
  /**
   * Compares rendered files with the base branch, and lists the base branch's files at or
   * below the `removals` paths as deleted. Only reads.
   */
  compare(files: RenderedFile[], removals?: readonly string[]): Promise<PlannedFile[]>
  /** Reads the login of the account the target acts as, when it has one (GitHub). */
  login?(): Promise<string>
  /** Reads one file of the base branch, such as the shared approval policy. Only reads. */
  readBaseFile(path: string): Promise<BaseFile | undefined>
  /** Lists the names of the files and folders in a folder of the base branch, sorted. Only reads. */
  listBaseFolder?(path: string): Promise<string[]>
  /**
   * Withdraws what a run created: closes its pull request and deletes its branch, but only a
   * branch whose head commit records the run's fingerprint. Returns what it did, in words.
   */
  cancel(created: {branch?: string; pullRequest?: {number: number}}, fingerprints: readonly string[]): Promise<string[]>
  /** Reads the state of a pull request: checks, approvals per group, merge. GitHub only. */
  status?(pullRequest: {number: number}, required: RequiredApproval[]): Promise<RequestStatus>
  /** Commits the change on a new branch and, for GitHub, opens the pull request. */
  deliver(change: ChangeRequest, progress: Progress, hooks: DeliveryHooks): Promise<DeliveryResult>
}

/** Callbacks from a delivery into the run journal. */
export interface DeliveryHooks {
  stepStarted(id: string): Promise<void>
  stepFinished(id: string): Promise<void>
  recordRemote: RecordRemote
}

/** Git's object id of a blob: SHA-1 over `blob <size>\0<content>`. */
export {gitBlobId} from './git-objects.js'
