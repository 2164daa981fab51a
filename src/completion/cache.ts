import type {Config} from '@oclif/core'
import {mkdir, rename, utimes, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {readCatalog} from '../actions/catalog.js'
import {generateBashCompletion} from './bash.js'
import {powershellConfigView, zshConfigView} from './literal-texts.js'
import {loadAutocompletePlugin, type AutocompletePlugin} from './plugin.js'
import {generateRefreshScript, readRefreshState, shellWorkingDir} from './refresh.js'
import {shellQuote} from './shell-quote.js'

export interface CompletionCache {
  /** The plugin's setup script for each shell and the completion file it loads. */
  bashSetup: string
  bashFunction: string
  zshSetup: string
  zshFunction: string
  powershellFunction: string
  /** The script shared by bash and zsh that regenerates the cache when it is stale. */
  refreshScript: string
}

/** Returns where the completion files go, under oclif's cache folder (`$XDG_CACHE_HOME/idp`). */
export function completionCachePaths(plugin: AutocompletePlugin, config: Config): CompletionCache {
  const create = new plugin.Create([], config)
  return {
    bashSetup: create.bashSetupScriptPath,
    bashFunction: create.bashCompletionFunctionPath,
    zshSetup: create.zshSetupScriptPath,
    zshFunction: create.zshCompletionFunctionPath,
    powershellFunction: create.pwshCompletionFunctionPath,
    refreshScript: join(create.autocompleteCacheDir, 'refresh.sh'),
  }
}

/**
 * Writes the completion files for bash, zsh and PowerShell from the commands oclif loaded,
 * which include one command per action manifest of the configured catalog. Each file is
 * written to a temporary file and renamed, so a shell never loads a half-written one.
 */
export async function writeCompletionCache(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<CompletionCache> {
  const plugin = await loadAutocompletePlugin()
  const create = new plugin.Create([], config)
  const paths = completionCachePaths(plugin, config)
  const state = await readRefreshState({cwd: shellWorkingDir(env), env, cliRoot: config.root})
  const actionNames = readCatalog(state.catalog).entries.map((entry) => entry.name)

  const zshSetup = `${create.zshSetupScript}[ -f ${shellQuote(paths.refreshScript)} ] && . ${shellQuote(paths.refreshScript)} && compdef _idp_ac_zsh ${config.bin};\n`
  const files: Array<[string, string]> = [
    [paths.bashSetup, create.bashSetupScript],
    [paths.bashFunction, generateBashCompletion(config, {refreshScript: paths.refreshScript, actionNames})],
    [paths.zshSetup, zshSetup],
    [paths.zshFunction, new plugin.ZshCompletion(zshConfigView(config)).generate()],
    [paths.powershellFunction, new plugin.PowerShellCompletion(powershellConfigView(config)).generate()],
  ]
  for (const [file, content] of files) await writeAtomically(file, content)

  // The refresh script is written last. Its modification time is the stamp that the shell
  // compares the watched paths with: the start of this process, before the catalog was read.
  // A file changed after the read has a later modification time even though file systems use a
  // coarse clock, because that clock lags the precise one and never leads it.
  const header = `# idp completion, generation ${Date.now()}-${process.pid}`
  const refresh = generateRefreshScript({state, header, file: paths.refreshScript, bashFile: paths.bashFunction, node: process.execPath, cli: process.argv[1]})
  const stamp = new Date(performance.timeOrigin)
  await writeAtomically(paths.refreshScript, refresh, stamp)
  return paths
}

async function writeAtomically(file: string, content: string, modified?: Date): Promise<void> {
  await mkdir(dirname(file), {recursive: true})
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, content)
  if (modified) await utimes(temporary, modified, modified)
  await rename(temporary, file)
}
