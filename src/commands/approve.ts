import {Args, Flags} from '@oclif/core'

import {IdpCommand} from '../cli/base-command.js'
import {ExitCode, IdpError} from '../errors.js'

export default class Approve extends IdpCommand {
  static override summary = "Approve a request's pull request from the terminal, after seeing what the policy checks."
  static override description = [
    'Shows the request the way `idp policy verify` judges it: whether the files match the recorded request, what the policy on the base branch decides and which approvals count so far, and whether your approval will count. After confirmation it submits an approving review on the current head commit, with a summary of what was checked.',
    'It does not approve a request whose files were changed after idp opened it, a denied request, or your own pull request.',
  ].join('\n\n')

  static override examples = [
    {description: 'Show what the policy checks on pull request 42, then ask before approving it. Without a terminal it cannot ask, so it stops (exit 2): add --yes.', command: '<%= config.bin %> approve https://github.com/acme/infrastructure/pull/42'},
    {description: 'Approve without asking.', command: '<%= config.bin %> approve acme/infrastructure#42 --yes'},
    {description: 'Approve the pull request of a run, found by its id in the run journals on this machine. Without a terminal it cannot ask (exit 2).', command: '<%= config.bin %> approve 20261204-203015-3f9a1c'},
  ]

  static override args = {request: Args.string({description: 'Pull request URL, owner/name#number, a number in the configured repository, or a run id.', required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Approve without asking for confirmation.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Approve)
    const env = process.env
    const [{loadConfig}, {approvePullRequest, parsePullRequestRef}, {TerminalProgress}] = await Promise.all([
      import('../config/config.js'),
      import('../cli/approve.js'),
      import('../cli/progress.js'),
    ])
    const config = await loadConfig({file: flags.config})
    const ref = parsePullRequestRef(args.request, config.target.github?.repository) ?? (await this.runPullRequest(args.request))
    const terminal = await this.capabilities()
    const progress = await TerminalProgress.create(process.stderr, terminal.animate && !flags.json, terminal.stderr)
    await approvePullRequest({ref, config, yes: flags.yes, json: flags.json, terminal, progress, env})
  }

  /** Finds the pull request of a run from its journal. */
  private async runPullRequest(id: string): Promise<{repository: string; number: number}> {
    const [{findRun}, {runsDir}] = await Promise.all([import('../actions/runs.js'), import('../actions/journal.js')])
    const run = await findRun(runsDir(), id)
    const pullRequest = run.remote.pullRequest as {number?: number} | undefined
    if (run.target.kind !== 'github' || typeof run.target.repository !== 'string' || !pullRequest?.number) {
      throw new IdpError(`Run ${run.runId} has no pull request to approve`, {
        code: 'USAGE_INVALID',
        exitCode: ExitCode.usage,
        hint: 'Only runs delivered to GitHub have one; pass the pull request URL instead.',
      })
    }

    return {repository: run.target.repository, number: pullRequest.number}
  }
}
