import {IdpCommand} from '../../cli/base-command.js'

export default class RunsList extends IdpCommand {
  static override summary = 'List submitted runs, most recent first, with their status and pull request.'
  static override examples = [
    {description: 'List the runs submitted from this machine, newest first.', command: '<%= config.bin %> runs list'},
    {description: 'The same list as one JSON document.', command: '<%= config.bin %> runs list --json'},
  ]

  async run(): Promise<void> {
    await this.parse(RunsList)
    const [{listRuns, runLocation, formatAge}, {runsDir}] = await Promise.all([import('../../actions/runs.js'), import('../../actions/journal.js')])
    const runs = await listRuns(runsDir())

    if (this.json) {
      this.printJson({
        runs: runs.map((run) => ({runId: run.runId, action: run.action.name, status: run.status, createdAt: run.createdAt, location: runLocation(run), pullRequest: run.remote.pullRequest, branch: run.remote.branch})),
      })
      return
    }

    if (runs.length === 0) {
      this.err('No runs yet. Submitted requests are listed here, for example after `idp db create`.')
      return
    }

    const chalk = (await this.capabilities()).stdout
    const rows = runs.map((run) => [run.runId, run.action.name, run.status, formatAge(run.createdAt), runLocation(run)])
    const header = ['RUN', 'ACTION', 'STATUS', 'AGE', 'WHERE']
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
    const format = (row: string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd()
    this.out(chalk.bold(format(header)))
    for (const row of rows) this.out(format(row))
  }
}
