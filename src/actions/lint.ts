import {readFile, readdir, stat} from 'node:fs/promises'
import {join, relative, resolve, sep} from 'node:path'
import {TextDecoder} from 'node:util'

import {IdpError, type Problem} from '../errors.js'
import {formatPath, readYamlFile, type YamlSource} from '../yaml-source.js'
import {checkTemplate, type ExpressionContext, evaluateExpression, formatPlain, parseTemplate, type TemplatePart, TemplateSyntaxError} from './expressions.js'
import {defaultOf} from './inputs.js'
import {inputScope, outputScope, checkReferences, type ReferenceScope} from './lint-references.js'
import {formatterForFile} from './literals.js'
import {type ActionManifest, type InputSchema, type LoadedManifest, manifestProblems} from './manifest.js'
import {estimateCost, labelsOf, pricesOf} from './plan.js'

/** Kind of a finding, which scripts and CI annotations can group by. */
export type LintRule =
  | 'not-found'
  | 'yaml'
  | 'schema'
  | 'manifest'
  | 'expression'
  | 'undefined-input'
  | 'undefined-step'
  | 'hyphenated-name'
  | 'render-failed'
  | 'unanchored-pattern'
  | 'template'
  | 'duplicate'
  | 'skipped'

/** One problem found by `idp actions validate`, located in the manifest or a template file. */
export interface LintFinding extends Problem {
  file: string
  severity: 'error' | 'warning'
  rule: LintRule
}

/** Findings of every manifest checked. An error in any of them fails the check. */
export interface LintResult {
  files: string[]
  findings: LintFinding[]
  errors: number
  warnings: number
}

/**
 * Checks every manifest file and reports all findings, in file order, then the action names and
 * command words that two files declare, among them or with the bundled catalog. `pathFindings`,
 * about the files that were not checked, come first.
 */
export async function lintManifests(files: string[], pathFindings: LintFinding[] = []): Promise<LintResult> {
  const findings: LintFinding[] = [...pathFindings]
  for (const file of files) findings.push(...(await lintManifest(resolve(file))))
  findings.push(...(await duplicateFindings(files.map((file) => resolve(file)))))
  const errors = findings.filter((finding) => finding.severity === 'error').length
  return {files: files.map((file) => resolve(file)), findings, errors, warnings: findings.length - errors}
}

/**
 * Reports each checked file that declares an action name or command words that another file
 * declares too, since the catalog refuses to run either (CATALOG_DUPLICATE). The bundled
 * actions take part, as they are in every user's catalog.
 */
async function duplicateFindings(files: string[]): Promise<LintFinding[]> {
  const {bundledCatalogDir, duplicateError, findDuplicates, listManifestFiles, summarize} = await import('./catalog.js')
  const bundled = listManifestFiles([bundledCatalogDir]).filter((file) => !files.includes(file))
  const entries = [...files, ...bundled].flatMap((file) => {
    try {
      return [summarize(file)].filter((entry) => entry !== undefined)
    } catch {
      // A file that cannot be summarized has findings of its own already.
      return []
    }
  })
  const duplicates = findDuplicates(entries)
  if (duplicates.length === 0) return []
  return duplicateError(duplicates)
    .problems.filter((problem) => files.includes(problem.file!))
    .map((problem) => ({...problem, file: problem.file!, severity: 'error', rule: 'duplicate'}))
}

async function lintManifest(file: string): Promise<LintFinding[]> {
  let source: YamlSource
  try {
    source = await readYamlFile(file, {kind: 'Action manifest', notFoundCode: 'MANIFEST_NOT_FOUND', invalidCode: 'MANIFEST_INVALID'})
  } catch (error) {
    if (!(error instanceof IdpError)) throw error
    const rule = error.code === 'MANIFEST_NOT_FOUND' ? 'not-found' : 'yaml'
    if (error.problems.length === 0) return [{file, severity: 'error', rule, message: error.message}]
    return error.problems.map((problem) => ({...problem, file, severity: 'error', rule}))
  }

  if ((source.value as {kind?: unknown} | null)?.kind === 'Template') return lintTemplate(source, file)

  const {schema, semantic} = manifestProblems(source)
  const findings: LintFinding[] = [...schema.map((problem) => asError(problem, file, 'schema'))]
  if (schema.length > 0) return findings

  findings.push(...semantic.map((problem) => asError(problem, file, 'manifest')))
  const manifest = source.value as ActionManifest
  const loaded: LoadedManifest = {manifest, file, dir: resolve(file, '..')}
  findings.push(...checkPatterns(manifest, source))
  findings.push(...checkManifestStrings(source))
  findings.push(...(await checkTemplateFiles(loaded)))
  return withoutDuplicates(findings)
}

/**
 * Checks a Backstage template as `idp run` loads it: its version, fields, parameters, step
 * actions and their inputs, and the `${{ }}` expressions of the steps.
 */
async function lintTemplate(source: YamlSource, file: string): Promise<LintFinding[]> {
  const {loadBackstageTemplate} = await import('../backstage/template.js')
  try {
    await loadBackstageTemplate(source)
    return []
  } catch (error) {
    if (!(error instanceof IdpError)) throw error
    if (error.problems.length === 0) return [{file, severity: 'error', rule: 'template', message: error.message}]
    return error.problems.map((problem) => asError(problem, file, 'template'))
  }
}

function asError(problem: Problem, file: string, rule: LintRule): LintFinding {
  return {...problem, file: problem.file ?? file, severity: 'error', rule}
}

/**
 * Drops the CEL checker's "Unknown variable" error where a hyphenated name explains it:
 * `inputs.team-name` is also `inputs.team` minus an unknown variable `name`.
 */
function withoutDuplicates(findings: LintFinding[]): LintFinding[] {
  const hyphenated = new Set(findings.filter((finding) => finding.rule === 'hyphenated-name').map((finding) => `${finding.file}:${finding.line}`))
  return findings.filter((finding) => !(finding.rule === 'manifest' && finding.message.startsWith('Unknown variable') && hyphenated.has(`${finding.file}:${finding.line}`)))
}

// Input names that hold identifiers, where a partial match lets through values such as `X!orders`.
const NAME_LIKE = /(?:^|[a-z])(?:name|Name|id|Id|identifier|Identifier|slug|Slug|team|Team|owner|Owner|login|Login|namespace|Namespace|bucket|Bucket)$/

/** Warns about `pattern`s of name-like inputs that do not anchor every alternative with `^` and `$`. */
function checkPatterns(manifest: ActionManifest, source: YamlSource): LintFinding[] {
  const findings: LintFinding[] = []
  for (const [name, input] of Object.entries(manifest.spec.inputs.properties)) {
    if (!NAME_LIKE.test(name)) continue
    const patterns: Array<[string | undefined, Array<string | number>]> = [
      [input.pattern, ['spec', 'inputs', 'properties', name, 'pattern']],
      [input.items?.pattern, ['spec', 'inputs', 'properties', name, 'items', 'pattern']],
    ]
    for (const [pattern, path] of patterns) {
      if (pattern === undefined || isAnchored(pattern)) continue
      findings.push({
        file: source.file,
        ...source.locate(path),
        path: formatPath(path),
        severity: 'warning',
        rule: 'unanchored-pattern',
        message: `pattern ${JSON.stringify(pattern)} is not anchored, so it also accepts values that only contain a match; write it as ${JSON.stringify(anchored(pattern))}`,
      })
    }
  }

  return findings
}

/** Checks whether every top-level alternative of a regular expression starts with `^` and ends with `$`. */
export function isAnchored(pattern: string): boolean {
  return topLevelAlternatives(pattern).every((alternative) => alternative.startsWith('^') && endsWithAnchor(alternative))
}

function anchored(pattern: string): string {
  const alternatives = topLevelAlternatives(pattern)
  return alternatives.length === 1 ? `^${pattern.replace(/^\^/, '')}${endsWithAnchor(pattern) ? '' : '$'}` : `^(?:${pattern})$`
}

function endsWithAnchor(text: string): boolean {
  if (!text.endsWith('$')) return false
  const backslashes = /\\*$/.exec(text.slice(0, -1))![0].length
  return backslashes % 2 === 0
}

/** Splits a regular expression at the `|` that are outside groups and character classes. */
function topLevelAlternatives(pattern: string): string[] {
  const alternatives: string[] = []
  let depth = 0
  let inClass = false
  let start = 0
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]
    if (character === '\\') {
      index++
      continue
    }

    if (inClass) {
      if (character === ']') inClass = false
    } else if (character === '[') inClass = true
    else if (character === '(') depth++
    else if (character === ')') depth--
    else if (character === '|' && depth === 0) {
      alternatives.push(pattern.slice(start, index))
      start = index + 1
    }
  }

  alternatives.push(pattern.slice(start))
  return alternatives
}

/**
 * Checks the references in every expression of the manifest, and renders each one with sample
 * inputs: the defaults, else the first example or allowed value, else a value of the input's type.
 */
function checkManifestStrings(source: YamlSource): LintFinding[] {
  const manifest = source.value as ActionManifest
  const context = sampleContext(manifest, source.file)
  const findings: LintFinding[] = []
  const visit = (value: unknown, path: Array<string | number>, scope: ReferenceScope, render: boolean) => {
    if (typeof value === 'string') {
      const located = (offset: number) => ({file: source.file, ...source.locateInString(path, offset), path: formatPath(path)})
      for (const problem of checkExpressionString(value, scope, {context: render ? context : undefined})) {
        findings.push({...located(problem.offset), severity: 'error', rule: problem.rule, message: problem.message})
      }
    } else if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index], scope, render))
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key], scope, render)
    }
  }

  const {spec} = manifest
  // Defaults are evaluated with user context only, which a sample cannot stand in for.
  visit(spec.inputs, ['spec', 'inputs'], inputScope(manifest), false)
  visit(spec.cost, ['spec', 'cost'], inputScope(manifest), true)
  visit(spec.preview, ['spec', 'preview'], inputScope(manifest), true)
  visit(spec.risk, ['spec', 'risk'], inputScope(manifest), true)
  visit(spec.steps, ['spec', 'steps'], inputScope(manifest), true)
  visit(spec.outputs, ['spec', 'outputs'], outputScope(manifest), true)
  return findings
}

interface StringProblem {
  rule: LintRule
  message: string
  offset: number
}

/**
 * Checks the expressions of one template string: their references, then their types (reported
 * only for template files, because the manifest check already covers the manifest's strings),
 * then, when a context is given, their values with that context.
 */
function checkExpressionString(text: string, scope: ReferenceScope, options: {context?: ExpressionContext; format?: (value: unknown) => string; reportTypes?: boolean}): StringProblem[] {
  let parts: TemplatePart[]
  try {
    parts = parseTemplate(text)
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error
    return options.reportTypes ? [{rule: 'expression', message: error.message, offset: error.offset}] : []
  }

  const problems: StringProblem[] = []
  for (const part of parts) {
    if (!('expression' in part)) continue
    const references = checkReferences(part.expression, scope)
    problems.push(...references.map((problem) => ({...problem, offset: part.offset + problem.offset})))
    if (references.length > 0) continue

    const typeProblems = checkTemplate(`\${{${part.expression}}}`)
    if (typeProblems.length > 0) {
      if (options.reportTypes) problems.push(...typeProblems.map((problem) => ({rule: 'expression' as const, message: problem.message, offset: part.offset + problem.offset - 3})))
      continue
    }

    const failure = options.context && renderFailure(part.expression, options.context, options.format)
    const start = part.offset + (part.expression.length - part.expression.trimStart().length)
    if (failure) problems.push({rule: 'render-failed', message: `does not render with the sample inputs: ${failure}`, offset: start})
  }

  return problems
}

function renderFailure(expression: string, context: ExpressionContext, format = formatPlain): string | undefined {
  try {
    format(evaluateExpression(expression, context))
    return undefined
  } catch (error) {
    return (error as Error).message.split('\n')[0]
  }
}

/**
 * Builds the variables expressions are rendered with during the check: sample inputs, their
 * labels and prices, the cost they give, and placeholder results of the pull request step.
 */
function sampleContext(manifest: ActionManifest, file: string): ExpressionContext {
  const loaded: LoadedManifest = {manifest, file, dir: resolve(file, '..')}
  const inputs = Object.fromEntries(Object.entries(manifest.spec.inputs.properties).map(([name, schema]) => [name, sampleValue(schema)]))
  const context: ExpressionContext = {inputs, labels: labelsOf(loaded, inputs), prices: pricesOf(loaded, inputs), user: {}, cost: {}, run: {id: 'validate'}, steps: {}}
  try {
    const cost = estimateCost(loaded, context)
    if (cost) context.cost = {monthly: cost.monthly, currency: cost.currency}
  } catch {
    // The failing cost expression is reported at its own position; later expressions get a zero.
    context.cost = {monthly: 0, currency: manifest.spec.cost?.currency}
  }

  const publish = manifest.spec.steps.find((step) => step.action === 'publish:pull-request')
  if (publish) context.steps = {[publish.id]: {branch: 'idp/validate', commit: '0'.repeat(40), url: 'https://github.invalid/pull/1', number: 1}}
  return context
}

function sampleValue(schema: InputSchema): unknown {
  const fallback = defaultOf(schema, {})
  if (fallback !== undefined) return fallback
  if (schema.examples?.length) return schema.examples[0]
  if (schema.enum) return schema.enum[0]
  switch (schema.type) {
    case 'string': {
      return 'example'
    }

    case 'integer':
    case 'number': {
      return schema.minimum ?? 1
    }

    case 'boolean': {
      return false
    }

    case 'array': {
      return schema.items?.enum ? [schema.items.enum[0]] : ['example']
    }
  }
}

const utf8 = new TextDecoder('utf-8', {fatal: true})

/** Checks and renders the expressions of every text file in the manifest's template folders. */
async function checkTemplateFiles(loaded: LoadedManifest): Promise<LintFinding[]> {
  const {manifest} = loaded
  const context = sampleContext(manifest, loaded.file)
  const findings: LintFinding[] = []
  for (const step of manifest.spec.steps) {
    if (step.action !== 'template:render') continue
    const folder = join(loaded.dir, String(step.with.source))
    for (const file of await listFiles(folder)) {
      const text = await readText(file)
      if (text === undefined || !text.includes('${{')) continue
      const name = relative(folder, file).split(sep).join('/')
      findings.push(...checkTemplateText(text, file, inputScope(manifest), context, formatterForFile(name)))
    }
  }

  return findings
}

function checkTemplateText(text: string, file: string, scope: ReferenceScope, context: ExpressionContext, format?: (value: unknown) => string): LintFinding[] {
  const problems = checkExpressionString(text, scope, {context, format, reportTypes: true})
  return problems.map((problem) => ({file, ...positionOfOffset(text, problem.offset), severity: 'error', rule: problem.rule, message: problem.message}))
}

function positionOfOffset(text: string, offset: number): {line: number; column: number} {
  const before = text.slice(0, offset).split('\n')
  return {line: before.length, column: before.at(-1)!.length + 1}
}

async function listFiles(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, {withFileTypes: true, recursive: true})
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort()
  } catch {
    // A missing template folder is already a finding of the manifest check.
    return []
  }
}

async function readText(file: string): Promise<string | undefined> {
  if (!(await stat(file)).isFile()) return undefined
  try {
    return utf8.decode(await readFile(file))
  } catch {
    // Files that are not UTF-8 are copied unchanged, as the render step does.
    return undefined
  }
}
