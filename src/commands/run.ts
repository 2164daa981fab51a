import {Args} from '@oclif/core'
import {readCatalog} from '../actions/catalog.js'
import {actionFlags, actionNameIndex, parseActionFlags, requireAction, runParsedAction} from '../cli/action-command.js'
import {IdpCommand} from '../cli/base-command.js'
import {ExitCode, IdpError} from '../errors.js'

export default class Run extends IdpCommand {
  static override summary = 'Run any action by its name, with the same flags as its own command.'
  static override description = 'Runs the action named ACTION from the catalog. `idp run db-create --name orders-db` is the same as `idp db create --name orders-db`.'
  static override examples = [
    {description: 'Run the action db-create by name, as idp db create does.', command: '<%= config.bin %> run db-create --name orders-db --environment dev --size small --team payments --yes'},
  ]
  static override args = {action: Args.string({description: 'Action name, as listed by `idp actions list`.', required: true})}
  static override flags = actionFlags
  // The action's own flags are known only once ACTION is read, so parsing happens in two passes.
  static override strict = false

  async run(): Promise<void> {
    const {loadConfig} = await import('../config/config.js')
    const config = await loadConfig({file: flagValue(this.argv, '--config')})
    const {entries, duplicates} = readCatalog(config.catalog, {index: this.argv.includes('--dry-run') ? 'read-only' : true})
    const nameIndex = actionNameIndex(this.argv, FLAGS_WITH_VALUES, entries)
    if (nameIndex === -1) {
      throw new IdpError('Missing the action name', {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run `idp actions list` to see the action names, then `idp run <name>`.'})
    }

    const entry = requireAction(entries, this.argv[nameIndex], duplicates)

    const {flags} = await parseActionFlags(this, entry, this.argv.filter((_, index) => index !== nameIndex))
    await runParsedAction(this, entry, flags)
  }
}

// Flags of `idp run` itself that take a value, so that their value is not read as ACTION.
const FLAGS_WITH_VALUES = new Set(['--config', '--values', '--branch'])

/** Reads the value of a flag before the flags are parsed, as `--flag value` or `--flag=value`. */
export function flagValue(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag)
  if (index >= 0) return argv[index + 1]
  const inline = argv.find((argument) => argument.startsWith(`${flag}=`))
  return inline?.slice(flag.length + 1)
}
