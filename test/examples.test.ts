import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, readFileSync} from 'node:fs'
import {join, posix} from 'node:path'
import {parse} from 'yaml'

import {runCli, runCliAsync, sandboxEnv} from './support/cli.js'
import {exampleRepositoryFiles, exampleRepositoryPath} from './support/example-repository.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

// The interface of idp's GitHub Action (action.yml), which the example workflows call.
const ACTION = 'acme/idp@v0'
const ACTION_INPUTS = Object.keys((parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {inputs: Record<string, unknown>}).inputs)
const ACTION_OUTPUTS = ['decision', 'exit-code']
const ACTION_COMMANDS = ['verify', 'escalate']

const TOKEN = 'ghp_examplestoken0123456789'

/** The parts of a GitHub Actions workflow that the checks below read. */
interface Workflow {
  name: string
  on: Record<string, unknown>
  permissions: Record<string, string>
  concurrency?: {group: string; 'cancel-in-progress': boolean}
  jobs: Record<string, {permissions?: Record<string, string>; environment?: string; steps: Step[]}>
}

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}

function readWorkflow(name: string): Workflow {
  return parse(readFileSync(join(exampleRepositoryPath, '.github', 'workflows', name), 'utf8')) as Workflow
}

/** Returns the steps of every job that call idp's action. */
function idpSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses?.split('@')[0] === ACTION.split('@')[0]))
}

/** Returns the names of the module variables in a Terraform file, each with whether it has a default. */
function moduleVariables(variablesTf: string): Map<string, boolean> {
  const variables = new Map<string, boolean>()
  for (const block of variablesTf.split(/^(?=variable ")/m).slice(1)) {
    const name = /^variable "([\w-]+)"/.exec(block)![1]
    variables.set(name, /^\s+default\s+=/m.test(block))
  }

  return variables
}

/** Returns the `source` and the argument names of each module block in a rendered Terraform file. */
function moduleCalls(mainTf: string): Array<{source: string; arguments: string[]}> {
  return [...mainTf.matchAll(/^module "[\w-]+" \{\n([\s\S]*?)^\}/gm)].map((match) => {
    const names = [...match[1].matchAll(/^ {2}(\w+)\s+=/gm)].map((argument) => argument[1])
    return {source: /^ {2}source\s+=\s+"([^"]+)"/m.exec(match[1])![1], arguments: names.filter((name) => name !== 'source')}
  })
}

describe('example infrastructure repository', () => {
  describe('workflows', () => {
    const workflows = ['idp-policy.yml', 'idp-review.yml', 'idp-escalate.yml']

    for (const name of workflows) {
      it(`${name} parses with a name and jobs`, () => {
        const workflow = readWorkflow(name)
        assert.equal(typeof workflow.name, 'string')
        assert.ok(Object.keys(workflow.jobs).length > 0)
      })

      it(`${name} passes only declared inputs`, () => {
        for (const step of idpSteps(readWorkflow(name))) {
          assert.equal(step.uses, ACTION)
          const unknown = Object.keys(step.with ?? {}).filter((input) => !ACTION_INPUTS.includes(input))
          assert.deepEqual(unknown, [])
          assert.ok(ACTION_COMMANDS.includes(String(step.with?.command ?? 'verify')), String(step.with?.command))
        }
      })

      it(`${name} reads only declared outputs`, () => {
        const text = readFileSync(join(exampleRepositoryPath, '.github', 'workflows', name), 'utf8')
        const workflow = readWorkflow(name)
        const idpIds = new Set(idpSteps(workflow).map((step) => step.id))
        for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          if (idpIds.has(id)) assert.ok(ACTION_OUTPUTS.includes(output), `steps.${id}.outputs.${output}`)
        }
      })
    }

    it('gate runs from main on pull requests and reviews', () => {
      const gate = readWorkflow('idp-policy.yml')
      const review = readWorkflow('idp-review.yml')
      assert.deepEqual(Object.keys(gate.on), ['pull_request_target', 'workflow_run'])
      assert.deepEqual(gate.on.workflow_run, {workflows: [review.name], types: ['completed']})
      assert.deepEqual(Object.keys(review.on), ['pull_request_review'])
      // The review workflow comes from the pull request, so its token gets no permissions.
      assert.deepEqual(review.permissions, {})
      assert.equal(gate.concurrency?.['cancel-in-progress'], true)

      const [verify] = idpSteps(gate)
      assert.deepEqual(verify.with, {
        command: 'verify',
        token: '${{ steps.app.outputs.token }}',
        'policy-path': '.idp/approval-policy.yaml',
        base: 'main',
        'require-request': true,
        'pull-request': '${{ github.event.pull_request.number || github.event.workflow_run.pull_requests[0].number }}',
        'node-version': 20,
      })
      const checkout = gate.jobs.verify.steps.find((step) => step.uses?.startsWith('actions/checkout@'))
      assert.equal(checkout?.with?.ref, 'main')
    })

    it('escalation runs on a schedule and on demand', () => {
      const escalate = readWorkflow('idp-escalate.yml')
      assert.deepEqual(Object.keys(escalate.on), ['schedule', 'workflow_dispatch'])
      const [step] = idpSteps(escalate)
      assert.equal(step.with?.command, 'escalate')
      assert.equal(step.with?.token, '${{ steps.app.outputs.token }}')
      assert.equal(step.with?.base, 'main')
    })

    it('job tokens only read contents', () => {
      for (const name of ['idp-policy.yml', 'idp-escalate.yml']) {
        const workflow = readWorkflow(name)
        assert.deepEqual(workflow.permissions, {contents: 'read'}, name)
        for (const [id, job] of Object.entries(workflow.jobs)) {
          assert.deepEqual(job.permissions, {contents: 'read'}, `${name} ${id}`)
          assert.equal(job.environment, 'idp-gate', `${name} ${id}`)
        }
      }
    })
  })

  describe('policy', () => {
    let dir: TempDir
    beforeEach(() => {
      dir = tempDir('examples-policy')
      cpSync(exampleRepositoryPath, join(dir.path, 'infrastructure'), {recursive: true})
      dir.write('infrastructure/.git/HEAD', '')
    })
    afterEach(() => dir.cleanup())

    it('passes its tests with every rule covered', () => {
      const result = runCli(['policy', 'test', '--require-coverage'], {cwd: join(dir.path, 'infrastructure'), env: sandboxEnv(join(dir.path, 'home'))})
      assert.equal(result.status, 0, result.stdout + result.stderr)
      assert.match(result.stdout, /^\.idp\/approval-policy\.tests\.yaml \(policy \.idp\/approval-policy\.yaml\)$/m)
      assert.match(result.stdout, /^10 passed, 0 failed$/m)
      assert.doesNotMatch(result.stdout, /no case matches/)
    })

    it('keeps the decisions of the bundled example', () => {
      // The example adds an escalation group, but every bundled test case must still pass against it.
      const bundledCases = readFileSync(new URL('../policies/approval-policy.tests.yaml', import.meta.url), 'utf8')
      dir.write('infrastructure/bundled.tests.yaml', bundledCases.replace(/^kind: ApprovalPolicyTests$/m, 'kind: ApprovalPolicyTests\npolicy: .idp/approval-policy.yaml'))
      const result = runCli(['policy', 'test', 'bundled.tests.yaml'], {cwd: join(dir.path, 'infrastructure'), env: sandboxEnv(join(dir.path, 'home'))})
      assert.equal(result.status, 0, result.stdout + result.stderr)
      assert.match(result.stdout, /^\d+ passed, 0 failed$/m)
    })
  })

  it('has Terraform files in canonical format', function () {
    const terraform = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', exampleRepositoryPath], {encoding: 'utf8'})
    if (terraform.error) {
      console.log(`    skipped: terraform is not installed (${terraform.error.message})`)
      this.skip()
    }

    assert.equal(terraform.status, 0, terraform.stdout + terraform.stderr)
  })

  describe('modules of the bundled actions', function () {
    this.timeout(60_000)
    let server: GitHubTestServer
    let dir: TempDir

    beforeEach(async () => {
      server = await GitHubTestServer.start()
      server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles()})
      server.addToken(TOKEN, {login: 'ada'})
      for (const team of ['team-leads', 'finance', 'finance-leads', 'security']) server.addTeam('acme', team)
      dir = tempDir('examples-modules')
      dir.write('work/.git/HEAD', '')
      dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
    })

    afterEach(async () => {
      await server.stop()
      dir.cleanup()
    })

    const requests = [
      {args: ['db', 'create', '--name', 'orders-db', '--environment', 'production', '--size', 'large', '--team', 'payments'], file: 'databases/production/orders-db/main.tf', module: 'modules/postgresql'},
      {args: ['bucket', 'create', '--name', 'invoices', '--team', 'payments', '--versioning'], file: 'buckets/dev/invoices/main.tf', module: 'modules/s3-bucket'},
      {
        args: ['access', 'grant', '--principal', 'payments', '--resource', 'database/orders-db', '--role', 'editor', '--reason', 'Write the order history'],
        file: 'access/dev/database-orders-db/team-payments-editor/grant.tf',
        module: 'modules/access-grant',
      },
    ]

    for (const request of requests) {
      it(`${request.args.slice(0, 2).join(' ')} calls ${request.module} with its variables`, async () => {
        const env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
        const result = await runCliAsync([...request.args, '--yes', '--json'], {cwd: join(dir.path, 'work'), env})
        assert.equal(result.status, 0, result.stderr)
        server.assertNoViolations()

        const [pull] = server.pullRequests('acme', 'infrastructure')
        const files = server.filesAt('acme', 'infrastructure', pull.head)
        const [call] = moduleCalls(files[request.file].content)
        assert.equal(posix.join(posix.dirname(request.file), call.source), request.module)

        const variables = moduleVariables(files[`${request.module}/variables.tf`].content)
        assert.deepEqual(call.arguments.filter((name) => !variables.has(name)), [], 'arguments the module does not declare')
        const required = [...variables].filter(([, hasDefault]) => !hasDefault).map(([name]) => name)
        assert.deepEqual(required.filter((name) => !call.arguments.includes(name)), [], 'required variables the template does not set')
      })
    }

    it('namespace create needs no module', async () => {
      const env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
      const result = await runCliAsync(['namespace', 'create', '--name', 'orders', '--team', 'payments', '--yes', '--json'], {cwd: join(dir.path, 'work'), env})
      assert.equal(result.status, 0, result.stderr)
      const [pull] = server.pullRequests('acme', 'infrastructure')
      assert.match(server.filesAt('acme', 'infrastructure', pull.head)['kubernetes/dev/namespaces/orders/namespace.yaml'].content, /^kind: Namespace$/m)
    })
  })
})
