import type {CatalogEntry, PreviewItem} from './catalog.js'
import {flagNameOf} from './input-names.js'

/** One input of an action, as `idp actions show` presents it. */
export interface InputDescription {
  name: string
  flag: string
  type: string
  title?: string
  description?: string
  required: boolean
  /** The default value, or the `${{ }}` expression it is computed from. */
  default?: unknown
  /** The allowed values, with their labels and monthly prices where the manifest gives them. */
  values?: Array<{value: unknown; label?: string; monthly?: number}>
  pattern?: string
  minimum?: number
  maximum?: number
}

/** Everything `idp actions show` prints about an action. */
export interface ActionDescription {
  name: string
  command: string
  title: string
  description?: string
  owner?: string
  tags: string[]
  file: string
  inputs: InputDescription[]
  cost?: {currency: string; monthly?: number | string; explanation?: string}
  resources: PreviewItem[]
  permissions: PreviewItem[]
  examples: Array<{description: string; command: string}>
}

/** Describes an action from its catalog entry: inputs, cost, preview and example command lines. */
export function describeAction(entry: CatalogEntry): ActionDescription {
  return {
    name: entry.name,
    command: `idp ${entry.command}`,
    title: entry.title,
    description: entry.description,
    owner: entry.owner,
    tags: entry.tags ?? [],
    file: entry.file,
    inputs: Object.keys(entry.inputs).map((name) => describeInput(entry, name)),
    cost: entry.cost || entry.prices ? describeCost(entry) : undefined,
    resources: entry.preview?.resources ?? [],
    permissions: entry.preview?.permissions ?? [],
    examples: exampleCommands(entry),
  }
}

function describeInput(entry: CatalogEntry, name: string): InputDescription {
  const schema = entry.inputs[name]
  const prices = entry.prices?.byInput[name]
  return {
    name,
    flag: `--${flagNameOf(name)}`,
    type: schema.type === 'array' ? `array of ${schema.items?.type ?? 'string'}` : schema.type,
    title: schema.title,
    description: schema.description,
    required: entry.required.includes(name),
    default: schema.default,
    values: schema.enum?.map((value, index) => ({value, label: schema.enumNames?.[index], monthly: prices?.[String(value)]})),
    pattern: schema.pattern,
    minimum: schema.minimum,
    maximum: schema.maximum,
  }
}

function describeCost(entry: CatalogEntry): ActionDescription['cost'] {
  return {currency: entry.cost?.currency ?? entry.prices!.currency, monthly: entry.cost?.monthly, explanation: entry.prices?.explanation}
}

/**
 * Builds command lines that run the action without prompts: a dry run, then a submission.
 * Each required input without a literal default gets a value from `exampleValue`.
 */
export function exampleCommands(entry: CatalogEntry): ActionDescription['examples'] {
  const flags = entry.required
    .filter((name) => !hasLiteralDefault(entry.inputs[name].default))
    .map((name) => (entry.inputs[name].type === 'boolean' ? `--${flagNameOf(name)}` : `--${flagNameOf(name)} ${shellWord(exampleValue(entry.inputs[name], name))}`))
  const command = ['idp', entry.command, ...flags].join(' ')
  return [
    {description: 'Show the plan and the file diff, writing nothing.', command: `${command} --dry-run`},
    {description: 'Submit the request without asking for confirmation; the other inputs take their defaults.', command: `${command}${confirmationFlag(entry)} --yes`},
  ]
}

/**
 * Returns ` --confirm <value>` for an action with `spec.confirm`, with the example values of
 * the inputs it names, or an empty string for any other action.
 */
export function confirmationFlag(entry: CatalogEntry): string {
  if (!entry.confirm) return ''
  const value = entry.confirm.replaceAll(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, input: string) => (entry.inputs[input] ? exampleValue(entry.inputs[input], input) : input))
  return ` --confirm ${shellWord(value)}`
}

/** Checks whether a default is a value of its own, not a `${{ }}` expression over the user's context. */
function hasLiteralDefault(value: unknown): boolean {
  return value !== undefined && !(typeof value === 'string' && value.includes('${{'))
}

/**
 * Returns a value of an input for example command lines: its first `examples` value, else its
 * first allowed value, else the minimum (or 1) for numbers and `my-<input>` for text.
 */
export function exampleValue(schema: CatalogEntry['inputs'][string], name: string): string {
  if (schema.examples?.length) return String(schema.examples[0])
  if (schema.enum && schema.enum.length > 0) return String(schema.enum[0])
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1)
  if (schema.type === 'array') return String(schema.items?.enum?.[0] ?? `my-${flagNameOf(name)}`)
  return `my-${flagNameOf(name)}`
}

/** Quotes a value for a POSIX shell unless it contains only characters that need no quoting. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replaceAll("'", String.raw`'\''`)}'`
}
