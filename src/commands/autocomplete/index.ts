import {Args, Flags} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'
import {ExitCode, IdpError} from '../../errors.js'

const SHELLS = ['bash', 'zsh', 'powershell']

export default class Autocomplete extends IdpCommand {
  // Completion follows the configuration found where Tab is pressed, so --config would mislead,
  // and the instructions are text for a person, so there is no --json. The cast keeps the type
  // of IdpCommand's static side; run() reads neither flag.
  static override baseFlags = {} as typeof IdpCommand.baseFlags
  static override summary = 'Set up shell completion for bash, zsh or PowerShell.'
  static override description = [
    "Writes the completion files for every shell into idp's cache folder ($IDP_CACHE_DIR, else $XDG_CACHE_HOME/idp or ~/.cache/idp; ~/Library/Caches/idp on macOS) and prints how to load them from your shell profile.",
    'Commands, flags and the allowed values of enum flags complete, including the commands of the action manifests in the configured catalog. In bash and zsh the completion regenerates itself on the first Tab after a manifest in the catalog or a configuration file changes.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> autocomplete',
    '<%= config.bin %> autocomplete bash',
    '<%= config.bin %> autocomplete zsh',
    '<%= config.bin %> autocomplete powershell',
    '<%= config.bin %> autocomplete --refresh-cache',
  ]

  static override args = {
    shell: Args.string({description: 'Shell to set up. Default: the shell of $SHELL.', options: SHELLS, required: false}),
  }

  static override flags = {
    'refresh-cache': Flags.boolean({char: 'r', description: 'Only write the completion files again, and print no instructions.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Autocomplete)
    const shell = args.shell ?? (this.config.shell.endsWith('\\bash.exe') ? 'bash' : this.config.shell)
    if (!flags['refresh-cache'] && !SHELLS.includes(shell)) {
      throw new IdpError(`Cannot set up completion for the shell "${shell}"`, {
        code: 'USAGE_INVALID',
        exitCode: ExitCode.usage,
        hint: 'Name the shell: idp autocomplete bash, idp autocomplete zsh or idp autocomplete powershell.',
      })
    }

    const [{writeCompletionCache}, {loadAutocompletePlugin}] = await Promise.all([import('../../completion/cache.js'), import('../../completion/plugin.js')])
    await writeCompletionCache(this.config)
    if (flags['refresh-cache']) return

    const plugin = await loadAutocompletePlugin()
    new plugin.Index([], this.config).printShellInstructions(shell)
    this.out(shell === 'powershell' ? POWERSHELL_NOTE : REFRESH_NOTE)
  }
}

const REFRESH_NOTE = `  The completion follows the action catalog and the configuration of the folder you are in.
  On the first Tab after a manifest or a configuration file changed, it runs
  \`idp autocomplete --refresh-cache\` by itself.
`

// NOTE: The PowerShell script comes unchanged from @oclif/plugin-autocomplete, which completes
// command words and flag names only, and idp has no PowerShell to test a refresh in.
const POWERSHELL_NOTE = `  In PowerShell, flag values do not complete, and the completion does not follow changes
  of the action catalog by itself: run \`idp autocomplete --refresh-cache\` after a change.
`
