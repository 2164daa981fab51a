export {
  escapeSlackText,
  slackMessage,
  type ApprovalNotice,
  type NoticeKind,
  type SlackBlock,
  type SlackPayload,
  type SlackText,
} from './slack.js'
export {checkWebhookUrl, defaultSlackTimeoutMs, postSlackMessage, type SlackPostOptions, type SlackPostResult} from './webhook.js'
export {
  approvalNotices,
  notifyGroups,
  webhookUrlOf,
  type NoticeDetails,
  type NotificationResult,
  type NotifyOptions,
  type SlackWebhookSetting,
} from './notify.js'
