import type {Hook} from '@oclif/core'

import {ExitCode} from '../errors.js'

/**
 * Turns `idp db --json` into a usage error as one JSON document. oclif prints a topic without a
 * command as its help page on stdout, which a script that requested JSON cannot read.
 */
const hook: Hook.Init = async function ({id}) {
  if (!id || !process.argv.includes('--json') || this.config.findCommand(id) || !this.config.findTopic(id)) return
  const topic = id.replaceAll(':', ' ')
  const commands = this.config.commands.filter((command) => !command.hidden && command.id.startsWith(`${id}:`)).map((command) => `idp ${command.id.replaceAll(':', ' ')}`)
  const error = {
    code: 'USAGE_INVALID',
    message: `idp ${topic} is a topic, not a command`,
    exitCode: ExitCode.usage,
    problems: [],
    hint: `Name a command: ${commands.join(', ')}. Run \`idp ${topic} --help\` to see them.`,
  }
  process.stdout.write(`${JSON.stringify({error}, null, 2)}\n`)
  this.exit(ExitCode.usage)
}

export default hook
