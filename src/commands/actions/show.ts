import {Args} from '@oclif/core'

import {readCatalog} from '../../actions/catalog.js'
import {describeAction, type ActionDescription, type InputDescription} from '../../actions/describe.js'
import {formatMoney} from '../../actions/money.js'
import {requireActionByNameOrCommand} from '../../cli/action-command.js'
import {IdpCommand} from '../../cli/base-command.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class ActionsShow extends IdpCommand {
  static override summary = 'Show one action: its inputs, cost, resources, permissions and example command lines.'
  static override description =
    'ACTION is the action name, as listed by `idp actions list`, or its command words, quoted or not: `idp actions show db-create` and `idp actions show db create` show the same action.'
  static override examples = [
    {description: 'Show the action db-create by name.', command: '<%= config.bin %> actions show db-create'},
    {description: 'Show the action of `idp db create` by its command words, as one JSON document.', command: '<%= config.bin %> actions show db create --json'},
  ]
  // Not required for oclif, so that a missing name gets idp's own error with the next command.
  static override args = {action: Args.string({description: 'Action name or command words.'})}
  // The command words of an action may be several arguments.
  static override strict = false

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ActionsShow)
    const words = (argv as string[]).filter((word) => word.length > 0)
    if (words.length === 0) {
      throw new IdpError('Missing the action name', {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run `idp actions list` to see the actions, then `idp actions show <name>`.'})
    }

    const {loadConfig} = await import('../../config/config.js')
    const config = await loadConfig({file: flags.config})
    const entry = requireActionByNameOrCommand(readCatalog(config.catalog, {index: true}), words)
    const description = describeAction(entry)

    if (flags.json) {
      this.printJson(description)
      return
    }

    const chalk = (await this.capabilities()).stdout
    this.out(formatDescription(description, (text) => chalk.bold(text)).join('\n'))
  }
}

/** Formats an action's description for people, with `bold` applied to headings. */
function formatDescription(action: ActionDescription, bold: (text: string) => string): string[] {
  const lines = [bold(`${action.name}: ${action.title}`), `  ${action.command}`]
  if (action.description) lines.push('', action.description)
  lines.push('')
  if (action.owner) lines.push(`Owner: ${action.owner}`)
  if (action.tags.length > 0) lines.push(`Tags: ${action.tags.join(', ')}`)
  lines.push(`Manifest: ${action.file}`)

  lines.push('', bold('Inputs'))
  if (action.inputs.length === 0) lines.push('  none')
  for (const input of action.inputs) lines.push(...formatInput(input, action.cost?.currency))

  if (action.cost) {
    lines.push('', bold('Monthly cost'))
    if (action.cost.monthly !== undefined) lines.push(`  ${typeof action.cost.monthly === 'number' ? formatMoney(action.cost.monthly, action.cost.currency) : `${action.cost.monthly} (${action.cost.currency})`}`)
    if (action.cost.explanation) lines.push(`  ${action.cost.explanation}`)
  }

  lines.push('', bold('Resources'))
  if (action.resources.length === 0) lines.push('  none')
  for (const resource of action.resources) {
    lines.push(`  ${resource.change === 'delete' ? 'deletes ' : ''}${resource.type} ${resource.name}${resource.description ? `: ${resource.description}` : ''}`)
  }

  lines.push('', bold('Permissions'))
  if (action.permissions.length === 0) lines.push('  none')
  for (const permission of action.permissions) {
    lines.push(`  ${permission.principal} gets ${permission.role} on ${permission.on}${permission.description ? `: ${permission.description}` : ''}`)
  }

  lines.push('', bold('Examples'))
  for (const example of action.examples) lines.push(`  # ${example.description}`, `  ${example.command}`)
  return lines
}

function formatInput(input: InputDescription, currency = 'USD'): string[] {
  let status = input.required ? 'required' : 'optional'
  if (input.default !== undefined) status = `default: ${formatDefault(input.default)}`
  const lines = [`  ${input.flag} (${input.type}, ${status})`]
  const text = [input.title, input.description].filter(Boolean).join('. ')
  if (text) lines.push(`      ${text}`)
  if (input.values) {
    const values = input.values.map(({value, label, monthly}) => {
      const details = [label, monthly === undefined ? undefined : `${formatMoney(monthly, currency)}/month`].filter(Boolean)
      return details.length > 0 ? `${formatValue(value)} (${details.join(', ')})` : formatValue(value)
    })
    lines.push(`      Values: ${values.join(', ')}`)
  }

  if (input.pattern) lines.push(`      Pattern: ${input.pattern}`)
  if (input.minimum !== undefined || input.maximum !== undefined) lines.push(`      Range: ${input.minimum ?? '-∞'} to ${input.maximum ?? '∞'}`)
  return lines
}

/** Formats a default, showing `${{ user.team }}` as `from user.team`, as the action's help does. */
function formatDefault(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^\$\{\{\s*(.*?)\s*\}\}$/, 'from $1') : formatValue(value)
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}
