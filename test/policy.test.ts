import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {isAbsolute, join} from 'node:path'
import {stringify} from 'yaml'
import {IdpError, type Problem} from '../src/errors.js'
import {
  bundledPolicyPath,
  evaluatePolicy,
  loadPolicy,
  mergeDecisions,
  parsePolicy,
  type Decision,
  type Policy,
  type PolicyOrigin,
  type PolicyRequest,
  type Requirement,
} from '../src/policy/index.js'
import {durationMinutes} from '../src/policy/requirements.js'

function dbCreateRequest(environment: string, size: string, monthly: number, risk: string[] = []): PolicyRequest {
  return {
    action: 'db-create',
    inputs: {name: 'orders', environment, size, replicas: 2},
    environment,
    cost: {monthly, currency: 'USD'},
    risk,
    resources: [{type: 'postgresql', name: `orders-${environment}`, size}],
    permissions: [{principal: 'team:payments', role: 'owner', on: `orders-${environment}`}],
    requester: {login: 'ada', name: 'Ada Lovelace', team: 'payments', groups: ['payments']},
  }
}

/** Picks the group, team and count of each requirement, the part that the decision table fixes. */
function approvers(decision: Decision): Array<{group: string; team: string; count: number}> {
  return decision.requirements.map(({group, team, count}) => ({group, team, count}))
}

/** Mulberry32: a small seeded PRNG, so a failure replays with the same seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T
}

let temporaryFolder: string

before(() => {
  temporaryFolder = mkdtempSync(join(tmpdir(), 'idp-policy-test-'))
})

after(() => {
  rmSync(temporaryFolder, {recursive: true, force: true})
})

let fileCounter = 0
function writePolicy(text: string): string {
  fileCounter += 1
  const path = join(temporaryFolder, `policy-${fileCounter}.yaml`)
  writeFileSync(path, text)
  return path
}

/** Loads a policy that must be invalid and returns its error. */
async function loadError(text: string): Promise<{error: IdpError; path: string}> {
  const path = writePolicy(text)
  try {
    await loadPolicy(path)
  } catch (error) {
    assert.ok(error instanceof IdpError, `expected an IdpError, got ${String(error)}`)
    return {error, path}
  }

  assert.fail(`expected ${path} to be rejected`)
}

const header = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  finance: {team: finance-approvers}
default:
  effect: require
  require: [{group: team-leads}]
  message: No rule matched.
`

describe('bundled policy', () => {
  let policy: Policy

  before(async () => {
    policy = await loadPolicy(bundledPolicyPath)
  })

  it('resolves to an absolute path that exists', () => {
    assert.ok(isAbsolute(bundledPolicyPath))
    assert.ok(bundledPolicyPath.endsWith(join('policies', 'approval-policy.yaml')))
    assert.ok(existsSync(bundledPolicyPath))
    assert.equal(policy.path, bundledPolicyPath)
  })

  const table: Array<[string, string, number, Decision['outcome'], ReturnType<typeof approvers>]> = [
    ['dev', 'small', 50, 'auto_approve', []],
    ['staging', 'small', 50, 'auto_approve', []],
    ['dev', 'medium', 150, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    ['dev', 'large', 400, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    ['staging', 'medium', 150, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    ['staging', 'large', 400, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    ['production', 'small', 100, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    ['production', 'medium', 300, 'needs_approval', [{group: 'team-leads', team: 'team-leads', count: 1}]],
    [
      'production',
      'large',
      800,
      'needs_approval',
      [
        {group: 'team-leads', team: 'team-leads', count: 1},
        {group: 'finance', team: 'finance', count: 1},
      ],
    ],
  ]

  for (const [environment, size, monthly, outcome, expected] of table) {
    it(`decides ${environment}/${size} at $${monthly}`, () => {
      const decision = evaluatePolicy(policy, dbCreateRequest(environment, size, monthly))
      assert.equal(decision.outcome, outcome)
      assert.deepEqual(approvers(decision), expected)
      assert.deepEqual(decision.errors, [])
      assert.deepEqual(decision.policy, {path: bundledPolicyPath})
    })
  }

  it('explains an auto-approval', () => {
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    assert.deepEqual(decision.reasons, ['Non-production requests under 100 a month are approved automatically.'])
    assert.deepEqual(decision.matchedRules, [
      {
        id: 'non-production-under-100',
        effect: 'auto_approve',
        message: 'Non-production requests under 100 a month are approved automatically.',
      },
    ])
  })

  it('merges production sign-off and cost into one team lead', () => {
    const decision = evaluatePolicy(policy, dbCreateRequest('production', 'small', 100))
    const costReason = 'The estimated cost of 100 USD a month is 100 or more, so a team lead must approve.'
    assert.deepEqual(decision.requirements, [
      {
        group: 'team-leads',
        team: 'team-leads',
        count: 1,
        allowRequester: false,
        reasons: ["Production changes need a team lead's sign-off.", costReason],
        rules: ['production-needs-sign-off', 'cost-100-or-more-needs-team-lead'],
        sla: '24h',
      },
    ])
    assert.deepEqual(decision.reasons, ["Production changes need a team lead's sign-off.", costReason])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['production-needs-sign-off', 'cost-100-or-more-needs-team-lead'],
    )
  })

  it('requires security for an IAM action', () => {
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50, ['iam']))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(approvers(decision), [{group: 'security', team: 'security', count: 1}])
    assert.deepEqual(decision.reasons, ['This action changes IAM permissions, so security must approve.'])
    assert.deepEqual(
      decision.matchedRules.map((rule) => [rule.id, rule.effect]),
      [
        ['non-production-under-100', 'auto_approve'],
        ['iam-needs-security', 'require'],
      ],
    )
  })

  it('denies public exposure in production', () => {
    const decision = evaluatePolicy(policy, dbCreateRequest('production', 'small', 100, ['public-exposure']))
    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.requirements, [])
    assert.deepEqual(decision.reasons, [
      'Production resources must not be exposed to the public internet. Request the resource without public access, or ask the platform team for a reviewed exception.',
    ])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['production-needs-sign-off', 'cost-100-or-more-needs-team-lead', 'no-public-exposure-in-production'],
    )
  })

  it('allows public exposure outside production', () => {
    const decision = evaluatePolicy(policy, dbCreateRequest('staging', 'small', 50, ['public-exposure']))
    assert.equal(decision.outcome, 'auto_approve')
  })
})

describe('policy combination', () => {
  it('merges one group from two rules to the larger count', () => {
    const policy = parsePolicy(
      `${header}rules:
  - id: first
    when: cost.monthly >= 100
    effect: require
    require: [{group: team-leads, count: 1, allowRequester: true, sla: 2d, escalateTo: finance}]
    message: First reason.
  - id: second
    when: environment == "production"
    effect: require
    require: [{group: team-leads, count: 2, sla: 4h}, {group: finance, count: 1, allowRequester: true}]
    message: Second reason.
  - id: third
    when: "true"
    effect: require
    require: [{group: team-leads, count: 1, allowRequester: true, sla: 1d}]
    message: Third reason.
`,
      'merge.yaml',
    )

    const decision = evaluatePolicy(policy, dbCreateRequest('production', 'small', 150))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.requirements, [
      {
        group: 'team-leads',
        team: 'team-leads',
        count: 2,
        allowRequester: false,
        reasons: ['First reason.', 'Second reason.', 'Third reason.'],
        rules: ['first', 'second', 'third'],
        sla: '4h',
      },
      {
        group: 'finance',
        team: 'finance-approvers',
        count: 1,
        allowRequester: true,
        reasons: ['Second reason.'],
        rules: ['second'],
      },
    ])
    assert.deepEqual(decision.reasons, ['First reason.', 'Second reason.', 'Third reason.'])
  })

  it('keeps the escalation of the shortest sla', () => {
    const policy = parsePolicy(
      `${header}rules:
  - id: slow
    when: "true"
    effect: require
    require: [{group: team-leads, sla: 1w, escalateTo: team-leads}]
    message: Slow.
  - id: fast
    when: "true"
    effect: require
    require: [{group: team-leads, sla: 1d12h, escalateTo: finance}]
    message: Fast.
`,
      'sla.yaml',
    )

    const [requirement] = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).requirements
    assert.equal(requirement?.sla, '1d12h')
    assert.equal(requirement?.escalateTo, 'finance')
  })

  it('keeps the first escalation when no rule sets an sla', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: none, when: "true", effect: require, require: [{group: team-leads}], message: None.}
  - {id: first, when: "true", effect: require, require: [{group: team-leads, escalateTo: finance}], message: First.}
  - {id: second, when: "true", effect: require, require: [{group: team-leads, escalateTo: team-leads}], message: Second.}
`,
      'escalation.yaml',
    )

    const [requirement] = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).requirements
    assert.equal(requirement?.sla, undefined)
    assert.equal(requirement?.escalateTo, 'finance')
  })

  it('keeps the first escalation of two equal slas', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: first, when: "true", effect: require, require: [{group: team-leads, sla: 1d, escalateTo: finance}], message: First.}
  - {id: second, when: "true", effect: require, require: [{group: team-leads, sla: 24h, escalateTo: team-leads}], message: Second.}
`,
      'equal-sla.yaml',
    )

    const [requirement] = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).requirements
    assert.equal(requirement?.sla, '1d')
    assert.equal(requirement?.escalateTo, 'finance')
  })

  it('lists a repeated reason once', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: one, when: "true", effect: require, require: [{group: team-leads}], message: Same.}
  - {id: two, when: "true", effect: require, require: [{group: team-leads}], message: Same.}
`,
      'same-reason.yaml',
    )

    const [requirement] = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).requirements
    assert.deepEqual(requirement?.reasons, ['Same.'])
    assert.deepEqual(requirement?.rules, ['one', 'two'])
  })

  it('applies a deny default', () => {
    const policy = parsePolicy(
      `apiVersion: idp.dev/v1
kind: ApprovalPolicy
default: {effect: deny, message: Only listed requests are allowed.}
onError: deny
rules:
  - {id: small, when: 'inputs.size == "small"', effect: auto_approve, message: Small.}
`,
      'deny-default.yaml',
    )

    const denied = evaluatePolicy(policy, dbCreateRequest('dev', 'large', 1))
    assert.equal(denied.outcome, 'deny')
    assert.deepEqual(denied.requirements, [])
    assert.deepEqual(denied.reasons, ['Only listed requests are allowed.'])
    assert.deepEqual(denied.matchedRules, [])

    const approved = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.equal(approved.outcome, 'auto_approve')
    assert.deepEqual(approved.reasons, ['Small.'])
  })

  it('lets requirements win over auto-approval', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: cheap, when: "cost.monthly < 100", effect: auto_approve, message: Cheap.}
  - {id: money, when: "true", effect: require, require: [{group: finance}], message: Money.}
`,
      'require-wins.yaml',
    )

    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(approvers(decision), [{group: 'finance', team: 'finance-approvers', count: 1}])
    assert.deepEqual(decision.reasons, ['Money.'])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['cheap', 'money'],
    )
  })

  it('applies the default when no rule matches', () => {
    const policy = parsePolicy(`${header}rules:\n  - {id: never, when: "false", effect: deny, message: Never.}\n`, 'default.yaml')
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.requirements, [
      {
        group: 'team-leads',
        team: 'team-leads',
        count: 1,
        allowRequester: false,
        reasons: ['No rule matched.'],
        rules: ['default'],
      },
    ])
    assert.deepEqual(decision.reasons, ['No rule matched.'])
    assert.deepEqual(decision.matchedRules, [])
  })

  it('applies an auto_approve default', () => {
    const policy = parsePolicy(
      `apiVersion: idp.dev/v1
kind: ApprovalPolicy
default: {effect: auto_approve, message: Nothing to check.}
onError: deny
rules: []
`,
      'auto-default.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.equal(decision.outcome, 'auto_approve')
    assert.deepEqual(decision.reasons, ['Nothing to check.'])
  })

  it('lets a deny win over requirements and auto-approval', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: cheap, when: "cost.monthly < 100.0", effect: auto_approve, message: Cheap.}
  - {id: lead, when: "true", effect: require, require: [{group: team-leads}], message: Lead.}
  - {id: no-deletes, when: '"deletion" in risk', effect: deny, message: Deletion is not self-service.}
`,
      'deny.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1, ['deletion']))
    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.requirements, [])
    assert.deepEqual(decision.reasons, ['Deletion is not self-service.'])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['cheap', 'lead', 'no-deletes'],
    )
  })

  it('evaluates a messageExpression', () => {
    const policy = parsePolicy(
      `${header}rules:
  - id: named
    when: "true"
    effect: auto_approve
    messageExpression: requester.login + " may create " + string(size(resources)) + " resource(s) for " + action
`,
      'message.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.deepEqual(decision.reasons, ['ada may create 1 resource(s) for db-create'])
  })

  it('exposes whole-number inputs as CEL ints', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: replicas, when: "inputs.replicas * 2 == 4 && inputs.replicas > 1.5", effect: auto_approve, message: Two.}
  - {id: whole-request, when: 'request.cost.monthly >= 10 && request.inputs.size == "small"', effect: auto_approve, message: Request.}
`,
      'ints.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 10))
    assert.deepEqual(decision.errors, [])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['replicas', 'whole-request'],
    )
  })
})

describe('policy evaluation errors', () => {
  const failingRules = `rules:
  - id: cheap
    when: cost.monthly < 100
    effect: auto_approve
    message: Cheap.
  - id: broken
    when: inputs.missing == "x"
    effect: auto_approve
    message: Never shown.
`

  it('requires the default approvers under onError require', () => {
    const policy = parsePolicy(`${header}onError: require\n${failingRules}`, 'fail-require.yaml')
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    const message = 'when failed: No such key: missing (fail-require.yaml:17:18)'

    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.errors, [{rule: 'broken', message}])
    assert.deepEqual(decision.requirements, [
      {
        group: 'team-leads',
        team: 'team-leads',
        count: 1,
        allowRequester: false,
        reasons: [`Rule broken could not be evaluated, so the default approvers are required: ${message}`],
        rules: ['broken'],
      },
    ])
    assert.deepEqual(decision.reasons, [
      `Rule broken could not be evaluated, so the default approvers are required: ${message}`,
    ])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['cheap'],
    )
  })

  it('denies under onError deny', () => {
    const policy = parsePolicy(`${header}onError: deny\n${failingRules}`, 'fail-deny.yaml')
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    const message = 'when failed: No such key: missing (fail-deny.yaml:17:18)'

    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.requirements, [])
    assert.deepEqual(decision.errors, [{rule: 'broken', message}])
    assert.deepEqual(decision.reasons, [`Rule broken could not be evaluated, so the request is denied: ${message}`])
  })

  it('fails closed on a non-bool when result', () => {
    const policy = parsePolicy(
      `${header}rules:\n  - {id: size, when: inputs.size, effect: auto_approve, message: Never.}\n`,
      'dyn.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.errors, [{rule: 'size', message: 'when returned the string "small" instead of a bool'}])
  })

  it('fails closed when a messageExpression fails', () => {
    const policy = parsePolicy(
      `${header}onError: deny\nrules:\n  - {id: msg, when: "true", effect: auto_approve, messageExpression: 'inputs.nothing + "!"'}\n`,
      'message-fails.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.matchedRules, [])
    assert.deepEqual(decision.errors, [
      {rule: 'msg', message: 'messageExpression failed: No such key: nothing (message-fails.yaml:12:78)'},
    ])
  })

  it('fails closed on a division by zero', () => {
    const policy = parsePolicy(`${header}rules:\n  - {id: div, when: "inputs.replicas / 0 > 1", effect: auto_approve, message: x}\n`, 'div.yaml')
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    const message = 'when failed: division by zero (div.yaml:11:22)'
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.errors, [{rule: 'div', message}])
    assert.deepEqual(decision.reasons, [`Rule div could not be evaluated, so the default approvers are required: ${message}`])
  })

  it('fails closed on a non-string messageExpression result', () => {
    const policy = parsePolicy(
      `${header}rules:\n  - {id: msg, when: "true", effect: auto_approve, messageExpression: inputs.replicas}\n`,
      'message-type.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.matchedRules, [])
    assert.deepEqual(decision.errors, [{rule: 'msg', message: 'messageExpression returned the int 2 instead of a string'}])
  })

  it('merges a failing rule into the default group', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: lead, when: "true", effect: require, require: [{group: team-leads, count: 2}], message: Two leads.}
  - {id: broken, when: 'inputs.missing == "x"', effect: auto_approve, message: x}
  - {id: also-broken, when: 'inputs.gone == "x"', effect: deny, message: x}
`,
      'fail-merge.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    const broken = 'Rule broken could not be evaluated, so the default approvers are required: when failed: No such key: missing (fail-merge.yaml:12:32)'
    const alsoBroken = 'Rule also-broken could not be evaluated, so the default approvers are required: when failed: No such key: gone (fail-merge.yaml:13:37)'

    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(
      decision.errors.map((error) => error.rule),
      ['broken', 'also-broken'],
    )
    assert.deepEqual(decision.requirements, [
      {
        group: 'team-leads',
        team: 'team-leads',
        count: 2,
        allowRequester: false,
        reasons: ['Two leads.', broken, alsoBroken],
        rules: ['lead', 'broken', 'also-broken'],
      },
    ])
    assert.deepEqual(decision.reasons, ['Two leads.', broken, alsoBroken])
  })

  it('keeps a deny over a failing rule under onError require', () => {
    const policy = parsePolicy(
      `${header}rules:
  - {id: no, when: "true", effect: deny, message: No.}
  - {id: broken, when: 'inputs.missing == "x"', effect: auto_approve, message: x}
`,
      'fail-and-deny.yaml',
    )
    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50))
    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.requirements, [])
    assert.deepEqual(decision.reasons, [
      'No.',
      'Rule broken could not be evaluated, so the default approvers are required: when failed: No such key: missing (fail-and-deny.yaml:12:32)',
    ])
  })

  it('fails closed when the request lacks a variable', () => {
    const policy = parsePolicy(
      `${header}rules:\n  - {id: team, when: 'requester.team == "payments"', effect: auto_approve, message: Ours.}\n`,
      'no-team.yaml',
    )
    const request = dbCreateRequest('dev', 'small', 50)
    const {team: _team, ...requester} = request.requester
    const decision = evaluatePolicy(policy, {...request, requester: requester as PolicyRequest['requester']})
    assert.equal(decision.outcome, 'needs_approval')
    assert.deepEqual(decision.errors, [{rule: 'team', message: 'when failed: No such key: team (no-team.yaml:11:33)'}])
  })
})

describe('policy built in code', () => {
  const base: Policy = {
    path: 'in-memory',
    groups: {'team-leads': {team: 'leads'}},
    default: {effect: 'require', require: [{group: 'team-leads', count: 1, allowRequester: false}], message: 'Default.'},
    onError: 'require',
    rules: [{id: 'prod', when: 'environment == "production"', effect: 'deny', require: [], message: 'No production.'}],
  }

  it('is checked and evaluated like a loaded one', () => {
    const decision = evaluatePolicy(base, dbCreateRequest('production', 'small', 1))
    assert.equal(decision.outcome, 'deny')
    assert.deepEqual(decision.reasons, ['No production.'])
    assert.deepEqual(decision.policy, {path: 'in-memory'})
  })

  it('is rejected with every problem', () => {
    const policy: Policy = {
      ...base,
      rules: [
        {id: 'typo', when: 'enviroment == "production"', effect: 'deny', require: [], message: 'x'},
        {id: 'group', when: 'true', effect: 'require', require: [{group: 'leads', count: 1, allowRequester: false}], message: 'x'},
      ],
    }
    assert.throws(
      () => evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)),
      (error: unknown) => {
        assert.ok(error instanceof IdpError)
        assert.equal(error.code, 'POLICY_INVALID')
        assert.deepEqual(error.problems, [
          {
            file: 'in-memory',
            path: 'rules[1].require[0].group',
            message: 'group: unknown group "leads"; the groups are team-leads',
          },
          {
            file: 'in-memory',
            path: 'rules[0].when',
            message: 'typo: when is invalid: Unknown variable: enviroment (did you mean environment?)',
          },
        ])
        return true
      },
    )
  })
})

describe('policy load errors', () => {
  async function problemsOf(text: string): Promise<{problems: Problem[]; path: string}> {
    const {error, path} = await loadError(text)
    assert.equal(error.code, 'POLICY_INVALID')
    assert.equal(error.exitCode, 2)
    return {problems: error.problems, path}
  }

  it('reports a missing file', async () => {
    const path = join(temporaryFolder, 'missing.yaml')
    await assert.rejects(loadPolicy(path), (error: unknown) => {
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'POLICY_NOT_FOUND')
      assert.equal(error.exitCode, 2)
      assert.equal(error.message, `Policy file not found: ${path}`)
      return true
    })
  })

  it('reports a YAML syntax error with its position', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: broken
    when: [environment
    effect: deny
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 13,
        column: 5,
        message: 'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ])
  })

  it('reports an unknown field', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: prod
    when: environment == "production"
    effect: deny
    mesage: No.
`)
    assert.deepEqual(problems, [
      {file: path, line: 11, column: 5, path: 'rules[0]', message: 'prod: must have a message or a messageExpression'},
      {file: path, line: 14, column: 5, path: 'rules[0].mesage', message: 'prod: unknown field "mesage" (did you mean message?)'},
    ])
  })

  it('reports an unknown top-level field and a wrong kind', async () => {
    const {problems, path} = await problemsOf(`${header.replace('ApprovalPolicy', 'Action')}rule: []\n`)
    assert.deepEqual(problems, [
      {file: path, line: 1, column: 1, path: 'rules', message: 'missing required field "rules"'},
      {file: path, line: 2, column: 7, path: 'kind', message: 'must be "ApprovalPolicy"'},
      {file: path, line: 10, column: 1, path: 'rule', message: 'unknown field "rule" (did you mean rules?)'},
    ])
  })

  it('reports a misspelled variable at its column', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: production-needs-sign-off
    when: cost.monthly > 10.0 && enviroment == "production"
    effect: require
    require: [{group: team-leads}]
    message: Sign-off.
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 12,
        column: 34,
        path: 'rules[0].when',
        message: 'production-needs-sign-off: when is invalid: Unknown variable: enviroment (did you mean environment?)',
      },
    ])
  })

  it('reports type errors in when and messageExpression', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: adds-string
    when: 'cost.monthly + "a"'
    effect: auto_approve
    message: x
  - id: returns-string
    when: environment
    effect: auto_approve
    messageExpression: cost.monthly
  - id: int-equality
    when: |
      environment == "dev" ||
        cost.monthly == 100
    effect: auto_approve
    message: x
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 12,
        column: 12,
        path: 'rules[0].when',
        message: 'adds-string: when is invalid: no such overload: double + string',
      },
      {
        file: path,
        line: 16,
        column: 11,
        path: 'rules[1].when',
        message: 'returns-string: when must return bool, but this expression returns string',
      },
      {
        file: path,
        line: 18,
        column: 24,
        path: 'rules[1].messageExpression',
        message: 'returns-string: messageExpression must return string, but this expression returns double',
      },
      {
        file: path,
        line: 22,
        column: 9,
        path: 'rules[2].when',
        message:
          'int-equality: when is invalid: no such overload: double == int (CEL does not mix int and double here: write the number as a double, such as 100.0, or convert with double() or int())',
      },
    ])
  })

  it('rejects a YAML boolean condition and a mixed list', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - {id: bool, when: true, effect: auto_approve, message: x}
  - {id: mixed, when: "inputs.replicas in [1, 2.0]", effect: auto_approve, message: x}
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 11,
        column: 22,
        path: 'rules[0].when',
        message: 'bool: must be a CEL expression in a string (quote it if YAML reads it as another type, such as "true")',
      },
      {
        file: path,
        line: 12,
        column: 47,
        path: 'rules[1].when',
        message: "mixed: when is invalid: List elements must have the same type, expected type 'int' but found 'double'",
      },
    ])
  })

  it('reports a CEL syntax error at its column', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: unfinished
    when: "environment == 'production' &&"
    effect: deny
    message: x
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 12,
        column: 42,
        path: 'rules[0].when',
        message: 'unfinished: when is not valid CEL: Unexpected token: EOF',
      },
    ])
  })

  it('points into quoted, folded and multi-line strings', async () => {
    const {problems} = await problemsOf(`${header}rules:
  - id: double-quoted
    when: "\\"a\\" == \\"a\\" && nope"
    effect: auto_approve
    message: x
  - id: single-quoted
    when: '''a'' == ''a'' && nope'
    effect: auto_approve
    message: x
  - id: folded
    when: >
      "a" == "a" &&
      requester.tem == "x"
    effect: auto_approve
    message: x
  - id: plain-multi-line
    when: environment ==
      "x" && nope
    effect: auto_approve
    message: x
`)
    const unknownNope =
      'when is invalid: Unknown variable: nope (the variables are action, inputs, environment, cost, risk, resources, permissions, requester, request)'
    assert.deepEqual(
      problems.map((problem) => [problem.line, problem.column, problem.message]),
      [
        [12, 30, `double-quoted: ${unknownNope}`],
        [16, 30, `single-quoted: ${unknownNope}`],
        [22, 17, 'folded: when is invalid: No such key: tem (did you mean team?)'],
        [27, 14, `plain-multi-line: ${unknownNope}`],
      ],
    )
  })

  it('reports unknown groups', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - id: money
    when: cost.monthly > 500
    effect: require
    require: [{group: finanse, escalateTo: security}]
    message: Money.
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 14,
        column: 23,
        path: 'rules[0].require[0].group',
        message: 'money: unknown group "finanse" (did you mean finance?); the groups are team-leads, finance',
      },
      {
        file: path,
        line: 14,
        column: 44,
        path: 'rules[0].require[0].escalateTo',
        message: 'money: unknown group "security"; the groups are team-leads, finance',
      },
    ])
  })

  it('reports a duplicate rule id', async () => {
    const {problems, path} = await problemsOf(`${header}rules:
  - {id: same, when: "true", effect: auto_approve, message: One.}
  - {id: same, when: "false", effect: auto_approve, message: Two.}
`)
    assert.deepEqual(problems, [
      {file: path, line: 12, column: 10, path: 'rules[1].id', message: 'same: duplicate rule id, already used by rules[0]'},
    ])
  })

  it('reports every problem at once', async () => {
    const {problems} = await problemsOf(`${header}onError: sometimes
rules:
  - {id: one, when: "enviroment", effect: allow, message: x}
  - {id: one, when: "true", effect: deny, require: [{group: team-leads, count: 0}], message: x}
`)
    assert.deepEqual(
      problems.map((problem) => [problem.line, problem.column, problem.path, problem.message]),
      [
        [10, 10, 'onError', 'must be "require" or "deny"'],
        [12, 22, 'rules[0].when', 'one: when is invalid: Unknown variable: enviroment (did you mean environment?)'],
        [12, 43, 'rules[0].effect', 'one: must be one of auto_approve, require, deny'],
        [13, 5, 'rules[1]', 'one: must not have a require list unless effect is require'],
        [13, 10, 'rules[1].id', 'one: duplicate rule id, already used by rules[0]'],
        [13, 80, 'rules[1].require[0].count', 'one: must be a whole number of 1 or more'],
      ],
    )
  })

  it('rejects onError require with a default that requires nobody', async () => {
    const {problems, path} = await problemsOf(`apiVersion: idp.dev/v1
kind: ApprovalPolicy
default: {effect: auto_approve, message: Fine.}
rules: []
`)
    assert.deepEqual(problems, [
      {
        file: path,
        line: 3,
        column: 19,
        path: 'default.effect',
        message:
          'default: the default\'s effect is auto_approve, but onError "require" (also used when onError is not set) needs a default that requires approvers; set onError to deny, or give the default effect require and a require list',
      },
    ])
  })

  it('rejects an empty file', async () => {
    const {problems, path} = await problemsOf('# nothing here\n')
    assert.deepEqual(problems, [
      {file: path, message: 'the file is empty; a policy needs apiVersion, kind, default and rules'},
    ])
  })

  it('rejects a document that is not a mapping', async () => {
    const {problems, path} = await problemsOf('- apiVersion: idp.dev/v1\n')
    assert.deepEqual(problems, [{file: path, line: 1, column: 1, message: 'must be a mapping'}])
  })
})

describe('policy property: requirements only grow', () => {
  const conditions = [
    'true',
    'false',
    'environment == "production"',
    'environment != "production"',
    'cost.monthly >= 100',
    'cost.monthly > 500',
    'cost.monthly < 100',
    '"iam" in risk',
    '"deletion" in risk',
    'inputs.size == "large"',
    'inputs.replicas > 2',
    'requester.team == "payments"',
    // Fails at evaluation time: the inputs have no such key.
    'inputs.missing == "x"',
  ]
  const groupNames = ['alpha', 'beta', 'gamma']
  const slas = [undefined, '30m', '4h', '1d', '1w']

  function randomRule(random: () => number, id: string): Record<string, unknown> {
    const roll = random()
    let effect = 'require'
    if (roll < 0.15) effect = 'deny'
    else if (roll < 0.4) effect = 'auto_approve'
    const rule: Record<string, unknown> = {id, when: pick(random, conditions), effect, message: `Rule ${id}.`}
    if (effect === 'require') {
      const count = 1 + Math.floor(random() * 2)
      rule.require = Array.from({length: count}, () => {
        const requirement: Record<string, unknown> = {
          group: pick(random, groupNames),
          count: 1 + Math.floor(random() * 3),
          allowRequester: random() < 0.5,
        }
        const sla = pick(random, slas)
        if (sla) requirement.sla = sla
        return requirement
      })
    }

    return rule
  }

  function randomRequest(random: () => number): PolicyRequest {
    const environment = pick(random, ['dev', 'staging', 'production', ''])
    const request = dbCreateRequest(environment, pick(random, ['small', 'medium', 'large']), pick(random, [0, 50, 99.5, 100, 250, 500, 501, 1200]))
    request.risk = ['iam', 'deletion', 'public-exposure'].filter(() => random() < 0.3)
    request.inputs.replicas = 1 + Math.floor(random() * 4)
    request.requester.team = pick(random, ['payments', 'search'])
    return request
  }

  function policyText(rules: Array<Record<string, unknown>>, onError: string): string {
    return stringify({
      apiVersion: 'idp.dev/v1',
      kind: 'ApprovalPolicy',
      groups: Object.fromEntries(groupNames.map((name) => [name, {team: `${name}-team`}])),
      default: {effect: 'require', require: [{group: 'alpha', count: 1}], message: 'Default.'},
      onError,
      rules,
    })
  }

  it('never drops or lowers a rule requirement when a rule is added', () => {
    const random = prng(37)
    let checkedRequirements = 0

    for (let iteration = 0; iteration < 200; iteration++) {
      const onError = random() < 0.5 ? 'require' : 'deny'
      const rules = Array.from({length: Math.floor(random() * 6)}, (_, index) => randomRule(random, `rule-${index}`))
      const added = randomRule(random, 'added')
      const position = Math.floor(random() * (rules.length + 1))
      const extended = [...rules.slice(0, position), added, ...rules.slice(position)]
      const request = randomRequest(random)

      const before = evaluatePolicy(parsePolicy(policyText(rules, onError), 'before.yaml'), request)
      const after = evaluatePolicy(parsePolicy(policyText(extended, onError), 'after.yaml'), request)
      const context = `iteration ${iteration}: ${JSON.stringify({rules, added, position, onError, request})}`

      // Adding a rule never lifts a deny.
      if (before.outcome === 'deny') {
        assert.equal(after.outcome, 'deny', context)
        continue
      }

      const addedDenies =
        after.matchedRules.some((rule) => rule.id === 'added' && rule.effect === 'deny') ||
        (onError === 'deny' && after.errors.some((error) => error.rule === 'added'))
      if (addedDenies) {
        assert.equal(after.outcome, 'deny', context)
        continue
      }

      assert.notEqual(after.outcome, 'deny', context)
      // Requirements of the policy default are not produced by rules; a matching rule may replace them.
      const fromRules = before.requirements.filter((requirement) => requirement.rules.some((id) => id !== 'default'))
      for (const requirement of fromRules) {
        const merged = after.requirements.find((candidate) => candidate.group === requirement.group)
        assert.ok(merged, `${context}: lost group ${requirement.group}`)
        assert.ok(merged.count >= requirement.count, `${context}: count of ${requirement.group} went down`)
        for (const id of requirement.rules) assert.ok(merged.rules.includes(id), `${context}: lost rule ${id}`)
        checkedRequirements += 1
      }
    }

    // Guards against a generator that never produces requirements, which would make the test vacuous.
    assert.ok(checkedRequirements >= 100, `only ${checkedRequirements} requirements were checked`)
  })
})

describe('policy origin', () => {
  const text = `${header}rules:\n  - {id: prod, when: 'environment == "production"', effect: deny, message: No.}\n`

  it('is copied into every decision', () => {
    const origin: PolicyOrigin = {kind: 'repository', repository: 'acme/infra', ref: 'main', commit: '1a2b3c4d5e6f7a8b9c0d'}
    const policy = parsePolicy(text, 'acme/infra:.idp/approval-policy.yaml', origin)
    assert.deepEqual(policy.origin, origin)
    assert.ok(Object.isFrozen(policy.origin))
    assert.ok(!Object.isFrozen(origin), "the caller's object stays unfrozen")

    const decision = evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1))
    assert.deepEqual(decision.policy, {path: 'acme/infra:.idp/approval-policy.yaml', origin})
  })

  it('leaves out undefined origin fields', () => {
    const policy = parsePolicy(text, 'local.yaml', {kind: 'file', repository: undefined})
    assert.deepEqual(evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).policy, {path: 'local.yaml', origin: {kind: 'file'}})
  })

  it('is read by loadPolicy', async () => {
    const policy = await loadPolicy(bundledPolicyPath, {kind: 'bundled'})
    assert.deepEqual(evaluatePolicy(policy, dbCreateRequest('dev', 'small', 50)).policy, {path: bundledPolicyPath, origin: {kind: 'bundled'}})
  })

  it('is kept for a policy built in code', () => {
    const policy: Policy = {
      path: 'in-memory',
      origin: {kind: 'file'},
      groups: {},
      default: {effect: 'deny', require: [], message: 'No.'},
      onError: 'deny',
      rules: [],
    }
    assert.deepEqual(evaluatePolicy(policy, dbCreateRequest('dev', 'small', 1)).policy, {path: 'in-memory', origin: {kind: 'file'}})
  })
})

describe('group notification settings', () => {
  function policyWithNotify(notify: string): string {
    return `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  finance:
    team: finance
    notify: ${notify}
default: {effect: require, require: [{group: team-leads}], message: Default.}
rules: []
`
  }

  it('accepts an environment variable name', () => {
    const policy = parsePolicy(policyWithNotify('{slack: {webhookUrlEnv: SLACK_FINANCE_WEBHOOK}}'), 'env.yaml')
    assert.deepEqual(policy.groups.finance, {team: 'finance', notify: {slack: {webhookUrlEnv: 'SLACK_FINANCE_WEBHOOK'}}})
  })

  it('accepts an https or loopback webhook URL', () => {
    for (const url of ['https://hooks.slack.com/services/T0/B0/x', 'http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9/x']) {
      const policy = parsePolicy(policyWithNotify(`{slack: {webhookUrl: "${url}"}}`), 'url.yaml')
      assert.deepEqual(policy.groups.finance?.notify, {slack: {webhookUrl: url}})
    }
  })

  async function notifyProblems(notify: string): Promise<Array<[number | undefined, number | undefined, string | undefined, string]>> {
    const {error} = await loadError(policyWithNotify(notify))
    return error.problems.map((problem) => [problem.line, problem.column, problem.path, problem.message])
  }

  it('rejects both settings and neither', async () => {
    const exactlyOne = 'must have exactly one of webhookUrlEnv (recommended) and webhookUrl'
    assert.deepEqual(await notifyProblems('{slack: {webhookUrlEnv: HOOK, webhookUrl: "https://hooks.slack.com/x"}}'), [
      [7, 21, 'groups.finance.notify.slack', exactlyOne],
    ])
    assert.deepEqual(await notifyProblems('{slack: {}}'), [[7, 21, 'groups.finance.notify.slack', exactlyOne]])
    assert.deepEqual(await notifyProblems('{}'), [[7, 13, 'groups.finance.notify.slack', 'missing required field "slack"']])
  })

  it('rejects a bad variable name, URL or channel', async () => {
    assert.deepEqual(await notifyProblems('{slack: {webhookUrlEnv: "1-bad"}}'), [
      [7, 37, 'groups.finance.notify.slack.webhookUrlEnv', 'must be an environment variable name such as SLACK_FINANCE_WEBHOOK'],
    ])
    const badUrl =
      'must be an https URL without a user name or password, such as https://hooks.slack.com/services/..., or an http URL to a loopback host (localhost, 127.x.x.x or [::1])'
    for (const url of ['http://hooks.slack.com/x', 'https://user:secret@hooks.slack.com/x', 'http://127.0.0.1.example.com/']) {
      assert.deepEqual(await notifyProblems(`{slack: {webhookUrl: "${url}"}}`), [[7, 34, 'groups.finance.notify.slack.webhookUrl', badUrl]], url)
    }

    assert.deepEqual(await notifyProblems('{slack: {webhookUrlEnv: HOOK}, email: finance@example.com}'), [
      [7, 44, 'groups.finance.notify.email', 'unknown field "email"'],
    ])
  })
})

describe('mergeDecisions', () => {
  function decision(path: string, fields: Partial<Decision>): Decision {
    return {outcome: 'auto_approve', requirements: [], reasons: [], matchedRules: [], errors: [], policy: {path}, ...fields}
  }

  function requirement(group: string, fields: Partial<Requirement> = {}): Requirement {
    return {group, team: group, count: 1, allowRequester: false, reasons: [`${group} reason`], rules: [`${group}-rule`], ...fields}
  }

  const shared = decision('shared.yaml', {
    outcome: 'needs_approval',
    requirements: [requirement('team-leads', {allowRequester: true, sla: '1d', escalateTo: 'finance'}), requirement('finance')],
    reasons: ['Shared reason.'],
    matchedRules: [{id: 'shared-rule', effect: 'require', message: 'Shared reason.'}],
    policy: {path: 'shared.yaml', origin: {kind: 'repository', repository: 'acme/infra', ref: 'main', commit: 'abc'}},
  })

  it('merges requirements by group', () => {
    const local = decision('local.yaml', {
      outcome: 'needs_approval',
      requirements: [
        requirement('team-leads', {count: 2, allowRequester: true, sla: '4h', reasons: ['Local reason.'], rules: ['local-rule']}),
        requirement('security'),
      ],
      reasons: ['Local reason.'],
      matchedRules: [{id: 'local-rule', effect: 'require', message: 'Local reason.'}],
      errors: [{rule: 'broken', message: 'when failed'}],
    })

    assert.deepEqual(mergeDecisions([shared, local]), {
      outcome: 'needs_approval',
      requirements: [
        {
          group: 'team-leads',
          team: 'team-leads',
          count: 2,
          allowRequester: true,
          reasons: ['team-leads reason', 'Local reason.'],
          rules: ['team-leads-rule', 'local-rule'],
          sla: '4h',
          policies: ['shared.yaml', 'local.yaml'],
        },
        {group: 'finance', team: 'finance', count: 1, allowRequester: false, reasons: ['finance reason'], rules: ['finance-rule'], policies: ['shared.yaml']},
        {group: 'security', team: 'security', count: 1, allowRequester: false, reasons: ['security reason'], rules: ['security-rule'], policies: ['local.yaml']},
      ],
      reasons: ['Shared reason.', 'Local reason.'],
      matchedRules: [
        {id: 'shared-rule', effect: 'require', message: 'Shared reason.'},
        {id: 'local-rule', effect: 'require', message: 'Local reason.'},
      ],
      errors: [{rule: 'broken', message: 'when failed'}],
      policy: shared.policy,
      policies: [shared.policy, {path: 'local.yaml'}],
    })
  })

  it('lets a deny win', () => {
    const local = decision('local.yaml', {outcome: 'deny', reasons: ['Not here.'], matchedRules: [{id: 'no', effect: 'deny', message: 'Not here.'}]})
    const merged = mergeDecisions([shared, local])
    assert.equal(merged.outcome, 'deny')
    assert.deepEqual(merged.requirements, [])
    assert.deepEqual(merged.reasons, ['Not here.'])
    assert.deepEqual(
      merged.matchedRules.map((rule) => rule.id),
      ['shared-rule', 'no'],
    )
  })

  it('auto-approves only when every decision does', () => {
    const cheap = decision('local.yaml', {reasons: ['Cheap.']})
    const alsoCheap = decision('other.yaml', {reasons: ['Cheap.', 'Small.']})
    const approved = mergeDecisions([cheap, alsoCheap])
    assert.equal(approved.outcome, 'auto_approve')
    assert.deepEqual(approved.reasons, ['Cheap.', 'Small.'])

    const needed = mergeDecisions([cheap, shared])
    assert.equal(needed.outcome, 'needs_approval')
    assert.deepEqual(needed.reasons, ['Shared reason.'])
    assert.deepEqual(
      needed.requirements.map((merged) => [merged.group, merged.policies]),
      [
        ['team-leads', ['shared.yaml']],
        ['finance', ['shared.yaml']],
      ],
    )
  })

  it('keeps the shared team of a group', () => {
    const local = decision('local.yaml', {outcome: 'needs_approval', requirements: [requirement('finance', {team: 'someone-else'})]})
    assert.equal(mergeDecisions([shared, local]).requirements[1]?.team, 'finance')
  })

  it('keeps the policies of a merged decision', () => {
    const local = decision('local.yaml', {outcome: 'needs_approval', requirements: [requirement('finance')]})
    const third = decision('third.yaml', {outcome: 'needs_approval', requirements: [requirement('finance', {count: 3})]})
    const merged = mergeDecisions([mergeDecisions([shared, local]), third])
    assert.deepEqual(
      merged.policies?.map((policy) => policy.path),
      ['shared.yaml', 'local.yaml', 'third.yaml'],
    )
    assert.deepEqual(merged.requirements[1]?.policies, ['shared.yaml', 'local.yaml', 'third.yaml'])
    assert.equal(merged.requirements[1]?.count, 3)
  })

  it('leaves its inputs unchanged', () => {
    const before = structuredClone(shared)
    const local = decision('local.yaml', {outcome: 'needs_approval', requirements: [requirement('team-leads', {count: 5, sla: '1h'})]})
    mergeDecisions([shared, local])
    assert.deepEqual(shared, before)
  })

  it('rejects an empty list', () => {
    assert.throws(() => mergeDecisions([]), {name: 'TypeError', message: 'mergeDecisions needs at least one decision'})
  })
})

describe('mergeDecisions property: requirements only grow', () => {
  const groups = ['alpha', 'beta', 'gamma', 'delta']
  const slas = [undefined, '30m', '4h', '1d', '1d12h', '1w']

  function randomDecision(random: () => number, path: string): Decision {
    const outcome = pick(random, ['auto_approve', 'needs_approval', 'needs_approval', 'deny'] as const)
    const requirements: Requirement[] = []
    if (outcome === 'needs_approval') {
      for (const group of groups.filter(() => random() < 0.5)) {
        const sla = pick(random, slas)
        requirements.push({
          group,
          team: `${group}-team`,
          count: 1 + Math.floor(random() * 3),
          allowRequester: random() < 0.5,
          reasons: [`${path} ${group}`],
          rules: [`${path}-${group}`],
          ...(sla === undefined ? {} : {sla}),
        })
      }

      if (requirements.length === 0) requirements.push({group: 'alpha', team: 'alpha-team', count: 1, allowRequester: true, reasons: ['a'], rules: ['a']})
    }

    return {outcome, requirements, reasons: [`${path} ${outcome}`], matchedRules: [], errors: [], policy: {path}}
  }

  it('never drops, lowers or loosens a requirement of either input', () => {
    const random = prng(11)
    let checkedRequirements = 0

    for (let iteration = 0; iteration < 500; iteration++) {
      const pair = [randomDecision(random, 'shared.yaml'), randomDecision(random, 'local.yaml')]
      const merged = mergeDecisions(pair)
      const context = `iteration ${iteration}: ${JSON.stringify(pair)}`

      if (pair.some((input) => input.outcome === 'deny')) {
        assert.equal(merged.outcome, 'deny', context)
        continue
      }

      if (pair.some((input) => input.outcome === 'needs_approval')) assert.equal(merged.outcome, 'needs_approval', context)
      else assert.equal(merged.outcome, 'auto_approve', context)

      for (const input of pair) {
        assert.ok(merged.requirements.length >= input.requirements.length, `${context}: fewer requirements`)
        for (const expected of input.requirements) {
          const found = merged.requirements.find((candidate) => candidate.group === expected.group)
          assert.ok(found, `${context}: lost group ${expected.group}`)
          assert.ok(found.count >= expected.count, `${context}: count of ${expected.group} went down`)
          assert.ok(!found.allowRequester || expected.allowRequester, `${context}: ${expected.group} lets the requester approve`)
          if (expected.sla !== undefined) {
            assert.ok(found.sla !== undefined, `${context}: lost the sla of ${expected.group}`)
            assert.ok(durationMinutes(found.sla) <= durationMinutes(expected.sla), `${context}: sla of ${expected.group} grew`)
          }

          for (const rule of expected.rules) assert.ok(found.rules.includes(rule), `${context}: lost rule ${rule}`)
          assert.ok(found.policies?.includes(input.policy.path), `${context}: lost policy ${input.policy.path}`)
          checkedRequirements += 1
        }
      }
    }

    // Guards against a generator that never produces requirements, which would make the test vacuous.
    assert.ok(checkedRequirements >= 300, `only ${checkedRequirements} requirements were checked`)
  })
})
