import assert from 'node:assert/strict'
import {join} from 'node:path'

import type {ExpressionContext} from '../src/actions/expressions.js'
import {parse as parseYaml} from 'yaml'

import {renderTemplate} from '../src/actions/expressions.js'
import {renderTemplateFolder} from '../src/actions/render.js'
import {IdpError} from '../src/errors.js'
import {tempDir, type TempDir} from './support/temp.js'

function context(inputs: Record<string, unknown>): ExpressionContext {
  return {inputs, labels: {}, prices: {}, user: {}, cost: {}, run: {id: 'run-1'}, steps: {}}
}

describe('template folder rendering', () => {
  let dir: TempDir
  beforeEach(() => (dir = tempDir('render')))
  afterEach(() => dir.cleanup())

  const source = () => join(dir.path, 'templates')

  it('quotes HCL values so input cannot inject Terraform (FC12)', async () => {
    dir.write('templates/main.tf', 'name = ${{ inputs.name }}\ndescription = ${{ inputs.description }}\n')
    const [file] = await renderTemplateFolder(source(), 'out', context({name: 'orders-db', description: 'x" }\nresource "evil" "y" { z = "${file("/etc/passwd")}'}))
    assert.equal(file.content.toString(), 'name = "orders-db"\ndescription = "x\\" }\\nresource \\"evil\\" \\"y\\" { z = \\"$${file(\\"/etc/passwd\\")}"\n')
  })

  it('writes descriptions literally, without HTML escaping (FC11)', async () => {
    dir.write('templates/main.tf', 'description = ${{ inputs.text }}\n')
    dir.write('templates/values.yaml', 'description: ${{ inputs.text }}\n')
    dir.write('templates/README.md', 'About: ${{ inputs.text }}\n')
    const files = await renderTemplateFolder(source(), 'out', context({text: "Bob's orders DB & cache <beta>"}))
    assert.deepEqual(
      files.map((file) => [file.path, file.content.toString()]),
      [
        ['out/README.md', "About: Bob's orders DB & cache <beta>\n"],
        ['out/main.tf', 'description = "Bob\'s orders DB & cache <beta>"\n'],
        ['out/values.yaml', 'description: "Bob\'s orders DB & cache <beta>"\n'],
      ],
    )
  })

  it('keeps a shell script without placeholders byte for byte, and executable (FC10)', async () => {
    const script = '#!/usr/bin/env bash\nHOSTS=(a b)\necho "${#HOSTS[@]} hosts" {# not a comment #}\n'
    dir.write('templates/bin/check.sh', script, 0o755)
    const [file] = await renderTemplateFolder(source(), 'out', context({}))
    assert.equal(file.path, 'out/bin/check.sh')
    assert.equal(file.content.toString(), script)
    assert.equal(file.mode, '100755')
  })

  it('copies binary files unchanged', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00, 0x24, 0x7b, 0x7b])
    dir.write('templates/logo.png', png)
    const [file] = await renderTemplateFolder(source(), 'out', context({}))
    assert.deepEqual(file.content, png)
    assert.equal(file.mode, '100644')
  })

  it('renders placeholders in file names', async () => {
    dir.write('templates/${{ inputs.name }}.tfvars', 'x = 1\n')
    const [file] = await renderTemplateFolder(source(), 'envs/${{ inputs.env }}', context({name: 'orders', env: 'dev'}))
    assert.equal(file.path, 'envs/dev/orders.tfvars')
  })

  for (const target of ['../outside', '/etc', 'a/../../b', '.git/hooks']) {
    it(`rejects the target ${target} outside the repository`, async () => {
      dir.write('templates/main.tf', 'x = 1\n')
      const error = await renderTemplateFolder(source(), '${{ inputs.path }}', context({path: target})).then(
        () => assert.fail('expected a rejection'),
        (failure: unknown) => failure,
      )
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'PATH_OUTSIDE_TARGET')
      assert.equal(error.exitCode, 2)
    })
  }

  // Each template syntax an input value might carry: idp's own, Backstage's, Nunjucks and
  // Jinja blocks, and Terraform or shell interpolation.
  const templateSyntaxes = ['${{ run.id }}', '{{ inputs.name }}', '{% if true %}x{% endif %}', '${var.secret}', '%{ if true }x%{ endif }', '{# note #}']

  for (const value of templateSyntaxes) {
    it(`writes the input value ${value} literally in text, HCL and YAML files`, async () => {
      dir.write('templates/README.md', 'Name: ${{ inputs.name }}\n')
      dir.write('templates/main.tf', 'name = ${{ inputs.name }}\n')
      dir.write('templates/values.yaml', 'name: ${{ inputs.name }}\n')
      const [readme, terraform, values] = await renderTemplateFolder(source(), 'out', context({name: value}))
      assert.equal(readme.content.toString(), `Name: ${value}\n`)
      assert.equal(terraform.content.toString(), `name = "${value.replaceAll(/([$%])\{/g, (sequence) => sequence[0] + sequence)}"\n`)
      assert.deepEqual(parseYaml(values.content.toString()), {name: value})
    })
  }

  it('quotes a Terraform file that is one placeholder, like any other', async () => {
    dir.write('templates/name.tfvars', '${{ inputs.name }}')
    const [file] = await renderTemplateFolder(source(), 'out', context({name: 'a" = 1'}))
    assert.equal(file.content.toString(), '"a\\" = 1"')
  })

  it('copies GitHub Actions workflows without rendering them', async () => {
    const workflow = 'steps:\n  - run: echo ${{ secrets.TOKEN }} ${{ github.ref }}\n'
    dir.write('templates/.github/workflows/ci.yml', workflow)
    dir.write('templates/README.md', '${{ inputs.name }}\n')
    const files = await renderTemplateFolder(source(), 'out', context({name: 'orders'}))
    assert.deepEqual(
      files.map((file) => [file.path, file.content.toString()]),
      [
        ['out/.github/workflows/ci.yml', workflow],
        ['out/README.md', 'orders\n'],
      ],
    )
  })

  it('copies the files matching a step\'s verbatim patterns, and renders workflows when they are not listed', async () => {
    dir.write('templates/.github/workflows/ci.yml', 'name: ${{ inputs.name }}\n')
    dir.write('templates/docs/raw.md', 'Keep ${{ secrets.X }}\n')
    const files = await renderTemplateFolder(source(), 'out', context({name: 'orders'}), ['docs/**'])
    assert.deepEqual(
      files.map((file) => [file.path, file.content.toString()]),
      [
        ['out/.github/workflows/ci.yml', 'name: "orders"\n'],
        ['out/docs/raw.md', 'Keep ${{ secrets.X }}\n'],
      ],
    )
  })

  it('names the file of a workflow rendered on request', async () => {
    dir.write('templates/.github/workflows/ci.yml', 'token: ${{ secrets.TOKEN }}\n')
    const error = await renderTemplateFolder(source(), 'out', context({}), []).then(
      () => assert.fail('expected a rejection'),
      (failure: unknown) => failure,
    )
    assert.ok(error instanceof IdpError)
    assert.equal(error.code, 'TEMPLATE_FAILED')
    assert.match(error.message, /^Cannot render template .*ci\.yml: /)
  })

  it('inserts filter results unchanged in any file', async () => {
    dir.write('templates/vars.sh', 'NAME=${{ json(inputs.name) }}\nTF=${{ hcl(inputs.name) }}\nY=${{ yaml(inputs.name) }}\n')
    dir.write('templates/main.tf', 'name = ${{ hcl(inputs.name) }}\ntags = ${{ hcl({"a": inputs.name}) }}\n')
    const [terraform, script] = await renderTemplateFolder(source(), 'out', context({name: 'say "hi" ${x}'}))
    assert.equal(script.content.toString(), 'NAME="say \\"hi\\" ${x}"\nTF="say \\"hi\\" $${x}"\nY="say \\"hi\\" ${x}"\n')
    assert.equal(terraform.content.toString(), 'name = "say \\"hi\\" $${x}"\ntags = { "a" = "say \\"hi\\" $${x}" }\n')
  })

  for (const name of ['../escape', '/etc/passwd', 'a/../../b', 'a/../b', '.git/config', 'C:\\Windows\\x', '..\\up']) {
    it(`rejects the file name rendered from ${JSON.stringify(name)}: absolute, with "..", or outside the target`, async () => {
      dir.write('templates/${{ inputs.name }}.tf', 'x = 1\n')
      const error = await renderTemplateFolder(source(), 'out', context({name})).then(
        () => assert.fail('expected a rejection'),
        (failure: unknown) => failure,
      )
      assert.ok(error instanceof IdpError)
      assert.equal(error.code, 'PATH_OUTSIDE_TARGET')
      assert.equal(error.exitCode, 2)
    })
  }

  it('accepts a file name rendered into a subfolder of the target', async () => {
    dir.write('templates/${{ inputs.name }}.tf', 'x = 1\n')
    const [file] = await renderTemplateFolder(source(), 'out', context({name: 'modules/db'}))
    assert.equal(file.path, 'out/modules/db.tf')
  })

  it('does not evaluate an input value as a template', async () => {
    dir.write('templates/README.md', 'Name: ${{ inputs.name }}\n')
    const [file] = await renderTemplateFolder(source(), 'out', context({name: '${{ run.id }}'}))
    assert.equal(file.content.toString(), 'Name: ${{ run.id }}\n')
  })
})

describe('template strings', () => {
  it('keeps the type of a single placeholder', () => {
    assert.equal(renderTemplate('${{ inputs.count * 2 }}', context({count: 3})), 6)
    assert.equal(renderTemplate('${{ inputs.on }}', context({on: true})), true)
  })

  it('joins several placeholders as text', () => {
    assert.equal(renderTemplate('${{ inputs.a }}-${{ inputs.b }}', context({a: 'x', b: 2})), 'x-2')
  })

  it('replaces every occurrence with replace', () => {
    assert.equal(renderTemplate("${{ inputs.name.replace('-', '_') }}", context({name: 'a-b-c'})), 'a_b_c')
  })
})
