import {type Plan, shownInputs} from '../actions/plan.js'
import type {SubmitResult} from '../actions/submit.js'

/** Prints one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Shapes a plan for `--json`: the request, its cost, decision and files. */
export function planJson(plan: Plan, dryRun: boolean): Record<string, unknown> {
  return {
    action: plan.action.name,
    inputs: shownInputs(plan),
    cost: plan.cost ? {monthly: plan.cost.monthly, currency: plan.cost.currency} : undefined,
    risk: plan.risk,
    resources: plan.resources,
    permissions: plan.permissions,
    requester: plan.requester,
    decision: plan.decision,
    files: plan.files.map((file) => ({path: file.path, status: file.status, mode: file.mode})),
    branch: plan.change.branch,
    target: plan.target.summary,
    config: plan.configSources,
    dryRun,
  }
}

/** Shapes a submitted run for `--json`: the plan plus the run id and where the change went. */
export function resultJson(plan: Plan, result: SubmitResult): Record<string, unknown> {
  return {
    ...planJson(plan, false),
    runId: plan.runId,
    branch: result.delivery.branch,
    commit: result.delivery.commit,
    pullRequest: result.delivery.pullRequest,
    outputs: Object.fromEntries(result.outputs.map((output) => [output.name, output.value])),
    journal: result.journalPath,
  }
}
