/**
 * Page-level conditionals of a Backstage parameters page, applied the way the Backstage form
 * (react-jsonschema-form) applies them: `dependencies` with or without `oneOf`, and
 * `if`/`then`/`else`, also inside `allOf`. Each gives inputs that exist only when another
 * input has one of some values (or any value).
 */

/** When a conditional input is asked: another input's value is, or is not, one of `values`. */
export interface PageCondition {
  input: string
  /** The values that show the input; undefined: any value. */
  values?: unknown[]
  /** True for an `else` branch: the input shows when the value is not one of `values`. */
  negate?: boolean
  /** The branch requires the input. */
  required?: boolean
}

/** Inputs added by one branch of a conditional. */
export interface ConditionalBranch {
  properties: Record<string, Record<string, unknown>>
  required: string[]
  condition: PageCondition
  /** Field path of a property of the branch in the file. */
  path(name: string): Array<string | number>
}

type Add = (path: Array<string | number>, message: string) => void
type Schema = Record<string, any>

/** Checks whether a conditional input applies, given the values resolved so far. */
export function conditionHolds(condition: PageCondition, answers: Record<string, unknown>): boolean {
  const value = answers[condition.input]
  const matches = condition.values === undefined ? value !== undefined && value !== '' && value !== false : condition.values.some((candidate) => candidate === value)
  return condition.negate ? !matches : matches
}

/** Lists the conditional branches of a page. */
export function conditionsOf(page: Schema, pagePath: Array<string | number>, add: Add): ConditionalBranch[] {
  const branches: ConditionalBranch[] = []
  for (const [input, dependency] of Object.entries((page.dependencies ?? {}) as Record<string, Schema>)) {
    const path = [...pagePath, 'dependencies', input]
    if (Array.isArray(dependency)) {
      // The array form only makes the listed inputs required when `input` has a value.
      branches.push({properties: {}, required: dependency.map(String), condition: {input}, path: () => path})
    } else if (Array.isArray(dependency?.oneOf)) {
      for (const [index, option] of (dependency.oneOf as Schema[]).entries()) {
        const optionPath = [...path, 'oneOf', index]
        const selector = option?.properties?.[input]
        const values = selector?.enum ?? (selector?.const === undefined ? undefined : [selector.const])
        if (!Array.isArray(values)) {
          add([...optionPath, 'properties'], `each oneOf option of dependencies.${input} must give ${input} an enum or const`)
          continue
        }

        const properties = {...option.properties}
        delete properties[input]
        branches.push({properties, required: stringList(option.required), condition: {input, values}, path: (name) => [...optionPath, 'properties', name]})
      }
    } else if (dependency && typeof dependency === 'object') {
      branches.push({properties: dependency.properties ?? {}, required: stringList(dependency.required), condition: {input}, path: (name) => [...path, 'properties', name]})
    }
  }

  const ifThens: Array<{schema: Schema; path: Array<string | number>}> = []
  if (page.if) ifThens.push({schema: page, path: pagePath})
  for (const [index, item] of ((page.allOf ?? []) as Schema[]).entries()) {
    if (item?.if) ifThens.push({schema: item, path: [...pagePath, 'allOf', index]})
    else add([...pagePath, 'allOf', index], 'allOf entries must be if/then/else conditionals')
  }

  for (const {schema, path} of ifThens) {
    const tested = Object.entries((schema.if?.properties ?? {}) as Record<string, Schema>)
    const [input, selector] = tested[0] ?? []
    const values = selector?.enum ?? (selector?.const === undefined ? undefined : [selector.const])
    if (tested.length !== 1 || !Array.isArray(values)) {
      add([...path, 'if'], 'an if condition must test one input with const or enum, such as if: {properties: {environment: {const: production}}}')
      continue
    }

    for (const [key, negate] of [['then', false], ['else', true]] as const) {
      const branch = schema[key] as Schema | undefined
      if (!branch) continue
      branches.push({properties: branch.properties ?? {}, required: stringList(branch.required), condition: {input, values, negate}, path: (name) => [...path, key, 'properties', name]})
    }
  }

  return branches
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : []
}
