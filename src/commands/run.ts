import {Args} from '@oclif/core'
import {closest} from 'fastest-levenshtein'

import {findAction, readCatalog} from '../actions/catalog.js'
import {actionFlags, parseActionFlags, runParsedAction} from '../cli/action-command.js'
import {IdpCommand} from '../cli/base-command.js'
import {ExitCode, IdpError} from '../errors.js'

export default class Run extends IdpCommand {
  static override summary = 'Run any action by its name, with the same flags as its own command.'
  static override description = 'Runs the action named ACTION from the catalog. `idp run db-create --name orders-db` is the same as `idp db create --name orders-db`.'
  static override examples = ['<%= config.bin %> run db-create --name orders-db --environment dev --size small --team payments --yes']
  static override args = {action: Args.string({description: 'Action name, as listed by `idp actions list`.', required: true})}
  static override flags = actionFlags
  // The action's own flags are known only once ACTION is read, so parsing happens in two passes.
  static override strict = false

  async run(): Promise<void> {
    const nameIndex = actionNameIndex(this.argv)
    const name = nameIndex === -1 ? undefined : this.argv[nameIndex]
    if (name === undefined) {
      throw new IdpError('Missing the action name', {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run `idp actions list` to see the action names, then `idp run <name>`.'})
    }

    const {loadConfig} = await import('../config/config.js')
    const config = await loadConfig({file: flagValue(this.argv, '--config')})
    const {entries} = readCatalog(config.catalog)
    const entry = findAction(entries, name)
    if (!entry) {
      const names = entries.map((candidate) => candidate.name)
      throw new IdpError(`Unknown action "${name}"${names.length > 0 ? `; did you mean "${closest(name, names)}"?` : ''}`, {
        code: 'ACTION_NOT_FOUND',
        exitCode: ExitCode.usage,
        details: {actions: names},
        hint: `Run \`idp actions list\` to see every action. Known actions: ${names.join(', ')}`,
      })
    }

    const {flags} = await parseActionFlags(this, entry, this.argv.filter((_, index) => index !== nameIndex))
    await runParsedAction(this, entry, flags)
  }
}

// Flags of `idp run` itself that take a value, so that their value is not read as ACTION.
const FLAGS_WITH_VALUES = new Set(['--config', '--values', '--branch'])

/** Finds ACTION: the first argument that is neither a flag nor the value of one. */
function actionNameIndex(argv: string[]): number {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]
    if (FLAGS_WITH_VALUES.has(argument)) index++
    else if (!argument.startsWith('-')) return index
  }

  return -1
}

function flagValue(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag)
  if (index >= 0) return argv[index + 1]
  const inline = argv.find((argument) => argument.startsWith(`${flag}=`))
  return inline?.slice(flag.length + 1)
}
