import type {ErrorObject, ValidateFunction} from 'ajv'
import {closest, distance} from 'fastest-levenshtein'
import {validate as validatePolicyTests} from '../generated/policy-tests-validator.js'
import {validate as validatePolicy} from '../generated/policy-validator.js'
import {packagePath} from '../package-root.js'
import type {FieldPath} from '../yaml-positions.js'

/** Absolute path of the JSON Schema of policy files. */
export const policySchemaPath = packagePath('schemas/approval-policy.schema.json')

/** One structural problem, before it is given a file position. */
export interface SchemaProblem {
  path: FieldPath
  message: string
  /** Part of the document the problem points at: the key of an unknown field, the parent of a missing one, else the value. */
  anchor: 'key' | 'parent' | 'value'
}

/** Absolute path of the JSON Schema of policy test case files. */
export const policyTestsSchemaPath = packagePath('schemas/approval-policy-tests.schema.json')

/** The validators compiled from the schemas at build time (scripts/compile-schemas.mjs). */
const validators = new Map<string, ValidateFunction>([
  [policySchemaPath, validatePolicy],
  [policyTestsSchemaPath, validatePolicyTests],
])

/** Validates a parsed policy document against the policy JSON Schema. */
export function validatePolicySchema(data: unknown): SchemaProblem[] {
  return validateWithSchema(policySchemaPath, data)
}

/** Validates a parsed document against the JSON Schema at `schemaPath`, one problem per failed check. */
export function validateWithSchema(schemaPath: string, data: unknown): SchemaProblem[] {
  const validate = validators.get(schemaPath)
  if (!validate) throw new Error(`No validator was compiled for ${schemaPath}`)
  if (validate(data)) return []
  return translateErrors(validate.errors ?? [], data)
}

/**
 * Turns ajv errors into one readable problem per failed check. `if` errors only repeat what
 * their `then`/`else` branch reports, and the branches of a failed `anyOf` are summed up by
 * the `anyOf` error itself, so both are dropped.
 */
function translateErrors(errors: ErrorObject[], data: unknown): SchemaProblem[] {
  const failedCombinators = errors
    .filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf')
    .map((error) => `${error.schemaPath}/`)
  const problems: SchemaProblem[] = []

  for (const error of errors) {
    if (error.keyword === 'if') continue
    if (failedCombinators.some((prefix) => error.schemaPath.startsWith(prefix))) continue
    const path = toFieldPath(error.instancePath, data)

    // A failed check inside `propertyNames` names the key; the `propertyNames` error only repeats it.
    if (error.keyword === 'propertyNames') continue
    if (error.propertyName !== undefined) {
      const {message} = translateError(error, path)
      problems.push({path: [...path, error.propertyName], anchor: 'key', message: `invalid name "${error.propertyName}": ${message}`})
      continue
    }

    problems.push(translateError(error, path))
  }

  return problems
}

function translateError(error: ErrorObject, path: FieldPath): SchemaProblem {
  const parentSchema = (error.parentSchema ?? {}) as {errorMessage?: string; properties?: Record<string, unknown>}

  if (error.keyword === 'additionalProperties') {
    const field = String(error.params.additionalProperty)
    const known = Object.keys(parentSchema.properties ?? {})
    return {path: [...path, field], anchor: 'key', message: `unknown field "${field}"${suggest(field, known)}`}
  }

  if (error.keyword === 'required') {
    const field = String(error.params.missingProperty)
    return {path: [...path, field], anchor: 'parent', message: `missing required field "${field}"`}
  }

  if (parentSchema.errorMessage) return {path, anchor: 'value', message: parentSchema.errorMessage}
  if (error.keyword === 'type') {
    return {path, anchor: 'value', message: `must be ${typeNames[String(error.params.type)] ?? String(error.params.type)}`}
  }

  if (error.keyword === 'minLength' && error.params.limit === 1) return {path, anchor: 'value', message: 'must not be empty'}
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')
    return {path, anchor: 'value', message: `must be one of ${allowed}`}
  }

  return {path, anchor: 'value', message: error.message ?? `failed the ${error.keyword} check`}
}

/** JSON Schema types in the words of YAML. */
const typeNames: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
}

/** Converts a JSON Pointer such as `/rules/2/when` to `['rules', 2, 'when']`, using the data to tell list indexes from keys. */
function toFieldPath(pointer: string, data: unknown): FieldPath {
  if (pointer === '') return []
  const path: Array<string | number> = []
  let current: unknown = data

  for (const encoded of pointer.slice(1).split('/')) {
    const segment = encoded.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(current)) {
      path.push(Number(segment))
      current = current[Number(segment)]
    } else {
      path.push(segment)
      current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[segment] : undefined
    }
  }

  return path
}

/** Returns ` (did you mean X?)` when a known name is close to `name`, else ''. */
export function suggest(name: string, known: readonly string[]): string {
  if (known.length === 0) return ''
  const candidate = closest(name, [...known])
  return distance(name, candidate) <= 2 ? ` (did you mean ${candidate}?)` : ''
}
