import {Flags, type Interfaces} from '@oclif/core'
import {closest} from 'fastest-levenshtein'

import {type Catalog, type CatalogDuplicate, type CatalogEntry, duplicateError, duplicatesOf} from '../actions/catalog.js'
import {confirmationFlag, exampleValue, shellWord} from '../actions/describe.js'
import {flagNameOf} from '../actions/input-names.js'
import type {InputSchema} from '../actions/manifest.js'
import {formatMoney} from '../actions/money.js'
import {ExitCode, IdpError} from '../errors.js'
import {IdpCommand, unknownFlagError} from './base-command.js'
import type {ActionFlags} from './run-action.js'

/** Flags that every action command has, in addition to `--json` and `--config`. */
export const actionFlags = {
  values: Flags.string({description: 'Read inputs from a YAML or JSON file, or - for standard input. Flags win over it.', helpValue: '<file|->'}),
  yes: Flags.boolean({char: 'y', description: 'Submit without asking for confirmation.'}),
  'dry-run': Flags.boolean({description: 'Show the plan and the file diff, then stop: nothing is written anywhere.', default: false}),
  'no-input': Flags.boolean({description: 'Never prompt; missing inputs are errors. CI=true has the same effect.', env: 'IDP_NO_INPUT'}),
  branch: Flags.string({description: "Branch to propose the change on, instead of the action's own name for it.", helpValue: '<name>'}),
  wait: Flags.boolean({
    description:
      'After the pull request is open, follow its checks and approvals until it is merged or needs a person (exit 8 while approval is missing). Checks every 10 s and gives up after 30 min; IDP_WAIT_INTERVAL_MS and IDP_WAIT_TIMEOUT_MS change both, in milliseconds.',
  }),
}

/** Returns the flags of an action command that are not inputs: the common ones, and `--confirm` for an action with `spec.confirm`. */
export function actionFlagsOf(entry: CatalogEntry): Interfaces.FlagInput {
  if (!entry.confirm) return actionFlags
  const value = entry.confirm.replaceAll(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, input: string) => `<${flagNameOf(input)}>`)
  return {
    ...actionFlags,
    confirm: Flags.string({
      description: `Confirm without the prompt by repeating ${value}, for scripts. --yes alone does not confirm this action.`,
      helpValue: '<value>',
    }),
  }
}

/** Builds the oclif flags of an action's inputs: enum values become flag options. */
export function inputFlags(entry: CatalogEntry): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {}
  for (const [name, schema] of Object.entries(entry.inputs)) {
    flags[flagNameOf(name)] = inputFlag(schema, flagDescription(entry, name))
  }

  return flags
}

function inputFlag(schema: InputSchema, description: string) {
  if (schema.type === 'boolean') return Flags.boolean({description, allowNo: true})
  // Non-greedy: each value needs its own flag (`--tags a --tags b`), so an argument after the
  // flag's value, such as an action name, is never taken as one more value.
  if (schema.type === 'array') return Flags.string({description, multiple: true, multipleNonGreedy: true, helpValue: '<value>'})
  const options = schema.enum?.map(String)
  return Flags.string({description, options, helpValue: options ? undefined : `<${schema.type === 'string' ? 'value' : schema.type}>`})
}

/**
 * Describes an input flag: the input's description, its values with their labels and monthly
 * prices, its bounds, and its default or that it is required.
 */
function flagDescription(entry: CatalogEntry, name: string): string {
  const schema = entry.inputs[name]
  const prices = entry.prices?.byInput[name]
  const parts = [schema.description ?? schema.title ?? '']
  if (schema.enum && (schema.enumNames || prices)) {
    const values = schema.enum.map((value, index) => {
      const details = [schema.enumNames?.[index], prices?.[String(value)] === undefined ? undefined : `${formatMoney(prices[String(value)], entry.prices!.currency)}/month`]
      return `${String(value)} (${details.filter(Boolean).join(', ')})`
    })
    parts.push(`Values: ${values.join(', ')}.`)
    if (prices && entry.prices?.explanation) parts.push(entry.prices.explanation)
  }

  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`From ${schema.minimum} to ${schema.maximum}.`)
  else if (schema.minimum !== undefined) parts.push(`At least ${schema.minimum}.`)
  else if (schema.maximum !== undefined) parts.push(`At most ${schema.maximum}.`)

  if (schema.default !== undefined) parts.push(`Default: ${typeof schema.default === 'string' ? schema.default.replace(/^\$\{\{\s*(.*?)\s*\}\}$/, 'from $1') : JSON.stringify(schema.default)}.`)
  else if (entry.required.includes(name)) parts.push('Required.')
  return parts.filter(Boolean).join(' ')
}

/** Describes `--branch` with the action's own branch name, its placeholders shown as `<flag>`. */
function branchFlag(entry: CatalogEntry) {
  const template = entry.branch?.replaceAll(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, input: string) => `<${flagNameOf(input)}>`)
  const description = template ? `Branch to propose the change on. Default: ${template}.` : actionFlags.branch.description!
  return Flags.string({description, helpValue: '<name>'})
}

/** Reads input values from parsed flags, keyed by input name. */
export function inputValuesFromFlags(entry: CatalogEntry, flags: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const name of Object.keys(entry.inputs)) {
    const value = flags[flagNameOf(name)]
    if (value !== undefined) values[name] = value
  }

  return values
}

/**
 * Creates the command class for one action, such as `idp db create`. With `duplicates`, the
 * manifests that declare the same name or command words, the command shows its help but fails
 * with CATALOG_DUPLICATE when it runs.
 */
export function createActionCommand(entry: CatalogEntry, duplicates: CatalogDuplicate[] = []): typeof IdpCommand {
  const flags = {...actionFlagsOf(entry), branch: branchFlag(entry), ...inputFlags(entry)}
  const warning = duplicates.length > 0 ? `${duplicateError(duplicates).message}. This command fails until one of them is changed.\n\n` : ''
  return class ActionCommand extends IdpCommand {
    static override summary = entry.title
    static override description = `${warning}${entry.description ?? entry.title}`
    static override flags = flags
    static override examples = exampleLines(entry)

    async run(): Promise<void> {
      if (duplicates.length > 0) throw duplicateError(duplicates)
      const {flags: parsed} = await parseActionFlags(this, entry)
      await runParsedAction(this, entry, parsed)
    }
  }
}

/**
 * Creates the light command class of an action that this start does not run: its title and
 * description for help and the command list, without the flags and examples that would read
 * its manifest. Should oclif run it all the same, it runs the full command.
 */
export function createActionSummaryCommand(entry: CatalogEntry, duplicates: CatalogDuplicate[] = []): typeof IdpCommand {
  return class ActionSummaryCommand extends IdpCommand {
    static override summary = entry.title
    static override description = entry.description ?? entry.title
    static override strict = false

    async run(): Promise<void> {
      const Full = createActionCommand(entry, duplicates) as unknown as new (argv: string[], config: typeof this.config) => IdpCommand
      const command = new Full(this.argv, this.config)
      await command.init()
      await command.run()
    }
  }
}

/**
 * Runs an action with parsed flags. The modules that run actions are imported here, not at
 * start-up, so that `--help` and `--version` do not pay for them.
 */
export async function runParsedAction(command: IdpCommand, entry: CatalogEntry, flags: Record<string, unknown>): Promise<void> {
  const [{runAction}, {detectTerminal}] = await Promise.all([import('./run-action.js'), import('./terminal.js')])
  const terminal = detectTerminal({noInput: Boolean(flags['no-input']), json: Boolean(flags.json)})
  command.useTerminal(terminal)
  await runAction({entry, flags: flags as unknown as ActionFlags, inputFlags: inputValuesFromFlags(entry, flags), terminal})
}

/**
 * Parses the flags, turning an invalid enum value into an error that shows the labels.
 * `commandFlags` replaces the action commands' own flags for commands such as `idp policy check`
 * that take an action's input flags too.
 */
export async function parseActionFlags(command: IdpCommand, entry: CatalogEntry, argv?: string[], commandFlags: Interfaces.FlagInput = actionFlagsOf(entry), usage = `idp ${entry.command}`) {
  try {
    return await (command as unknown as {parse: (options: unknown, argv?: string[]) => Promise<{flags: Record<string, unknown>}>}).parse(
      {flags: {...IdpCommand.baseFlags, ...commandFlags, ...inputFlags(entry)}, strict: true},
      argv,
    )
  } catch (error) {
    const known = [...Object.keys(commandFlags), ...Object.keys(IdpCommand.baseFlags), ...Object.keys(entry.inputs).map(flagNameOf)]
    throw enumFlagError(entry, error, usage) ?? unknownFlagError(error, known, usage) ?? error
  }
}

/**
 * Finds ACTION in the arguments of a command that takes an action's flags after it. The first
 * argument that names an action in `entries` wins, because an input flag before ACTION takes a
 * value that only the action defines (`idp run --size small db-create`). Without such an
 * argument it is the first one that is neither a flag nor the value of one of `flagsWithValues`,
 * so that an unknown name is reported as one.
 */
export function actionNameIndex(argv: string[], flagsWithValues: ReadonlySet<string>, entries: CatalogEntry[] = []): number {
  const named = argv.findIndex((argument) => entries.some((entry) => entry.name === argument))
  if (named !== -1) return named
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]
    if (flagsWithValues.has(argument)) index++
    else if (!argument.startsWith('-')) return index
  }

  return -1
}

/**
 * Finds an action by name, or fails with the closest name and every known one. An action whose
 * name or command words another manifest declares too fails with CATALOG_DUPLICATE.
 */
export function requireAction(entries: CatalogEntry[], name: string, duplicates: CatalogDuplicate[] = []): CatalogEntry {
  const entry = entries.find((candidate) => candidate.name === name)
  const conflicts = entry ? duplicatesOf(entry, duplicates) : []
  if (conflicts.length > 0) throw duplicateError(conflicts)
  if (entry) return entry
  const names = entries.map((candidate) => candidate.name)
  throw new IdpError(`Unknown action "${name}"${names.length > 0 ? `; did you mean "${closest(name, names)}"?` : ''}`, {
    code: 'ACTION_NOT_FOUND',
    exitCode: ExitCode.usage,
    details: {actions: names},
    hint: `Run \`idp actions list\` to see every action. Known actions: ${names.join(', ')}`,
  })
}

/**
 * Finds an action by its name or its command words (`db-create`, or `db create` as one or
 * several arguments), or fails as requireAction does.
 */
export function requireActionByNameOrCommand(catalog: Catalog, words: string[]): CatalogEntry {
  const text = words.join(' ').trim().replaceAll(/\s+/g, ' ')
  const byName = catalog.entries.find((entry) => entry.name === text)
  const byCommand = byName ?? catalog.entries.find((entry) => entry.command === text)
  return requireAction(catalog.entries, byCommand?.name ?? text, catalog.duplicates)
}

// oclif reports an invalid option as "Expected --size=huge to be one of: small, medium, large".
const INVALID_OPTION = /Expected --([\w-]+)=(.*) to be one of:/

function enumFlagError(entry: CatalogEntry, error: unknown, usage: string): IdpError | undefined {
  const match = error instanceof Error ? INVALID_OPTION.exec(error.message) : null
  if (!match) return undefined
  const [, flag, value] = match
  const name = Object.keys(entry.inputs).find((input) => flagNameOf(input) === flag)
  const schema = name ? entry.inputs[name] : undefined
  if (!schema?.enum) return undefined
  const allowed = schema.enum.map((option, index) => (schema.enumNames ? `${String(option)} (${schema.enumNames[index]})` : String(option)))
  const labelMatch = schema.enumNames?.findIndex((label) => label.toLowerCase() === value.toLowerCase()) ?? -1
  const note = labelMatch >= 0 ? ` "${value}" is a label; pass its value, ${String(schema.enum[labelMatch])}.` : ''
  return new IdpError(`Invalid value for --${flag}: "${value}". Allowed values: ${allowed.join(', ')}.${note}`, {
    code: 'INPUT_INVALID',
    exitCode: ExitCode.usage,
    problems: [{path: `--${flag}`, message: `"${value}" is not one of ${schema.enum.map(String).join(', ')}`}],
    hint: `For example: ${usage} --${flag} ${suggestValue(value, schema.enum.map(String))}`,
  })
}

/** Suggests the allowed value a mistyped one most likely meant: one it abbreviates, else the closest spelling. */
function suggestValue(value: string, allowed: string[]): string {
  const lowered = value.toLowerCase()
  return allowed.find((option) => option.toLowerCase().startsWith(lowered)) ?? closest(value, allowed)
}

/** Builds the help examples of an action command, with `exampleValue` for each required input. */
function exampleLines(entry: CatalogEntry): Array<{description: string; command: string}> {
  const required = entry.required.map((name) => (entry.inputs[name].type === 'boolean' ? `--${flagNameOf(name)}` : `--${flagNameOf(name)} ${shellWord(exampleValue(entry.inputs[name], name))}`))
  const command = `<%= config.bin %> ${entry.command}`
  return [
    {description: 'On a terminal, ask for each missing input, then for confirmation. Without one, it names the missing flags (exit 2).', command},
    {description: entry.confirm ? 'Submit without asking: --confirm repeats the value the prompt would request.' : 'Submit without asking.', command: `${command} ${required.join(' ')}${confirmationFlag(entry)} --yes`},
    {description: 'Read the inputs from a file and show the plan and the file diff, writing nothing.', command: `${command} --values ${entry.name}-request.yaml --dry-run`},
  ]
}
