import type {Command, Config} from '@oclif/core'

// The command words and input names that the manifest schema allows, in their flag form. The
// command line reads manifests without validating them, so completion leaves out any other
// name instead of writing it into a shell script, where it could run as code.
const WORD = /^[a-z][a-z0-9-]*$/
const FLAG_CHAR = /^[a-zA-Z]$/

/** Lists the commands to complete: those not hidden, whose words and flags are safe in a shell script. */
export function completableCommands(config: Config): Command.Loadable[] {
  return config.commands
    .filter((command) => !command.hidden && hasSafeWords(command.id))
    .map((command) => ({...command, flags: Object.fromEntries(Object.entries(command.flags).filter(([name, flag]) => isSafeFlag(name, flag)))}))
    .sort((a, b) => a.id.localeCompare(b.id))
}

function hasSafeWords(id: string): boolean {
  return id.split(':').every((word) => WORD.test(word))
}

function isSafeFlag(name: string, flag: Command.Flag.Cached): boolean {
  return !flag.hidden && WORD.test(name) && (flag.char === undefined || FLAG_CHAR.test(flag.char))
}
