import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, symlinkSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Octokit} from '@octokit/rest'
import {parse} from 'yaml'

import {binPath, runCliAsync} from './support/cli.js'
import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import type {GitHubTestServer} from './support/github-server.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BRANCH = 'idp/db-create/orders-db-production'
const MAIN_TF = 'databases/production/orders-db/main.tf'
const REQUESTER_TOKEN = 'ghp_requestertoken'
const CI_TOKEN = 'ghp_gatetoken0123456789'

const POLICY = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  finance: {team: finance}
  finance-leads: {team: finance-leads}
default:
  effect: require
  require: [{group: team-leads}]
  message: A team lead approves what no rule covers.
rules:
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

interface ActionStep {
  id?: string
  name?: string
  uses?: string
  shell?: string
  run?: string
  with?: Record<string, string>
  env?: Record<string, string>
  'working-directory'?: string
}

interface ActionDefinition {
  name: string
  inputs: Record<string, {description: string; required: boolean; default: string}>
  outputs: Record<string, {description: string; value: string}>
  runs: {using: string; steps: ActionStep[]}
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionDefinition
const scriptSource = readFileSync(join(ROOT, 'action', 'run.mjs'), 'utf8')
const idpStep = action.runs.steps.find((step) => step.id === 'idp')!

/** Variables that the runner sets for every step, which the script may read besides the step's env. */
const RUNNER_VARIABLES = ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']

/**
 * Returns the env of the step that runs the script, with the expressions evaluated as the
 * runner would: `${{ inputs.x }}` is the input given, else its default.
 */
function stepEnv(inputValues: Record<string, string>, githubToken: string): Record<string, string> {
  const evaluate = (text: string): string =>
    text.replaceAll(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expression: string) => {
      if (expression === 'github.token') return githubToken
      const name = /^inputs\.([\w-]+)$/.exec(expression)?.[1]
      if (!name || !(name in action.inputs)) throw new Error(`The step uses the expression ${expression}, which the test cannot evaluate`)
      return name in inputValues ? inputValues[name] : evaluate(action.inputs[name].default)
    })
  return Object.fromEntries(Object.entries(idpStep.env ?? {}).map(([key, value]) => [key, evaluate(value)]))
}

/** What a run of the step left behind: the job log (stdout and stderr in order), the outputs file and the job summary. */
interface StepRun {
  status: number | null
  log: string
  outputs: string
  summary: string
}

describe('the GitHub Action', () => {
  describe('action.yml', () => {
    it('declares the documented inputs and outputs', () => {
      assert.equal(action.runs.using, 'composite')
      assert.deepEqual(
        Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default])),
        {command: 'verify', token: '${{ github.token }}', 'policy-path': '', base: '', 'require-request': 'false', 'pull-request': '', 'bot-login': '', 'node-version': '20'},
      )
      assert.ok(Object.values(action.inputs).every((input) => input.required === false && input.description.length > 0))
      assert.deepEqual(action.outputs, {
        decision: {description: action.outputs.decision.description, value: '${{ steps.idp.outputs.decision }}'},
        escalated: {description: action.outputs.escalated.description, value: '${{ steps.idp.outputs.escalated }}'},
        'exit-code': {description: action.outputs['exit-code'].description, value: '${{ steps.idp.outputs.exit-code }}'},
      })
    })

    it('installs the packed idp, then runs', () => {
      const [setup, install, run] = action.runs.steps
      assert.equal(action.runs.steps.length, 3)
      assert.deepEqual(setup, {name: 'Set up Node.js', uses: 'actions/setup-node@v4', with: {'node-version': '${{ inputs.node-version }}'}})
      assert.equal(install['working-directory'], '${{ github.action_path }}')
      assert.deepEqual(install.run!.trim().split('\n'), [
        'npm ci --no-audit --no-fund',
        'tarball="$(npm pack --silent --pack-destination "$RUNNER_TEMP" | tail -n 1)"',
        'npm install --global --prefix "$RUNNER_TEMP/idp-action" --no-audit --no-fund "$RUNNER_TEMP/$tarball"',
        'echo "$RUNNER_TEMP/idp-action/bin" >> "$GITHUB_PATH"',
      ])
      assert.equal(run, idpStep)
      assert.equal(run.shell, 'bash')
      assert.equal(run.run, 'node "$GITHUB_ACTION_PATH/action/run.mjs"')
    })

    it('keeps the token out of the install step', () => {
      const install = action.runs.steps[1]
      assert.equal(install.env, undefined)
      assert.doesNotMatch(JSON.stringify(install), /inputs\.|token/i)
    })

    it('maps each input to the script env', () => {
      const passed = Object.entries(idpStep.env ?? {}).map(([variable, value]) => [variable, /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(value)?.[1]])
      assert.deepEqual(passed, [
        ['INPUT_COMMAND', 'command'],
        ['INPUT_TOKEN', 'token'],
        ['INPUT_POLICY_PATH', 'policy-path'],
        ['INPUT_BASE', 'base'],
        ['INPUT_REQUIRE_REQUEST', 'require-request'],
        ['INPUT_PULL_REQUEST', 'pull-request'],
        ['INPUT_BOT_LOGIN', 'bot-login'],
      ])
      const reaching = new Set([...passed.map(([, input]) => input), 'node-version'])
      assert.deepEqual(Object.keys(action.inputs).filter((input) => !reaching.has(input)), [])
    })

    it('script reads only variables the step sets', () => {
      assert.equal(scriptSource.match(/process\.env/g)?.length, 1, 'the script reads the environment only through `env`')
      assert.match(scriptSource, /^const env = process\.env$/m)
      assert.doesNotMatch(scriptSource, /\benv\s*\[/, 'a computed name would escape this check')
      assert.doesNotMatch(scriptSource, /\{[^}]*\}\s*=\s*env\b/, 'a destructured name would escape this check')
      const read = new Set([...scriptSource.matchAll(/\benv\.([A-Za-z_]\w*)/g)].map((match) => match[1]))
      const allowed = new Set([...Object.keys(idpStep.env ?? {}), ...RUNNER_VARIABLES])
      assert.deepEqual([...read].filter((name) => !allowed.has(name)), [])
      assert.deepEqual([...allowed].filter((name) => !read.has(name)), [], 'every variable the step sets is used')
    })
  })

  describe('docs/github-action.md', () => {
    const markdown = readFileSync(join(ROOT, 'docs', 'github-action.md'), 'utf8')
    const firstColumn = (heading: string): string[] => {
      const table = markdown.split(`\n| ${heading} |`)[1].split('\n\n')[0]
      return [...table.matchAll(/^\| `([\w-]+)` \|/gm)].map((match) => match[1])
    }

    it('lists every input and output', () => {
      assert.deepEqual(firstColumn('Input'), Object.keys(action.inputs))
      assert.deepEqual(firstColumn('Output'), Object.keys(action.outputs))
    })

    it('workflows use only declared inputs', () => {
      const blocks = [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => parse(match[1]) as unknown)
      const steps = blocks.flatMap((block) => {
        if (Array.isArray(block)) return block as ActionStep[]
        const jobs = (block as {jobs?: Record<string, {steps: ActionStep[]}>}).jobs ?? {}
        return Object.values(jobs).flatMap((job) => job.steps)
      })
      const gateSteps = steps.filter((step) => step.uses?.startsWith('acme/idp@'))
      assert.equal(gateSteps.length, 4)
      for (const step of gateSteps) assert.deepEqual(Object.keys(step.with ?? {}).filter((input) => !(input in action.inputs)), [])
      const outputsRead = [...markdown.matchAll(/steps\.(?:gate|escalate)\.outputs\.([\w-]+)/g)].map((match) => match[1])
      assert.deepEqual(outputsRead.filter((output) => !(output in action.outputs)), [])
    })
  })

  describe('the step', () => {
    let sandbox: GitHubSandbox
    let server: GitHubTestServer
    let runs = 0

    beforeEach(async () => {
      sandbox = await startGitHubSandbox('action')
      server = sandbox.server
      server.addToken(REQUESTER_TOKEN, {login: 'ada'})
      server.addToken(CI_TOKEN, {login: 'idp-bot'})
      for (const team of ['team-leads', 'finance', 'finance-leads']) server.addTeam('acme', team)
      server.addTeamMember('acme', 'team-leads', 'lead-one')
      server.addTeamMember('acme', 'finance', 'fin-one')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'main', files: {'.idp/approval-policy.yaml': POLICY}, message: 'Add the approval policy'})
      // `idp` on PATH is this checkout's built command, as the install step puts the packed one there.
      mkdirSync(join(sandbox.dir.path, 'bin'))
      symlinkSync(binPath, join(sandbox.dir.path, 'bin', 'idp'))
    })

    afterEach(async () => {
      await sandbox.stop()
    })

    const head = () => server.branch('acme', 'infrastructure', BRANCH)!

    async function submit(environment: string, size: string): Promise<void> {
      const args = ['db', 'create', '--name', 'orders-db', '--environment', environment, '--size', size, '--team', 'payments', '--yes']
      const result = await runCliAsync(args, {cwd: join(sandbox.dir.path, 'work'), env: {...sandbox.env, GH_TOKEN: REQUESTER_TOKEN}})
      assert.equal(result.status, 0, result.stderr)
    }

    /**
     * Runs the step's `run` line with bash, as the runner does, with the step's env and the
     * variables GitHub sets. The event is a pull_request_target payload for pull request 1
     * unless `event` is null.
     */
    async function runStep(inputs: Record<string, string>, options: {event?: object | null; githubToken?: string} = {}): Promise<StepRun> {
      runs += 1
      const folder = `run-${runs}`
      const event = options.event === null ? undefined : sandbox.dir.write(`${folder}/event.json`, JSON.stringify(options.event ?? {action: 'opened', number: 1, pull_request: {number: 1}}))
      const outputs = sandbox.dir.write(`${folder}/output`, '')
      const summary = sandbox.dir.write(`${folder}/summary.md`, '')
      const logPath = join(sandbox.dir.path, folder, 'log')
      const {GH_TOKEN: _requesterToken, ...sandboxEnv} = sandbox.env
      const env: NodeJS.ProcessEnv = {
        ...sandboxEnv,
        PATH: [join(sandbox.dir.path, 'bin'), dirname(process.execPath), sandbox.env.PATH].join(delimiter),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_WORKSPACE: join(sandbox.dir.path, 'work'),
        GITHUB_EVENT_NAME: 'pull_request_target',
        ...(event ? {GITHUB_EVENT_PATH: event} : {}),
        GITHUB_REPOSITORY: 'acme/infrastructure',
        GITHUB_API_URL: server.url,
        GITHUB_SERVER_URL: 'https://github.example',
        GITHUB_RUN_ID: '77',
        GITHUB_OUTPUT: outputs,
        GITHUB_STEP_SUMMARY: summary,
        RUNNER_TEMP: join(sandbox.dir.path, folder),
        ...stepEnv(inputs, options.githubToken ?? CI_TOKEN),
      }

      // One file for stdout and stderr keeps their order, as in the job log.
      const log = openSync(logPath, 'w')
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', idpStep.run!], {cwd: join(sandbox.dir.path, 'work'), env, stdio: ['ignore', log, log]})
      const status = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject)
        child.on('close', resolve)
      })
      closeSync(log)
      return {status, log: readFileSync(logPath, 'utf8'), outputs: readFileSync(outputs, 'utf8'), summary: readFileSync(summary, 'utf8')}
    }

    /** Asserts that the token is masked first and appears nowhere else: not in the log, the outputs or the summary. */
    function assertTokenHidden(run: StepRun, token = CI_TOKEN): void {
      assert.equal(run.log.split('\n')[0], `::add-mask::${token}`)
      assert.deepEqual(run.log.split('\n').filter((line) => line.includes(token)), [`::add-mask::${token}`])
      assert.doesNotMatch(run.outputs + run.summary, new RegExp(token))
    }

    /** Returns the lines the step printed between stopping and resuming workflow commands. */
    function commandFreeLines(log: string): string[] {
      const lines = log.split('\n')
      const stop = lines.findIndex((line) => line.startsWith('::stop-commands::'))
      assert.ok(stop >= 0, log)
      const resume = lines.indexOf(`::${lines[stop].slice('::stop-commands::'.length)}::`)
      assert.ok(resume > stop, log)
      return lines.slice(stop + 1, resume)
    }

    it('reports an approved pull request', async () => {
      await submit('production', 'large')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      server.addReview('acme', 'infrastructure', 1, {login: 'fin-one', state: 'APPROVED'})

      const run = await runStep({base: 'main', 'require-request': 'true'})
      assert.equal(run.status, 0, run.log)
      server.assertNoViolations()
      assert.equal(run.outputs, 'decision=approved\nexit-code=0\n')
      // idp writes this summary; the step adds nothing to it.
      assert.equal(
        run.summary,
        [
          '### idp policy: pull request #1',
          '',
          '**approved**: Approved: 1/1 from @team-leads, 1/1 from @finance.',
          '',
          '| Approvers | Needed | Counted approvals | Met |',
          '|---|---|---|---|',
          '| @team-leads (team-leads) | 1 | lead-one | yes |',
          '| @finance (finance) | 1 | fin-one | yes |',
          '',
          'Recomputed request: `name=orders-db, environment=production, size=large, team=payments`, $800 per month.',
          '',
          `Policy: \`acme/infrastructure:.idp/approval-policy.yaml at main ${server.branch('acme', 'infrastructure', 'main')!.slice(0, 12)}\``,
          '',
          '',
        ].join('\n'),
      )
      const printed = commandFreeLines(run.log)
      assert.deepEqual(printed.slice(-4), [
        'Pull request #1: approved (exit code 0)',
        '  Approved: 1/1 from @team-leads, 1/1 from @finance.',
        '  met: 1/1 from @team-leads (team-leads), approved by lead-one',
        '  met: 1/1 from @finance (finance), approved by fin-one',
      ])
      const statuses = server.statusesOf('acme', 'infrastructure', head())
      assert.deepEqual(
        statuses.map(({context, state, creator, targetUrl}) => ({context, state, creator, targetUrl})),
        [{context: 'idp/policy', state: 'success', creator: 'idp-bot', targetUrl: 'https://github.example/acme/infrastructure/actions/runs/77'}],
      )
      assertTokenHidden(run)
    })

    it('fails a pending pull request with exit 8', async () => {
      await submit('production', 'large')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})

      const run = await runStep({base: 'main'})
      assert.equal(run.status, 8, run.log)
      assert.equal(run.outputs, 'decision=pending\nexit-code=8\n')
      assert.match(run.summary, /^\*\*waiting for approval\*\*: Waiting for approval: 1\/1 from @team-leads, 0\/1 from @finance\.$/m)
      assert.match(run.summary, /^\| @finance \(finance\) \| 1 \| - \| no \|$/m)
      assert.deepEqual(commandFreeLines(run.log).slice(-4), [
        'Pull request #1: pending (exit code 8)',
        '  Waiting for approval: 1/1 from @team-leads, 0/1 from @finance.',
        '  met: 1/1 from @team-leads (team-leads), approved by lead-one',
        '  unmet: 0/1 from @finance (finance), no counting approval yet',
      ])
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', head()).map((status) => status.state), ['pending'])
      assertTokenHidden(run)
    })

    it('fails a tampered pull request', async () => {
      await submit('production', 'small')
      server.addReview('acme', 'infrastructure', 1, {login: 'lead-one', state: 'APPROVED'})
      const original = server.filesAt('acme', 'infrastructure', BRANCH)[MAIN_TF].content.toString()
      const tampered = original.replace('"db.m6g.large"', '"db.m6g.2xlarge"')
      assert.notEqual(tampered, original, 'the fixture must change the instance class')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: BRANCH, files: {[MAIN_TF]: tampered}, message: 'Bigger'})

      const run = await runStep({base: 'main'})
      assert.equal(run.status, 1, run.log)
      assert.equal(run.outputs, 'decision=tampered\nexit-code=1\n')
      assert.match(run.summary, new RegExp(`^\\| \`${MAIN_TF}\` \\| changed \\|$`, 'm'))
      assert.ok(commandFreeLines(run.log).includes(`  file ${MAIN_TF}: changed`), run.log)
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', head()).map((status) => status.state), ['failure'])
      assertTokenHidden(run)
    })

    it('escalates late requirements once', async () => {
      await submit('production', 'large')
      server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 30 * 3600 * 1000))

      const first = await runStep({command: 'escalate', base: 'main'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(first.status, 0, first.log)
      server.assertNoViolations()
      assert.equal(first.outputs, 'escalated=2\nexit-code=0\n')
      assert.equal(
        first.summary,
        [
          '### idp approvals escalate',
          '',
          'Escalated 2 of 2 requirements with an SLA.',
          '',
          '| Pull request | Approvers | Waited | SLA | Result |',
          '|---|---|---|---|---|',
          '| #1 | @team-leads (team-leads) | 1d 6h | 4h | escalated to @team-leads |',
          '| #1 | @finance (finance) | 1d 6h | 1d | escalated to @finance-leads (finance-leads) |',
          '',
          '',
        ].join('\n'),
      )
      assert.deepEqual(commandFreeLines(first.log).slice(-3), [
        '#1 @team-leads (team-leads): waited 1d 6h of 4h, escalated to @team-leads',
        '#1 @finance (finance): waited 1d 6h of 1d, escalated to @finance-leads (finance-leads)',
        'Escalated 2 of 2 requirements with an SLA.',
      ])
      assert.equal(server.commentsOf('acme', 'infrastructure', 1).length, 2)
      assertTokenHidden(first)

      const second = await runStep({command: 'escalate', base: 'main'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(second.status, 0, second.log)
      assert.equal(second.outputs, 'escalated=0\nexit-code=0\n')
      assert.match(second.summary, /^\| #1 \| @finance \(finance\) \| 1d 6h \| 1d \| already escalated \|$/m)
      assert.equal(server.commentsOf('acme', 'infrastructure', 1).length, 2)
    })

    it('escalates with an App token', async () => {
      const APP_TOKEN = 'ghs_actionapptoken0123456789'
      server.addToken(APP_TOKEN, {login: 'idp-gate[bot]', installation: true})
      await submit('production', 'small')
      server.setPullRequestCreatedAt('acme', 'infrastructure', 1, new Date(Date.now() - 5 * 3600 * 1000))

      const rejected = await runStep({command: 'escalate', token: APP_TOKEN}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(rejected.status, 2, rejected.log)
      assert.match(rejected.log, /Set IDP_BOT_LOGIN \(the bot-login input of idp's GitHub Action\) to the App's bot account/)
      assertTokenHidden(rejected, APP_TOKEN)

      const run = await runStep({command: 'escalate', token: APP_TOKEN, 'bot-login': 'idp-gate[bot]'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(run.status, 0, run.log)
      assert.equal(run.outputs, 'escalated=1\nexit-code=0\n')
      assert.deepEqual(server.commentsOf('acme', 'infrastructure', 1).map((comment) => comment.user), ['idp-gate[bot]'])
      const again = await runStep({command: 'escalate', token: APP_TOKEN, 'bot-login': 'idp-gate[bot]'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(again.outputs, 'escalated=0\nexit-code=0\n')
    })

    it('reports an empty escalation run', async () => {
      const run = await runStep({command: 'escalate'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(run.status, 0, run.log)
      assert.equal(run.outputs, 'escalated=0\nexit-code=0\n')
      assert.equal(run.summary, '### idp approvals escalate\n\nNo open idp pull request waits for an approval with an SLA.\n\n')
    })

    it('warns about verify inputs given to escalate', async () => {
      const run = await runStep({command: 'escalate', 'pull-request': '3', 'require-request': 'true'}, {event: {schedule: '*/30 * * * *'}})
      assert.equal(run.status, 0, run.log)
      assert.deepEqual(run.log.split('\n').filter((line) => line.startsWith('::warning::')), [
        '::warning::The require-request input applies to command: verify only, so escalate ignores it.',
        '::warning::The pull-request input applies to command: verify only, so escalate ignores it.',
      ])
    })

    it('pull-request input replaces the event', async () => {
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'manual', files: {'modules/vpc/main.tf': '# vpc\n'}})
      const octokit = new Octokit({auth: REQUESTER_TOKEN, baseUrl: server.url, log: {debug() {}, info() {}, warn() {}, error() {}}})
      await octokit.pulls.create({owner: 'acme', repo: 'infrastructure', head: 'manual', base: 'main', title: 'Add a VPC', body: 'Hand-written.'})
      const manualHead = server.branch('acme', 'infrastructure', 'manual')!

      const lenient = await runStep({'pull-request': '#1'}, {event: null})
      assert.equal(lenient.status, 0, lenient.log)
      assert.equal(lenient.outputs, 'decision=not-managed\nexit-code=0\n')
      const strict = await runStep({'pull-request': '1', 'require-request': 'TRUE'}, {event: null})
      assert.equal(strict.status, 1, strict.log)
      assert.equal(strict.outputs, 'decision=not-managed\nexit-code=1\n')
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', manualHead).map((status) => status.state), ['success', 'failure'])
    })

    it('base input skips other branches', async () => {
      await submit('production', 'large')
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: 'release', files: {'.idp/approval-policy.yaml': POLICY}})

      const run = await runStep({base: 'release'})
      assert.equal(run.status, 0, run.log)
      assert.equal(run.outputs, 'decision=not-judged\nexit-code=0\n')
      assert.match(run.summary, /^\*\*other base\*\*: Not judged: the pull request targets main, and the gate protects release\.$/m)
      assert.deepEqual(server.statusesOf('acme', 'infrastructure', head()), [])
    })

    it('reports a missing policy-path', async () => {
      await submit('production', 'large')

      const run = await runStep({'policy-path': '.idp/missing.yaml'})
      assert.equal(run.status, 2, run.log)
      assert.equal(run.outputs, 'decision=error\nexit-code=2\n')
      assert.match(run.summary, /^### idp policy verify: error\n\n\*\*Exit code 2\*\*: The policy \.idp\/missing\.yaml does not exist on the base branch main of acme\/infrastructure\n/)
      assert.ok(commandFreeLines(run.log).includes('idp policy verify failed with exit code 2: The policy .idp/missing.yaml does not exist on the base branch main of acme/infrastructure'), run.log)
      assertTokenHidden(run)
    })

    it('rejects an empty token without running idp', async () => {
      const run = await runStep({token: ''})
      assert.equal(run.status, 4, run.log)
      assert.equal(run.outputs, 'decision=error\nexit-code=4\n')
      assert.match(run.log, /^::error::The token input is empty\nNext: Pass a token/m)
      assert.match(run.summary, /^### idp policy verify: error\n\n\*\*Exit code 4\*\*: The token input is empty\n\nNext: Pass a token/)
      assert.deepEqual(server.requests, [])
    })

    it('masks each line of a token with a line break', async () => {
      const token = `${CI_TOKEN}\nsecond-line-of-it`
      const run = await runStep({token})
      assert.equal(run.status, 4, run.log)
      assert.equal(run.outputs, 'decision=error\nexit-code=4\n')
      assert.deepEqual(run.log.split('\n').slice(0, 3), [`::add-mask::${CI_TOKEN}%0Asecond-line-of-it`, `::add-mask::${CI_TOKEN}`, '::add-mask::second-line-of-it'])
      const unmasked = run.log.split('\n').slice(3).join('\n') + run.outputs + run.summary
      assert.doesNotMatch(unmasked, new RegExp(`${CI_TOKEN}|second-line-of-it`))
      assert.match(run.summary, /\*\*Exit code 4\*\*: The token in GH\\_TOKEN contains spaces or line breaks, so it cannot be a GitHub token/)
    })

    const invalidInputs: Array<[string, Record<string, string>, string]> = [
      ['command', {command: 'deploy'}, 'The command input "deploy" is not verify or escalate'],
      ['require-request', {'require-request': 'yes'}, 'The require-request input "yes" is not true or false'],
      ['pull-request', {'pull-request': '--no-status'}, 'The pull-request input "--no-status" is not a pull request number'],
    ]
    for (const [input, inputValues, message] of invalidInputs) {
      it(`rejects an invalid ${input} input with exit 2`, async () => {
        const run = await runStep(inputValues)
        assert.equal(run.status, 2, run.log)
        assert.equal(run.outputs, 'decision=error\nexit-code=2\n')
        assert.match(run.log, new RegExp(`^::error::${message.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
        assert.deepEqual(server.requests, [])
        assertTokenHidden(run)
      })
    }
  })
})
