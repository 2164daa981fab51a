/** The request data that the approval policy evaluates. */
export interface PolicyRequest {
  /** The action manifest's `metadata.name`, such as `db-create`. */
  action: string
  /** Validated inputs; integers arrive as JS numbers. */
  inputs: Record<string, unknown>
  /** `inputs.environment`, or '' when the action has none. */
  environment: string
  cost: {monthly: number; currency: string}
  /** Risk attributes of the action, such as `iam`, `deletion` or `public-exposure`. */
  risk: string[]
  resources: Array<{type: string; name: string; [key: string]: unknown}>
  permissions: Array<{principal: string; role: string; on: string; [key: string]: unknown}>
  requester: {login: string; name: string; team: string; groups: string[]}
}

export type Effect = 'auto_approve' | 'require' | 'deny'

/** Approvals needed from one group, merged over every rule that asked for them. */
export interface Requirement {
  /** Policy group name, such as `team-leads`. */
  group: string
  /** Slug of the GitHub team the group maps to. */
  team: string
  count: number
  allowRequester: boolean
  /** One sentence per rule that asked for this group. */
  reasons: string[]
  /** Ids of the rules that asked for this group; `default` when the policy default did. */
  rules: string[]
  sla?: string
  /** Group name to escalate to when the sla passes. */
  escalateTo?: string
}

export interface MatchedRule {
  id: string
  effect: Effect
  message: string
}

export interface Decision {
  outcome: 'auto_approve' | 'needs_approval' | 'deny'
  requirements: Requirement[]
  /** Sentences explaining the outcome, in rule order. */
  reasons: string[]
  matchedRules: MatchedRule[]
  /** Rules that failed at evaluation time. */
  errors: Array<{rule: string; message: string}>
  policy: {path: string}
}

/** One requirement as the policy file declares it, with defaults applied. */
export interface RequirementSpec {
  group: string
  count: number
  allowRequester: boolean
  sla?: string
  escalateTo?: string
}

export interface PolicyRule {
  id: string
  description?: string
  /** CEL condition. */
  when: string
  effect: Effect
  /** Empty unless the effect is `require`. */
  require: RequirementSpec[]
  /** Exactly one of `message` and `messageExpression` is set. */
  message?: string
  messageExpression?: string
}

export interface PolicyGroup {
  /** GitHub team slug. */
  team: string
  description?: string
}

/** A loaded approval policy. Policies returned by `loadPolicy` and `parsePolicy` are deeply frozen. */
export interface Policy {
  /** The path the policy was loaded from, as the caller gave it. */
  path: string
  description?: string
  groups: Record<string, PolicyGroup>
  default: {effect: Effect; require: RequirementSpec[]; message: string}
  onError: 'require' | 'deny'
  rules: PolicyRule[]
}
