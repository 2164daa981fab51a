import {Args, Flags} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'
import {repositoryFlags} from '../../cli/repository-flags.js'

export default class PolicyVerify extends IdpCommand {
  static override summary = "Enforce the approval policy on a pull request of the infrastructure repository (for its CI)."
  static override description = [
    'Reads the request that idp recorded in the pull request, renders its files again from the action manifests of this checkout and compares them with the pull request, evaluates the policy from the base branch (never the pull request\'s own copy), and counts the approvals: the latest review of each user, on the current head commit, from a member of the required team, never the author\'s own unless the rule allows it.',
    'Reports the commit status idp/policy on the head commit and, in GitHub Actions, a job summary. Exit codes: 0 approved (or not an idp request, or a pull request into another branch, which gets no status), 8 approvals missing, 3 denied, 1 the files differ from the request or the request is invalid.',
    'Run it from a checkout of the base branch, so that the action manifests are the reviewed ones; docs/ci.md has a ready workflow.',
  ].join('\n\n')

  static override examples = [
    {description: 'Judge pull request 42 against the policy on its base branch and report the commit status idp/policy (exit 8 while approval is missing).', command: '<%= config.bin %> policy verify 42 --repository acme/infrastructure'},
    {description: 'In a GitHub Actions job, which sets these variables, the pull request comes from the event (exit 8 while approval is missing).', command: 'GITHUB_EVENT_PATH=event.json GITHUB_REPOSITORY=acme/infrastructure <%= config.bin %> policy verify'},
    {description: 'Print the judgement as JSON and report no commit status (exit 8 while approval is missing).', command: '<%= config.bin %> policy verify 42 --no-status --json'},
  ]

  static override args = {pullRequest: Args.string({description: 'Pull request number; default: the pull request of the GitHub Actions event (GITHUB_EVENT_PATH).', required: false})}
  static override flags = {
    ...repositoryFlags,
    status: Flags.boolean({description: 'Report the commit status idp/policy on the head commit. On by default, and --no-status only prints the decision.', default: true, allowNo: true}),
    'require-request': Flags.boolean({description: 'Fail pull requests that record no idp request, instead of passing them as not managed by idp.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PolicyVerify)
    const env = process.env
    const [{loadConfig}, {createGateContext, pullRequestNumber}, {judgePullRequest}, view, {TerminalProgress}] = await Promise.all([
      import('../../config/config.js'),
      import('../../cli/gate-context.js'),
      import('../../gate/judge.js'),
      import('../../cli/policy-verify.js'),
      import('../../cli/progress.js'),
    ])
    const number = pullRequestNumber(args.pullRequest, env)
    const terminal = await this.capabilities()
    const progress = await TerminalProgress.create(process.stderr, terminal.animate && !flags.json, terminal.stderr)
    const config = await loadConfig({file: flags.config})
    const context = await createGateContext(config, flags, progress, env)

    const {githubError} = await import('../../delivery/github-errors.js')
    const judgement = await judgePullRequest(context, number, {checkFiles: true}).catch((error: unknown) => {
      throw githubError(error, {repository: context.repository, apiUrl: context.apiUrl, step: `Verifying pull request #${number}`})
    })
    const exitCode = view.exitCodeOf(judgement.outcome, flags['require-request'])
    // A pull request into another branch gets no status: its head commit may be another's.
    if (flags.status && judgement.outcome !== 'other_base') {
      const step = progress.step(`Reporting ${view.STATUS_CONTEXT} on ${judgement.pullRequest.headSha.slice(0, 12)}`)
      try {
        await view.reportStatus(context, judgement, flags['require-request'], env)
        step.succeed(`Reported ${view.STATUS_CONTEXT}: ${view.statusStateOf(judgement.outcome, flags['require-request'])}`)
      } catch (error) {
        step.fail(`Reporting ${view.STATUS_CONTEXT}: failed`)
        throw githubError(error, {repository: context.repository, apiUrl: context.apiUrl, step: `Reporting the commit status ${view.STATUS_CONTEXT}`})
      }
    }

    const summaryProblem = view.writeJobSummary(judgement, env)
    if (summaryProblem) progress.warn(summaryProblem)
    if (flags.json) this.printJson(view.judgementJson(judgement, exitCode))
    else this.out(view.formatJudgement(judgement, terminal.stdout))
    process.exitCode = exitCode
  }
}
