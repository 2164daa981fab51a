import type {ActionManifest} from './manifest.js'

/** A problem in one expression, with its offset from the start of the expression. */
export interface ReferenceProblem {
  rule: 'undefined-input' | 'undefined-step' | 'hyphenated-name'
  message: string
  offset: number
}

/**
 * Names an expression at one place of a manifest may read: the inputs, and the id of the step
 * whose results exist there. Only outputs, rendered after the pull request step, have one.
 */
export interface ReferenceScope {
  inputs: ReadonlySet<string>
  step?: string
}

const CONTEXT_VARIABLES = ['inputs', 'labels', 'prices', 'user', 'cost', 'run', 'steps']

// `inputs.name`, `steps.publish` or `inputs['name']`, with an optional hyphenated tail such as
// `-name` that CEL reads as a subtraction. The tail must start with a letter, so `inputs.count-1`
// stays arithmetic.
const MEMBER = /\b(inputs|labels|steps)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)((?:-[A-Za-z_][A-Za-z0-9_]*)+)?|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/g

/** Finds references to undefined inputs and steps, and names with hyphens, in one CEL expression. */
export function checkReferences(expression: string, scope: ReferenceScope): ReferenceProblem[] {
  const problems: ReferenceProblem[] = []
  for (const match of expression.matchAll(MEMBER)) {
    const [, variable, dotted, tail, singleQuoted, doubleQuoted] = match
    const name = dotted ?? singleQuoted ?? doubleQuoted
    const offset = match.index

    if (tail && !CONTEXT_VARIABLES.includes(tail.slice(1).split('-')[0])) {
      const hyphenated = `${dotted}${tail}`
      problems.push({
        rule: 'hyphenated-name',
        message: `"${variable}.${hyphenated}" reads as ${variable}.${dotted} minus ${tail.slice(1).split('-').join(' minus ')}: names in expressions cannot contain hyphens. Use ${camelCase(hyphenated)}`,
        offset,
      })
      continue
    }

    const problem = variable === 'steps' ? checkStep(name, scope) : checkInput(variable, name, scope)
    if (problem) problems.push({...problem, offset})
  }

  return problems
}

function checkInput(variable: string, name: string, scope: ReferenceScope): Omit<ReferenceProblem, 'offset'> | undefined {
  if (scope.inputs.has(name)) return undefined
  const known = [...scope.inputs].join(', ') || 'none'
  return {rule: 'undefined-input', message: `${variable}.${name} refers to an input that is not defined. The inputs are: ${known}`}
}

function checkStep(name: string, scope: ReferenceScope): Omit<ReferenceProblem, 'offset'> | undefined {
  if (scope.step !== undefined && name === scope.step) return undefined
  const available = scope.step === undefined ? 'no step results exist here. Only outputs can read steps' : `only steps.${scope.step} exists here`
  return {rule: 'undefined-step', message: `steps.${name} refers to a step result that does not exist, because ${available}`}
}

function camelCase(name: string): string {
  return name.replace(/-([A-Za-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/** Returns the scope of expressions in outputs, where the pull request step's results exist. */
export function outputScope(manifest: ActionManifest): ReferenceScope {
  const publish = manifest.spec.steps.find((step) => step.action === 'publish:pull-request')
  return {inputs: new Set(Object.keys(manifest.spec.inputs.properties)), step: publish?.id}
}

/** Returns the scope of every other expression: inputs only. */
export function inputScope(manifest: ActionManifest): ReferenceScope {
  return {inputs: new Set(Object.keys(manifest.spec.inputs.properties))}
}
