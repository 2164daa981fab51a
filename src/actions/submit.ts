import {IdpError} from '../errors.js'
import type {DeliveryResult} from '../delivery/target.js'
import {renderString} from './expressions.js'
import {type JournalEntry, RunJournal} from './journal.js'
import type {LoadedManifest} from './manifest.js'
import type {Plan} from './plan.js'
import type {Progress} from './progress.js'

/** What a submitted run produced. */
export interface SubmitResult {
  delivery: DeliveryResult
  /** The manifest's outputs that have a value, by name. */
  outputs: Array<{name: string; title: string; value: string}>
  journalPath: string
}

/**
 * Delivers a plan to its target, journaling each step as it starts and ends and each remote
 * object as soon as it exists. On failure the journal says which step failed and what was
 * already created, and the error is rethrown.
 */
export async function submitPlan(plan: Plan, loaded: LoadedManifest, progress: Progress, journalDir: string): Promise<SubmitResult> {
  const journal = await RunJournal.create(journalDir, journalEntry(plan))
  try {
    const delivery = await plan.target.deliver(plan.change, progress, {
      stepStarted: (id) => journal.setStep(id, 'running'),
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
    await journal.update((entry) => {
      entry.status = 'failed'
      const running = entry.steps.find((step) => step.status === 'running')
      if (running) {
        running.status = 'failed'
        running.finishedAt = new Date().toISOString()
        running.error = failure
      }
    })
    if (error instanceof IdpError) error.details.journal = journal.path
    throw error
  }
}

function journalEntry(plan: Plan): JournalEntry {
  const now = new Date().toISOString()
  return {
    runId: plan.runId,
    createdAt: now,
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
      title: plan.change.title,
      labels: plan.change.labels,
      teamReviewers: plan.change.teamReviewers,
      files: plan.files.map((file) => ({path: file.path, status: file.status, mode: file.mode})),
    },
    target: plan.target.summary,
    steps: [
      {id: 'render', title: 'Render the files', status: 'succeeded', finishedAt: now},
      ...plan.target.steps.map((step) => ({...step, status: 'pending' as const})),
    ],
    remote: {},
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
