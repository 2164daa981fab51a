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
  /** Paths of the policies that requested this group. Only `mergeDecisions` sets it. */
  policies?: string[]
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
  /** The policy that made the decision, or the first one for a decision from `mergeDecisions`. */
  policy: DecisionPolicy
  /** Every policy that took part, in order. Only `mergeDecisions` sets it. */
  policies?: DecisionPolicy[]
}

/** Source of a policy, as the caller of `loadPolicy` or `parsePolicy` states it. */
export interface PolicyOrigin {
  kind: 'repository' | 'file' | 'bundled'
  /** Repository that contains the policy, such as `acme/infra`, for kind `repository`. */
  repository?: string
  /** Branch or tag the policy was read from. */
  ref?: string
  /** Commit SHA the policy was read at. */
  commit?: string
}

/** The policy behind a decision: its path and, when the caller gave one, its origin. */
export interface DecisionPolicy {
  path: string
  origin?: PolicyOrigin
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
  /** Channels that tell the group a request waits for its approval. */
  notify?: GroupNotify
}

/** Notification channels of a group. Slack is the only one so far. */
export interface GroupNotify {
  slack: SlackNotify
}

/**
 * Slack incoming webhook of a group: either the name of an environment variable that contains
 * the URL (recommended, because the policy file is committed) or the URL itself.
 */
export type SlackNotify = {webhookUrlEnv: string; webhookUrl?: never} | {webhookUrl: string; webhookUrlEnv?: never}

/** A loaded approval policy. Policies returned by `loadPolicy` and `parsePolicy` are deeply frozen. */
export interface Policy {
  /** The path the policy was loaded from, as the caller gave it. */
  path: string
  /** Source of the policy, when the caller gave one. */
  origin?: PolicyOrigin
  description?: string
  groups: Record<string, PolicyGroup>
  default: {effect: Effect; require: RequirementSpec[]; message: string}
  onError: 'require' | 'deny'
  rules: PolicyRule[]
}
