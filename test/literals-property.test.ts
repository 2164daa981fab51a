import {deepEqual as looseDeepEqual} from 'node:assert'
import assert from 'node:assert/strict'

import {parse as parseHcl} from '@cdktn/hcl2json'
import fc from 'fast-check'
import {load as loadJsYaml} from 'js-yaml'
import {parse as parseYaml} from 'yaml'

import {formatJson, formatYaml, quoteHclString} from '../src/actions/literals.js'

// Strings biased towards the characters each escaping rule is about, mixed with any Unicode.
const tricky = fc.constantFrom('$', '%', '{', '}', '${', '%{', '$${', '%%{', '"', "'", '\\', '\n', '\r', '\t', '\u0000', '\u0007', '\u007f', '\u0085', '\u2028', '\ufeff', '#', ':', '- ', '&', '<', '*', '!', 'é', 'e\u0301', '😀')
const anyString = fc.oneof(fc.string({unit: 'binary'}), fc.string({unit: fc.oneof(tricky, fc.string({unit: 'binary', maxLength: 1}))}))

/**
 * hcl2json prints a parsed string in HCL's JSON syntax, where a string is a template again:
 * a literal `${` or `%{` is printed as `$${` or `%%{`. This reads such a string back.
 */
function fromHclJson(text: string): string {
  let value = ''
  for (let index = 0; index < text.length; index++) {
    const sequence = text.slice(index, index + 3)
    if (sequence === '$${' || sequence === '%%{') {
      value += sequence.slice(1)
      index += 2
    } else value += text[index]
  }

  return value
}

describe('escaping filters round trip (property tests)', () => {
  it('hcl round trip through an HCL parser (FC12)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyString, {minLength: 1, maxLength: 20}), async (values) => {
        const file = values.map((value, index) => `v${index} = ${quoteHclString(value)}\n`).join('')
        const parsed = (await parseHcl('values.tf', file)) as Record<string, string>
        for (const [index, value] of values.entries()) assert.equal(fromHclJson(parsed[`v${index}`]), value.normalize('NFC'))
      }),
      {numRuns: 200},
    )
  })

  it('yaml round trip through two YAML parsers', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const document = `key: ${formatYaml(value)}\n`
        assert.deepEqual(parseYaml(document), {key: value})
        assert.deepEqual(loadJsYaml(document), {key: value})
      }),
      {numRuns: 1000},
    )
  })

  it('json round trip through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON has no negative zero: -0 reads back as 0, which the loose comparison accepts.
        looseDeepEqual(JSON.parse(formatJson(value)), value)
      }),
      {numRuns: 500},
    )
  })
})
