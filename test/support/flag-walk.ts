/**
 * Loads the built CLI's oclif configuration in the working folder and either describes every
 * command's flags or parses argument lists, printing JSON on stdout. It runs as a subprocess,
 * `node --import tsx flag-walk.ts '<request>'`, because the command list is read once per
 * process from the working folder's catalog.
 *
 * Requests: `{"mode": "describe"}`, or `{"mode": "parse", "cases": [{"id", "argv", "env"}]}`
 * where `env` sets (a string) or removes (null) environment variables for that parse only.
 */
import {type Command, Config} from '@oclif/core'
import {fileURLToPath} from 'node:url'

/** A flag as the tests see it. */
export interface FlagDescription {
  name: string
  type: 'boolean' | 'option'
  allowNo: boolean
  aliases: string[]
  char?: string
  env?: string
  default?: unknown
}

export interface CommandDescription {
  id: string
  flags: FlagDescription[]
  /** Names of the required positional arguments, in order. */
  requiredArgs: string[]
}

export interface ParseCase {
  id: string
  argv: string[]
  env?: Record<string, string | null>
}

export type ParseResult = {flags: Record<string, unknown>} | {error: {message: string; code?: string; exitCode?: number}}

type FlagDefinition = {type: 'boolean' | 'option'; allowNo?: boolean; aliases?: string[]; char?: string; env?: string; default?: unknown}

const root = fileURLToPath(new URL('../..', import.meta.url))

async function describeCommands(config: Config): Promise<CommandDescription[]> {
  const commands: CommandDescription[] = []
  for (const command of config.commands) {
    const CommandClass = await command.load()
    const definitions = {...CommandClass.baseFlags, ...CommandClass.flags} as Record<string, FlagDefinition>
    const flags = Object.entries(definitions).map(([name, flag]) => ({
      name,
      type: flag.type,
      allowNo: Boolean(flag.allowNo),
      aliases: flag.aliases ?? [],
      char: flag.char,
      env: flag.env,
      default: typeof flag.default === 'function' ? undefined : flag.default,
    }))
    const requiredArgs = Object.entries(CommandClass.args ?? {})
      .filter(([, arg]) => arg.required)
      .map(([name]) => name)
    commands.push({id: command.id, flags, requiredArgs})
  }

  return commands
}

async function parseCase(config: Config, entry: ParseCase): Promise<ParseResult> {
  const saved = {...process.env}
  for (const [name, value] of Object.entries(entry.env ?? {})) {
    if (value === null) delete process.env[name]
    else process.env[name] = value
  }

  try {
    const CommandClass = await config.findCommand(entry.id, {must: true}).load()
    const command = new (CommandClass as unknown as new (argv: string[], config: Config) => Command)(entry.argv, config)
    const {flags} = await (command as unknown as {parse: () => Promise<{flags: Record<string, unknown>}>}).parse()
    return {flags}
  } catch (error) {
    const {message, code, exitCode} = error as Error & {code?: string; exitCode?: number}
    return {error: {message, code, exitCode}}
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  }
}

const config = await Config.load(root)
const request = JSON.parse(process.argv[2]) as {mode: 'describe'} | {mode: 'parse'; cases: ParseCase[]}
if (request.mode === 'describe') {
  process.stdout.write(JSON.stringify(await describeCommands(config)))
} else {
  const results: ParseResult[] = []
  for (const entry of request.cases) results.push(await parseCase(config, entry))
  process.stdout.write(JSON.stringify(results))
}
