import {readFile} from 'node:fs/promises'
import {basename, dirname, extname, resolve} from 'node:path'
import {ExitCode, IdpError, isErrnoException, type Problem} from '../errors.js'
import {parseYamlText, type YamlSource} from '../yaml-source.js'
import {formatFieldPath, type FieldPath, type Position} from '../yaml-positions.js'
import {policyTestsSchemaPath, validateWithSchema} from './schema.js'
import type {Decision, PolicyRequest} from './types.js'

/** A request as a test case states it: every field may be left out and gets a default. */
export interface PolicyCaseRequest {
  action?: string
  inputs?: Record<string, unknown>
  environment?: string
  cost?: {monthly: number; currency?: string}
  risk?: string[]
  resources?: PolicyRequest['resources']
  permissions?: PolicyRequest['permissions']
  requester?: Partial<PolicyRequest['requester']>
}

/** A requirement a case expects. `count` defaults to 1, and the other fields are compared only when given. */
export interface ExpectedRequirement {
  group: string
  count: number
  allowRequester?: boolean
  sla?: string
  escalateTo?: string
}

/** The part of a decision a case states. Fields left out are not compared. */
export interface PolicyCaseExpectation {
  outcome: Decision['outcome']
  requirements?: ExpectedRequirement[]
  /** Ids of the matched rules, in rule order. */
  rules?: string[]
  reasons?: string[]
  /** Ids of the rules that failed at evaluation time, in rule order. */
  errors?: string[]
}

export interface PolicyCase {
  name: string
  description?: string
  request: PolicyCaseRequest
  expect: PolicyCaseExpectation
  /** Position of the case in its file, when it was loaded from one. */
  position?: Position
}

/** A loaded file of policy test cases. */
export interface PolicyCaseFile {
  /** The path the file was loaded from, as the caller gave it. */
  path: string
  /** Absolute path of the policy the cases test: the `policy` field resolved against the file's folder, or the default. */
  policyPath: string
  description?: string
  cases: PolicyCase[]
}

/** Origin of a loaded case: its file, its index under `cases`, and the parsed YAML that locates its fields. */
interface CaseSource {
  file: string
  index: number
  source: YamlSource
}

// Lets the runner locate a problem in a case it is given, whether it gets the whole file or only its cases.
const caseSources = new WeakMap<PolicyCase, CaseSource>()

/** Returns where a case was loaded from, if `loadPolicyCases` or `parsePolicyCases` loaded it. */
export function caseSourceOf(policyCase: PolicyCase): CaseSource | undefined {
  return caseSources.get(policyCase)
}

/**
 * Returns the default path of the test cases of a policy: `X.tests.yaml` next to `X.yaml`
 * (`X.tests.yml` next to `X.yml`). Any other name gets `.tests.yaml` appended after its extension is dropped.
 */
export function defaultCasesPath(policyPath: string): string {
  const extension = extname(policyPath)
  const suffix = extension === '.yml' ? '.tests.yml' : '.tests.yaml'
  const stem = extension === '' ? policyPath : policyPath.slice(0, -extension.length)
  return `${stem}${suffix}`
}

/** Returns the policy a case file tests when it has no `policy` field, or undefined when its name is not `X.tests.yaml`. */
function defaultPolicyPath(casesPath: string): string | undefined {
  const match = /^(.+)\.tests\.(ya?ml)$/.exec(basename(casesPath))
  if (!match) return undefined
  return resolve(dirname(casesPath), `${match[1]}.${match[2]}`)
}

/**
 * Reads and checks a file of policy test cases. Throws `POLICY_TESTS_NOT_FOUND` when the file
 * is missing, `POLICY_TESTS_UNREADABLE` when it cannot be read and `POLICY_TESTS_INVALID`
 * listing every problem with its line and column.
 */
export async function loadPolicyCases(path: string): Promise<PolicyCaseFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new IdpError(`Policy test file not found: ${path}`, {
        code: 'POLICY_TESTS_NOT_FOUND',
        exitCode: ExitCode.usage,
        hint: 'Write the cases next to the policy as X.tests.yaml for a policy X.yaml; docs/policy.md describes the format.',
        details: {path},
        cause: error,
      })
    }

    throw new IdpError(`Cannot read policy test file ${path}: ${(error as Error).message}`, {
      code: 'POLICY_TESTS_UNREADABLE',
      exitCode: ExitCode.usage,
      details: {path},
      cause: error,
    })
  }

  return parsePolicyCases(text, path)
}

/** Checks the text of a policy test file. `path` names it in problems and resolves its `policy` field. */
export function parsePolicyCases(text: string, path: string): PolicyCaseFile {
  const source = parseYamlText(text, path, {kind: 'Policy test file', notFoundCode: 'POLICY_TESTS_NOT_FOUND', invalidCode: 'POLICY_TESTS_INVALID'})
  const data = source.value
  if (data === null || data === undefined) {
    throw invalidCases(path, [{file: path, message: 'the file is empty, but a policy test file needs apiVersion, kind and cases'}])
  }

  const problems: Problem[] = []
  const add = (fieldPath: FieldPath, message: string, at: 'key' | 'value' = 'value') => {
    problems.push(locatedProblem(source, data, fieldPath, message, at))
  }

  for (const problem of validateWithSchema(policyTestsSchemaPath, data)) {
    add(problem.path, problem.message, problem.anchor === 'key' ? 'key' : 'value')
  }

  const document = data as {policy?: unknown; cases?: unknown; description?: string}
  checkCaseNames(document.cases, add)
  const policyPath = typeof document.policy === 'string' ? resolve(dirname(path), document.policy) : defaultPolicyPath(path)
  if (policyPath === undefined && document.policy === undefined) {
    add(['policy'], `the file name ${basename(path)} does not end in .tests.yaml, so a policy field must name the policy it tests`)
  }

  if (problems.length > 0) throw invalidCases(path, problems)

  const cases = (document.cases as PolicyCase[]).map((policyCase, index) => loadedCase(policyCase, {file: path, index, source}))
  return {
    path,
    policyPath: policyPath as string,
    ...(document.description === undefined ? {} : {description: document.description}),
    cases,
  }
}

/** Copies a validated case, gives its expected requirements their default count and remembers where it came from. */
function loadedCase(policyCase: PolicyCase, origin: CaseSource): PolicyCase {
  const {expect} = policyCase
  const loaded: PolicyCase = {
    ...policyCase,
    expect: {
      ...expect,
      ...(expect.requirements === undefined ? {} : {requirements: expect.requirements.map((requirement) => ({...requirement, count: requirement.count ?? 1}))}),
    },
  }
  const position = origin.source.locate(['cases', origin.index], 'value')
  if (position) loaded.position = position
  caseSources.set(loaded, origin)
  return loaded
}

function checkCaseNames(cases: unknown, add: (path: FieldPath, message: string) => void): void {
  if (!Array.isArray(cases)) return
  const firstIndex = new Map<string, number>()
  cases.forEach((policyCase: unknown, index) => {
    const name = isRecord(policyCase) ? policyCase.name : undefined
    if (typeof name !== 'string') return
    const first = firstIndex.get(name)
    if (first === undefined) firstIndex.set(name, index)
    else add(['cases', index, 'name'], `duplicate case name, already used by cases[${first}]`)
  })
}

/** Builds a located problem at `path`. A problem inside a case starts with the case name. */
export function locatedProblem(source: YamlSource, data: unknown, path: FieldPath, message: string, at: 'key' | 'value'): Problem {
  const problem: Problem = {file: source.file, message: `${caseSubject(data, path)}${message}`}
  const formatted = formatFieldPath(path)
  if (formatted !== '') problem.path = formatted
  const position = source.locate(path, at)
  if (position) Object.assign(problem, {line: position.line, column: position.column})
  return problem
}

function caseSubject(data: unknown, path: FieldPath): string {
  if (path[0] !== 'cases' || typeof path[1] !== 'number' || !isRecord(data) || !Array.isArray(data.cases)) return ''
  const policyCase: unknown = data.cases[path[1]]
  const name = isRecord(policyCase) ? policyCase.name : undefined
  return typeof name === 'string' && name !== '' ? `${name}: ` : `cases[${path[1]}]: `
}

/** Builds the `POLICY_TESTS_INVALID` error that lists problems in policy test cases, sorted by position. */
export function invalidCases(path: string | undefined, problems: Problem[]): IdpError {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`
  const name = path === undefined ? 'Policy test cases are' : `Policy test file ${path} is`
  return new IdpError(`${name} invalid (${count})`, {
    code: 'POLICY_TESTS_INVALID',
    exitCode: ExitCode.usage,
    problems: sorted,
    hint: 'Fix the listed problems. docs/policy.md describes the test file format.',
    details: path === undefined ? {} : {path},
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
