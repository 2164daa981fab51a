import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

import type {CatalogEntry} from '../actions/catalog.js'
import {resolveInputs} from '../actions/inputs.js'
import {loadManifest} from '../actions/manifest.js'
import {formatMoney, prepareRequest} from '../actions/plan.js'
import type {IdpConfig} from '../config/config.js'
import {ExitCode, IdpError} from '../errors.js'
import {explainPolicy, loadPolicy, type Decision, type PolicyRequest, type RuleExplanation} from '../policy/index.js'
import {inputValuesFromFlags} from './action-command.js'
import type {IdpCommand} from './base-command.js'
import {printJson} from './json-output.js'
import {formatDecision} from './plan-view.js'
import {choosePolicies, decide, describePolicySource, sharedPolicyPath, type PolicyChoice} from './policy-source.js'
import {TerminalProgress} from './progress.js'
import {readGitUserName, requesterOf} from './run-action.js'
import {createTarget} from './targets.js'
import type {TerminalCapabilities} from './terminal.js'
import {readValues} from './values.js'

export interface CheckPolicyOptions {
  command: IdpCommand
  entry: CatalogEntry
  config: IdpConfig
  flags: Record<string, unknown>
  terminal: TerminalCapabilities
  env?: NodeJS.ProcessEnv
}

/** An explanation of one rule, with the policy file it belongs to. */
export type PolicyExplanation = RuleExplanation & {policy: string}

/**
 * Evaluates the approval policy for a request given as an action's flags, the way a run would,
 * and prints the decision; nothing is written. A denied request sets exit code 3.
 */
export async function checkPolicy(options: CheckPolicyOptions): Promise<void> {
  const {entry, config, flags, terminal} = options
  const env = options.env ?? process.env
  const json = Boolean(flags.json)
  const progress = await TerminalProgress.create(process.stderr, terminal.animate && !json, terminal.stderr)

  const loaded = await loadManifest(entry.file)
  const values = typeof flags.values === 'string' ? await readValues(flags.values) : undefined
  const inputs = await resolveInputs({
    manifest: loaded.manifest,
    flags: inputValuesFromFlags(entry, flags),
    values,
    user: config.user,
    usage: {command: `idp policy check ${entry.name}`, neverPrompts: true},
  })
  const requester = requesterOf(config, inputs, undefined, config.user.name === undefined ? await readGitUserName() : undefined)
  const prepared = prepareRequest(loaded, inputs, {user: config.user, requester, runId: 'policy-check'})

  const choice: PolicyChoice =
    typeof flags.policy === 'string'
      ? {policies: [await loadPolicy(resolve(flags.policy), {kind: 'file'}).catch((error: unknown) => rethrowForFlag(error, flags.policy as string))], warnings: []}
      : await choosePolicies(config, await createTarget(config, true, progress, env))
  for (const warning of choice.warnings) progress.warn(warning)
  // A policy author in the infrastructure repository usually means the working copy.
  const workingCopy = sharedPolicyPath(config)
  if (typeof flags.policy !== 'string' && choice.policies[0]?.origin?.kind === 'bundled' && existsSync(workingCopy)) {
    progress.warn(`The bundled example decided. To evaluate the working copy of ${workingCopy} instead, pass --policy ${workingCopy}.`)
  }

  const request = prepared.policyRequest
  const decision = decide(choice, request)
  const explanations = flags.explain ? choice.policies.flatMap((policy) => explainPolicy(policy, request).map((explanation) => ({...explanation, policy: policy.path}))) : undefined

  if (json) printJson({action: entry.name, request, decision, explanations})
  else process.stdout.write(`${formatCheck(entry.name, request, decision, explanations, terminal.stdout)}\n`)
  if (decision.outcome === 'deny') process.exitCode = ExitCode.denied
}

/** Formats the result of `idp policy check` for a terminal. */
export function formatCheck(action: string, request: PolicyRequest, decision: Decision, explanations: PolicyExplanation[] | undefined, chalk: TerminalCapabilities['stdout']): string {
  const lines = [`${chalk.bold(action)}: ${formatDecision(decision, chalk)}`]
  const facts = [`cost ${formatMoney(request.cost.monthly, request.cost.currency)}/month`]
  if (request.environment) facts.push(`environment ${request.environment}`)
  facts.push(`risk ${request.risk.length > 0 ? request.risk.join(', ') : 'none'}`)
  lines.push(`  ${facts.join(', ')}`, chalk.dim(`  Policy: ${describePolicySource(decision)}`))

  if (decision.reasons.length > 0) {
    lines.push('', chalk.bold('Reasons'))
    for (const reason of decision.reasons) lines.push(`  - ${reason}`)
  }

  if (decision.requirements.length > 0) {
    lines.push('', chalk.bold('Requirements'))
    for (const requirement of decision.requirements) {
      const terms = [requirement.allowRequester ? "the requester's approval counts" : "the requester's approval does not count"]
      if (requirement.sla) terms.push(`SLA ${requirement.sla}${requirement.escalateTo ? `, then ${requirement.escalateTo}` : ''}`)
      lines.push(`  ${requirement.count} from @${requirement.team} (${requirement.group}): ${terms.join('; ')}; rules ${requirement.rules.join(', ')}`)
    }
  }

  lines.push('', chalk.bold('Matched rules'))
  if (decision.matchedRules.length === 0) lines.push(decision.errors.length > 0 ? '  none: the rules that could not be evaluated decided, through onError' : '  none: the default applied')
  for (const rule of decision.matchedRules) lines.push(`  ${chalk.green('✓')} ${rule.id} (${rule.effect}): ${rule.message}`)

  if (decision.errors.length > 0) {
    lines.push('', chalk.bold('Rules that could not be evaluated'))
    for (const error of decision.errors) lines.push(`  ${chalk.red('!')} ${error.rule}: ${error.message}`)
  }

  if (explanations) {
    const unmatched = explanations.filter((explanation) => !explanation.matched && !explanation.error)
    lines.push('', chalk.bold('Not matched'))
    if (unmatched.length === 0) lines.push('  none')
    for (const explanation of unmatched) lines.push(`  ${chalk.dim('-')} ${explanation.id} (${explanation.effect}): ${explanation.why}`)
  }

  return lines.join('\n')
}

/** Points a missing or invalid `--policy` file at the flag, not at the configuration. */
function rethrowForFlag(error: unknown, path: string): never {
  if (error instanceof IdpError && error.code === 'POLICY_NOT_FOUND') {
    throw new IdpError(`Policy file not found: ${resolve(path)}`, {code: 'POLICY_NOT_FOUND', exitCode: ExitCode.usage, hint: 'Check the path given to --policy.'})
  }

  throw error
}
