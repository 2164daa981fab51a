import {Args, Flags} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'

export default class PolicyTest extends IdpCommand {
  static override summary = 'Run the approval policy test cases and report each one as passed or failed.'
  static override description = [
    'Each case file (apiVersion idp.dev/v1, kind ApprovalPolicyTests; see docs/policy.md) names its policy, or tests the policy it sits next to: approval-policy.tests.yaml tests approval-policy.yaml. A case gives a request and the decision it expects; a failed case shows the expected and the actual decision as a diff.',
    'Without FILES: the cases of the configured `policy`, else .idp/approval-policy.tests.yaml in the working folder, else the bundled example cases. A case that names an action and leaves out the cost gets cost, risk, resources and permissions computed from the action manifest, as a real request would.',
    'Exit code 1 when a case fails, or with --require-coverage when a rule is matched by no case.',
  ].join('\n\n')

  static override examples = [
    {description: 'Run the cases of the configured policy, or of .idp/approval-policy.yaml.', command: '<%= config.bin %> policy test'},
    {description: 'Also fail when a rule of the policy is matched by no case.', command: '<%= config.bin %> policy test .idp/approval-policy.tests.yaml --require-coverage'},
    {description: 'Run several case files and report as one JSON document.', command: '<%= config.bin %> policy test cases/*.yaml --json'},
  ]

  static override args = {files: Args.string({description: 'Case files to run, or repository folders, whose .idp/approval-policy.tests.yaml runs.', required: false})}
  // FILES is any number of paths.
  static override strict = false
  static override flags = {
    'require-coverage': Flags.boolean({description: 'Fail when a rule of the policy is matched by no case.'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PolicyTest)
    const [{loadConfig}, {runPolicyTests}] = await Promise.all([import('../../config/config.js'), import('../../cli/policy-test.js')])
    const config = await loadConfig({file: flags.config})
    await runPolicyTests({files: argv as string[], config, json: flags.json, requireCoverage: flags['require-coverage'], terminal: await this.capabilities()})
  }
}
