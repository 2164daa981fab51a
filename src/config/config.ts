import type {CosmiconfigResult, Loader} from 'cosmiconfig'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {createHash} from 'node:crypto'
import {basename, dirname, isAbsolute, join, resolve} from 'node:path'

import {IdpError} from '../errors.js'
import {packagePath} from '../package-root.js'
import {xdgDir} from '../xdg.js'
import type {YamlSource} from '../yaml-source.js'

/** idp's configuration, merged from the user file and the project file. */
export interface IdpConfig {
  /**
   * Extra folders of action manifests, resolved to absolute paths, in configuration order: the
   * configured folders, and the folders of git catalogs inside their cached copies.
   */
  catalog: string[]
  /** The git catalogs, whose cached copies `catalog` lists. */
  gitCatalogs: GitCatalogSource[]
  /** Age in milliseconds after which a command fetches a git catalog again (`catalogMaxAge`). */
  catalogMaxAgeMs: number
  /** Approval policy file, resolved to an absolute path; undefined means the bundled example. */
  policy?: string
  target: {
    github?: {repository: string; baseBranch?: string; apiUrl?: string; policyPath?: string; autoMerge?: boolean; autoMergeMethod?: 'merge' | 'squash' | 'rebase'}
    git?: {path: string; baseBranch?: string; policyPath?: string}
  }
  user: {login?: string; name?: string; team?: string; groups?: string[]; [key: string]: unknown}
  /** The files the configuration was read from, most specific last. */
  sources: string[]
}

/** A catalog kept in a git repository (`catalog: [{git, ref, path}]`). */
export interface GitCatalogSource {
  /** Repository URL, or the absolute path of a local repository. */
  url: string
  /** Branch or tag; `HEAD` when the configuration names none. */
  ref: string
  /** Folder of the manifests inside the repository, relative to its root; empty for the root. */
  path: string
  /** The cached copy of the repository (a git work tree). */
  checkout: string
  /** The folder of the manifests inside the cached copy, as listed in `catalog`. */
  dir: string
}

/** Default of `catalogMaxAge`: one day. */
export const DEFAULT_CATALOG_MAX_AGE_MS = 24 * 60 * 60 * 1000

export interface LoadConfigOptions {
  /** Working directory the project search starts from. */
  cwd?: string
  /** An explicit file (`--config` or IDP_CONFIG): no search happens. */
  file?: string
  env?: NodeJS.ProcessEnv
}

const MODULE_NAME = 'idp'
const schemaPath = packagePath('schemas/config.schema.json')

/** Absolute path of the JSON Schema that configuration files are validated against. */
export const configSchemaPath = schemaPath

/**
 * The file names of a project configuration, in the order cosmiconfig looks for them in each
 * folder. The `.config/` folder is left out: a plain file named `.config` is common in home
 * folders and must not break the search.
 */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.mjs`,
  `.${MODULE_NAME}rc.cjs`,
  `.${MODULE_NAME}rc.ts`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.ts`,
  `${MODULE_NAME}.config.mts`,
]

/**
 * Loads the configuration: the user file `$XDG_CONFIG_HOME/idp/config.yaml` first, then the
 * project file found by searching upward from the working directory, stopping at the
 * repository root (a folder with `.git`) or the nearest `package.json`. Values from the
 * project file win. An explicit file replaces the project search.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<IdpConfig> {
  const env = options.env ?? process.env
  const cwd = resolve(options.cwd ?? process.cwd())
  const userFile = userConfigFile(env)
  const explicit = options.file ?? env.IDP_CONFIG
  if (!userFile && !explicit && !mayFindConfigFile(cwd, env)) return mergeConfigs([], env)

  const explorer = await createExplorer(cwd)
  const results: CosmiconfigResult[] = []
  if (userFile) results.push(await loadFile(() => explorer.load(userFile), userFile))

  if (explicit) {
    const file = resolve(cwd, explicit)
    if (!existsSync(file)) {
      throw new IdpError(`Configuration file not found: ${file}`, {
        code: 'CONFIG_NOT_FOUND',
        exitCode: 2,
        hint: 'Check the path given with --config or IDP_CONFIG.',
      })
    }

    results.push(await loadFile(() => explorer.load(file), file))
  } else {
    const found = await loadFile(() => explorer.search(cwd), cwd)
    if (found && found.filepath !== userFile) results.push(found)
  }

  return mergeConfigs(
    results.filter((result): result is NonNullable<CosmiconfigResult> => result !== null),
    env,
  )
}

/**
 * Creates the cosmiconfig explorer. cosmiconfig reads package.json in the working folder as it
 * is created, so a broken package.json is reported here, as a configuration error.
 */
async function createExplorer(cwd: string) {
  const {cosmiconfig, defaultLoaders} = await import('./cosmiconfig.js')
  try {
    return cosmiconfig(MODULE_NAME, {
      searchPlaces: SEARCH_PLACES,
      searchStrategy: 'global',
      stopDir: projectRoot(cwd),
      ignoreEmptySearchPlaces: false,
      loaders: {
        '.yaml': loadYaml,
        '.yml': loadYaml,
        noExt: loadYaml,
        '.js': javaScriptLoader(defaultLoaders['.js']),
        '.mjs': javaScriptLoader(defaultLoaders['.mjs']),
        '.cjs': javaScriptLoader(defaultLoaders['.cjs']),
        '.ts': loadTypeScript,
        '.mts': loadTypeScript,
        '.cts': loadTypeScript,
      },
      cache: false,
    })
  } catch (error) {
    throw new IdpError(`Cannot read the configuration in ${cwd}: ${describeLoadError(error)}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      cause: error,
      hint: 'Fix the file named above.',
    })
  }
}

/** Describes a loader error in one line: its first line, and its last when the first ends with a colon. */
function describeLoadError(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((line) => line.trim()).filter(Boolean)
  const first = lines[0] ?? 'unknown error'
  return first.endsWith(':') && lines.length > 1 ? `${first} ${lines.at(-1)}` : first
}

// Files cosmiconfig reads besides SEARCH_PLACES: those of its global configuration folder
// (env-paths' config folder: XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Preferences on
// macOS, %APPDATA%\<name>\Config on Windows), and its own settings in the working folder.
export const GLOBAL_SEARCH_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.ts', 'config.cjs', 'config.mjs']
export const META_SEARCH_PLACES = ['package.json', 'package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml', '.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs']

/**
 * Checks whether any file exists that the configuration search could read. Importing
 * cosmiconfig costs about 4 ms, and most runs, `--help` among them, happen where there is no
 * configuration at all, so the search is skipped when every place it looks at is empty. The
 * check errs towards searching: a file here that cosmiconfig ignores costs only those 4 ms.
 */
export function mayFindConfigFile(cwd: string, env: NodeJS.ProcessEnv): boolean {
  const exists = (dir: string, places: string[]) => places.some((place) => existsSync(join(dir, place)))
  const stopDir = projectRoot(cwd)
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (exists(dir, SEARCH_PLACES)) return true
    if (dir === stopDir || dirname(dir) === dir) break
  }

  const globalDirs = [
    join(xdgDir(env, 'XDG_CONFIG_HOME'), MODULE_NAME),
    join(xdgDir(process.env, 'XDG_CONFIG_HOME'), MODULE_NAME),
    join(homedir(), 'Library', 'Preferences', MODULE_NAME),
    ...(process.env.APPDATA ? [join(process.env.APPDATA, MODULE_NAME, 'Config')] : []),
  ]
  return globalDirs.some((dir) => exists(dir, GLOBAL_SEARCH_PLACES)) || exists(cwd, META_SEARCH_PLACES) || exists(process.cwd(), META_SEARCH_PLACES)
}

/**
 * Finds the folder where the upward search stops: the repository root, the package root, or
 * home. Outside home with neither marker above, only the working folder itself is searched,
 * so a file in a shared folder such as /tmp is never picked up from a subfolder.
 */
export function projectRoot(cwd: string): string {
  const home = homedir()
  let dir = cwd
  for (;;) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (dir === home) return dir
    if (parent === dir) return cwd
    dir = parent
  }
}

/** Finds the user configuration file in `$XDG_CONFIG_HOME/idp`, if there is one. */
export function userConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  const base = xdgDir(env, 'XDG_CONFIG_HOME')
  for (const name of ['config.yaml', 'config.yml', 'config.json']) {
    const file = join(base, MODULE_NAME, name)
    if (existsSync(file)) return file
  }

  return undefined
}

// The YAML parser and the validator are imported only when a file exists, because every
// command, even `--help`, looks for configuration.
const loadYaml: Loader = async (filepath, content) => {
  const {parseYamlText} = await import('../yaml-source.js')
  const source = parseYamlText(content, filepath, {
    kind: 'Configuration file',
    notFoundCode: 'CONFIG_NOT_FOUND',
    invalidCode: 'CONFIG_INVALID',
    hint: 'Fix the file, or point --config at another one.',
  })
  await checkConfig(source.value ?? {}, filepath, source)
  return source.value ?? {}
}

/** Wraps cosmiconfig's JavaScript loader so that a failure names the file and, for a syntax error, the position. */
function javaScriptLoader(load: Loader): Loader {
  return async (filepath, content) => {
    try {
      return await load(filepath, content)
    } catch (error) {
      const position = syntaxErrorPosition(filepath)
      throw new IdpError(`Cannot read the configuration ${filepath}: ${(error as Error).message.split('\n')[0]}`, {
        code: 'CONFIG_INVALID',
        exitCode: 2,
        cause: error,
        problems: position ? [{file: filepath, ...position, message: (error as Error).message.split('\n')[0]}] : [],
        hint: 'Fix the file, or point --config at another one.',
      })
    }
  }
}

// Node 20 reports the position of an ES module's syntax error only when it prints the error
// itself, so `node --check` is run to get it. This happens only after loading has failed, and
// finds nothing when the failure was not a syntax error.
function syntaxErrorPosition(filepath: string): {line: number; column: number} | undefined {
  const result = spawnSync(process.execPath, ['--check', filepath], {encoding: 'utf8', timeout: 10_000})
  const lines = (result.stderr ?? '').split('\n')
  const line = Number(/:(\d+)$/.exec(lines[0] ?? '')?.[1])
  const caret = lines[2]?.indexOf('^') ?? -1
  if (!Number.isInteger(line) || line < 1) return undefined
  return caret >= 0 ? {line, column: caret + 1} : {line, column: 1}
}

/**
 * Loads a TypeScript configuration file with jiti, which compiles it in memory on any Node
 * version, whatever the package's module type. jiti is imported only when such a file exists.
 */
const loadTypeScript: Loader = async (filepath) => {
  const {createJiti} = await import('jiti')
  const jiti = createJiti(import.meta.url, {fsCache: false, moduleCache: false, interopDefault: true})
  try {
    return await jiti.import(filepath, {default: true})
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]
    // jiti's parse errors end with ` file:line:column` (column 0-based) on their second line.
    const located = /:(\d+):(\d+)\s*$/.exec((error as Error).message.split('\n')[1] ?? '')
    throw new IdpError(`Cannot read the configuration ${filepath}: ${message}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      cause: error,
      problems: located ? [{file: filepath, line: Number(located[1]), column: Number(located[2]) + 1, message}] : [],
      hint: 'Fix the file, or point --config at another one.',
    })
  }
}

async function loadFile(load: () => Promise<CosmiconfigResult>, where: string): Promise<CosmiconfigResult> {
  try {
    const result = await load()
    // YAML files are checked by loadYaml, with positions; JSON and JavaScript files here.
    if (result && !/\.ya?ml$|[/\\]\.idprc$/.test(result.filepath)) await checkConfig(result.config ?? {}, result.filepath)
    return result
  } catch (error) {
    if (error instanceof IdpError) throw error
    throw new IdpError(`Cannot read the configuration ${where}: ${describeLoadError(error)}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      cause: error,
      hint: 'Fix the file, or point --config at another one.',
    })
  }
}

async function checkConfig(value: unknown, file: string, source?: YamlSource): Promise<void> {
  const {validate: validator} = await import('../generated/config-validator.js')
  if (validator(value)) return
  const {schemaProblems} = await import('../schema-problems.js')
  throw new IdpError(`Configuration file ${file} is invalid`, {
    code: 'CONFIG_INVALID',
    exitCode: 2,
    problems: schemaProblems(validator.errors ?? [], source, file).map((problem) => ({...problem, message: problem.message.replace(/^unknown field/, 'unknown key')})),
    hint: 'Fix the file; docs/configuration.md lists every key.',
  })
}

type RawConfig = {
  catalog?: Array<string | {git: string; ref?: string; path?: string}>
  catalogMaxAge?: string
  policy?: string
  target?: {github?: NonNullable<IdpConfig['target']['github']>; git?: NonNullable<IdpConfig['target']['git']>}
  user?: IdpConfig['user']
}

function mergeConfigs(results: Array<NonNullable<CosmiconfigResult>>, env: NodeJS.ProcessEnv): IdpConfig {
  const merged: IdpConfig = {catalog: [], gitCatalogs: [], catalogMaxAgeMs: DEFAULT_CATALOG_MAX_AGE_MS, target: {}, user: {}, sources: []}
  for (const result of results) {
    const raw = (result.config ?? {}) as RawConfig
    const base = dirname(result.filepath)
    merged.sources.push(result.filepath)
    for (const item of raw.catalog ?? []) {
      if (typeof item === 'string') {
        merged.catalog.push(resolvePath(base, item))
        continue
      }

      const source = gitCatalogSource(item, base, env)
      merged.gitCatalogs.push(source)
      merged.catalog.push(source.dir)
    }

    if (raw.catalogMaxAge) merged.catalogMaxAgeMs = parseMaxAge(raw.catalogMaxAge)
    if (raw.policy) merged.policy = resolvePath(base, raw.policy)
    if (raw.target) {
      // A project that names one kind of target replaces the user's target entirely, so a
      // user-level GitHub repository never receives a change meant for a local repository.
      merged.target = {}
      if (raw.target.github) merged.target.github = {...raw.target.github}
      if (raw.target.git) merged.target.git = {...raw.target.git, path: resolvePath(base, raw.target.git.path)}
    }

    if (raw.user) merged.user = {...merged.user, ...raw.user}
  }

  return merged
}

/**
 * Resolves a git catalog: a local repository path becomes absolute, and its cached copy goes to
 * `$IDP_CACHE_DIR/catalogs`, else `$XDG_CACHE_HOME/idp/catalogs`. The copy's folder is named
 * after the repository and a hash of its URL and ref, so two refs of one repository never share a copy.
 */
function gitCatalogSource(item: {git: string; ref?: string; path?: string}, base: string, env: NodeJS.ProcessEnv): GitCatalogSource {
  const url = isRemoteUrl(item.git) ? item.git : resolvePath(base, item.git)
  const ref = item.ref ?? 'HEAD'
  const path = (item.path ?? '').replace(/^\.\/?/, '').replace(/\/+$/, '')
  const name = basename(url.replace(/\/+$/, '')).replace(/\.git$/, '').replaceAll(/[^\w.-]/g, '_') || 'catalog'
  const hash = createHash('sha256').update(`${url}\n${ref}`).digest('hex').slice(0, 12)
  const cacheRoot = env.IDP_CACHE_DIR && isAbsolute(env.IDP_CACHE_DIR) ? env.IDP_CACHE_DIR : join(xdgDir(env, 'XDG_CACHE_HOME'), MODULE_NAME)
  const checkout = join(cacheRoot, 'catalogs', `${name}-${hash}`)
  return {url, ref, path, checkout, dir: path ? join(checkout, path) : checkout}
}

/** Checks whether a git location is a URL (`https://…`, `ssh://…`, `file://…`) or scp-like (`git@host:org/repo`), not a path. */
function isRemoteUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^[\w.-]+@[\w.-]+:/.test(location)
}

const MAX_AGE_UNITS_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** Parses `catalogMaxAge` (`24h`, `30m`, `0s`), which the schema has already checked. */
function parseMaxAge(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text)!
  return Number(match[1]) * MAX_AGE_UNITS_MS[match[2]]
}

function resolvePath(base: string, path: string): string {
  if (path.startsWith('~/')) return join(homedir(), path.slice(2))
  return resolve(base, path)
}
