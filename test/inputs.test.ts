import assert from 'node:assert/strict'

import {type InputPrompter, type PromptRequest, resolveInputs} from '../src/actions/inputs.js'
import type {ActionManifest, InputSchema} from '../src/actions/manifest.js'
import {IdpError} from '../src/errors.js'

function manifestWith(properties: Record<string, InputSchema>, required: string[] = []): ActionManifest {
  return {
    apiVersion: 'idp.dev/v1',
    kind: 'Action',
    metadata: {name: 'test-action', title: 'Test action'},
    spec: {command: 'test run', inputs: {type: 'object', required, properties}, steps: []},
  }
}

const database = manifestWith(
  {
    name: {type: 'string', title: 'Database name', pattern: '^[a-z][a-z0-9-]{2,30}$', errorMessage: 'lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter'},
    environment: {type: 'string', title: 'Environment', enum: ['dev', 'staging', 'production'], default: 'dev'},
    size: {type: 'string', title: 'Size', enum: ['small', 'medium', 'large'], enumNames: ['Small: 2 vCPU, 8 GB', 'Medium: 4 vCPU, 16 GB', 'Large: 8 vCPU, 32 GB'], default: 'small'},
    team: {type: 'string', title: 'Owning team', pattern: '^[a-z0-9][a-z0-9-]{0,38}$', default: '${{ user.team }}'},
  },
  ['name', 'environment', 'size', 'team'],
)

const typed = manifestWith({
  multiAz: {type: 'boolean', title: 'Multi-AZ'},
  storageGb: {type: 'integer', title: 'Storage', minimum: 20},
  ratio: {type: 'number', title: 'Ratio'},
  name: {type: 'string', title: 'Name'},
  tags: {type: 'array', title: 'Tags', items: {type: 'string'}},
})

async function rejection(promise: Promise<unknown>): Promise<IdpError> {
  const error = await promise.then(
    () => assert.fail('expected the promise to be rejected'),
    (failure: unknown) => failure,
  )
  assert.ok(error instanceof IdpError, `expected an IdpError, got ${String(error)}`)
  return error
}

/** Creates a prompter that replies from a table and records each request. */
function scriptedPrompter(answers: Record<string, unknown>): InputPrompter & {asked: PromptRequest[]} {
  const asked: PromptRequest[] = []
  return {
    asked,
    async ask(request) {
      asked.push(request)
      return request.input.name in answers ? answers[request.input.name] : request.default
    },
  }
}

describe('input precedence', () => {
  it('takes flags over values over defaults', async () => {
    const inputs = await resolveInputs({
      manifest: database,
      flags: {name: 'from-flag'},
      values: {origin: 'values.yaml', data: {name: 'from-values', size: 'large'}},
      user: {team: 'payments'},
    })
    assert.deepEqual(inputs, {name: 'from-flag', environment: 'dev', size: 'large', team: 'payments'})
  })

  it('takes the team default from user context', async () => {
    const inputs = await resolveInputs({manifest: database, flags: {name: 'orders-db'}, user: {team: 'checkout'}})
    assert.equal(inputs.team, 'checkout')
  })

  it('prompts only for inputs not given, with defaults pre-selected', async () => {
    const prompter = scriptedPrompter({size: 'medium'})
    const inputs = await resolveInputs({manifest: database, flags: {name: 'orders-db'}, user: {team: 'payments'}, prompter})
    assert.deepEqual(
      prompter.asked.map((request) => [request.input.name, request.default]),
      [
        ['environment', 'dev'],
        ['size', 'small'],
        ['team', 'payments'],
      ],
    )
    assert.deepEqual(inputs, {name: 'orders-db', environment: 'dev', size: 'medium', team: 'payments'})
  })

  it('offers enum labels and the price text beside each choice', async () => {
    const prompter = scriptedPrompter({})
    await resolveInputs({
      manifest: database,
      flags: {name: 'orders-db', environment: 'dev', team: 'payments'},
      user: {},
      prompter,
      describeChoice: (input, value) => (input.name === 'size' ? `$${({small: 50, medium: 150, large: 400} as Record<string, number>)[String(value)]}/month` : undefined),
    })
    assert.deepEqual(prompter.asked[0].choices, [
      {value: 'small', label: 'Small: 2 vCPU, 8 GB', description: '$50/month'},
      {value: 'medium', label: 'Medium: 4 vCPU, 16 GB', description: '$150/month'},
      {value: 'large', label: 'Large: 8 vCPU, 32 GB', description: '$400/month'},
    ])
  })

  it('validates prompt answers with the manifest message', async () => {
    const prompter = scriptedPrompter({})
    await resolveInputs({manifest: database, flags: {}, user: {team: 'payments'}, prompter: {ask: (request) => (prompter.asked.push(request), Promise.resolve('orders-db'))}})
    const nameRequest = prompter.asked.find((request) => request.input.name === 'name')!
    assert.equal(nameRequest.validate('X!orders'), '"X!orders" is not a valid Database name: lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter')
    assert.equal(nameRequest.validate('orders-db'), undefined)
  })
})

describe('input errors', () => {
  it('checks a default from user context like a given value', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {name: 'orders-db'}, user: {team: 'Payments Team\n### Approval'}}))
    assert.equal(error.code, 'INPUT_INVALID')
    assert.deepEqual(
      error.problems.map((problem) => problem.path),
      ['default of --team from user.team'],
    )
  })

  it('names every missing flag at once', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {}, user: {}}))
    assert.equal(error.code, 'INPUT_MISSING')
    assert.equal(error.exitCode, 2)
    assert.equal(error.message, 'Missing required inputs: --name, --team')
    assert.deepEqual(error.details.missing, ['name', 'team'])
  })

  it('explains a failed pattern in words, with the value (FC03)', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {name: 'X!orders', team: 't'}, user: {}}))
    assert.equal(error.code, 'INPUT_INVALID')
    assert.deepEqual(error.problems, [
      {path: '--name', message: '"X!orders" is not a valid Database name: lowercase letters, digits and hyphens, 3 to 31 characters, starting with a letter'},
    ])
    assert.doesNotMatch(error.problems[0].message, /\^\[a-z\]/)
  })

  it('lists the allowed values and labels for an enum (FC07)', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {name: 'orders-db', team: 't'}, values: {origin: 'v.yaml', data: {size: 'huge'}}, user: {}}))
    assert.deepEqual(error.problems, [
      {
        path: 'size in v.yaml',
        message: '"huge" is not an allowed Size. Allowed values: small (Small: 2 vCPU, 8 GB), medium (Medium: 4 vCPU, 16 GB), large (Large: 8 vCPU, 32 GB)',
      },
    ])
  })

  it('rejects a label given instead of a value (FC04)', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {name: 'orders-db', team: 't', size: 'Small: 2 vCPU, 8 GB'}, user: {}}))
    assert.equal(error.problems[0].path, '--size')
    assert.match(error.problems[0].message, /^"Small: 2 vCPU, 8 GB" is not an allowed Size\. Allowed values: small \(Small: 2 vCPU, 8 GB\)/)
  })

  it('names an unknown values key, the closest one and the known list (FC06)', async () => {
    const error = await rejection(resolveInputs({manifest: database, flags: {}, values: {origin: 'request.yaml', data: {nmae: 'x', team: 't'}}, user: {}}))
    assert.equal(error.code, 'INPUT_INVALID')
    assert.deepEqual(error.problems, [{path: 'nmae in request.yaml', message: 'unknown input "nmae"; did you mean "name"? Known inputs: name, environment, size, team'}])
  })

  it('reports all invalid inputs together and prompts for none', async () => {
    const prompter = scriptedPrompter({})
    const error = await rejection(resolveInputs({manifest: database, flags: {name: 'X', environment: 'prod'}, user: {}, prompter}))
    assert.deepEqual(
      error.problems.map((problem) => problem.path),
      ['--name', '--environment'],
    )
    assert.equal(prompter.asked.length, 0)
  })
})

describe('input coercion (FC08)', () => {
  const resolve = (flags: Record<string, unknown>) => resolveInputs({manifest: typed, flags, user: {}})

  it('parses true and false for booleans', async () => {
    assert.deepEqual(await resolve({multiAz: 'true'}), {multiAz: true})
    assert.deepEqual(await resolve({multiAz: 'FALSE'}), {multiAz: false})
    assert.deepEqual(await resolve({multiAz: 'yes'}), {multiAz: true})
    assert.deepEqual(await resolve({multiAz: false}), {multiAz: false})
  })

  it('rejects other boolean spellings, quoting the text', async () => {
    const error = await rejection(resolve({multiAz: 'banana'}))
    assert.deepEqual(error.problems, [{path: '--multi-az', message: '"banana" is not a boolean: use true or false'}])
  })

  it('parses whole numbers for integers', async () => {
    assert.deepEqual(await resolve({storageGb: '100'}), {storageGb: 100})
  })

  for (const text of ['100.5', '', 'ten', '1e3']) {
    it(`rejects ${JSON.stringify(text)} for an integer`, async () => {
      const error = await rejection(resolve({storageGb: text}))
      assert.deepEqual(error.problems, [{path: '--storage-gb', message: `"${text}" is not a whole number`}])
    })
  }

  it('applies the minimum after parsing', async () => {
    const error = await rejection(resolve({storageGb: '10'}))
    assert.deepEqual(error.problems, [{path: '--storage-gb', message: '10 is less than the minimum Storage of 20'}])
  })

  it('parses decimals for numbers', async () => {
    assert.deepEqual(await resolve({ratio: '0.25'}), {ratio: 0.25})
    const error = await rejection(resolve({ratio: '1,5'}))
    assert.deepEqual(error.problems, [{path: '--ratio', message: '"1,5" is not a number'}])
  })

  it('keeps string text as written', async () => {
    assert.deepEqual(await resolve({name: '007'}), {name: '007'})
  })

  it('collects repeated flags into a list', async () => {
    assert.deepEqual(await resolve({tags: ['a', 'b']}), {tags: ['a', 'b']})
  })

  it('treats values-file text by the input type', async () => {
    const inputs = await resolveInputs({manifest: typed, flags: {}, values: {origin: 'v.yaml', data: {name: '007', storageGb: '100', multiAz: 'true'}}, user: {}})
    assert.deepEqual(inputs, {multiAz: true, storageGb: 100, name: '007'})
  })
})
