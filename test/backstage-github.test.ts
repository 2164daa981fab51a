import assert from 'node:assert/strict'
import {join} from 'node:path'

import {runCliAsync, sandboxEnv} from './support/cli.js'
import {exampleRepositoryFiles} from './support/example-repository.js'
import {GitHubTestServer} from './support/github-server.js'
import {tempDir, type TempDir} from './support/temp.js'

const TOKEN = 'ghp_testtoken0123456789abcdef'
const API = '/repos/acme/infrastructure'

/** A typical infrastructure template, as a platform team writes it for the Backstage form. */
export const POSTGRES_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: provision-postgresql-database
  title: Provision a PostgreSQL database
  description: Opens a pull request that provisions a PostgreSQL database.
  tags: [database, postgresql]
spec:
  owner: group:platform-team
  type: resource
  parameters:
    - title: Database details
      required: [name, environment, size]
      properties:
        name:
          title: Database name
          type: string
          description: Lowercase letters, digits and hyphens.
          pattern: '^[a-z][a-z0-9-]{2,30}$'
          ui:autofocus: true
        environment:
          title: Environment
          type: string
          enum: [dev, staging, production]
          default: dev
        size:
          title: Size
          type: string
          enum: [small, medium, large]
          enumNames:
            - Small (2 vCPU, 8GB) - $50/mo
            - Medium (4 vCPU, 16GB) - $150/mo
            - Large (8 vCPU, 32GB) - $400/mo
          default: small
          ui:widget: radio
  steps:
    - id: publish
      name: Open pull request
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=infrastructure
        branchName: provision-\${{ parameters.name }}
        title: Provision PostgreSQL database \${{ parameters.name }}
        description: A \${{ parameters.size }} database for \${{ parameters.environment }}.
  output:
    links:
      - title: Pull request
        url: \${{ steps.publish.output.remoteUrl }}
`

describe('Backstage templates delivered to GitHub', () => {
  let server: GitHubTestServer
  let dir: TempDir
  let env: NodeJS.ProcessEnv

  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles()})
    for (const team of ['team-leads', 'finance', 'security']) server.addTeam('acme', team)
    dir = tempDir('backstage-github')
    dir.write('catalog/provision-postgresql-database.yaml', POSTGRES_TEMPLATE)
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `catalog: [${JSON.stringify(join(dir.path, 'catalog'))}]\ntarget:\n  github:\n    repository: acme/infrastructure\n`)
    env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: TOKEN, GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1'})
  })

  afterEach(async () => {
    await server.stop()
    dir.cleanup()
  })

  const run = (args: string[]) => runCliAsync(args, {cwd: join(dir.path, 'work'), env})

  it('runs the provision-postgresql-database template unchanged and opens its pull request', async () => {
    const result = await run(['run', 'provision-postgresql-database', '--name', 'orders-db', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()

    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.ok(pull, `no pull request; stdout: ${result.stdout} stderr: ${result.stderr} calls: ${server.requests.map((entry) => entry.method + ' ' + entry.path).join(', ')}`)
    assert.equal(pull.title, 'Provision PostgreSQL database orders-db')
    assert.equal(pull.head, 'provision-orders-db')
    assert.equal(pull.base, 'main')
    assert.deepEqual(pull.labels, ['idp', 'idp:auto-approved'])
    assert.ok(pull.body?.includes('A small database for dev.'), pull.body ?? '')
    assert.ok(pull.body?.includes('$50 per month (USD).'), pull.body ?? '')
    assert.ok(server.requests.some((entry) => entry.method === 'POST' && entry.path === `${API}/pulls`))
    assert.match(result.stdout, /^Pull request: http:\/\/127\.0\.0\.1:\d+\/acme\/infrastructure\/pull\/1$/m)
  })

  it('applies the policy to the cost read from the enumNames labels', async () => {
    const result = await run(['provision-postgresql-database', '--name', 'orders-db', '--environment', 'production', '--size', 'large', '--yes', '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.deepEqual(document.cost, {monthly: 400, currency: 'USD'})
    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.deepEqual(pull.labels, ['idp', 'idp:needs-approval'])
  })

  it('rejects a name that does not match the pattern before any request', async () => {
    const result = await run(['run', 'provision-postgresql-database', '--name', 'Orders', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /"Orders" is not a valid Database name/)
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
  })

  it('rejects a repoUrl naming another repository than the target', async () => {
    dir.write('catalog/provision-postgresql-database.yaml', POSTGRES_TEMPLATE.replace('repo=infrastructure', 'repo=platform'))
    const result = await run(['run', 'provision-postgresql-database', '--name', 'orders-db', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Error: provision-postgresql-database publishes to acme\/platform, but the configured target is acme\/infrastructure$/m)
    assert.deepEqual(server.pullRequests('acme', 'infrastructure'), [])
  })

  it('proposes the request file and prints the output link', async () => {
    const result = await run(['run', 'provision-postgresql-database', '--name', 'orders-db', '--size', 'medium', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    const files = server.filesAt('acme', 'infrastructure', 'provision-orders-db')
    assert.equal(
      files['.idp/requests/provision-postgresql-database/provision-orders-db.yaml']?.content,
      '# Requested with idp from the Backstage template provision-postgresql-database.\ntemplate: "provision-postgresql-database"\nparameters:\n  "name": "orders-db"\n  "environment": "dev"\n  "size": "medium"\n',
    )
    assert.match(result.stdout, /^Pull request: http:\/\/127\.0\.0\.1:\d+\/acme\/infrastructure\/pull\/1$/m)
  })

  it('opens a draft and requests the reviewers the template names', async () => {
    const publishInputs = '        draft: true\n        reviewers: [octo-reviewer]\n        teamReviewers: [security]\n        commitMessage: Provision \${{ parameters.name }}\n'
    dir.write('catalog/provision-postgresql-database.yaml', POSTGRES_TEMPLATE.replace('  output:\n', `${publishInputs}  output:\n`))
    const result = await run(['run', 'provision-postgresql-database', '--name', 'orders-db', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    const [pull] = server.pullRequests('acme', 'infrastructure')
    assert.equal(pull.draft, true)
    assert.deepEqual(pull.requestedReviewers, ['octo-reviewer'])
    assert.deepEqual(pull.requestedTeams, ['security'])
    const commit = server.requests.find((entry) => entry.method === 'POST' && entry.path.endsWith('/git/commits'))!.body as {message: string}
    assert.match(commit.message, /^Provision orders-db\n\n/)
  })
})
