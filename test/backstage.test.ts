import assert from 'node:assert/strict'
import {join} from 'node:path'
import {parse as parseYaml} from 'yaml'

import type {ExpressionContext} from '../src/actions/expressions.js'
import {resolveInputs} from '../src/actions/inputs.js'
import {type LoadedManifest, loadManifest} from '../src/actions/manifest.js'
import {readCatalog} from '../src/actions/catalog.js'
import {parseEntityRef, parseRepoUrl, renderText} from '../src/backstage/nunjucks.js'
import {costFromLabels} from '../src/backstage/parameters.js'
import {IdpError} from '../src/errors.js'
import {tempDir, type TempDir} from './support/temp.js'

const HEADER = 'apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: demo\n  title: Demo\nspec:\n  owner: group:platform\n  type: service\n'
const PUBLISH = `    - id: publish
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=infrastructure
        branchName: demo-\${{ parameters.name }}
        title: Demo \${{ parameters.name }}
`

function context(inputs: Record<string, unknown>): ExpressionContext {
  return {inputs, labels: {}, prices: {}, user: {login: 'ann', name: 'Ann'}, cost: {}, run: {id: 'run-1'}, steps: {}}
}

async function rejection(promise: Promise<unknown>): Promise<IdpError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (failure: unknown) => failure,
  )
  assert.ok(error instanceof IdpError, String(error))
  return error
}

describe('Backstage templates', () => {
  let dir: TempDir
  beforeEach(() => (dir = tempDir('backstage')))
  afterEach(() => dir.cleanup())

  const load = (text: string): Promise<LoadedManifest> => loadManifest(dir.write('catalog/demo.yaml', text))
  const files = async (loaded: LoadedManifest, inputs: Record<string, unknown>) =>
    (await loaded.engine!.renderFiles(context(inputs))).map((file) => [file.path, file.content.toString(), file.mode])

  describe('checks before anything runs', () => {
    it('rejects a v1beta2 template clearly', async () => {
      const error = await rejection(load(HEADER.replace('v1beta3', 'v1beta2') + 'parameters: {}\nsteps: []\n'))
      assert.equal(error.code, 'TEMPLATE_UNSUPPORTED')
      assert.equal(error.exitCode, 2)
      assert.equal(error.problems?.[0].line, 1)
      assert.match(error.problems?.[0].message ?? '', /^scaffolder\.backstage\.io\/v1beta2 is not supported: idp runs scaffolder\.backstage\.io\/v1beta3 templates, which use \$\{\{ \}\} expressions instead of \{\{ \}\}/)
    })

    it('names an unsupported action, its line, and the supported actions', async () => {
      const error = await rejection(load(`${HEADER}  parameters: []\n  steps:\n    - id: register\n      action: catalog:register\n      input: {}\n${PUBLISH}`))
      assert.equal(error.code, 'TEMPLATE_UNSUPPORTED')
      assert.deepEqual(
        error.problems?.map((problem) => [problem.line, problem.path, problem.message]),
        [[12, 'spec.steps[0].action', 'unsupported action catalog:register; supported: fetch:template, fetch:plain, fs:rename, fs:delete, debug:log, publish:github:pull-request']],
      )
    })

    it('locates unsupported fields at their lines', async () => {
      const text = `${HEADER}  EXPERIMENTAL_recovery: {}\n  parameters:\n    - properties:\n        name: {type: string, format: uri, ui:field: SecretPicker}\n  steps:\n    - id: publish\n      each: [a]\n      action: publish:github:pull-request\n      input:\n        repoUrl: github.com?owner=acme&repo=infrastructure\n        branchName: b\n        title: t\n        gitAuthorName: bot\n`
      const error = await rejection(load(text))
      assert.deepEqual(
        error.problems?.map((problem) => [problem.line, problem.message.split(';')[0]]),
        [
          [9, 'unsupported field spec.EXPERIMENTAL_recovery'],
          [12, 'unsupported field format'],
          [12, 'unsupported ui:field "SecretPicker"'],
          [15, 'unsupported field each in a step'],
          [21, 'unsupported input gitAuthorName of publish:github:pull-request'],
        ],
      )
    })

    it('reports a YAML syntax error with its line', async () => {
      const error = await rejection(load(`${HEADER}  parameters:\n    - title: [unclosed\n`))
      assert.equal(error.exitCode, 2)
      assert.equal(error.problems?.[0].line, 11)
    })

    it('requires the publish step to be the last and only one', async () => {
      const error = await rejection(load(`${HEADER}  steps:\n    - id: log\n      action: debug:log\n      input: {message: hi}\n`))
      assert.match(error.problems?.[0].message ?? '', /^the last step, and only the last, must be publish:github:pull-request/)
    })
  })

  describe('parameters', () => {
    const PAGES = `${HEADER}  parameters:
    - title: Service
      required: [name, kind]
      properties:
        name: {type: string, title: Name}
        kind: {type: string, enum: [api, worker], enumNames: ["HTTP API", "Queue worker"]}
      dependencies:
        kind:
          oneOf:
            - properties:
                kind: {enum: [api]}
                port: {type: integer, title: Port, default: 8080}
              required: [port]
            - properties:
                kind: {enum: [worker]}
                queue: {type: string, title: Queue}
              required: [queue]
    - title: Access
      properties:
        environment: {type: string, enum: [dev, production], default: dev}
        token: {type: string, title: Token, ui:widget: password}
        owner: {type: string, title: Owner, ui:field: OwnerPicker}
        repoUrl: {type: string, title: Repository, ui:field: RepoUrlPicker}
        internal: {type: string, default: x, ui:widget: hidden}
      if:
        properties:
          environment: {const: production}
      then:
        properties:
          approver: {type: string, title: Approver}
        required: [approver]
  steps:
${PUBLISH}`

    it('turns pages into inputs with form settings', async () => {
      const {manifest} = await load(PAGES)
      const {properties, required} = manifest.spec.inputs
      assert.deepEqual(Object.keys(properties), ['name', 'kind', 'port', 'queue', 'environment', 'token', 'owner', 'repoUrl', 'internal', 'approver'])
      assert.deepEqual(required, ['name', 'kind'])
      assert.equal(properties.name.form?.page, 'Service')
      assert.equal(properties.token.form?.secret, true)
      assert.equal(properties.internal.form?.hidden, true)
      assert.equal(properties.owner.description, 'Enter an owner entity reference such as group:default/payments (OwnerPicker in the Backstage form).')
      assert.equal(properties.port.form?.condition?.describe, 'kind is "api"')
      assert.equal(properties.approver.form?.condition?.describe, 'environment is "production"')
    })

    const resolve = async (flags: Record<string, unknown>) => {
      const {manifest} = await load(PAGES)
      return resolveInputs({manifest, flags, user: {}})
    }

    it('asks for the inputs of the chosen oneOf branch only', async () => {
      assert.deepEqual(await resolve({name: 'svc', kind: 'api'}), {name: 'svc', kind: 'api', port: 8080, environment: 'dev', internal: 'x'})
      const error = await rejection(resolve({name: 'svc', kind: 'worker'}))
      assert.equal(error.code, 'INPUT_MISSING')
      assert.deepEqual(error.details, {missing: ['queue']})
    })

    it('requires the then branch of an if only when the condition holds', async () => {
      const error = await rejection(resolve({name: 'svc', kind: 'api', environment: 'production'}))
      assert.deepEqual(error.details, {missing: ['approver']})
      assert.deepEqual(await resolve({name: 'svc', kind: 'api', environment: 'production', approver: 'bob'}), {name: 'svc', kind: 'api', port: 8080, environment: 'production', approver: 'bob', internal: 'x'})
    })

    // FC01: a branch's default applies while its condition is true, whichever branch came last.
    const ENGINES = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: engines}
spec:
  parameters:
    - title: Database
      required: [name, engine]
      properties:
        name: {type: string}
        engine: {type: string, enum: [postgres, mysql], default: postgres}
        replica: {type: boolean, title: Replica, default: false}
      dependencies:
        engine:
          oneOf:
            - properties:
                engine: {const: postgres}
                port: {type: integer, title: Port, default: 5432}
            - properties:
                engine: {const: mysql}
                port: {type: integer, title: Port, default: 3306}
        replica:
          oneOf:
            - properties:
                replica: {const: true}
                replicaCount: {type: integer, title: Replica count, default: 1}
  steps:
${PUBLISH}`
    const resolveEngines = async (flags: Record<string, unknown>) => resolveInputs({manifest: (await load(ENGINES)).manifest, flags, user: {}})

    it('FC01 uses the active branch default', async () => {
      assert.equal((await resolveEngines({name: 'db', engine: 'mysql'})).port, 3306)
      assert.equal((await resolveEngines({name: 'db', engine: 'postgres'})).port, 5432)
      assert.deepEqual(await resolveEngines({name: 'db'}), {name: 'db', engine: 'postgres', replica: false, port: 5432})
      assert.equal((await resolveEngines({name: 'db', engine: 'mysql', port: 5432})).port, 5432)
      const {manifest} = await load(ENGINES)
      assert.equal(manifest.spec.inputs.properties.port.default, undefined)
      assert.equal(manifest.spec.inputs.properties.port.description, 'Default: 5432 when engine is "postgres", 3306 when engine is "mysql".')
    })

    it('FC02 rejects switched-off input values', async () => {
      assert.deepEqual(await resolveEngines({name: 'db', replica: true}), {name: 'db', engine: 'postgres', replica: true, port: 5432, replicaCount: 1})
      const error = await rejection(resolveEngines({name: 'db', replica: false, replicaCount: 3}))
      assert.equal(error.code, 'INPUT_INVALID')
      assert.equal(error.exitCode, 2)
      assert.deepEqual(error.problems?.map((problem) => [problem.path, problem.message]), [['--replica-count', 'Replica count applies only when Replica is true']])
    })

    it('rejects a conditional input given where it does not apply', async () => {
      const error = await rejection(resolve({name: 'svc', kind: 'worker', queue: 'jobs', port: 9000}))
      assert.equal(error.code, 'INPUT_INVALID')
      assert.deepEqual(error.problems?.map((problem) => [problem.path, problem.message]), [['--port', 'Port applies only when kind is "api"']])
    })

    it('validates picker text and explains the expected form', async () => {
      const error = await rejection(resolve({name: 'svc', kind: 'api', repoUrl: 'not a repository'}))
      assert.deepEqual(error.problems?.map((problem) => problem.message), ['"not a repository" is not a valid Repository: a repository address such as github.com?owner=acme&repo=service'])
      assert.equal((await resolve({name: 'svc', kind: 'api', repoUrl: 'github.com?owner=acme&repo=svc', owner: 'group:default/payments'})).owner, 'group:default/payments')
    })

    it('lists the template in the catalog under its name, or its idp.dev/command words', async () => {
      dir.write('catalog/demo.yaml', PAGES)
      dir.write('catalog/other.yaml', PAGES.replace('name: demo', 'name: other\n  annotations:\n    idp.dev/command: service create'))
      const entries = readCatalog([join(dir.path, 'catalog')]).entries.filter((entry) => entry.file.startsWith(dir.path))
      assert.deepEqual(entries.map((entry) => [entry.name, entry.command]), [['demo', 'demo'], ['other', 'service create']])
      assert.deepEqual(entries[0].required, ['name', 'kind'])
    })
  })

  describe('steps', () => {
    const skeleton = () => {
      dir.write('catalog/skeleton/README.md', '# ${{ values.name }}\n\n${{ values.description }}\n')
      dir.write('catalog/skeleton/main.tf', 'name = ${{ values.name | hcl }}\ndescription = ${{ values.description | hcl }}\n')
      dir.write('catalog/skeleton/values.yaml', 'description: ${{ values.description | yaml }}\n')
      dir.write('catalog/skeleton/bin/hosts.sh', '#!/bin/sh\necho "${#HOSTS[@]} hosts" {# kept #}\n', 0o755)
      dir.write('catalog/skeleton/.github/workflows/ci.yml', 'run: echo ${{ secrets.TOKEN }}\n')
      dir.write('catalog/skeleton/${{ values.name }}.txt', '{% if values.extra %}extra{% else %}plain{% endif %}\n')
      dir.write('catalog/plain/notes.md', 'Not ${{ rendered }}\n')
    }

    const steps = (publishInput: string, extra = '') => `${HEADER}  parameters:
    - properties:
        name: {type: string}
        description: {type: string, default: ""}
        extra: {type: boolean, default: false}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        targetPath: ./service
        values:
          name: \${{ parameters.name }}
          description: \${{ parameters.description }}
          extra: \${{ parameters.extra }}
    - id: plain
      if: \${{ parameters.extra }}
      action: fetch:plain
      input: {url: ./plain, targetPath: docs}
${extra}    - id: log
      action: debug:log
      input: {message: "Rendered \${{ parameters.name }}"}
${PUBLISH}${publishInput}`

    it('renders a skeleton safely (FC10, FC11, FC12)', async () => {
      skeleton()
      const loaded = await load(steps(''))
      const description = 'Bob\'s orders DB & cache <beta> ${{ parameters.name }} {% raw %} "q" \\ $2y$10$abc'
      const result = await files(loaded, {name: 'orders', description, extra: false})
      assert.deepEqual(result, [
        ['service/.github/workflows/ci.yml', 'run: echo ${{ secrets.TOKEN }}\n', '100644'],
        ['service/README.md', `# orders\n\n${description}\n`, '100644'],
        ['service/bin/hosts.sh', '#!/bin/sh\necho "${#HOSTS[@]} hosts" {# kept #}\n', '100755'],
        ['service/main.tf', 'name = "orders"\ndescription = "Bob\'s orders DB & cache <beta> $${{ parameters.name }} {% raw %} \\"q\\" \\\\ $2y$10$abc"\n', '100644'],
        ['service/orders.txt', 'plain\n', '100644'],
        ['service/values.yaml', `description: ${JSON.stringify(description)}\n`, '100644'],
      ])
      assert.deepEqual(parseYaml(result[5][1] as string), {description})
    })

    it('runs a step whose if holds and skips one whose if does not', async () => {
      skeleton()
      const loaded = await load(steps(''))
      const paths = (await files(loaded, {name: 'orders', description: '', extra: true})).map(([path]) => path)
      assert.deepEqual(paths, ['docs/notes.md', 'service/.github/workflows/ci.yml', 'service/README.md', 'service/bin/hosts.sh', 'service/main.tf', 'service/orders.txt', 'service/values.yaml'])
      assert.equal((await files(loaded, {name: 'orders', description: '', extra: true}))[0][1], 'Not ${{ rendered }}\n')
    })

    it('publishes sourcePath into targetPath after fs:rename and fs:delete', async () => {
      skeleton()
      const extra = `    - id: rename
      action: fs:rename
      input:
        files:
          - {from: service/README.md, to: service/docs/README.md}
    - id: delete
      action: fs:delete
      input:
        files: [service/bin, "service/*.txt"]
`
      const loaded = await load(steps('        sourcePath: service\n        targetPath: services/${{ parameters.name }}\n        teamReviewers: [platform]\n', extra))
      const paths = (await files(loaded, {name: 'orders', description: '', extra: false})).map(([path]) => path)
      assert.deepEqual(paths, ['services/orders/.github/workflows/ci.yml', 'services/orders/docs/README.md', 'services/orders/main.tf', 'services/orders/values.yaml'])
      assert.deepEqual(loaded.engine!.publish(context({name: 'orders'})), {
        branch: 'demo-orders',
        title: 'Demo orders',
        description: undefined,
        commitMessage: undefined,
        teamReviewers: ['platform'],
        reviewers: [],
        draft: false,
        repository: {owner: 'acme', repo: 'infrastructure'},
      })
    })

    for (const [input, value] of [['targetPath', '../outside'], ['targetPath', '/etc'], ['sourcePath', '../x']] as const) {
      it(`rejects the publish ${input} ${value} outside the repository`, async () => {
        skeleton()
        const loaded = await load(steps(`        ${input}: "${value}"\n`))
        const error = await rejection(loaded.engine!.renderFiles(context({name: 'orders', description: '', extra: false})))
        assert.equal(error.code, 'PATH_OUTSIDE_TARGET')
      })
    }

    it('rejects a file name rendered from a value outside the target folder', async () => {
      dir.write('catalog/skeleton/${{ values.name }}.tf', 'x = 1\n')
      dir.write('catalog/plain/notes.md', 'Notes\n')
      const loaded = await load(steps(''))
      const error = await rejection(loaded.engine!.renderFiles(context({name: '../../etc/cron', description: '', extra: false})))
      assert.equal(error.code, 'PATH_OUTSIDE_TARGET')
    })

    it('rejects a missing folder and enum mistakes at load', async () => {
      dir.write('catalog/skeleton/main.tf', 'x = 1\n')
      const text = `${HEADER}  parameters:
    properties:
      size: {type: string, enum: [small, large], enumNames: [Small], default: medium}
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeletonn}
${PUBLISH}`
      const error = await rejection(load(text))
      assert.deepEqual(
        error.problems.map((problem) => [problem.path, problem.message]),
        [
          ['spec.parameters.properties.size.enumNames', 'enumNames has 1 label for 2 enum values; give one label per value'],
          ['spec.parameters.properties.size.default', 'the default "medium" is not one of the enum values: "small", "large"'],
          ['spec.steps[0].input.url', `fetch:template: the folder ./skeletonn does not exist beside the template (${join(dir.path, 'catalog', 'skeletonn')})`],
        ],
      )
    })

    it('fails with the file, line and column of an expression that cannot render', async () => {
      const loaded = await load(`${HEADER}  parameters: []\n  steps:\n    - id: log\n      action: debug:log\n      input:\n        message: "Hello \${{ parameters.name | nosuchfilter }}"\n${PUBLISH}`)
      const error = await rejection(loaded.engine!.renderFiles(context({name: 'x'})))
      assert.equal(error.code, 'TEMPLATE_FAILED')
      assert.equal(error.message, `Cannot render "Hello \${{ parameters.name | nosuchfilter }}" at ${join(dir.path, 'catalog/demo.yaml')}:14:25: filter not found: nosuchfilter`)
    })

    it('writes the request itself when the template has no files of its own', async () => {
      const loaded = await load(`${HEADER}  parameters:\n    - properties:\n        name: {type: string}\n        token: {type: string, ui:widget: password}\n  steps:\n${PUBLISH}`)
      const result = await files(loaded, {name: 'orders', token: 'hunter2'})
      assert.deepEqual(result, [['.idp/requests/demo/demo-orders.yaml', '# Requested with idp from the Backstage template demo.\ntemplate: "demo"\nparameters:\n  "name": "orders"\n', '100644']])
    })

    it('renders output links and text with the pull request of the publish step', async () => {
      const loaded = await load(`${HEADER}  parameters: []\n  steps:\n${PUBLISH}  output:\n    links:\n      - title: Pull request\n        url: \${{ steps.publish.output.remoteUrl }}\n    text:\n      - title: Next\n        content: Merge \${{ steps['publish'].output.pullRequestNumber }}\n`)
      assert.deepEqual(loaded.engine!.outputs(context({}), {remoteUrl: 'http://x/pull/3', pullRequestNumber: 3}), [
        {name: 'link1', title: 'Pull request', value: 'http://x/pull/3'},
        {name: 'text1', title: 'Next', value: 'Merge 3'},
      ])
    })
  })

  describe('cost from labels', () => {
    it('reads monthly prices from every enumNames label', () => {
      const cost = costFromLabels({
        size: {type: 'string', enum: ['s', 'l'], enumNames: ['Small - $50/mo', 'Large - $1,200 / month']},
        zone: {type: 'string', enum: ['a', 'b'], enumNames: ['Zone A - $5/mo', 'Zone B']},
        name: {type: 'string'},
      })
      assert.deepEqual(cost?.prices, {size: {s: 50, l: 1200}})
      assert.equal(cost?.currency, 'USD')
      assert.equal(cost?.monthly, '${{ (has(prices.size) ? prices.size : 0.0) }}')
    })

    it('gives no cost without priced labels', () => {
      assert.equal(costFromLabels({size: {type: 'string', enum: ['s'], enumNames: ['Small']}}), undefined)
    })
  })

  describe('filters', () => {
    const variables = {parameters: {repoUrl: 'github.com?owner=acme&repo=orders&organization=eng', owner: 'group:payments', data: {a: {b: 'deep'}}}, user: {ref: 'user:default/ann', entity: {metadata: {name: 'ann'}, spec: {profile: {displayName: 'Ann'}}}}, steps: {}}

    it('parses repository addresses and entity references as Backstage does', () => {
      assert.deepEqual(parseRepoUrl('github.com?owner=acme&repo=orders'), {host: 'github.com', owner: 'acme', repo: 'orders'})
      assert.throws(() => parseRepoUrl('github.com?owner=acme'), /Invalid repository address "github.com\?owner=acme"/)
      assert.deepEqual(parseEntityRef('group:payments'), {kind: 'group', namespace: 'default', name: 'payments'})
      assert.deepEqual(parseEntityRef('team-a/orders', {defaultKind: 'component'}), {kind: 'component', namespace: 'team-a', name: 'orders'})
      assert.throws(() => parseEntityRef('orders'), /Invalid entity reference "orders"/)
    })

    it('offers parseRepoUrl, projectSlug, parseEntityRef and pick in expressions', () => {
      assert.equal(renderText('${{ (parameters.repoUrl | parseRepoUrl).organization }} ${{ parameters.repoUrl | projectSlug }}', variables), 'eng acme/orders')
      assert.equal(renderText('${{ (parameters.owner | parseEntityRef).name }} ${{ parameters.data | pick("a.b") }}', variables), 'payments deep')
    })
  })
})
