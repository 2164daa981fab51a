import {Args} from '@oclif/core'

import {IdpCommand} from '../../cli/base-command.js'

export default class ActionsValidate extends IdpCommand {
  static override summary = 'Check action manifests and their templates, and report every problem with its file, line and column.'
  static override description = [
    'Reports schema errors, references to undefined inputs or steps, duplicate step ids, unknown step actions, hyphenated names inside expressions, and expressions that fail to render with sample inputs (the defaults, else the first allowed value). Unanchored patterns on name-like inputs are warnings.',
    'PATHS are manifest files or folders of manifests. Without PATHS: the bundled catalog and the configured catalog folders.',
    'Exit code 1 when a manifest has an error; warnings alone exit 0.',
  ].join('\n\n')

  static override examples = [
    {description: 'Check the bundled catalog and the configured catalog folders.', command: '<%= config.bin %> actions validate'},
    {description: 'Check one folder of manifests in CI, as JSON for annotations.', command: '<%= config.bin %> actions validate catalog --json'},
  ]

  static override args = {paths: Args.string({description: 'Manifest files or folders to check.', required: false})}
  // PATHS is any number of paths.
  static override strict = false

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ActionsValidate)
    const [{manifestFilesOf}, {lintManifests}] = await Promise.all([import('../../cli/validate-paths.js'), import('../../actions/lint.js')])
    const {files, findings} = await manifestFilesOf(argv as string[], flags.config)
    const result = await lintManifests(files, findings)
    if (result.errors > 0) process.exitCode = 1

    if (flags.json) {
      this.printJson({ok: result.errors === 0, ...result})
      return
    }

    const chalk = (await this.capabilities()).stdout
    for (const finding of result.findings) {
      const location = [finding.file, finding.line, finding.column].filter((part) => part !== undefined).join(':')
      const severity = finding.severity === 'error' ? chalk.red('error') : chalk.yellow('warning')
      const path = finding.path ? `${finding.path}: ` : ''
      this.out(`${location}: ${severity}: ${path}${finding.message} [${finding.rule}]`)
    }

    const checked = `${result.files.length} ${result.files.length === 1 ? 'manifest' : 'manifests'} checked`
    this.out(`${checked}: ${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}`)
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
