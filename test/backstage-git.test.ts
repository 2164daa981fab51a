import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {git, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

const SERVICE_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: service-database
  title: Service database
  annotations:
    idp.dev/command: service database
spec:
  owner: group:platform-team
  type: resource
  parameters:
    - title: Database
      required: [name]
      properties:
        name: {type: string, title: Name, pattern: '^[a-z][a-z0-9-]{2,30}$'}
        description: {type: string, title: Description, default: ""}
        monitoring: {type: boolean, title: Monitoring, default: false}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        targetPath: work
        values:
          name: \${{ parameters.name }}
          description: \${{ parameters.description }}
    - id: alerts
      if: \${{ parameters.monitoring }}
      action: fetch:plain
      input: {url: ./alerts, targetPath: work/alerts}
    - id: publish
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=infrastructure
        branchName: db/\${{ parameters.name }}
        title: Add database \${{ parameters.name }}
        sourcePath: work
        targetPath: databases/\${{ parameters.name }}
  output:
    text:
      - title: Branch
        content: \${{ steps.publish.output.targetBranchName }}
`

describe('Backstage templates delivered to a local git repository', () => {
  let dir: TempDir
  let env: NodeJS.ProcessEnv
  let repository: string

  beforeEach(() => {
    dir = tempDir('backstage-git')
    dir.write('catalog/service-database.yaml', SERVICE_TEMPLATE)
    dir.write('catalog/skeleton/main.tf', 'name        = ${{ values.name | hcl }}\ndescription = ${{ values.description | hcl }}\n')
    dir.write('catalog/skeleton/check.sh', '#!/bin/sh\necho "${#HOSTS[@]}"\n', 0o755)
    dir.write('catalog/skeleton/.github/workflows/plan.yml', 'env:\n  TOKEN: ${{ secrets.TOKEN }}\n')
    dir.write('catalog/alerts/alerts.yaml', 'threshold: 90\n')
    dir.write('work/.git/HEAD', '')
    dir.write('work/.idprc.yaml', `catalog: [${JSON.stringify(join(dir.path, 'catalog'))}]\n`)
    env = sandboxEnv(join(dir.path, 'home'), {})
    repository = join(dir.path, 'home', '.local', 'share', 'idp', 'infrastructure')
  })
  afterEach(() => dir.cleanup())

  const run = (args: string[]) => runCli(args, {cwd: join(dir.path, 'work'), env})

  it('commits the rendered skeleton under targetPath', () => {
    const description = 'Bob\'s "orders" & ${var.x}'
    const result = run(['service', 'database', '--name', 'orders', '--description', description, '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(git(repository, ['ls-tree', '-r', '--name-only', 'db/orders']), ['README.md', 'databases/orders/.github/workflows/plan.yml', 'databases/orders/check.sh', 'databases/orders/main.tf'].join('\n'))
    assert.equal(git(repository, ['show', 'db/orders:databases/orders/main.tf']), 'name        = "orders"\ndescription = "Bob\'s \\"orders\\" & $${var.x}"')
    assert.equal(git(repository, ['show', 'db/orders:databases/orders/.github/workflows/plan.yml']), 'env:\n  TOKEN: ${{ secrets.TOKEN }}')
    assert.match(git(repository, ['ls-tree', 'db/orders', 'databases/orders/check.sh']), /^100755 /)
    assert.equal(git(repository, ['log', '-1', '--format=%s', 'db/orders']), 'Add database orders')
    assert.match(result.stdout, /^Branch: db\/orders$/m)
  })

  it('runs the step whose if is true', () => {
    const result = run(['run', 'service-database', '--name', 'orders', '--monitoring', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(git(repository, ['ls-tree', '-r', '--name-only', 'db/orders']), /^databases\/orders\/alerts\/alerts\.yaml$/m)
  })

  it('shows the plan and writes nothing with --dry-run', () => {
    const result = run(['service', 'database', '--name', 'orders', '--dry-run'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /databases\/orders\/main\.tf/)
    assert.equal(existsSync(repository), false)
  })

  it('stops on an unsupported action before any write', () => {
    dir.write('catalog/service-database.yaml', SERVICE_TEMPLATE.replace('action: fetch:plain', 'action: fetch:cookiecutter'))
    const result = run(['run', 'service-database', '--name', 'orders', '--yes'])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /service-database\.yaml:29:7: spec\.steps\[1\]\.action: unsupported action fetch:cookiecutter; supported: fetch:template, /)
    assert.equal(existsSync(repository), false)
  })
})
