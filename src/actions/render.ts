import {readFile, readdir, stat} from 'node:fs/promises'
import {join, posix, relative, sep} from 'node:path'
import {TextDecoder} from 'node:util'
import picomatch from 'picomatch'

import {IdpError} from '../errors.js'
import {type ExpressionContext, isTemplate, renderString, renderText} from './expressions.js'
import {formatterForFile} from './literals.js'

/** A file to write into the target repository. */
export interface RenderedFile {
  /** Path inside the target repository, with forward slashes. */
  path: string
  content: Buffer
  /** Git file mode: executable files keep 100755. */
  mode: '100644' | '100755'
}

const utf8 = new TextDecoder('utf-8', {fatal: true})

/**
 * Files copied as they are unless a step lists its own `verbatim` patterns: GitHub Actions
 * workflows use `${{ }}` for their own expressions (`${{ secrets.TOKEN }}`).
 */
export const DEFAULT_VERBATIM = ['.github/workflows/**']

/**
 * Renders every file of a template folder into memory, placing it under `target` in the
 * repository. Text files have their `${{ }}` placeholders replaced, except those matching a
 * `verbatim` pattern (relative to the folder), which are copied unchanged like files that are
 * not UTF-8. Nothing is written to disk, so a failure leaves no half-rendered file.
 */
export async function renderTemplateFolder(source: string, target: string, context: ExpressionContext, verbatim: string[] = DEFAULT_VERBATIM): Promise<RenderedFile[]> {
  const targetDir = checkRepositoryPath(renderString(target, context), target)
  const copiedAsIs = picomatch(verbatim, {dot: true})
  const files: RenderedFile[] = []
  for (const file of await listFiles(source)) {
    const relativePath = relative(source, file).split(sep).join('/')
    const renderedName = isTemplate(relativePath) ? renderString(relativePath, context) : relativePath
    const path = checkRepositoryPath(posix.join(targetDir, checkRelativePath(renderedName, relativePath)), relativePath)
    const bytes = await readFile(file)
    const {mode} = await stat(file)
    const content = copiedAsIs(relativePath) ? bytes : renderContent(bytes, path, context, file)
    files.push({path, content, mode: (mode & 0o111) === 0 ? '100644' : '100755'})
  }

  return files
}

function renderContent(bytes: Buffer, path: string, context: ExpressionContext, file: string): Buffer {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return bytes
  }

  if (!isTemplate(text)) return bytes
  try {
    const format = formatterForFile(path)
    return Buffer.from(renderText(text, context, format))
  } catch (error) {
    throw new IdpError(`Cannot render template ${file}: ${(error as Error).message.split('\n')[0]}`, {
      code: 'TEMPLATE_FAILED',
      exitCode: 1,
      cause: error,
      hint: 'This is a fault in the action manifest or its templates: report it to the action owner.',
    })
  }
}

/** Lists every file below `folder`, recursively, sorted by path. */
export async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, {withFileTypes: true, recursive: true})
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

/**
 * Rejects a path rendered inside a target folder that is absolute or has a `..` segment, even
 * one that would come back inside the folder: a file name never needs one.
 */
export function checkRelativePath(path: string, template: string): string {
  const segments = path.replaceAll('\\', '/').split('/')
  if (segments[0] === '' || /^[a-z]:$/i.test(segments[0]) || segments.includes('..')) {
    throw new IdpError(`The path ${JSON.stringify(path)} (from ${JSON.stringify(template)}) is outside the target folder`, {
      code: 'PATH_OUTSIDE_TARGET',
      exitCode: 2,
      hint: 'Use input values without "/", ".." or leading slashes.',
    })
  }

  return path
}

/**
 * Normalizes a repository path rendered from inputs and rejects one that would leave the
 * repository: absolute paths, `..` segments, and the `.git` folder.
 */
export function checkRepositoryPath(path: string, template: string): string {
  const normalized = posix.normalize(path.replaceAll('\\', '/'))
  const segments = normalized.split('/')
  const escapes = normalized.startsWith('/') || segments.includes('..') || segments.includes('.git') || normalized === '.'
  if (escapes || /[\0\n\r]/.test(normalized)) {
    throw new IdpError(`The path ${JSON.stringify(path)} (from ${JSON.stringify(template)}) is outside the target repository`, {
      code: 'PATH_OUTSIDE_TARGET',
      exitCode: 2,
      hint: 'Use input values without "/", ".." or leading slashes.',
    })
  }

  return normalized.replace(/\/$/, '')
}
