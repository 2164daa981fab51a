import {statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {IdpError, type Problem} from '../errors.js'
import {validate as validateManifestSchema} from '../generated/manifest-validator.js'
import {packagePath} from '../package-root.js'
import {schemaProblems} from '../schema-problems.js'
import {formatPath, readYamlFile, type YamlSource} from '../yaml-source.js'
import {checkTemplate, type ExpressionContext, isTemplate} from './expressions.js'
import type {RenderedFile} from './render.js'
import {COMMON_FLAG_NAMES, flagNameOf} from './input-names.js'

export {flagNameOf} from './input-names.js'

/** One input of an action: a JSON Schema property with idp's `enumNames` and `errorMessage`. */
export interface InputSchema {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array'
  title?: string
  description?: string
  enum?: unknown[]
  enumNames?: string[]
  default?: unknown
  /** Sample values, as in JSON Schema; the first one is used in the command's help examples. */
  examples?: unknown[]
  pattern?: string
  errorMessage?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  items?: {type: 'string'; pattern?: string; enum?: string[]}
  /** Set in memory for Backstage templates only: see src/backstage/template.ts. */
  form?: InputForm
}

/** Form settings of an input of a Backstage template. Manifests of idp itself have none. */
export interface InputForm {
  /** Title of the parameters page the input is on, shown before its first prompt. */
  page?: string
  /** A password: prompted without echo, and never shown in the plan. */
  secret?: boolean
  /** Never prompted: the default is taken. */
  hidden?: boolean
  /** A condition on the values resolved so far: the input applies only when it is true, and may then be required. */
  condition?: {holds(answers: Record<string, unknown>): boolean; required: boolean; describe: string}
  /** The default of the conditional branch that holds for the values resolved so far, if any. */
  defaultFor?(answers: Record<string, unknown>): unknown
}

/** The pull request of a request: the publish step's settings, rendered. */
export interface PublishRequest {
  branch: string
  title: string
  description?: string
  commitMessage?: string
  teamReviewers?: string[]
  reviewers?: string[]
  draft?: boolean
}

/** Renders a Backstage template's files, pull request and outputs; see src/backstage/steps.ts. */
export interface TemplateEngine {
  renderFiles(context: ExpressionContext): Promise<RenderedFile[]>
  publish(context: ExpressionContext): PublishRequest & {repository: {owner: string; repo: string}}
  outputs(context: ExpressionContext, publish: Record<string, unknown>): Array<{name: string; title: string; value: string}>
}

export interface StepSpec {
  id: string
  name?: string
  action: 'template:render' | 'files:delete' | 'publish:pull-request'
  with: Record<string, unknown>
}

/** An action manifest (`apiVersion: idp.dev/v1`, `kind: Action`) after schema validation. */
export interface ActionManifest {
  apiVersion: 'idp.dev/v1'
  kind: 'Action'
  metadata: {name: string; title: string; description?: string; owner?: string; tags?: string[]}
  spec: {
    command: string
    inputs: {type: 'object'; required?: string[]; properties: Record<string, InputSchema>}
    cost?: {currency: string; prices?: Record<string, Record<string, number>>; monthly: number | string; explanation?: string}
    /** Risk attributes: a name, or a name with a `${{ }}` condition over the inputs. */
    risk?: Array<string | {name: string; when: string}>
    preview?: {
      resources?: Array<{type: string; name: string; description?: string; change?: 'create' | 'delete'}>
      permissions?: Array<{principal: string; role: string; on: string; description?: string}>
    }
    /** A value the user types, or passes with `--confirm`, before the request is submitted. */
    confirm?: {value: string; message?: string}
    steps: StepSpec[]
    outputs?: Array<{name: string; title: string; value: string}>
  }
}

/** A manifest together with the file it came from. */
export interface LoadedManifest {
  manifest: ActionManifest
  file: string
  /** Folder of the manifest file; template sources are relative to it. */
  dir: string
  /** Set for a Backstage template, whose steps and expressions are not idp's own. */
  engine?: TemplateEngine
}


const schemaPath = packagePath('schemas/action-manifest.schema.json')

/** Absolute path of the JSON Schema that manifests are validated against. */
export const manifestSchemaPath = schemaPath

/**
 * Reads a manifest and validates it: the JSON Schema first, then the checks a schema cannot
 * express (enum labels, defaults, expressions, template folders). Every problem in the file
 * is reported at once in one IdpError with code MANIFEST_INVALID and exit code 2.
 */
export async function loadManifest(file: string): Promise<LoadedManifest> {
  const absolute = resolve(file)
  const source = await readYamlFile(absolute, {
    kind: 'Action manifest',
    notFoundCode: 'MANIFEST_NOT_FOUND',
    invalidCode: 'MANIFEST_INVALID',
  })

  if (source.value && typeof source.value === 'object' && (source.value as {kind?: unknown}).kind === 'Template') {
    const {isBackstageTemplate, loadBackstageTemplate} = await import('../backstage/template.js')
    if (isBackstageTemplate(source.value)) return loadBackstageTemplate(source)
  }

  const {schema, semantic} = manifestProblems(source)
  const problems = [...schema, ...semantic]
  if (problems.length > 0) {
    throw new IdpError(`Action manifest ${absolute} is invalid: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`, {
      code: 'MANIFEST_INVALID',
      exitCode: 2,
      problems,
      hint: `Fix the manifest, then check it again with the same command.`,
    })
  }

  return {manifest: source.value as ActionManifest, file: absolute, dir: dirname(absolute)}
}

/**
 * Checks a parsed manifest: the JSON Schema first, then, only when the schema passes, the checks
 * a schema cannot express. `idp actions validate` reports both lists with its own findings.
 */
export function manifestProblems(source: YamlSource): {schema: Problem[]; semantic: Problem[]} {
  const conditional = conditionalInputProblems(source)
  const explained = new Set(conditional.map((problem) => problem.keywordPath))
  const schema = [
    ...conditional.map(({keywordPath, ...problem}) => problem),
    ...validateAgainstSchema(source).filter((problem) => !explained.has(problem.path ?? '')),
  ]
  return {schema, semantic: schema.length === 0 ? semanticProblems(source) : []}
}

// JSON Schema keywords that make an input depend on another one. idp prompts for every input it
// declares and applies one default each, so it rejects them rather than ignore a branch.
const CONDITIONAL_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependencies', 'dependentRequired', 'dependentSchemas']

/**
 * Explains conditional input schemas, which the JSON Schema would only report as unknown
 * fields. A default inside a branch is pointed at, because that is the value that would be lost.
 */
function conditionalInputProblems(source: YamlSource): Array<Problem & {keywordPath: string}> {
  const inputs = (source.value as {spec?: {inputs?: unknown}} | null)?.spec?.inputs
  if (!inputs || typeof inputs !== 'object') return []

  const problems: Array<Problem & {keywordPath: string}> = []
  for (const keyword of CONDITIONAL_KEYWORDS.filter((name) => name in inputs)) {
    const keywordPath = ['spec', 'inputs', keyword]
    const defaultPath = findDefault((inputs as Record<string, unknown>)[keyword], keywordPath)
    const reported = defaultPath ?? keywordPath
    const lost = defaultPath ? `, so the default of ${String(defaultPath.at(-2))} here would never apply` : ''
    problems.push({
      file: source.file,
      ...lineColumn(source.locate(reported, defaultPath ? 'value' : 'key')),
      path: formatPath(reported),
      keywordPath: formatPath(keywordPath),
      message: `conditional input schemas ("${keyword}") are not supported${lost}. Declare every input under spec.inputs.properties with one default, and let the templates use it only where another input calls for it`,
    })
  }

  return problems
}

function findDefault(value: unknown, path: Array<string | number>): Array<string | number> | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findDefault(item, [...path, index])
      if (found) return found
    }
  } else if (value && typeof value === 'object') {
    if ('default' in value) return [...path, 'default']
    for (const [key, item] of Object.entries(value)) {
      const found = findDefault(item, [...path, key])
      if (found) return found
    }
  }

  return undefined
}

function validateAgainstSchema(source: YamlSource): Problem[] {
  return validateManifestSchema(source.value) ? [] : schemaProblems(validateManifestSchema.errors ?? [], source, source.file)
}

function lineColumn(position: {line: number; column: number} | undefined): Partial<Problem> {
  return position ? {line: position.line, column: position.column} : {}
}

function semanticProblems(source: YamlSource): Problem[] {
  const manifest = source.value as ActionManifest
  const problems: Problem[] = []
  const add = (path: Array<string | number>, message: string) => {
    problems.push({file: source.file, ...lineColumn(source.locate(path)), path: formatPath(path), message})
  }

  checkInputs(manifest, add)
  checkCost(manifest, add)
  checkSteps(manifest, source, add)
  checkExpressions(source, problems)
  return problems
}

type AddProblem = (path: Array<string | number>, message: string) => void

function checkInputs(manifest: ActionManifest, add: AddProblem): void {
  const {properties, required = []} = manifest.spec.inputs
  for (const name of required) {
    if (!(name in properties)) add(['spec', 'inputs', 'required'], `"${name}" is required but not defined in spec.inputs.properties`)
  }

  for (const [name, input] of Object.entries(properties)) {
    const path = ['spec', 'inputs', 'properties', name]
    if ((COMMON_FLAG_NAMES as readonly string[]).includes(flagNameOf(name))) {
      add(path, `input "${name}" would become the flag --${flagNameOf(name)}, which every action already has; rename the input`)
    }

    if (input.enumNames && !input.enum) add([...path, 'enumNames'], 'enumNames needs an enum of the same length')
    if (input.enum && input.enumNames && input.enum.length !== input.enumNames.length) {
      add([...path, 'enumNames'], `enumNames has ${input.enumNames.length} labels but enum has ${input.enum.length} values`)
    }

    if (input.enum && input.type !== 'array') {
      const wrongType = input.enum.filter((value) => !matchesType(value, input.type))
      for (const value of wrongType) add([...path, 'enum'], `enum value ${JSON.stringify(value)} is not of type ${input.type}`)
    }

    if (input.pattern !== undefined) {
      try {
        new RegExp(input.pattern, 'u')
      } catch (error) {
        add([...path, 'pattern'], `pattern is not a valid regular expression: ${(error as Error).message}`)
      }
    }

    if (input.default !== undefined && !(typeof input.default === 'string' && isTemplate(input.default))) {
      if (input.enum && !input.enum.includes(input.default)) {
        add([...path, 'default'], `default ${JSON.stringify(input.default)} is not one of the enum values: ${input.enum.map(String).join(', ')}`)
      } else if (input.type !== 'array' && !matchesType(input.default, input.type)) {
        add([...path, 'default'], `default ${JSON.stringify(input.default)} is not of type ${input.type}`)
      }
    }
  }
}

function matchesType(value: unknown, type: InputSchema['type']): boolean {
  switch (type) {
    case 'string': {
      return typeof value === 'string'
    }

    case 'integer': {
      return Number.isInteger(value)
    }

    case 'number': {
      return typeof value === 'number'
    }

    case 'boolean': {
      return typeof value === 'boolean'
    }

    case 'array': {
      return Array.isArray(value)
    }
  }
}

function checkCost(manifest: ActionManifest, add: AddProblem): void {
  const prices = manifest.spec.cost?.prices ?? {}
  for (const [inputName, table] of Object.entries(prices)) {
    const path = ['spec', 'cost', 'prices', inputName]
    const input = manifest.spec.inputs.properties[inputName]
    if (!input?.enum) {
      add(path, `prices can only be given for an input with enum values, and "${inputName}" ${input ? 'has none' : 'is not an input'}`)
      continue
    }

    const values = input.enum.map(String)
    for (const value of values) {
      if (!(value in table)) add(path, `no price for "${value}"; every value of ${inputName} needs one`)
    }

    for (const key of Object.keys(table)) {
      if (!values.includes(key)) add([...path, key], `"${key}" is not a value of ${inputName} (${values.join(', ')})`)
    }
  }
}

function checkSteps(manifest: ActionManifest, source: YamlSource, add: AddProblem): void {
  const seen = new Set<string>()
  const {steps} = manifest.spec
  for (const [index, step] of steps.entries()) {
    if (seen.has(step.id)) add(['spec', 'steps', index, 'id'], `duplicate step id "${step.id}"`)
    seen.add(step.id)

    if (step.action === 'template:render') {
      const folder = join(dirname(source.file), String(step.with.source))
      if (!isDirectory(folder)) add(['spec', 'steps', index, 'with', 'source'], `template folder not found: ${folder}`)
    }
  }

  const deleting = steps.findIndex((step) => step.action === 'files:delete')
  if (deleting !== -1 && !manifest.spec.confirm) {
    add(['spec', 'steps', deleting], 'a files:delete step needs spec.confirm, so that the user types what is deleted (such as value: "${{ inputs.name }}")')
  }

  if (manifest.spec.confirm && Object.keys(manifest.spec.inputs.properties).some((name) => flagNameOf(name) === 'confirm')) {
    add(['spec', 'confirm'], 'an action with spec.confirm has a --confirm flag, so no input may be named "confirm"')
  }

  const publishing = steps.filter((step) => step.action === 'publish:pull-request')
  if (publishing.length !== 1 || steps.at(-1)?.action !== 'publish:pull-request') {
    add(['spec', 'steps'], 'the last step, and only the last, must be a publish:pull-request step')
  }
}

/** Checks whether a path is an existing folder. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Checks every `${{ }}` expression in the manifest's strings and reports each at its position. */
function checkExpressions(source: YamlSource, problems: Problem[]): void {
  const visit = (value: unknown, path: Array<string | number>) => {
    if (typeof value === 'string') {
      if (!isTemplate(value) && !value.includes('}}')) return
      for (const problem of checkTemplate(value)) {
        problems.push({file: source.file, ...expressionPosition(source, path, problem.offset), path: formatPath(path), message: problem.message})
      }

      return
    }

    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]))
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key])
    }
  }

  visit((source.value as ActionManifest).spec, ['spec'])
}

function expressionPosition(source: YamlSource, path: Array<string | number>, offset: number): Partial<Problem> {
  return lineColumn(source.locateInString(path, offset))
}
