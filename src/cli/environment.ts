import {ExitCode, IdpError} from '../errors.js'

// Spellings accepted for a boolean environment variable, compared without case.
const TRUE_VALUES = new Set(['1', 'true', 'yes', 'y', 'on'])
const FALSE_VALUES = new Set(['0', 'false', 'no', 'n', 'off'])

/**
 * Reads a boolean environment variable. Returns undefined when it is unset or empty, so that
 * the caller's default applies, and throws a usage error (exit 2) naming the variable for any
 * value other than 1/true/yes/y/on or 0/false/no/n/off.
 */
export function readBooleanVariable(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const value = raw.trim().toLowerCase()
  if (TRUE_VALUES.has(value)) return true
  if (FALSE_VALUES.has(value)) return false
  throw new IdpError(`Invalid value for the environment variable ${name}: "${raw}". Use 1 or 0 (also true/false, yes/no, on/off).`, {
    code: 'ENVIRONMENT_INVALID',
    exitCode: ExitCode.usage,
    details: {variable: name, value: raw},
    hint: `Set ${name}=1 to turn it on, ${name}=0 to turn it off, or unset it.`,
  })
}

/** Checks whether a boolean variable is set to one of the true spellings. An invalid value is not. */
export function isTrueVariable(env: NodeJS.ProcessEnv, name: string): boolean {
  return TRUE_VALUES.has((env[name] ?? '').trim().toLowerCase())
}

/** Boolean flag definitions as oclif stores them, reduced to what `applyBooleanVariables` reads. */
interface BooleanFlagDefinition {
  type: string
  env?: string
}

/**
 * Sets each boolean flag that names an environment variable (`env:`) and was not given on the
 * command line from that variable, read strictly. oclif itself reads such a variable as false
 * for any value it does not know, `banana` included, so its result is replaced here. A flag on
 * the command line wins over the variable, and an unset variable keeps the flag's default.
 */
export function applyBooleanVariables(
  definitions: Record<string, BooleanFlagDefinition>,
  flags: Record<string, unknown>,
  givenFlags: ReadonlySet<string>,
  env: NodeJS.ProcessEnv,
): void {
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.type !== 'boolean' || !definition.env || givenFlags.has(name)) continue
    const value = readBooleanVariable(env, definition.env)
    if (value !== undefined) flags[name] = value
  }
}
