import assert from 'node:assert/strict'
import {join} from 'node:path'

import {startGitHubSandbox, type GitHubSandbox} from './support/github-sandbox.js'
import type {GitHubTestServer} from './support/github-server.js'
import type {TempDir} from './support/temp.js'

const REQUEST = ['db', 'create', '--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments', '--yes']
const SECONDARY_LIMIT = {message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'}

describe('GitHub faults', () => {
  let sandbox: GitHubSandbox
  let server: GitHubTestServer
  let dir: TempDir

  beforeEach(async () => {
    sandbox = await startGitHubSandbox('github-faults')
    ;({server, dir} = sandbox)
  })

  afterEach(() => sandbox.stop())

  const run = (args: string[] = REQUEST) => sandbox.run(args)
  const treeRequests = () => server.requests.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/git/trees'))
  const waitLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('waiting'))

  it('waits for retry-after on a secondary rate limit (FC32)', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 403, headers: {'retry-after': '3'}, body: SECONDARY_LIMIT})
    const result = await run()
    assert.equal(result.status, 0, result.stderr)
    assert.equal(treeRequests().length, 2)
    assert.deepEqual(waitLines(result.stderr), ['… GitHub secondary rate limit reached on POST /repos/acme/infrastructure/git/trees: waiting 3 s before retry 1 of 2'])
  })

  it('waits 60 seconds when a secondary limit has no retry-after (FC32)', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 403, body: SECONDARY_LIMIT})
    const result = await run()
    assert.equal(result.status, 0, result.stderr)
    assert.equal(treeRequests().length, 2)
    assert.match(waitLines(result.stderr)[0], /: waiting 60 s before retry 1 of 2$/)
  })

  it('waits for x-ratelimit-reset on a 429 (FC32)', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 5)
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 429, headers: {'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset}})
    const result = await run()
    assert.equal(result.status, 0, result.stderr)
    assert.equal(treeRequests().length, 2)
  })

  it('gives up after a few waits and says when to retry (FC32)', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 403, headers: {'retry-after': '3'}, body: SECONDARY_LIMIT, times: 10})
    const result = await run()
    assert.equal(result.status, 1)
    assert.equal(treeRequests().length, 3, 'one request and two retries')
    assert.match(result.stderr, /^Error: Committing 2 files on top of main failed: POST \/repos\/acme\/infrastructure\/git\/trees returned 403: GitHub's rate limit was still exceeded after retrying$/m)
    assert.match(result.stderr, /^Next: Wait 3 seconds and run the command again\.$/m)
  })

  it('does not retry a 403 for a missing permission', async () => {
    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/git/trees', status: 403, headers: {'x-oauth-scopes': 'read:org', 'x-accepted-oauth-scopes': 'repo'}, body: {message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest'}})
    const result = await run()
    assert.equal(result.status, 1)
    assert.equal(treeRequests().length, 1)
    assert.match(result.stderr, /returned 403: permission denied \(Resource not accessible by integration\)$/m)
    assert.match(result.stderr, /The token's scopes: read:org\.$/m)
  })

  it('explains a 404 with the token scopes (FC33)', async () => {
    server.addToken('ghp_sandboxtoken', {login: 'developer', scopes: ['read:org']})
    server.createRepository({owner: 'acme', name: 'private-infra', visibleTo: ['someone-else']})
    dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/private-infra\n')
    const result = await run()
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^Error: Reading the base branch failed: GET \/repos\/acme\/private-infra returned 404: acme\/private-infra was not found, or is not visible to this token$/m)
    assert.match(result.stderr, /The token's scopes: read:org\.$/m)
  })

  it('reports a validation failure with GitHub\'s reasons', async () => {
    server.inject({
      method: 'POST',
      path: '/repos/{owner}/{repo}/pulls',
      status: 422,
      body: {message: 'Validation Failed', errors: [{resource: 'PullRequest', code: 'custom', message: 'No commits between main and idp/db-create/orders-db-dev'}], documentation_url: 'https://docs.github.com/rest'},
    })
    const result = await run()
    assert.equal(result.status, 1)
    assert.match(result.stderr, /returned 422: GitHub rejected the request: Validation Failed \(No commits between main and idp\/db-create\/orders-db-dev\)$/m)
  })

  it('sends text inline, binaries as blobs, and keeps modes (FC31)', async () => {
    for (let index = 0; index < 120; index++) dir.write(`actions/bulk/files/file-${String(index).padStart(3, '0')}.txt`, `file ${index} for \${{ inputs.name }}\n`)
    dir.write('actions/bulk/files/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]))
    dir.write('actions/bulk/files/check.sh', '#!/bin/sh\necho "${#} arguments"\n', 0o755)
    dir.write(
      'actions/bulk.yaml',
      [
        'apiVersion: idp.dev/v1',
        'kind: Action',
        'metadata: {name: bulk-create, title: Bulk files}',
        'spec:',
        '  command: bulk create',
        '  inputs: {type: object, required: [name], properties: {name: {type: string, pattern: "^[a-z]+$"}}}',
        '  steps:',
        '    - {id: render, action: "template:render", with: {source: bulk/files, target: "bulk/${{ inputs.name }}"}}',
        '    - {id: publish, action: "publish:pull-request", with: {branch: "idp/bulk/${{ inputs.name }}", title: "Bulk ${{ inputs.name }}"}}',
        '',
      ].join('\n'),
    )
    dir.write('work/.idprc.yaml', `catalog: [${join(dir.path, 'actions')}]\ntarget:\n  github:\n    repository: acme/infrastructure\n`)
    const result = await run(['bulk', 'create', '--name', 'many', '--yes'])
    assert.equal(result.status, 0, result.stderr)
    server.assertNoViolations()
    assert.equal(treeRequests().length, 1)
    assert.equal(server.requests.filter((entry) => entry.path.endsWith('/git/blobs')).length, 1)
    const files = server.filesAt('acme', 'infrastructure', 'idp/bulk/many')
    assert.equal(Object.keys(files).filter((path) => path.startsWith('bulk/many/')).length, 122)
    assert.equal(files['bulk/many/check.sh'].mode, '100755')
    assert.equal(files['bulk/many/check.sh'].content, '#!/bin/sh\necho "${#} arguments"\n')
    assert.equal(files['bulk/many/file-007.txt'].content, 'file 7 for many\n')
  })

  it('finds an open pull request beyond the first page (FC35)', async () => {
    for (let index = 0; index < 35; index++) {
      server.pushCommit({owner: 'acme', repo: 'infrastructure', branch: `feature-${index}`, files: {[`f${index}.txt`]: 'x\n'}})
    }

    const openPullRequest = async (branch: string) => {
      const response = await fetch(`${server.url}/repos/acme/infrastructure/pulls`, {
        method: 'POST',
        headers: {authorization: 'token ghp_sandboxtoken', 'content-type': 'application/json'},
        body: JSON.stringify({title: branch, head: branch, base: 'main'}),
      })
      assert.equal(response.status, 201)
    }

    for (let index = 0; index < 35; index++) await openPullRequest(`feature-${index}`)
    assert.equal((await run()).status, 0)
    const result = await run([...REQUEST, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const document = JSON.parse(result.stdout)
    assert.equal(document.existing, true)
    assert.equal(document.pullRequest.number, 36)
  })
})
