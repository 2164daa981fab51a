/** Quotes a string for bash, zsh and POSIX sh as one literal word: in single quotes, with `'` as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", String.raw`'\''`)}'`
}

/**
 * Returns the raw text of a template literal that contains shell code, with `\${` written for
 * each `${`, so that neither backslashes nor parameter expansions need escaping twice.
 */
export function shellCode(strings: TemplateStringsArray): string {
  return strings.raw.join('').replaceAll('\\${', '${')
}
