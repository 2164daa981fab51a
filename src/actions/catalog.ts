import {readFileSync, readdirSync} from 'node:fs'
import {resolve} from 'node:path'
import {load} from 'js-yaml'

import {summarizeBackstageTemplate} from '../backstage/catalog-entry.js'
import {IdpError} from '../errors.js'
import {packagePath} from '../package-root.js'
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

/** Reads the summaries of every manifest in the bundled catalog and the given folders. */
export function readCatalog(extraDirs: string[] = []): {entries: CatalogEntry[]; problems: CatalogProblem[]} {
  const entries: CatalogEntry[] = []
  const problems: CatalogProblem[] = []
  for (const file of listManifestFiles([bundledCatalogDir, ...extraDirs])) {
    try {
      const entry = summarize(file)
      if (entry) entries.push(entry)
    } catch (error) {
      problems.push({file, message: (error as Error).message.split('\n')[0]})
    }
  }

  return {entries, problems}
}

function summarize(file: string): CatalogEntry | undefined {
  // js-yaml, not yaml: this runs for every manifest at start-up, and js-yaml loads faster.
  const document = load(readFileSync(file, 'utf8')) as Record<string, any> | null
  if (document?.kind === 'Template') return summarizeBackstageTemplate(file, document)
  if (document?.kind !== 'Action') return undefined
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
  }
}

function summarizePrices(cost: any): CatalogEntry['prices'] {
  if (typeof cost?.currency !== 'string' || typeof cost.prices !== 'object' || cost.prices === null) return undefined
  return {currency: cost.currency, byInput: cost.prices, explanation: typeof cost.explanation === 'string' ? cost.explanation : undefined}
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
