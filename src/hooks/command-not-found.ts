import type {Hook} from '@oclif/core'
import {closest, distance} from 'fastest-levenshtein'

import {ExitCode} from '../errors.js'

/**
 * Handles an unknown command the way idp handles every usage error: the closest command, the
 * next command to run, exit code 2, and one JSON document under --json. oclif's own
 * plugin-not-found (3.3) prompts to run its guess on a terminal and otherwise exits with 127,
 * which is not one of idp's documented exit codes.
 */
const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(':', ' ')
  const json = (options.argv ?? []).includes('--json') || process.argv.includes('--json')
  // `idp help db create` is what many CLIs accept; idp has `--help` instead.
  if (typed === 'help' || typed.startsWith('help ')) {
    const topic = typed.slice('help'.length).trim()
    reportUsageError(json, {code: 'USAGE_INVALID', message: 'idp has no help command', hint: `Run \`idp ${topic ? `${topic} ` : ''}--help\`.`})
    this.exit(ExitCode.usage)
  }

  const commands = this.config.commands.filter((command) => !command.hidden).map((command) => command.id.replaceAll(':', ' '))
  const guess = commands.length > 0 ? closest(typed, commands) : undefined
  // A guess more than half of the typed text away is noise, not a suggestion.
  const suggestion = guess !== undefined && distance(typed, guess) <= Math.max(2, Math.floor(typed.length / 2)) ? guess : undefined
  const message = `Unknown command "${typed}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`
  const hint = suggestion ? `Run \`idp ${suggestion} --help\`, or \`idp --help\` for every command.` : 'Run `idp --help` for every command, or `idp actions list` for the actions.'
  reportUsageError(json, {code: 'COMMAND_NOT_FOUND', message, hint, suggestion})
  this.exit(ExitCode.usage)
}

/** Prints a usage error as IdpCommand does: two lines on stderr, or under --json one error document on stdout. */
function reportUsageError(json: boolean, error: {code: string; message: string; hint: string; suggestion?: string}): void {
  const {code, message, hint, suggestion} = error
  if (json) process.stdout.write(`${JSON.stringify({error: {code, message, exitCode: ExitCode.usage, problems: [], hint, suggestion}}, null, 2)}\n`)
  else process.stderr.write(`Error: ${message}\nNext: ${hint}\n`)
}

export default hook
