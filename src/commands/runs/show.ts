import {Args} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'

export default class RunsShow extends IdpCommand {
  static override summary = 'Show one run: its inputs, plan, steps, errors and links.'
  static override args = {id: Args.string({description: 'Run id, or a prefix of it that matches one run.', required: true})}
  static override examples = ['<%= config.bin %> runs show 20261204-203015-3f9a1c', '<%= config.bin %> runs show 20261204-2030 --json']

  async run(): Promise<void> {
    const {args} = await this.parse(RunsShow)
    const [{findRun, runLocation, formatAge}, {runsDir}] = await Promise.all([import('../../actions/runs.js'), import('../../actions/journal.js')])
    const run = await findRun(runsDir(), args.id)

    if (this.json) {
      this.printJson(run)
      return
    }

    const chalk = (await this.capabilities()).stdout
    const plan = run.plan as {title?: string; branch?: string; cost?: {monthly: number; currency: string}; decision?: {outcome: string; reasons?: string[]}}
    const lines = [chalk.bold(`Run ${run.runId}: ${run.action.name} (${run.status}, ${formatAge(run.createdAt)})`)]
    if (plan.title) lines.push(`  ${plan.title}`)
    lines.push('', chalk.bold('Inputs'))
    for (const [name, value] of Object.entries(run.inputs)) lines.push(`  ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    if (plan.cost) lines.push('', `${chalk.bold('Estimated cost:')} ${plan.cost.monthly} ${plan.cost.currency} a month`)
    if (plan.decision) {
      const outcomes: Record<string, string> = {auto_approve: 'auto-approved', needs_approval: 'needs approval', deny: 'denied'}
      lines.push(`${chalk.bold('Decision:')} ${outcomes[plan.decision.outcome] ?? plan.decision.outcome}`)
      for (const reason of plan.decision.reasons ?? []) lines.push(`  - ${reason}`)
    }

    lines.push('', chalk.bold('Steps'))
    for (const step of run.steps) {
      lines.push(`  ${step.status.padEnd(9)}  ${step.title}${step.error ? `: ${step.error.message} (${step.error.code})` : ''}`)
    }

    const location = runLocation(run)
    if (location) lines.push('', `${chalk.bold('Where:')} ${location}`)
    for (const [name, value] of Object.entries(run.outputs)) lines.push(`${chalk.bold(`${name}:`)} ${String(value)}`)
    this.out(lines.join('\n'))
  }
}
