import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {stringify} from 'yaml'

import {bundledCatalogDir} from '../src/actions/catalog.js'
import {loadManifest} from '../src/actions/manifest.js'
import {IdpError} from '../src/errors.js'
import {tempDir, type TempDir} from './support/temp.js'

const dbCreateFile = join(bundledCatalogDir, 'db-create.yaml')

async function loadError(file: string): Promise<IdpError> {
  const error = await loadManifest(file).then(
    () => assert.fail('expected the manifest to be rejected'),
    (failure: unknown) => failure,
  )
  assert.ok(error instanceof IdpError, `expected an IdpError, got ${String(error)}`)
  return error
}

/** Returns a small valid manifest whose fields a test can override. */
function minimalManifest(): Record<string, any> {
  return {
    apiVersion: 'idp.dev/v1',
    kind: 'Action',
    metadata: {name: 'cache-create', title: 'Cache'},
    spec: {
      command: 'cache create',
      inputs: {
        type: 'object',
        required: ['name'],
        properties: {name: {type: 'string', pattern: '^[a-z]+$'}, tier: {type: 'string', enum: ['a', 'b'], default: 'a'}},
      },
      steps: [
        {id: 'render', action: 'template:render', with: {source: 'templates', target: 'caches/${{ inputs.name }}'}},
        {id: 'publish', action: 'publish:pull-request', with: {branch: 'idp/cache/${{ inputs.name }}', title: 'Cache ${{ inputs.name }}'}},
      ],
    },
  }
}

describe('bundled db-create manifest', () => {
  it('loads and validates', async () => {
    const {manifest} = await loadManifest(dbCreateFile)
    assert.equal(manifest.metadata.name, 'db-create')
    assert.equal(manifest.spec.command, 'db create')
    assert.deepEqual(Object.keys(manifest.spec.inputs.properties), ['name', 'environment', 'size', 'team'])
    assert.deepEqual(manifest.spec.cost?.prices, {size: {small: 50, medium: 150, large: 400}})
  })

  it('states the name rule in words', async () => {
    const {manifest} = await loadManifest(dbCreateFile)
    const name = manifest.spec.inputs.properties.name
    assert.equal(name.pattern, '^(?!.*--)[a-z][a-z0-9-]{1,29}[a-z0-9]$')
    assert.equal(name.errorMessage, 'lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter, with no trailing or double hyphen')
  })
})

describe('manifest validation', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir('manifest')
    dir.write('templates/main.tf', 'name = ${{ inputs.name }}\n')
  })
  afterEach(() => dir.cleanup())

  const write = (manifest: unknown) => dir.write('action.yaml', typeof manifest === 'string' ? manifest : stringify(manifest))

  it('accepts the minimal manifest', async () => {
    const loaded = await loadManifest(write(minimalManifest()))
    assert.equal(loaded.manifest.metadata.name, 'cache-create')
    assert.equal(loaded.dir, dir.path)
  })

  it('reports a YAML syntax error with line and column', async () => {
    const file = write('apiVersion: idp.dev/v1\nkind: Action\nmetadata: {name: x\n')
    const error = await loadError(file)
    assert.equal(error.code, 'MANIFEST_INVALID')
    assert.equal(error.exitCode, 2)
    assert.equal(error.problems[0].file, file)
    assert.equal(error.problems[0].line, 4)
  })

  it('reports every schema problem in the file at once, located', async () => {
    const manifest = minimalManifest()
    manifest.kind = 'Actoin'
    manifest.metadata.titel = 'typo'
    delete manifest.spec.command
    const file = write(manifest)
    const error = await loadError(file)
    const summary = error.problems.map((problem) => `${problem.line}:${problem.column} ${problem.path}: ${problem.message}`)
    assert.deepEqual(summary, ['2:7 kind: must be "Action"', '6:3 metadata.titel: unknown field "titel"; did you mean "title"?', '7:1 spec: missing required field "command"'])
  })

  it('rejects enum and enumNames of different lengths (FC04)', async () => {
    const manifest = minimalManifest()
    manifest.spec.inputs.properties.tier.enumNames = ['Tier A']
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [['spec.inputs.properties.tier.enumNames', 'enumNames has 1 labels but enum has 2 values']],
    )
  })

  it('rejects a default outside the enum (FC04)', async () => {
    const manifest = minimalManifest()
    manifest.spec.inputs.properties.tier.default = 'c'
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [['spec.inputs.properties.tier.default', 'default "c" is not one of the enum values: a, b']],
    )
    assert.ok(error.problems[0].line, 'the problem has a line')
  })

  it('rejects an input that would shadow a common flag', async () => {
    const manifest = minimalManifest()
    manifest.spec.inputs.properties.dryRun = {type: 'boolean'}
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => problem.message),
      ['input "dryRun" would become the flag --dry-run, which every action already has; rename the input'],
    )
  })

  it('reports an unknown variable in an expression at its column', async () => {
    const manifest = minimalManifest()
    manifest.spec.steps[1].with.title = 'Cache ${{ input.name }}'
    const file = write(manifest)
    const error = await loadError(file)
    assert.equal(error.problems.length, 1)
    const [problem] = error.problems
    assert.equal(problem.path, 'spec.steps[1].with.title')
    assert.equal(problem.message, 'Unknown variable: input')
    const line = readFileSync(file, 'utf8').split('\n')[problem.line! - 1]
    assert.equal(line.slice(problem.column! - 1, problem.column! - 1 + 'input'.length), 'input')
  })

  it('reports an unclosed placeholder', async () => {
    const manifest = minimalManifest()
    manifest.spec.steps[1].with.branch = 'idp/${{ inputs.name'
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [['spec.steps[1].with.branch', 'unclosed "${{": add "}}"']],
    )
  })

  it('requires spec.confirm for files:delete', async () => {
    const unconfirmed = minimalManifest()
    unconfirmed.spec.steps = [
      {id: 'remove', action: 'files:delete', with: {paths: ['databases/${{ inputs.name }}']}},
      {id: 'publish', action: 'publish:pull-request', with: {branch: 'b', title: 't'}},
    ]
    const error = await loadError(write(unconfirmed))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [['spec.steps[0]', 'a files:delete step needs spec.confirm, so that the user types what is deleted (such as value: "${{ inputs.name }}")']],
    )

    const clashing = minimalManifest()
    clashing.spec.steps = unconfirmed.spec.steps
    clashing.spec.confirm = {value: '${{ inputs.name }}'}
    clashing.spec.inputs.properties.confirm = {type: 'string'}
    const clash = await loadError(write(clashing))
    assert.deepEqual(
      clash.problems.map((problem) => [problem.path, problem.message]),
      [['spec.confirm', 'an action with spec.confirm has a --confirm flag, so no input may be named "confirm"']],
    )
  })

  it('reports duplicate step ids, a missing template folder and a misplaced publish step', async () => {
    const manifest = minimalManifest()
    manifest.spec.steps = [
      {id: 'publish', action: 'publish:pull-request', with: {branch: 'b', title: 't'}},
      {id: 'publish', action: 'template:render', with: {source: 'missing', target: 'x'}},
    ]
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [
        ['spec.steps[1].id', 'duplicate step id "publish"'],
        ['spec.steps[1].with.source', `template folder not found: ${join(dir.path, 'missing')}`],
        ['spec.steps', 'the last step, and only the last, must be a publish:pull-request step'],
      ],
    )
  })

  it('requires a price for every value of a priced input', async () => {
    const manifest = minimalManifest()
    manifest.spec.cost = {currency: 'USD', prices: {tier: {a: 10, z: 5}}, monthly: '${{ prices.tier }}'}
    const error = await loadError(write(manifest))
    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [
        ['spec.cost.prices.tier', 'no price for "b"; every value of tier needs one'],
        ['spec.cost.prices.tier.z', '"z" is not a value of tier (a, b)'],
      ],
    )
  })

  it('reports a missing manifest file', async () => {
    const error = await loadError(join(dir.path, 'absent.yaml'))
    assert.equal(error.code, 'MANIFEST_NOT_FOUND')
    assert.equal(error.exitCode, 2)
  })
})

describe('conditional input schemas', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir('manifest-conditional')
    dir.write('templates/main.tf', 'name = ${{ inputs.name }}\n')
  })
  afterEach(() => dir.cleanup())

  it('FC01 rejects defaults in if/then branches', async () => {
    const manifest = minimalManifest()
    manifest.spec.inputs.properties.engine = {type: 'string', enum: ['postgres', 'mysql'], default: 'postgres'}
    manifest.spec.inputs.allOf = [
      {if: {properties: {engine: {const: 'postgres'}}}, then: {properties: {port: {type: 'integer', default: 5432}}}},
      {if: {properties: {engine: {const: 'mysql'}}}, then: {properties: {port: {type: 'integer', default: 3306}}}},
    ]
    const file = dir.write('action.yaml', stringify(manifest))
    const error = await loadError(file)

    assert.equal(error.code, 'MANIFEST_INVALID')
    assert.equal(error.problems.length, 1)
    const [problem] = error.problems
    assert.equal(problem.path, 'spec.inputs.allOf[0].then.properties.port.default')
    const line = readFileSync(file, 'utf8').split('\n')[problem.line! - 1]
    assert.match(line, /default: 5432$/)
    assert.equal(line.slice(problem.column! - 1), '5432')
    assert.match(problem.message, /^conditional input schemas \("allOf"\) are not supported, so the default of port here would never apply\. /)
  })

  it('FC02 rejects inputs switched off by another', async () => {
    const manifest = minimalManifest()
    manifest.spec.inputs.properties.replica = {type: 'boolean', default: false}
    manifest.spec.inputs.properties.replicaCount = {type: 'integer', minimum: 1}
    manifest.spec.inputs.dependencies = {replicaCount: {properties: {replica: {const: true}}}}
    const error = await loadError(dir.write('action.yaml', stringify(manifest)))

    assert.deepEqual(
      error.problems.map((problem) => [problem.path, problem.message]),
      [['spec.inputs.dependencies', 'conditional input schemas ("dependencies") are not supported. Declare every input under spec.inputs.properties with one default, and let the templates use it only where another input calls for it']],
    )
  })
})
