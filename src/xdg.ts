import {homedir} from 'node:os'
import {isAbsolute, join} from 'node:path'

/**
 * Returns an XDG base folder: the variable's value when it is an absolute path, otherwise the
 * default below home. The XDG Base Directory specification declares relative paths invalid
 * and requires that they be ignored.
 */
export function xdgDir(env: NodeJS.ProcessEnv, variable: 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME' | 'XDG_STATE_HOME' | 'XDG_CACHE_HOME'): string {
  const value = env[variable]
  if (value && isAbsolute(value)) return value
  const defaults = {XDG_CONFIG_HOME: ['.config'], XDG_DATA_HOME: ['.local', 'share'], XDG_STATE_HOME: ['.local', 'state'], XDG_CACHE_HOME: ['.cache']}
  return join(homedir(), ...defaults[variable])
}
