import assert from 'node:assert/strict'
import {stringify} from 'yaml'
import {evaluatePolicy, explainPolicy, parsePolicy, type Policy, type PolicyRequest} from '../src/policy/index.js'
import {evaluationsBeforeSharing} from '../src/policy/clauses.js'

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

function request(inputs: Record<string, unknown>, environment = 'dev'): PolicyRequest {
  return {
    action: 'db-create',
    inputs: {environment, ...inputs},
    environment,
    cost: {monthly: 120, currency: 'USD'},
    risk: [],
    resources: [],
    permissions: [],
    requester: {login: 'ada', name: 'Ada', team: 'payments', groups: []},
  }
}

function policyText(rules: Array<Record<string, unknown>>, onError: 'require' | 'deny' = 'require'): string {
  return stringify({
    apiVersion: 'idp.dev/v1',
    kind: 'ApprovalPolicy',
    groups: {'team-leads': {team: 'team-leads'}},
    default: {effect: 'require', require: [{group: 'team-leads'}], message: 'No rule matched.'},
    onError,
    rules,
  })
}

/** Evaluates a throwaway request until the policy shares its clauses from the next evaluation on. */
function warmUp(policy: Policy): void {
  for (let evaluation = 0; evaluation < evaluationsBeforeSharing; evaluation++) evaluatePolicy(policy, request({}))
}

// Clauses that fail on some requests (a missing key, a division by zero, a value of the wrong type)
// or return a value other than a bool, next to clauses that always return a bool.
const clausePool = [
  'environment == "production"',
  'environment != "dev"',
  'cost.monthly >= 100',
  'cost.monthly < 50.5',
  '"iam" in risk',
  'has(inputs.size)',
  'inputs.size == "large"',
  'inputs.flag',
  'inputs.replicas > 2',
  '1 / inputs.divisor > 0',
  'requester.team == "payments"',
  '"admins" in requester.groups',
  'resources.exists(r, r.type == "bucket")',
  'permissions.all(p, p.role != "owner")',
  'true',
  'false',
] as const

function randomCondition(random: () => number, depth: number): string {
  const choice = depth === 0 ? 0 : Math.floor(random() * 5)
  if (choice === 0) return pick(random, clausePool)
  const left = randomCondition(random, depth - 1)
  if (choice === 1) return `${left} && ${randomCondition(random, depth - 1)}`
  if (choice === 2) return `${left} || ${randomCondition(random, depth - 1)}`
  if (choice === 3) return `!(${left})`
  return `(${left}) && (${randomCondition(random, depth - 1)} || ${randomCondition(random, depth - 1)})`
}

function randomRequest(random: () => number): PolicyRequest {
  const inputs: Record<string, unknown> = {}
  const size = pick(random, [undefined, 'large', 'small'])
  if (size !== undefined) inputs.size = size
  const flag = pick(random, [undefined, true, false, 'yes'])
  if (flag !== undefined) inputs.flag = flag
  const replicas = pick(random, [undefined, 1, 3, 'three'])
  if (replicas !== undefined) inputs.replicas = replicas
  const divisor = pick(random, [undefined, 0, 2])
  if (divisor !== undefined) inputs.divisor = divisor

  return {
    ...request(inputs, pick(random, ['dev', 'staging', 'production'])),
    cost: {monthly: pick(random, [0, 50, 99.5, 100, 750.25]), currency: 'USD'},
    risk: random() < 0.5 ? ['iam'] : [],
    resources: random() < 0.5 ? [{type: 'bucket', name: 'assets'}] : [],
    permissions: random() < 0.5 ? [{principal: 'team:payments', role: pick(random, ['reader', 'owner']), on: 'assets'}] : [],
    requester: {login: 'ada', name: 'Ada', team: pick(random, ['payments', 'search']), groups: random() < 0.5 ? ['admins'] : []},
  }
}

describe('shared clauses', () => {
  it('decide random rules like whole conditions', () => {
    const random = prng(20261205)
    for (let policyIndex = 0; policyIndex < 12; policyIndex++) {
      const rules = Array.from({length: 15}, (_, index) => {
        const effect = pick(random, ['auto_approve', 'require', 'deny'])
        return {
          id: `rule-${index}`,
          when: randomCondition(random, 3),
          effect,
          ...(effect === 'require' ? {require: [{group: 'team-leads'}]} : {}),
          message: `Rule ${index} matched.`,
        }
      })

      const policy = parsePolicy(policyText(rules, pick(random, ['require', 'deny'])), `random-${policyIndex}.yaml`)
      warmUp(policy)

      for (let requestIndex = 0; requestIndex < 40; requestIndex++) {
        const sample = randomRequest(random)
        const decision = evaluatePolicy(policy, sample)
        // explainPolicy runs every rule's whole condition, so it is the reference.
        const explanations = explainPolicy(policy, sample)
        const context = `policy ${policyIndex}, request ${JSON.stringify(sample)}`
        assert.deepEqual(
          decision.matchedRules.map((rule) => rule.id),
          explanations.filter((explanation) => explanation.matched).map((explanation) => explanation.id),
          context,
        )
        assert.deepEqual(
          decision.errors,
          explanations.filter((explanation) => explanation.error !== undefined).map(({id, error}) => ({rule: id, message: error})),
          context,
        )
      }
    }
  })

  it('let a deciding operand win over a failing clause', () => {
    const policy = parsePolicy(
      policyText([
        {id: 'and', when: 'inputs.missing == 1 && environment == "production"', effect: 'deny', message: 'And.'},
        {id: 'or', when: 'inputs.missing == 1 || environment == "dev"', effect: 'auto_approve', message: 'Or.'},
        {id: 'not', when: '!(environment == "dev") && inputs.missing == 1', effect: 'deny', message: 'Not.'},
      ]),
      'operands.yaml',
    )
    warmUp(policy)

    const decision = evaluatePolicy(policy, request({}, 'dev'))
    assert.deepEqual(decision.errors, [])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['or'],
    )
    assert.equal(decision.outcome, 'auto_approve')
  })

  it('report a failing clause at its place in each rule', () => {
    const policy = parsePolicy(
      policyText([
        {id: 'first', when: 'inputs.missing == 1 && environment == "production"', effect: 'deny', message: 'First.'},
        {id: 'second', when: 'environment == "production" || inputs.missing == 1', effect: 'deny', message: 'Second.'},
      ]),
      'positions.yaml',
    )
    warmUp(policy)

    const decision = evaluatePolicy(policy, request({}, 'production'))
    assert.deepEqual(decision.errors, [{rule: 'first', message: 'when failed: No such key: missing (positions.yaml:14:18)'}])
    assert.deepEqual(
      decision.matchedRules.map((rule) => rule.id),
      ['second'],
    )

    // In staging the first rule's right operand is false, which decides the && over the error.
    const staging = evaluatePolicy(policy, request({}, 'staging'))
    assert.deepEqual(staging.errors, [{rule: 'second', message: 'when failed: No such key: missing (positions.yaml:18:49)'}])
    assert.deepEqual(staging.matchedRules, [])
  })

  it('handle parentheses, bytes and uint literals', () => {
    // The text of the first clause misses its opening parenthesis, and bytes and uint literals
    // keep their rules on whole conditions.
    const policy = parsePolicy(
      policyText([
        {id: 'and', when: '(inputs.replicas + 1) > 3 && environment == "dev"', effect: 'deny', message: 'And.'},
        {id: 'or', when: '(inputs.replicas + 1) > 3 || environment == "dev"', effect: 'deny', message: 'Or.'},
        {id: 'bytes', when: 'environment == "dev" && b"x" == b"x"', effect: 'deny', message: 'Bytes.'},
        {id: 'uint', when: 'environment == "dev" && 1u == 1u', effect: 'deny', message: 'Uint.'},
      ]),
      'literals.yaml',
    )
    warmUp(policy)

    for (const [replicas, environment, expected] of [
      [3, 'dev', ['and', 'or', 'bytes', 'uint']],
      [1, 'dev', ['or', 'bytes', 'uint']],
      [3, 'production', ['or']],
      [1, 'production', []],
    ] as const) {
      const decision = evaluatePolicy(policy, request({replicas}, environment))
      assert.deepEqual(
        decision.matchedRules.map((rule) => rule.id),
        expected,
        `${replicas} replicas in ${environment}`,
      )
    }
  })

  it('report a non-bool clause like its whole condition', () => {
    const policy = parsePolicy(
      policyText([
        {id: 'flag', when: 'inputs.flag || environment == "production"', effect: 'deny', message: 'Flag.'},
        {id: 'bare', when: 'inputs.flag', effect: 'deny', message: 'Bare.'},
      ]),
      'non-bool.yaml',
    )
    warmUp(policy)

    const decision = evaluatePolicy(policy, request({flag: 'yes'}))
    assert.deepEqual(
      decision.errors.map((error) => error.rule),
      ['flag', 'bare'],
    )
    assert.equal(decision.errors[1]?.message, 'when returned the string "yes" instead of a bool')
  })
})
