import assert from 'node:assert/strict'
import {
  bundledPolicyPath,
  explainPolicy,
  loadPolicy,
  parsePolicy,
  type Policy,
  type PolicyRequest,
  type RuleExplanation,
} from '../src/policy/index.js'

function request(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    action: 'db-create',
    inputs: {name: 'orders', environment: 'production', size: 'large', replicas: 2, tags: {tier: 'gold'}},
    environment: 'production',
    cost: {monthly: 800, currency: 'USD'},
    risk: [],
    resources: [{type: 'postgresql', name: 'orders'}],
    permissions: [],
    requester: {login: 'ada', name: 'Ada Lovelace', team: 'payments', groups: ['payments']},
    ...overrides,
  }
}

/** Builds a policy of `auto_approve` rules with the given conditions, named by their keys. */
function policyOf(conditions: Record<string, string>, onError: 'require' | 'deny' = 'require'): Policy {
  const rules = Object.entries(conditions)
    .map(([id, when]) => `  - id: ${id}\n    when: ${JSON.stringify(when)}\n    effect: auto_approve\n    message: ${id}.\n`)
    .join('')
  return parsePolicy(
    `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups: {leads: {team: leads}}
default: {effect: require, require: [{group: leads}], message: Default.}
onError: ${onError}
rules:
${rules}`,
    'explain.yaml',
  )
}

function whyOf(explanations: RuleExplanation[], id: string): string | undefined {
  return explanations.find((explanation) => explanation.id === id)?.why
}

describe('explainPolicy', () => {
  it('explains every rule of the bundled policy', async () => {
    const policy = await loadPolicy(bundledPolicyPath)
    assert.deepEqual(explainPolicy(policy, request()), [
      {
        id: 'non-production-under-100',
        effect: 'auto_approve',
        matched: false,
        why: 'The clause environment != "production" is false (environment is "production").',
      },
      {
        id: 'production-needs-sign-off',
        effect: 'require',
        matched: true,
        why: 'The condition environment == "production" is true (environment is "production").',
      },
      {
        id: 'cost-100-or-more-needs-team-lead',
        effect: 'require',
        matched: true,
        why: 'The condition cost.monthly >= 100 is true (cost.monthly is 800).',
      },
      {
        id: 'cost-over-500-needs-finance',
        effect: 'require',
        matched: true,
        why: 'The condition cost.monthly > 500 is true (cost.monthly is 800).',
      },
      {
        id: 'iam-needs-security',
        effect: 'require',
        matched: false,
        why: 'The condition "iam" in risk is false (risk is []).',
      },
      {
        id: 'production-deletion-needs-security',
        effect: 'require',
        matched: false,
        why: 'The clause "deletion" in risk is false (risk is []).',
      },
      {
        id: 'no-public-exposure-in-production',
        effect: 'deny',
        matched: false,
        why: 'The clause "public-exposure" in risk is false (risk is []).',
      },
    ])
  })

  it('names the first false clause of an && chain', () => {
    const policy = policyOf({
      second: 'environment == "production" && cost.monthly < 100.0 && "iam" in risk',
      nested: '(environment == "dev" && requester.team == "payments") && size(resources) > 0',
    })
    const explanations = explainPolicy(policy, request())
    assert.equal(whyOf(explanations, 'second'), 'The clause cost.monthly < 100.0 is false (cost.monthly is 800).')
    assert.equal(whyOf(explanations, 'nested'), 'The clause environment == "dev" is false (environment is "production").')
  })

  it('reports an && chain that is true', () => {
    const policy = policyOf({both: 'environment == "production" && inputs.size == "large"'})
    assert.deepEqual(explainPolicy(policy, request()), [
      {
        id: 'both',
        effect: 'auto_approve',
        matched: true,
        why: 'Every clause is true (environment is "production", inputs.size is "large").',
      },
    ])
  })

  it('lists every alternative of a false || chain', () => {
    const policy = policyOf({either: 'environment == "dev" || "iam" in risk || requester.team == "platform"'})
    assert.equal(
      whyOf(explainPolicy(policy, request()), 'either'),
      'Every alternative is false: environment == "dev", "iam" in risk and requester.team == "platform" (environment is "production", risk is [], requester.team is "payments").',
    )
  })

  it('names the true alternative of an || chain', () => {
    const policy = policyOf({either: 'environment == "dev" || cost.monthly > 500'})
    assert.equal(whyOf(explainPolicy(policy, request()), 'either'), 'The alternative cost.monthly > 500 is true (cost.monthly is 800).')
  })

  it('skips a failing clause when another one is false', () => {
    const policy = policyOf({guarded: 'inputs.missing == "x" && environment == "dev"'})
    const [explanation] = explainPolicy(policy, request())
    assert.deepEqual(explanation, {
      id: 'guarded',
      effect: 'auto_approve',
      matched: false,
      why: 'The clause environment == "dev" is false (environment is "production").',
    })
  })

  it('reads fields, indexes and has()', () => {
    const policy = policyOf({
      index: 'inputs["tags"]["tier"] == "silver"',
      missing: 'has(inputs.ha) && inputs.ha',
      whole: 'request.cost.monthly > 1000.0',
      ints: 'inputs.replicas * 2 > 10',
    })
    const explanations = explainPolicy(policy, request())
    assert.equal(whyOf(explanations, 'index'), 'The condition inputs["tags"]["tier"] == "silver" is false (inputs["tags"]["tier"] is "gold").')
    assert.equal(whyOf(explanations, 'missing'), 'The clause has(inputs.ha) is false (inputs.ha is missing).')
    assert.equal(whyOf(explanations, 'whole'), 'The condition request.cost.monthly > 1000.0 is false (request.cost.monthly is 800).')
    assert.equal(whyOf(explanations, 'ints'), 'The condition inputs.replicas * 2 > 10 is false (inputs.replicas is 2).')
  })

  it('leaves out comprehension and bind variables', () => {
    const policy = policyOf({
      exists: 'resources.exists(r, r.type == "mysql")',
      all: 'requester.groups.all(g, g.startsWith(requester.team + "-"))',
      bind: 'cel.bind(team, requester.team, team == "platform")',
    })
    const explanations = explainPolicy(policy, request())
    assert.equal(
      whyOf(explanations, 'exists'),
      'The condition resources.exists(r, r.type == "mysql") is false (resources is [{"type": "postgresql", "name": "orders"}]).',
    )
    assert.equal(
      whyOf(explanations, 'all'),
      'The condition requester.groups.all(g, g.startsWith(requester.team + "-")) is false (requester.groups is ["payments"], requester.team is "payments").',
    )
    assert.equal(whyOf(explanations, 'bind'), 'The condition cel.bind(team, requester.team, team == "platform") is false (requester.team is "payments").')
  })

  it('omits values when a clause reads none', () => {
    const policy = policyOf({never: 'false'})
    assert.equal(whyOf(explainPolicy(policy, request()), 'never'), 'The condition false is false.')
  })

  it('shortens long values', () => {
    const policy = policyOf({long: 'size(resources) > 100'})
    const resources = Array.from({length: 20}, (_, index) => ({type: 'bucket', name: `bucket-${index}`}))
    const why = whyOf(explainPolicy(policy, request({resources})), 'long') ?? ''
    const value = why.slice(why.indexOf('resources is ') + 'resources is '.length, -2)
    assert.equal(value.length, 200)
    assert.ok(value.startsWith('[{"type": "bucket", "name": "bucket-0"}, '))
    assert.ok(value.endsWith('…'))
  })

  it('reports a rule that fails at evaluation', () => {
    const policy = policyOf({broken: 'inputs.missing == "x"'}, 'deny')
    assert.deepEqual(explainPolicy(policy, request()), [
      {
        id: 'broken',
        effect: 'auto_approve',
        matched: false,
        error: 'when failed: No such key: missing (explain.yaml:8:19)',
        why: 'The rule could not be evaluated, so onError deny applies.',
      },
    ])
  })

  it('reports a failing messageExpression as an error', () => {
    const policy = parsePolicy(
      `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups: {leads: {team: leads}}
default: {effect: require, require: [{group: leads}], message: Default.}
rules:
  - {id: message, when: "true", effect: auto_approve, messageExpression: 'inputs.nothing + "!"'}
`,
      'message.yaml',
    )
    const [explanation] = explainPolicy(policy, request())
    assert.equal(explanation?.matched, false)
    assert.equal(explanation?.error, 'messageExpression failed: No such key: nothing (message.yaml:6:82)')
    assert.equal(explanation?.why, 'The rule could not be evaluated, so onError require applies.')
  })

  it('reports a variable the request lacks', () => {
    const policy = policyOf({team: 'environment == "dev" && requester.team == "payments"'})
    const {requester: _requester, ...partial} = request({environment: 'dev'})
    const [explanation] = explainPolicy(policy, partial as PolicyRequest)
    assert.equal(explanation?.error, 'when failed: Unknown variable: requester (explain.yaml:8:38)')
  })
})
