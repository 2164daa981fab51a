import {serialize, type ASTNode, type ParseResult} from '@marcbachmann/cel-js'
import {policyEnvironment, toCelContext} from './cel.js'
import {evaluateRule, runProgram} from './evaluate.js'
import {compiledRulesOf} from './load.js'
import type {Effect, Policy, PolicyRequest} from './types.js'

/** Whether one rule matched a request, and why. */
export interface RuleExplanation {
  id: string
  effect: Effect
  /** True when the rule's condition was true and its message could be built. */
  matched: boolean
  /** The evaluation error, worded as in `Decision.errors`, when the rule failed. */
  error?: string
  /** One sentence that names the clause that decided and the values it read. */
  why: string
}

/**
 * Explains, for every rule of a policy, whether it matched a request and why. For a condition
 * whose top level is a chain of `&&`, the sentence names the first false clause or states that
 * every clause is true. For a chain of `||`, it names the first true alternative or states that
 * every alternative is false. It gives the values of the variables and fields those clauses
 * read. Clauses are shown as cel-js prints them back from the parsed condition, so quotes and
 * spacing can differ from the policy file. Never throws for a policy that `evaluatePolicy` accepts.
 */
export function explainPolicy(policy: Policy, request: PolicyRequest): RuleExplanation[] {
  const context = toCelContext(request)
  return compiledRulesOf(policy).map((compiled) => {
    const {rule} = compiled
    const base = {id: rule.id, effect: rule.effect}
    const result = evaluateRule(compiled, context, policy.path)
    if (result.kind === 'failed') {
      return {...base, matched: false, error: result.message, why: `The rule could not be evaluated, so onError ${policy.onError} applies.`}
    }

    const matched = result.kind === 'matched'
    return {...base, matched, why: explainCondition(compiled.when.program.ast, matched, context)}
  })
}

/** Explains why a condition came out as `value`, which the whole rule evaluation already found. */
function explainCondition(ast: ASTNode, value: boolean, context: Record<string, unknown>): string {
  if (ast.op === '&&') {
    const clauses = flatten(ast, '&&')
    if (value) return `Every clause is true${valuesOf(clauses, context)}.`
    const failing = clauses.find((clause) => evaluateClause(clause, context) === false)
    if (failing) return `The clause ${serialize(failing)} is false${valuesOf([failing], context)}.`
  }

  if (ast.op === '||') {
    const alternatives = flatten(ast, '||')
    if (!value) return `Every alternative is false: ${listText(alternatives.map((node) => serialize(node)))}${valuesOf(alternatives, context)}.`
    const passing = alternatives.find((alternative) => evaluateClause(alternative, context) === true)
    if (passing) return `The alternative ${serialize(passing)} is true${valuesOf([passing], context)}.`
  }

  return `The condition ${serialize(ast)} is ${value ? 'true' : 'false'}${valuesOf([ast], context)}.`
}

/** Splits a left-nested chain of one operator, such as `a && b && c`, into its clauses in source order. */
function flatten(node: ASTNode, op: '&&' | '||'): ASTNode[] {
  if (node.op !== op) return [node]
  const [left, right] = node.args as [ASTNode, ASTNode]
  return [...flatten(left, op), ...flatten(right, op)]
}

/**
 * Evaluates one clause on its own, in the environment and with the context the policy uses.
 * Returns undefined when the clause fails or does not return a bool.
 */
function evaluateClause(node: ASTNode, context: Record<string, unknown>): boolean | undefined {
  // cel-js runs only whole parsed expressions, so the clause is printed and parsed again.
  let program: ParseResult
  try {
    program = policyEnvironment().parse(serialize(node))
  } catch {
    return undefined
  }

  try {
    const value = runProgram(program, context)
    return typeof value === 'boolean' ? value : undefined
  } catch {
    // A failing clause cannot be the one that made the chain false or true.
    return undefined
  }
}

/** Formats ` (environment is "dev", cost.monthly is 800)` for the variables and fields that `nodes` read, or '' when they read none. */
function valuesOf(nodes: readonly ASTNode[], context: Record<string, unknown>): string {
  const reads: string[] = []
  for (const node of nodes) collectReads(node, new Set(), reads)
  const unique = [...new Set(reads)]
  if (unique.length === 0) return ''

  const facts = unique.map((text) => {
    const program = policyEnvironment().parse(text)
    let value: unknown
    try {
      value = runProgram(program, context)
    } catch (error) {
      const code = (error as {code?: string}).code
      if (code === 'no_such_key' || code === 'unknown_variable') return `${text} is missing`
      return `${text} could not be read (${(error as {summary?: string}).summary ?? String(error)})`
    }

    return `${text} is ${formatValue(value)}`
  })
  return ` (${facts.join(', ')})`
}

// The comprehension macros of cel-js 8; their first argument names the element variable.
const comprehensionMacros = new Set(['all', 'exists', 'exists_one', 'map', 'filter'])

/**
 * Collects the printed form of each variable or field path that an expression reads, such as
 * `cost.monthly` or `inputs["size"]`, in source order. Variables bound by a comprehension or
 * `cel.bind` are left out, because they stand for values of other paths.
 */
function collectReads(node: ASTNode, bound: ReadonlySet<string>, reads: string[]): void {
  if (isPath(node, bound)) {
    reads.push(serialize(node))
    return
  }

  if (node.op === 'rcall') {
    const [name, receiver, args] = node.args
    if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3 && args[0]?.op === 'id') {
      collectReads(args[1] as ASTNode, bound, reads)
      collectReads(args[2] as ASTNode, new Set([...bound, args[0].args]), reads)
      return
    }

    collectReads(receiver, bound, reads)
    const variable = comprehensionMacros.has(name) && args[0]?.op === 'id' ? args[0].args : undefined
    const inner = variable === undefined ? bound : new Set([...bound, variable])
    for (const [index, arg] of args.entries()) {
      if (variable === undefined || index > 0) collectReads(arg, inner, reads)
    }

    return
  }

  for (const child of childrenOf(node)) collectReads(child, bound, reads)
}

/** Returns true for a variable not bound inside the expression, or a chain of field selections and literal indexes on one. */
function isPath(node: ASTNode, bound: ReadonlySet<string>): boolean {
  if (node.op === 'id') return !bound.has(node.args)
  if (node.op === '.') return isPath(node.args[0], bound)
  if (node.op === '[]') return node.args[1].op === 'value' && isPath(node.args[0], bound)
  return false
}

function childrenOf(node: ASTNode): ASTNode[] {
  const children: ASTNode[] = []
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (isNode(value)) children.push(value)
  }

  if (node.op !== 'value' && node.op !== 'id') visit(node.args)
  return children
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value
}

const maxValueLength = 200

/** Formats a value like a CEL literal, but a whole double without `.0`, cut to 200 characters. */
export function formatValue(value: unknown): string {
  const text = literal(value)
  return text.length > maxValueLength ? `${text.slice(0, maxValueLength - 1)}…` : text
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof Uint8Array) return `b${JSON.stringify(Buffer.from(value).toString('latin1'))}`
  if (Array.isArray(value)) return `[${value.map((item) => literal(item)).join(', ')}]`
  if (value instanceof Map) return `{${[...value].map(([key, item]) => `${literal(key)}: ${literal(item)}`).join(', ')}}`
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${literal(item)}`).join(', ')}}`
  }

  return String(value)
}

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}
