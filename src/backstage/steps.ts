import {readFile, stat} from 'node:fs/promises'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {TextDecoder} from 'node:util'
import picomatch from 'picomatch'

import type {ExpressionContext} from '../actions/expressions.js'
import type {TemplateEngine} from '../actions/manifest.js'
import {formatYaml} from '../actions/literals.js'
import {checkRelativePath, checkRepositoryPath, DEFAULT_VERBATIM, listFiles, type RenderedFile} from '../actions/render.js'
import {IdpError} from '../errors.js'
import {type BackstageContext, ExpressionError, parseRepoUrl, renderDeep, renderText, renderValue} from './nunjucks.js'
import type {BackstageStep, BackstageTemplate} from './template.js'

/**
 * Runs a Backstage template's steps in memory: the fetch and fs actions build a workspace of
 * files, and publish:github:pull-request takes a folder of it into the pull request. Nothing
 * is written to disk or to the target until the plan is confirmed.
 */

type Workspace = Map<string, {content: Buffer; mode: RenderedFile['mode']}>

const utf8 = new TextDecoder('utf-8', {fatal: true})

/** Creates the engine of one template, which the planner and delivery call. */
export function backstageEngine(template: BackstageTemplate): TemplateEngine {
  const publishStep = template.steps.at(-1)!
  const publishInput = (context: ExpressionContext) => renderInput(template, publishStep, backstageContext(context)) as Record<string, unknown>
  return {
    async renderFiles(context) {
      const variables = backstageContext(context)
      const workspace: Workspace = new Map()
      for (const step of template.steps) {
        if (!applies(template, step, variables)) continue
        await runStep(template, step, variables, workspace)
      }

      if (!applies(template, publishStep, variables)) return []
      const input = renderInput(template, publishStep, variables) as Record<string, unknown>
      const files = publishedFiles(workspace, input)
      return files.length > 0 ? files : [requestFile(template, input, context.inputs)]
    },
    publish(context) {
      const input = publishInput(context)
      const repoUrl = parseRepoUrl(String(input.repoUrl))
      return {
        branch: String(input.branchName),
        title: String(input.title),
        description: input.description === undefined ? undefined : String(input.description),
        commitMessage: input.commitMessage === undefined ? undefined : String(input.commitMessage),
        teamReviewers: Array.isArray(input.teamReviewers) ? input.teamReviewers.map(String) : [],
        reviewers: Array.isArray(input.reviewers) ? input.reviewers.map(String) : [],
        draft: input.draft === true || input.draft === 'true',
        repository: {owner: repoUrl.owner, repo: repoUrl.repo},
      }
    },
    outputs(context, publish) {
      const variables = backstageContext(context)
      variables.steps[publishStep.id] = {output: publish}
      const outputs: Array<{name: string; title: string; value: string}> = []
      for (const [index, link] of (template.output.links ?? []).entries()) {
        const url = renderOutput(template, ['spec', 'output', 'links', index, 'url'], link.url, variables)
        if (url) outputs.push({name: `link${index + 1}`, title: String(link.title ?? 'Link'), value: url})
      }

      for (const [index, text] of (template.output.text ?? []).entries()) {
        const content = renderOutput(template, ['spec', 'output', 'text', index, 'content'], text.content, variables)
        if (content) outputs.push({name: `text${index + 1}`, title: String(text.title ?? 'Text'), value: content})
      }

      return outputs
    },
  }
}

/** Builds the variables of a Backstage expression from idp's context of a request. */
export function backstageContext(context: ExpressionContext): BackstageContext {
  const name = String(context.user.login ?? context.user.name ?? 'unknown')
  return {
    parameters: context.inputs,
    user: {ref: `user:default/${name}`, entity: {metadata: {name}, spec: {profile: {displayName: String(context.user.name ?? name)}}}},
    steps: {},
  }
}

function renderOutput(template: BackstageTemplate, path: Array<string | number>, value: unknown, variables: BackstageContext): string {
  if (typeof value !== 'string') return ''
  try {
    return renderText(value, variables)
  } catch {
    // An output that refers to a value this target does not produce (a pull request URL from
    // a local git target) is left out rather than failing a delivered change.
    return ''
  }
}

function applies(template: BackstageTemplate, step: BackstageStep, variables: BackstageContext): boolean {
  if (step.if === undefined) return true
  const value = typeof step.if === 'string' ? located(template, ['spec', 'steps', step.index, 'if'], step.if, () => renderValue(step.if as string, variables)) : step.if
  return !(value === false || value === undefined || value === null || value === '' || value === 0 || value === 'false')
}

function renderInput(template: BackstageTemplate, step: BackstageStep, variables: BackstageContext): unknown {
  const visit = (value: unknown, path: Array<string | number>): unknown => {
    if (typeof value === 'string') return located(template, path, value, () => renderDeep(value, variables))
    if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index]))
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, [...path, key])]))
    return value
  }

  return visit(step.input, ['spec', 'steps', step.index, 'input'])
}

/** Runs a render and turns an expression error into one located in the template file. */
function located<T>(template: BackstageTemplate, path: Array<string | number>, text: string, render: () => T): T {
  try {
    return render()
  } catch (error) {
    if (error instanceof IdpError || !(error instanceof Error)) throw error
    const {line, column} = error instanceof ExpressionError ? error : {line: 1, column: 1}
    const offset = offsetOf(text, line, column)
    const position = template.source.locateInString(path, offset)
    const where = position ? `${template.file}:${position.line}:${position.column}` : template.file
    throw new IdpError(`Cannot render ${JSON.stringify(text)} at ${where}: ${error.message}`, {
      code: 'TEMPLATE_FAILED',
      exitCode: 1,
      cause: error,
      hint: 'This is a fault in the Backstage template: report it to its owner. Nothing was written.',
    })
  }
}

function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n')
  return lines.slice(0, line - 1).reduce((sum, item) => sum + item.length + 1, 0) + column - 1
}

async function runStep(template: BackstageTemplate, step: BackstageStep, variables: BackstageContext, workspace: Workspace): Promise<void> {
  const input = renderInput(template, step, variables) as Record<string, any>
  switch (step.action) {
    case 'fetch:template':
    case 'fetch:plain': {
      const folder = templateFolder(template, step, String(input.url))
      const target = input.targetPath === undefined ? '' : checkRelativePath(String(input.targetPath), 'targetPath')
      const rendered = step.action === 'fetch:template'
      const verbatim = input.copyWithoutTemplating ?? input.copyWithoutRender
      const copiedAsIs = picomatch(Array.isArray(verbatim) ? verbatim.map(String) : DEFAULT_VERBATIM, {dot: true})
      const fileVariables: BackstageContext = {...variables, values: (input.values ?? {}) as Record<string, unknown>}
      for (const file of await listFiles(folder)) {
        const relativePath = relative(folder, file).split(sep).join('/')
        const name = rendered && relativePath.includes('${{') ? located(template, ['spec', 'steps', step.index, 'input', 'url'], relativePath, () => renderText(relativePath, fileVariables)) : relativePath
        const path = join(target, checkRelativePath(name, relativePath)).split(sep).join('/')
        const bytes = await readFile(file)
        const {mode} = await stat(file)
        const content = rendered && !copiedAsIs(relativePath) ? renderContent(bytes, file, fileVariables) : bytes
        workspace.set(path, {content, mode: (mode & 0o111) === 0 ? '100644' : '100755'})
      }

      return
    }

    case 'fs:rename': {
      for (const entry of (input.files ?? []) as Array<{from: string; to: string; overwrite?: boolean}>) {
        const from = checkRelativePath(String(entry.from), 'fs:rename from')
        const to = checkRelativePath(String(entry.to), 'fs:rename to')
        const moved = [...workspace.keys()].filter((path) => path === from || path.startsWith(`${from}/`))
        if (moved.length === 0) throw stepError(template, step, `fs:rename: ${from} is not in the workspace`)
        for (const path of moved) {
          const destination = to + path.slice(from.length)
          if (workspace.has(destination) && !entry.overwrite) throw stepError(template, step, `fs:rename: ${destination} already exists; set overwrite: true to replace it`)
          workspace.set(destination, workspace.get(path)!)
          workspace.delete(path)
        }
      }

      return
    }

    case 'fs:delete': {
      for (const pattern of (input.files ?? []) as string[]) {
        const matches = picomatch(checkRelativePath(String(pattern), 'fs:delete'), {dot: true})
        for (const path of [...workspace.keys()]) {
          if (matches(path) || path.startsWith(`${pattern}/`)) workspace.delete(path)
        }
      }

      return
    }

    case 'debug:log': {
      if (input.message !== undefined) process.stderr.write(`${step.name ?? step.id}: ${String(input.message)}\n`)
      if (input.listWorkspace) process.stderr.write(`${[...workspace.keys()].sort().join('\n')}\n`)
      return
    }

    default: {
      // publish:github:pull-request is taken by the planner; the template check allows no other.
    }
  }
}

function stepError(template: BackstageTemplate, step: BackstageStep, message: string): IdpError {
  const position = template.source.locate(['spec', 'steps', step.index, 'input'], 'key')
  return new IdpError(`Step ${step.id} of ${template.file}${position ? `:${position.line}` : ''} failed: ${message}`, {
    code: 'TEMPLATE_FAILED',
    exitCode: 1,
    hint: 'This is a fault in the Backstage template: report it to its owner. Nothing was written.',
  })
}

function templateFolder(template: BackstageTemplate, step: BackstageStep, url: string): string {
  const base = dirname(template.file)
  const folder = resolve(base, url)
  if (folder !== base && !folder.startsWith(base + sep)) throw stepError(template, step, `${step.action}: url ${url} leaves the template's folder`)
  return folder
}

// A file is rendered only when it has an expression or a block: anything else, such as a shell
// script with `${#HOSTS[@]}`, is copied byte for byte.
function renderContent(bytes: Buffer, file: string, variables: BackstageContext): Buffer {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return bytes
  }

  if (!text.includes('${{') && !text.includes('{%')) return bytes
  try {
    return Buffer.from(renderText(text, variables))
  } catch (error) {
    const {line, column} = error as ExpressionError
    throw new IdpError(`Cannot render template ${file}:${line}:${column}: ${(error as Error).message}`, {
      code: 'TEMPLATE_FAILED',
      exitCode: 1,
      cause: error,
      hint: 'This is a fault in the Backstage template: report it to its owner. Nothing was written.',
    })
  }
}

/**
 * Writes the request itself, under `.idp/requests/<template>/`, for a template that writes no
 * files of its own. The pull request then has a change to review, and the repository's
 * automation has a file to act on. Secret inputs are left out.
 */
function requestFile(template: BackstageTemplate, input: Record<string, unknown>, inputs: Record<string, unknown>): RenderedFile {
  const lines = [`# Requested with idp from the Backstage template ${template.name}.`, `template: ${formatYaml(template.name)}`, 'parameters:']
  for (const name of template.parameterNames) {
    const value = inputs[name]
    if (value !== undefined && !template.secrets.includes(name)) lines.push(`  ${formatYaml(name)}: ${formatYaml(value)}`)
  }

  const name = String(input.branchName).replaceAll('/', '-')
  const target = input.targetPath === undefined ? '' : `${checkRelativePath(String(input.targetPath), 'targetPath').replace(/\/$/, '')}/`
  const path = checkRepositoryPath(`${target}.idp/requests/${template.name}/${name}.yaml`, 'branchName')
  return {path, content: Buffer.from(`${lines.join('\n')}\n`), mode: '100644'}
}

/** Lists the workspace files under `sourcePath`, placed under `targetPath` in the repository. */
function publishedFiles(workspace: Workspace, input: Record<string, unknown>): RenderedFile[] {
  const source = input.sourcePath === undefined ? '' : checkRelativePath(String(input.sourcePath), 'sourcePath').replace(/\/$/, '')
  const target = input.targetPath === undefined ? '' : checkRelativePath(String(input.targetPath), 'targetPath').replace(/\/$/, '')
  const files: RenderedFile[] = []
  for (const [path, file] of [...workspace.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (source !== '' && !path.startsWith(`${source}/`)) continue
    const inside = source === '' ? path : path.slice(source.length + 1)
    files.push({path: checkRepositoryPath(target === '' ? inside : `${target}/${inside}`, inside), content: file.content, mode: file.mode})
  }

  return files
}
