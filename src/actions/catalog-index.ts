import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {dirname, isAbsolute, join} from 'node:path'

import {xdgDir} from '../xdg.js'
import type {CatalogEntry, CatalogProblem} from './catalog.js'

/** The fields of a catalog entry that the index stores: enough to list actions and find duplicates. */
const INDEXED_FIELDS = ['file', 'name', 'title', 'description', 'command'] as const
type IndexedSummary = Pick<CatalogEntry, (typeof INDEXED_FIELDS)[number]>

/**
 * The index record of one manifest file: the file's identity when it was read, and its summary,
 * the reason it could not be summarized, or neither for a file that is not an action.
 */
interface IndexRecord {
  mtimeMs: number
  ctimeMs: number
  size: number
  summary?: IndexedSummary
  problem?: string
}

interface CatalogIndex {
  /** Identifies the code that wrote the summaries; another build never reuses them. */
  code: string
  files: Record<string, IndexRecord>
}

/** Indexes read in this process, by index file, so that a second read of the catalog parses no JSON. */
const loaded = new Map<string, CatalogIndex>()

/**
 * Returns the index file of a list of catalog folders, under `$IDP_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/idp`. Each list of folders gets its own file, so that projects with other
 * catalogs do not overwrite each other's index.
 */
export function catalogIndexFile(dirs: string[], env: NodeJS.ProcessEnv = process.env): string {
  const root = env.IDP_CACHE_DIR && isAbsolute(env.IDP_CACHE_DIR) ? env.IDP_CACHE_DIR : join(xdgDir(env, 'XDG_CACHE_HOME'), 'idp')
  const hash = createHash('sha256').update(dirs.join('\n')).digest('hex').slice(0, 16)
  return join(root, 'catalog-index', `${hash}.json`)
}

/**
 * Summarizes manifest files through an index: a file whose modification time, change time and
 * size equal those recorded is not read again. Any other file is summarized with `summarize`,
 * and the index is rewritten when something changed, unless `write` is false. `code`
 * identifies the summarizing code, so that an index written by another build of idp is ignored.
 */
export function summarizeWithIndex(
  files: string[],
  options: {indexFile: string; code: string; summarize: (file: string) => CatalogEntry | undefined; write: boolean},
): {entries: CatalogEntry[]; problems: CatalogProblem[]} {
  const previous = readIndex(options.indexFile, options.code)
  const next: CatalogIndex = {code: options.code, files: {}}
  const entries: CatalogEntry[] = []
  const problems: CatalogProblem[] = []
  let changed = Object.keys(previous.files).length !== files.length

  for (const file of files) {
    const record = previous.files[file]
    const stats = statOf(file)
    if (record && stats && record.mtimeMs === stats.mtimeMs && record.ctimeMs === stats.ctimeMs && record.size === stats.size) {
      next.files[file] = record
      if (record.summary) entries.push(lazyEntry(record.summary, options.summarize))
      if (record.problem !== undefined) problems.push({file, message: record.problem})
      continue
    }

    changed = true
    const identity = stats ?? {mtimeMs: 0, ctimeMs: 0, size: -1}
    try {
      const entry = options.summarize(file)
      next.files[file] = {...identity, summary: entry && indexedSummary(entry)}
      if (entry) entries.push(entry)
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]
      next.files[file] = {...identity, problem: message}
      problems.push({file, message})
    }
  }

  if (changed && options.write) writeIndex(options.indexFile, next)
  loaded.set(options.indexFile, next)
  return {entries, problems}
}

function indexedSummary(entry: CatalogEntry): IndexedSummary {
  return Object.fromEntries(INDEXED_FIELDS.map((field) => [field, entry[field]])) as IndexedSummary
}

/**
 * Creates a catalog entry whose indexed fields come from the index, and whose other fields (the
 * inputs, prices, preview and any field added later) are read from the manifest on first use.
 * Listing a large catalog, or starting one action's command, so parses no other manifest. The
 * file was unchanged when the index was checked; should it change before first use, the entry
 * reads its new content.
 */
function lazyEntry(summary: IndexedSummary, summarize: (file: string) => CatalogEntry | undefined): CatalogEntry {
  let full: CatalogEntry | undefined
  const load = (): CatalogEntry => {
    full ??= summarize(summary.file) ?? {...summary, inputs: {}, required: []}
    return full
  }

  const indexed = (key: PropertyKey) => (INDEXED_FIELDS as readonly PropertyKey[]).includes(key)
  return new Proxy(summary as CatalogEntry, {
    get: (target, key) => (indexed(key) ? Reflect.get(target, key) : Reflect.get(load(), key)),
    has: (_, key) => indexed(key) || key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key)
      return descriptor && {...descriptor, configurable: true}
    },
  })
}

function statOf(file: string): {mtimeMs: number; ctimeMs: number; size: number} | undefined {
  try {
    const {mtimeMs, ctimeMs, size} = statSync(file)
    return {mtimeMs, ctimeMs, size}
  } catch {
    return undefined
  }
}

function readIndex(file: string, code: string): CatalogIndex {
  const cached = loaded.get(file)
  if (cached?.code === code) return cached
  try {
    const index = JSON.parse(readFileSync(file, 'utf8')) as CatalogIndex
    if (index.code === code && typeof index.files === 'object' && index.files !== null) return index
  } catch {
    // NOTE: a missing or unreadable index is rebuilt from the manifests; it is only a cache.
  }

  return {code, files: {}}
}

/** Writes the index to a temporary file and renames it, so that a concurrent idp never reads half of it. */
function writeIndex(file: string, index: CatalogIndex): void {
  const temporary = `${file}.${process.pid}.tmp`
  try {
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(temporary, JSON.stringify(index))
    renameSync(temporary, file)
  } catch {
    // NOTE: a read-only cache folder only costs speed: the manifests are read again next time.
  }
}
