import {readFile} from 'node:fs/promises'
import {parse as parseYaml} from 'yaml'

import type {ValuesSource} from '../actions/inputs.js'
import {ExitCode, IdpError} from '../errors.js'

/** Reads `--values`: a YAML or JSON file, or `-` for standard input. */
export async function readValues(source: string): Promise<ValuesSource> {
  const origin = source === '-' ? 'standard input' : source
  let text: string
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new IdpError(missing ? `Values file not found: ${origin}` : `Cannot read the values file ${origin}: ${(error as Error).message}`, {
      code: 'VALUES_INVALID',
      exitCode: ExitCode.usage,
      cause: error,
      hint: 'Pass the path of a YAML or JSON file of input values, or - to read them from standard input.',
    })
  }

  let data: unknown
  try {
    // The failsafe schema keeps every scalar as written, so `007` stays "007" for a string
    // input and the input's type decides how text becomes a number or a boolean.
    data = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, {schema: 'failsafe'})
  } catch (error) {
    // The yaml package ends its first line with a colon before a code excerpt.
    const reason = (error as Error).message.split('\n')[0].replace(/:$/, '')
    throw new IdpError(`The values file ${origin} is not valid YAML or JSON: ${reason}`, {
      code: 'VALUES_INVALID',
      exitCode: ExitCode.usage,
      cause: error,
      hint: 'Fix the file: a mapping of input names to values, such as `name: orders-db` on one line and `size: small` on the next.',
    })
  }

  if (data === null || data === undefined || data === '') data = {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new IdpError(`The values file ${origin} must contain a mapping of input names to values`, {
      code: 'VALUES_INVALID',
      exitCode: ExitCode.usage,
      hint: 'Write one input per line, such as `name: orders-db` on one line and `size: small` on the next.',
    })
  }

  return {origin, data: data as Record<string, unknown>}
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
