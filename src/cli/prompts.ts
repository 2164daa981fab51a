import {confirm, input, password, select} from '@inquirer/prompts'

import type {InputPrompter, PromptRequest} from '../actions/inputs.js'
import {ExitCode, IdpError} from '../errors.js'

let lastPage: string | undefined

/**
 * Asks for inputs with inquirer: a list for enum inputs, a text field for the rest, and a
 * field that does not echo for secrets. A Backstage page title is shown before its first input.
 */
export const inquirerPrompter: InputPrompter = {
  async ask(request: PromptRequest): Promise<unknown> {
    const {input: definition} = request
    const message = definition.schema.title ?? definition.name
    const {form} = definition.schema
    if (form?.page && form.page !== lastPage) process.stderr.write(`\n${form.page}\n`)
    lastPage = form?.page
    return cancellable(async () => {
      if (form?.secret) {
        return password({message, mask: true, validate: (value) => request.validate(value) ?? true})
      }

      if (request.choices) {
        return select({
          message,
          choices: request.choices.map((choice) => ({
            value: choice.value,
            name: choice.description ? `${choice.label}, ${choice.description}` : choice.label,
            short: choice.label,
          })),
          default: request.default,
        })
      }

      if (definition.schema.type === 'boolean') {
        return confirm({message, default: request.default === undefined ? undefined : Boolean(request.default)})
      }

      const text = await input({
        message,
        default: request.default === undefined ? undefined : String(request.default),
        required: definition.required,
        validate(value) {
          if (value === '' && !definition.required) return true
          const parsed = request.parse(value)
          if ('error' in parsed) return parsed.error
          return request.validate(parsed.value) ?? true
        },
      })
      if (text === '' && !definition.required) return undefined
      const parsed = request.parse(text)
      return 'value' in parsed ? parsed.value : text
    })
  },
}

/** Prompts for a yes or no answer, with yes as the default unless `byDefault` is false. */
export async function confirmSubmission(message: string, byDefault = true): Promise<boolean> {
  return cancellable(() => confirm({message, default: byDefault}))
}

/**
 * Asks the user to type `expected` exactly, as GitHub does before it deletes a repository. Any
 * other text is rejected with a hint, and Ctrl-C cancels.
 */
export async function typedConfirmation(message: string, expected: string): Promise<void> {
  await cancellable(() => input({message, validate: (value) => value === expected || `Type ${expected} exactly to confirm, or press Ctrl-C to cancel.`}))
}

/** Runs a prompt and turns Ctrl-C (inquirer's ExitPromptError) into a cancellation error. */
async function cancellable<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt()
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new IdpError('Cancelled; nothing was written.', {code: 'CANCELLED', exitCode: ExitCode.cancelled})
    }

    throw error
  }
}
