import type {CatalogEntry} from '../actions/catalog.js'
import {checkParameters, commandOf, costFromLabels, isBackstageTemplate} from './parameters.js'

/**
 * Summarizes a Backstage template for the command line, like an action manifest: its command
 * words and flags. Problems are reported when the template runs, as for manifests.
 */
export function summarizeBackstageTemplate(file: string, document: Record<string, any>): CatalogEntry | undefined {
  if (!isBackstageTemplate(document)) return undefined
  const metadata = (document.metadata ?? {}) as Record<string, any>
  const spec = (document.spec ?? {}) as Record<string, any>
  if (typeof metadata.name !== 'string') throw new Error('metadata.name is required')
  const {properties, required} = checkParameters(spec.parameters, () => {})
  const cost = costFromLabels(properties)
  const publish = Array.isArray(spec.steps) ? spec.steps.find((step: any) => step?.action === 'publish:github:pull-request') : undefined
  return {
    file,
    name: metadata.name,
    title: String(metadata.title ?? metadata.name),
    description: typeof metadata.description === 'string' ? metadata.description : undefined,
    command: commandOf(metadata.name, metadata.annotations ?? {}),
    inputs: properties,
    required,
    prices: cost?.prices ? {currency: cost.currency, byInput: cost.prices} : undefined,
    branch: typeof publish?.input?.branchName === 'string' ? publish.input.branchName.replaceAll(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, '${{ inputs.$1 }}') : undefined,
  }
}
