import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, renameSync, rmSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'

import type {GitCatalogSource} from '../config/config.js'

/**
 * Update mode of the git catalogs for one command. `auto` fetches a copy older than the max age,
 * `cached` only clones a missing copy (for `--help`), `offline` never runs git against the
 * repository (for completion), and `force` fetches every catalog (`idp actions update`).
 */
export type GitCatalogMode = 'auto' | 'cached' | 'offline' | 'force'

/** The outcome for one git catalog. */
export interface GitCatalogStatus {
  source: GitCatalogSource
  /**
   * `fetched`: cloned or fetched now. `fresh`: the copy is younger than the max age. `stale`:
   * the copy is older, and was not fetched or the fetch failed. `missing`: there is no copy.
   */
  state: 'fetched' | 'fresh' | 'stale' | 'missing'
  /** When the copy was last fetched. */
  fetchedAt?: Date
  /** Reason the fetch failed, in git's own words. */
  error?: string
}

export interface SyncGitCatalogsOptions {
  mode: GitCatalogMode
  maxAgeMs: number
  now?: Date
  env?: NodeJS.ProcessEnv
}

/** Brings the cached copies of git catalogs up to date as `mode` allows, and reports each one. */
export function syncGitCatalogs(sources: GitCatalogSource[], options: SyncGitCatalogsOptions): GitCatalogStatus[] {
  return sources.map((source) => syncGitCatalog(source, options))
}

function syncGitCatalog(source: GitCatalogSource, options: SyncGitCatalogsOptions): GitCatalogStatus {
  const now = options.now ?? new Date()
  const fetchedAt = lastFetch(source)
  const stale = !fetchedAt || now.getTime() - fetchedAt.getTime() >= options.maxAgeMs
  const shouldFetch = options.mode === 'force' || (options.mode === 'auto' && stale) || (options.mode === 'cached' && !fetchedAt)
  if (!shouldFetch) {
    if (!fetchedAt) return {source, state: 'missing'}
    return {source, state: stale ? 'stale' : 'fresh', fetchedAt}
  }

  const error = fetchedAt ? fetchInto(source.checkout, source, options.env) : cloneCatalog(source, options.env)
  if (error) return {source, state: fetchedAt ? 'stale' : 'missing', fetchedAt, error}
  return {source, state: 'fetched', fetchedAt: lastFetch(source)}
}

/**
 * Returns when the copy was last fetched: the modification time of `.git/FETCH_HEAD`, which
 * every `git fetch` rewrites, or undefined when there is no copy.
 */
function lastFetch(source: GitCatalogSource): Date | undefined {
  try {
    return statSync(join(source.checkout, '.git', 'FETCH_HEAD')).mtime
  } catch {
    return undefined
  }
}

/**
 * Clones the catalog into a temporary folder next to its cached copy, then renames it, so that
 * another idp process never reads a half-made copy.
 */
function cloneCatalog(source: GitCatalogSource, env?: NodeJS.ProcessEnv): string | undefined {
  const temporary = `${source.checkout}.${process.pid}.tmp`
  rmSync(temporary, {recursive: true, force: true})
  mkdirSync(dirname(temporary), {recursive: true})
  const error = runGit(['init', '--quiet', temporary], dirname(temporary), env) ?? fetchInto(temporary, source, env)
  if (error) {
    rmSync(temporary, {recursive: true, force: true})
    return error
  }

  try {
    renameSync(temporary, source.checkout)
  } catch (renameError) {
    rmSync(temporary, {recursive: true, force: true})
    // NOTE: another idp process made the copy first; it is as new as this one.
    if (!existsSync(source.checkout)) return (renameError as Error).message
  }

  return undefined
}

/** Fetches the catalog's ref (only its last commit) into a work tree and checks it out. */
function fetchInto(workTree: string, source: GitCatalogSource, env?: NodeJS.ProcessEnv): string | undefined {
  return (
    runGit(['fetch', '--quiet', '--depth', '1', '--no-tags', '--', source.url, source.ref], workTree, env) ??
    runGit(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'], workTree, env)
  )
}

/** Runs git, returning its error output when it fails. Git never prompts: a catalog needing a password fails instead. */
function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const result = spawnSync('git', args, {cwd, env: {...env, GIT_TERMINAL_PROMPT: '0'}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  if (result.error) return `git could not be started: ${result.error.message}`
  if (result.status === 0) return undefined
  return result.stderr.trim().split('\n').at(-1) || `git ${args[0]} exited with ${result.status}`
}

/** Describes a copy's age in words, such as `3 hours`. */
export function describeAge(fetchedAt: Date, now = new Date()): string {
  const minutes = Math.max(0, Math.round((now.getTime() - fetchedAt.getTime()) / 60_000))
  if (minutes < 120) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} hours`
  return `${Math.round(hours / 24)} days`
}

/** Describes a git catalog for messages: its URL, and its ref when it is not HEAD. */
export function describeGitCatalog(source: GitCatalogSource): string {
  return source.ref === 'HEAD' ? source.url : `${source.url} (${source.ref})`
}

/** Builds the warnings of a start-up sync: copies that are stale, missing, or failed to fetch. */
export function gitCatalogWarnings(statuses: GitCatalogStatus[], now = new Date()): string[] {
  const warnings: string[] = []
  for (const status of statuses) {
    const name = describeGitCatalog(status.source)
    if (status.error && status.state === 'missing') warnings.push(`The git catalog ${name} could not be cloned, so its actions are missing: ${status.error}`)
    else if (status.error) warnings.push(`The git catalog ${name} could not be fetched; using the copy from ${describeAge(status.fetchedAt!, now)} ago: ${status.error}`)
    else if (status.state === 'stale') warnings.push(`The copy of the git catalog ${name} is ${describeAge(status.fetchedAt!, now)} old, older than catalogMaxAge; run \`idp actions update\`.`)
    else if (status.state === 'missing') warnings.push(`The git catalog ${name} has not been cloned yet, so its actions are missing; run \`idp actions update\`.`)
  }

  return warnings
}
