import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {bundledCatalogDir, listManifestFiles} from '../src/actions/catalog.js'
import {isAnchored, type LintFinding, lintManifests} from '../src/actions/lint.js'
import {binPath, runCli, sandboxEnv} from './support/cli.js'
import {tempDir, type TempDir} from './support/temp.js'

/**
 * A valid manifest as YAML text, one field a line, so that tests can name the line of a
 * finding. `replace` swaps one line's text for another.
 */
const MANIFEST = `apiVersion: idp.dev/v1
kind: Action
metadata:
  name: cache-create
  title: Cache
spec:
  command: cache create
  inputs:
    type: object
    required: [name]
    properties:
      name:
        type: string
        pattern: "^[a-z]+$"
      tier:
        type: string
        enum: [small, large]
        default: small
  cost:
    currency: USD
    prices:
      tier: {small: 10, large: 40}
    monthly: "\${{ prices.tier }}"
  preview:
    resources:
      - type: cache
        name: "\${{ inputs.name }}"
  steps:
    - id: render
      action: template:render
      with:
        source: templates
        target: "caches/\${{ inputs.name }}"
    - id: publish
      action: publish:pull-request
      with:
        branch: "idp/cache/\${{ inputs.name }}"
        title: "Cache \${{ inputs.name }} (\${{ inputs.tier }})"
  outputs:
    - name: pullRequest
      title: Pull request
      value: "\${{ steps.publish.branch }}"
`

const TEMPLATE = 'name = ${{ inputs.name }}\ntier = ${{ inputs.tier }}\n'

let dir: TempDir

function writeManifest(replacements: Array<[string, string]> = [], template = TEMPLATE): string {
  let text = MANIFEST
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `the fixture has no ${JSON.stringify(from)}`)
    text = text.replace(from, to)
  }

  dir.write('templates/main.tf', template)
  return dir.write('cache-create.yaml', text)
}

async function findingsOf(file: string): Promise<LintFinding[]> {
  return (await lintManifests([file])).findings
}

/** Formats a finding as `line:column rule severity`, the parts every test checks together. */
function summary(finding: LintFinding): string {
  return `${finding.line}:${finding.column} ${finding.rule} ${finding.severity}`
}

describe('actions validate', () => {
  beforeEach(() => {
    dir = tempDir('lint')
  })

  afterEach(() => {
    dir.cleanup()
  })

  it('finds nothing in a valid manifest', async () => {
    const result = await lintManifests([writeManifest()])
    assert.deepEqual(result.findings, [])
    assert.equal(result.errors, 0)
  })

  it('finds nothing in the bundled catalog', async () => {
    const result = await lintManifests(listManifestFiles([bundledCatalogDir]))
    assert.deepEqual(result.findings, [])
  })

  it('reports a missing file', async () => {
    const findings = await findingsOf(join(dir.path, 'missing.yaml'))
    assert.equal(findings.length, 1)
    assert.equal(findings[0].rule, 'not-found')
    assert.equal(findings[0].severity, 'error')
  })

  it('reports a YAML syntax error with its line', async () => {
    const findings = await findingsOf(writeManifest([['  title: Cache\n', '  title: [Cache\n']]))
    assert.ok(findings.length > 0)
    assert.ok(findings.every((finding) => finding.rule === 'yaml'))
    assert.ok(findings[0].line! >= 5, `line ${findings[0].line}`)
  })

  it('reports schema errors at their fields', async () => {
    const findings = await findingsOf(writeManifest([['  title: Cache\n', '  title: Cache\n  titel: typo\n']]))
    assert.deepEqual(findings.map(summary), ['6:3 schema error'])
    assert.match(findings[0].message, /unknown field "titel"/)
  })

  it('reports an unknown step action', async () => {
    const findings = await findingsOf(writeManifest([['      action: template:render\n', '      action: template:copy\n']]))
    assert.deepEqual(findings.map(summary), ['30:15 schema error'])
    assert.equal(findings[0].path, 'spec.steps[0].action')
  })

  it('reports a duplicate step id', async () => {
    const findings = await findingsOf(writeManifest([['    - id: publish\n', '    - id: render\n']]))
    assert.ok(findings.some((finding) => summary(finding) === '34:11 manifest error' && finding.message === 'duplicate step id "render"'), JSON.stringify(findings))
  })

  it('reports an undefined input in the manifest', async () => {
    const findings = await findingsOf(writeManifest([['        name: "${{ inputs.name }}"\n', '        name: "${{ inputs.nmae }}"\n']]))
    assert.deepEqual(findings.map(summary), ['27:20 undefined-input error'])
    assert.equal(findings[0].message, 'inputs.nmae refers to an input that is not defined. The inputs are: name, tier')
  })

  it('reports an undefined input in a template file', async () => {
    const file = writeManifest([], 'name = ${{ inputs.name }}\nsize = ${{ labels.size }}\n')
    const findings = await findingsOf(file)
    assert.deepEqual(findings.map(summary), ['2:12 undefined-input error'])
    assert.equal(findings[0].file, join(dir.path, 'templates', 'main.tf'))
  })

  it('reports an undefined step in outputs', async () => {
    const findings = await findingsOf(writeManifest([['      value: "${{ steps.publish.branch }}"\n', '      value: "${{ steps.render.files }}"\n']]))
    assert.deepEqual(findings.map(summary), ['42:19 undefined-step error'])
    assert.equal(findings[0].message, 'steps.render refers to a step result that does not exist, because only steps.publish exists here')
  })

  it('reports a step result read before it exists', async () => {
    const findings = await findingsOf(writeManifest([['        title: "Cache ${{ inputs.name }} (${{ inputs.tier }})"\n', '        title: "Cache ${{ steps.publish.url }}"\n']]))
    assert.deepEqual(findings.map(summary), ['38:27 undefined-step error'])
    assert.match(findings[0].message, /no step results exist here. Only outputs can read steps/)
  })

  it('reports a hyphenated name once', async () => {
    const findings = await findingsOf(writeManifest([['        target: "caches/${{ inputs.name }}"\n', '        target: "caches/${{ inputs.cache-name }}"\n']]))
    assert.deepEqual(findings.map(summary), ['33:29 hyphenated-name error'])
    assert.match(findings[0].message, /^"inputs\.cache-name" reads as inputs\.cache minus name: .* Use cacheName$/)
  })

  it('reports a hyphenated step id in a template file', async () => {
    const findings = await findingsOf(writeManifest([], 'name = ${{ inputs.name }}\nurl = ${{ steps.open-pr.url }}\n'))
    assert.deepEqual(findings.map(summary), ['2:11 hyphenated-name error'])
  })

  it('reports an expression that fails to render with the defaults', async () => {
    const findings = await findingsOf(writeManifest([], 'name = ${{ inputs.name }}\nport = ${{ {"small": 6379}[inputs.tier] + 1 }}\n'))
    assert.deepEqual(findings.map(summary), [])
    const failing = await findingsOf(writeManifest([['        default: small\n', '        default: large\n']], 'name = ${{ inputs.name }}\nport = ${{ {"small": 6379}[inputs.tier] + 1 }}\n'))
    assert.deepEqual(failing.map(summary), ['2:12 render-failed error'])
    assert.match(failing[0].message, /^does not render with the sample inputs: /)
  })

  it('reports a manifest string that fails to render', async () => {
    const findings = await findingsOf(writeManifest([['        name: "${{ inputs.name }}"\n', '        name: "${{ inputs.name.substring(20) }}"\n']]))
    assert.equal(findings.length, 1, JSON.stringify(findings))
    assert.equal(summary(findings[0]), '27:20 render-failed error')
  })

  it('reports a template expression that does not type-check', async () => {
    const findings = await findingsOf(writeManifest([], 'name = ${{ inputs.name }}\nsize = ${{ inputs.name + size }}\n'))
    assert.deepEqual(findings.map(summary), ['2:26 expression error'])
  })

  it('reports an unclosed expression in a template file', async () => {
    const findings = await findingsOf(writeManifest([], 'name = ${{ inputs.name }}\nsize = ${{ inputs.tier\n'))
    assert.deepEqual(findings.map(summary), ['2:8 expression error'])
  })

  it('FC14 warns about an unanchored name pattern', async () => {
    const result = await lintManifests([writeManifest([['        pattern: "^[a-z]+$"\n', '        pattern: "[a-z][a-z0-9-]*"\n']])])
    assert.deepEqual(result.findings.map(summary), ['14:18 unanchored-pattern warning'])
    assert.match(result.findings[0].message, /write it as "\^\[a-z\]\[a-z0-9-\]\*\$"$/)
    assert.equal(result.errors, 0)
    assert.equal(result.warnings, 1)
  })

  it('reports an unusable Backstage template', async () => {
    const template = (apiVersion: string, action: string) => `apiVersion: ${apiVersion}
kind: Template
metadata:
  name: service
spec:
  steps:
    - id: fetch
      action: ${action}
      input: {url: ./skeleton}
    - id: publish
      action: publish:github:pull-request
      input: {repoUrl: 'github.com?owner=acme&repo=infrastructure', branchName: service, title: Service}
`
    const unsupported = await findingsOf(dir.write('service.yaml', template('scaffolder.backstage.io/v1beta3', 'fetch:cookiecutter')))
    assert.deepEqual(unsupported.map(summary), ['8:7 template error'])
    assert.match(unsupported[0].message, /^unsupported action fetch:cookiecutter; supported: fetch:template, /)

    const old = await findingsOf(dir.write('old.yaml', template('scaffolder.backstage.io/v1beta2', 'fetch:template')))
    assert.deepEqual(old.map(summary), ['1:1 template error'])
    assert.match(old[0].message, /^scaffolder\.backstage\.io\/v1beta2 is not supported: idp runs scaffolder\.backstage\.io\/v1beta3 templates/)
  })

  it('reports duplicate names and commands', async () => {
    const first = writeManifest()
    const second = dir.write('copy.yaml', readFileSync(first, 'utf8').replace('command: cache create', 'command: db create'))
    const findings = (await lintManifests([first, second])).findings
    assert.deepEqual(
      findings.map((finding) => [finding.file, finding.path, finding.rule, finding.message]),
      [
        [first, 'metadata.name', 'duplicate', `action name cache-create is also declared by ${second}`],
        [second, 'metadata.name', 'duplicate', `action name cache-create is also declared by ${first}`],
        [second, 'spec.command', 'duplicate', `command \`idp db create\` is also declared by ${join(bundledCatalogDir, 'db-create.yaml')}`],
      ],
    )
  })

  it('reports every finding of a file at once', async () => {
    const findings = await findingsOf(
      writeManifest(
        [
          ['        pattern: "^[a-z]+$"\n', '        pattern: "^[a-z]+"\n'],
          ['        name: "${{ inputs.name }}"\n', '        name: "${{ inputs.nmae }}"\n'],
        ],
        'name = ${{ inputs.name-x }}\n',
      ),
    )
    assert.deepEqual(findings.map((finding) => finding.rule).sort(), ['hyphenated-name', 'unanchored-pattern', 'undefined-input'])
  })
})

describe('unanchored patterns', () => {
  const cases: Array<[string, boolean]> = [
    ['^[a-z]+$', true],
    ['[a-z]+', false],
    ['^[a-z]+', false],
    ['[a-z]+$', false],
    ['^a$|^b$', true],
    ['^a|b$', false],
    ['^(a|b)$', true],
    ['^[|]$', true],
    ['^a\\$', false],
    ['^a\\\\$', true],
  ]
  for (const [pattern, anchored] of cases) {
    it(`${pattern} is ${anchored ? 'anchored' : 'unanchored'}`, () => {
      assert.equal(isAnchored(pattern), anchored)
    })
  }
})

describe('idp actions validate', () => {
  beforeEach(() => {
    dir = tempDir('lint-cli')
  })

  afterEach(() => {
    dir.cleanup()
  })

  it('exits 1 on an error and prints file:line:column', () => {
    const file = writeManifest([['        name: "${{ inputs.name }}"\n', '        name: "${{ inputs.nmae }}"\n']])
    const result = runCli(['actions', 'validate', dir.path], {cwd: dir.path, env: sandboxEnv(dir.path)})
    assert.equal(result.status, 1, result.stderr)
    assert.equal(
      result.stdout,
      `${file}:27:20: error: spec.preview.resources[0].name: inputs.nmae refers to an input that is not defined. The inputs are: name, tier [undefined-input]\n1 manifest checked: 1 error, 0 warnings\n`,
    )
  })

  it('exits 0 on warnings alone, with JSON', () => {
    const file = writeManifest([['        pattern: "^[a-z]+$"\n', '        pattern: "[a-z]+"\n']])
    const result = runCli(['actions', 'validate', file, '--json'], {cwd: dir.path, env: sandboxEnv(dir.path)})
    assert.equal(result.status, 0, result.stderr)
    const output = JSON.parse(result.stdout) as {ok: boolean; errors: number; warnings: number; findings: LintFinding[]}
    assert.equal(output.ok, true)
    assert.equal(output.warnings, 1)
    assert.deepEqual(output.findings.map(summary), ['14:18 unanchored-pattern warning'])
  })

  it('reports skipped kinds and empty folders', () => {
    const manifest = writeManifest()
    const typo = dir.write('typo.yaml', readFileSync(manifest, 'utf8').replace('kind: Action', 'kind: Acton'))
    const component = dir.write('catalog-info.yaml', 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: orders}\n')
    dir.write('policy.yaml', 'apiVersion: idp.dev/v1\nkind: ApprovalPolicy\n')
    const result = runCli(['actions', 'validate', dir.path, join(dir.path, 'templates'), '--json'], {cwd: dir.path, env: sandboxEnv(dir.path)})
    assert.equal(result.status, 1, result.stderr)
    const output = JSON.parse(result.stdout) as {files: string[]; findings: LintFinding[]}
    assert.deepEqual(output.files, [manifest])
    assert.deepEqual(
      output.findings.map((finding) => [finding.file, finding.severity, finding.rule, finding.message]),
      [
        [component, 'warning', 'skipped', 'not checked: kind "Component" is neither an action manifest (Action) nor a Backstage template (Template)'],
        [typo, 'error', 'schema', 'kind "Acton" is not a kind idp reads; did you mean Action? The file is left out of the catalog'],
        [join(dir.path, 'templates'), 'error', 'not-found', 'no action manifest or Backstage template in this folder (YAML files with kind Action or Template)'],
      ],
    )
  })

  it('checks the bundled catalog without paths', () => {
    const result = runCli(['actions', 'validate'], {cwd: dir.path, env: sandboxEnv(dir.path)})
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^\d+ manifests? checked: 0 errors, 0 warnings\n$/)
    assert.ok(binPath)
  })
})
