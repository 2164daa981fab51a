import {fileURLToPath} from 'node:url'

/**
 * The absolute path of a file that ships with idp: `schemas/...`, `action-manifests/...`,
 * `policies/...`. This module sits one folder below the package root both as source
 * (`src/`) and once bundled (`dist/`), so the same relative URL works in tests and in the CLI.
 */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url))
}
