/**
 * Matching and validation of HTTP requests and responses against GitHub's
 * OpenAPI description of api.github.com, as shipped by `@octokit/openapi`.
 *
 * The description is OpenAPI 3.0, so its schemas are converted to JSON Schema
 * (draft-07) before ajv compiles them: `nullable` becomes a `null` type, and
 * `$ref`s into `#/components/schemas` become ids of schemas registered one by
 * one on first use. Validators are compiled lazily and cached per operation.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv'

const require = createRequire(import.meta.url)

/** Path of the OpenAPI description of api.github.com inside `@octokit/openapi`. */
export const DESCRIPTION_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json')

const SCHEMA_ID_PREFIX = 'urn:github-openapi:schemas:'
const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/'
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** JSON Schema keywords that OpenAPI 3.0 shares with draft-07 and that affect validation. */
const VALIDATION_KEYWORDS = new Set([
  'type',
  'format',
  'enum',
  'required',
  'pattern',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
])

/**
 * Corrections to the description where it contradicts what api.github.com
 * returns. Each one edits the parsed document before any schema is compiled.
 */
const DESCRIPTION_CORRECTIONS: Array<(document: OpenApiDocument) => void> = [
  // The labels of a listed pull request must have a non-null `description`
  // here, but labels created without one (for example by "Add labels to an
  // issue") have `description: null`, as the `pull-request` and `label`
  // schemas allow.
  (document) => {
    const labels = document.components.schemas['pull-request-simple'].properties?.labels as OpenApiSchema
    const description = labels.items?.properties?.description as OpenApiSchema
    description.nullable = true
  },
  // The 422 of "Create a blob" is `oneOf` two error schemas that both accept
  // a plain `{message, documentation_url}` error, so `oneOf` rejects every
  // such body. Either schema matching is what the description means.
  (document) => {
    const operation = document.paths['/repos/{owner}/{repo}/git/blobs'].post as OpenApiOperation
    const response = operation.responses['422'] as OpenApiResponse
    const schema = response.content?.['application/json'].schema as OpenApiSchema
    schema.anyOf = schema.oneOf
    delete schema.oneOf
  },
  // "Create a commit status" declares only its 201, but api.github.com
  // responds to a SHA that is not a commit of the repository with a 422
  // whose message is "No commit found for SHA: <sha>".
  (document) => {
    const operation = document.paths['/repos/{owner}/{repo}/statuses/{sha}'].post as OpenApiOperation
    operation.responses['422'] = {$ref: '#/components/responses/validation_failed'}
  },
]

/** Part of an HTTP exchange that failed validation. */
export type ViolationPart = 'path' | 'query' | 'body' | 'response-status' | 'response-body'

/** Failed check of one part of a request or response, with ajv's errors when a schema rejected it. */
export interface ValidationFailure {
  part: ViolationPart
  message: string
  errors: ErrorObject[]
}

/** Request data to check against an operation. */
export interface RequestParts {
  pathParameters: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown
}

/** Operation found for a method and a concrete request path. */
export interface OperationMatch {
  operation: Operation
  /** Decoded values of the path template's parameters. */
  pathParameters: Record<string, string>
}

// Loose shapes of the OpenAPI objects that this module reads.
interface OpenApiSchema {
  $ref?: string
  nullable?: boolean
  type?: string
  enum?: unknown[]
  properties?: Record<string, OpenApiSchema>
  items?: OpenApiSchema
  additionalProperties?: boolean | OpenApiSchema
  allOf?: OpenApiSchema[]
  anyOf?: OpenApiSchema[]
  oneOf?: OpenApiSchema[]
  not?: OpenApiSchema
  [keyword: string]: unknown
}

interface OpenApiParameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: OpenApiSchema
  'x-multi-segment'?: boolean
}

interface OpenApiMediaType {
  schema?: OpenApiSchema
}

interface OpenApiResponse {
  content?: Record<string, OpenApiMediaType>
}

interface OpenApiOperation {
  operationId: string
  parameters?: Array<OpenApiParameter | {$ref: string}>
  requestBody?: {required?: boolean; content: Record<string, OpenApiMediaType>}
  responses: Record<string, OpenApiResponse | {$ref: string}>
  externalDocs?: {url: string}
}

interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components: {
    schemas: Record<string, OpenApiSchema>
    parameters: Record<string, OpenApiParameter>
    responses: Record<string, OpenApiResponse>
  }
}

/**
 * Converts an OpenAPI 3.0 schema to JSON Schema draft-07 and collects the
 * names of the component schemas that it references.
 */
function convertSchema(schema: OpenApiSchema, references: Set<string>): Record<string, unknown> {
  if (schema.$ref !== undefined) {
    // OpenAPI 3.0 ignores every keyword next to `$ref`, and so does this conversion.
    if (!schema.$ref.startsWith(COMPONENT_SCHEMA_PREFIX)) {
      throw new Error(`unsupported schema $ref ${schema.$ref}: only ${COMPONENT_SCHEMA_PREFIX}* is resolved`)
    }

    const name = schema.$ref.slice(COMPONENT_SCHEMA_PREFIX.length)
    references.add(name)
    return {$ref: SCHEMA_ID_PREFIX + name}
  }

  const converted: Record<string, unknown> = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (VALIDATION_KEYWORDS.has(keyword)) converted[keyword] = value
  }

  if (schema.properties) {
    converted.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, convertSchema(property, references)]),
    )
  }

  if (schema.items) converted.items = convertSchema(schema.items, references)
  if (schema.not) converted.not = convertSchema(schema.not, references)
  if (typeof schema.additionalProperties === 'boolean') converted.additionalProperties = schema.additionalProperties
  if (typeof schema.additionalProperties === 'object') {
    converted.additionalProperties = convertSchema(schema.additionalProperties, references)
  }

  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[keyword]
    if (branches) converted[keyword] = branches.map((branch) => convertSchema(branch, references))
  }

  if (schema.nullable !== true) return converted

  // `nullable: true` adds null to the allowed values. Without `type`, ajv
  // rejects `nullable`, so null becomes an alternative of the whole schema.
  if (typeof converted.type === 'string') {
    converted.type = [converted.type, 'null']
    if (Array.isArray(converted.enum) && !converted.enum.includes(null)) converted.enum = [...converted.enum, null]
    return converted
  }

  if (Object.keys(converted).length === 0) return converted
  return {anyOf: [converted, {type: 'null'}]}
}

/** Parses a path template such as `/repos/{owner}/{repo}` into a matcher. */
class PathTemplate {
  readonly template: string
  readonly parameterNames: string[] = []
  /** Count of literal characters, so that `/git/refs` wins over `/{owner}`-like templates. */
  readonly literalLength: number
  private readonly pattern: RegExp

  constructor(template: string, multiSegmentParameters: Set<string>) {
    this.template = template

    let source = ''
    let literalLength = 0
    for (const part of template.split(/(\{[^}]+\})/)) {
      const parameter = /^\{([^}]+)\}$/.exec(part)
      if (parameter) {
        this.parameterNames.push(parameter[1])
        source += multiSegmentParameters.has(parameter[1]) ? '(.+)' : '([^/]+)'
      } else {
        literalLength += part.length
        source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      }
    }

    this.literalLength = literalLength
    this.pattern = new RegExp(`^${source}$`)
  }

  /** Returns the decoded parameter values when `path` (still percent-encoded) fits the template. */
  match(path: string): Record<string, string> | undefined {
    const found = this.pattern.exec(path)
    if (!found) return undefined

    const values: Record<string, string> = {}
    for (const [index, name] of this.parameterNames.entries()) {
      try {
        values[name] = decodeURIComponent(found[index + 1])
      } catch {
        return undefined
      }
    }

    return values
  }
}

/** One operation of the description: method and path template, with lazily compiled validators. */
export class Operation {
  readonly method: string
  readonly pathTemplate: PathTemplate
  readonly operationId: string
  /** Link to GitHub's documentation of the operation, as sent in error bodies. */
  readonly documentationUrl: string

  private readonly description: OpenApiDescription
  private readonly definition: OpenApiOperation
  private readonly parameters: OpenApiParameter[]
  private readonly parameterValidators = new Map<'path' | 'query', ValidateFunction>()
  private bodyValidator?: ValidateFunction | null
  private readonly responseValidators = new Map<string, ValidateFunction | null>()

  constructor(
    description: OpenApiDescription,
    method: string,
    template: string,
    definition: OpenApiOperation,
    parameters: OpenApiParameter[],
  ) {
    this.description = description
    this.method = method.toUpperCase()
    this.definition = definition
    this.parameters = parameters
    this.operationId = definition.operationId
    this.documentationUrl = definition.externalDocs?.url ?? 'https://docs.github.com/rest'

    const multiSegment = new Set(parameters.filter((p) => p.in === 'path' && p['x-multi-segment']).map((p) => p.name))
    this.pathTemplate = new PathTemplate(template, multiSegment)
  }

  /** Checks path parameters, query parameters and the JSON body of a request. */
  validateRequest(request: RequestParts): ValidationFailure[] {
    const failures: ValidationFailure[] = []

    for (const location of ['path', 'query'] as const) {
      const values = this.collectParameters(location, request)
      const validate = this.compileParameters(location)
      if (!validate(values)) {
        failures.push({part: location, message: `${location} parameters are invalid`, errors: validate.errors ?? []})
      }
    }

    const bodyFailure = this.validateBody(request.body)
    if (bodyFailure) failures.push(bodyFailure)
    return failures
  }

  /**
   * Checks a response status and JSON body against the declared response.
   * Statuses in `implicitStatuses` may be undeclared, and then the body must
   * be a `basic-error`.
   */
  validateResponse(status: number, body: unknown, implicitStatuses: ReadonlySet<number>): ValidationFailure[] {
    const key = this.responseKey(status)
    if (key === undefined) {
      if (!implicitStatuses.has(status)) {
        const declared = Object.keys(this.definition.responses).join(', ')
        return [
          {
            part: 'response-status',
            message: `status ${status} is not declared for ${this.operationId} (declared: ${declared})`,
            errors: [],
          },
        ]
      }

      return this.checkResponseBody(this.description.componentValidator('basic-error'), status, body)
    }

    return this.checkResponseBody(this.compileResponse(key), status, body)
  }

  private checkResponseBody(validate: ValidateFunction | null, status: number, body: unknown): ValidationFailure[] {
    // NOTE: a declared response without content leaves the body unchecked.
    // The description does that even where GitHub sends a JSON error body, for
    // example the 422 of "Request reviewers for a pull request".
    if (validate === null || validate(body)) return []
    return [
      {
        part: 'response-body',
        message: `body of the ${status} response does not match the ${this.operationId} schema`,
        errors: validate.errors ?? [],
      },
    ]
  }

  private responseKey(status: number): string | undefined {
    const responses = this.definition.responses
    const exact = String(status)
    if (exact in responses) return exact

    const range = `${String(status)[0]}XX`
    if (range in responses) return range
    if ('default' in responses) return 'default'
    return undefined
  }

  private collectParameters(location: 'path' | 'query', request: RequestParts): Record<string, unknown> {
    const values: Record<string, unknown> = {}

    for (const parameter of this.parameters) {
      if (parameter.in !== location) continue

      let raw: string[]
      if (location === 'path') {
        const value = request.pathParameters[parameter.name]
        raw = value === undefined ? [] : [value]
      } else {
        raw = request.query.getAll(parameter.name)
      }

      if (raw.length > 0) values[parameter.name] = coerceParameter(raw, parameter.schema)
    }

    return values
  }

  private compileParameters(location: 'path' | 'query'): ValidateFunction {
    const cached = this.parameterValidators.get(location)
    if (cached) return cached

    const properties: Record<string, OpenApiSchema> = {}
    const required: string[] = []
    for (const parameter of this.parameters) {
      if (parameter.in !== location) continue
      properties[parameter.name] = parameter.schema ?? {}
      if (parameter.required) required.push(parameter.name)
    }

    // Unknown query parameters are allowed, because GitHub ignores them.
    const validate = this.description.compile({type: 'object', properties, required})
    this.parameterValidators.set(location, validate)
    return validate
  }

  private validateBody(body: unknown): ValidationFailure | undefined {
    const requestBody = this.definition.requestBody
    if (!requestBody) return undefined

    if (body === undefined) {
      if (!requestBody.required) return undefined
      return {part: 'body', message: `${this.operationId} requires a JSON request body`, errors: []}
    }

    if (this.bodyValidator === undefined) {
      const schema = jsonMediaType(requestBody.content)?.schema
      this.bodyValidator = schema ? this.description.compile(schema) : null
    }

    if (this.bodyValidator === null || this.bodyValidator(body)) return undefined
    return {
      part: 'body',
      message: `request body does not match the ${this.operationId} schema`,
      errors: this.bodyValidator.errors ?? [],
    }
  }

  private compileResponse(key: string): ValidateFunction | null {
    const cached = this.responseValidators.get(key)
    if (cached !== undefined) return cached

    const response = this.description.resolveResponse(this.definition.responses[key])
    const schema = response.content ? jsonMediaType(response.content)?.schema : undefined
    const validate = schema ? this.description.compile(schema) : null
    this.responseValidators.set(key, validate)
    return validate
  }
}

/** Converts raw path or query strings to the type that the parameter's schema declares. */
function coerceParameter(raw: string[], schema: OpenApiSchema | undefined): unknown {
  const type = schema?.type
  if (type === 'array') {
    const items = raw.flatMap((value) => value.split(','))
    return items.map((item) => coerceScalar(item, schema?.items?.type))
  }

  return coerceScalar(raw[raw.length - 1], type)
}

function coerceScalar(value: string, type: string | undefined): unknown {
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value)
  }

  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true'
  // Any other value stays a string, so the schema's type check reports it.
  return value
}

function jsonMediaType(content: Record<string, OpenApiMediaType>): OpenApiMediaType | undefined {
  const type = Object.keys(content).find((name) => name === 'application/json' || /\+json$/.test(name))
  return type === undefined ? undefined : content[type]
}

/** Formats ajv errors as one line each, such as `/tree/0/mode must be equal to one of the allowed values`. */
export function formatSchemaErrors(errors: ErrorObject[]): string[] {
  return errors.map((error) => {
    const location = error.instancePath === '' ? '(root)' : error.instancePath
    const details = error.keyword === 'additionalProperties' ? ` '${String(error.params.additionalProperty)}'` : ''
    return `${location} ${error.message ?? error.keyword}${details}`
  })
}

/** GitHub's OpenAPI description, parsed once, with an index of its operations. */
export class OpenApiDescription {
  /** Milliseconds spent reading, parsing and indexing the description file. */
  readonly loadMilliseconds: number

  private readonly document: OpenApiDocument
  private readonly ajv: Ajv
  private readonly registeredSchemas = new Set<string>()
  private readonly operations = new Map<string, Operation[]>()
  private readonly componentValidators = new Map<string, ValidateFunction>()

  constructor(path: string = DESCRIPTION_PATH) {
    const started = performance.now()
    this.document = JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument

    for (const correct of DESCRIPTION_CORRECTIONS) correct(this.document)

    this.ajv = new Ajv({strict: false, allErrors: true, unicodeRegExp: false, logger: false})
    addLooseFormats(this.ajv)
    this.indexOperations()
    this.loadMilliseconds = performance.now() - started
  }

  /** Finds the operation for `method` and a request path without query, preferring the most literal template. */
  findOperation(method: string, path: string): OperationMatch | undefined {
    const candidates = this.operations.get(method.toUpperCase()) ?? []
    for (const operation of candidates) {
      const pathParameters = operation.pathTemplate.match(path)
      if (pathParameters) return {operation, pathParameters}
    }

    return undefined
  }

  /** Finds the operation declared for `method` on exactly `template`. */
  findOperationByTemplate(method: string, template: string): Operation | undefined {
    const candidates = this.operations.get(method.toUpperCase()) ?? []
    return candidates.find((operation) => operation.pathTemplate.template === template)
  }

  /** Returns a cached validator for the component schema `name`, such as `basic-error`. */
  componentValidator(name: string): ValidateFunction {
    let validate = this.componentValidators.get(name)
    if (!validate) {
      validate = this.compile({$ref: COMPONENT_SCHEMA_PREFIX + name})
      this.componentValidators.set(name, validate)
    }

    return validate
  }

  /** Compiles an OpenAPI schema, first registering the component schemas that it needs. */
  compile(schema: OpenApiSchema): ValidateFunction {
    const references = new Set<string>()
    const converted = convertSchema(schema, references)
    this.registerComponents(references)
    return this.ajv.compile(converted)
  }

  /** Resolves a response object that may be a `$ref` into `#/components/responses`. */
  resolveResponse(response: OpenApiResponse | {$ref: string}): OpenApiResponse {
    if (!('$ref' in response)) return response
    const name = response.$ref.replace('#/components/responses/', '')
    const resolved = this.document.components.responses[name]
    if (!resolved) throw new Error(`unresolved response $ref ${response.$ref}`)
    return resolved
  }

  private registerComponents(names: Set<string>): void {
    const pending = [...names]
    while (pending.length > 0) {
      const name = pending.pop() as string
      if (this.registeredSchemas.has(name)) continue

      const schema = this.document.components.schemas[name]
      if (!schema) throw new Error(`unresolved schema $ref ${COMPONENT_SCHEMA_PREFIX}${name}`)

      const references = new Set<string>()
      this.ajv.addSchema(convertSchema(schema, references), SCHEMA_ID_PREFIX + name)
      this.registeredSchemas.add(name)
      pending.push(...references)
    }
  }

  private indexOperations(): void {
    for (const [template, pathItem] of Object.entries(this.document.paths)) {
      const sharedParameters = (pathItem.parameters as OpenApiOperation['parameters']) ?? []

      for (const method of HTTP_METHODS) {
        const definition = pathItem[method] as OpenApiOperation | undefined
        if (!definition) continue

        const parameters = [...sharedParameters, ...(definition.parameters ?? [])].map((parameter) =>
          this.resolveParameter(parameter),
        )
        const operation = new Operation(this, method, template, definition, parameters)
        const list = this.operations.get(operation.method) ?? []
        list.push(operation)
        this.operations.set(operation.method, list)
      }
    }

    for (const list of this.operations.values()) {
      list.sort((a, b) => b.pathTemplate.literalLength - a.pathTemplate.literalLength)
    }
  }

  private resolveParameter(parameter: OpenApiParameter | {$ref: string}): OpenApiParameter {
    if (!('$ref' in parameter)) return parameter
    const name = parameter.$ref.replace('#/components/parameters/', '')
    const resolved = this.document.components.parameters[name]
    if (!resolved) throw new Error(`unresolved parameter $ref ${parameter.$ref}`)
    return resolved
  }
}

/**
 * Registers the string formats that the description uses. ajv-formats is not
 * a dependency, so `uri`, `date-time`, `date` and `email` get loose checks of
 * their shape, and the others are accepted as they are.
 */
function addLooseFormats(ajv: Ajv): void {
  ajv.addFormat('uri', /^[a-z][a-z\d+.-]*:[^\s]*$/i)
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i)
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/)
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/)
  for (const name of ['uri-template', 'repo.nwo', 'binary']) ajv.addFormat(name, true)
  for (const name of ['int32', 'int64', 'double']) ajv.addFormat(name, {type: 'number', validate: () => true})
}

let sharedDescription: OpenApiDescription | undefined

/** Returns the process-wide description of api.github.com, loading it on the first call. */
export function loadGitHubDescription(): OpenApiDescription {
  sharedDescription ??= new OpenApiDescription()
  return sharedDescription
}
