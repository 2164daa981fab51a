import {actionFlags, inputValuesFromFlags, parseActionFlags} from '../../cli/action-command.js'
import {IdpCommand} from '../../cli/base-command.js'
import {runIdArgs} from '../../cli/run-id-arg.js'
import type {ActionFlags} from '../../cli/run-action.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class RunsEdit extends IdpCommand {
  static override summary = 'Change a submitted request: new inputs, a new commit on its branch, an updated pull request.'
  static override description =
    "Asks for the inputs again with the run's previous answers as defaults (or takes them as flags, with the action's own flag names), plans the request again, shows what changes in cost and decision, then commits the new version on the run's branch and updates its pull request: title, body, labels and reviewers."

  static override args = runIdArgs
  static override flags = actionFlags
  static override examples = [
    {description: "Ask for the inputs again on a terminal, with the run's answers as defaults. Without a terminal nothing changes.", command: '<%= config.bin %> runs edit 20261204-203015-3f9a1c'},
    {description: 'Change the size, then commit the new version and update the pull request without asking.', command: '<%= config.bin %> runs edit 20261204-203015-3f9a1c --size medium --yes'},
  ]
  // The action's flags are known only once the run is read, so parsing happens in two passes.
  static override strict = false

  async run(): Promise<void> {
    const [id, ...rest] = this.argv
    if (id === undefined || id.startsWith('-')) {
      throw new IdpError('Missing the run id', {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run `idp runs list` to see the run ids, then `idp runs edit <id>`.'})
    }

    const [{findRun}, {runsDir}, {actionOfRun}, {loadConfig}, {runAction}, {detectTerminal}, {runEditOf}] = await Promise.all([
      import('../../actions/runs.js'),
      import('../../actions/journal.js'),
      import('../../actions/catalog.js'),
      import('../../config/config.js'),
      import('../../cli/run-action.js'),
      import('../../cli/terminal.js'),
      import('../../cli/run-edit.js'),
    ])
    const run = await findRun(runsDir(), id)
    const edit = runEditOf(run)
    const configIndex = rest.indexOf('--config')
    const config = await loadConfig({file: configIndex >= 0 ? rest[configIndex + 1] : undefined})
    const entry = actionOfRun(run, config.catalog)

    const {flags} = await parseActionFlags(this, entry, rest)
    if (flags.branch !== undefined) {
      throw new IdpError('idp runs edit keeps the run\'s branch, so --branch cannot be used here', {
        code: 'USAGE_INVALID',
        exitCode: ExitCode.usage,
        hint: `To propose the change on another branch, submit a new request with idp ${entry.command} --branch <name>.`,
      })
    }

    const terminal = detectTerminal({noInput: Boolean(flags['no-input']), json: Boolean(flags.json)})
    this.useTerminal(terminal)
    await runAction({
      entry,
      flags: flags as unknown as ActionFlags,
      inputFlags: inputValuesFromFlags(entry, flags),
      terminal,
      edit,
    })
  }
}
