import type {JournalEntry} from '../../actions/journal.js'
import {IdpCommand} from '../../cli/base-command.js'
import {runIdArgs} from '../../cli/run-id-arg.js'
import type {RequestStatus} from '../../delivery/github-status.js'
import type {Decision} from '../../policy/index.js'

export default class RunsShow extends IdpCommand {
  static override summary = 'Show one run: its inputs, plan, steps, errors and links.'
  static override args = runIdArgs
  static override examples = [
    {description: "Show a run's inputs, steps and pull request.", command: '<%= config.bin %> runs show 20261204-203015-3f9a1c'},
    {description: 'Find a run by the start of its id and print it as JSON.', command: '<%= config.bin %> runs show 20261204-2030 --json'},
  ]

  async run(): Promise<void> {
    const {args} = await this.parse(RunsShow)
    const [{findRun, runLocation, formatAge}, {runsDir}] = await Promise.all([import('../../actions/runs.js'), import('../../actions/journal.js')])
    const run = await findRun(runsDir(), args.id)
    const status = await this.pullRequestStatus(run)

    if (this.json) {
      // `status` is the run's own status, so the pull request's state gets a field of its own.
      this.printJson(status ? {...run, pullRequestStatus: status} : run)
      return
    }

    const chalk = (await this.capabilities()).stdout
    const plan = run.plan as {title?: string; branch?: string; cost?: {monthly: number; currency: string}; decision?: Decision}
    const lines = [chalk.bold(`Run ${run.runId}: ${run.action.name} (${run.status}, ${formatAge(run.createdAt)})`)]
    if (plan.title) lines.push(`  ${plan.title}`)
    lines.push('', chalk.bold('Inputs'))
    for (const [name, value] of Object.entries(run.inputs)) lines.push(`  ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    if (plan.cost) lines.push('', `${chalk.bold('Estimated cost:')} ${plan.cost.monthly} ${plan.cost.currency} a month`)
    if (plan.decision) {
      const outcomes: Record<string, string> = {auto_approve: 'auto-approved', needs_approval: 'needs approval', deny: 'denied'}
      lines.push(`${chalk.bold('Decision:')} ${outcomes[plan.decision.outcome] ?? plan.decision.outcome}`)
      for (const reason of plan.decision.reasons ?? []) lines.push(`  - ${reason}`)
      if (plan.decision.policy) {
        const {describePolicySource} = await import('../../cli/policy-source.js')
        lines.push(chalk.dim(`  Policy: ${describePolicySource(plan.decision)}`))
      }
    }

    lines.push('', chalk.bold('Steps'))
    for (const step of run.steps) {
      lines.push(`  ${step.status.padEnd(9)}  ${step.title}${step.error ? `: ${step.error.message} (${step.error.code})` : ''}`)
    }

    const location = runLocation(run)
    if (location) lines.push('', `${chalk.bold('Where:')} ${location}`)
    for (const [name, value] of Object.entries(run.outputs)) lines.push(`${chalk.bold(`${name}:`)} ${String(value)}`)
    if (status) {
      const {describeStatus} = await import('../../cli/wait.js')
      lines.push('', chalk.bold('Pull request state'), ...describeStatus(status).map((line) => `  ${line}`))
    }

    this.out(lines.join('\n'))
  }

  /** Reads the state of the run's pull request once, when the run has one on GitHub and a token is set. */
  private async pullRequestStatus(run: JournalEntry): Promise<RequestStatus | undefined> {
    const pullRequest = run.remote.pullRequest as {number: number} | undefined
    if (run.target.kind !== 'github' || !pullRequest || !(process.env.GH_TOKEN || process.env.GITHUB_TOKEN)) return undefined
    const [{targetOfRun}, {requiredApprovalsOf}] = await Promise.all([import('../../cli/targets.js'), import('../../actions/runs.js')])
    const target = await targetOfRun(run.target, process.env)
    const required = requiredApprovalsOf(run)
    return target.status?.(pullRequest, required)
  }
}
