import {readFileSync, readdirSync, statSync} from 'node:fs'
import {resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {load} from 'js-yaml'

import {summarizeBackstageTemplate} from '../backstage/catalog-entry.js'
import {ExitCode, IdpError} from '../errors.js'
import {packagePath} from '../package-root.js'
import {catalogIndexFile, summarizeWithIndex} from './catalog-index.js'
import type {InputSchema} from './manifest.js'

/** Folder of the manifests that ship with idp. */
export const bundledCatalogDir = packagePath('action-manifests')

/**
 * Summary of an action for the command line: its command words and flags. It is read without
 * full validation, so that listing commands stays fast. The manifest is validated when the
 * action runs.
 */
export interface CatalogEntry {
  file: string
  name: string
  title: string
  description?: string
  command: string
  inputs: Record<string, InputSchema>
  required: string[]
  /** Monthly price of each value of the priced inputs, from `spec.cost`, for help text. */
  prices?: {currency: string; byInput: Record<string, Record<string, number>>; explanation?: string}
  /** The branch template of the pull request step, such as `idp/db-create/${{ inputs.name }}`. */
  branch?: string
  owner?: string
  tags?: string[]
  /** Currency and monthly estimate from `spec.cost`: an amount, or an unrendered `${{ }}` expression. */
  cost?: {currency: string; monthly: number | string}
  /** Resources and permissions from `spec.preview`, with their `${{ }}` templates unrendered. */
  preview?: {resources: PreviewItem[]; permissions: PreviewItem[]}
  /** The value to type before submitting, from `spec.confirm`, unrendered: the command gets `--confirm`. */
  confirm?: string
}

/** A resource or permission of a manifest's preview, as written: keys to unrendered strings. */
export type PreviewItem = Record<string, string>

/** Two or more manifests that declare the same action name or the same command words. */
export interface CatalogDuplicate {
  key: 'name' | 'command'
  value: string
  /** The manifests, in catalog order. */
  files: string[]
}

/** The catalog as read at start-up. */
export interface Catalog {
  entries: CatalogEntry[]
  problems: CatalogProblem[]
  duplicates: CatalogDuplicate[]
}

/** A manifest file that could not even be summarized. */
export interface CatalogProblem {
  file: string
  message: string
}

/** Lists the `.yaml` and `.yml` files directly inside each folder, in folder then name order. */
export function listManifestFiles(dirs: string[]): string[] {
  const files: string[] = []
  for (const dir of dirs) {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }

    for (const name of names.sort()) {
      if (/\.ya?ml$/.test(name)) files.push(resolve(dir, name))
    }
  }

  return files
}

export interface ReadCatalogOptions {
  /**
   * Keep the summaries of configured folders' manifests in an index file in idp's cache
   * folder, keyed by each file's path, modification time, change time and size, so that a start
   * with a large catalog reads only the manifests that changed. `read-only` uses an index but
   * never writes one, for `--dry-run`, which writes nothing anywhere. Commands use it; it is off
   * by default so that a library caller writes nothing. The bundled catalog alone is never
   * indexed: it is small.
   */
  index?: boolean | 'read-only'
  env?: NodeJS.ProcessEnv
}

/** Reads the summaries of every manifest in the bundled catalog and the given folders. */
export function readCatalog(extraDirs: string[] = [], options: ReadCatalogOptions = {}): Catalog {
  const dirs = [bundledCatalogDir, ...extraDirs]
  const files = listManifestFiles(dirs)
  const indexed = Boolean(options.index) && extraDirs.length > 0
  const {entries, problems} = indexed
    ? summarizeWithIndex(files, {indexFile: catalogIndexFile(dirs, options.env), code: codeStamp(), summarize, write: options.index === true})
    : summarizeAll(files)
  return {entries, problems, duplicates: findDuplicates(entries)}
}

function summarizeAll(files: string[]): {entries: CatalogEntry[]; problems: CatalogProblem[]} {
  const entries: CatalogEntry[] = []
  const problems: CatalogProblem[] = []
  for (const file of files) {
    try {
      const entry = bundledSummary(file) ?? summarize(file)
      if (entry) entries.push(entry)
    } catch (error) {
      problems.push({file, message: (error as Error).message.split('\n')[0]})
    }
  }

  return {entries, problems}
}

/**
 * Identifies the code that summarizes manifests: the path and modification time of this module's
 * file (in the bundle, the chunk that contains it), so that a new build never reuses an index
 * that an older summarize wrote.
 */
function codeStamp(): string {
  const file = fileURLToPath(import.meta.url)
  return `${file}@${statSync(file).mtimeMs}`
}

/** Summarizers by manifest `kind`; a file of another kind is not an action and is left out. */
const SUMMARIZERS: Record<string, (document: Record<string, any>, file: string) => CatalogEntry | undefined> = {
  Action: summarizeAction,
  Template: (document, file) => summarizeBackstageTemplate(file, document),
}

/** Path of the summaries of the bundled manifests, written by the build (scripts/index-bundled-catalog.ts). */
export const bundledCatalogIndexPath = packagePath('dist/bundled-catalog.json')

/** A bundled manifest's text when the build read it, and its summary then, with the file relative. */
export type BundledCatalogIndex = Record<string, {text: string; entry: CatalogEntry}>

let bundledIndex: BundledCatalogIndex | undefined

/**
 * Returns the summary of a bundled manifest from the index the build wrote, when the file still
 * has the text it had then. Parsing the bundled manifests took several milliseconds of every
 * start, because js-yaml runs cold; comparing their text takes a fraction of one.
 */
function bundledSummary(file: string): CatalogEntry | undefined {
  if (!file.startsWith(`${bundledCatalogDir}${sep}`)) return undefined
  try {
    bundledIndex ??= JSON.parse(readFileSync(bundledCatalogIndexPath, 'utf8')) as BundledCatalogIndex
  } catch {
    // No build index, as in a checkout that was never built: every manifest is parsed.
    bundledIndex = {}
  }

  const indexed = bundledIndex[file.slice(bundledCatalogDir.length + 1)]
  return indexed && readFileSync(file, 'utf8') === indexed.text ? {...indexed.entry, file} : undefined
}

/** Summarizes one manifest file: undefined for a YAML file that is not an action or a template. */
export function summarize(file: string): CatalogEntry | undefined {
  // js-yaml, not yaml: this runs for every manifest at start-up, and js-yaml loads faster.
  const document = load(readFileSync(file, 'utf8')) as Record<string, any> | null
  const summarizer = typeof document?.kind === 'string' && Object.hasOwn(SUMMARIZERS, document.kind) ? SUMMARIZERS[document.kind] : undefined
  return summarizer?.(document!, file)
}

function summarizeAction(document: Record<string, any>, file: string): CatalogEntry {
  const {metadata = {}, spec = {}} = document
  if (typeof metadata.name !== 'string' || typeof spec.command !== 'string') {
    throw new Error('metadata.name and spec.command are required')
  }

  return {
    file,
    name: metadata.name,
    title: String(metadata.title ?? metadata.name),
    description: typeof metadata.description === 'string' ? metadata.description : undefined,
    command: spec.command.trim(),
    inputs: (spec.inputs?.properties ?? {}) as Record<string, InputSchema>,
    required: Array.isArray(spec.inputs?.required) ? spec.inputs.required : [],
    prices: summarizePrices(spec.cost),
    branch: Array.isArray(spec.steps) ? spec.steps.find((step: any) => typeof step?.with?.branch === 'string')?.with.branch : undefined,
    owner: typeof metadata.owner === 'string' ? metadata.owner : undefined,
    tags: Array.isArray(metadata.tags) ? metadata.tags.map(String) : undefined,
    cost: summarizeCost(spec.cost),
    preview: {resources: previewItems(spec.preview?.resources), permissions: previewItems(spec.preview?.permissions)},
    confirm: typeof spec.confirm?.value === 'string' ? spec.confirm.value : undefined,
  }
}

function summarizePrices(cost: any): CatalogEntry['prices'] {
  if (typeof cost?.currency !== 'string' || typeof cost.prices !== 'object' || cost.prices === null) return undefined
  return {currency: cost.currency, byInput: cost.prices, explanation: typeof cost.explanation === 'string' ? cost.explanation : undefined}
}

function summarizeCost(cost: any): CatalogEntry['cost'] {
  if (typeof cost?.currency !== 'string' || !['number', 'string'].includes(typeof cost.monthly)) return undefined
  return {currency: cost.currency, monthly: cost.monthly}
}

function previewItems(items: unknown): PreviewItem[] {
  if (!Array.isArray(items)) return []
  return items
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => Object.fromEntries(Object.entries(item).map(([key, value]) => [key, String(value)])))
}

/**
 * Finds the action names and command words that more than one manifest declares. Neither
 * manifest wins: each affected command reports the duplicate instead of running.
 */
export function findDuplicates(entries: CatalogEntry[]): CatalogDuplicate[] {
  const duplicates: CatalogDuplicate[] = []
  for (const key of ['name', 'command'] as const) {
    const filesByValue = new Map<string, string[]>()
    for (const entry of entries) filesByValue.set(entry[key], [...(filesByValue.get(entry[key]) ?? []), entry.file])
    for (const [value, files] of filesByValue) if (files.length > 1) duplicates.push({key, value, files})
  }

  return duplicates
}

/** Returns the duplicates that involve the manifest of `entry`. */
export function duplicatesOf(entry: CatalogEntry, duplicates: CatalogDuplicate[]): CatalogDuplicate[] {
  return duplicates.filter((duplicate) => duplicate.files.includes(entry.file))
}

/** Creates the load error of duplicated action names or command words, naming every file involved. */
export function duplicateError(duplicates: CatalogDuplicate[]): IdpError {
  const problems = duplicates.flatMap((duplicate) =>
    duplicate.files.map((file) => ({
      file,
      path: duplicate.key === 'name' ? 'metadata.name' : 'spec.command',
      message: `${describeDuplicate(duplicate)} is also declared by ${duplicate.files.filter((other) => other !== file).join(' and ')}`,
    })),
  )
  const first = duplicates[0]
  const more = duplicates.length > 1 ? `, and ${duplicates.length - 1} more ${duplicates.length === 2 ? 'duplicate' : 'duplicates'}` : ''
  return new IdpError(`The ${describeDuplicate(first)} is declared by more than one manifest: ${first.files.join(' and ')}${more}`, {
    code: 'CATALOG_DUPLICATE',
    exitCode: ExitCode.usage,
    problems,
    hint: 'Rename the action (metadata.name) or change its command words (spec.command) in all but one of the files, or remove a folder from `catalog` in the configuration.',
  })
}

function describeDuplicate(duplicate: CatalogDuplicate): string {
  return duplicate.key === 'name' ? `action name ${duplicate.value}` : `command \`idp ${duplicate.value}\``
}

/** Finds the action a submitted run used, in the bundled catalog and the given folders. */
export function actionOfRun(run: {runId: string; action: {name: string}}, catalogDirs: string[]): CatalogEntry {
  const entry = findAction(readCatalog(catalogDirs).entries, run.action.name)
  if (entry) return entry
  throw new IdpError(`The action ${run.action.name} of run ${run.runId} is no longer in the catalog`, {
    code: 'ACTION_NOT_FOUND',
    exitCode: 2,
    hint: 'Add its manifest folder back to `catalog` in the configuration, or submit a new request.',
  })
}

/** Finds an action by name in the catalog. */
export function findAction(entries: CatalogEntry[], name: string): CatalogEntry | undefined {
  return entries.find((entry) => entry.name === name)
}
