import {IdpCommand} from '../../cli/base-command.js'
import {runIdArgs} from '../../cli/run-id-arg.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class RunsWatch extends IdpCommand {
  static override summary = "Follow a run's pull request: checks, approvals per group, merge."
  static override description =
    'Reads the pull request the run opened until it is merged or closed, or until it needs a person: failed checks, missing approvals (exit 8), or ready to merge. Approvals count only on the current head commit, from members of the required team, and never from the author unless the policy allows it.'

  static override args = runIdArgs
  static override examples = [
    {description: "Follow a run's pull request until it is merged or needs a person (exit 8 while approval is missing).", command: '<%= config.bin %> runs watch 20261204-203015-3f9a1c'},
  ]

  async run(): Promise<void> {
    const {args} = await this.parse(RunsWatch)
    const [{findRun, requiredApprovalsOf}, {runsDir}, {targetOfRun}, {waitForRequest, waitOptions, waitResultError, describeOutcome}, {TerminalProgress}] = await Promise.all([
      import('../../actions/runs.js'),
      import('../../actions/journal.js'),
      import('../../cli/targets.js'),
      import('../../cli/wait.js'),
      import('../../cli/progress.js'),
    ])
    const run = await findRun(runsDir(), args.id)
    const pullRequest = run.remote.pullRequest as {number: number; url: string} | undefined
    if (!pullRequest) {
      throw new IdpError(`Run ${run.runId} has no pull request to follow`, {
        code: 'WAIT_UNSUPPORTED',
        exitCode: ExitCode.usage,
        hint: run.target.kind === 'git' ? 'Runs on a local repository have a branch, not a pull request.' : `Finish the run first with \`idp runs retry ${run.runId}\`.`,
      })
    }

    const required = requiredApprovalsOf(run)
    const terminal = await this.capabilities()
    const progress = await TerminalProgress.create(process.stderr, false, terminal.stderr)
    const target = await targetOfRun(run.target, process.env)
    const status = await waitForRequest(target, pullRequest, required, progress, waitOptions(process.env))

    const error = waitResultError(status, run.runId)
    if (this.json) {
      this.printJson({runId: run.runId, status})
      if (error) process.exitCode = error.exitCode
      return
    }

    this.out(`Pull request #${status.pullRequest.number}: ${describeOutcome(status)}`)
    if (error) throw error
  }
}
