import {readFileSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {load} from 'js-yaml'

import {bundledCatalogDir, listManifestFiles} from '../actions/catalog.js'

/**
 * Lists the manifests `idp actions validate` checks. A file given by path is always checked. A
 * folder, or the catalog when no path is given, contributes its action manifests and Backstage
 * templates, but not its YAML files of other kinds (policies and their tests).
 */
export async function manifestFilesOf(paths: string[], configFile: string | undefined): Promise<string[]> {
  if (paths.length === 0) {
    const {loadConfig} = await import('../config/config.js')
    const config = await loadConfig({file: configFile})
    return listManifestFiles([bundledCatalogDir, ...config.catalog]).filter((file) => !isOtherKind(file))
  }

  return paths.flatMap((path) => (isDirectory(path) ? listManifestFiles([path]).filter((file) => !isOtherKind(file)) : [resolve(path)]))
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    // A missing path is reported as a finding of its own.
    return false
  }
}

function isOtherKind(file: string): boolean {
  try {
    const document = load(readFileSync(file, 'utf8')) as {kind?: unknown} | null
    return typeof document?.kind === 'string' && document.kind !== 'Action' && document.kind !== 'Template'
  } catch {
    // An unreadable or invalid file is checked, so that its problem is reported.
    return false
  }
}
