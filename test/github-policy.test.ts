import assert from 'node:assert/strict'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Octokit} from '@octokit/rest'

import {runCliAsync, type CliResult} from './support/cli.js'
import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import type {GitHubTestServer} from './support/github-server.js'

const BRANCH = 'idp/db-create/orders-db-production'
const MAIN_TF = 'databases/production/orders-db/main.tf'

// The shared policy of these tests: SLAs, an escalation group and Slack webhooks per group.
const SHARED_POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads, notify: {slack: {webhookUrlEnv: SLACK_LEADS}}}
  finance: {team: finance, notify: {slack: {webhookUrlEnv: SLACK_FINANCE}}}
  finance-leads: {team: finance-leads}
default:
  effect: require
  require: [{group: team-leads}]
  message: A team lead approves what no rule covers.
rules:
  - id: dev-is-free
    when: environment == "dev"
    effect: auto_approve
    message: Dev requests are approved automatically.
  - id: production-needs-lead
    when: environment == "production"
    effect: require
    require: [{group: team-leads, sla: 4h}]
    message: Production changes need a team lead.
  - id: large-needs-finance
    when: inputs.size == "large"
    effect: require
    require: [{group: finance, sla: 1d, escalateTo: finance-leads}]
    message: Large databases need finance.
`

const REQUESTER_TOKEN = 'ghp_sandboxtoken'
const CI_TOKEN = 'ghp_citoken'

function request(environment: string, size: string): string[] {
  return ['db', 'create', '--name', 'orders-db', '--environment', environment, '--size', size, '--team', 'payments', '--yes']
}

/** An HTTP server on 127.0.0.1 that records Slack webhook posts and responds to each path with a chosen status. */
class WebhookRecorder {
  readonly posts: Array<{path: string; body: {text: string}}> = []
  private server!: Server

  constructor(private readonly statusOf: (path: string) => number = () => 200) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      request.on('end', () => {
        this.posts.push({path: request.url ?? '', body: JSON.parse(body) as {text: string}})
        const status = this.statusOf(request.url ?? '')
        response.writeHead(status, {'content-type': 'text/plain'}).end(status === 200 ? 'ok' : 'invalid_token')
      })
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

describe('the approval policy on GitHub pull requests', () => {
  let sandbox: GitHubSandbox
  let server: GitHubTestServer
  let slack: WebhookRecorder
  let slackUrl: string

  beforeEach(async () => {
    slack = new WebhookRecorder((path) => (path === '/broken' ? 500 : 200))
    slackUrl = await slack.start()
    sandbox = await startGitHubSandbox('github-policy', {SLACK_LEADS: `${slackUrl}/leads`, SLACK_FINANCE: `${slackUrl}/finance`})
    server = sandbox.server
    server.addToken(REQUESTER_TOKEN, {login: 'ada'})
    server.addToken(CI_TOKEN, {login: 'idp-bot'})
    for (const login of ['lead-one', 'lead-two', 'fin-one', 'outsider']) server.addToken(`ghp_${login.replace('-', '')}`, {login})
    for (const team of ['team-leads', 'finance', 'finance-leads']) server.addTeam('acme', team)
    server.addTeamMember('acme', 'team-leads', 'lead-one')
    server.addTeamMember('acme', 'team-leads', 'ada')
    server.addTeamMember('acme', 'finance', 'fin-one')
    server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': SHARED_POLICY}, message: 'Add the approval policy'})
  })

  afterEach(async () => {
    await sandbox.stop()
    await slack.stop()
  })

  const head = () => server.branch('acme', 'infrastructure', BRANCH)!
  const as = (token: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
    runCliAsync(args, {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, GH_TOKEN: token, ...extra}})
  const verify = (args: string[] = [], extra: Record<string, string> = {}) => as(CI_TOKEN, ['policy', 'verify', '1', '--repository', 'acme/infrastructure', ...args], extra)
  const submit = async (environment: string, size: string) => {
    const result = await as(REQUESTER_TOKEN, request(environment, size))
    assert.equal(result.status, 0, result.stderr)
    return result
  }

  describe('idp policy verify', () => {
    it('passes a matching pull request with every approval, and reports idp/policy', async () => {
      await submit('production', 'large')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      server.addReview('acme', 'infrastructure', 1, {login: 'fin-one', state: 'APPROVED'})

      const result = await verify()
      assert.equal(result.status, 0, result.stderr)
      server.assertNoViolations()
      assert.match(result.stdout, /^Pull request #1 .*\/pull\/1: ✓ approved$/m)
      assert.match(result.stdout, /^ {2}Approved: 1\/1 from @team-leads, 1\/1 from @finance\.$/m)
      assert.match(result.stdout, /^ {2}✓ 1\/1 from @finance \(finance\): approved by fin-one$/m)
      const statuses = server.statusesOf('acme', 'infrastructure', head())
      assert.deepEqual(
        statuses.map(({context, state, description, creator}) => ({context, state, description, creator})),
        [{context: 'idp/policy', state: 'success', description: 'Approved: 1/1 from @team-leads, 1/1 from @finance.', creator: 'idp-bot'}],
      )
    })

    it('waits for a missing finance approval: pending status and exit 8', async () => {
      await submit('production', 'large')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})

      const result = await verify()
      assert.equal(result.status, 8, result.stderr)
      assert.match(result.stdout, /^ {2}Waiting for approval: 1\/1 from @team-leads, 0\/1 from @finance\.$/m)
      assert.match(result.stdout, /^ {2}… 0\/1 from @finance \(finance\): no counting approval yet$/m)
      assert.equal(server.statusesOf('acme', 'infrastructure', head())[0].state, 'pending')
    })

    it("ignores the author's own approval, a non-member's and one of an older commit", async () => {
      await submit('production', 'small')
      const first = head()
      server.addReview('acme', 'infrastructure', 1, {login: 'ada', state: 'APPROVED'})
      server.addReview('acme', 'infrastructure', 1, {login: 'outsider', state: 'APPROVED'})
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED', commitId: 'f'.repeat(40)})

      const result = await verify(['--json'])
      assert.equal(result.status, 8, result.stderr)
      const document = JSON.parse(result.stdout)
      assert.equal(document.outcome, 'waiting_for_approval')
      assert.deepEqual(document.requirements, [
        {
          group: 'team-leads',
          team: 'team-leads',
          count: 1,
          approvals: [],
          satisfied: false,
          sla: '4h',
          ignored: [
            {login: 'ada', reason: 'is the author, whose own approval does not count'},
            {login: 'outsider', reason: 'is not a member of @team-leads'},
            {login: 'lead-one', reason: 'approved an earlier commit'},
          ],
        },
      ])
      assert.equal(head(), first)
    })

    it('counts a member of two required teams once', async () => {
      server.addTeamMember('acme', 'finance', 'lead-one')
      await submit('production', 'large')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})

      const result = await verify()
      assert.equal(result.status, 8, result.stderr)
      assert.match(result.stdout, /^ {2}Waiting for approval: 1\/1 from @team-leads, 0\/1 from @finance\.$/m)
      assert.match(result.stdout, /^ {6}Not counted: lead-one already counts for another requirement, and one person counts once\.$/m)
    })

    it('fails a pull request whose Terraform was changed after it was opened', async () => {
      await submit('production', 'small')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      const original = server.filesAt('acme', 'infrastructure', BRANCH)[MAIN_TF].content.toString()
      const tampered = original.replace('"db.m6g.large"', '"db.m6g.2xlarge"')
      assert.notEqual(tampered, original, 'the fixture must change the instance class')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: {[MAIN_TF]: tampered}, message: 'Bigger'})
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})

      const result = await verify()
      assert.equal(result.status, 1, result.stderr)
      assert.match(result.stdout, /: ✗ files differ from the request$/m)
      assert.match(result.stdout, new RegExp(`^ {2}✗ ${MAIN_TF} differs from the rendered request$`, 'm'))
      assert.match(result.stdout, /^ {6}-.*"db\.m6g\.large"/m)
      assert.match(result.stdout, /^ {6}\+.*"db\.m6g\.2xlarge"/m)
      assert.equal(server.statusesOf('acme', 'infrastructure', head())[0].state, 'failure')
    })

    it('uses the base branch policy, not the pull request copy', async () => {
      await submit('production', 'small')
      const permissive = SHARED_POLICY.replace('when: environment == "dev"', 'when: "true"')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: {'.idp/approval-policy.yaml': permissive}, message: 'Approve everything'})

      const result = await verify(['--json'])
      assert.equal(result.status, 1, result.stderr)
      const document = JSON.parse(result.stdout)
      assert.equal(document.outcome, 'tampered')
      assert.deepEqual(document.files, [{path: '.idp/approval-policy.yaml', problem: 'unexpected'}])
      assert.equal(document.decision.outcome, 'needs_approval')
      assert.equal(document.decision.policy.origin.commit, server.branch('acme', 'infrastructure', 'main'))
    })

    it('denies a request once the base branch policy denies it', async () => {
      await submit('production', 'small')
      const denying = `${SHARED_POLICY}  - id: freeze\n    when: environment == "production"\n    effect: deny\n    message: Production is frozen this week.\n`
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': denying}, message: 'Freeze production'})

      const result = await verify()
      assert.equal(result.status, 3, result.stderr)
      assert.match(result.stdout, /^ {2}Denied by the approval policy: Production is frozen this week\.$/m)
    })

    it('reports a pull request without a recorded request as not managed by idp', async () => {
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'manual', files: {'modules/vpc/main.tf': '# vpc\n'}})
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      await octokit.pulls.create({owner: 'acme', repo: 'infrastructure', head: 'manual', base: 'main', title: 'Add a VPC', body: 'Hand-written.'})

      const passing = await verify()
      assert.equal(passing.status, 0, passing.stderr)
      assert.match(passing.stdout, /: - not managed by idp$/m)
      assert.match(passing.stdout, /^ {2}Not an idp request: the pull request records no request, so the policy gate does not apply\.$/m)
      const strict = await verify(['--require-request', '--no-status'])
      assert.equal(strict.status, 1)
      assert.deepEqual(
        server.statusesOf('acme', 'infrastructure', server.branch('acme', 'infrastructure', 'manual')!).map((status) => status.state),
        ['success'],
      )
    })

    it('reads the Actions event and writes the job summary', async () => {
      await submit('production', 'large')
      const event = sandbox.dir.write('event.json', JSON.stringify({action: 'submitted', pull_request: {number: 1}}))
      const summary = sandbox.dir.write('summary.md', '')
      const result = await as(CI_TOKEN, ['policy', 'verify'], {
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'acme/infrastructure',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_SERVER_URL: 'https://github.example',
        GITHUB_RUN_ID: '77',
      })
      assert.equal(result.status, 8, result.stderr)
      const markdown = readFileSync(summary, 'utf8')
      assert.match(markdown, /^### idp policy: pull request #1$/m)
      assert.match(markdown, /^\| @finance \(finance\) \| 1 \| - \| no \|$/m)
      assert.equal(server.statusesOf('acme', 'infrastructure', head())[0].targetUrl, 'https://github.example/acme/infrastructure/actions/runs/77')
      assert.doesNotMatch(result.stdout + result.stderr + markdown, /ghp_/)
    })

    it('does not judge a pull request into another branch', async () => {
      await submit('production', 'large')
      const lax = SHARED_POLICY.replace('when: environment == "dev"', 'when: "true"')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'lax', files: {'.idp/approval-policy.yaml': lax}})
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      await octokit.pulls.create({owner: 'acme', repo: 'infrastructure', head: BRANCH, base: 'lax', title: 'Same head, laxer base', body: server.pullRequests('acme', 'infrastructure')[0].body ?? ''})

      const result = await as(CI_TOKEN, ['policy', 'verify', '2', '--repository', 'acme/infrastructure'])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /^ {2}Not judged: the pull request targets lax, and the gate protects main\.$/m)
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', head()), [])
    })

    it('fails a create request that changes an existing file', async () => {
      await submit('dev', 'small')
      const files = server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'databases/dev/orders-db/main.tf': '# an existing database\n'}})
      assert.ok(files['databases/dev/orders-db/main.tf'])

      const result = await verify(['--json'])
      assert.equal(result.status, 1, result.stderr)
      assert.deepEqual(JSON.parse(result.stdout).files, [{path: 'databases/dev/orders-db/main.tf', problem: 'exists'}])
    })

    it('fails a pull request that renames another file away', async () => {
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'databases/dev/billing-db/README.md': '# billing\n'}})
      await submit('dev', 'small')
      const readme = server.filesAt('acme', 'infrastructure', 'idp/db-create/orders-db-dev')['databases/dev/orders-db/README.md'].content.toString()
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'databases/dev/billing-db/README.md': readme}})
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'idp/db-create/orders-db-dev', files: {'databases/dev/billing-db/README.md': readme}})
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'idp/db-create/orders-db-dev', files: {'databases/dev/billing-db/README.md': null}})

      const result = await verify(['--json'])
      assert.equal(result.status, 1, result.stderr)
      const document = JSON.parse(result.stdout)
      assert.equal(document.outcome, 'tampered')
      assert.deepEqual(document.files, [{path: 'databases/dev/billing-db/README.md', problem: 'removed'}])
    })

    it('fails an idp pull request whose recorded request was removed', async () => {
      await submit('production', 'large')
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      const body = server.pullRequests('acme', 'infrastructure')[0].body ?? ''
      await octokit.pulls.update({owner: 'acme', repo: 'infrastructure', pull_number: 1, body: body.replace('```json idp-request', '```json')})

      const result = await verify()
      assert.equal(result.status, 1, result.stderr)
      assert.match(result.stdout, /^ {2}The recorded request is invalid: the pull request has the idp label and the idp branch idp\/db-create\/orders-db-production but no recorded request; was the idp-request block removed from its body\?$/m)
      assert.equal(server.statusesOf('acme', 'infrastructure', head())[0].state, 'failure')
    })

    it('rejects a token with a line break without printing it', async () => {
      const result = await as(`${CI_TOKEN}\nsecond-line`, ['policy', 'verify', '1', '--repository', 'acme/infrastructure'])
      assert.equal(result.status, 4)
      assert.match(result.stderr, /^Error: The token in GH_TOKEN contains spaces or line breaks, so it cannot be a GitHub token$/m)
      assert.doesNotMatch(result.stdout + result.stderr, /ghp_|second-line/)
    })

    it('reports nothing when the head moves during the check', async () => {
      await submit('production', 'small')
      const judged = head()
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      server.inject({method: 'GET', path: '/repos/{owner}/{repo}/compare/{basehead}', delayMs: 1000})
      const running = verify()
      while (!server.requests.some((entry) => entry.path.includes('/compare/'))) await new Promise((resolve) => setTimeout(resolve, 20))
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: {'extra.tf': '# extra\n'}})

      const result = await running
      assert.equal(result.status, 1, result.stderr)
      assert.match(result.stderr, new RegExp(`^Error: .*The head of pull request #1 moved from ${judged.slice(0, 12)} to ${head().slice(0, 12)} during the check, so nothing was reported$`, 'm'))
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', judged), [])
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', head()), [])
    })

    it('reports a policy path that the base branch lacks', async () => {
      await submit('production', 'small')
      const result = await verify(['--policy-path', '.idp/missing.yaml'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Error: The policy \.idp\/missing\.yaml does not exist on the base branch main of acme\/infrastructure$/m)
    })

    it('names a pull request that does not exist', async () => {
      const result = await as(CI_TOKEN, ['policy', 'verify', '999', '--repository', 'acme/infrastructure'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Error: Pull request #999 does not exist in acme\/infrastructure$/m)
    })

    it('names a missing pull request number and what to pass', async () => {
      const result = await as(CI_TOKEN, ['policy', 'verify', '--repository', 'acme/infrastructure'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Error: No pull request given$/m)
      assert.match(result.stderr, /GITHUB_EVENT_PATH/)
    })
  })

  describe('approvals escalate', () => {
    const escalate = (args: string[] = []) => as(CI_TOKEN, ['approvals', 'escalate', '--repository', 'acme/infrastructure', ...args])

    it('escalates each late requirement once, with a label, a comment and Slack messages', async () => {
      await submit('production', 'large')
      server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 30 * 3600 * 1000))
      slack.posts.length = 0

      const first = await escalate()
      assert.equal(first.status, 0, first.stderr)
      server.assertNoViolations()
      assert.match(first.stdout, /^#1 @team-leads \(team-leads\): waited 1d 6h of 4h, escalated to @team-leads$/m)
      assert.match(first.stdout, /^#1 @finance \(finance\): waited 1d 6h of 1d, escalated to @finance-leads \(finance-leads\)$/m)
      const [pull] = server.pullRequests('acme', 'infrastructure')
      assert.ok(pull.labels.includes('idp:escalated'), pull.labels.join(', '))
      assert.ok(pull.requestedTeams.includes('finance-leads'), pull.requestedTeams.join(', '))
      const comments = server.commentsOf('acme', 'infrastructure', 1)
      assert.equal(comments.length, 2)
      assert.match(comments[1].body, /^<!-- idp-escalation: finance -->\n\*\*Escalated:\*\* the approval of @acme\/finance \(finance\) has waited 1d 6h, longer than its SLA of 1d\./)
      assert.deepEqual(slack.posts.map((post) => post.path).sort(), ['/finance', '/leads'])

      const second = await escalate()
      assert.equal(second.status, 0, second.stderr)
      assert.match(second.stdout, /^#1 @finance \(finance\): waited 1d 6h of 1d, already escalated$/m)
      assert.equal(server.commentsOf('acme', 'infrastructure', 1).length, 2)
    })

    it('escalates with an App token', async () => {
      const APP_TOKEN = 'ghs_appinstallation0123456789'
      server.addToken(APP_TOKEN, {login: 'idp-gate[bot]', installation: true})
      await submit('production', 'small')
      server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 5 * 3600 * 1000))
      const asApp = (extra: Record<string, string> = {}) => as(APP_TOKEN, ['approvals', 'escalate', '--repository', 'acme/infrastructure', '--json'], extra)

      const rejected = await asApp()
      assert.equal(rejected.status, 2, rejected.stderr)
      const {error} = JSON.parse(rejected.stdout) as {error: {code: string; hint: string}}
      assert.equal(error.code, 'BOT_LOGIN_REQUIRED')
      assert.match(error.hint, /^A GitHub App installation token cannot read GET \/user\. Set IDP_BOT_LOGIN \(the bot-login input of idp's GitHub Action\) /)
      assert.deepEqual(server.commentsOf('acme', 'infrastructure', 1), [])

      for (const expected of ['escalated', 'already_escalated']) {
        const result = await asApp({IDP_BOT_LOGIN: 'idp-gate[bot]'})
        assert.equal(result.status, 0, result.stderr)
        const document = JSON.parse(result.stdout) as {checks: Array<{group: string; result: string}>}
        assert.deepEqual(document.checks.map((check) => [check.group, check.result]), [['team-leads', expected]])
      }

      assert.deepEqual(server.commentsOf('acme', 'infrastructure', 1).map((comment) => comment.user), ['idp-gate[bot]'])
      assert.doesNotMatch(rejected.stdout + rejected.stderr, /ghs_/)
      server.assertNoViolations()
    })

    it("ignores an escalation marker that someone else wrote", async () => {
      await submit('production', 'small')
      server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 5 * 3600 * 1000))
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      await octokit.issues.createComment({owner: 'acme', repo: 'infrastructure', issue_number: 1, body: '<!-- idp-escalation: team-leads -->'})

      const result = await escalate()
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /^#1 @team-leads \(team-leads\): waited 5h of 4h, escalated to @team-leads$/m)
    })

    it('skips requests within the SLA, and dry runs write nothing', async () => {
      await submit('production', 'large')
      const fresh = await escalate()
      assert.equal(fresh.status, 0, fresh.stderr)
      assert.match(fresh.stdout, /^#1 @finance \(finance\): waited 0m of 1d, within the SLA$/m)

      const summary = sandbox.dir.write('summary.md', '')
      const later = await as(CI_TOKEN, ['approvals', 'escalate', '--repository', 'acme/infrastructure', '--dry-run', '--now', new Date(Date.now() + 5 * 3600 * 1000).toISOString()], {GITHUB_STEP_SUMMARY: summary})
      assert.equal(later.status, 0, later.stderr)
      assert.match(later.stdout, /^#1 @team-leads \(team-leads\): waited 5h of 4h, would escalate to @team-leads$/m)
      assert.equal(server.commentsOf('acme', 'infrastructure', 1).length, 0)
      assert.match(readFileSync(summary, 'utf8'), /^Dry run: would escalate 1 of 2 requirements with an SLA\.$/m)
      assert.match(readFileSync(summary, 'utf8'), /^\| #1 \| @team-leads \(team-leads\) \| 5h \| 4h \| would escalate to @team-leads \|$/m)
    })
  })

  describe('notifications', () => {
    it('tells the required groups on Slack when a request needs approval', async () => {
      const result = await submit('production', 'large')
      assert.match(result.stderr, /Told team-leads, finance on Slack that the request needs their approval/)
      assert.deepEqual(slack.posts.map((post) => post.path), ['/leads', '/finance'])
      assert.match(slack.posts[1].body.text, /^PostgreSQL database needs 1 approval from finance\. Requested by /)
      assert.match(JSON.stringify(slack.posts[1].body), /Grants: team:payments gets orders_db_readwrite on database orders_db/)
    })

    it('warns about a failed webhook and still submits the request', async () => {
      const result = await as(REQUESTER_TOKEN, request('production', 'small'), {SLACK_LEADS: `${slackUrl}/broken`})
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stderr, /The Slack approval request to team-leads was not sent: Slack returned HTTP 500/)
      assert.doesNotMatch(result.stderr, /\/broken/)
    })

    it('sends nothing for an auto-approved request', async () => {
      await submit('dev', 'small')
      assert.deepEqual(slack.posts, [])
    })
  })

  describe('idp approve', () => {
    const url = () => `${server.url}/acme/infrastructure/pull/1`

    it('approves after showing the judgement, and the approval counts', async () => {
      await submit('production', 'small')
      const result = await as('ghp_leadone', ['approve', 'acme/infrastructure#1', '--yes'])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stderr, /^ {2}Waiting for approval: 0\/1 from @team-leads\.$/m)
      assert.match(result.stderr, /^Your approval counts for @acme\/team-leads\.$/m)
      assert.match(result.stdout, /^Approved pull request #1 as lead-one: /m)

      const after = await verify()
      assert.equal(after.status, 0, after.stderr)
    })

    it("refuses the author's own pull request", async () => {
      await submit('production', 'small')
      const result = await as(REQUESTER_TOKEN, ['approve', url(), '--yes'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Error: You \(ada\) opened pull request #1, and GitHub does not let authors approve their own pull requests$/m)
    })

    it('refuses a pull request whose files differ from the request', async () => {
      await submit('production', 'small')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: {'extra.tf': '# extra\n'}})
      const result = await as('ghp_leadone', ['approve', url(), '--yes'])
      assert.equal(result.status, 1)
      assert.match(result.stderr, /^Error: idp does not approve pull request #1: The files differ/m)
    })

    it('rejects an approval that would not count, and a second approval', async () => {
      await submit('production', 'small')
      const outsider = await as('ghp_outsider', ['approve', url(), '--yes'])
      assert.equal(outsider.status, 2)
      assert.match(outsider.stderr, /^Error: Your approval \(outsider\) would not count: you are not a member of @acme\/team-leads$/m)

      assert.equal((await as('ghp_leadone', ['approve', url(), '--yes'])).status, 0)
      const again = await as('ghp_leadone', ['approve', url(), '--yes'])
      assert.equal(again.status, 0, again.stderr)
      assert.match(again.stdout, /^You \(lead-one\) already approved the current version of pull request #1; nothing to do\.$/m)
    })

    it('rejects a pull request URL of another host', async () => {
      await submit('production', 'small')
      const result = await as('ghp_leadone', ['approve', 'https://github.example.com/acme/infrastructure/pull/1', '--yes'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Error: The pull request is on github\.example\.com, but idp talks to 127\.0\.0\.1:\d+/m)
    })

    it('rejects denied, unmanaged and unknown pull requests', async () => {
      await submit('production', 'small')
      const denying = `${SHARED_POLICY}  - id: freeze\n    when: environment == "production"\n    effect: deny\n    message: Production is frozen.\n`
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': denying}})
      const denied = await as('ghp_leadone', ['approve', url(), '--yes'])
      assert.equal(denied.status, 3)
      assert.match(denied.stderr, /^Error: idp does not approve pull request #1: Denied by the approval policy: Production is frozen\.$/m)

      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'manual', files: {'notes.md': '# notes\n'}})
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      await octokit.pulls.create({owner: 'acme', repo: 'infrastructure', head: 'manual', base: 'main', title: 'Notes', body: 'By hand.'})
      const unmanaged = await as('ghp_leadone', ['approve', 'acme/infrastructure#2', '--yes'])
      assert.equal(unmanaged.status, 2)
      assert.match(unmanaged.stderr, /^Error: Pull request #2 is not an idp request$/m)

      const unknown = await as('ghp_leadone', ['approve', 'no-such-run', '--yes'])
      assert.equal(unknown.status, 2)
    })

    it('asks for --yes when it cannot prompt', async () => {
      await submit('production', 'small')
      const result = await as('ghp_leadone', ['approve', url()])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^Next: Add --yes to approve without asking\.$/m)
    })
  })

  describe('auto-merge', () => {
    it('turns on auto-merge for an auto-approved request when configured', async () => {
      sandbox.dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n    autoMerge: true\n')
      const result = await submit('dev', 'small')
      assert.match(result.stderr, /turned on auto-merge/)
      const [pull] = server.pullRequests('acme', 'infrastructure')
      assert.deepEqual(pull.autoMerge, {mergeMethod: 'SQUASH', enabledBy: 'ada'})
      assert.match(pull.body ?? '', /Auto-merge is on: the change merges once the required checks pass\./)
    })

    it('warns and still succeeds when the repository forbids auto-merge', async () => {
      server.createRepository({owner: 'acme', name: 'locked', allowAutoMerge: false, files: {'README.md': '# Locked\n'}})
      sandbox.dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/locked\n    autoMerge: true\n')
      const result = await as(REQUESTER_TOKEN, request('dev', 'small'))
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stderr, /^! Auto-merge is not on for pull request #1: .*auto merge is not allowed for this repository.*\. Merge it once the checks pass\.$/im)
      assert.equal(server.pullRequests('acme', 'locked')[0].autoMerge, null)
    })

    it('leaves auto-merge off for a request that needs approval', async () => {
      sandbox.dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n    autoMerge: true\n')
      await submit('production', 'small')
      assert.equal(server.pullRequests('acme', 'infrastructure')[0].autoMerge, null)
    })
  })
})
