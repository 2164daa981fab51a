import {isAbsolute, relative} from 'node:path'

/** Shortens a path to one relative to the working folder when it is inside it, for messages. */
export function displayPath(path: string, cwd: string): string {
  const relativePath = relative(cwd, path)
  return relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath) ? path : relativePath
}
