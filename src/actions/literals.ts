/**
 * Literal formatting for values placed into generated files. In Terraform and JSON/YAML files a
 * placeholder always becomes a complete literal of that language, so an input value can never
 * add syntax of its own: no Terraform interpolation, no broken quoting.
 */

/** Formats a value as an HCL literal: a quoted, escaped string, a number, a bool, a list or an object. */
export function formatHcl(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return quoteHclString(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as a Terraform number`)
    return String(value)
  }

  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(formatHcl).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => `${quoteHclString(key)} = ${formatHcl(item)}`)
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`
  }

  throw new TypeError(`cannot write a ${typeof value} as a Terraform literal`)
}

/**
 * Quotes a string for HCL. Besides quotes, backslashes and control characters, the template
 * sequences `${` and `%{` are escaped as `$${` and `%%{` (HCL native syntax, "Template
 * Literals"), so a value cannot start a Terraform expression. A `$` or `%` not followed by
 * `{` is left alone.
 *
 * HCL reads every string in Unicode normalization form C, even one written with `\u` escapes,
 * so the text is written in that form: the file shows exactly the value Terraform reads.
 */
export function quoteHclString(value: string): string {
  const text = value.normalize('NFC')
  let quoted = ''
  for (let index = 0; index < text.length; index++) {
    const character = text[index]
    const next = text[index + 1]
    if (character === '\\') quoted += '\\\\'
    else if (character === '"') quoted += '\\"'
    else if (character === '\n') quoted += '\\n'
    else if (character === '\r') quoted += '\\r'
    else if (character === '\t') quoted += '\\t'
    else if ((character === '$' || character === '%') && next === '{') quoted += character + character
    else if (character < ' ') quoted += `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
    else quoted += character
  }

  return `"${quoted}"`
}

/** Formats a value as a JSON literal. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value ?? null)
}

// Characters YAML does not allow unescaped in a document: C0 and C1 controls other than tab and
// line feed (which JSON already escapes), DEL, the byte order mark and the non-characters.
const YAML_UNPRINTABLE = /[\u007F-\u009F\uFEFF\uFFFE\uFFFF]/g

/**
 * Formats a value as a YAML flow literal: JSON (every JSON text is YAML 1.2), with the
 * characters YAML forbids in a document escaped as `\uXXXX`, which a double-quoted YAML
 * string reads back.
 */
export function formatYaml(value: unknown): string {
  return formatJson(value).replace(YAML_UNPRINTABLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The escaping filters a template can apply by name: `hcl`, `json` and `yaml`. */
export const LITERAL_FILTERS = {hcl: formatHcl, json: formatJson, yaml: formatYaml} as const

export type LiteralFilterName = keyof typeof LITERAL_FILTERS

/** Returns the literal formatter for a generated file, chosen by its extension. */
export function formatterForFile(path: string): ((value: unknown) => string) | undefined {
  if (/\.(tf|tfvars|hcl)$/.test(path)) return formatHcl
  if (/\.json$/.test(path)) return formatJson
  if (/\.ya?ml$/.test(path)) return formatYaml
  return undefined
}
