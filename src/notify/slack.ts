import {formatMoney} from '../actions/plan.js'

export type NoticeKind = 'approval' | 'escalation'

/** Content of the message to one approver group about a request that waits for its approval. */
export interface ApprovalNotice {
  /** `approval` when the request first needs the group, `escalation` when its SLA has passed. */
  kind: NoticeKind
  /** Policy group name, such as `finance`. */
  group: string
  /** Slug of the GitHub team the group maps to. */
  team: string
  /** Distinct approvals needed from the group. */
  count: number
  /** Response time that the policy gives the group, such as `2d`. */
  sla?: string
  /** Group that also receives the escalation message when the SLA passes. */
  escalateTo?: string
  /** ISO 8601 time since which the request has waited for the group. */
  waitingSince?: string
  /** Title of the action, such as `Create a PostgreSQL database`. */
  title: string
  requester: {login: string; name: string; team: string}
  resources: Array<{type: string; name: string}>
  /** Permissions the request grants; absent or empty when it grants none. */
  permissions?: Array<{principal: string; role: string; on: string}>
  /** The request's environment, or '' when the action has none. */
  environment: string
  cost?: {monthly: number; currency: string}
  /** Reasons the group must approve, one sentence per policy rule. */
  reasons: string[]
  pullRequest: {number: number; url: string}
  runId: string
}

/** A Block Kit text object. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn'
  text: string
}

export type SlackBlock =
  | {type: 'header'; text: SlackText}
  | {type: 'section'; text?: SlackText; fields?: SlackText[]}
  | {type: 'actions'; elements: Array<{type: 'button'; action_id: string; text: SlackText; url: string; style?: 'primary'}>}
  | {type: 'context'; elements: SlackText[]}

/** The JSON body of an incoming webhook message. */
export interface SlackPayload {
  /** Fallback shown in notifications and by clients that cannot show blocks. */
  text: string
  blocks: SlackBlock[]
}

// Block Kit length limits in characters. Slack rejects a message whose text exceeds them.
const MAX_HEADER = 150
const MAX_SECTION_TEXT = 3000
const MAX_FIELD_TEXT = 2000

/**
 * Escapes the three characters that Slack reads as markup (`&`, `<`, `>`), so a value from a
 * request cannot open a link or a mention such as `<!channel>`.
 */
export function escapeSlackText(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/**
 * Builds the incoming webhook message for one notice: a header, the request summary, who
 * asked, the estimated cost, the approvers needed with their SLA, the reasons, and buttons
 * that open the pull request and its files. Every value from the request is escaped.
 */
export function slackMessage(notice: ApprovalNotice): SlackPayload {
  const title = escapeSlackText(notice.title)
  const group = escapeSlackText(notice.group)
  const since = notice.waitingSince === undefined ? undefined : formatTime(notice.waitingSince)
  const escalation = notice.kind === 'escalation'

  let header = `Approval needed: ${title}`
  if (escalation) header = since === undefined ? `SLA passed: ${title}` : `SLA passed, waiting since ${since}: ${title}`
  const blocks: SlackBlock[] = [{type: 'header', text: {type: 'plain_text', text: truncate(header, MAX_HEADER)}}]

  const summary: string[] = []
  if (escalation) summary.push(`*${slaPassedSentence(notice.sla, since)}*`)
  summary.push(notice.environment === '' ? `*${title}*` : `*${title}* in *${escapeSlackText(notice.environment)}*`)
  summary.push(`Resources: ${resourceList(notice.resources)}`)
  if (notice.permissions?.length) summary.push(`Grants: ${permissionList(notice.permissions)}`)
  blocks.push({type: 'section', text: mrkdwn(summary.join('\n'), MAX_SECTION_TEXT)})

  const fields = [
    mrkdwn(`*Requested by*\n${requesterText(notice.requester)}`, MAX_FIELD_TEXT),
    mrkdwn(`*Estimated cost*\n${costText(notice.cost)}`, MAX_FIELD_TEXT),
    mrkdwn(`*Approval needed*\n${approvalsText(notice.count)} from *${group}* (GitHub team ${escapeSlackText(notice.team)})`, MAX_FIELD_TEXT),
  ]
  if (notice.sla !== undefined) fields.push(mrkdwn(`*SLA*\n${slaText(notice.sla, notice.escalateTo)}`, MAX_FIELD_TEXT))
  blocks.push({type: 'section', fields})

  if (notice.reasons.length > 0) {
    const reasons = notice.reasons.map((reason) => `• ${escapeSlackText(reason)}`).join('\n')
    blocks.push({type: 'section', text: mrkdwn(`*Why approval is needed*\n${reasons}`, MAX_SECTION_TEXT)})
  }

  const {url, number} = notice.pullRequest
  blocks.push({
    type: 'actions',
    elements: [
      {type: 'button', action_id: 'review-pull-request', text: {type: 'plain_text', text: 'Review the pull request'}, url, style: 'primary'},
      {type: 'button', action_id: 'see-files', text: {type: 'plain_text', text: 'See the files'}, url: `${url}/files`},
    ],
  })
  blocks.push({type: 'context', elements: [{type: 'mrkdwn', text: `Pull request #${number} · run ${escapeSlackText(notice.runId)}`}]})

  return {text: fallbackText(notice, title, group, since), blocks}
}

/** Builds the one-line `text` that notifications show. */
function fallbackText(notice: ApprovalNotice, title: string, group: string, since: string | undefined): string {
  const requester = requesterText(notice.requester)
  const link = escapeSlackText(notice.pullRequest.url)
  if (notice.kind === 'escalation') {
    return `${slaPassedSentence(notice.sla, since)} ${title} still needs ${approvalsText(notice.count)} from ${group}. Requested by ${requester}. Pull request: ${link}`
  }

  return `${title} needs ${approvalsText(notice.count)} from ${group}. Requested by ${requester}. Pull request: ${link}`
}

function slaPassedSentence(sla: string | undefined, since: string | undefined): string {
  const limit = sla === undefined ? 'The SLA' : `The ${escapeSlackText(sla)} SLA`
  return since === undefined ? `${limit} passed.` : `${limit} passed: the request has waited since ${since}.`
}

function slaText(sla: string, escalateTo: string | undefined): string {
  return escalateTo === undefined ? escapeSlackText(sla) : `${escapeSlackText(sla)}, then escalated to *${escapeSlackText(escalateTo)}*`
}

function requesterText(requester: ApprovalNotice['requester']): string {
  const team = requester.team === '' ? '' : `, team ${escapeSlackText(requester.team)}`
  return `${escapeSlackText(requester.name)} (@${escapeSlackText(requester.login)}${team})`
}

function resourceList(resources: ApprovalNotice['resources']): string {
  if (resources.length === 0) return 'none listed'
  return resources.map((resource) => `${escapeSlackText(resource.name)} (${escapeSlackText(resource.type)})`).join(', ')
}

function permissionList(permissions: NonNullable<ApprovalNotice['permissions']>): string {
  return permissions.map((permission) => `${escapeSlackText(permission.principal)} gets ${escapeSlackText(permission.role)} on ${escapeSlackText(permission.on)}`).join('; ')
}

function costText(cost: ApprovalNotice['cost']): string {
  return cost === undefined ? 'not estimated' : `${escapeSlackText(formatMoney(cost.monthly, cost.currency))} a month`
}

function approvalsText(count: number): string {
  return count === 1 ? '1 approval' : `${count} approvals`
}

/** Formats an ISO 8601 time as `2026-12-04 09:30 UTC`; text that is no valid time is shown escaped as it is. */
function formatTime(value: string): string {
  const time = new Date(value)
  if (Number.isNaN(time.getTime())) return escapeSlackText(value)
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function mrkdwn(text: string, maxLength: number): SlackText {
  return {type: 'mrkdwn', text: truncate(text, maxLength)}
}

/**
 * Shortens escaped text to `maxLength` characters with a trailing ellipsis, without cutting
 * an escape such as `&amp;` or a surrogate pair in two.
 */
function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text
  let cut = text.slice(0, maxLength - 1).replace(/&[a-z]*$/, '')
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return `${cut}…`
}
