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

/** A value that CEL treats as a map: a plain object or a `Map`. */
type MapLike = Record<string, unknown> | Map<unknown, unknown>

function fieldOf(value: MapLike, field: string): unknown {
  return value instanceof Map ? value.get(field) : value[field]
}

function isMapLike(value: unknown): value is MapLike {
  return value instanceof Map || isPlainObject(value)
}

/** A class whose instances contain the fields of a schema, read from a map in the order of the schema. */
type ObjectClass = new (value: MapLike) => Record<string, unknown>

/**
 * Returns a class for the CEL values of an object type with the fields of `schema`. cel-js 8.0.0
 * converts a map passed for a variable of a declared object type on every program call, because
 * it caches the converted object only for that call. An instance of the class registered for
 * the type passes the type check as it is, so toCelContext builds one per request.
 */
function objectClass(schema: Record<string, string>): ObjectClass {
  const fields = Object.keys(schema)
  return class {
    [field: string]: unknown

    constructor(value: MapLike) {
      for (const field of fields) this[field] = fieldOf(value, field)
    }
  }
}

const CelCost = objectClass(costSchema)
const CelRequester = objectClass(requesterSchema)

let environment: Environment | undefined

/**
 * Returns the CEL environment shared by every policy. Building one is costly, so it is built on
 * first use and reused. It has no mutable state after that.
 */
export function policyEnvironment(): Environment {
  // `$cost` and `$requester` are the names cel-js 8.0.0 gives the types of variables registered
  // with a schema. Type-check messages show them (`no such overload: $cost + int`), so keeping them
  // keeps those messages stable.
  environment ??= new Environment()
    // For a context that toCelContext did not build, `convert` accepts a map as the schema registration did.
    .registerType({name: '$cost', ctor: CelCost, fields: costSchema, convert: (value: MapLike) => new CelCost(value)})
    .registerType({name: '$requester', ctor: CelRequester, fields: requesterSchema, convert: (value: MapLike) => new CelRequester(value)})
    .registerVariable('action', 'string')
    .registerVariable('inputs', 'map<string, dyn>')
    .registerVariable('environment', 'string')
    .registerVariable('cost', '$cost')
    .registerVariable('risk', 'list<string>')
    .registerVariable('resources', 'list<map<string, dyn>>')
    .registerVariable('permissions', 'list<map<string, dyn>>')
    .registerVariable('requester', '$requester')
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
 * is a whole number, because the checker declares it as double. `cost` and `requester` are
 * built as instances of their registered classes once here. `request` contains them as plain
 * objects, so `request.cost` and `request.requester` stay maps.
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
  // cel-js reports any other value as a type mismatch when a program reads it.
  if (isMapLike(context.cost)) context.cost = new CelCost(context.cost)
  if (isMapLike(context.requester)) context.requester = new CelRequester(context.requester)
  return context
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
