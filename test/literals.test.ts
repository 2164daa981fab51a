import assert from 'node:assert/strict'

import {formatHcl, formatJson, formatterForFile, formatYaml, quoteHclString} from '../src/actions/literals.js'

describe('HCL literals', () => {
  const cases: Array<[string, string]> = [
    ['orders-db', '"orders-db"'],
    ['$2y$10$abc', '"$2y$10$abc"'],
    ['say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'],
    ['C:\\tmp', '"C:\\\\tmp"'],
    ['${var.secret}', '"$${var.secret}"'],
    ['%{ if true }x%{ endif }', '"%%{ if true }x%%{ endif }"'],
    ['100%', '"100%"'],
    ["Bob's orders DB & cache <beta>", '"Bob\'s orders DB & cache <beta>"'],
    ['line one\nline two', '"line one\\nline two"'],
    ['tab\there', '"tab\\there"'],
    ['bell\u0007', '"bell\\u0007"'],
    // HCL reads strings in Unicode normalization form C; the file shows the value it reads.
    ['cafe\u0301', '"caf\u00e9"'],
  ]

  for (const [input, expected] of cases) {
    it(`quotes ${JSON.stringify(input)}`, () => {
      assert.equal(quoteHclString(input), expected)
    })
  }

  it('writes numbers, booleans and null as bare literals', () => {
    assert.equal(formatHcl(42), '42')
    assert.equal(formatHcl(2.5), '2.5')
    assert.equal(formatHcl(true), 'true')
    assert.equal(formatHcl(null), 'null')
  })

  it('writes lists and objects with quoted keys', () => {
    assert.equal(formatHcl(['a', 1]), '["a", 1]')
    assert.equal(formatHcl({team: 'payments', 'managed-by': 'idp'}), '{ "team" = "payments", "managed-by" = "idp" }')
    assert.equal(formatHcl({}), '{}')
  })

  it('escapes object keys like values', () => {
    assert.equal(formatHcl({'${x}': 'y'}), '{ "$${x}" = "y" }')
  })

  it('rejects numbers Terraform cannot read', () => {
    assert.throws(() => formatHcl(Number.NaN), /cannot write NaN as a Terraform number/)
  })
})

describe('literal formatter per file', () => {
  it('uses HCL for Terraform files', () => {
    assert.equal(formatterForFile('databases/dev/x/main.tf'), formatHcl)
    assert.equal(formatterForFile('env/prod.tfvars'), formatHcl)
    assert.equal(formatterForFile('a.hcl'), formatHcl)
  })

  it('uses JSON for JSON files and YAML for YAML files', () => {
    assert.equal(formatterForFile('values.yaml'), formatYaml)
    assert.equal(formatterForFile('values.yml'), formatYaml)
    assert.equal(formatterForFile('data.json'), formatJson)
    assert.equal(formatJson("Bob's <beta> & co"), '"Bob\'s <beta> & co"')
  })

  it('escapes in YAML the characters a YAML document cannot hold', () => {
    assert.equal(formatYaml('a\u007fb\u0085c\ufeffd'), '"a\\u007fb\\u0085c\\ufeffd"')
    assert.equal(formatYaml('key: value # not a comment'), '"key: value # not a comment"')
    assert.equal(formatYaml(['a', 1]), '["a",1]')
  })

  it('inserts plain text elsewhere', () => {
    assert.equal(formatterForFile('README.md'), undefined)
    assert.equal(formatterForFile('scripts/run.sh'), undefined)
  })
})
