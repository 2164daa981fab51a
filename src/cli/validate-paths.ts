import {readFileSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {distance} from 'fastest-levenshtein'
import {load} from 'js-yaml'

import {bundledCatalogDir, listManifestFiles} from '../actions/catalog.js'
import type {LintFinding} from '../actions/lint.js'

/** Kinds of the YAML files that idp reads from a catalog folder but `idp actions validate` does not check. */
const OTHER_IDP_KINDS = ['ApprovalPolicy', 'ApprovalPolicyTests']

/** Kinds that `idp actions validate` checks. */
const CHECKED_KINDS = ['Action', 'Template']

/**
 * Lists the manifests `idp actions validate` checks, and findings about the files it does not.
 * A file given by path is always checked. A folder, or the catalog when no path is given,
 * contributes its action manifests and Backstage templates. Policies and their tests are
 * skipped, a kind one or two letters away from Action or Template is an error, any other
 * kind is a warning, and a folder given by path without any manifest is an error.
 */
export async function manifestFilesOf(paths: string[], configFile: string | undefined): Promise<{files: string[]; findings: LintFinding[]}> {
  const findings: LintFinding[] = []
  const checkedIn = (folders: string[]) => listManifestFiles(folders).filter((file) => isChecked(file, findings))
  if (paths.length === 0) {
    const {loadConfig} = await import('../config/config.js')
    const config = await loadConfig({file: configFile})
    return {files: checkedIn([bundledCatalogDir, ...config.catalog]), findings}
  }

  const files = paths.flatMap((path) => {
    if (!isDirectory(path)) return [resolve(path)]
    const found = checkedIn([path])
    if (found.length === 0) {
      findings.push({file: resolve(path), severity: 'error', rule: 'not-found', message: 'no action manifest or Backstage template in this folder (YAML files with kind Action or Template)'})
    }

    return found
  })
  return {files, findings}
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    // A missing path is reported as a finding of its own.
    return false
  }
}

/** Checks whether a file of a catalog folder is a manifest to check, and reports a skipped one that may be a typo. */
function isChecked(file: string, findings: LintFinding[]): boolean {
  let kind: unknown
  try {
    kind = (load(readFileSync(file, 'utf8')) as {kind?: unknown} | null)?.kind
  } catch {
    // An unreadable or invalid file is checked, so that its problem is reported.
    return true
  }

  if (typeof kind !== 'string' || CHECKED_KINDS.includes(kind)) return true
  if (OTHER_IDP_KINDS.includes(kind)) return false
  const near = CHECKED_KINDS.find((candidate) => distance(kind.toLowerCase(), candidate.toLowerCase()) <= 2)
  findings.push(
    near
      ? {file, path: 'kind', severity: 'error', rule: 'schema', message: `kind ${JSON.stringify(kind)} is not a kind idp reads; did you mean ${near}? The file is left out of the catalog`}
      : {file, path: 'kind', severity: 'warning', rule: 'skipped', message: `not checked: kind ${JSON.stringify(kind)} is neither an action manifest (Action) nor a Backstage template (Template)`},
  )
  return false
}
