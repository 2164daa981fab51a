import {readFileSync} from 'node:fs'
import {relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {listFiles} from '../../src/actions/render.js'
import type {FileSpec} from './github-server.js'

/** The example infrastructure repository, which end-to-end tests seed as acme/infrastructure. */
export const exampleRepositoryPath = fileURLToPath(new URL('../../examples/infrastructure', import.meta.url))

/**
 * Reads every file of examples/infrastructure into the `files` of `server.createRepository`,
 * keyed by the path with `/` separators. `extra` adds or replaces files, and `null` leaves a
 * file out.
 */
export async function exampleRepositoryFiles(extra: Record<string, FileSpec | null> = {}): Promise<Record<string, FileSpec>> {
  const files: Record<string, FileSpec> = {}
  for (const file of await listFiles(exampleRepositoryPath)) {
    files[relative(exampleRepositoryPath, file).split(sep).join('/')] = readFileSync(file, 'utf8')
  }

  for (const [path, content] of Object.entries(extra)) {
    if (content === null) delete files[path]
    else files[path] = content
  }

  return files
}
