import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {bundledCatalogDir, bundledCatalogIndexPath, listManifestFiles, readCatalog, summarize, type BundledCatalogIndex} from '../src/actions/catalog.js'

// The build writes the summaries of the bundled manifests so that a start parses no YAML for them.
describe('bundled catalog index', () => {
  it('holds every bundled manifest as it is now', () => {
    const index = JSON.parse(readFileSync(bundledCatalogIndexPath, 'utf8')) as BundledCatalogIndex
    const files = listManifestFiles([bundledCatalogDir])
    assert.deepEqual(Object.keys(index).sort(), files.map((file) => file.slice(bundledCatalogDir.length + 1)).sort())
    for (const file of files) {
      const name = file.slice(bundledCatalogDir.length + 1)
      assert.equal(index[name].text, readFileSync(file, 'utf8'), `${name} changed after the build: run npm run build`)
      assert.deepEqual({...index[name].entry, file}, JSON.parse(JSON.stringify(summarize(file))), name)
    }
  })

  it('gives the catalog the summaries that parsing gives', () => {
    const files = listManifestFiles([bundledCatalogDir])
    const parsed = files.map((file) => JSON.parse(JSON.stringify(summarize(file))) as unknown)
    assert.deepEqual(JSON.parse(JSON.stringify(readCatalog().entries)), parsed)
    assert.ok(parsed.length >= 4)
    assert.equal(join(bundledCatalogDir, 'db-create.yaml'), files.find((file) => file.endsWith('db-create.yaml')))
  })
})
