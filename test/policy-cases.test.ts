import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {IdpError, type Problem} from '../src/errors.js'
import {
  bundledPolicyPath,
  defaultCasesPath,
  loadPolicy,
  loadPolicyCases,
  parsePolicy,
  runPolicyCases,
  type PolicyCase,
  type PolicyRequest,
} from '../src/policy/index.js'

let temporaryFolder: string

before(() => {
  temporaryFolder = mkdtempSync(join(tmpdir(), 'idp-policy-cases-test-'))
})

after(() => {
  rmSync(temporaryFolder, {recursive: true, force: true})
})

let fileCounter = 0
/** Writes `text` to a new file `name` in its own folder and returns the file's path. */
function writeFile(name: string, text: string): string {
  fileCounter += 1
  const folder = join(temporaryFolder, `case-${fileCounter}`)
  mkdirSync(folder)
  const path = join(folder, name)
  writeFileSync(path, text)
  return path
}

async function loadProblems(path: string): Promise<Problem[]> {
  try {
    await loadPolicyCases(path)
  } catch (error) {
    assert.ok(error instanceof IdpError, `expected an IdpError, got ${String(error)}`)
    assert.equal(error.code, 'POLICY_TESTS_INVALID')
    assert.equal(error.exitCode, 2)
    return error.problems
  }

  assert.fail(`expected ${path} to be rejected`)
}

const policyText = `apiVersion: idp.dev/v1
kind: ApprovalPolicy
groups:
  team-leads: {team: team-leads}
  finance: {team: finance}
default:
  effect: require
  require: [{group: team-leads}]
  message: No rule matched.
rules:
  - id: cheap
    when: cost.monthly < 100
    effect: auto_approve
    message: Cheap.
  - id: production
    when: environment == "production"
    effect: require
    require: [{group: team-leads, sla: 24h}]
    message: Production.
  - id: expensive
    when: cost.monthly > 500
    effect: require
    require: [{group: finance, count: 2, escalateTo: team-leads}]
    message: Expensive.
  - id: broken
    when: has(inputs.flag) && inputs.missing == "x"
    effect: require
    require: [{group: finance}]
    message: Never shown.
`

const header = 'apiVersion: idp.dev/v1\nkind: ApprovalPolicyTests\n'

describe('bundled policy cases', () => {
  it('all pass and cover every rule', async () => {
    const policy = await loadPolicy(bundledPolicyPath)
    const file = await loadPolicyCases(defaultCasesPath(bundledPolicyPath))
    assert.equal(file.policyPath, bundledPolicyPath)

    const report = await runPolicyCases(policy, file)
    for (const result of report.results) assert.ok(result.passed, `${result.name}:\n${result.diff}`)
    assert.equal(report.passed, true)
    assert.deepEqual(report.uncoveredRules, [])
  })

  it('have one case per db-create table row', async () => {
    const file = await loadPolicyCases(defaultCasesPath(bundledPolicyPath))
    const rows = file.cases
      .filter((policyCase) => policyCase.request.action === 'db-create' && policyCase.request.risk === undefined)
      .map((policyCase) => [policyCase.request.inputs?.environment, policyCase.request.inputs?.size, policyCase.request.cost?.monthly])
    assert.deepEqual(rows, [
      ['dev', 'small', 50],
      ['dev', 'medium', 150],
      ['dev', 'large', 400],
      ['staging', 'small', 50],
      ['staging', 'medium', 150],
      ['staging', 'large', 400],
      ['production', 'small', 100],
      ['production', 'medium', 300],
      ['production', 'large', 800],
    ])
  })
})

describe('defaultCasesPath', () => {
  it('puts .tests before the extension', () => {
    assert.equal(defaultCasesPath('/repo/.idp/approval-policy.yaml'), '/repo/.idp/approval-policy.tests.yaml')
    assert.equal(defaultCasesPath('policy.yml'), 'policy.tests.yml')
  })

  it('appends .tests.yaml to other names', () => {
    assert.equal(defaultCasesPath('/etc/idp/policy'), '/etc/idp/policy.tests.yaml')
    assert.equal(defaultCasesPath('policy.json'), 'policy.tests.yaml')
  })
})

describe('loadPolicyCases', () => {
  it('resolves the policy next to an X.tests.yaml file', async () => {
    const path = writeFile('rules.tests.yaml', `${header}cases:\n  - {name: one, request: {}, expect: {outcome: auto_approve}}\n`)
    const file = await loadPolicyCases(path)
    assert.equal(file.path, path)
    assert.equal(file.policyPath, path.replace('rules.tests.yaml', 'rules.yaml'))
    assert.deepEqual(file.cases, [{name: 'one', request: {}, expect: {outcome: 'auto_approve'}, position: {line: 4, column: 5}}])
  })

  it('returns an absolute policy path', async () => {
    const casesPath = defaultCasesPath(bundledPolicyPath)
    const file = await loadPolicyCases(relative(process.cwd(), casesPath))
    assert.equal(file.policyPath, bundledPolicyPath)
  })

  it('resolves the policy field against the file folder', async () => {
    const path = writeFile('checks.yaml', `${header}policy: ../shared/policy.yaml\ncases:\n  - {name: one, request: {}, expect: {outcome: deny}}\n`)
    const file = await loadPolicyCases(path)
    assert.equal(file.policyPath, join(path, '..', '..', 'shared', 'policy.yaml'))
  })

  it('gives expected requirements count 1', async () => {
    const path = writeFile(
      'p.tests.yaml',
      `${header}cases:\n  - name: one\n    request: {}\n    expect: {outcome: needs_approval, requirements: [{group: finance}, {group: team-leads, count: 2, sla: 1d}]}\n`,
    )
    const [policyCase] = (await loadPolicyCases(path)).cases
    assert.deepEqual(policyCase?.expect.requirements, [
      {group: 'finance', count: 1},
      {group: 'team-leads', count: 2, sla: '1d'},
    ])
  })

  it('reports every problem with its position', async () => {
    const path = writeFile(
      'bad.tests.yaml',
      `${header}polcy: x.yaml
cases:
  - name: one
    request:
      action: db-create
      inputs: {environment: dev}
      cost: {monthly: -1}
      risk: [1]
    expect:
      outcome: approved
      requirements:
        - {group: team-leads, count: 0, sla: 1d}
  - name: one
    request: {}
    expect: {outcom: deny}
  - request: {wanted: 1}
    expect: {outcome: deny}
`,
    )
    const problems = await loadProblems(path)
    assert.deepEqual(
      problems.map((problem) => [problem.file, problem.line, problem.column, problem.path, problem.message]),
      [
        [path, 3, 1, 'polcy', 'unknown field "polcy" (did you mean policy?)'],
        [path, 9, 23, 'cases[0].request.cost.monthly', 'one: must be a number of 0 or more'],
        [path, 10, 14, 'cases[0].request.risk[0]', 'one: must be a string'],
        [path, 12, 16, 'cases[0].expect.outcome', 'one: must be one of auto_approve, needs_approval, deny'],
        [path, 14, 38, 'cases[0].expect.requirements[0].count', 'one: must be a whole number of 1 or more'],
        [path, 15, 11, 'cases[1].name', 'one: duplicate case name, already used by cases[0]'],
        [path, 17, 5, 'cases[1].expect.outcome', 'one: missing required field "outcome"'],
        [path, 17, 14, 'cases[1].expect.outcom', 'one: unknown field "outcom" (did you mean outcome?)'],
        [path, 18, 5, 'cases[2].name', 'cases[2]: missing required field "name"'],
        [path, 18, 15, 'cases[2].request.wanted', 'cases[2]: unknown field "wanted"'],
      ],
    )
  })

  it('needs a policy field for other file names', async () => {
    const path = writeFile('other.yaml', `${header}cases: []\n`)
    assert.deepEqual(await loadProblems(path), [
      {
        file: path,
        line: 1,
        column: 1,
        path: 'policy',
        message: 'the file name other.yaml does not end in .tests.yaml, so a policy field must name the policy it tests',
      },
      {file: path, line: 3, column: 1, path: 'cases', message: 'must be a list of one or more cases'},
    ])
  })

  it('reports a YAML syntax error', async () => {
    const path = writeFile('syntax.tests.yaml', `${header}cases:\n  - name: [x\n`)
    await assert.rejects(loadPolicyCases(path), (error: unknown) => {
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'POLICY_TESTS_INVALID')
      assert.equal(error.message, `Policy test file ${path} is not valid YAML`)
      assert.deepEqual(error.problems, [
        {file: path, line: 5, column: 1, message: 'Flow sequence in block collection must be sufficiently indented and end with a ]'},
      ])
      return true
    })
  })

  it('rejects an empty file', async () => {
    const path = writeFile('empty.tests.yaml', '# nothing\n')
    assert.deepEqual(await loadProblems(path), [
      {file: path, message: 'the file is empty, but a policy test file needs apiVersion, kind and cases'},
    ])
  })

  it('reports a missing file', async () => {
    const path = join(temporaryFolder, 'missing.tests.yaml')
    await assert.rejects(loadPolicyCases(path), (error: unknown) => {
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'POLICY_TESTS_NOT_FOUND')
      assert.equal(error.exitCode, 2)
      assert.equal(error.message, `Policy test file not found: ${path}`)
      return true
    })
  })
})

describe('runPolicyCases', () => {
  const policy = parsePolicy(policyText, 'policy.yaml')

  async function runOne(caseText: string, options?: Parameters<typeof runPolicyCases>[2]) {
    const path = writeFile('policy.tests.yaml', `${header}cases:\n${caseText}`)
    const report = await runPolicyCases(policy, await loadPolicyCases(path), options)
    const [result] = report.results
    assert.ok(result)
    return {report, result}
  }

  it('fills the fields a case leaves out', async () => {
    const {result} = await runOne('  - {name: bare, request: {inputs: {environment: dev}, requester: {team: payments}}, expect: {outcome: auto_approve}}\n')
    const expected: PolicyRequest = {
      action: '',
      inputs: {environment: 'dev'},
      environment: 'dev',
      cost: {monthly: 0, currency: 'USD'},
      risk: [],
      resources: [],
      permissions: [],
      requester: {login: 'requester', name: '', team: 'payments', groups: []},
    }
    assert.deepEqual(result.request, expected)
    assert.equal(result.passed, true)
    assert.equal(result.diff, '')
  })

  it('ignores a non-string environment input', async () => {
    const {result} = await runOne('  - {name: odd, request: {inputs: {environment: 3}}, expect: {outcome: auto_approve}}\n')
    assert.equal(result.request.environment, '')
  })

  it('restricts the actual decision to the stated fields', async () => {
    const {result} = await runOne(`  - name: production large
    request:
      inputs: {environment: production}
      cost: {monthly: 800}
    expect:
      outcome: needs_approval
      requirements:
        - {group: team-leads, count: 1, sla: 24h}
        - {group: finance, count: 2}
`)
    assert.equal(result.passed, true)
    assert.deepEqual(result.actual, {
      outcome: 'needs_approval',
      requirements: [
        {group: 'team-leads', count: 1, sla: '24h'},
        {group: 'finance', count: 2},
      ],
    })
    assert.equal(result.decision.requirements[1]?.escalateTo, 'team-leads')
    assert.deepEqual(result.position, {line: 4, column: 5})
  })

  it('shows a failing case as a unified diff', async () => {
    const {report, result} = await runOne(`  - name: wrong
    request:
      inputs: {environment: production}
      cost: {monthly: 800}
    expect:
      outcome: needs_approval
      requirements:
        - {group: team-leads, count: 1, allowRequester: true}
      rules: [production]
      reasons: [Production.]
`)
    assert.equal(result.passed, false)
    assert.equal(report.passed, false)
    assert.deepEqual(result.expected, {
      outcome: 'needs_approval',
      requirements: [{group: 'team-leads', count: 1, allowRequester: true}],
      rules: ['production'],
      reasons: ['Production.'],
    })
    assert.deepEqual(result.actual, {
      outcome: 'needs_approval',
      requirements: [
        {group: 'team-leads', count: 1, allowRequester: false},
        {group: 'finance', count: 2},
      ],
      rules: ['production', 'expensive'],
      reasons: ['Production.', 'Expensive.'],
    })
    assert.equal(
      result.diff,
      `--- expected
+++ actual
@@ -1,9 +1,13 @@
 outcome: needs_approval
 requirements:
   - group: team-leads
     count: 1
-    allowRequester: true
+    allowRequester: false
+  - group: finance
+    count: 2
 rules:
   - production
+  - expensive
 reasons:
   - Production.
+  - Expensive.
`,
    )
  })

  it('fails a case whose stated sla is missing', async () => {
    const {result} = await runOne('  - {name: sla, request: {cost: {monthly: 150}}, expect: {outcome: needs_approval, requirements: [{group: team-leads, sla: 1h}]}}\n')
    assert.equal(result.passed, false)
    assert.deepEqual(result.actual.requirements, [{group: 'team-leads', count: 1}])
  })

  it('lets a case expect a rule that fails at evaluation', async () => {
    const {result} = await runOne(`  - name: broken rule
    request:
      inputs: {flag: true}
      cost: {monthly: 50}
    expect:
      outcome: needs_approval
      requirements: [{group: team-leads}]
      rules: [cheap]
      errors: [broken]
`)
    assert.equal(result.passed, true, result.diff)
    assert.deepEqual(result.decision.errors, [{rule: 'broken', message: 'when failed: No such key: missing (policy.yaml:26:38)'}])
  })

  it('lists the rules no case matched', async () => {
    const {report} = await runOne('  - {name: cheap, request: {cost: {monthly: 1}}, expect: {outcome: auto_approve}}\n')
    assert.deepEqual(report.uncoveredRules, ['production', 'expensive', 'broken'])
  })

  it('completes a case that names an action and no cost', async () => {
    const seen: PolicyRequest[] = []
    const complete = async (request: PolicyRequest): Promise<PolicyRequest> => {
      seen.push(structuredClone(request))
      return {...request, cost: {monthly: 900, currency: 'EUR'}, risk: ['iam'], inputs: {...request.inputs, size: 'large'}}
    }

    const {report} = await runOne(
      `  - {name: completed, request: {action: db-create, risk: [deletion]}, expect: {outcome: needs_approval}}
  - {name: stated inputs, request: {action: db-create, inputs: {environment: production}}, expect: {outcome: needs_approval}}
  - {name: costed, request: {action: db-create, cost: {monthly: 5}}, expect: {outcome: auto_approve}}
  - {name: no action, request: {}, expect: {outcome: auto_approve}}
`,
      {complete},
    )

    assert.deepEqual(
      seen.map((request) => request.risk),
      [['deletion'], []],
    )
    const [completed, statedInputs, costed, noAction] = report.results
    assert.deepEqual(completed?.request.cost, {monthly: 900, currency: 'EUR'})
    assert.deepEqual(completed?.request.risk, ['deletion'])
    assert.deepEqual(completed?.request.inputs, {size: 'large'})
    assert.deepEqual(statedInputs?.request.inputs, {environment: 'production', size: 'large'})
    assert.equal(statedInputs?.request.environment, 'production')
    assert.deepEqual(statedInputs?.request.risk, ['iam'])
    assert.deepEqual(costed?.request.cost, {monthly: 5, currency: 'USD'})
    assert.deepEqual(noAction?.request.cost, {monthly: 0, currency: 'USD'})
    assert.equal(report.passed, true)
  })

  it('rejects rules and groups the policy lacks', async () => {
    const path = writeFile(
      'policy.tests.yaml',
      `${header}cases:
  - name: typos
    request: {}
    expect:
      outcome: needs_approval
      requirements: [{group: finanse, escalateTo: security}]
      rules: [cheep]
      errors: [broken]
`,
    )
    const file = await loadPolicyCases(path)
    await assert.rejects(runPolicyCases(policy, file), (error: unknown) => {
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'POLICY_TESTS_INVALID')
      assert.equal(error.message, `Policy test file ${path} is invalid (3 problems)`)
      assert.deepEqual(
        error.problems.map((problem) => [problem.line, problem.column, problem.path, problem.message]),
        [
          [8, 30, 'cases[0].expect.requirements[0].group', 'typos: the policy policy.yaml has no group "finanse" (did you mean finance?)'],
          [8, 51, 'cases[0].expect.requirements[0].escalateTo', 'typos: the policy policy.yaml has no group "security"'],
          [9, 15, 'cases[0].expect.rules[0]', 'typos: the policy policy.yaml has no rule "cheep" (did you mean cheap?)'],
        ],
      )
      return true
    })
  })

  it('runs cases built in code', async () => {
    const cases: PolicyCase[] = [
      {name: 'in code', request: {environment: 'production', cost: {monthly: 10}}, expect: {outcome: 'needs_approval', rules: ['cheap', 'production']}},
    ]
    const report = await runPolicyCases(policy, cases)
    assert.equal(report.passed, true)
    assert.deepEqual(report.results[0]?.actual, {outcome: 'needs_approval', rules: ['cheap', 'production']})
    assert.equal(report.results[0]?.position, undefined)
  })

  it('rejects an unknown rule in a case built in code', async () => {
    const cases: PolicyCase[] = [{name: 'in code', request: {}, expect: {outcome: 'deny', rules: ['nope']}}]
    await assert.rejects(runPolicyCases(policy, cases), (error: unknown) => {
      assert.ok(error instanceof IdpError)
      assert.equal(error.message, 'Policy test cases are invalid (1 problem)')
      assert.deepEqual(error.problems, [{path: 'cases[0].expect.rules[0]', message: 'in code: the policy policy.yaml has no rule "nope"'}])
      return true
    })
  })
})
