import {serialize, type ASTNode, type ParseResult} from '@marcbachmann/cel-js'
import {policyEnvironment} from './cel.js'
import type {CompiledRule} from './compiled.js'
import type {Policy} from './types.js'

/**
 * The `when` condition of one rule as a tree of `&&`, `||` and `!` over clauses. It returns the
 * value of the condition, or undefined when a clause it needed failed or returned something
 * other than a bool. Then only the whole condition gives the CEL result and error.
 */
type Condition = (context: Record<string, unknown>, results: Uint8Array) => boolean | undefined

/** Values in the clause results of one request, a Uint8Array by clause slot that starts at `notRun`. */
const notRun = 0
const resultFalse = 1
const resultTrue = 2
const resultUnknown = 3

/** The clauses of a policy's conditions, each compiled once and shared by every rule that contains it. */
interface SharedClauses {
  clauseCount: number
  /** One entry per rule, in rule order. The entry of a rule whose condition runs as one program is undefined. */
  conditions: Array<Condition | undefined>
}

/**
 * Evaluations of a policy that run whole conditions before its clauses are compiled. Compiling
 * costs about what 100 evaluations save (an estimate from the 200-rule policy of
 * bench/policy.ts), so a run that decides few requests, such as one CLI command, never pays it.
 */
export const evaluationsBeforeSharing = 100

/** The shared clauses of a policy, or the number of times it was evaluated before they were compiled. */
const sharedClausesByPolicy = new WeakMap<Policy, SharedClauses | number>()

const wholeConditions = (): undefined => undefined

/**
 * Returns a function that gives the value of each rule's `when` for one request, by rule index,
 * or undefined when the caller has to run the rule's whole condition. Clauses that several rules
 * contain, such as `environment == "production"`, run once per request.
 *
 * A policy gets shared clauses from its evaluation number `evaluationsBeforeSharing + 1` on, and
 * keeps them while it lives. Policies that are not frozen can change, so they never get them.
 */
export function conditionsOf(policy: Policy, rules: CompiledRule[], context: Record<string, unknown>): (index: number) => boolean | undefined {
  if (!Object.isFrozen(policy)) return wholeConditions
  let shared = sharedClausesByPolicy.get(policy) ?? 0
  if (typeof shared === 'number') {
    if (shared < evaluationsBeforeSharing) {
      sharedClausesByPolicy.set(policy, shared + 1)
      return wholeConditions
    }

    shared = compileSharedClauses(rules)
    sharedClausesByPolicy.set(policy, shared)
  }

  const {conditions} = shared
  const results = new Uint8Array(shared.clauseCount)
  return (index) => conditions[index]?.(context, results)
}

/**
 * Splits every condition at its `&&`, `||` and `!` operators into clauses and compiles each
 * distinct clause once. A rule keeps its whole condition when none of its clauses occurs twice
 * in the policy, or when one of them cannot run on its own.
 */
function compileSharedClauses(rules: CompiledRule[]): SharedClauses {
  const clausesByRule = rules.map((rule) => clausesOf(rule.when.program.ast))
  const occurrences = new Map<string, number>()
  for (const clauses of clausesByRule) {
    for (const {key} of clauses) occurrences.set(key, (occurrences.get(key) ?? 0) + 1)
  }

  const slots = new Map<string, number | undefined>()
  const programs: ParseResult[] = []
  const slotOf = (clause: ASTNode, key: string): number | undefined => {
    if (!slots.has(key)) {
      const program = compileClause(clause, key)
      slots.set(key, program === undefined ? undefined : programs.push(program) - 1)
    }

    return slots.get(key)
  }

  const conditions = rules.map((rule, index) => {
    const clauses = clausesByRule[index]
    if (!clauses.some(({key}) => (occurrences.get(key) ?? 0) > 1)) return undefined
    const keys = new Map(clauses.map(({node, key}) => [node, key]))
    return conditionOf(rule.when.program.ast, (clause) => {
      const key = keys.get(clause)
      const slot = key === undefined ? undefined : slotOf(clause, key)
      return slot === undefined ? undefined : clauseCondition(programs[slot], slot)
    })
  })

  return {clauseCount: programs.length, conditions}
}

/** Lists the clauses of a condition with their keys. Returns an empty list when a clause has no key. */
function clausesOf(node: ASTNode): Array<{node: ASTNode; key: string}> {
  const clauses: Array<{node: ASTNode; key: string}> = []
  const visit = (current: ASTNode): boolean => {
    if (current.op === '&&' || current.op === '||') return visit(current.args[0]) && visit(current.args[1])
    if (current.op === '!_') return visit(current.args)
    const key = treeKey(current)
    if (key === undefined) return false
    clauses.push({node: current, key})
    return true
  }

  return visit(node) ? clauses : []
}

/**
 * Builds the condition of a rule from its parsed `when`. Returns undefined when `clauseOf`
 * returns undefined for any clause, so that the rule runs its whole condition.
 */
function conditionOf(node: ASTNode, clauseOf: (clause: ASTNode) => Condition | undefined): Condition | undefined {
  if (node.op === '&&' || node.op === '||') {
    const left = conditionOf(node.args[0], clauseOf)
    const right = conditionOf(node.args[1], clauseOf)
    if (left === undefined || right === undefined) return undefined
    // cel-js 8.0.0 evaluates the left operand first and skips the right one when the left one
    // decides, as these do. A left operand that fails needs the whole condition, because CEL
    // then lets a deciding right operand win over the error.
    if (node.op === '&&') {
      return (context, results) => {
        const value = left(context, results)
        return value === true ? right(context, results) : value
      }
    }

    return (context, results) => {
      const value = left(context, results)
      return value === false ? right(context, results) : value
    }
  }

  if (node.op === '!_') {
    const operand = conditionOf(node.args, clauseOf)
    if (operand === undefined) return undefined
    return (context, results) => {
      const value = operand(context, results)
      return value === undefined ? undefined : !value
    }
  }

  return clauseOf(node)
}

/** Runs a clause once per request and stores its result in `results[slot]`. */
function clauseCondition(program: ParseResult, slot: number): Condition {
  return (context, results) => {
    let result = results[slot]
    if (result === notRun) {
      result = resultUnknown
      try {
        const value: unknown = program(context)
        if (value === true) result = resultTrue
        else if (value === false) result = resultFalse
      } catch {
        // The rule runs its whole condition instead, which reports this error.
      }

      results[slot] = result
    }

    if (result === resultTrue) return true
    if (result === resultFalse) return false
    return undefined
  }
}

/**
 * Compiles a clause on its own. The clause's text in the condition is tried first, and the form
 * cel-js prints from the tree second, because the text can miss a parenthesis that encloses the
 * clause's first operand. A program is kept only when it parses back to the same tree and passes
 * the type check. Returns undefined when neither is, and the clause then runs only as part of
 * its whole condition.
 */
function compileClause(clause: ASTNode, key: string): ParseResult | undefined {
  return (
    compileIfSame(() => clause.input.slice(clause.range.start, clause.range.end), key) ??
    compileIfSame(() => serialize(clause), key)
  )
}

function compileIfSame(textOf: () => string, key: string): ParseResult | undefined {
  let program: ParseResult
  try {
    program = policyEnvironment().parse(textOf())
  } catch {
    // A text that does not parse, or a tree cel-js cannot print, leaves the clause unshared.
    return undefined
  }

  if (treeKey(program.ast) !== key) return undefined
  return program.check().valid ? program : undefined
}

/**
 * Returns a string that two parsed expressions share only when their trees are the same:
 * operators, names and literals with their CEL types. Returns undefined for a literal it does
 * not encode, such as bytes or an unsigned int, whose clause then cannot be shared.
 */
function treeKey(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const keys: string[] = []
    for (const item of value) {
      const key = treeKey(item)
      if (key === undefined) return undefined
      keys.push(key)
    }

    return `[${keys.join(',')}]`
  }

  if (isNode(value)) {
    const args = treeKey(value.args)
    return args === undefined ? undefined : `${value.op}(${args})`
  }

  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'bigint':
      return `${value}i`
    case 'number':
      return Object.is(value, -0) ? '-0d' : `${value}d`
    case 'boolean':
      return String(value)
    default:
      return value === null ? 'null' : undefined
  }
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value
}
