import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {
  approvalNotices,
  notifyGroups,
  postSlackMessage,
  slackMessage,
  type ApprovalNotice,
  type NotificationResult,
} from '../src/notify/index.js'
import type {Decision} from '../src/policy/index.js'

/** A request that reached the test webhook server. */
interface ReceivedRequest {
  method: string
  path: string
  contentType: string | undefined
  body: unknown
}

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void

/**
 * A Slack webhook double on 127.0.0.1. Each path has its own behaviour, and every request is
 * recorded with its parsed JSON body.
 */
class WebhookServer {
  readonly received: ReceivedRequest[] = []
  private readonly handlers = new Map<string, Handler>()
  private server!: Server

  static async start(): Promise<WebhookServer> {
    const webhook = new WebhookServer()
    webhook.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const path = request.url ?? ''
        webhook.received.push({method: request.method ?? '', path, contentType: request.headers['content-type'], body: JSON.parse(text)})
        const handler = webhook.handlers.get(path)
        if (handler) handler(request, response, text)
        else response.writeHead(404).end('no_service')
      })
    })
    await new Promise<void>((resolve) => webhook.server.listen(0, '127.0.0.1', resolve))
    return webhook
  }

  /** Registers a behaviour for a path and returns the full webhook URL. */
  route(path: string, handler: Handler): string {
    this.handlers.set(path, handler)
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`
  }

  async stop(): Promise<void> {
    // Requests that the "never answers" route keeps open would make close() wait forever.
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** Returns a loopback port that nothing listens on, by listening on a free port and closing it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const answerOk: Handler = (_request, response) => response.writeHead(200, {'content-type': 'text/plain'}).end('ok')

function approvalNotice(overrides: Partial<ApprovalNotice> = {}): ApprovalNotice {
  return {
    kind: 'approval',
    group: 'finance',
    team: 'finance',
    count: 1,
    sla: '2d',
    title: 'Create a PostgreSQL database',
    requester: {login: 'ada', name: 'Ada Lovelace', team: 'payments'},
    resources: [{type: 'postgresql', name: 'orders-production'}],
    environment: 'production',
    cost: {monthly: 800, currency: 'USD'},
    reasons: ['The estimated cost of 800 USD a month is over 500, so finance must approve.'],
    pullRequest: {number: 42, url: 'https://github.com/acme/infrastructure/pull/42'},
    runId: 'r-20261204-0001',
    ...overrides,
  }
}

/** Builds a notice whose values contain every character that Slack reads as markup. */
function noticeWithMarkup(kind: ApprovalNotice['kind']): ApprovalNotice {
  return approvalNotice({
    kind,
    group: 'finance',
    team: 'finance&audit',
    count: 2,
    ...(kind === 'escalation' ? {waitingSince: '2026-12-04T09:30:00.000Z'} : {}),
    title: 'Create <db> & grant',
    requester: {login: 'ada', name: 'Ada <!channel> Lovelace', team: 'pay&ments'},
    resources: [
      {type: 'postgresql', name: 'orders<1>'},
      {type: 'bucket', name: 'logs&archive'},
    ],
    environment: 'prod>eu',
    cost: {monthly: 1250.5, currency: 'EUR'},
    reasons: ['Cost <over> 500 & rising.', 'Click <https://evil.example|here>.'],
    runId: 'run<7>',
  })
}

const buttons = {
  type: 'actions',
  elements: [
    {
      type: 'button',
      action_id: 'review-pull-request',
      text: {type: 'plain_text', text: 'Review the pull request'},
      url: 'https://github.com/acme/infrastructure/pull/42',
      style: 'primary',
    },
    {
      type: 'button',
      action_id: 'see-files',
      text: {type: 'plain_text', text: 'See the files'},
      url: 'https://github.com/acme/infrastructure/pull/42/files',
    },
  ],
}

const escapedFields = {
  type: 'section',
  fields: [
    {type: 'mrkdwn', text: '*Requested by*\nAda &lt;!channel&gt; Lovelace (@ada, team pay&amp;ments)'},
    {type: 'mrkdwn', text: '*Estimated cost*\n1,250.5 EUR a month'},
    {type: 'mrkdwn', text: '*Approval needed*\n2 approvals from *finance* (GitHub team finance&amp;audit)'},
    {type: 'mrkdwn', text: '*SLA*\n2d'},
  ],
}

const escapedReasons = {
  type: 'section',
  text: {type: 'mrkdwn', text: '*Why approval is needed*\n• Cost &lt;over&gt; 500 &amp; rising.\n• Click &lt;https://evil.example|here&gt;.'},
}

const escapedContext = {type: 'context', elements: [{type: 'mrkdwn', text: 'Pull request #42 · run run&lt;7&gt;'}]}

describe('slack notifications', () => {
  let server: WebhookServer

  beforeEach(async () => {
    server = await WebhookServer.start()
  })

  afterEach(async () => {
    await server.stop()
  })

  describe('message', () => {
    it('approval payload, escaped', async () => {
      const url = server.route('/services/T0001/B0001/approval-secret', answerOk)

      const result = await postSlackMessage(url, slackMessage(noticeWithMarkup('approval')))

      assert.deepEqual(result, {ok: true})
      assert.equal(server.received.length, 1)
      assert.equal(server.received[0].method, 'POST')
      assert.equal(server.received[0].contentType, 'application/json; charset=utf-8')
      assert.deepEqual(server.received[0].body, {
        text:
          'Create &lt;db&gt; &amp; grant needs 2 approvals from finance. Requested by Ada &lt;!channel&gt; Lovelace (@ada, team pay&amp;ments). ' +
          'Pull request: https://github.com/acme/infrastructure/pull/42',
        blocks: [
          {type: 'header', text: {type: 'plain_text', text: 'Approval needed: Create &lt;db&gt; &amp; grant'}},
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: '*Create &lt;db&gt; &amp; grant* in *prod&gt;eu*\nResources: orders&lt;1&gt; (postgresql), logs&amp;archive (bucket)',
            },
          },
          escapedFields,
          escapedReasons,
          buttons,
          escapedContext,
        ],
      })
    })

    it('escalation payload, escaped', async () => {
      const url = server.route('/services/T0001/B0001/escalation-secret', answerOk)

      const result = await postSlackMessage(url, slackMessage(noticeWithMarkup('escalation')))

      assert.deepEqual(result, {ok: true})
      assert.equal(server.received.length, 1)
      assert.deepEqual(server.received[0].body, {
        text:
          'The 2d SLA passed: the request has waited since 2026-12-04 09:30 UTC. Create &lt;db&gt; &amp; grant still needs 2 approvals from finance. ' +
          'Requested by Ada &lt;!channel&gt; Lovelace (@ada, team pay&amp;ments). Pull request: https://github.com/acme/infrastructure/pull/42',
        blocks: [
          {type: 'header', text: {type: 'plain_text', text: 'SLA passed, waiting since 2026-12-04 09:30 UTC: Create &lt;db&gt; &amp; grant'}},
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text:
                '*The 2d SLA passed: the request has waited since 2026-12-04 09:30 UTC.*\n' +
                '*Create &lt;db&gt; &amp; grant* in *prod&gt;eu*\nResources: orders&lt;1&gt; (postgresql), logs&amp;archive (bucket)',
            },
          },
          escapedFields,
          escapedReasons,
          buttons,
          escapedContext,
        ],
      })
    })

    it('optional fields left out', () => {
      const {sla: _sla, cost: _cost, ...rest} = approvalNotice()
      const payload = slackMessage({...rest, environment: '', resources: [], reasons: []})

      assert.deepEqual(payload.blocks[1], {type: 'section', text: {type: 'mrkdwn', text: '*Create a PostgreSQL database*\nResources: none listed'}})
      assert.deepEqual(payload.blocks[2], {
        type: 'section',
        fields: [
          {type: 'mrkdwn', text: '*Requested by*\nAda Lovelace (@ada, team payments)'},
          {type: 'mrkdwn', text: '*Estimated cost*\nnot estimated'},
          {type: 'mrkdwn', text: '*Approval needed*\n1 approval from *finance* (GitHub team finance)'},
        ],
      })
      assert.deepEqual(
        payload.blocks.map((block) => block.type),
        ['header', 'section', 'section', 'actions', 'context'],
      )
    })

    it('escalation without sla or start time', () => {
      const payload = slackMessage(approvalNotice({kind: 'escalation', sla: undefined}))

      assert.deepEqual(payload.blocks[0], {type: 'header', text: {type: 'plain_text', text: 'SLA passed: Create a PostgreSQL database'}})
      assert.match(payload.text, /^The SLA passed\. Create a PostgreSQL database still needs 1 approval from finance\./)
    })

    it('long header truncated on an escape boundary', () => {
      // 147 characters of prefix and title put the cut inside the &amp; that follows them.
      const title = `${'x'.repeat(147 - 'Approval needed: '.length)}&rest`
      const header = slackMessage(approvalNotice({title})).blocks[0]

      assert.equal(header.type, 'header')
      const text = header.type === 'header' ? header.text.text : ''
      assert.ok(text.length <= 150, `header has ${text.length} characters`)
      assert.equal(text, `Approval needed: ${'x'.repeat(147 - 'Approval needed: '.length)}…`)
    })

    it('invalid waitingSince shown escaped as given', () => {
      const payload = slackMessage(approvalNotice({kind: 'escalation', waitingSince: 'since <Monday>'}))

      assert.match(payload.text, /^The 2d SLA passed: the request has waited since since &lt;Monday&gt;\. /)
    })
  })

  describe('failures', () => {
    /** Posts to a URL and checks the exact reason, and that the reason quotes no part of the URL. */
    async function assertFailure(url: string, expectedReason: string, timeoutMs?: number): Promise<void> {
      const result = await postSlackMessage(url, slackMessage(approvalNotice()), timeoutMs === undefined ? {} : {timeoutMs})

      assert.equal(result.ok, false)
      const reason = result.ok ? '' : result.reason
      assert.equal(reason, expectedReason)
      assert.ok(!reason.includes(url), `the reason quotes the URL: ${reason}`)
      const path = new URL(url).pathname
      for (const segment of path.split('/').filter((part) => part.length >= 4)) {
        assert.ok(!reason.includes(segment), `the reason quotes the path segment ${segment}: ${reason}`)
      }
    }

    it('webhook returns 500', async () => {
      const url = server.route('/services/T0002/B0002/server-error-secret', (_request, response) => response.writeHead(500).end())

      await assertFailure(url, 'Slack returned HTTP 500 Internal Server Error')
      assert.equal(server.received.length, 1)
    })

    it('webhook returns 404 with a body', async () => {
      const url = server.route('/services/T0003/B0003/gone-secret', (_request, response) => response.writeHead(404, {'content-type': 'text/plain'}).end('no_service\n'))

      await assertFailure(url, 'Slack returned HTTP 404: no_service')
    })

    it('body quoting the URL redacted', async () => {
      const path = '/services/T0004/B0004/quoted-secret'
      const url = server.route(path, (_request, response) => response.writeHead(400).end(`invalid_payload for ${url} (path ${path}, token quoted-secret)`))

      await assertFailure(url, 'Slack returned HTTP 400: invalid_payload for [redacted] (path [redacted], token [redacted])')
    })

    it('webhook that never answers', async () => {
      const url = server.route('/services/T0005/B0005/silent-secret', () => {})

      await assertFailure(url, 'no response within 200 ms', 200)
      assert.equal(server.received.length, 1)
    })

    it('connection refused', async () => {
      const port = await closedPort()

      await assertFailure(`http://127.0.0.1:${port}/services/T0006/B0006/refused-secret`, 'connection refused (ECONNREFUSED)')
    })

    it('http URL off loopback rejected unsent', async () => {
      const calls: unknown[] = []
      const spy = (async (...args: unknown[]) => {
        calls.push(args)
        return new Response('ok')
      }) as typeof fetch
      const url = 'http://hooks.example.com/services/T0007/B0007/plain-http-secret'

      const result = await postSlackMessage(url, slackMessage(approvalNotice()), {fetch: spy})

      assert.deepEqual(result, {ok: false, reason: 'the webhook URL is not a valid https URL (http is accepted only for loopback hosts)'})
      assert.equal(calls.length, 0)
    })

    it('malformed URLs rejected unsent', async () => {
      const calls: unknown[] = []
      const spy = (async (...args: unknown[]) => {
        calls.push(args)
        return new Response('ok')
      }) as typeof fetch
      const cases: Array<[string, string]> = [
        ['not a url/services/T0008/secret-path', 'the webhook URL is not a valid https URL'],
        ['ftp://hooks.example.com/services/T0008/secret-path', 'the webhook URL is not a valid https URL'],
        ['https://user:secret-password@hooks.example.com/services/T0008/secret-path', 'the webhook URL is not a valid https URL (it must not contain a user name or password)'],
      ]

      for (const [url, reason] of cases) {
        assert.deepEqual(await postSlackMessage(url, {text: 'x'}, {fetch: spy}), {ok: false, reason}, url)
      }

      assert.equal(calls.length, 0)
    })
  })

  describe('notifyGroups', () => {
    it('results per group, in order', async () => {
      const financeUrl = server.route('/services/T0010/B0010/finance-secret', answerOk)
      const securityUrl = server.route('/services/T0011/B0011/security-secret', (_request, response) => response.writeHead(410).end('channel_is_archived'))
      const settings: Record<string, {webhookUrlEnv?: string; webhookUrl?: string}> = {
        finance: {webhookUrlEnv: 'SLACK_FINANCE_WEBHOOK'},
        security: {webhookUrl: securityUrl},
      }
      const notices = [
        approvalNotice({group: 'finance'}),
        approvalNotice({group: 'security', team: 'security'}),
        approvalNotice({group: 'team-leads', team: 'team-leads'}),
      ]

      const results = await notifyGroups(notices, (group) => settings[group], {env: {SLACK_FINANCE_WEBHOOK: financeUrl}})

      assert.deepEqual(results, [
        {group: 'finance', kind: 'approval', status: 'sent'},
        {
          group: 'security',
          kind: 'approval',
          status: 'failed',
          reason: 'Slack returned HTTP 410: channel_is_archived',
          warning:
            'The Slack approval request to security was not sent: Slack returned HTTP 410: channel_is_archived. ' +
            'The request still waits for approval; tell security about pull request #42 another way.',
        },
        {group: 'team-leads', kind: 'approval', status: 'not_configured'},
      ] satisfies NotificationResult[])
      assert.deepEqual(
        server.received.map((request) => request.path),
        ['/services/T0010/B0010/finance-secret', '/services/T0011/B0011/security-secret'],
      )
    })

    it('escalation also goes to escalateTo', async () => {
      const urls: Record<string, string> = {
        finance: server.route('/services/T0015/B0015/finance-secret', answerOk),
        directors: server.route('/services/T0016/B0016/directors-secret', answerOk),
      }
      const notice = approvalNotice({kind: 'escalation', escalateTo: 'directors', waitingSince: '2026-12-04T09:30:00Z'})

      const results = await notifyGroups([notice], (group) => ({webhookUrl: urls[group]}))

      assert.deepEqual(results, [
        {group: 'finance', kind: 'escalation', status: 'sent'},
        {group: 'directors', kind: 'escalation', status: 'sent'},
      ])
      assert.deepEqual(
        server.received.map((request) => request.path).sort(),
        ['/services/T0015/B0015/finance-secret', '/services/T0016/B0016/directors-secret'],
      )
      assert.deepEqual(server.received[0].body, server.received[1].body)
      const fields = slackMessage(notice).blocks[2]
      assert.deepEqual(fields.type === 'section' ? fields.fields?.[3] : undefined, {type: 'mrkdwn', text: '*SLA*\n2d, then escalated to *directors*'})
    })

    it('approval not sent to escalateTo', async () => {
      const results = await notifyGroups([approvalNotice({escalateTo: 'directors'})], () => undefined)

      assert.deepEqual(results, [{group: 'finance', kind: 'approval', status: 'not_configured'}])
    })

    it('missing environment variable', async () => {
      const results = await notifyGroups([approvalNotice({kind: 'escalation'})], () => ({webhookUrlEnv: 'SLACK_FINANCE_WEBHOOK'}), {env: {}})

      assert.deepEqual(results, [
        {
          group: 'finance',
          kind: 'escalation',
          status: 'failed',
          reason: "the environment variable SLACK_FINANCE_WEBHOOK is not set; set it to the group's Slack incoming webhook URL",
          warning:
            "The Slack escalation message to finance was not sent: the environment variable SLACK_FINANCE_WEBHOOK is not set; set it to the group's Slack incoming webhook URL. " +
            'The request still waits for approval; tell finance about pull request #42 another way.',
        },
      ])
      assert.equal(server.received.length, 0)
    })

    it('empty environment variable', async () => {
      const [result] = await notifyGroups([approvalNotice()], () => ({webhookUrlEnv: 'SLACK_FINANCE_WEBHOOK'}), {env: {SLACK_FINANCE_WEBHOOK: '  '}})

      assert.equal(result.status, 'failed')
      assert.equal(result.status === 'failed' ? result.reason : '', "the environment variable SLACK_FINANCE_WEBHOOK is empty; set it to the group's Slack incoming webhook URL")
    })

    it('invalid URL in variable not quoted', async () => {
      const value = 'http://hooks.example.com/services/T0012/B0012/leaked-secret'
      const [result] = await notifyGroups([approvalNotice()], () => ({webhookUrlEnv: 'SLACK_FINANCE_WEBHOOK'}), {env: {SLACK_FINANCE_WEBHOOK: value}})

      assert.equal(result.status, 'failed')
      const warning = result.status === 'failed' ? result.warning : ''
      assert.ok(!warning.includes('leaked-secret'), warning)
      assert.match(warning, /http is accepted only for loopback hosts/)
    })

    it('sends to groups concurrently', async () => {
      // Each response waits until both requests have arrived, so sequential sends would time out.
      const waiting: ServerResponse[] = []
      const releaseWhenBoth: Handler = (_request, response) => {
        waiting.push(response)
        if (waiting.length === 2) for (const held of waiting) held.writeHead(200).end('ok')
      }

      const urls: Record<string, string> = {
        finance: server.route('/services/T0013/B0013/finance-secret', releaseWhenBoth),
        security: server.route('/services/T0014/B0014/security-secret', releaseWhenBoth),
      }
      const notices = [approvalNotice({group: 'finance'}), approvalNotice({group: 'security'})]

      const results = await notifyGroups(notices, (group) => ({webhookUrl: urls[group]}), {timeoutMs: 5000})

      assert.deepEqual(
        results.map((result) => result.status),
        ['sent', 'sent'],
      )
    })

    it('throwing resolver gives a warning', async () => {
      const [result] = await notifyGroups([approvalNotice()], () => {
        throw new Error('bad setting')
      })

      assert.equal(result.status, 'failed')
      assert.equal(result.status === 'failed' ? result.reason : '', 'its webhook setting could not be read: bad setting')
    })
  })

  describe('approvalNotices', () => {
    const details = {
      title: 'Create a PostgreSQL database',
      requester: {login: 'ada', name: 'Ada Lovelace', team: 'payments'},
      resources: [{type: 'postgresql', name: 'orders-production'}],
      environment: 'production',
      cost: {monthly: 800, currency: 'USD'},
      pullRequest: {number: 42, url: 'https://github.com/acme/infrastructure/pull/42'},
      runId: 'r-1',
    }

    it('one notice per requirement', () => {
      const decision: Decision = {
        outcome: 'needs_approval',
        requirements: [
          {group: 'team-leads', team: 'leads', count: 1, allowRequester: false, reasons: ['Production changes need a team lead.'], rules: ['prod'], sla: '24h', escalateTo: 'directors'},
          {group: 'finance', team: 'finance', count: 2, allowRequester: false, reasons: ['Over 500.'], rules: ['cost']},
        ],
        reasons: ['Production changes need a team lead.', 'Over 500.'],
        matchedRules: [],
        errors: [],
        policy: {path: 'policy.yaml'},
      }

      assert.deepEqual(approvalNotices(decision, details), [
        {...details, kind: 'approval', group: 'team-leads', team: 'leads', count: 1, sla: '24h', escalateTo: 'directors', reasons: ['Production changes need a team lead.']},
        {...details, kind: 'approval', group: 'finance', team: 'finance', count: 2, reasons: ['Over 500.']},
      ])
    })

    it('none unless approval needed', () => {
      const decision: Decision = {outcome: 'auto_approve', requirements: [], reasons: ['Small.'], matchedRules: [], errors: [], policy: {path: 'policy.yaml'}}

      assert.deepEqual(approvalNotices(decision, details), [])
    })
  })
})
