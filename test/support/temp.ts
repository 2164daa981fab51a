import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

/** A temporary folder for one test, removed by `cleanup`. */
export interface TempDir {
  path: string
  /** Writes a file below the folder, creating parent folders, and returns its path. */
  write(relativePath: string, content: string | Buffer, mode?: number): string
  cleanup(): void
}

/** Creates a temporary folder whose name starts with `idp-<prefix>-`. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `idp-${prefix}-`))
  return {
    path,
    write(relativePath, content, mode) {
      const file = join(path, relativePath)
      mkdirSync(dirname(file), {recursive: true})
      writeFileSync(file, content, mode === undefined ? undefined : {mode})
      return file
    },
    cleanup() {
      rmSync(path, {recursive: true, force: true})
    },
  }
}
