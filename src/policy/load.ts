import {readFile} from 'node:fs/promises'
import {LineCounter, parseDocument, type YAMLError} from 'yaml'
import {ExitCode, IdpError, isErrnoException, type Problem} from '../errors.js'
import {recallCompiledRules, rememberCompiledRules, type CompiledRule} from './compiled.js'
import {compileExpression, type ExpressionField} from './expressions.js'
import {formatFieldPath, lazyPositions, SourcePositions, type FieldPath, type Position} from '../yaml-positions.js'
import {quickParse} from '../yaml-source.js'
import {suggest, validatePolicySchema} from './schema.js'
import type {Effect, Policy, PolicyGroup, PolicyOrigin, PolicyRule, RequirementSpec} from './types.js'

/** Rule id that names the policy default in `Requirement.rules`, so no rule may use it. */
export const defaultRuleId = 'default'

/**
 * Reads, validates and type-checks a policy file. `origin` is the source of the file, and every
 * decision of the policy carries it.
 * Throws `POLICY_NOT_FOUND` when the file is missing and `POLICY_INVALID` listing every problem.
 */
export async function loadPolicy(path: string, origin?: PolicyOrigin): Promise<Policy> {
  let source: string
  try {
    source = await readFile(path, 'utf8')
  } catch (error) {
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new IdpError(`Policy file not found: ${path}`, {
        code: 'POLICY_NOT_FOUND',
        exitCode: ExitCode.usage,
        hint: 'Check the path in the `policy` setting of your idp configuration, or remove the setting to use the bundled policy.',
        details: {path},
        cause: error,
      })
    }

    throw new IdpError(`Cannot read policy file ${path}: ${(error as Error).message}`, {
      code: 'POLICY_UNREADABLE',
      exitCode: ExitCode.usage,
      details: {path},
      cause: error,
    })
  }

  return parsePolicy(source, path, origin)
}

/**
 * Validates and type-checks policy text. `path` names the file in problems and decisions, and
 * decisions carry `origin` as well.
 * Throws one `POLICY_INVALID` error that lists every problem found, sorted by position.
 */
export function parsePolicy(source: string, path: string, origin?: PolicyOrigin): Policy {
  const {data, positions} = parsePolicyYaml(source, path)
  if (data === null || data === undefined) {
    throw invalidPolicy(path, [{file: path, message: 'the file is empty; a policy needs apiVersion, kind, default and rules'}])
  }

  const problems = new ProblemList(path, data, positions)
  const compiledRules = checkPolicyDocument(data, problems)
  if (problems.list.length > 0) throw invalidPolicy(path, problems.list)

  const policy = deepFreeze(buildPolicy(data as PolicyDocument, path, origin))
  rememberCompiledRules(
    policy,
    policy.rules.map((rule, index) => ({...compiledRules[index], rule}) as CompiledRule),
  )
  return policy
}

/**
 * Returns the compiled rules of a policy. A policy built in code rather than by `loadPolicy`
 * or `parsePolicy` gets the same checks here, and `POLICY_INVALID` (without file positions)
 * when it fails them.
 */
export function compiledRulesOf(policy: Policy): CompiledRule[] {
  const cached = recallCompiledRules(policy)
  if (cached) return cached

  const {path, origin: _origin, ...fields} = policy
  const data = {
    apiVersion: 'idp.dev/v1',
    kind: 'ApprovalPolicy',
    ...fields,
    default: withoutEmptyRequire(policy.default),
    rules: policy.rules.map((rule) => withoutEmptyRequire(rule)),
  }
  const problems = new ProblemList(path, data)
  const compiledRules = checkPolicyDocument(data, problems)
  if (problems.list.length > 0) throw invalidPolicy(path, problems.list)

  const rules = policy.rules.map((rule, index) => ({...compiledRules[index], rule}) as CompiledRule)
  rememberCompiledRules(policy, rules)
  return rules
}

/** Drops the empty `require` list that a loaded policy carries for effects other than require. */
function withoutEmptyRequire<T extends {require: unknown[]}>(entry: T): Omit<T, 'require'> | T {
  if (entry.require.length > 0) return entry
  const {require: _empty, ...rest} = entry
  return rest
}

/** Runs every load-time check and compiles the expressions of valid rules. */
function checkPolicyDocument(data: unknown, problems: ProblemList): Array<Partial<CompiledRule>> {
  for (const problem of validatePolicySchema(data)) {
    problems.add(problem.path, problem.message, problem.anchor)
  }

  checkRuleIds(data, problems)
  checkGroupReferences(data, problems)
  checkOnError(data, problems)
  return compileRules(data, problems)
}

function invalidPolicy(path: string, problems: Problem[]): IdpError {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`
  return new IdpError(`Policy file ${path} is invalid (${count})`, {
    code: 'POLICY_INVALID',
    exitCode: ExitCode.usage,
    problems: sorted,
    hint: 'Fix the listed problems. docs/policy.md describes every field.',
    details: {path},
  })
}

/** Parses policy YAML: quickly when it is valid, with every syntax error located when it is not. */
function parsePolicyYaml(source: string, path: string): {data: unknown; positions: () => SourcePositions} {
  const quick = quickParse(source)
  if (quick) return {data: quick.value, positions: lazyPositions(source)}

  const lineCounter = new LineCounter()
  const document = parseDocument(source, {lineCounter, prettyErrors: true})
  if (document.errors.length > 0) {
    throw invalidPolicy(path, document.errors.map((error) => yamlProblem(error, path)))
  }

  try {
    const positions = new SourcePositions(document, lineCounter, source)
    return {data: document.toJS(), positions: () => positions}
  } catch (error) {
    // toJS raises when aliases expand too much (a "billion laughs" document).
    throw invalidPolicy(path, [{file: path, message: `invalid YAML: ${(error as Error).message}`}])
  }
}

function yamlProblem(error: YAMLError, path: string): Problem {
  // The yaml package ends its message with " at line L, column C:" and a source excerpt.
  const firstLine = error.message.split('\n')[0] ?? error.message
  let message = firstLine.replace(/ at line \d+, column \d+:?$/, '')
  if (error.code === 'MULTIPLE_DOCS') message = 'the file contains more than one YAML document, but a policy is one document'
  const problem: Problem = {file: path, message: `invalid YAML: ${message}`}
  const position = error.linePos?.[0]
  if (position) Object.assign(problem, {line: position.line, column: position.col})
  return problem
}

/** Collects problems with their file positions; messages about a rule start with the rule id. */
class ProblemList {
  readonly list: Problem[] = []

  /**
   * `positions` finds the file positions, parsed when a problem is first located. It is missing
   * for a policy built in code, whose problems then have no line and column.
   */
  constructor(
    private readonly file: string,
    private readonly data: unknown,
    private readonly positions?: () => SourcePositions,
  ) {}

  add(path: FieldPath, message: string, anchor: 'key' | 'parent' | 'value' = 'value'): void {
    let position: Position | undefined
    if (anchor === 'parent') position = this.positions?.().positionOf(path.slice(0, -1))
    else position = this.positions?.().positionOf(path, {key: anchor === 'key'})
    this.push(path, message, position)
  }

  /** Adds a problem at character `offset` of the expression string at `path`. */
  addInString(path: FieldPath, offset: number, message: string): void {
    this.push(path, message, this.positions?.().positionInString(path, offset))
  }

  locator(path: FieldPath): ((offset: number) => Position | undefined) | undefined {
    const positions = this.positions
    return positions && ((offset) => positions().positionInString(path, offset))
  }

  private push(path: FieldPath, message: string, position: Position | undefined): void {
    const text = `${this.subject(path)}${message}`
    const formattedPath = formatFieldPath(path)
    if (this.list.some((problem) => problem.path === formattedPath && problem.message === text)) return
    const problem: Problem = {file: this.file, message: text}
    if (formattedPath !== '') problem.path = formattedPath
    if (position) Object.assign(problem, {line: position.line, column: position.column})
    this.list.push(problem)
  }

  /** Names the rule a problem is in: its id, or `rules[2]` when the id is missing. */
  private subject(path: FieldPath): string {
    if (path[0] === 'default') return 'default: '
    if (path[0] !== 'rules' || typeof path[1] !== 'number') return ''
    const id = ruleAt(this.data, path[1])?.id
    return typeof id === 'string' && id !== '' ? `${id}: ` : `${formatFieldPath(path.slice(0, 2))}: `
  }
}

/** The policy document once it has passed schema validation. */
interface PolicyDocument {
  description?: string
  groups?: Record<string, PolicyGroup>
  default: {effect: Effect; require?: Array<Partial<RequirementSpec> & {group: string}>; message: string}
  onError?: 'require' | 'deny'
  rules: Array<Omit<PolicyRule, 'require'> & {require?: Array<Partial<RequirementSpec> & {group: string}>}>
}

function buildPolicy(document: PolicyDocument, path: string, origin: PolicyOrigin | undefined): Policy {
  return {
    path,
    ...(origin === undefined ? {} : {origin: copyOrigin(origin)}),
    ...(document.description === undefined ? {} : {description: document.description}),
    groups: document.groups ?? {},
    default: {
      effect: document.default.effect,
      require: (document.default.require ?? []).map(withRequirementDefaults),
      message: document.default.message,
    },
    onError: document.onError ?? 'require',
    rules: document.rules.map((rule) => ({...rule, require: (rule.require ?? []).map(withRequirementDefaults)})),
  }
}

/** Copies an origin without its undefined fields. The policy is frozen, and the caller's object must stay theirs. */
export function copyOrigin(origin: PolicyOrigin): PolicyOrigin {
  const copy: PolicyOrigin = {kind: origin.kind}
  if (origin.repository !== undefined) copy.repository = origin.repository
  if (origin.ref !== undefined) copy.ref = origin.ref
  if (origin.commit !== undefined) copy.commit = origin.commit
  return copy
}

function withRequirementDefaults(requirement: Partial<RequirementSpec> & {group: string}): RequirementSpec {
  return {...requirement, group: requirement.group, count: requirement.count ?? 1, allowRequester: requirement.allowRequester ?? false}
}

function checkRuleIds(data: unknown, problems: ProblemList): void {
  const firstIndex = new Map<string, number>()
  rulesOf(data).forEach((rule, index) => {
    const id = rule?.id
    if (typeof id !== 'string') return
    if (id === defaultRuleId) {
      problems.add(['rules', index, 'id'], `the rule id "${defaultRuleId}" is reserved for the policy default`)
    }

    const first = firstIndex.get(id)
    if (first === undefined) firstIndex.set(id, index)
    else problems.add(['rules', index, 'id'], `duplicate rule id, already used by rules[${first}]`)
  })
}

function checkGroupReferences(data: unknown, problems: ProblemList): void {
  const groups = isRecord(data) && isRecord(data.groups) ? Object.keys(data.groups) : []
  const checkList = (requirements: unknown, path: FieldPath) => {
    if (!Array.isArray(requirements)) return
    requirements.forEach((requirement, index) => {
      if (!isRecord(requirement)) return
      for (const field of ['group', 'escalateTo'] as const) {
        const name = requirement[field]
        if (typeof name !== 'string' || groups.includes(name)) continue
        const known = groups.length > 0 ? `; the groups are ${groups.join(', ')}` : '; the policy declares no groups'
        problems.add([...path, index, field], `unknown group "${name}"${suggest(name, groups)}${known}`)
      }
    })
  }

  if (isRecord(data) && isRecord(data.default)) checkList(data.default.require, ['default', 'require'])
  rulesOf(data).forEach((rule, index) => checkList(rule?.require, ['rules', index, 'require']))
}

/** With `onError: require` a failing rule requires the default's approvers, so the default must name some. */
function checkOnError(data: unknown, problems: ProblemList): void {
  if (!isRecord(data) || !isRecord(data.default)) return
  const onError = data.onError ?? 'require'
  const effect = data.default.effect
  if (onError !== 'require' || effect === 'require' || typeof effect !== 'string') return
  const path = data.onError === undefined ? ['default', 'effect'] : ['onError']
  problems.add(
    path,
    `the default's effect is ${effect}, but onError "require" (also used when onError is not set) needs a default that requires approvers; set onError to deny, or give the default effect require and a require list`,
  )
}

/** Type-checks every CEL expression; the result has one entry per rule, in rule order. */
function compileRules(data: unknown, problems: ProblemList): Array<Partial<CompiledRule>> {
  return rulesOf(data).map((rule, index) => {
    const compiled: Partial<CompiledRule> = {}
    for (const field of ['when', 'messageExpression'] as const satisfies ExpressionField[]) {
      const source = rule?.[field]
      // The schema already reports an empty string; whitespace alone reaches CEL and fails to parse.
      if (typeof source !== 'string' || source === '') continue
      const path: FieldPath = ['rules', index, field]
      const result = compileExpression(field, source)
      const locate = problems.locator(path)
      if (result.ok) compiled[field] = locate ? {...result.expression, locate} : result.expression
      else problems.addInString(path, result.offset, result.message)
    }

    return compiled
  })
}

function rulesOf(data: unknown): Array<Record<string, unknown> | undefined> {
  if (!isRecord(data) || !Array.isArray(data.rules)) return []
  return data.rules.map((rule: unknown) => (isRecord(rule) ? rule : undefined))
}

function ruleAt(data: unknown, index: number): Record<string, unknown> | undefined {
  return rulesOf(data)[index]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }

  return value
}
