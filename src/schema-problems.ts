import type {ErrorObject} from 'ajv'
import {closest} from 'fastest-levenshtein'

import type {Problem} from './errors.js'
import {formatPath, pointerToPath, type YamlSource} from './yaml-source.js'

/**
 * Turns ajv errors into located problems: an unknown field is reported at its own key with
 * the closest known name, a missing field at its parent's key, anything else at its value.
 * Errors of `if` keywords are dropped, because the failing `then` branch explains itself.
 */
export function schemaProblems(errors: ErrorObject[], source: YamlSource | undefined, file: string): Problem[] {
  return errors
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const path = pointerToPath(error.instancePath)
      const unknownField = error.keyword === 'additionalProperties'
      if (unknownField) path.push(String((error.params as {additionalProperty: string}).additionalProperty))
      const position = source?.locate(path, unknownField ? 'key' : 'value')
      const problem: Problem = {file, path: formatPath(path) || '(document)', message: describeSchemaError(error)}
      if (position) Object.assign(problem, {line: position.line, column: position.column})
      return problem
    })
}

/** Describes one ajv error in words, naming the closest known field for an unknown one. */
export function describeSchemaError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty)
      const known = Object.keys((error.parentSchema as {properties?: object} | undefined)?.properties ?? {})
      return `unknown field "${field}"${known.length > 0 ? `; did you mean "${closest(field, known)}"?` : ''}`
    }

    case 'required': {
      return `missing required field "${String(params.missingProperty)}"`
    }

    case 'enum': {
      return `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`
    }

    case 'const': {
      return `must be ${JSON.stringify(params.allowedValue)}`
    }

    case 'pattern': {
      // A regular expression means little to a reader, so the field's description explains what is allowed.
      const description = (error.parentSchema as {description?: string} | undefined)?.description
      return description ? `${JSON.stringify(error.data)} is not allowed here. ${description}` : (error.message ?? 'is invalid')
    }

    default: {
      return error.message ?? 'is invalid'
    }
  }
}
