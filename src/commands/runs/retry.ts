import {Args} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'

export default class RunsRetry extends IdpCommand {
  static override summary = 'Finish a failed or interrupted run, reusing what it already created.'
  static override description =
    'Plans the run again from its journal (same action, inputs and branch), then delivers it: the branch, commit and pull request that the run already created are found by the request fingerprint and reused, so nothing is duplicated.'

  static override args = {id: Args.string({description: 'Run id, or a prefix of it that matches one run.', required: true})}
  static override examples = ['<%= config.bin %> runs retry 20261204-203015-3f9a1c']

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RunsRetry)
    const [{findRun}, {runsDir}, {actionOfRun}, {loadConfig}, {runAction}, {detectTerminal}] = await Promise.all([
      import('../../actions/runs.js'),
      import('../../actions/journal.js'),
      import('../../actions/catalog.js'),
      import('../../config/config.js'),
      import('../../cli/run-action.js'),
      import('../../cli/terminal.js'),
    ])
    const run = await findRun(runsDir(), args.id)
    if (run.status === 'succeeded') {
      this.out(`Run ${run.runId} already succeeded; nothing to retry. \`idp runs show ${run.runId}\` shows it.`)
      return
    }

    const config = await loadConfig({file: flags.config})
    const entry = actionOfRun(run, config.catalog)

    const terminal = detectTerminal({noInput: true})
    this.useTerminal(terminal)
    const branch = typeof run.plan.branch === 'string' ? run.plan.branch : undefined
    await runAction({
      entry,
      flags: {yes: true, 'dry-run': false, json: flags.json, 'no-input': true, config: flags.config, branch},
      inputFlags: run.inputs,
      terminal,
      retry: {runId: run.runId, createdAt: run.createdAt, commit: typeof run.remote.commit === 'string' ? run.remote.commit : undefined},
    })
  }
}
