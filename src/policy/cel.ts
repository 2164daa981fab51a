import {Environment} from '@marcbachmann/cel-js'
import type {PolicyRequest} from './types.js'

/** A CEL variable that policy expressions can use, with its declared type. */
export interface PolicyVariable {
  name: string
  /** Type as written in the docs, such as `list<string>`. */
  type: string
  description: string
}

export const costSchema = {monthly: 'double', currency: 'string'}
export const requesterSchema = {login: 'string', name: 'string', team: 'string', groups: 'list<string>'}

/** Every variable a `when` or `messageExpression` can use. */
export const policyVariables: readonly PolicyVariable[] = [
  {name: 'action', type: 'string', description: "The action manifest's metadata.name, such as db-create."},
  {name: 'inputs', type: 'map<string, dyn>', description: 'Validated inputs of the action.'},
  {name: 'environment', type: 'string', description: "The environment input, or '' when the action has none."},
  {name: 'cost', type: '{monthly: double, currency: string}', description: 'Estimated monthly cost.'},
  {name: 'risk', type: 'list<string>', description: 'Risk attributes of the action, such as iam.'},
  {name: 'resources', type: 'list<map<string, dyn>>', description: 'Resources the request creates.'},
  {name: 'permissions', type: 'list<map<string, dyn>>', description: 'Permissions the request grants.'},
  {
    name: 'requester',
    type: '{login: string, name: string, team: string, groups: list<string>}',
    description: 'The person making the request.',
  },
  {name: 'request', type: 'map<string, dyn>', description: 'The whole request as one map, with the keys above.'},
]

let environment: Environment | undefined

/**
 * Returns the CEL environment shared by every policy. Building one is costly, so it is built on
 * first use and reused. It has no mutable state after that.
 */
export function policyEnvironment(): Environment {
  environment ??= new Environment()
    .registerVariable('action', 'string')
    .registerVariable('inputs', 'map<string, dyn>')
    .registerVariable('environment', 'string')
    .registerVariable({name: 'cost', schema: costSchema})
    .registerVariable('risk', 'list<string>')
    .registerVariable('resources', 'list<map<string, dyn>>')
    .registerVariable('permissions', 'list<map<string, dyn>>')
    .registerVariable({name: 'requester', schema: requesterSchema})
    .registerVariable('request', 'map<string, dyn>')
  return environment
}

/**
 * Converts a JSON-like value to the values cel-js expects: whole numbers become CEL ints
 * (BigInt) so that `inputs.replicas * 2` works, other numbers stay doubles, and object keys
 * whose value is undefined are left out as they would be in JSON.
 */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value
  if (Array.isArray(value)) return value.map((item) => toCelValue(item))
  if (isPlainObject(value)) {
    const converted: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) converted[key] = toCelValue(item)
    }

    return converted
  }

  return value
}

/**
 * Builds the CEL evaluation context of a request. `cost.monthly` stays a double even when it
 * is a whole number, because the checker declares it as double.
 */
export function toCelContext(request: PolicyRequest): Record<string, unknown> {
  const variables: Record<string, unknown> = {
    action: request.action,
    inputs: toCelValue(request.inputs),
    environment: request.environment,
    cost: request.cost === undefined ? undefined : {monthly: request.cost.monthly, currency: request.cost.currency},
    risk: request.risk,
    resources: toCelValue(request.resources),
    permissions: toCelValue(request.permissions),
    requester: request.requester,
  }

  // A variable the caller left out stays unknown, so a rule that uses it fails closed.
  const context: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(variables)) {
    if (value !== undefined) context[name] = value
  }

  context.request = {...context}
  return context
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
