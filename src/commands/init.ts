import {Flags} from '@oclif/core'

import {IdpCommand} from '../cli/base-command.js'
import type {InitResult} from '../cli/init.js'

export default class Init extends IdpCommand {
  static override summary = 'Write a commented .idprc.yaml for this repository, and optionally its shared approval policy.'
  static override description = [
    'Writes .idprc.yaml at the root of the git repository that contains the working folder (outside a repository, in the working folder). The GitHub repository comes from the git remote origin (or the only remote) when it is a GitHub URL, including GitHub Enterprise hosts; your team comes from --team or a prompt.',
    'With --policy, also writes .idp/approval-policy.yaml, a copy of the bundled example policy, and .idp/approval-policy.tests.yaml, its test cases, so that `idp policy test` passes right away.',
    'Files that exist are never replaced without --force: the command then writes nothing and exits with code 2.',
  ].join('\n\n')

  static override examples = [
    {description: 'Write .idprc.yaml for the repository in the working folder, asking for your team on a terminal.', command: '<%= config.bin %> init'},
    {description: 'Also copy the shared approval policy and its test cases into .idp/.', command: '<%= config.bin %> init --team payments --policy'},
    {description: 'Send the pull requests to acme/infrastructure on github.com.', command: '<%= config.bin %> init --repository acme/infrastructure --team payments'},
    {description: 'Use a repository on GitHub Enterprise Server, whose API address is derived from the URL.', command: '<%= config.bin %> init --repository https://github.example.com/acme/infrastructure'},
  ]

  static override flags = {
    repository: Flags.string({
      description: 'GitHub repository that receives the pull requests: owner/name on github.com, or the URL for GitHub Enterprise. Default: from the git remote.',
      helpValue: '<owner/name|url>',
    }),
    team: Flags.string({description: 'Your team, written as user.team: the default for inputs such as --team. Asked for when prompting is on.', helpValue: '<name>'}),
    policy: Flags.boolean({description: 'Also write the shared approval policy .idp/approval-policy.yaml and its test cases, copied from the bundled example.'}),
    force: Flags.boolean({description: 'Replace files that exist.'}),
    'no-input': Flags.boolean({description: 'Never prompt; without --team, user.team is left as a commented example. CI=true has the same effect.', env: 'IDP_NO_INPUT'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    const [{runInit, askTeam, displayPath, CONFIG_FILE_NAME}, {detectTerminal}] = await Promise.all([import('../cli/init.js'), import('../cli/terminal.js')])
    const terminal = detectTerminal({noInput: flags['no-input'], json: flags.json})
    this.useTerminal(terminal)
    const canAsk = terminal.interactive
    const result = await runInit({
      cwd: process.cwd(),
      env: process.env,
      repository: flags.repository,
      team: flags.team,
      policy: flags.policy,
      force: flags.force,
      askTeam: canAsk ? askTeam : undefined,
    })

    for (const warning of result.warnings) this.err(`${terminal.stderr.yellow('!')} ${warning}`)
    const cwd = process.cwd()
    const next = nextCommands(result, cwd, displayPath)
    if (flags.json) {
      const {root, inGitRepository, files, replaced, target, team, warnings} = result
      this.printJson({root, inGitRepository, files, replaced, target, team: team ?? null, next: next.map(({command}) => command), warnings})
      return
    }

    const bold = terminal.stdout.bold
    const lines = result.files.map((file) => `${result.replaced.includes(file) ? 'Replaced' : 'Wrote'} ${displayPath(file, cwd)}`)
    lines.push('', `${bold('Target:')} ${describeTarget(result)}`)
    const noPrompt = canAsk ? '' : ` (no prompt, because ${terminal.noPromptReason})`
    lines.push(`${bold('Team:')} ${result.team ?? `not set${noPrompt}. Uncomment user.team in ${CONFIG_FILE_NAME}, or pass --team.`}`)
    const width = Math.max(...next.map(({command}) => command.length))
    lines.push('', bold('Next:'), ...next.map(({command, purpose}) => `  ${command.padEnd(width)}  ${terminal.stdout.dim(purpose)}`))
    this.out(lines.join('\n'))
  }
}

/** Describes where requests will go, in one sentence. */
function describeTarget(result: InitResult): string {
  const {target} = result
  if (target.kind === 'none') {
    return `not set, because ${target.reason}. Requests go to a branch of a local repository. Pass --repository owner/name to open pull requests on GitHub.`
  }

  const api = target.apiUrl ? ` (API ${target.apiUrl})` : ''
  const source = target.detectedFrom ? `, detected from ${target.detectedFrom}` : ''
  return `pull requests in ${target.repository} on ${target.host}${api}${source}.`
}

/** Lists the commands to run next, with what each does. */
function nextCommands(result: InitResult, cwd: string, displayPath: (path: string, cwd: string) => string): Array<{command: string; purpose: string}> {
  const next: Array<{command: string; purpose: string}> = []
  if (result.policyTests) {
    // Without FILES, `idp policy test` looks for .idp/approval-policy.tests.yaml in the working folder only.
    const command = cwd === result.root ? 'idp policy test' : `idp policy test ${displayPath(result.policyTests, cwd)}`
    next.push({command, purpose: 'runs the test cases of the new shared policy'})
  }

  next.push({command: 'idp db create --dry-run', purpose: 'shows the plan of a request, and writes nothing'})
  return next
}
