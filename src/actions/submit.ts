import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {IdpError, isErrnoException} from '../errors.js'
import type {DeliveryResult} from '../delivery/target.js'
import {renderString} from './expressions.js'
import {type JournalEntry, RunJournal} from './journal.js'
import type {LoadedManifest} from './manifest.js'
import type {Plan} from './plan.js'
import type {Progress} from './progress.js'

/** Result of a submitted run. */
export interface SubmitResult {
  delivery: DeliveryResult
  /** The manifest's outputs that have a value, by name. */
  outputs: Array<{name: string; title: string; value: string}>
  journalPath: string
}

/**
 * Delivers a plan to its target, journaling each step as it starts and ends and each remote
 * object as soon as it exists. On failure the journal records which step failed and what was
 * already created, and the error is rethrown.
 */
export async function submitPlan(plan: Plan, loaded: LoadedManifest, progress: Progress, journalDir: string, options: SubmitOptions = {}): Promise<SubmitResult> {
  const lock = await lockRun(journalDir, plan.runId)
  const journal = await RunJournal.create(journalDir, journalEntry(plan, options))
  try {
    const delivery = await plan.target.deliver(plan.change, progress, {
      stepStarted: async (id) => {
        // An interruption takes effect between steps, so no request is cut off half-way.
        if (options.interrupted?.()) throw interruptedError(plan.runId)
        await journal.setStep(id, 'running')
      },
      stepFinished: (id) => journal.setStep(id, 'succeeded'),
      recordRemote: (key, value) => journal.update((entry) => void (entry.remote[key] = value)),
    })

    const outputs = renderOutputs(plan, loaded, delivery)
    await journal.update((entry) => {
      entry.status = 'succeeded'
      entry.outputs = Object.fromEntries(outputs.map((output) => [output.name, output.value]))
    })
    return {delivery, outputs, journalPath: journal.path}
  } catch (error) {
    const failure = error instanceof IdpError ? {code: error.code, message: error.message} : {code: 'INTERNAL', message: String(error)}
    const interrupted = error instanceof IdpError && error.code === 'INTERRUPTED'
    await journal.update((entry) => {
      entry.status = interrupted ? 'interrupted' : 'failed'
      const running = entry.steps.find((step) => step.status === 'running')
      if (running) {
        running.status = 'failed'
        running.finishedAt = new Date().toISOString()
        running.error = failure
      }
    })
    if (error instanceof IdpError) {
      error.details.journal = journal.path
      error.details.runId = plan.runId
    }

    throw error
  } finally {
    await lock.release()
  }
}

/** Options of submitPlan. */
export interface SubmitOptions {
  /** Returns true once the user asked to stop (Ctrl-C); checked before each step. */
  interrupted?: () => boolean
  /** Creation time to keep when a retry or an edit rewrites an existing journal. */
  createdAt?: string
  /** Remote objects an edited run already has, kept until the edit replaces them. */
  remote?: Record<string, unknown>
  /**
   * For an edit: the version on the branch before it. Kept in the journal, so that an edit
   * that fails half-way can be retried, edited again or cancelled.
   */
  edit?: {fingerprints: string[]; inputs: Record<string, unknown>; files: string[]; labels: string[]}
}

function interruptedError(runId: string): IdpError {
  return new IdpError('Interrupted; the run stopped before its next step.', {
    code: 'INTERRUPTED',
    exitCode: 130,
    hint: `Finish it with \`idp runs retry ${runId}\`; it reuses what the run already created.`,
  })
}

/**
 * Takes the run's lock file, so that two processes never deliver the same run at once. A lock
 * left by a process that no longer exists (a crash) is taken over.
 */
export async function lockRun(dir: string, runId: string): Promise<{release: () => Promise<void>}> {
  await mkdir(dir, {recursive: true, mode: 0o700})
  const path = join(dir, `${runId}.lock`)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), {flag: 'wx', mode: 0o600})
      return {release: () => rm(path, {force: true})}
    } catch (error) {
      if (!isErrnoException(error) || error.code !== 'EEXIST') throw error
      const owner = Number(await readFile(path, 'utf8').catch(() => ''))
      if (isRunning(owner)) {
        throw new IdpError(`Run ${runId} is being delivered by another idp process (pid ${owner})`, {
          code: 'RUN_LOCKED',
          exitCode: 1,
          hint: `Wait for it to finish, then check it with \`idp runs show ${runId}\`.`,
        })
      }

      await rm(path, {force: true})
    }
  }

  throw new IdpError(`Cannot lock run ${runId}: ${path} keeps reappearing`, {code: 'RUN_LOCKED', exitCode: 1})
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return isErrnoException(error) && error.code === 'EPERM'
  }
}

function journalEntry(plan: Plan, options: SubmitOptions): JournalEntry {
  const now = new Date().toISOString()
  return {
    runId: plan.runId,
    createdAt: options.createdAt ?? now,
    updatedAt: now,
    status: 'running',
    action: {name: plan.action.name, command: plan.action.command, file: plan.action.file},
    inputs: plan.inputs,
    plan: {
      cost: plan.cost,
      risk: plan.risk,
      resources: plan.resources,
      permissions: plan.permissions,
      decision: plan.decision,
      requester: plan.requester,
      branch: plan.change.branch,
      fingerprint: plan.change.fingerprint,
      title: plan.change.title,
      labels: plan.change.labels,
      teamReviewers: plan.change.teamReviewers,
      files: plan.files.map((file) => ({path: file.path, status: file.status, mode: file.mode})),
      edit: options.edit,
    },
    target: plan.target.summary,
    steps: [
      {id: 'render', title: 'Render the files', status: 'succeeded', finishedAt: now},
      ...plan.target.steps.map((step) => ({...step, status: 'pending' as const})),
    ],
    remote: {...options.remote},
    outputs: {},
  }
}

function renderOutputs(plan: Plan, loaded: LoadedManifest, delivery: DeliveryResult): SubmitResult['outputs'] {
  const publish = loaded.manifest.spec.steps.find((step) => step.action === 'publish:pull-request')!
  const context = {
    ...plan.context,
    steps: {
      ...plan.context.steps,
      [publish.id]: {
        branch: delivery.branch,
        commit: delivery.commit,
        ...(delivery.pullRequest ? {url: delivery.pullRequest.url, number: delivery.pullRequest.number} : {}),
      },
    },
  }

  if (loaded.engine) {
    const {pullRequest} = delivery
    return loaded.engine.outputs(plan.context, {
      targetBranchName: delivery.branch,
      commitHash: delivery.commit,
      ...(pullRequest ? {remoteUrl: pullRequest.url, pullRequestNumber: pullRequest.number} : {}),
    })
  }

  const outputs: SubmitResult['outputs'] = []
  for (const output of loaded.manifest.spec.outputs ?? []) {
    let value: string
    try {
      value = renderString(output.value, context)
    } catch {
      // An output that refers to a value this target does not produce (a pull request URL
      // from a local git target) is left out rather than failing a delivered change.
      continue
    }

    if (value !== '') outputs.push({name: output.name, title: output.title, value})
  }

  return outputs
}
