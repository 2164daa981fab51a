import {Flags} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'
import {repositoryFlags} from '../../cli/repository-flags.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class ApprovalsEscalate extends IdpCommand {
  static override summary = 'Escalate open idp pull requests whose approval has waited longer than its SLA (for a scheduled CI job).'
  static override description = [
    'For every open pull request that idp opened, evaluates the policy from the base branch and counts the approvals as `idp policy verify` does. A requirement with an `sla` that is still unmet after that time since the pull request opened is escalated once: review is requested from its `escalateTo` group (or its own team again), the label idp:escalated is added, and a comment says why. Groups with a Slack webhook in the policy are notified.',
    'A hidden marker in the comment records the escalation, so running the command again does nothing more for that requirement.',
    'In GitHub Actions (GITHUB_STEP_SUMMARY set), a table of the requirements is appended to the job summary.',
  ].join('\n\n')

  static override examples = [
    {description: 'Notify the escalation targets of the pull requests in acme/infrastructure whose approval waited past its SLA.', command: '<%= config.bin %> approvals escalate --repository acme/infrastructure'},
    {description: 'Show what would be escalated, and change nothing.', command: '<%= config.bin %> approvals escalate --dry-run'},
    {description: 'Report the escalations as one JSON document.', command: '<%= config.bin %> approvals escalate --json'},
  ]

  static override flags = {
    ...repositoryFlags,
    'dry-run': Flags.boolean({description: 'Say what would be escalated, and change nothing.', default: false}),
    now: Flags.string({description: 'Judge the SLAs at this time (ISO 8601) instead of now.', helpValue: '<time>', hidden: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ApprovalsEscalate)
    const env = process.env
    const now = flags.now === undefined ? new Date() : new Date(flags.now)
    if (Number.isNaN(now.getTime())) {
      throw new IdpError(`--now ${JSON.stringify(flags.now)} is not a time`, {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Use ISO 8601, such as 2026-12-04T09:00:00Z.'})
    }

    const [{loadConfig}, {createGateContext}, {escalatePullRequests}, {notifyEscalation}, {formatEscalations, writeEscalationSummary}, {TerminalProgress}, {githubError}] = await Promise.all([
      import('../../config/config.js'),
      import('../../cli/gate-context.js'),
      import('../../gate/escalate.js'),
      import('../../cli/notifications.js'),
      import('../../cli/escalation-view.js'),
      import('../../cli/progress.js'),
      import('../../delivery/github-errors.js'),
    ])
    const terminal = await this.capabilities()
    const progress = await TerminalProgress.create(process.stderr, terminal.animate && !flags.json, terminal.stderr)
    const config = await loadConfig({file: flags.config})
    const context = await createGateContext(config, flags, progress, env)
    const warnings: string[] = []
    const {checks, failures} = await escalatePullRequests(context, {
      now,
      dryRun: flags['dry-run'],
      botLogin: env.IDP_BOT_LOGIN || undefined,
      onEscalated: async (check, judgement) => {
        warnings.push(...(await notifyEscalation(check, judgement, env)).warnings)
      },
    }).catch((error: unknown) => {
      throw githubError(error, {repository: context.repository, apiUrl: context.apiUrl, step: 'Escalating pull requests'})
    })

    const summaryProblem = writeEscalationSummary({checks, failures, warnings}, flags['dry-run'], env)
    if (summaryProblem) warnings.push(summaryProblem)
    for (const warning of warnings) progress.warn(warning)
    for (const failure of failures) progress.warn(`Pull request #${failure.pullRequest} was not checked: ${failure.message}`)
    if (flags.json) this.printJson({repository: context.repository, now: now.toISOString(), dryRun: flags['dry-run'], checks, failures, warnings})
    else this.out(formatEscalations(checks, now, flags['dry-run']))
    // The others were escalated; the job still fails so that someone looks at the failures.
    if (failures.length > 0) process.exitCode = ExitCode.failure
  }
}
