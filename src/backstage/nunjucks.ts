import nunjucks from 'nunjucks'

import {LITERAL_FILTERS} from '../actions/literals.js'

/**
 * Backstage's `${{ }}` expressions, rendered with Nunjucks the way the Backstage scaffolder
 * configures it: `${{ }}` instead of `{{ }}` for values, `{% %}` blocks, no HTML autoescaping,
 * and the filters parseRepoUrl, parseEntityRef, pick and projectSlug, plus idp's hcl, json and
 * yaml. Comments (`{# #}`) are turned off, so that shell text such as `${#HOSTS[@]}` in a
 * rendered file stays text. Values are data: a rendered value is never rendered again.
 */

/** Variables of a Backstage expression. */
export interface BackstageContext {
  parameters: Record<string, unknown>
  user: {ref: string; entity: {metadata: {name: string}; spec: {profile: {displayName: string}}}}
  steps: Record<string, {output: Record<string, unknown>}>
  /** `values` of a fetch:template step, inside its files. */
  values?: Record<string, unknown>
}

/** A Nunjucks error: the message, and the 1-based line and column inside the rendered text. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message)
  }
}

let environment: nunjucks.Environment | undefined

function backstageEnvironment(): nunjucks.Environment {
  if (environment) return environment
  environment = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: false,
    tags: {variableStart: '${{', variableEnd: '}}', commentStart: '\u0000{#', commentEnd: '#}\u0000'},
  })
  environment.addFilter('parseRepoUrl', (url: unknown) => parseRepoUrl(String(url)))
  environment.addFilter('projectSlug', (url: unknown) => {
    const {owner, repo} = parseRepoUrl(String(url))
    return `${owner}/${repo}`
  })
  environment.addFilter('parseEntityRef', (ref: unknown, defaults?: {defaultKind?: string; defaultNamespace?: string}) => parseEntityRef(String(ref), defaults))
  environment.addFilter('pick', (value: unknown, key: unknown) => pick(value, String(key)))
  for (const [name, filter] of Object.entries(LITERAL_FILTERS)) environment.addFilter(name, (value: unknown) => filter(value))
  return environment
}

/** A repository address of a RepoUrlPicker: `github.com?owner=acme&repo=infrastructure`. */
export interface RepoUrl {
  host: string
  owner: string
  repo: string
  organization?: string
  workspace?: string
  project?: string
}

/** Reads a RepoUrlPicker value, as the Backstage filter of the same name does. */
export function parseRepoUrl(url: string): RepoUrl {
  let parsed: URL
  try {
    parsed = new URL(`https://${url}`)
  } catch {
    throw new Error(`Invalid repository address ${JSON.stringify(url)}: expected host?owner=<owner>&repo=<repo>`)
  }

  const read = (key: string) => parsed.searchParams.get(key) ?? undefined
  const [owner, repo] = [read('owner'), read('repo')]
  if (!parsed.hostname || !owner || !repo) {
    throw new Error(`Invalid repository address ${JSON.stringify(url)}: expected host?owner=<owner>&repo=<repo>`)
  }

  const result: RepoUrl = {host: parsed.hostname, owner, repo}
  for (const key of ['organization', 'workspace', 'project'] as const) {
    const value = read(key)
    if (value) result[key] = value
  }

  return result
}

/** Reads an entity reference `[kind:][namespace/]name`, as Backstage's parseEntityRef does. */
export function parseEntityRef(ref: string, defaults: {defaultKind?: string; defaultNamespace?: string} = {}): {kind: string; namespace: string; name: string} {
  const colon = ref.indexOf(':')
  const kind = colon === -1 ? defaults.defaultKind : ref.slice(0, colon)
  const rest = colon === -1 ? ref : ref.slice(colon + 1)
  const slash = rest.indexOf('/')
  const namespace = slash === -1 ? (defaults.defaultNamespace ?? 'default') : rest.slice(0, slash)
  const name = slash === -1 ? rest : rest.slice(slash + 1)
  if (!kind || !namespace || !name) {
    throw new Error(`Invalid entity reference ${JSON.stringify(ref)}: expected [kind:][namespace/]name${kind ? '' : ' or a defaultKind'}`)
  }

  return {kind, namespace, name}
}

/** Reads a value at a dotted path such as `metadata.name`, like lodash's `get`. */
export function pick(value: unknown, path: string): unknown {
  let current = value
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }

  return current
}

const SINGLE_EXPRESSION = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/

/**
 * Renders one template string. A string that is exactly one `${{ }}` expression keeps the
 * value's type (a boolean, a list, an object), as in Backstage. Any other string gives text.
 */
export function renderValue(template: string, context: BackstageContext): unknown {
  const single = SINGLE_EXPRESSION.exec(template)
  if (single && !single[1].includes('}}') && !single[1].includes('${{')) {
    const text = renderText(`\${{ (${single[1]}) | dump }}`, context)
    return text === '' ? undefined : JSON.parse(text)
  }

  return renderText(template, context)
}

/** Renders a template string as text. */
export function renderText(template: string, context: BackstageContext): string {
  try {
    return backstageEnvironment().renderString(template, context as unknown as object)
  } catch (error) {
    throw toExpressionError(error as Error, template, context)
  }
}

/** Renders every string inside a value (step inputs), keeping the shape of objects and lists. */
export function renderDeep(value: unknown, context: BackstageContext): unknown {
  if (typeof value === 'string') return value.includes('${{') || value.includes('{%') ? renderValue(value, context) : value
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, context))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item, context)]))
  }

  return value
}

// Nunjucks reports "(unknown path) [Line 1, Column 12]\n  Error: message" at run time, with a
// 0-based line, and no position at all for a syntax error or an unknown filter. Then each
// expression is tried alone, and the first that fails gives the position.
function toExpressionError(error: Error, template: string, context: BackstageContext): ExpressionError {
  const lines = error.message.split('\n').map((line) => line.trim())
  const message = (lines.find((line) => /^\w*Error: /.test(line)) ?? lines.at(-1) ?? error.message).replace(/^\w*Error: /, '')
  const position = /\[Line (\d+), Column (\d+)\]/.exec(lines[0])
  if (position) return new ExpressionError(message, Number(position[1]) + 1, Number(position[2]))
  const offset = failingExpressionOffset(template, context)
  const before = template.slice(0, offset).split('\n')
  return new ExpressionError(message, before.length, before.at(-1)!.length + 1)
}

function failingExpressionOffset(template: string, context: BackstageContext): number {
  for (let start = template.indexOf('${{'); start !== -1; start = template.indexOf('${{', start + 3)) {
    const end = template.indexOf('}}', start + 3)
    if (end === -1) return start
    try {
      backstageEnvironment().renderString(template.slice(start, end + 2), context as unknown as object)
    } catch {
      return start
    }
  }

  return 0
}
