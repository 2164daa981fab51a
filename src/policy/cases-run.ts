import {isDeepStrictEqual} from 'node:util'
import {createTwoFilesPatch} from 'diff'
import {stringify} from 'yaml'
import type {Problem} from '../errors.js'
import {caseSourceOf, invalidCases, locatedProblem, type ExpectedRequirement, type PolicyCase, type PolicyCaseExpectation, type PolicyCaseFile, type PolicyCaseRequest} from './cases.js'
import {evaluatePolicy} from './evaluate.js'
import {formatFieldPath, type FieldPath} from '../yaml-positions.js'
import {suggest} from './schema.js'
import type {Decision, Policy, PolicyRequest, Requirement} from './types.js'

export interface RunPolicyCasesOptions {
  /**
   * Completes the request of a case that names an action and leaves `cost` out, such as by
   * computing cost, risk, resources and permissions from the action's manifest. It receives
   * the request with defaults applied, and the case for its messages. The inputs and the
   * environment it returns are used, so that it can add the manifest's defaults. The other
   * fields that the case states win over what it returns.
   */
  complete?: (request: PolicyRequest, policyCase: PolicyCase) => PolicyRequest | Promise<PolicyRequest>
}

export interface PolicyCaseResult {
  name: string
  passed: boolean
  expected: PolicyCaseExpectation
  /** The decision, restricted to the fields the case states. */
  actual: PolicyCaseExpectation
  /** Unified diff of the expected against the actual YAML, or '' when the case passed. */
  diff: string
  /** The request the policy evaluated, with defaults applied and completed. */
  request: PolicyRequest
  /** The whole decision. */
  decision: Decision
  /** Position of the case in its file, when it was loaded from one. */
  position?: PolicyCase['position']
}

export interface PolicyCasesReport {
  /** True when every case passed. */
  passed: boolean
  results: PolicyCaseResult[]
  /** Ids of the rules that no case matched, in policy order. */
  uncoveredRules: string[]
}

/**
 * Evaluates the policy for every case and compares the decision with the case's expectation.
 * A rule that fails at evaluation time does not stop the run: its outcome follows the policy's
 * `onError`, and a case can expect that. Throws `POLICY_TESTS_INVALID` when a case names a rule
 * or group that the policy does not have, because such a case could never pass.
 */
export async function runPolicyCases(
  policy: Policy,
  cases: PolicyCaseFile | readonly PolicyCase[],
  options: RunPolicyCasesOptions = {},
): Promise<PolicyCasesReport> {
  const list = 'cases' in cases ? cases.cases : cases
  checkReferences(policy, list)

  const results: PolicyCaseResult[] = []
  const matched = new Set<string>()
  for (const policyCase of list) {
    const {complete} = options
    const request = await caseRequest(policyCase.request, complete && ((partial) => complete(partial, policyCase)))
    const decision = evaluatePolicy(policy, request)
    for (const rule of decision.matchedRules) matched.add(rule.id)
    results.push(compare(policyCase, request, decision))
  }

  return {
    passed: results.every((result) => result.passed),
    results,
    uncoveredRules: policy.rules.map((rule) => rule.id).filter((id) => !matched.has(id)),
  }
}

const defaultRequester: PolicyRequest['requester'] = {login: 'requester', name: '', team: '', groups: []}

/** Fills the fields a case leaves out, and completes the request through `complete` when the case names an action but no cost. */
export async function caseRequest(stated: PolicyCaseRequest, complete?: (request: PolicyRequest) => PolicyRequest | Promise<PolicyRequest>): Promise<PolicyRequest> {
  const inputs = stated.inputs ?? {}
  const environment = stated.environment ?? (typeof inputs.environment === 'string' ? inputs.environment : '')
  const request: PolicyRequest = {
    action: stated.action ?? '',
    inputs,
    environment,
    cost: {monthly: stated.cost?.monthly ?? 0, currency: stated.cost?.currency ?? 'USD'},
    risk: stated.risk ?? [],
    resources: stated.resources ?? [],
    permissions: stated.permissions ?? [],
    requester: {...defaultRequester, ...stated.requester},
  }

  if (complete === undefined || stated.action === undefined || stated.cost !== undefined) return request

  const completed = await complete(structuredClone(request))
  const statedFields: Partial<PolicyRequest> = {action: request.action}
  if (stated.environment !== undefined) statedFields.environment = environment
  if (stated.risk !== undefined) statedFields.risk = request.risk
  if (stated.resources !== undefined) statedFields.resources = request.resources
  if (stated.permissions !== undefined) statedFields.permissions = request.permissions
  if (stated.requester !== undefined) statedFields.requester = request.requester
  return {...completed, ...statedFields}
}

function compare(policyCase: PolicyCase, request: PolicyRequest, decision: Decision): PolicyCaseResult {
  const expected = policyCase.expect
  const actual = restrictDecision(decision, expected)
  const passed = isDeepStrictEqual(expected, actual)
  const result: PolicyCaseResult = {
    name: policyCase.name,
    passed,
    expected,
    actual,
    diff: passed ? '' : yamlDiff(expected, actual),
    request,
    decision,
  }
  if (policyCase.position) result.position = policyCase.position
  return result
}

/** Picks the fields of a decision that an expectation states, in the expectation's key order. */
export function restrictDecision(decision: Decision, expected: PolicyCaseExpectation): PolicyCaseExpectation {
  const actual: PolicyCaseExpectation = {outcome: decision.outcome}
  if (expected.requirements !== undefined) {
    const stated = expected.requirements
    actual.requirements = decision.requirements.map((requirement) =>
      restrictRequirement(requirement, stated.find((candidate) => candidate.group === requirement.group)),
    )
  }

  if (expected.rules !== undefined) actual.rules = decision.matchedRules.map((rule) => rule.id)
  if (expected.reasons !== undefined) actual.reasons = [...decision.reasons]
  if (expected.errors !== undefined) actual.errors = decision.errors.map((error) => error.rule)
  return actual
}

/** Keeps group and count, and the optional fields that the expected requirement of the same group states. */
function restrictRequirement(requirement: Requirement, stated: ExpectedRequirement | undefined): ExpectedRequirement {
  const restricted: ExpectedRequirement = {group: requirement.group, count: requirement.count}
  if (stated?.allowRequester !== undefined) restricted.allowRequester = requirement.allowRequester
  if (stated?.sla !== undefined && requirement.sla !== undefined) restricted.sla = requirement.sla
  if (stated?.escalateTo !== undefined && requirement.escalateTo !== undefined) restricted.escalateTo = requirement.escalateTo
  return restricted
}

/** Builds a unified diff of two values as YAML, with enough context lines to show both documents whole. */
function yamlDiff(expected: PolicyCaseExpectation, actual: PolicyCaseExpectation): string {
  // lineWidth 0 keeps every reason on one line, so a diff line is one whole value.
  const before = stringify(expected, {lineWidth: 0})
  const after = stringify(actual, {lineWidth: 0})
  const context = before.split('\n').length + after.split('\n').length
  const patch = createTwoFilesPatch('expected', 'actual', before, after, undefined, undefined, {context})
  // The first line is a row of "=" that separates files in a multi-file patch.
  return patch.slice(patch.indexOf('\n') + 1)
}

/** Rejects cases that name rules or groups the policy lacks, listing every one with its position. */
function checkReferences(policy: Policy, cases: readonly PolicyCase[]): void {
  const ruleIds = policy.rules.map((rule) => rule.id)
  const groups = Object.keys(policy.groups)
  const problems: Problem[] = []

  cases.forEach((policyCase, index) => {
    const report = (path: FieldPath, message: string) => problems.push(caseProblem(policyCase, index, path, message))
    const checkRules = (field: 'rules' | 'errors') => {
      policyCase.expect[field]?.forEach((id, position) => {
        if (!ruleIds.includes(id)) report(['expect', field, position], `the policy ${policy.path} has no rule "${id}"${suggest(id, ruleIds)}`)
      })
    }

    checkRules('rules')
    checkRules('errors')
    policyCase.expect.requirements?.forEach((requirement, position) => {
      for (const field of ['group', 'escalateTo'] as const) {
        const name = requirement[field]
        if (name !== undefined && !groups.includes(name)) {
          report(['expect', 'requirements', position, field], `the policy ${policy.path} has no group "${name}"${suggest(name, groups)}`)
        }
      }
    })
  })

  if (problems.length > 0) throw invalidCases(caseSourceOf(cases[0] as PolicyCase)?.file, problems)
}

function caseProblem(policyCase: PolicyCase, index: number, path: FieldPath, message: string): Problem {
  const origin = caseSourceOf(policyCase)
  if (origin) return locatedProblem(origin.source, origin.source.value, ['cases', origin.index, ...path], message, 'value')
  return {path: formatFieldPath(['cases', index, ...path]), message: `${policyCase.name}: ${message}`}
}
