import type {Plan} from '../actions/plan.js'
import type {EscalationCheck} from '../gate/escalate.js'
import type {Judgement} from '../gate/judge.js'
import {approvalNotices, notifyGroups, type ApprovalNotice, type SlackWebhookSetting} from '../notify/index.js'
import type {Policy} from '../policy/index.js'

/**
 * Tells each group whose approval a new request needs, through the group's Slack webhook in
 * the policy. Reports the groups notified and warnings for the messages that were not sent;
 * a failed notification never fails the run.
 */
export async function notifyApproval(plan: Plan, pullRequest: {number: number; url: string}, policies: readonly Policy[], env: NodeJS.ProcessEnv): Promise<NotifyReport> {
  const notices = approvalNotices(plan.decision, {
    title: plan.action.title,
    requester: {login: plan.requester.login, name: plan.requester.name, team: plan.requester.team},
    resources: plan.resources.map(({type, name}) => ({type, name})),
    permissions: plan.permissions.map(({principal, role, on}) => ({principal, role, on})),
    environment: typeof plan.inputs.environment === 'string' ? plan.inputs.environment : '',
    cost: plan.cost && {monthly: plan.cost.monthly, currency: plan.cost.currency},
    pullRequest,
    runId: plan.runId,
  })
  return send(notices, policies, env)
}

/** Tells the groups of an escalated requirement that its SLA has passed. */
export async function notifyEscalation(check: EscalationCheck, judgement: Judgement, env: NodeJS.ProcessEnv): Promise<NotifyReport> {
  const requirement = judgement.decision?.requirements.find((entry) => entry.group === check.group)
  const request = judgement.policyRequest
  if (!requirement || !request || !judgement.policy) return {sent: [], warnings: []}
  const notice: ApprovalNotice = {
    kind: 'escalation',
    group: check.group,
    team: check.team,
    count: requirement.count,
    sla: check.sla,
    escalateTo: check.escalateTo.group,
    waitingSince: check.waitingSince,
    title: judgement.title ?? request.action,
    requester: {login: request.requester.login, name: request.requester.name, team: request.requester.team},
    resources: request.resources.map(({type, name}) => ({type, name})),
    permissions: request.permissions.map(({principal, role, on}) => ({principal: String(principal), role: String(role), on: String(on)})),
    environment: request.environment,
    cost: request.cost,
    reasons: [...requirement.reasons],
    pullRequest: check.pullRequest,
    runId: judgement.request?.runId ?? '',
  }
  return send([notice], [judgement.policy], env)
}

/** Result of notifying: the groups whose Slack channel got the message, and warnings for the rest. */
export interface NotifyReport {
  sent: string[]
  warnings: string[]
}

async function send(notices: ApprovalNotice[], policies: readonly Policy[], env: NodeJS.ProcessEnv): Promise<NotifyReport> {
  if (notices.length === 0) return {sent: [], warnings: []}
  const webhookOf = (group: string): SlackWebhookSetting | undefined => policies.find((policy) => policy.groups[group]?.notify?.slack)?.groups[group]?.notify?.slack
  const results = await notifyGroups(notices, webhookOf, {env})
  return {
    sent: results.flatMap((result) => (result.status === 'sent' ? [result.group] : [])),
    warnings: results.flatMap((result) => (result.status === 'failed' ? [result.warning] : [])),
  }
}
