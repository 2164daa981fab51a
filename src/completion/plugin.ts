import type {Command, Config} from '@oclif/core'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'

/**
 * The parts of @oclif/plugin-autocomplete 3.2.56 that idp uses. The package exports none of its
 * modules (its `exports` is an empty index), so they are imported by file path, and package.json
 * pins the exact version whose layout this describes.
 */
export interface AutocompletePlugin {
  /** `autocomplete:create`, used for its file paths and setup scripts. */
  Create: new (argv: string[], config: Config) => PluginCreate
  /** `autocomplete`, used for its setup instructions. */
  Index: new (argv: string[], config: Config) => PluginIndex
  /** `autocomplete:script`, which prints the line that goes into the shell profile. */
  Script: Command.Class
  /** The generator of the zsh completion function for CLIs with spaces between topics. */
  ZshCompletion: new (config: Config) => {generate(): string}
  /** The generator of the PowerShell completion script. */
  PowerShellCompletion: new (config: Config) => {generate(): string}
}

/** The getters of the plugin's `autocomplete:create` command that idp reads. */
export interface PluginCreate {
  readonly autocompleteCacheDir: string
  readonly bashSetupScript: string
  readonly bashSetupScriptPath: string
  readonly bashCompletionFunctionPath: string
  readonly bashFunctionsDir: string
  readonly zshSetupScript: string
  readonly zshSetupScriptPath: string
  readonly zshCompletionFunctionPath: string
  readonly zshFunctionsDir: string
  readonly pwshCompletionFunctionPath: string
  readonly pwshFunctionsDir: string
}

export interface PluginIndex {
  printShellInstructions(shell: string): void
}

/** Imports the plugin's modules from the folder its package entry point is in. */
export async function loadAutocompletePlugin(): Promise<AutocompletePlugin> {
  const libDir = dirname(createRequire(import.meta.url).resolve('@oclif/plugin-autocomplete'))
  const load = async (path: string) => ((await import(pathToFileURL(join(libDir, path)).href)) as {default: unknown}).default
  const [Create, Index, Script, ZshCompletion, PowerShellCompletion] = await Promise.all([
    load('commands/autocomplete/create.js'),
    load('commands/autocomplete/index.js'),
    load('commands/autocomplete/script.js'),
    load('autocomplete/zsh.js'),
    load('autocomplete/powershell.js'),
  ])
  return {Create, Index, Script, ZshCompletion, PowerShellCompletion} as AutocompletePlugin
}
