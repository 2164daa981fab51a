import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {parse} from 'yaml'

import {parseYamlText, quickParse} from '../src/yaml-source.js'

// idp parses YAML with js-yaml for speed and falls back to the yaml package, which reports
// positions. Both must read every file to the same values.
describe('quick YAML parsing', () => {
  const scalars = [
    '12', '+12', '-0', '017', '08', '1_000', '0o17', '0o8', '0o', '0x1F', '0X1f', '0x', '-0x1', '+0o7', '0b101',
    '1.0', '1.', '.5', '+.5', '-.5e2', '1e3', '1E3', '12e03', '0.1e-3', '-1.5e+3', '1e', '1_0.5', '9007199254740993',
    '.inf', '-.Inf', '+.INF', 'inf', '.NaN', '.nan', 'nan',
    '~', 'null', 'Null', 'NULL', '', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n',
    '2024-01-01', '2024-01-01T10:00:00Z', '12:30', '1,000', '=', '<<', '--', '""', "''", '!!str 12', '!!int "12"',
  ]
  for (const scalar of scalars) {
    it(`reads \`k: ${scalar}\` as the yaml package does`, () => {
      const text = `k: ${scalar}\n`
      const quick = quickParse(text)
      assert.ok(quick, 'the quick parser took the text')
      assert.deepEqual((quick.value as {k: unknown}).k, parse(text).k)
    })
  }

  for (const file of ['action-manifests/db-create.yaml', 'policies/approval-policy.yaml', 'policies/approval-policy.tests.yaml']) {
    it(`reads ${file} as the yaml package does`, () => {
      const text = readFileSync(file, 'utf8')
      assert.deepEqual(quickParse(text)?.value, parse(text))
    })
  }

  it('reads an empty document as null', () => {
    assert.deepEqual(quickParse(''), {value: null})
    assert.deepEqual(quickParse('# only a comment\n'), {value: null})
  })

  it('leaves aliases to the yaml package, which limits their expansion', () => {
    assert.equal(quickParse('a: &x [1, 2]\nb: *x\n'), undefined)
    assert.equal(quickParse('list:\n  - *x\n'), undefined)
    assert.deepEqual(quickParse('note: 2 * 3 is six\n'), {value: {note: '2 * 3 is six'}})
  })

  it('leaves syntax errors and duplicate keys to the yaml package', () => {
    assert.equal(quickParse('a: [1, 2\n'), undefined)
    assert.equal(quickParse('a: 1\na: 2\n'), undefined)
    assert.equal(quickParse('a: 1\n---\nb: 2\n'), undefined)
    assert.equal(quickParse('when: !Ref x\n'), undefined)
  })

  it('locates a field in a quickly parsed file', () => {
    const source = parseYamlText('spec:\n  inputs:\n    size: large\n', 'x.yaml', {kind: 'File', notFoundCode: 'X', invalidCode: 'Y'})
    assert.deepEqual(source.value, {spec: {inputs: {size: 'large'}}})
    assert.deepEqual(source.locate(['spec', 'inputs', 'size']), {line: 3, column: 11})
    assert.deepEqual(source.locate(['spec', 'inputs', 'size'], 'key'), {line: 3, column: 5})
  })

  it('reports every syntax error with its line through the yaml package', () => {
    assert.throws(() => parseYamlText('a: [1, 2\nb: {\n', 'broken.yaml', {kind: 'File', notFoundCode: 'X', invalidCode: 'BROKEN'}), {
      code: 'BROKEN',
      problems: [
        {file: 'broken.yaml', line: 2, column: 1, message: 'Flow sequence in block collection must be sufficiently indented and end with a ]'},
        {file: 'broken.yaml', line: 3, column: 1, message: 'Flow map in block collection must be sufficiently indented and end with a }'},
      ],
    })
  })
})
