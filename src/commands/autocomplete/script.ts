import {Args} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'

/** Prints the line for the shell profile that the instructions of `idp autocomplete` add there. */
export default class AutocompleteScript extends IdpCommand {
  // No --json or --config, as for `idp autocomplete`.
  static override baseFlags = {} as typeof IdpCommand.baseFlags
  static override hidden = true
  static override summary = 'Print the line that loads idp completion, for a shell profile.'
  static override args = {
    shell: Args.string({description: 'Shell of the profile. Default: the shell of $SHELL.', options: ['bash', 'zsh', 'powershell'], required: false}),
  }

  async run(): Promise<void> {
    await this.parse(AutocompleteScript)
    const {loadAutocompletePlugin} = await import('../../completion/plugin.js')
    const {Script} = await loadAutocompletePlugin()
    await Script.run(this.argv, this.config)
  }
}
