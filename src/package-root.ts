import {fileURLToPath} from 'node:url'

/**
 * Returns the absolute path of a file that ships with idp: `schemas/...`,
 * `action-manifests/...`, `policies/...`. This module is one folder below the package root both
 * as source (`src/`) and bundled (`dist/`), so the same relative URL works in tests and the CLI.
 */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url))
}
