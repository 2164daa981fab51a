import {closest} from 'fastest-levenshtein'

import {IdpError, type Problem} from '../errors.js'
import {type ExpressionContext, isTemplate, renderTemplate} from './expressions.js'
import {flagNameOf} from './input-names.js'
import type {ActionManifest, InputSchema} from './manifest.js'

/** One input of an action, in manifest order, with the flag that sets it. */
export interface InputDefinition {
  name: string
  flag: string
  schema: InputSchema
  required: boolean
}

/** A value choice offered for an enum input. */
export interface InputChoice {
  value: unknown
  /** The `enumNames` label, or the value itself. */
  label: string
}

/** Request to a prompter for one input. */
export interface PromptRequest {
  input: InputDefinition
  /** The value to pre-select or pre-fill. */
  default?: unknown
  choices?: Array<InputChoice & {description?: string}>
  /** Returns an error message for an invalid value, or undefined when it is valid. */
  validate(value: unknown): string | undefined
  /** Converts typed text to the input's type, returning an error message when it cannot. */
  parse(text: string): {value: unknown} | {error: string}
}

/** Asks the user for inputs; present only when prompting is allowed. */
export interface InputPrompter {
  ask(request: PromptRequest): Promise<unknown>
}

/** Inputs from a `--values` file or standard input. */
export interface ValuesSource {
  /** Origin for messages: a path, or "standard input". */
  origin: string
  data: Record<string, unknown>
}

export interface ResolveInputsOptions {
  manifest: ActionManifest
  /** Values given as flags, by input name, as the flag parser returned them. */
  flags: Record<string, unknown>
  values?: ValuesSource
  user: Record<string, unknown>
  prompter?: InputPrompter
  /** Formats a choice's price for prompts, such as "$50/month"; undefined when it has none. */
  describeChoice?: (input: InputDefinition, value: unknown, answers: Record<string, unknown>) => string | undefined
  /** Defaults that replace the manifest's, such as a run's previous inputs when it is edited. */
  defaults?: Record<string, unknown>
  /**
   * The command that errors suggest, such as `idp policy check db-create`; default: the
   * action's own command. Commands that never prompt set `neverPrompts`.
   */
  usage?: {command: string; neverPrompts?: boolean}
}

/** Lists the inputs of a manifest in declaration order. */
export function inputDefinitions(manifest: ActionManifest): InputDefinition[] {
  const required = new Set(manifest.spec.inputs.required ?? [])
  return Object.entries(manifest.spec.inputs.properties).map(([name, schema]) => ({
    name,
    flag: flagNameOf(name),
    schema,
    required: required.has(name),
  }))
}

/** Returns the label of an enum value: its `enumNames` entry, or the value. */
export function labelOf(schema: InputSchema, value: unknown): string {
  const index = schema.enum?.indexOf(value) ?? -1
  return index >= 0 && schema.enumNames ? schema.enumNames[index] : String(value)
}

/** Returns the choices of an enum input, with their labels. */
export function choicesOf(schema: InputSchema): InputChoice[] | undefined {
  return schema.enum?.map((value) => ({value, label: labelOf(schema, value)}))
}

/**
 * Resolves every input of an action: flags first, then the values file, then prompts,
 * then defaults. Every invalid, unknown or missing input is reported at once in one
 * IdpError with exit code 2; nothing is prompted for after an invalid flag.
 */
export async function resolveInputs(options: ResolveInputsOptions): Promise<Record<string, unknown>> {
  const definitions = inputDefinitions(options.manifest)
  const problems: Problem[] = [...unknownValueProblems(definitions, options.values)]
  const resolved: Record<string, unknown> = {}
  const pending: InputDefinition[] = []

  for (const definition of definitions) {
    const given = givenValue(definition, options)
    if (given === undefined) {
      pending.push(definition)
      continue
    }

    const parsed = parseGiven(definition, given.value)
    const message = 'error' in parsed ? parsed.error : validateInput(definition.schema, parsed.value)
    if (message) problems.push({path: given.where, message})
    else resolved[definition.name] = (parsed as {value: unknown}).value
  }

  if (problems.length > 0) throw invalidInputError(options, problems)

  const missing: InputDefinition[] = []
  for (const definition of pending) {
    const form = definition.schema.form
    if (form?.condition && !form.condition.holds(resolved)) continue
    const fallback = options.defaults && definition.name in options.defaults ? options.defaults[definition.name] : (form?.defaultFor?.(resolved) ?? defaultOf(definition.schema, options.user))
    // A default taken from configuration is data from a file like any values file, so it is
    // checked the same way before it can reach a template or a pull request.
    const defaultProblem = fallback === undefined ? undefined : validateInput(definition.schema, fallback)
    if (defaultProblem) problems.push({path: `default of --${definition.flag} from ${String(definition.schema.default).replaceAll(/\$\{\{\s*|\s*\}\}/g, '')}`, message: defaultProblem})
    else if (options.prompter && !form?.hidden) {
      resolved[definition.name] = await options.prompter.ask(promptRequest(definition, fallback, resolved, options))
    } else if (fallback !== undefined) {
      resolved[definition.name] = fallback
    } else if (definition.required || form?.condition?.required) {
      missing.push(definition)
    }
  }

  // A conditional input given for values it does not apply to would otherwise be dropped silently.
  for (const definition of definitions) {
    const condition = definition.schema.form?.condition
    if (condition && definition.name in resolved && !condition.holds(resolved)) {
      problems.push({path: `--${definition.flag}`, message: `${definition.schema.title ?? definition.name} applies only when ${condition.describe}`})
    }
  }

  if (problems.length > 0) throw invalidInputError(options, problems)
  if (missing.length > 0) throw missingInputError(options, missing)
  return resolved
}

function givenValue(definition: InputDefinition, options: ResolveInputsOptions): {value: unknown; where: string} | undefined {
  const flagValue = options.flags[definition.name]
  if (flagValue !== undefined && !(Array.isArray(flagValue) && flagValue.length === 0)) {
    return {value: flagValue, where: `--${definition.flag}`}
  }

  if (options.values && definition.name in options.values.data) {
    return {value: options.values.data[definition.name], where: `${definition.name} in ${options.values.origin}`}
  }

  return undefined
}

function unknownValueProblems(definitions: InputDefinition[], values: ValuesSource | undefined): Problem[] {
  if (!values) return []
  const known = definitions.map((definition) => definition.name)
  return Object.keys(values.data)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: `${key} in ${values.origin}`,
      message: `unknown input "${key}"; did you mean "${closest(key, known)}"? Known inputs: ${known.join(', ')}`,
    }))
}

/** Evaluates an input's default; a default that refers to missing user context has no value. */
export function defaultOf(schema: InputSchema, user: Record<string, unknown>): unknown {
  if (schema.default === undefined) return undefined
  if (typeof schema.default !== 'string' || !isTemplate(schema.default)) return schema.default
  try {
    const value = renderTemplate(schema.default, {...emptyContext(), user})
    return value === '' || value === null ? undefined : value
  } catch {
    // NOTE: a default such as `${{ user.team }}` fails when user.team is not configured; the
    // input then has no default and is asked for, or reported missing.
    return undefined
  }
}

function emptyContext(): ExpressionContext {
  return {inputs: {}, labels: {}, prices: {}, user: {}, cost: {}, run: {id: ''}, steps: {}}
}

function promptRequest(
  definition: InputDefinition,
  fallback: unknown,
  answers: Record<string, unknown>,
  options: ResolveInputsOptions,
): PromptRequest {
  const choices = choicesOf(definition.schema)?.map((choice) => ({
    ...choice,
    description: options.describeChoice?.(definition, choice.value, answers),
  }))
  return {
    input: definition,
    default: fallback,
    choices,
    validate: (value) => validateInput(definition.schema, value),
    parse: (text) => parseText(definition, text),
  }
}

/** Converts a given value (flag text, values-file entry) to the input's type. */
function parseGiven(definition: InputDefinition, value: unknown): {value: unknown} | {error: string} {
  const {schema} = definition
  if (schema.type === 'array') {
    const items = Array.isArray(value) ? value : [value]
    const strings = items.filter((item): item is string => typeof item === 'string')
    if (strings.length !== items.length) return {error: `expected a list of strings, got ${JSON.stringify(value)}`}
    return {value: strings}
  }

  if (typeof value === 'string') return parseText(definition, value)
  if (schema.type === 'boolean' && typeof value === 'boolean') return {value}
  if ((schema.type === 'integer' || schema.type === 'number') && typeof value === 'number') return {value}
  return {error: `expected a ${schema.type}, got ${JSON.stringify(value)}`}
}

const INTEGER_PATTERN = /^[+-]?\d+$/
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Converts text to the input's type. Strings stay exactly as typed, so `007` stays "007".
 * Integers and numbers must be written in decimal. Booleans accept true/false, yes/no and
 * on/off in any letter case.
 */
export function parseText(definition: InputDefinition, text: string): {value: unknown} | {error: string} {
  const {schema} = definition
  switch (schema.type) {
    case 'string': {
      return {value: text}
    }

    case 'integer': {
      const trimmed = text.trim()
      if (!INTEGER_PATTERN.test(trimmed)) return {error: `"${text}" is not a whole number`}
      return {value: Number(trimmed)}
    }

    case 'number': {
      const trimmed = text.trim()
      if (!NUMBER_PATTERN.test(trimmed)) return {error: `"${text}" is not a number`}
      return {value: Number(trimmed)}
    }

    case 'boolean': {
      const word = text.trim().toLowerCase()
      if (['true', 'yes', 'on'].includes(word)) return {value: true}
      if (['false', 'no', 'off'].includes(word)) return {value: false}
      return {error: `"${text}" is not a boolean: use true or false`}
    }

    case 'array': {
      return {value: text === '' ? [] : text.split(',').map((item) => item.trim())}
    }
  }
}

/** Checks a typed value against the input's schema; returns a human message or undefined. */
export function validateInput(schema: InputSchema, value: unknown): string | undefined {
  const title = schema.title ?? 'value'
  const rule = schema.errorMessage ?? schema.description
  if (schema.enum && schema.type !== 'array' && !schema.enum.includes(value)) {
    return `${JSON.stringify(value)} is not an allowed ${title}. Allowed values: ${describeChoices(schema)}`
  }

  if (typeof value === 'string') {
    // JSON quoting shows control characters such as a newline as escapes, on one line.
    const quoted = JSON.stringify(value)
    if (value === '' && schema.minLength === undefined) return `${title} cannot be empty${rule ? `: ${rule}` : ''}`
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
      return `${quoted} is not a valid ${title}${rule ? `: ${rule}` : ''}`
    }

    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `${quoted} is too short for ${title}: at least ${schema.minLength} characters`
    }

    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `${quoted} is too long for ${title}: at most ${schema.maxLength} characters`
    }
  }

  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return `${value} is less than the minimum ${title} of ${schema.minimum}`
    if (schema.maximum !== undefined && value > schema.maximum) return `${value} is more than the maximum ${title} of ${schema.maximum}`
  }

  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      if (schema.items.enum && !schema.items.enum.includes(item)) {
        return `"${item}" is not an allowed ${title} item. Allowed: ${schema.items.enum.join(', ')}`
      }

      if (schema.items.pattern && !new RegExp(schema.items.pattern, 'u').test(item)) {
        return `"${item}" is not a valid ${title} item${rule ? `: ${rule}` : ''}`
      }
    }
  }

  return undefined
}

function describeChoices(schema: InputSchema): string {
  return (schema.enum ?? [])
    .map((value) => {
      const label = labelOf(schema, value)
      return label === String(value) ? String(value) : `${String(value)} (${label})`
    })
    .join(', ')
}

function commandOf(options: ResolveInputsOptions): string {
  return options.usage?.command ?? `idp ${options.manifest.spec.command}`
}

function invalidInputError(options: ResolveInputsOptions, problems: Problem[]): IdpError {
  const noun = problems.length === 1 ? 'input' : 'inputs'
  return new IdpError(`Invalid ${noun} for ${commandOf(options)}`, {
    code: 'INPUT_INVALID',
    exitCode: 2,
    problems,
    hint: `Correct the values above; \`idp ${options.manifest.spec.command} --help\` lists every flag and its allowed values.`,
  })
}

function missingInputError(options: ResolveInputsOptions, missing: InputDefinition[]): IdpError {
  const flags = missing.map((definition) => `--${definition.flag}`)
  const example = missing.map((definition) => `--${definition.flag} ${exampleValue(definition.schema)}`).join(' ')
  return new IdpError(`Missing required ${missing.length === 1 ? 'input' : 'inputs'}: ${flags.join(', ')}`, {
    code: 'INPUT_MISSING',
    exitCode: 2,
    problems: missing.map((definition) => ({
      path: `--${definition.flag}`,
      message: `${definition.schema.title ?? definition.name} is required${definition.schema.description ? `: ${definition.schema.description}` : ''}`,
    })),
    details: {missing: missing.map((definition) => definition.flag)},
    hint: `Pass them as flags, for example: ${commandOf(options)} ${example}${options.usage?.neverPrompts ? '' : ', or run it in a terminal to be asked'}.`,
  })
}

function exampleValue(schema: InputSchema): string {
  if (schema.enum?.length) return String(schema.enum[0])
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1)
  if (schema.type === 'boolean') return 'true'
  return '<value>'
}
