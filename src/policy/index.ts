import {packagePath} from '../package-root.js'

export type {
  Decision,
  DecisionPolicy,
  Effect,
  GroupNotify,
  MatchedRule,
  Policy,
  PolicyGroup,
  PolicyOrigin,
  PolicyRequest,
  PolicyRule,
  Requirement,
  RequirementSpec,
  SlackNotify,
} from './types.js'
export {loadPolicy, parsePolicy} from './load.js'
export {evaluatePolicy} from './evaluate.js'
export {mergeDecisions} from './merge.js'
export {explainPolicy, type RuleExplanation} from './explain.js'
export {
  defaultCasesPath,
  loadPolicyCases,
  parsePolicyCases,
  type ExpectedRequirement,
  type PolicyCase,
  type PolicyCaseExpectation,
  type PolicyCaseFile,
  type PolicyCaseRequest,
} from './cases.js'
export {runPolicyCases, type PolicyCaseResult, type PolicyCasesReport, type RunPolicyCasesOptions} from './cases-run.js'
export {policyVariables, type PolicyVariable} from './cel.js'
export {policySchemaPath, policyTestsSchemaPath} from './schema.js'

/** Absolute path of the bundled example policy. */
export const bundledPolicyPath: string = packagePath('policies/approval-policy.yaml')
