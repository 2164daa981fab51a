/** Flags every action command has; an input cannot take one of these names. */
export const COMMON_FLAG_NAMES = ['values', 'yes', 'dry-run', 'json', 'no-input', 'input', 'config', 'help', 'branch', 'wait'] as const

/** Converts an input name to its flag name: `storageGb` becomes `storage-gb`. */
export function flagNameOf(inputName: string): string {
  return inputName.replaceAll(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}
