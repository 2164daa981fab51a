import type {JournalEntry} from '../actions/journal.js'
import {ExitCode, IdpError} from '../errors.js'
import type {Decision} from '../policy/index.js'
import type {RunEdit} from './run-action.js'

interface JournalPlan {
  fingerprint?: string
  branch?: string
  files?: Array<{path: string}>
  labels?: string[]
  cost?: {monthly: number; currency: string}
  decision?: Decision
  edit?: {fingerprints: string[]; inputs: Record<string, unknown>; files: string[]; labels: string[]}
}

/**
 * Describes a submitted run as the starting point of an edit. A run whose last edit did not
 * finish may have either version on its branch, so both fingerprints, file lists and labels
 * are accepted, and the edit is delivered even when the inputs repeat the unfinished ones.
 */
export function runEditOf(run: JournalEntry): RunEdit {
  const plan = run.plan as JournalPlan
  if (run.status === 'cancelled' || typeof plan.fingerprint !== 'string' || typeof plan.branch !== 'string') {
    throw new IdpError(`Run ${run.runId} cannot be changed: ${run.status === 'cancelled' ? 'it was cancelled' : 'its journal has no branch or fingerprint'}`, {
      code: 'RUN_NOT_EDITABLE',
      exitCode: ExitCode.usage,
      hint: 'Submit a new request with the action command instead.',
    })
  }

  const unique = (values: string[]) => [...new Set(values)]
  return {
    runId: run.runId,
    createdAt: run.createdAt,
    inputs: run.inputs,
    fingerprints: unique([plan.fingerprint, ...(plan.edit?.fingerprints ?? [])]),
    branch: plan.branch,
    files: unique([...(plan.files ?? []).map((file) => file.path), ...(plan.edit?.files ?? [])]),
    labels: unique([...(plan.labels ?? []), ...(plan.edit?.labels ?? [])]),
    cost: plan.cost,
    decision: plan.decision,
    remote: run.remote,
    resume: run.status !== 'succeeded',
  }
}
