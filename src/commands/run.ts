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
    const [name, ...rest] = this.argv.filter((argument, index) => index > 0 || !argument.startsWith('-'))
    const leading = this.argv.slice(0, this.argv.indexOf(name))
    if (name === undefined || name.startsWith('-')) {
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

    const {flags} = await parseActionFlags(this, entry, [...leading, ...rest])
    await runParsedAction(this, entry, flags)
  }
}

function flagValue(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag)
  if (index >= 0) return argv[index + 1]
  const inline = argv.find((argument) => argument.startsWith(`${flag}=`))
  return inline?.slice(flag.length + 1)
}
