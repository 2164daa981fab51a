import {execute, settings} from '@oclif/core'

/**
 * Entry point of the bundle. `bin/run.js` imports this module, and package.json points oclif at
 * its exports for the commands, the help class and the hooks. One bundled file (plus the chunks
 * of its lazy imports) thus contains oclif and every command.
 */
export {COMMANDS} from './commands.js'
export {default as IdpHelp} from './help.js'
export {default as commandNotFound} from './hooks/command-not-found.js'
export {default as topicUnderJson} from './hooks/topic-json.js'

/** Runs the command line. `bin` is the URL of `bin/run.js`, from which oclif finds package.json. */
export async function run(bin: string): Promise<void> {
  // Under NODE_ENV=development or test, oclif would look for TypeScript sources of the commands
  // and warn when the TypeScript compiler is missing, as it is in an installed package. The
  // commands always come from the bundle, so there is nothing to look for.
  settings.enableAutoTranspile = false
  await execute({dir: bin})
}
