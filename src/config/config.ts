import {Ajv, type ErrorObject} from 'ajv'
import {cosmiconfig, type CosmiconfigResult, type Loader} from 'cosmiconfig'
import {closest} from 'fastest-levenshtein'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {IdpError, type Problem} from '../errors.js'
import {formatPath, parseYamlText, pointerToPath} from '../yaml-source.js'

/** idp's configuration, merged from the user file and the project file. */
export interface IdpConfig {
  /** Extra folders of action manifests, resolved to absolute paths. */
  catalog: string[]
  /** Approval policy file, resolved to an absolute path; undefined means the bundled example. */
  policy?: string
  target: {
    github?: {repository: string; baseBranch?: string; apiUrl?: string}
    git?: {path: string; baseBranch?: string}
  }
  user: {login?: string; name?: string; team?: string; groups?: string[]; [key: string]: unknown}
  /** The files the configuration was read from, most specific last. */
  sources: string[]
}

export interface LoadConfigOptions {
  /** Working directory the project search starts from. */
  cwd?: string
  /** An explicit file (`--config` or IDP_CONFIG): no search happens. */
  file?: string
  env?: NodeJS.ProcessEnv
}

const MODULE_NAME = 'idp'
const schemaPath = fileURLToPath(new URL('../../schemas/config.schema.json', import.meta.url))

/** Absolute path of the JSON Schema that configuration files are validated against. */
export const configSchemaPath = schemaPath

// The `.config/` folder is left out of the search places: a plain file named `.config`
// is common in home folders and must not break the search.
const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.mjs`,
  `.${MODULE_NAME}rc.cjs`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.cjs`,
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
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    stopDir: projectRoot(cwd),
    ignoreEmptySearchPlaces: false,
    loaders: {'.yaml': loadYaml, '.yml': loadYaml, noExt: loadYaml},
    cache: false,
  })

  const results: CosmiconfigResult[] = []
  const userFile = userConfigFile(env)
  if (userFile) results.push(await loadFile(() => explorer.load(userFile), userFile))

  const explicit = options.file ?? env.IDP_CONFIG
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

  return mergeConfigs(results.filter((result): result is NonNullable<CosmiconfigResult> => result !== null))
}

/** The folder where the upward search stops: the repository root, the package root, or home. */
export function projectRoot(cwd: string): string {
  const home = homedir()
  let dir = cwd
  for (;;) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (dir === home || parent === dir) return dir
    dir = parent
  }
}

function userConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  for (const name of ['config.yaml', 'config.yml', 'config.json']) {
    const file = join(base, MODULE_NAME, name)
    if (existsSync(file)) return file
  }

  return undefined
}

const loadYaml: Loader = (filepath, content) => {
  const source = parseYamlText(content, filepath, {
    kind: 'Configuration file',
    notFoundCode: 'CONFIG_NOT_FOUND',
    invalidCode: 'CONFIG_INVALID',
    hint: 'Fix the file, or point --config at another one.',
  })
  const errors = validateConfig(source.value ?? {})
  if (errors.length > 0) {
    const problems: Problem[] = errors.map((error) => {
      const path = pointerToPath(error.instancePath)
      const position = source.locate(path)
      return {file: filepath, line: position?.line, column: position?.column, path: formatPath(path) || '(document)', message: describe(error)}
    })
    throw new IdpError(`Configuration file ${filepath} is invalid`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      problems,
      hint: 'Fix the file; docs/configuration.md lists every key.',
    })
  }

  return source.value ?? {}
}

async function loadFile(load: () => Promise<CosmiconfigResult>, where: string): Promise<CosmiconfigResult> {
  try {
    const result = await load()
    // YAML files are validated by loadYaml, with positions; JSON and JavaScript files here.
    if (result && !/\.ya?ml$|[/\\]\.idprc$/.test(result.filepath)) validateLoaded(result)

    return result
  } catch (error) {
    if (error instanceof IdpError) throw error
    throw new IdpError(`Cannot read the configuration ${where}: ${(error as Error).message.split('\n')[0]}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      cause: error,
      hint: 'Fix the file, or point --config at another one.',
    })
  }
}

function validateLoaded(result: NonNullable<CosmiconfigResult>): void {
  const errors = validateConfig(result.config ?? {})
  if (errors.length === 0) return
  throw new IdpError(`Configuration file ${result.filepath} is invalid`, {
    code: 'CONFIG_INVALID',
    exitCode: 2,
    problems: errors.map((error) => ({file: result.filepath, path: formatPath(pointerToPath(error.instancePath)) || '(document)', message: describe(error)})),
    hint: 'Fix the file; docs/configuration.md lists every key.',
  })
}

let validator: ReturnType<Ajv['compile']> | undefined
function validateConfig(value: unknown): ErrorObject[] {
  if (!validator) {
    validator = new Ajv({allErrors: true, verbose: true, strict: true}).compile(JSON.parse(readFileSync(schemaPath, 'utf8')))
  }

  return validator(value) ? [] : (validator.errors ?? [])
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  if (error.keyword === 'additionalProperties') {
    const field = String(params.additionalProperty)
    const known = Object.keys((error.parentSchema as {properties?: object}).properties ?? {})
    return `unknown key "${field}"${known.length > 0 ? `; did you mean "${closest(field, known)}"?` : ''}`
  }

  return error.message ?? 'is invalid'
}

type RawConfig = {
  catalog?: string[]
  policy?: string
  target?: {github?: {repository: string; baseBranch?: string; apiUrl?: string}; git?: {path: string; baseBranch?: string}}
  user?: IdpConfig['user']
}

function mergeConfigs(results: Array<NonNullable<CosmiconfigResult>>): IdpConfig {
  const merged: IdpConfig = {catalog: [], target: {}, user: {}, sources: []}
  for (const result of results) {
    const raw = (result.config ?? {}) as RawConfig
    const base = dirname(result.filepath)
    merged.sources.push(result.filepath)
    if (raw.catalog) merged.catalog.push(...raw.catalog.map((dir) => resolvePath(base, dir)))
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

function resolvePath(base: string, path: string): string {
  if (path.startsWith('~/')) return join(homedir(), path.slice(2))
  return resolve(base, path)
}

/** The folder that holds the user configuration file, for messages. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), MODULE_NAME)
}
