/** Compares two strings by UTF-16 code units, as `<` does, without loading ICU data as localeCompare would. */
export function compareCodeUnits(first: string, second: string): number {
  if (first === second) return 0
  return first < second ? -1 : 1
}
