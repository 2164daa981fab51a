import {join} from 'node:path'

import {IdpCommand} from '../../cli/base-command.js'
import {runIdArgs} from '../../cli/run-id-arg.js'
import {IdpError} from '../../errors.js'

export default class RunsCancel extends IdpCommand {
  static override summary = 'Withdraw a run: close its pull request and delete the branch it created.'
  static override description =
    'Closes the pull request the run opened and deletes its branch, but only a branch whose last commit this run made: a branch someone else pushed to is kept. The journal is marked cancelled.'

  static override args = runIdArgs
  static override examples = [
    {description: 'Close the pull request of a run and delete its branch.', command: '<%= config.bin %> runs cancel 20261204-203015-3f9a1c'},
  ]

  async run(): Promise<void> {
    const {args} = await this.parse(RunsCancel)
    const [{findRun}, {runsDir, RunJournal}, {targetOfRun}, {lockRun}] = await Promise.all([
      import('../../actions/runs.js'),
      import('../../actions/journal.js'),
      import('../../cli/targets.js'),
      import('../../actions/submit.js'),
    ])
    const run = await findRun(runsDir(), args.id)
    const fingerprint = run.plan.fingerprint
    if (typeof fingerprint !== 'string') {
      throw new IdpError(`Run ${run.runId} has no request fingerprint in its journal, so idp cannot tell which branch it owns`, {
        code: 'RUN_NOT_CANCELLABLE',
        exitCode: 1,
        hint: 'Close its pull request and delete its branch by hand.',
      })
    }

    const target = await targetOfRun(run.target, process.env)
    // The lock keeps a retry or an edit of this run from delivering while it is withdrawn.
    const lock = await lockRun(runsDir(), run.runId)
    let done: string[]
    try {
      const fingerprints = [fingerprint, ...(((run.plan.edit as {fingerprints?: string[]} | undefined)?.fingerprints) ?? [])]
      done = await target.cancel({branch: run.remote.branch as string | undefined, pullRequest: run.remote.pullRequest as {number: number} | undefined}, fingerprints)
      const journal = await RunJournal.open(join(runsDir(), `${run.runId}.json`))
      await journal.update((entry) => {
        entry.status = 'cancelled'
      })
    } finally {
      await lock.release()
    }

    if (this.json) {
      this.printJson({runId: run.runId, status: 'cancelled', actions: done})
      return
    }

    for (const line of done) this.out(line)
    this.out(`Run ${run.runId} is cancelled.`)
  }
}
