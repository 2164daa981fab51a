import {IdpCommand} from '../cli/base-command.js'
import type {CheckStatus, DoctorReport} from '../cli/doctor.js'
import type {TerminalCapabilities} from '../cli/terminal.js'

export default class Doctor extends IdpCommand {
  static override summary = 'Check the setup: configuration, catalog, target, GitHub token, repository, approval policy, its test cases and approver teams.'
  static override description = [
    'Prints one line per check with ✓ (passed), ! (warning), ✗ (failed) or - (skipped), and the fix for each warning and failure. A failed check does not stop the others; a check that needs what a failed one would have found is skipped with the reason.',
    'With a GitHub target it sends read requests only: the token\'s account, the repository, the base branch, the shared approval policy and the members of each approver team. The token is never printed.',
    'Exit code 0 when no check failed (warnings allowed), 1 when one failed.',
  ].join('\n\n')

  static override examples = [
    {description: 'Check the setup and say what to fix. The exit code is 1 when a check fails.', command: '<%= config.bin %> doctor'},
    {description: 'The same checks as one JSON document.', command: '<%= config.bin %> doctor --json'},
  ]

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor)
    const {runDoctor} = await import('../cli/doctor.js')
    const cwd = process.cwd()
    const report = await runDoctor({cwd, env: process.env, configFile: flags.config})
    if (!report.ok) process.exitCode = 1
    if (flags.json) {
      this.printJson(report)
      return
    }

    this.out(await formatReport(report, cwd, (await this.capabilities()).stdout))
  }
}

const MARKS: Record<CheckStatus, string> = {pass: '✓', warn: '!', fail: '✗', skip: '-'}

/** Formats the report: a line per check, its problems and fix indented below it, then the counts. */
async function formatReport(report: DoctorReport, cwd: string, chalk: TerminalCapabilities['stdout']): Promise<string> {
  const {formatDoctorProblem} = await import('../cli/doctor.js')
  const colour: Record<CheckStatus, (text: string) => string> = {pass: chalk.green, warn: chalk.yellow, fail: chalk.red, skip: chalk.dim}
  const lines: string[] = []
  for (const check of report.checks) {
    lines.push(`${colour[check.status](MARKS[check.status])} ${chalk.bold(check.title)}: ${check.detail}`)
    for (const problem of check.problems ?? []) lines.push(`    ${formatDoctorProblem(problem, cwd)}`)
    if (check.fix) lines.push(`  ${chalk.bold('Fix:')} ${check.fix}`)
  }

  const {pass, warn, fail, skip} = report.counts
  const plural = (count: number, word: string, words: string) => `${count} ${count === 1 ? word : words}`
  lines.push('', `${plural(pass, 'check', 'checks')} passed, ${plural(warn, 'warning', 'warnings')}, ${fail} failed, ${skip} skipped`)
  return lines.join('\n')
}
