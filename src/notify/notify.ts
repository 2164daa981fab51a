import type {Decision} from '../policy/index.js'
import {slackMessage, type ApprovalNotice, type NoticeKind} from './slack.js'
import {postSlackMessage, type SlackPostOptions} from './webhook.js'

/**
 * Source of a group's Slack incoming webhook URL, as the policy file's
 * `groups.<name>.notify.slack` gives it: `webhookUrlEnv` names an environment variable that
 * contains the URL, and `webhookUrl` is the URL itself. The policy schema allows only one of
 * the two; given both, `webhookUrlEnv` wins.
 */
export interface SlackWebhookSetting {
  webhookUrlEnv?: string
  webhookUrl?: string
}

/** Outcome of one notice. `not_configured` means the group has no Slack webhook, which is no failure. */
export type NotificationResult =
  | {group: string; kind: NoticeKind; status: 'sent'}
  | {group: string; kind: NoticeKind; status: 'not_configured'}
  | {group: string; kind: NoticeKind; status: 'failed'; reason: string; warning: string}

export interface NotifyOptions extends SlackPostOptions {
  /** Environment that `webhookUrlEnv` names are read from. Default `process.env`. */
  env?: Record<string, string | undefined>
}

/**
 * Sends each notice to its group's Slack webhook, and an escalation also to the `escalateTo`
 * group's, all at the same time. Returns one result per message sent or skipped, in the order
 * of the notices, where `group` is the group whose webhook the message went to. Never throws:
 * a failure is a result with a warning for the CLI to print, because the request waits for
 * approval whether or not the message arrived.
 */
export async function notifyGroups(
  notices: ApprovalNotice[],
  resolveWebhook: (group: string) => SlackWebhookSetting | undefined,
  options: NotifyOptions = {},
): Promise<NotificationResult[]> {
  const {env = process.env, ...postOptions} = options
  const deliveries = notices.flatMap((notice) => recipientsOf(notice).map((group) => ({group, notice})))
  return Promise.all(
    deliveries.map(async ({group, notice}): Promise<NotificationResult> => {
      const {kind} = notice
      const failed = (reason: string): NotificationResult => ({group, kind, status: 'failed', reason, warning: notificationWarning(group, notice, reason)})

      let url: string | undefined
      try {
        const resolved = webhookUrlOf(resolveWebhook(group), env)
        if ('reason' in resolved) return failed(resolved.reason)
        url = resolved.url
      } catch (error) {
        return failed(`its webhook setting could not be read: ${(error as Error).message}`)
      }

      if (url === undefined) return {group, kind, status: 'not_configured'}

      let result
      try {
        result = await postSlackMessage(url, slackMessage(notice), postOptions)
      } catch (error) {
        // postSlackMessage never throws, but slackMessage can for a notice that breaks its type, such as reasons that are no list.
        return failed(`the message could not be built: ${(error as Error).message}`)
      }

      return result.ok ? {group, kind, status: 'sent'} : failed(result.reason)
    }),
  )
}

/**
 * Returns the webhook URL of a group: from the environment variable that `webhookUrlEnv`
 * names, else `webhookUrl`. A reason names the variable, never its value.
 */
export function webhookUrlOf(setting: SlackWebhookSetting | undefined, env: Record<string, string | undefined>): {url: string | undefined} | {reason: string} {
  if (setting?.webhookUrlEnv !== undefined && setting.webhookUrlEnv !== '') {
    const name = setting.webhookUrlEnv
    const value = env[name]?.trim()
    if (value === undefined) return {reason: `the environment variable ${name} is not set; set it to the group's Slack incoming webhook URL`}
    if (value === '') return {reason: `the environment variable ${name} is empty; set it to the group's Slack incoming webhook URL`}
    return {url: value}
  }

  const literal = setting?.webhookUrl?.trim()
  return {url: literal === '' ? undefined : literal}
}

/** Lists the groups a notice goes to: its own group, and for an escalation the `escalateTo` group too. */
function recipientsOf(notice: ApprovalNotice): string[] {
  if (notice.kind === 'escalation' && notice.escalateTo !== undefined && notice.escalateTo !== notice.group) {
    return [notice.group, notice.escalateTo]
  }

  return [notice.group]
}

/** Builds the warning the CLI prints for a message that was not sent to `group`. */
function notificationWarning(group: string, notice: ApprovalNotice, reason: string): string {
  const what = notice.kind === 'escalation' ? 'escalation message' : 'approval request'
  return `The Slack ${what} to ${group} was not sent: ${reason}. The request still waits for approval; tell ${group} about pull request #${notice.pullRequest.number} another way.`
}

/** The parts of a notice that are the same for every group. */
export type NoticeDetails = Omit<ApprovalNotice, 'kind' | 'group' | 'team' | 'count' | 'sla' | 'escalateTo' | 'waitingSince' | 'reasons'>

/** Builds one `approval` notice per requirement of a decision that needs approval, with the requirement's count, sla, escalation group and reasons. */
export function approvalNotices(decision: Decision, details: NoticeDetails): ApprovalNotice[] {
  if (decision.outcome !== 'needs_approval') return []
  return decision.requirements.map((requirement) => ({
    ...details,
    kind: 'approval',
    group: requirement.group,
    team: requirement.team,
    count: requirement.count,
    ...(requirement.sla === undefined ? {} : {sla: requirement.sla}),
    ...(requirement.escalateTo === undefined ? {} : {escalateTo: requirement.escalateTo}),
    reasons: [...requirement.reasons],
  }))
}
