import {IdpCommand} from '../../cli/base-command.js'
import {runIdArgs} from '../../cli/run-id-arg.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class RunsRetry extends IdpCommand {
  static override summary = 'Finish a failed or interrupted run, reusing what it already created.'
  static override description =
    'Plans the run again from its journal (same action, inputs and branch), then delivers it: the branch, commit and pull request that the run already created are found by the request fingerprint and reused, so nothing is duplicated.'

  static override args = runIdArgs
  static override examples = [
    {description: 'Finish a failed or interrupted run. A finished run is reported as it is.', command: '<%= config.bin %> runs retry 20261204-203015-3f9a1c'},
  ]

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RunsRetry)
    const [{findRun}, {runsDir}, {actionOfRun}, {loadConfig}, {runAction}, {detectTerminal}, {runEditOf}, {isDeepStrictEqual}] = await Promise.all([
      import('../../actions/runs.js'),
      import('../../actions/journal.js'),
      import('../../actions/catalog.js'),
      import('../../config/config.js'),
      import('../../cli/run-action.js'),
      import('../../cli/terminal.js'),
      import('../../cli/run-edit.js'),
      import('node:util'),
    ])
    const run = await findRun(runsDir(), args.id)
    if (run.status === 'succeeded') {
      if (this.json) this.printJson({runId: run.runId, status: run.status, retried: false})
      else this.out(`Run ${run.runId} already succeeded; nothing to retry. \`idp runs show ${run.runId}\` shows it.`)
      return
    }

    if (run.status === 'cancelled') {
      throw new IdpError(`Run ${run.runId} was cancelled, so it is not retried`, {
        code: 'RUN_CANCELLED',
        exitCode: ExitCode.usage,
        hint: 'Submit a new request with the action command if the change is wanted again.',
      })
    }

    const config = await loadConfig({file: flags.config})
    const entry = actionOfRun(run, config.catalog)
    const {createTargetSummary} = await import('../../cli/targets.js')
    const current = createTargetSummary(config, process.env)
    if (!isDeepStrictEqual(current, run.target)) {
      throw new IdpError(`Run ${run.runId} was delivered to ${describeTarget(run.target)}, but the configuration here points at ${describeTarget(current)}`, {
        code: 'TARGET_CHANGED',
        exitCode: ExitCode.usage,
        hint: 'Run the retry from the folder the request was made in, or pass its configuration with --config.',
      })
    }

    const terminal = detectTerminal({noInput: true})
    this.useTerminal(terminal)
    const branch = typeof run.plan.branch === 'string' ? run.plan.branch : undefined
    // A run whose edit did not finish is retried as that edit.
    const unfinishedEdit = run.plan.edit === undefined ? undefined : runEditOf(run)
    await runAction({
      entry,
      flags: {yes: true, 'dry-run': false, json: flags.json, 'no-input': true, config: flags.config, branch: unfinishedEdit ? undefined : branch},
      inputFlags: run.inputs,
      terminal,
      retry: {runId: run.runId, createdAt: run.createdAt, commit: typeof run.remote.commit === 'string' ? run.remote.commit : undefined},
      edit: unfinishedEdit,
    })
  }
}

function describeTarget(summary: Record<string, unknown>): string {
  return summary.kind === 'git' ? `the local repository ${String(summary.path)}` : `the GitHub repository ${String(summary.repository)} (${String(summary.apiUrl)})`
}
