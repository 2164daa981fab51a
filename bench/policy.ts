// Approval policy benchmark. By default it generates a policy of 200 rules whose CEL conditions
// use every documented variable, and loads it with parsePolicy (YAML, schema and CEL type
// checks). Then it decides 10,000 generated requests with evaluatePolicy. The baseline runs the
// same conditions as plain JavaScript closures and combines the effects the same way. Its load
// is parsing the same YAML text with the same YAML library plus building the closures. Rounds
// alternate which side runs first, and the report gives medians and the ratios of idp to the
// baseline.
// Usage: npm run bench:policy -- [--rounds N] [--rules N] [--requests N] [--seed N]
import {cpus} from 'node:os'
import {parseArgs} from 'node:util'
import {parse as parseYaml, stringify} from 'yaml'

import {evaluatePolicy, parsePolicy, type Decision, type Policy, type PolicyRequest} from '../src/policy/index.js'

const {values: options} = parseArgs({
  options: {
    rounds: {type: 'string', default: '7'},
    rules: {type: 'string', default: '200'},
    requests: {type: 'string', default: '10000'},
    seed: {type: 'string', default: '20261204'},
  },
})
const ROUNDS = positiveInteger('rounds', options.rounds)
const RULE_COUNT = positiveInteger('rules', options.rules)
const REQUEST_COUNT = positiveInteger('requests', options.requests)
const SEED = positiveInteger('seed', options.seed)
/** Loads per round; their mean is the round's load time, because one load is short. */
const LOADS_PER_ROUND = 5
/** Goals for the ratios of idp to the baseline. */
const LOAD_GOAL = 3
const EVALUATION_GOAL = 5

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of 1 or more, got ${text}`)
  return value
}

// ---------------------------------------------------------------------------------------------
// Random generation, from a fixed seed so every run measures the same policy and requests.

/** Returns a pseudo-random number generator in [0, 1): mulberry32, a small 32-bit generator. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

const random = seededRandom(SEED)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
const chance = (probability: number): boolean => random() < probability
const subset = <T>(items: readonly T[], probability: number): T[] => items.filter(() => chance(probability))

const ACTIONS = ['db-create', 'bucket-create', 'cache-create', 'service-account-create'] as const
const ENVIRONMENTS = ['dev', 'staging', 'production'] as const
const RISKS = ['iam', 'deletion', 'public-exposure', 'pii'] as const
const SIZES = ['small', 'medium', 'large', 'xlarge'] as const
const RESOURCE_TYPES = ['postgresql', 'bucket', 'redis', 'service-account'] as const
const ROLES = ['reader', 'writer', 'owner'] as const
const TEAMS = ['payments', 'search', 'identity', 'data', 'platform'] as const
const REQUESTER_GROUPS = ['admins', 'sre', 'developers', 'finance-viewers'] as const
const APPROVER_GROUPS = ['team-leads', 'finance', 'security', 'platform', 'dba'] as const
const SLAS = ['4h', '24h', '2d', '1w'] as const

type Predicate = (request: PolicyRequest) => boolean

/**
 * One condition term: its CEL text and a builder of the equivalent JavaScript closure. The
 * builder runs at baseline load time, so building the closures is part of the baseline load.
 */
interface Term {
  cel: string
  build: () => Predicate
}

const quote = (value: string): string => JSON.stringify(value)
const celList = (values: readonly string[]): string => `[${values.map(quote).join(', ')}]`
function compare(operator: string, left: number, right: number): boolean {
  switch (operator) {
    case '>':
      return left > right
    case '>=':
      return left >= right
    case '<':
      return left < right
    default:
      return left <= right
  }
}

function riskTerm(): Term {
  const risk = pick(RISKS)
  return {cel: `${quote(risk)} in risk`, build: () => (request) => request.risk.includes(risk)}
}

const productionTerm: Term = {cel: 'environment == "production"', build: () => (request) => request.environment === 'production'}

/**
 * Generators of the term that every require rule starts with. Each is true for a minority of
 * requests and false for every small request, so small requests match no require rule.
 */
const gateGenerators: Array<() => Term> = [
  riskTerm,
  () => productionTerm,
  () => {
    const threshold = pick([250, 500, 1000, 1500])
    return {cel: `cost.monthly >= ${threshold}`, build: () => (request) => request.cost.monthly >= threshold}
  },
  () => ({
    cel: 'has(inputs.size) && inputs.size in ["large", "xlarge"]',
    build: () => (request) => request.inputs.size === 'large' || request.inputs.size === 'xlarge',
  }),
  () => ({cel: 'permissions.exists(p, p.role == "owner")', build: () => (request) => request.permissions.some((permission) => permission.role === 'owner')}),
]

/** Generators of condition terms over each documented variable. */
const termGenerators: Array<() => Term> = [
  () => {
    const value = pick(ENVIRONMENTS)
    return {cel: `environment == ${quote(value)}`, build: () => (request) => request.environment === value}
  },
  () => {
    const value = pick(ENVIRONMENTS)
    return {cel: `environment != ${quote(value)}`, build: () => (request) => request.environment !== value}
  },
  () => {
    const values: string[] = [pick(ENVIRONMENTS), pick(ENVIRONMENTS)]
    return {cel: `environment in ${celList(values)}`, build: () => (request) => values.includes(request.environment)}
  },
  () => {
    const operator = pick(['>', '>=', '<', '<='])
    // Whole thresholds are int literals, which CEL orders against the double cost.monthly; the rest are doubles.
    const threshold = chance(0.7) ? pick([50, 100, 250, 500, 1000, 1500]) : pick([99.5, 249.99, 750.25])
    return {cel: `cost.monthly ${operator} ${threshold}`, build: () => (request) => compare(operator, request.cost.monthly, threshold)}
  },
  riskTerm,
  () => {
    const risks: string[] = [pick(RISKS), pick(RISKS)]
    return {cel: `risk.exists(r, r in ${celList(risks)})`, build: () => (request) => request.risk.some((risk) => risks.includes(risk))}
  },
  () => {
    const limit = pick([1, 2, 3, 4])
    return {
      cel: `has(inputs.replicas) && inputs.replicas > ${limit}`,
      build: () => (request) => request.inputs.replicas !== undefined && (request.inputs.replicas as number) > limit,
    }
  },
  () => {
    const sizes: string[] = [pick(SIZES), pick(SIZES)]
    return {
      cel: `has(inputs.size) && inputs.size in ${celList(sizes)}`,
      build: () => (request) => request.inputs.size !== undefined && sizes.includes(request.inputs.size as string),
    }
  },
  () => ({
    cel: 'has(inputs.publicAccess) && inputs.publicAccess == true',
    build: () => (request) => request.inputs.publicAccess === true,
  }),
  () => {
    const type = pick(RESOURCE_TYPES)
    return {cel: `resources.exists(r, r.type == ${quote(type)})`, build: () => (request) => request.resources.some((resource) => resource.type === type)}
  },
  () => {
    const type = pick(RESOURCE_TYPES)
    const storage = pick([100, 500, 1000])
    return {
      cel: `resources.exists(r, r.type == ${quote(type)} && has(r.storageGb) && r.storageGb > ${storage})`,
      build: () => (request) =>
        request.resources.some((resource) => resource.type === type && resource.storageGb !== undefined && (resource.storageGb as number) > storage),
    }
  },
  () => {
    const role = pick(ROLES)
    return {cel: `permissions.exists(p, p.role == ${quote(role)})`, build: () => (request) => request.permissions.some((permission) => permission.role === role)}
  },
  () => {
    const group = pick(REQUESTER_GROUPS)
    return {cel: `${quote(group)} in requester.groups`, build: () => (request) => request.requester.groups.includes(group)}
  },
  () => {
    const team = pick(TEAMS)
    const group = pick(REQUESTER_GROUPS)
    return {
      cel: `requester.team == ${quote(team)} || ${quote(group)} in requester.groups`,
      build: () => (request) => request.requester.team === team || request.requester.groups.includes(group),
    }
  },
  () => {
    const action = pick(ACTIONS)
    return {cel: `action == ${quote(action)}`, build: () => (request) => request.action === action}
  },
]

/** A generated rule: the policy YAML gets its CEL, the baseline builds its closures. */
interface GeneratedRule {
  yaml: Record<string, unknown>
  buildCondition: () => Predicate
  /** Set for rules with a messageExpression. */
  buildMessage?: () => (request: PolicyRequest) => string
}

function generateRule(index: number): GeneratedRule {
  let effect: 'deny' | 'auto_approve' | 'require' = 'require'
  if (chance(0.02)) effect = 'deny'
  else if (chance(0.3)) effect = 'auto_approve'

  // One to three terms per rule. Require rules start with a gate term, and deny rules with a
  // risk and production, so that the decisions mix all three outcomes.
  const terms = Array.from({length: 1 + Math.floor(random() * 3)}, () => pick(termGenerators)())
  if (effect === 'require') terms.unshift(pick(gateGenerators)())
  if (effect === 'deny') terms.unshift(riskTerm(), productionTerm)
  // Only auto_approve rules are negated, because a negated gate would match the small requests.
  const negated = effect === 'auto_approve' && chance(0.1)
  const cel = negated ? `!(${terms.map((term) => `(${term.cel})`).join(' && ')})` : terms.map((term) => `(${term.cel})`).join(' && ')

  const buildCondition = (): Predicate => {
    const predicates = terms.map((term) => term.build())
    const all: Predicate = (request) => predicates.every((predicate) => predicate(request))
    return negated ? (request) => !all(request) : all
  }

  const yaml: Record<string, unknown> = {id: `rule-${index}`, when: cel, effect}
  if (effect === 'require') {
    yaml.require = [
      {
        group: pick(APPROVER_GROUPS),
        count: chance(0.2) ? 2 : 1,
        ...(chance(0.4) ? {sla: pick(SLAS)} : {}),
        ...(chance(0.2) ? {escalateTo: pick(APPROVER_GROUPS)} : {}),
      },
    ]
  }

  if (chance(0.15)) {
    yaml.messageExpression = `"Rule ${index} matched " + action + " in " + environment + " for " + requester.login`
    return {yaml, buildCondition, buildMessage: () => (request) => `Rule ${index} matched ${request.action} in ${request.environment} for ${request.requester.login}`}
  }

  yaml.message = `Rule ${index} matched.`
  return {yaml, buildCondition}
}

function generateRequest(index: number): PolicyRequest {
  // A third of the requests are small: outside production, cheap, without risks or owner
  // grants. They pass no gate term, so only auto_approve rules or the default decide them.
  const small = chance(0.3)
  const environment = small ? pick(['dev', 'staging']) : pick(ENVIRONMENTS)
  const inputs: Record<string, unknown> = {name: `service-${index}`, environment}
  if (chance(0.8)) inputs.size = small ? pick(['small', 'medium']) : pick(SIZES)
  if (chance(0.6)) inputs.replicas = 1 + Math.floor(random() * 6)
  if (chance(0.3)) inputs.publicAccess = chance(0.5)

  const resources = Array.from({length: 1 + Math.floor(random() * 3)}, (_, position) => ({
    type: pick(RESOURCE_TYPES),
    name: `service-${index}-${position}`,
    ...(chance(0.5) ? {storageGb: pick([50, 200, 800, 2000])} : {}),
  }))
  const roles = small ? ROLES.filter((role) => role !== 'owner') : ROLES
  const permissions = Array.from({length: Math.floor(random() * 3)}, () => ({principal: `team:${pick(TEAMS)}`, role: pick(roles), on: resources[0].name}))
  // A fifth of the costs are whole numbers, which stay doubles in CEL.
  const maxCost = small ? 200 : 2000
  const monthly = chance(0.2) ? Math.floor(random() * maxCost) : Math.round(random() * maxCost * 100) / 100

  return {
    action: pick(ACTIONS),
    inputs,
    environment,
    cost: {monthly, currency: 'USD'},
    risk: small ? [] : subset(RISKS, 0.25),
    resources,
    permissions,
    requester: {login: `user${index % 97}`, name: `User ${index % 97}`, team: pick(TEAMS), groups: subset(REQUESTER_GROUPS, 0.3)},
  }
}

const generatedRules = Array.from({length: RULE_COUNT}, (_, index) => generateRule(index))
const policyText = stringify({
  apiVersion: 'idp.dev/v1',
  kind: 'ApprovalPolicy',
  description: `Generated benchmark policy: ${RULE_COUNT} rules, seed ${SEED}.`,
  groups: Object.fromEntries(APPROVER_GROUPS.map((group) => [group, {team: group}])),
  default: {effect: 'require', require: [{group: 'team-leads', count: 1}], message: 'No rule matched, so a team lead must approve.'},
  onError: 'require',
  rules: generatedRules.map((rule) => rule.yaml),
})
const requests = Array.from({length: REQUEST_COUNT}, (_, index) => generateRequest(index))

// ---------------------------------------------------------------------------------------------
// Baseline: the same rules as JavaScript closures, combined as evaluatePolicy combines them.

interface BaselineRequirementSpec {
  group: string
  count?: number
  allowRequester?: boolean
  sla?: string
  escalateTo?: string
}

interface BaselineRule {
  id: string
  effect: 'auto_approve' | 'require' | 'deny'
  require: BaselineRequirementSpec[]
  matches: Predicate
  message: (request: PolicyRequest) => string
}

interface BaselinePolicy {
  rules: BaselineRule[]
  defaultRequire: BaselineRequirementSpec[]
  defaultMessage: string
}

/** Loads the baseline: parses the policy text with the same YAML library and builds the closures. */
function loadBaseline(text: string): BaselinePolicy {
  const document = parseYaml(text) as {
    default: {require: BaselineRequirementSpec[]; message: string}
    rules: Array<{id: string; effect: BaselineRule['effect']; require?: BaselineRequirementSpec[]; message?: string}>
  }
  const rules = document.rules.map((rule, index): BaselineRule => {
    const generated = generatedRules[index]
    const fixedMessage = rule.message ?? ''
    return {
      id: rule.id,
      effect: rule.effect,
      require: rule.require ?? [],
      matches: generated.buildCondition(),
      message: generated.buildMessage?.() ?? (() => fixedMessage),
    }
  })
  return {rules, defaultRequire: document.default.require, defaultMessage: document.default.message}
}

const slaUnitMinutes: Record<string, number> = {w: 10_080, d: 1440, h: 60, m: 1}
const slaMinutes = (sla: string | undefined): number =>
  sla === undefined ? Infinity : [...sla.matchAll(/(\d+)([wdhm])/g)].reduce((sum, [, amount, unit]) => sum + Number(amount) * slaUnitMinutes[unit], 0)

type BaselineReason = {text: string; explains: Decision['outcome']}

/** Decides a request: any deny wins, else every requirement applies merged per group, else auto-approve, else the default. */
function evaluateBaseline(policy: BaselinePolicy, request: PolicyRequest): Decision {
  const matchedRules: Decision['matchedRules'] = []
  const reasons: BaselineReason[] = []
  const requested: Array<{spec: BaselineRequirementSpec; ruleId: string; reason: string}> = []
  let denied = false
  let autoApproved = false

  for (const rule of policy.rules) {
    if (!rule.matches(request)) continue
    const message = rule.message(request)
    matchedRules.push({id: rule.id, effect: rule.effect, message})
    if (rule.effect === 'deny') {
      denied = true
      reasons.push({text: message, explains: 'deny'})
    } else if (rule.effect === 'require') {
      reasons.push({text: message, explains: 'needs_approval'})
      for (const spec of rule.require) requested.push({spec, ruleId: rule.id, reason: message})
    } else {
      autoApproved = true
      reasons.push({text: message, explains: 'auto_approve'})
    }
  }

  const base = {matchedRules, errors: [], policy: {path: 'baseline'}}
  const reasonsFor = (outcome: Decision['outcome']) => reasons.filter((reason) => reason.explains === outcome).map((reason) => reason.text)
  if (denied) return {...base, outcome: 'deny', requirements: [], reasons: reasonsFor('deny')}
  if (requested.length > 0) return {...base, outcome: 'needs_approval', requirements: mergeBaseline(requested), reasons: reasonsFor('needs_approval')}
  if (autoApproved) return {...base, outcome: 'auto_approve', requirements: [], reasons: reasonsFor('auto_approve')}

  const fallback = policy.defaultRequire.map((spec) => ({spec, ruleId: 'default', reason: policy.defaultMessage}))
  return {...base, outcome: 'needs_approval', requirements: mergeBaseline(fallback), reasons: [policy.defaultMessage]}
}

/** Merges requirements per group: the larger count, accumulated reasons and rules, the shortest sla with its escalation group. */
function mergeBaseline(requested: Array<{spec: BaselineRequirementSpec; ruleId: string; reason: string}>): Decision['requirements'] {
  const byGroup = new Map<string, {requirement: Decision['requirements'][number]; minutes: number}>()
  for (const {spec, ruleId, reason} of requested) {
    const minutes = slaMinutes(spec.sla)
    const merged = byGroup.get(spec.group)
    if (!merged) {
      byGroup.set(spec.group, {
        requirement: {
          group: spec.group,
          team: spec.group,
          count: spec.count ?? 1,
          allowRequester: spec.allowRequester ?? false,
          reasons: [reason],
          rules: [ruleId],
          ...(spec.sla === undefined ? {} : {sla: spec.sla}),
          ...(spec.escalateTo === undefined ? {} : {escalateTo: spec.escalateTo}),
        },
        minutes,
      })
      continue
    }

    const {requirement} = merged
    requirement.count = Math.max(requirement.count, spec.count ?? 1)
    requirement.allowRequester &&= spec.allowRequester ?? false
    if (!requirement.reasons.includes(reason)) requirement.reasons.push(reason)
    if (!requirement.rules.includes(ruleId)) requirement.rules.push(ruleId)
    if (minutes < merged.minutes) {
      merged.minutes = minutes
      requirement.sla = spec.sla
      if (spec.escalateTo === undefined) delete requirement.escalateTo
      else requirement.escalateTo = spec.escalateTo
    } else if (requirement.escalateTo === undefined && merged.minutes === Infinity && spec.escalateTo !== undefined) {
      requirement.escalateTo = spec.escalateTo
    }
  }

  return [...byGroup.values()].map((merged) => merged.requirement)
}

// ---------------------------------------------------------------------------------------------
// Measurement.

/** Runs `work` and returns the elapsed milliseconds. */
function time(work: () => void): number {
  const started = performance.now()
  work()
  return performance.now() - started
}

// The first load and the first pass over the requests run cold, as they would in a fresh CLI
// process. Their decisions are kept for the equivalence check below.
let celPolicy!: Policy
let baselinePolicy!: BaselinePolicy
const coldCelLoad = time(() => {
  celPolicy = parsePolicy(policyText, 'bench-policy.yaml')
})
const coldBaselineLoad = time(() => {
  baselinePolicy = loadBaseline(policyText)
})
const celDecisions: Decision[] = []
const baselineDecisions: Decision[] = []
const coldCelEvaluation = time(() => {
  for (const request of requests) celDecisions.push(evaluatePolicy(celPolicy, request))
})
const coldBaselineEvaluation = time(() => {
  for (const request of requests) baselineDecisions.push(evaluateBaseline(baselinePolicy, request))
})

/** Returns the parts of a decision that both sides compute, as JSON. */
function comparable(decision: Decision): string {
  return JSON.stringify({
    outcome: decision.outcome,
    reasons: decision.reasons,
    matchedRules: decision.matchedRules.map(({id, effect, message}) => ({id, effect, message})),
    requirements: decision.requirements.map(({group, team, count, allowRequester, reasons, rules, sla, escalateTo}) => ({
      group,
      team,
      count,
      allowRequester,
      reasons,
      rules,
      sla,
      escalateTo,
    })),
    errors: decision.errors,
  })
}

// Both sides must reach the same decisions, or the comparison means nothing.
const outcomes: Record<string, number> = {auto_approve: 0, needs_approval: 0, deny: 0}
let matchedTotal = 0
for (const [index, decision] of celDecisions.entries()) {
  const expected = comparable(decision)
  const actual = comparable(baselineDecisions[index])
  if (expected !== actual) throw new Error(`request ${index}: the baseline decided differently\nidp:      ${expected}\nbaseline: ${actual}`)
  outcomes[decision.outcome]++
  matchedTotal += decision.matchedRules.length
}

/** Keeps results reachable so the optimizer cannot drop the work. */
let sink: unknown

const measure = {
  celLoad: () => time(() => {
    for (let load = 0; load < LOADS_PER_ROUND; load++) sink = parsePolicy(policyText, 'bench-policy.yaml')
  }) / LOADS_PER_ROUND,
  baselineLoad: () => time(() => {
    for (let load = 0; load < LOADS_PER_ROUND; load++) sink = loadBaseline(policyText)
  }) / LOADS_PER_ROUND,
  celEvaluation: (policy: Policy) => time(() => {
    for (const request of requests) sink = evaluatePolicy(policy, request)
  }),
  baselineEvaluation: (policy: BaselinePolicy) => time(() => {
    for (const request of requests) sink = evaluateBaseline(policy, request)
  }),
}

const samples = {celLoad: [] as number[], baselineLoad: [] as number[], celEvaluation: [] as number[], baselineEvaluation: [] as number[]}
for (let round = 0; round < ROUNDS; round++) {
  // Even rounds run idp first and odd rounds the baseline, so neither always runs on a warmer heap.
  const celFirst = round % 2 === 0
  const steps = [
    () => samples.celLoad.push(measure.celLoad()),
    () => samples.baselineLoad.push(measure.baselineLoad()),
  ]
  const evaluations = [
    () => samples.celEvaluation.push(measure.celEvaluation(celPolicy)),
    () => samples.baselineEvaluation.push(measure.baselineEvaluation(baselinePolicy)),
  ]
  for (const step of celFirst ? steps : steps.reverse()) step()
  for (const step of celFirst ? evaluations : evaluations.reverse()) step()
}

void sink

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const format = (milliseconds: number): string => (milliseconds >= 100 ? milliseconds.toFixed(0) : milliseconds.toFixed(2))
const loadRatio = median(samples.celLoad) / median(samples.baselineLoad)
const evaluationRatio = median(samples.celEvaluation) / median(samples.baselineEvaluation)

console.log(`Approval policy benchmark; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`)
console.log(
  `${RULE_COUNT} rules (${policyText.length} bytes of YAML), ${REQUEST_COUNT} requests, seed ${SEED}, ${ROUNDS} interleaved rounds; ` +
    `load time is the mean of ${LOADS_PER_ROUND} loads per round.`,
)
console.log(
  `Decisions: ${outcomes.auto_approve} auto_approve, ${outcomes.needs_approval} needs_approval, ${outcomes.deny} deny; ` +
    `${(matchedTotal / REQUEST_COUNT).toFixed(1)} matched rules per request. The baseline reached the same decision for every request.`,
)
console.log('')
console.log('| measure | idp median ms | baseline median ms | ratio | goal |')
console.log('|---|---|---|---|---|')
console.log(
  `| load ${RULE_COUNT} rules | ${format(median(samples.celLoad))} | ${format(median(samples.baselineLoad))} | ${loadRatio.toFixed(2)} | under ${LOAD_GOAL} (${loadRatio < LOAD_GOAL ? 'met' : 'missed'}) |`,
)
console.log(
  `| evaluate ${REQUEST_COUNT} requests | ${format(median(samples.celEvaluation))} | ${format(median(samples.baselineEvaluation))} | ${evaluationRatio.toFixed(2)} | under ${EVALUATION_GOAL} (${evaluationRatio < EVALUATION_GOAL ? 'met' : 'missed'}) |`,
)
console.log('')
console.log(
  `Cold, as in a fresh CLI process (first load and first pass, before the rounds): idp load ${format(coldCelLoad)} ms, baseline load ${format(coldBaselineLoad)} ms; ` +
    `idp evaluation ${format(coldCelEvaluation)} ms, baseline evaluation ${format(coldBaselineEvaluation)} ms.`,
)
console.log(`Per request: idp ${((median(samples.celEvaluation) * 1000) / REQUEST_COUNT).toFixed(1)} µs, baseline ${((median(samples.baselineEvaluation) * 1000) / REQUEST_COUNT).toFixed(1)} µs.`)
