import {existsSync, realpathSync, statSync} from 'node:fs'
import {isAbsolute, join, resolve} from 'node:path'

import {bundledCatalogDir, listManifestFiles} from '../actions/catalog.js'
import {SEARCH_PLACES, loadConfig, projectRoot, userConfigFile} from '../config/config.js'
import {shellCode, shellQuote} from './shell-quote.js'

/** What decides whether the generated completion is stale, as the shell checks it on each Tab. */
export interface RefreshState {
  /**
   * Key of the configuration in effect in the working folder: the project root, the project
   * configuration file, IDP_CONFIG and the user configuration file, one per line.
   */
  scope: string
  /** Files and folders whose modification time, when newer than the refresh script, makes the completion stale. */
  watched: string[]
  /** Paths that did not exist, and whose appearance makes the completion stale: configured catalog folders. */
  absent: string[]
  /** The configured catalog folders, which come after the bundled one. */
  catalog: string[]
}

export interface RefreshStateOptions {
  /** Working folder, as the shell spells it (`$PWD`), so that the scope keys of both agree. */
  cwd: string
  env: NodeJS.ProcessEnv
  /** Root folder of the idp installation: a new version or a new build changes its modification time. */
  cliRoot: string
}

/** Collects the scope and the paths that the shell watches, for the configuration in effect in `cwd`. */
export async function readRefreshState(options: RefreshStateOptions): Promise<RefreshState> {
  const {cwd, env} = options
  const scope = completionScope(cwd, env)
  const configFiles = [scope.projectFile, scope.userFile, scope.explicitFile, join(scope.root, 'package.json')]
  let catalog: string[] = []
  try {
    const config = await loadConfig({cwd, env})
    catalog = config.catalog
    configFiles.push(...config.sources)
  } catch {
    // An invalid configuration leaves the bundled catalog, as for every command. Its file is
    // watched through the scope, so fixing it regenerates the completion.
  }

  const catalogDirs = [bundledCatalogDir, ...catalog]
  const watched = [options.cliRoot, ...configFiles.filter((file): file is string => file !== undefined && existsSync(file))]
  const absent: string[] = []
  if (scope.explicitFile && !existsSync(scope.explicitFile)) absent.push(scope.explicitFile)
  for (const dir of catalogDirs) {
    if (existsSync(dir)) watched.push(dir)
    else absent.push(dir)
  }

  watched.push(...listManifestFiles(catalogDirs))
  return {scope: scope.key, watched: [...new Set(watched)], absent: [...new Set(absent)], catalog}
}

/** Returns the working folder as the shell spells it: `$PWD` when it names the same folder as the process's. */
export function shellWorkingDir(env: NodeJS.ProcessEnv): string {
  const cwd = process.cwd()
  const pwd = env.PWD
  if (!pwd || !isAbsolute(pwd)) return cwd
  try {
    return realpathSync(pwd) === realpathSync(cwd) ? pwd : cwd
  } catch {
    return cwd
  }
}

interface CompletionScope {
  key: string
  root: string
  projectFile?: string
  userFile?: string
  explicitFile?: string
}

/**
 * Computes the scope key exactly as `_idp_ac_compute_key` in the refresh script does, so that a
 * shell in the same folder finds the key equal. It follows the search of loadConfig, except that
 * it cannot read package.json for an `idp` key, so package.json never counts as the project file.
 */
function completionScope(cwd: string, env: NodeJS.ProcessEnv): CompletionScope {
  const root = projectRoot(cwd)
  const projectFile = firstSearchPlace(cwd, root)
  const userFile = userConfigFile(env)
  let explicit: string | undefined
  if (env.IDP_CONFIG) explicit = isAbsolute(env.IDP_CONFIG) ? env.IDP_CONFIG : `${cwd}/${env.IDP_CONFIG}`
  const key = [root, projectFile ?? '', explicit ?? '', userFile ?? ''].join('\n')
  return {key, root, projectFile, userFile, explicitFile: explicit === undefined ? undefined : resolve(explicit)}
}

/** Finds the first project configuration file other than package.json, from `cwd` up to `root`. */
function firstSearchPlace(cwd: string, root: string): string | undefined {
  let dir = cwd
  for (;;) {
    for (const name of SEARCH_PLACES.filter((place) => place !== 'package.json')) {
      const file = dir === '/' ? `/${name}` : `${dir}/${name}`
      if (isFile(file)) return file
    }

    if (dir === root || dir === '/') return undefined
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/'
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

export interface RefreshScriptOptions {
  state: RefreshState
  /** First line of the script, unique to this generation. */
  header: string
  /** Path of the refresh script itself: the time stamp that watched paths are compared with. */
  file: string
  /** The bash completion function file, sourced again after a regeneration. */
  bashFile: string
  /** Node and the CLI script that regenerate the completion. */
  node: string
  cli: string
}

/**
 * Generates the refresh script, shared by the bash and zsh completion. On each Tab it compares
 * the scope key and the modification times of the watched paths with the script's own, using
 * only shell built-ins, and runs `idp autocomplete --refresh-cache` only when something changed.
 */
export function generateRefreshScript(options: RefreshScriptOptions): string {
  const {state} = options
  const places = SEARCH_PLACES.filter((place) => place !== 'package.json')
  return [
    options.header,
    '# Shared by the bash and zsh completion of idp, generated by `idp autocomplete`. Do not edit.',
    '# Before each completion it checks, with shell built-ins only, whether the action catalog or',
    '# the configuration changed since this file was written, and then regenerates the completion.',
    `_idp_ac_header=${shellQuote(options.header)}`,
    `_idp_ac_file=${shellQuote(options.file)}`,
    `_idp_ac_bash_file=${shellQuote(options.bashFile)}`,
    `_idp_ac_node=${shellQuote(options.node)}`,
    `_idp_ac_cli=${shellQuote(options.cli)}`,
    `_idp_ac_scope=${shellQuote(state.scope)}`,
    `_idp_ac_watched=${shellQuote(state.watched.join('\n'))}`,
    `_idp_ac_absent=${shellQuote(state.absent.join('\n'))}`,
    `_idp_ac_search_places=${shellQuote(places.join('\n'))}`,
    '',
    REFRESH_FUNCTIONS,
  ].join('\n')
}

const REFRESH_FUNCTIONS = shellCode`# Sets _idp_ac_key to the key of the configuration idp reads in the working folder, found the
# way idp finds it: the project root (the nearest folder with .git or package.json, not above
# HOME), the first project configuration file from the working folder up to the root,
# IDP_CONFIG, and the user configuration file.
_idp_ac_compute_key() {
  [ -n "\${ZSH_VERSION-}" ] && emulate -L zsh
  local dir=$PWD root= parent name found= user= base explicit=
  while :; do
    if [[ -e $dir/.git || -e $dir/package.json ]]; then root=$dir; break; fi
    parent=\${dir%/*}
    [[ -z $parent ]] && parent=/
    if [[ $dir == "$HOME" ]]; then root=$dir; break; fi
    if [[ $parent == "$dir" ]]; then root=$PWD; break; fi
    dir=$parent
  done

  dir=$PWD
  while [[ -z $found ]]; do
    while IFS= read -r name; do
      [[ $dir == / ]] && parent=/$name || parent=$dir/$name
      if [[ -f $parent ]]; then found=$parent; break; fi
    done <<< "$_idp_ac_search_places"
    [[ $dir == "$root" || $dir == / ]] && break
    dir=\${dir%/*}
    [[ -z $dir ]] && dir=/
  done

  base=\${XDG_CONFIG_HOME-}
  [[ $base == /* ]] || base=$HOME/.config
  for name in config.yaml config.yml config.json; do
    if [[ -f $base/idp/$name ]]; then user=$base/idp/$name; break; fi
  done
  if [[ -n \${IDP_CONFIG-} ]]; then
    if [[ $IDP_CONFIG == /* ]]; then explicit=$IDP_CONFIG; else explicit=$PWD/$IDP_CONFIG; fi
  fi
  _idp_ac_key=$root$'\n'$found$'\n'$explicit$'\n'$user
}

# Succeeds when the completion is stale: another scope, a watched path modified after this file
# was written, or an absent path that appeared.
# NOTE: bash 5.2 and zsh 5.9 compare modification times in nanoseconds with -nt. A shell that
# compares whole seconds would miss a change made in the second the completion was generated.
_idp_ac_is_stale() {
  [ -n "\${ZSH_VERSION-}" ] && emulate -L zsh
  local entry
  [[ -f $_idp_ac_file && $_idp_ac_key == "$_idp_ac_scope" ]] || return 0
  while IFS= read -r entry; do
    [[ -n $entry && $entry -nt $_idp_ac_file ]] && return 0
  done <<< "$_idp_ac_watched"
  while IFS= read -r entry; do
    [[ -n $entry && -e $entry ]] && return 0
  done <<< "$_idp_ac_absent"
  return 1
}

# Writes the completion files again for the working folder, with the idp that wrote them.
_idp_ac_regenerate() {
  if [[ -x $_idp_ac_node && -f $_idp_ac_cli ]]; then
    "$_idp_ac_node" "$_idp_ac_cli" autocomplete --refresh-cache </dev/null >/dev/null 2>&1
  else
    command idp autocomplete --refresh-cache </dev/null >/dev/null 2>&1
  fi
}

# Loads the completion files into this shell; $1 is bash or zsh.
_idp_ac_load() {
  if [[ $1 == bash ]]; then
    . "$_idp_ac_bash_file"
  else
    . "$_idp_ac_file"
    unfunction _idp 2>/dev/null
    autoload -Uz _idp
  fi
}

# Called before each completion, with bash or zsh as $1: loads files that another shell
# regenerated, and regenerates them when they are stale.
_idp_ac_refresh() {
  local header=
  _idp_ac_compute_key
  { IFS= read -r header; } 2>/dev/null < "$_idp_ac_file"
  if [[ -n $header && $header != "$_idp_ac_header" ]]; then _idp_ac_load "$1"; fi
  _idp_ac_is_stale || return 0
  # After a failed regeneration this shell keeps what it has until the scope changes, so that
  # each Tab does not wait for another failure.
  [[ \${_idp_ac_failed_key-} == "$_idp_ac_key" ]] && return 0
  if _idp_ac_regenerate; then
    _idp_ac_load "$1"
    # The key as this shell spells it, in case idp spelled a path differently.
    _idp_ac_scope=$_idp_ac_key
  else
    _idp_ac_failed_key=$_idp_ac_key
  fi
}

# The zsh completion function for idp: refreshes, then runs the generated _idp.
_idp_ac_zsh() {
  _idp_ac_refresh zsh
  _idp "$@"
}
`
