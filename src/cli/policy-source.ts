import type {IdpConfig} from '../config/config.js'
import type {DeliveryTarget} from '../delivery/target.js'
import {IdpError} from '../errors.js'
import {bundledPolicyPath, evaluatePolicy, loadPolicy, mergeDecisions, parsePolicy, type Decision, type Policy, type PolicyOrigin, type PolicyRequest} from '../policy/index.js'

/** Path of the shared approval policy in the target repository, unless configured otherwise. */
export const SHARED_POLICY_PATH = '.idp/approval-policy.yaml'

/** The policies that decide a request, and what the user should know about the choice. */
export interface PolicyChoice {
  /** The deciding policies: the shared one first, then a local override. */
  policies: Policy[]
  /** Sentences for the plan about a local override or a shared file that could not be read. */
  warnings: string[]
}

/** Returns the configured path of the shared policy inside the target repository. */
export function sharedPolicyPath(config: IdpConfig): string {
  return config.target.github?.policyPath ?? config.target.git?.policyPath ?? SHARED_POLICY_PATH
}

/**
 * Chooses the approval policy the way CI will: the shared file on the target's base branch.
 * A `policy` path in the configuration is evaluated together with the shared file, so it can
 * add requirements to try a change locally but never remove one (FC36). Without a shared file,
 * the configured path decides, and without either the bundled example does.
 */
export async function choosePolicies(config: IdpConfig, target: DeliveryTarget): Promise<PolicyChoice> {
  const path = sharedPolicyPath(config)
  const base = await target.readBaseFile(path)
  const repository = targetName(target)
  const shared = base && parseShared(base.content.toString('utf8'), `${repository}:${path}`, {kind: 'repository', repository, ref: base.branch, commit: base.commit})
  const local = config.policy === undefined ? undefined : await loadPolicy(config.policy, {kind: 'file'})
  const warnings: string[] = []
  if (shared && local) {
    warnings.push(
      `The configured policy ${config.policy} is evaluated together with the shared ${path} of ${repository}: it can add requirements but not remove them, and CI enforces only the shared file.`,
    )
    for (const [group, {team}] of Object.entries(local.groups)) {
      const sharedTeam = shared.groups[group]?.team
      if (sharedTeam !== undefined && sharedTeam !== team) {
        warnings.push(`The configured policy maps the group ${group} to @${team}, and the shared policy to @${sharedTeam}; the shared @${sharedTeam} is used.`)
      }
    }

    return {policies: [shared, local], warnings}
  }

  if (shared) return {policies: [shared], warnings}
  if (local) return {policies: [local], warnings}
  // Without any configured target the default local repository is used, and the bundled
  // policy is the documented default: no warning then.
  if ((config.target.github || config.target.git) && !target.offline) {
    warnings.push(`${repository} has no ${path} on its base branch, so the bundled example policy decides. CI enforces the file there: commit one (docs/policy.md).`)
  }
  return {policies: [await loadPolicy(bundledPolicyPath, {kind: 'bundled'})], warnings}
}

/** Evaluates every chosen policy and keeps the strictest combination. */
export function decide(choice: PolicyChoice, request: PolicyRequest): Decision {
  const decisions = choice.policies.map((policy) => evaluatePolicy(policy, request))
  return decisions.length === 1 ? decisions[0] : mergeDecisions(decisions)
}

/** Describes where a decision came from in one line, such as "acme/infra:.idp/approval-policy.yaml at main 1a2b3c4d5e6f". */
export function describePolicySource(decision: Decision): string {
  const {policy} = decision
  const origin = policy.origin
  if (origin?.kind === 'repository') return `${policy.path} at ${origin.ref ?? 'the base branch'}${origin.commit ? ` ${origin.commit.slice(0, 12)}` : ''}`
  if (origin?.kind === 'bundled') return `${policy.path} (the bundled example)`
  return policy.path
}

/** Names the target repository: `owner/name` on GitHub, the folder of a local repository. */
function targetName(target: DeliveryTarget): string {
  const {repository, path} = target.summary
  if (typeof repository === 'string') return repository
  return typeof path === 'string' ? path : 'the target'
}

/**
 * Parses the shared policy, naming the commit it came from in an error: the requester cannot
 * fix it, its owners can.
 */
function parseShared(text: string, path: string, origin: PolicyOrigin): Policy {
  try {
    return parsePolicy(text, path, origin)
  } catch (error) {
    if (!(error instanceof IdpError) || error.code !== 'POLICY_INVALID') throw error
    throw new IdpError(`The shared policy ${path} on ${origin.ref} (commit ${origin.commit?.slice(0, 12)}) is invalid, so no request can be decided`, {
      code: 'POLICY_INVALID',
      exitCode: error.exitCode,
      problems: error.problems,
      hint: 'Nothing was submitted. Tell the owners of the policy; they can test a fix with `idp policy test` before committing it.',
    })
  }
}
