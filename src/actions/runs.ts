import {closest} from 'fastest-levenshtein'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {compareCodeUnits} from '../compare-text.js'
import {IdpError, isErrnoException} from '../errors.js'
import {type JournalEntry, RunJournal} from './journal.js'

/** Checks that a parsed journal has the fields the runs commands read. */
function isJournal(value: unknown): value is JournalEntry {
  const entry = value as Partial<JournalEntry> | null
  const isObject = (field: unknown) => typeof field === 'object' && field !== null
  return (
    isObject(entry) &&
    typeof entry!.runId === 'string' &&
    typeof entry!.createdAt === 'string' &&
    typeof entry!.status === 'string' &&
    typeof entry!.action?.name === 'string' &&
    isObject(entry!.inputs) &&
    isObject(entry!.plan) &&
    isObject(entry!.target) &&
    isObject(entry!.remote) &&
    isObject(entry!.outputs) &&
    Array.isArray(entry!.steps)
  )
}

/** Reads every run journal in the folder, most recent first. Unreadable files are skipped. */
export async function listRuns(dir: string): Promise<JournalEntry[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return []
    throw error
  }

  const entries: JournalEntry[] = []
  for (const name of names.filter((file) => file.endsWith('.json'))) {
    const entry = await RunJournal.read(join(dir, name)).catch(() => undefined)
    // A journal that is not valid JSON or lacks fields (written by hand, or cut short by a full
    // disk) is left out, so it cannot hide every other run. findRun names it when asked for.
    if (isJournal(entry)) entries.push(entry)
  }

  // Newest first; the times are ISO 8601, so text order is time order.
  return entries.sort((first, second) => compareCodeUnits(second.createdAt, first.createdAt))
}

/** Finds one run by its id or by a prefix of it that matches only that run. */
export async function findRun(dir: string, id: string): Promise<JournalEntry> {
  if (id.trim() === '') {
    throw new IdpError('The run id is empty', {code: 'USAGE_INVALID', exitCode: 2, hint: '`idp runs list` shows the run ids.'})
  }

  const runs = await listRuns(dir)
  const exact = runs.find((run) => run.runId === id)
  if (exact) return exact
  const matches = runs.filter((run) => run.runId.startsWith(id))
  if (matches.length === 1) return matches[0]

  const ids = runs.map((run) => run.runId)
  if (matches.length > 1) {
    throw new IdpError(`The run id prefix "${id}" matches ${matches.length} runs`, {
      code: 'RUN_AMBIGUOUS',
      exitCode: 2,
      hint: `Give more of the id: ${matches.map((run) => run.runId).join(', ')}`,
    })
  }

  const file = join(dir, `${id}.json`)
  if (await RunJournal.read(file).then(() => true, (error: unknown) => !(isErrnoException(error) && error.code === 'ENOENT'))) {
    throw new IdpError(`The journal ${file} is unreadable or incomplete`, {
      code: 'JOURNAL_INVALID',
      exitCode: 1,
      hint: 'Check the file; a journal edited by hand or cut short cannot be used by the runs commands.',
    })
  }

  throw new IdpError(`No run with the id "${id}" in ${dir}`, {
    code: 'RUN_NOT_FOUND',
    exitCode: 2,
    hint: ids.length > 0 ? `Did you mean ${closest(id, ids)}? \`idp runs list\` shows every run.` : 'No run has been submitted yet.',
  })
}

/** Returns the approvals a run's decision requires, as recorded in its journal. */
export function requiredApprovalsOf(run: JournalEntry): Array<{group: string; team: string; count: number; allowRequester: boolean; sla?: string}> {
  const decision = run.plan.decision as {requirements?: Array<{group: string; team: string; count: number; allowRequester: boolean; sla?: string}>} | undefined
  return (decision?.requirements ?? []).map(({group, team, count, allowRequester, sla}) => ({group, team, count, allowRequester, sla}))
}

/** Returns the location of a run's change: the pull request link, or the branch for a local repository. */
export function runLocation(run: JournalEntry): string {
  const pullRequest = run.remote.pullRequest as {url?: string} | undefined
  if (pullRequest?.url) return pullRequest.url
  if (typeof run.remote.branch === 'string') return `branch ${run.remote.branch}`
  return ''
}

/** Formats how long ago a time was, such as "5m ago", "3h ago" or "2d ago". */
export function formatAge(iso: string, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`
  return `${Math.floor(seconds / 86_400)}d ago`
}
