// Writes dist/bundled-catalog.json: the summary of each bundled manifest with the text it was
// made from, so that a start reads the bundled catalog without parsing YAML. Run by
// scripts/build.mjs with tsx, after the bundle is built.
import {readFileSync, writeFileSync} from 'node:fs'
import {relative} from 'node:path'

import {bundledCatalogDir, bundledCatalogIndexPath, listManifestFiles, summarize, type BundledCatalogIndex} from '../src/actions/catalog.js'

const index: BundledCatalogIndex = {}
for (const file of listManifestFiles([bundledCatalogDir])) {
  const entry = summarize(file)
  if (entry) index[relative(bundledCatalogDir, file)] = {text: readFileSync(file, 'utf8'), entry: {...entry, file: ''}}
}

writeFileSync(bundledCatalogIndexPath, `${JSON.stringify(index)}\n`)
