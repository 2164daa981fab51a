import {dirname, resolve} from 'node:path'

import {type ActionManifest, isDirectory, type LoadedManifest} from '../actions/manifest.js'
import {IdpError, type Problem} from '../errors.js'
import {formatPath, type YamlSource} from '../yaml-source.js'
import type {PageCondition} from './conditions.js'
import {type Add, checkParameters, commandOf, costFromLabels, OUTPUT_FIELDS, PUBLISH_ACTION, SPEC_FIELDS, STEP_FIELDS, SUPPORTED_ACTIONS} from './parameters.js'

export {isBackstageTemplate} from './parameters.js'

/**
 * Backstage software templates (`apiVersion: scaffolder.backstage.io/v1beta3`, `kind:
 * Template`) as idp actions. The template is checked completely before anything runs: a field
 * or action idp does not support is an error naming it, its line, and what is supported.
 */

export const BACKSTAGE_API_VERSION = 'scaffolder.backstage.io/v1beta3'

/** A step of a Backstage template. */
export interface BackstageStep {
  id: string
  name?: string
  action: string
  input: Record<string, unknown>
  if?: unknown
  /** Index in spec.steps, to locate the step's strings in the file. */
  index: number
}

/** A Backstage template after its checks. */
export interface BackstageTemplate {
  file: string
  source: YamlSource
  name: string
  title: string
  steps: BackstageStep[]
  output: {links?: Array<Record<string, unknown>>; text?: Array<Record<string, unknown>>}
  /** The inputs shown only under a condition of their page, by input name. */
  conditions: Record<string, PageCondition>
  /** Inputs with `ui:widget: password`, never written to a file. */
  secrets: string[]
  /** Every input, in the order of the pages. */
  parameterNames: string[]
}

/**
 * Checks a Backstage template and turns it into an action idp can plan and deliver. The
 * engine, with Nunjucks, is imported only here, so that listing the catalog stays fast.
 */
export async function loadBackstageTemplate(source: YamlSource): Promise<LoadedManifest> {
  const document = source.value as Record<string, any>
  const problems: Problem[] = []
  const add = (path: Array<string | number>, message: string) => {
    const position = source.locate(path, 'key')
    problems.push({file: source.file, ...(position ? {line: position.line, column: position.column} : {}), path: formatPath(path), message})
  }

  if (document.apiVersion !== BACKSTAGE_API_VERSION) {
    const version = String(document.apiVersion)
    add(['apiVersion'], `${version} is not supported: idp runs ${BACKSTAGE_API_VERSION} templates${version.endsWith('v1beta2') ? ', which use ${{ }} expressions instead of {{ }}; migrate the template as the Backstage v1beta3 migration guide describes' : ''}`)
    throw invalid(source, problems)
  }

  const metadata = (document.metadata ?? {}) as Record<string, any>
  const spec = (document.spec ?? {}) as Record<string, any>
  if (typeof metadata.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(metadata.name)) add(['metadata', 'name'], 'metadata.name is required: lowercase letters, digits and hyphens')
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(key)) add(['spec', key], `unsupported field spec.${key}; supported: ${SPEC_FIELDS.join(', ')}`)
  }

  const {properties, required, conditions} = checkParameters(spec.parameters, add)
  const steps = checkSteps(spec.steps, dirname(source.file), add)
  const output = checkOutput(spec.output, add)
  if (problems.length > 0) throw invalid(source, problems)

  const template: BackstageTemplate = {file: source.file, source, name: metadata.name, title: String(metadata.title ?? metadata.name), steps, output, conditions, secrets: Object.keys(properties).filter((name) => properties[name].form?.secret), parameterNames: Object.keys(properties)}
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>
  const publish = steps.find((step) => step.action === PUBLISH_ACTION)!
  const manifest: ActionManifest = {
    apiVersion: 'idp.dev/v1',
    kind: 'Action',
    metadata: {
      name: metadata.name,
      title: template.title,
      description: typeof metadata.description === 'string' ? metadata.description : undefined,
      owner: typeof spec.owner === 'string' ? spec.owner : undefined,
      tags: Array.isArray(metadata.tags) ? metadata.tags.map(String) : undefined,
    },
    spec: {
      command: commandOf(metadata.name, annotations),
      inputs: {type: 'object', required, properties},
      cost: costFromLabels(properties),
      risk: [],
      // Plans and outputs of a template are rendered by its own engine; this step names the
      // publish step for the run journal.
      steps: [{id: publish.id, name: publish.name, action: 'publish:pull-request', with: {}}],
    },
  }

  const {backstageEngine} = await import('./steps.js')
  return {manifest, file: source.file, dir: dirname(source.file), engine: backstageEngine(template)}
}

function invalid(source: YamlSource, problems: Problem[]): IdpError {
  return new IdpError(`Backstage template ${source.file} cannot run: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`, {
    code: 'TEMPLATE_UNSUPPORTED',
    exitCode: 2,
    problems,
    hint: 'See docs/backstage.md for the fields and actions idp supports. Nothing was written.',
  })
}

function checkSteps(steps: unknown, folder: string, add: Add): BackstageStep[] {
  if (!Array.isArray(steps) || steps.length === 0) {
    add(['spec', 'steps'], `spec.steps must list the steps, the last of them ${PUBLISH_ACTION}`)
    return []
  }

  const result: BackstageStep[] = []
  const ids = new Set<string>()
  for (const [index, step] of (steps as Array<Record<string, any>>).entries()) {
    const path = ['spec', 'steps', index]
    for (const key of Object.keys(step ?? {})) {
      if (!STEP_FIELDS.includes(key)) add([...path, key], `unsupported field ${key} in a step; supported: ${STEP_FIELDS.join(', ')}`)
    }

    const id = typeof step?.id === 'string' ? step.id : `step-${index + 1}`
    if (ids.has(id)) add([...path, 'id'], `duplicate step id "${id}"`)
    ids.add(id)
    const action = String(step?.action)
    const accepted = SUPPORTED_ACTIONS[action]
    if (!accepted) {
      add([...path, 'action'], `unsupported action ${action}; supported: ${Object.keys(SUPPORTED_ACTIONS).join(', ')}`)
      continue
    }

    const input = (step.input ?? {}) as Record<string, unknown>
    for (const key of Object.keys(input)) {
      if (!accepted.includes(key)) add([...path, 'input', key], `unsupported input ${key} of ${action}; supported: ${accepted.join(', ')}`)
    }

    for (const key of ['url'] as const) {
      if ((action === 'fetch:template' || action === 'fetch:plain') && (typeof input[key] !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(String(input[key])))) {
        add([...path, 'input', key], `${action} needs url: a folder beside the template, such as ./skeleton; remote addresses are not supported`)
      } else if ((action === 'fetch:template' || action === 'fetch:plain') && !String(input[key]).includes('${{') && !isDirectory(resolve(folder, String(input[key])))) {
        add([...path, 'input', key], `${action}: the folder ${String(input[key])} does not exist beside the template (${resolve(folder, String(input[key]))})`)
      }
    }

    if (action === PUBLISH_ACTION && (typeof input.repoUrl !== 'string' || typeof input.branchName !== 'string' || typeof input.title !== 'string')) {
      add([...path, 'input'], `${PUBLISH_ACTION} needs repoUrl, branchName and title`)
    }

    result.push({id, name: typeof step.name === 'string' ? step.name : undefined, action, input, if: step.if, index})
  }

  const publishing = result.filter((step) => step.action === PUBLISH_ACTION)
  if (publishing.length !== 1 || result.at(-1)?.action !== PUBLISH_ACTION) {
    add(['spec', 'steps'], `the last step, and only the last, must be ${PUBLISH_ACTION}: idp delivers each request as one pull request`)
  }

  return result
}

function checkOutput(output: unknown, add: Add): BackstageTemplate['output'] {
  if (output === undefined) return {}
  if (!output || typeof output !== 'object') {
    add(['spec', 'output'], 'spec.output must be an object with links and text')
    return {}
  }

  for (const key of Object.keys(output)) {
    if (!OUTPUT_FIELDS.includes(key)) add(['spec', 'output', key], `unsupported field output.${key}; supported: ${OUTPUT_FIELDS.join(', ')}`)
  }

  const {links, text} = output as {links?: unknown; text?: unknown}
  return {links: Array.isArray(links) ? links : undefined, text: Array.isArray(text) ? text : undefined}
}


