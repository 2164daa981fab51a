import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Progress} from '../actions/progress.js'
import type {RenderedFile} from '../actions/render.js'
import {IdpError} from '../errors.js'
import {gitBlobId} from './git-objects.js'
import {branchConflictError, namesInFolder, plannedDeletions, recordedFingerprint, recordsRequest, type ChangeRequest, type DeliveryHooks, type DeliveryResult, type DeliveryTarget, type PlannedFile} from './target.js'

export interface GitTargetOptions {
  /** The local repository; created with an initial commit on first delivery when missing. */
  path: string
  /** Branch the change is based on; default: the branch HEAD points at, or main. */
  baseBranch?: string
  /** Author of the commit when git has no user.name or user.email configured. */
  author: {name: string; email: string}
}

const ZERO_ID = '0'.repeat(40)

/** Creates the local git target: the change becomes a commit on a new branch. */
export function createGitTarget(options: GitTargetOptions): DeliveryTarget {
  const {path} = options
  return {
    kind: 'git',
    description: `local git repository ${path}`,
    summary: {kind: 'git', path},
    steps: [
      {id: 'commit', title: 'Commit the files'},
      {id: 'branch', title: 'Create the branch'},
    ],
    compare: (files, removals = []) => compareWithBase(options, files, removals),
    async readBaseFile(filePath) {
      if (!(await isRepository(path))) return undefined
      const branch = await baseBranchOf(options)
      if (!(await refExists(path, `refs/heads/${branch}`))) {
        if (options.baseBranch) throw missingBaseBranch(options)
        return undefined
      }

      const commit = (await git(path, ['rev-parse', `refs/heads/${branch}^{commit}`])).trim()
      if (!(await refExists(path, `${commit}:${filePath}`))) return undefined
      const type = (await git(path, ['cat-file', '-t', `${commit}:${filePath}`])).trim()
      if (type !== 'blob') {
        throw new IdpError(`${filePath} on ${branch} of ${path} is a ${type === 'tree' ? 'folder' : type}, not a policy file`, {
          code: 'CONFIG_INVALID',
          exitCode: 2,
          hint: 'Set target.git.policyPath to the policy file itself, such as .idp/approval-policy.yaml.',
        })
      }

      return {content: await gitBuffer(path, ['cat-file', 'blob', `${commit}:${filePath}`]), branch, commit}
    },
    async listBaseFolder(folder) {
      if (!(await isRepository(path))) return []
      const base = await baseBranchOf(options)
      if (!(await refExists(path, `refs/heads/${base}`))) return []
      const listing = await git(path, ['ls-tree', '-r', '-z', '--name-only', `refs/heads/${base}`, '--', folder])
      return namesInFolder(listing.split('\0').filter(Boolean), folder)
    },
    async findExisting(branch, fingerprints) {
      if (!(await isRepository(path)) || !(await refExists(path, `refs/heads/${branch}`))) return undefined
      const commit = (await git(path, ['rev-parse', `refs/heads/${branch}^{commit}`])).trim()
      const message = await git(path, ['log', '-1', '--format=%B', commit])
      if (recordsRequest(message, fingerprints)) return {branch, commit, fingerprint: recordedFingerprint(message), ...((await isMerged(options, commit)) ? {merged: true} : {})}
      const author = (await git(path, ['log', '-1', '--format=%an <%ae>, %cr', commit])).trim()
      throw branchConflictError(branch, path, `last commit by ${author}`, ` Inspect it with \`git -C "${path}" log ${branch}\`.`)
    },
    deliver: (change, progress, hooks) => deliver(options, change, progress, hooks),
    async cancel(created, fingerprints) {
      const {branch} = created
      if (!branch || !(await isRepository(path)) || !(await refExists(path, `refs/heads/${branch}`))) return []
      const commit = (await git(path, ['rev-parse', `refs/heads/${branch}^{commit}`])).trim()
      if (!recordsRequest(await git(path, ['log', '-1', '--format=%B', commit]), fingerprints)) {
        return [`Kept branch ${branch}: its last commit was not made by this run`]
      }

      // Deleting with the expected old value fails if the branch moved meanwhile.
      await git(path, ['update-ref', '-d', `refs/heads/${branch}`, commit])
      return [`Deleted branch ${branch} (was ${commit.slice(0, 12)})`]
    },
  }
}

/** Checks whether the base branch contains a commit, as it does once the commit's branch is merged. */
async function isMerged(options: GitTargetOptions, commit: string): Promise<boolean> {
  const base = await baseBranchOf(options)
  if (!(await refExists(options.path, `refs/heads/${base}`))) return false
  try {
    // Exit code 0: an ancestor; 1: not one.
    await git(options.path, ['merge-base', '--is-ancestor', commit, `refs/heads/${base}`])
    return true
  } catch {
    return false
  }
}

async function compareWithBase(options: GitTargetOptions, files: RenderedFile[], removals: readonly string[]): Promise<PlannedFile[]> {
  if (!(await isRepository(options.path))) return files.map((file) => ({...file, status: 'added'}))
  const base = await baseBranchOf(options)
  if (!(await refExists(options.path, `refs/heads/${base}`))) {
    if (options.baseBranch) throw missingBaseBranch(options)

    return files.map((file) => ({...file, status: 'added'}))
  }

  // With -r, a folder among the paths lists every file below it.
  const listing = await git(options.path, ['ls-tree', '-r', '-z', `refs/heads/${base}`, '--', ...files.map((file) => file.path), ...removals])
  const existing = new Map<string, {mode: string; id: string}>()
  for (const line of listing.split('\0').filter(Boolean)) {
    const [meta, filePath] = line.split('\t')
    const [mode, , id] = meta.split(' ')
    existing.set(filePath, {mode, id})
  }

  const readBlob = (id: string) => gitBuffer(options.path, ['cat-file', 'blob', id])
  const planned: PlannedFile[] = []
  for (const file of files) {
    const previous = existing.get(file.path)
    if (!previous) planned.push({...file, status: 'added'})
    else if (previous.id === gitBlobId(file.content) && previous.mode === file.mode) planned.push({...file, status: 'unchanged'})
    else planned.push({...file, status: 'modified', previous: await readBlob(previous.id)})
  }

  const baseFiles = [...existing].map(([path, {mode}]) => ({path, mode}))
  planned.push(...(await plannedDeletions(removals, files, baseFiles, (path) => readBlob(existing.get(path)!.id))))
  return planned
}

async function deliver(options: GitTargetOptions, change: ChangeRequest, progress: Progress, hooks: DeliveryHooks): Promise<DeliveryResult> {
  const {path} = options
  if (!(await isRepository(path))) await initializeRepository(path, options)
  const base = await baseBranchOf(options)
  const baseCommit = (await git(path, ['rev-parse', '--verify', `refs/heads/${base}^{commit}`])).trim()
  const {update} = change
  if (update?.committed) return {branch: change.branch, commit: update.commit}
  if (!update && !change.mergedBranch && (await refExists(path, `refs/heads/${change.branch}`))) throw branchConflictError(change.branch, path, 'it appeared after the plan was made')
  const parent = update?.commit ?? baseCommit

  await hooks.stepStarted('commit')
  const commitStep = progress.step(update ? `Committing the new version on ${change.branch}` : `Committing ${change.files.length} files on top of ${base}`)
  let commit: string
  try {
    commit = await commitFiles(options, parent, change)
  } catch (error) {
    commitStep.fail(`Commit failed in ${path}`)
    throw error
  }

  commitStep.succeed(`Committed ${commit.slice(0, 12)}`)
  await hooks.recordRemote('commit', commit)
  await hooks.stepFinished('commit')

  await hooks.stepStarted('branch')
  const branchStep = progress.step(update ? `Moving ${change.branch} to the new version` : `Creating branch ${change.branch}`)
  try {
    // The expected old value makes git refuse to move a branch that changed meanwhile: all
    // zeros for a new branch, the previous head for an edited run or a merged branch.
    await git(path, ['update-ref', `refs/heads/${change.branch}`, commit, update?.commit ?? change.mergedBranch ?? ZERO_ID])
  } catch (error) {
    branchStep.fail(`Branch ${change.branch} was not created`)
    if (await refExists(path, `refs/heads/${change.branch}`)) throw branchConflictError(change.branch, path, 'it appeared after the plan was made')
    throw error
  }

  branchStep.succeed(update ? `Moved ${change.branch} to ${commit.slice(0, 12)}` : `Created branch ${change.branch}`)
  await hooks.recordRemote('branch', change.branch)
  await hooks.stepFinished('branch')
  return {branch: change.branch, commit}
}

/**
 * Builds the commit with a temporary index, so the repository's working tree, index and
 * checked-out branch are left exactly as they were.
 */
async function commitFiles(options: GitTargetOptions, parent: string, change: ChangeRequest): Promise<string> {
  const {path} = options
  const scratch = await mkdtemp(join(tmpdir(), 'idp-index-'))
  const env = {GIT_INDEX_FILE: join(scratch, 'index')}
  try {
    await git(path, ['read-tree', parent], {env})
    const deleted = change.files.filter((file) => file.status === 'deleted').map((file) => file.path)
    const removed = [...(change.update?.removedFiles ?? []), ...deleted]
    if (removed.length > 0) await git(path, ['update-index', '--force-remove', '--', ...removed], {env})
    let indexInfo = ''
    for (const file of change.files.filter((candidate) => candidate.status !== 'deleted')) {
      const id = (await git(path, ['hash-object', '-w', '--stdin'], {input: file.content})).trim()
      indexInfo += `${file.mode} ${id}\t${file.path}\n`
    }

    await git(path, ['update-index', '--add', '--index-info'], {env, input: indexInfo})
    const tree = (await git(path, ['write-tree'], {env})).trim()
    const identity = await commitIdentity(options)
    return (await git(path, ['commit-tree', tree, '-p', parent, '-F', '-'], {input: change.commitMessage, env: identity})).trim()
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
}

async function commitIdentity(options: GitTargetOptions): Promise<Record<string, string>> {
  const name = await gitConfig(options.path, 'user.name')
  const email = await gitConfig(options.path, 'user.email')
  const identity: Record<string, string> = {}
  if (!name) Object.assign(identity, {GIT_AUTHOR_NAME: options.author.name, GIT_COMMITTER_NAME: options.author.name})
  if (!email) Object.assign(identity, {GIT_AUTHOR_EMAIL: options.author.email, GIT_COMMITTER_EMAIL: options.author.email})
  return identity
}

async function initializeRepository(path: string, options: GitTargetOptions): Promise<void> {
  if (existsSync(path)) {
    const entries = await readdir(path)
    if (entries.length > 0) {
      throw new IdpError(`${path} exists but is not a git repository`, {
        code: 'TARGET_NOT_A_REPOSITORY',
        exitCode: 2,
        hint: `Point target.git.path at a git repository, or run \`git init\` in ${path}.`,
      })
    }
  }

  const branch = options.baseBranch ?? 'main'
  await mkdir(path, {recursive: true})
  await git(path, ['init', '--quiet', `--initial-branch=${branch}`])
  await writeFile(
    join(path, 'README.md'),
    '# Infrastructure\n\nChanges proposed with idp land here as branches, one per request.\n' +
      'Point idp at a GitHub repository (`target.github.repository`) to get pull requests instead.\n',
  )
  await git(path, ['add', 'README.md'])
  const identity = await commitIdentity(options)
  await git(path, ['commit', '--quiet', '-m', 'Initialize the infrastructure repository'], {env: identity})
}

function missingBaseBranch(options: GitTargetOptions): IdpError {
  return new IdpError(`The base branch ${options.baseBranch} does not exist in ${options.path}`, {
    code: 'BASE_BRANCH_NOT_FOUND',
    exitCode: 2,
    hint: `Set target.git.baseBranch to an existing branch (see \`git -C "${options.path}" branch\`), or remove it to use the checked-out branch.`,
  })
}

async function baseBranchOf(options: GitTargetOptions): Promise<string> {
  if (options.baseBranch) return options.baseBranch
  if (!(await isRepository(options.path))) return 'main'
  try {
    return (await git(options.path, ['symbolic-ref', '--short', 'HEAD'])).trim()
  } catch {
    return 'main'
  }
}

async function isRepository(path: string): Promise<boolean> {
  if (!existsSync(path)) return false
  try {
    const top = (await git(path, ['rev-parse', '--git-dir'])).trim()
    return top === '.git' || top === '.' || existsSync(join(path, top))
  } catch {
    return false
  }
}

async function refExists(path: string, ref: string): Promise<boolean> {
  try {
    await git(path, ['rev-parse', '--verify', '--quiet', ref])
    return true
  } catch {
    return false
  }
}

async function gitConfig(path: string, key: string): Promise<string | undefined> {
  try {
    return (await git(path, ['config', '--get', key])).trim() || undefined
  } catch {
    return undefined
  }
}

interface GitOptions {
  input?: string | Buffer
  env?: Record<string, string>
}

function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return gitBuffer(cwd, args, options).then((buffer) => buffer.toString('utf8'))
}

function gitBuffer(cwd: string, args: string[], options: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        env: {...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env},
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolvePromise(stdout)
          return
        }

        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') {
          reject(new IdpError('git is not installed or not on PATH', {code: 'GIT_NOT_FOUND', exitCode: 1, hint: 'Install git, then run the command again.'}))
          return
        }

        reject(
          new IdpError(`git ${args[0]} failed in ${cwd}: ${stderr.toString('utf8').trim() || error.message}`, {
            code: 'GIT_FAILED',
            exitCode: 1,
            cause: error,
          }),
        )
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}
