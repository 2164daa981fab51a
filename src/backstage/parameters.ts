import type {ActionManifest, InputSchema} from '../actions/manifest.js'
import {conditionHolds, conditionsOf, type PageCondition} from './conditions.js'

/**
 * The parts of a Backstage template that listing the catalog needs: its parameters as inputs,
 * its command words and its prices. This module loads no YAML parser and no Nunjucks, so that
 * start-up stays fast.
 */

/** Annotation that gives a template command words, such as `db provision`. */
export const COMMAND_ANNOTATION = 'idp.dev/command'

/** Actions a template's steps can use, with the inputs each accepts. */
export const SUPPORTED_ACTIONS: Record<string, string[]> = {
  'fetch:template': ['url', 'targetPath', 'values', 'copyWithoutTemplating', 'copyWithoutRender'],
  'fetch:plain': ['url', 'targetPath'],
  'fs:rename': ['files'],
  'fs:delete': ['files'],
  'debug:log': ['message', 'listWorkspace'],
  'publish:github:pull-request': ['repoUrl', 'branchName', 'title', 'description', 'targetPath', 'sourcePath', 'draft', 'reviewers', 'teamReviewers', 'commitMessage', 'update'],
}

export const PUBLISH_ACTION = 'publish:github:pull-request'
export const SPEC_FIELDS = ['owner', 'type', 'lifecycle', 'parameters', 'steps', 'output']
export const STEP_FIELDS = ['id', 'name', 'action', 'input', 'if']
const PAGE_FIELDS = ['title', 'description', 'type', 'required', 'properties', 'dependencies', 'if', 'then', 'else', 'allOf']
const PROPERTY_FIELDS = ['type', 'title', 'description', 'default', 'enum', 'enumNames', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'items', 'const', 'examples']
const PROPERTY_TYPES = ['string', 'integer', 'number', 'boolean', 'array']
export const OUTPUT_FIELDS = ['links', 'text']

/** `ui:widget` values and the prompt each becomes. */
export const WIDGETS: Record<string, string> = {
  password: 'hidden text input; the value is not echoed',
  textarea: 'text input (one line; use \\n or a values file for more)',
  hidden: 'not prompted; the default is used',
  radio: 'a list to choose from',
  select: 'a list to choose from',
  checkboxes: 'a list to choose from',
  text: 'text input',
  updown: 'number input',
}

/** `ui:field` pickers: each becomes validated text input with this hint. */
export const PICKERS: Record<string, {hint: string; pattern?: string}> = {
  RepoUrlPicker: {hint: 'a repository address such as github.com?owner=acme&repo=service', pattern: '^[^?\\s]+\\?(?:[^=&\\s]+=[^&\\s]*&)*repo=[^&\\s]+(?:&[^=&\\s]+=[^&\\s]*)*$'},
  OwnerPicker: {hint: 'an owner entity reference such as group:default/payments', pattern: '^(?:[A-Za-z]+:)?(?:[a-z0-9-]+/)?[A-Za-z0-9._-]+$'},
  EntityPicker: {hint: 'an entity reference such as component:default/orders', pattern: '^(?:[A-Za-z]+:)?(?:[a-z0-9-]+/)?[A-Za-z0-9._-]+$'},
  MultiEntityPicker: {hint: 'entity references such as component:default/orders'},
  OwnedEntityPicker: {hint: 'an entity reference such as component:default/orders', pattern: '^(?:[A-Za-z]+:)?(?:[a-z0-9-]+/)?[A-Za-z0-9._-]+$'},
  EntityNamePicker: {hint: 'an entity name: letters, digits, hyphens, dots and underscores', pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$'},
  EntityTagsPicker: {hint: 'tags: lowercase letters, digits and hyphens'},
}

/** Checks whether a parsed YAML document is a Backstage template (of any version). */
export function isBackstageTemplate(document: unknown): boolean {
  const value = document as {apiVersion?: unknown; kind?: unknown} | null
  return value?.kind === 'Template' && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('scaffolder.backstage.io/')
}

/** Returns the command words of a template: its `idp.dev/command` annotation, or its name. */
export function commandOf(name: string, annotations: Record<string, unknown>): string {
  const words = annotations[COMMAND_ANNOTATION]
  return typeof words === 'string' && words.trim() !== '' ? words.trim() : name
}

export type Add = (path: Array<string | number>, message: string) => void

export function checkParameters(parameters: unknown, add: Add): {properties: Record<string, InputSchema>; required: string[]; conditions: Record<string, PageCondition>} {
  const pages = parameters === undefined ? [] : Array.isArray(parameters) ? parameters : [parameters]
  const basePath: Array<string | number> = Array.isArray(parameters) ? ['spec', 'parameters'] : ['spec']
  const properties: Record<string, InputSchema> = {}
  const required: string[] = []
  const conditions: Record<string, PageCondition> = {}
  // Defaults given inside conditional branches, such as port 5432 for postgres and 3306 for
  // mysql: each applies only while its branch's condition is true.
  const branchDefaults: Record<string, Array<{condition: PageCondition; value: unknown}>> = {}
  const pageDefaults: Record<string, unknown> = {}
  for (const [index, page] of pages.entries()) {
    const pagePath = Array.isArray(parameters) ? [...basePath, index] : ['spec', 'parameters']
    if (!page || typeof page !== 'object') {
      add(pagePath, 'a parameters page must be an object with properties')
      continue
    }

    for (const key of Object.keys(page)) {
      if (!PAGE_FIELDS.includes(key) && !key.startsWith('ui:')) add([...pagePath, key], `unsupported field ${key} in a parameters page; supported: ${PAGE_FIELDS.join(', ')}, ui:*`)
    }

    const pageTitle = typeof page.title === 'string' ? page.title : undefined
    const addProperty = (name: string, schema: Record<string, unknown>, path: Array<string | number>, condition?: PageCondition) => {
      const input = checkProperty(schema, path, add)
      if (!input) return
      input.form = {...input.form, page: pageTitle}
      if (name in properties) {
        // A property repeated in a conditional branch refines the one on the page (its enum).
        properties[name] = {...properties[name], ...input}
        const existing = conditions[name]
        if (existing?.values && condition?.values && existing.input === condition.input && !existing.negate && !condition.negate) {
          // A new object: the branch's own condition still decides its default.
          conditions[name] = {...existing, values: [...existing.values, ...condition.values]}
        }

        return
      }

      properties[name] = input
      if (condition) conditions[name] = condition
    }

    for (const [name, schema] of Object.entries((page.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      addProperty(name, schema, [...pagePath, 'properties', name])
      if (schema && typeof schema === 'object' && 'default' in schema) pageDefaults[name] = schema.default
    }

    for (const name of Array.isArray(page.required) ? page.required : []) if (!required.includes(name)) required.push(String(name))
    for (const branch of conditionsOf(page, pagePath, add)) {
      for (const [name, schema] of Object.entries(branch.properties)) {
        addProperty(name, schema, branch.path(name), name in (page.properties ?? {}) ? undefined : branch.condition)
        if (schema && typeof schema === 'object' && 'default' in schema && schema.default !== '') (branchDefaults[name] ??= []).push({condition: branch.condition, value: schema.default})
      }

      for (const name of branch.required) {
        if (!(name in (page.properties ?? {}))) conditions[name] = {...(conditions[name] ?? branch.condition), required: true}
      }
    }
  }

  for (const name of required) {
    if (!(name in properties)) add(['spec', 'parameters'], `"${name}" is required but no page defines it`)
  }

  for (const [name, condition] of Object.entries(conditions)) {
    const input = properties[name]
    if (!input) continue
    input.form = {...input.form, condition: {holds: (answers) => conditionHolds(condition, answers), required: condition.required ?? false, describe: describeCondition(condition, properties)}}
  }

  for (const [name, entries] of Object.entries(branchDefaults)) {
    const input = properties[name]
    if (!input) continue
    // The merged property has the last branch's default, so only the page's own may stay.
    if (name in pageDefaults && pageDefaults[name] !== '') input.default = pageDefaults[name]
    else delete input.default
    const when = entries.map(({condition, value}) => `${JSON.stringify(value)} when ${describeCondition(condition, properties)}`).join(', ')
    input.description = [input.description, `Default: ${when}.`].filter(Boolean).join(' ')
    input.form = {...input.form, defaultFor: (answers) => entries.find(({condition}) => conditionHolds(condition, answers))?.value}
  }

  return {properties, required: required.filter((name) => !(name in conditions)), conditions}
}

function checkProperty(schema: Record<string, unknown>, path: Array<string | number>, add: Add): InputSchema | undefined {
  if (!schema || typeof schema !== 'object') {
    add(path, 'a parameter must be an object with a type')
    return undefined
  }

  for (const key of Object.keys(schema)) {
    if (!PROPERTY_FIELDS.includes(key) && !key.startsWith('ui:')) add([...path, key], `unsupported field ${key}; supported: ${PROPERTY_FIELDS.join(', ')}, ui:*`)
  }

  const type = (schema.type ?? 'string') as string
  if (!PROPERTY_TYPES.includes(type)) {
    add([...path, 'type'], `unsupported type ${JSON.stringify(type)}; supported: ${PROPERTY_TYPES.join(', ')}`)
    return undefined
  }

  const widget = schema['ui:widget']
  if (widget !== undefined && !(String(widget) in WIDGETS)) add([...path, 'ui:widget'], `unsupported ui:widget ${JSON.stringify(widget)}; supported: ${Object.keys(WIDGETS).join(', ')}`)
  const field = schema['ui:field']
  const picker = field === undefined ? undefined : PICKERS[String(field)]
  if (field !== undefined && !picker) add([...path, 'ui:field'], `unsupported ui:field ${JSON.stringify(field)}; supported: ${Object.keys(PICKERS).join(', ')}`)

  const input: InputSchema = {type: type as InputSchema['type']}
  for (const key of ['title', 'description', 'default', 'enum', 'enumNames', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'items'] as const) {
    if (schema[key] !== undefined) (input as unknown as Record<string, unknown>)[key] = schema[key]
  }

  if (schema.const !== undefined && input.enum === undefined) input.enum = [schema.const]
  if (Array.isArray(input.enum) && Array.isArray(input.enumNames) && input.enumNames.length !== input.enum.length) {
    add([...path, 'enumNames'], `enumNames has ${input.enumNames.length} ${input.enumNames.length === 1 ? 'label' : 'labels'} for ${input.enum.length} enum values; give one label per value`)
  }

  if (Array.isArray(input.enum) && input.default !== undefined && input.default !== '' && !input.enum.includes(input.default)) {
    add([...path, 'default'], `the default ${JSON.stringify(input.default)} is not one of the enum values: ${input.enum.map((value) => JSON.stringify(value)).join(', ')}`)
  }

  // Backstage forms often default a text field to "", meaning "nothing entered": the input is
  // then simply not given, and renders as empty text.
  if (input.default === '') delete input.default
  if (input.type === 'array' && (input.items as {type?: string} | undefined)?.type !== 'string' && input.items !== undefined) {
    add([...path, 'items'], 'only lists of strings are supported')
  }

  if (input.type === 'array') input.items = {type: 'string', ...(input.items ?? {})}
  if (picker) {
    input.description = [input.description, `Enter ${picker.hint} (${String(field)} in the Backstage form).`].filter(Boolean).join(' ')
    if (picker.pattern && input.pattern === undefined && input.type === 'string') {
      input.pattern = picker.pattern
      input.errorMessage = picker.hint
    }
  }

  input.form = {}
  if (widget === 'password') input.form.secret = true
  if (widget === 'hidden') input.form.hidden = true
  return input
}

// A price in a label: "$50/mo", "$1,200 / month", "$0.5/mo".
const LABEL_PRICE = /\$\s?(\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)\s*\/\s*(?:mo|month)\b/i

/**
 * Reads the monthly prices from the `enumNames` labels of the enum inputs whose every label
 * has one, such as "Small (2 vCPU, 8GB) - $50/mo". The estimate is the sum of the chosen
 * values' prices, in US dollars.
 */
export function costFromLabels(properties: Record<string, InputSchema>): ActionManifest['spec']['cost'] {
  const prices: Record<string, Record<string, number>> = {}
  for (const [name, input] of Object.entries(properties)) {
    if (!input.enum || !input.enumNames || input.enumNames.length !== input.enum.length) continue
    const amounts = input.enumNames.map((label) => LABEL_PRICE.exec(label)?.[1])
    if (amounts.some((amount) => amount === undefined)) continue
    prices[name] = Object.fromEntries(input.enum.map((value, index) => [String(value), Number(amounts[index]!.replaceAll(',', ''))]))
  }

  const names = Object.keys(prices)
  if (names.length === 0) return undefined
  const sum = names.map((name) => `(has(prices.${name}) ? prices.${name} : 0.0)`).join(' + ')
  return {currency: 'USD', prices, monthly: `\${{ ${sum} }}`, explanation: 'Read from the prices in the choices of the Backstage template.'}
}

function describeCondition(condition: PageCondition, properties: Record<string, InputSchema>): string {
  const subject = properties[condition.input]?.title ?? condition.input
  if (condition.values === undefined) return `${subject} is given`
  const values = condition.values.map((value) => JSON.stringify(value)).join(' or ')
  return `${subject} is ${condition.negate ? 'not ' : ''}${values}`
}
