import {Args, Flags} from '@oclif/core'

import {readCatalog} from '../../actions/catalog.js'
import {actionNameIndex, parseActionFlags, requireAction} from '../../cli/action-command.js'
import {IdpCommand} from '../../cli/base-command.js'
import {ExitCode, IdpError} from '../../errors.js'
import {flagValue} from '../run.js'

const checkFlags = {
  values: Flags.string({description: 'Read inputs from a YAML or JSON file, or - for standard input. Flags win over it.', helpValue: '<file|->'}),
  explain: Flags.boolean({description: 'Also say, for each rule that did not match, why not.'}),
  policy: Flags.string({description: 'Evaluate this policy file alone, instead of the shared policy of the target repository.', helpValue: '<file>'}),
}

// Flags of `idp policy check` that take a value, so that their value is not read as ACTION.
const FLAGS_WITH_VALUES = new Set(['--config', '--values', '--policy'])

export default class PolicyCheck extends IdpCommand {
  static override summary = 'Show what the approval policy decides for a request, without running the action.'
  static override description = [
    'Takes the same input flags as the action (or --values), computes the cost and the preview the way a run does, and evaluates the approval policy: the shared file of the target repository, or the bundled example when there is none.',
    'Prints the decision, every matched rule and the requirements; with --explain, also why each other rule did not match. Nothing is written. Exit code 3 when the request would be denied.',
    'The input flags are those of the action\'s own command: `idp db create --help` lists the flags of db-create.',
  ].join('\n\n')

  static override examples = [
    {description: 'Show the decision on a production request, without submitting it.', command: '<%= config.bin %> policy check db-create --name orders-db --environment production --size large --team payments'},
    {description: 'Read the inputs from a file, and say for each rule that did not match why not.', command: '<%= config.bin %> policy check db-create --values request.yaml --explain'},
    {description: 'Evaluate a working copy of the policy and print the decision as JSON.', command: '<%= config.bin %> policy check db-create --environment dev --size small --name a-db --team t --policy ./approval-policy.yaml --json'},
  ]

  static override args = {action: Args.string({description: 'Action name, as listed by `idp actions list`.', required: true})}
  static override flags = checkFlags
  // The action's input flags are known only once ACTION is read, so parsing happens in two passes.
  static override strict = false

  async run(): Promise<void> {
    const {loadConfig} = await import('../../config/config.js')
    const config = await loadConfig({file: flagValue(this.argv, '--config')})
    const {entries} = readCatalog(config.catalog)
    const nameIndex = actionNameIndex(this.argv, FLAGS_WITH_VALUES, entries)
    if (nameIndex === -1) {
      throw new IdpError('Missing the action name', {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run `idp actions list` to see the action names, then `idp policy check <name> --<input> <value> ...`.'})
    }

    const entry = requireAction(entries, this.argv[nameIndex])
    const argv = this.argv.filter((_, index) => index !== nameIndex)
    const {flags} = await parseActionFlags(this, entry, argv, checkFlags, `idp policy check ${entry.name}`)
    const {checkPolicy} = await import('../../cli/policy-check.js')
    await checkPolicy({command: this, entry, config, flags, terminal: await this.capabilities()})
  }
}
