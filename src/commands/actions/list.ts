import {duplicateError, readCatalog} from '../../actions/catalog.js'
import {IdpCommand} from '../../cli/base-command.js'

export default class ActionsList extends IdpCommand {
  static override summary = 'List the actions in the catalog, with their commands.'
  static override examples = [
    {description: 'List the actions of the bundled catalog and of the configured catalog folders.', command: '<%= config.bin %> actions list'},
    {description: 'The same list as one JSON document, for scripts.', command: '<%= config.bin %> actions list --json'},
  ]
  static override description =
    'Two manifests that declare the same action name or command words are a load error: the list is printed, then the error names both files (exit 2). Under --json only the error document is printed.'

  async run(): Promise<void> {
    const {flags} = await this.parse(ActionsList)
    const {loadConfig} = await import('../../config/config.js')
    const config = await loadConfig({file: flags.config})
    const {entries, problems, duplicates} = readCatalog(config.catalog, {index: true})

    if (flags.json) {
      if (duplicates.length > 0) throw duplicateError(duplicates)
      this.printJson({
        actions: entries.map((entry) => ({name: entry.name, command: `idp ${entry.command}`, title: entry.title, description: entry.description, file: entry.file})),
        problems,
      })
      return
    }

    const chalk = (await this.capabilities()).stdout
    const width = Math.max(0, ...entries.map((entry) => entry.name.length))
    const commandWidth = Math.max(0, ...entries.map((entry) => entry.command.length + 4))
    for (const entry of entries) {
      this.out(`${chalk.bold(entry.name.padEnd(width))}  ${`idp ${entry.command}`.padEnd(commandWidth)}  ${entry.title}`)
    }

    for (const problem of problems) this.err(`! ${problem.file} was skipped: ${problem.message}`)
    if (duplicates.length > 0) throw duplicateError(duplicates)
  }
}
