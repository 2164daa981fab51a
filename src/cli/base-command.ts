import {Command, Flags, type Interfaces} from '@oclif/core'
import {closest, distance} from 'fastest-levenshtein'

import {ExitCode, IdpError, formatProblem} from '../errors.js'
import {applyBooleanVariables} from './environment.js'
import type {TerminalCapabilities} from './terminal.js'

/** Matches ANSI escape sequences, which oclif puts into some of its parse errors. */
const ANSI = /\u001B\[[0-9;]*m/g

/**
 * Base of every idp command: `--json`, `--config`, and one way to report errors. An IdpError
 * is printed as a message, its problems and the next step, and sets its exit code. Under
 * `--json` it is one JSON document on stdout. Any other error is a bug, so it keeps its stack
 * trace for the report.
 */
export abstract class IdpCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print one JSON document on stdout and nothing else there.', helpGroup: 'GLOBAL'}),
    config: Flags.string({description: 'Configuration file to use instead of searching for one.', helpGroup: 'GLOBAL', helpValue: '<path>'}),
  }

  private terminal: TerminalCapabilities | undefined
  protected json = false

  override async init(): Promise<void> {
    await super.init()
    // The flags are parsed again by each command; here only --json decides the error format.
    this.json = this.argv.includes('--json')
  }

  /** Colours and prompting for this command, detected on first use (chalk loads lazily). */
  protected async capabilities(): Promise<TerminalCapabilities> {
    if (!this.terminal) {
      const {detectTerminal} = await import('./terminal.js')
      this.terminal = detectTerminal({json: this.json})
    }

    return this.terminal
  }

  /**
   * Parses the flags as oclif does, then reads the boolean flags that name an environment
   * variable strictly: an invalid value is a usage error naming the variable.
   */
  protected override async parse<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const output = await super.parse(options, argv)
    const definitions = {...(options ?? (this.constructor as typeof Command)).flags, ...IdpCommand.baseFlags}
    const given = new Set(output.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])))
    applyBooleanVariables(definitions as Record<string, {type: string; env?: string}>, output.flags, given, process.env)
    return output
  }

  /** Uses capabilities detected with the command's own flags, such as `--no-input`. */
  useTerminal(terminal: TerminalCapabilities): void {
    this.terminal = terminal
  }

  /** Prints a result line to stdout. */
  protected out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Prints a line to stderr. */
  protected err(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Prints one JSON document to stdout. */
  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  override async catch(error: unknown): Promise<void> {
    if (process.env.IDP_DEBUG && !(error instanceof IdpError)) throw error
    const command = this.constructor as typeof Command
    const flags = Object.keys({...command.flags, ...command.baseFlags})
    const failure = redactSecrets(unknownFlagError(error, flags, `idp ${(this.id ?? '').replaceAll(':', ' ')}`.trim()) ?? toIdpError(error) ?? unexpectedError(error), process.env)
    process.exitCode = failure.exitCode
    if (this.json) {
      this.printJson({error: {code: failure.code, message: failure.message, exitCode: failure.exitCode, problems: failure.problems, hint: failure.hint, ...failure.details}})
      return
    }

    // Detecting the terminal fails on an invalid IDP_NO_INPUT, which may be the error reported here.
    const chalk = (await this.capabilities().catch(() => undefined))?.stderr ?? new (await import('chalk')).Chalk({level: 0})
    const lines = [`${chalk.red('Error:')} ${failure.message}`]
    for (const problem of failure.problems) lines.push(`  ${formatProblem(problem)}`)
    if (failure.hint) lines.push(`${chalk.bold('Next:')} ${failure.hint}`)
    if (typeof failure.details.journal === 'string') lines.push(`The run journal is ${failure.details.journal}`)
    if (typeof failure.details.runId === 'string' && failure.code !== 'INTERRUPTED') {
      lines.push(`Once the cause is fixed, \`idp runs retry ${failure.details.runId}\` finishes the run and reuses what it created.`)
    }
    this.err(lines.join('\n'))
  }
}

/**
 * Replaces the values of GH_TOKEN and GITHUB_TOKEN in an error's text, in case a library put a
 * token into its message. idp's own messages never contain one; this is the last line of defense.
 */
export function redactSecrets(error: IdpError, env: NodeJS.ProcessEnv): IdpError {
  const secrets = [env.GH_TOKEN, env.GITHUB_TOKEN].map((value) => value?.trim()).filter((value): value is string => Boolean(value && value.length >= 8))
  if (secrets.length === 0) return error
  const redact = (text: string) => secrets.reduce((result, secret) => result.replaceAll(secret, '[redacted]'), text)
  const json = JSON.stringify({message: error.message, hint: error.hint, problems: error.problems, details: error.details})
  if (!secrets.some((secret) => json.includes(secret))) return error
  return new IdpError(redact(error.message), {
    code: error.code,
    exitCode: error.exitCode,
    hint: error.hint === undefined ? undefined : redact(error.hint),
    problems: error.problems.map((problem) => ({...problem, message: redact(problem.message)})),
    details: JSON.parse(redact(JSON.stringify(error.details))) as Record<string, unknown>,
  })
}

// oclif reports unknown flags as "Nonexistent flag: --nam" (or "flags: --a, --b").
const NONEXISTENT_FLAG = /Nonexistent flags?: (.+)$/m

/** Turns oclif's unknown-flag error into one that suggests the closest flag and lists the known ones. */
export function unknownFlagError(error: unknown, flags: string[], usage: string): IdpError | undefined {
  const match = error instanceof Error ? NONEXISTENT_FLAG.exec(error.message.replaceAll(ANSI, '')) : null
  if (!match) return undefined
  const unknown = match[1].split(',').map((flag) => flag.trim())
  const known = flags.map((flag) => `--${flag}`)
  const suggestions = unknown.map((flag) => {
    const name = flag.split('=')[0]
    const guess = known.length > 0 ? closest(name, known) : undefined
    // A guess more than half of the typed flag away is noise, not a suggestion.
    const bare = (text: string) => text.replace(/^-+/, '')
    return guess && distance(bare(name), bare(guess)) <= Math.max(2, Math.floor(bare(name).length / 2)) ? `${flag} (did you mean ${guess}?)` : flag
  })
  return new IdpError(`Unknown ${unknown.length === 1 ? 'flag' : 'flags'} for ${usage}: ${suggestions.join(', ')}`, {
    code: 'USAGE_INVALID',
    exitCode: ExitCode.usage,
    details: {unknownFlags: unknown, knownFlags: known},
    hint: `Known flags: ${known.join(', ')}. Run ${usage} --help for details.`,
    cause: error,
  })
}

/**
 * Wraps an error idp did not expect, which is a bug or an environment problem (a file where
 * a folder should be), so that it is still one line and, under --json, one JSON document.
 */
function unexpectedError(error: unknown): IdpError {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new IdpError(`Unexpected failure: ${message}`, {
    code: 'UNEXPECTED',
    exitCode: ExitCode.failure,
    cause: error,
    hint: 'If the message points at a file or folder, fix it and run the command again. Otherwise this is a bug in idp: report it with the command you ran, and set IDP_DEBUG=1 to see the stack trace.',
  })
}

/**
 * Returns the first line of an oclif error. A first line that ends with a colon ("Missing 1
 * required arg:") gets the next line too, which names what is missing: `id  Run id` becomes
 * `id (Run id)`.
 */
function oclifMessage(error: Error): string {
  const [first = '', second] = error.message.replaceAll(ANSI, '').split('\n').map((line) => line.trim()).filter(Boolean)
  if (!first.endsWith(':') || !second) return first
  const named = /^(\S+)\s{2,}(.+)$/.exec(second)
  return `${first} ${named ? `${named[1]} (${named[2].replace(/\.$/, '')})` : second}`
}

/** Converts errors the user caused into IdpError; returns undefined for bugs. */
export function toIdpError(error: unknown): IdpError | undefined {
  if (error instanceof IdpError) return error
  if (!(error instanceof Error)) return undefined
  const oclif = (error as Error & {oclif?: {exit?: number}}).oclif
  if (oclif && error.name !== 'Error') {
    // Parse errors from oclif: unknown flags, missing flag values, invalid options.
    return new IdpError(oclifMessage(error), {code: 'USAGE_INVALID', exitCode: ExitCode.usage, hint: 'Run the command with --help to see its flags.', cause: error})
  }

  if (oclif?.exit !== undefined) {
    return new IdpError(oclifMessage(error), {
      code: 'USAGE_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Run the command with --help to see its flags.',
      cause: error,
    })
  }

  return undefined
}
