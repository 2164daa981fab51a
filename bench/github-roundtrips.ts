// GitHub round-trip benchmark. It opens a pull request against the local GitHub test server,
// with 50 ms of latency added to every response, for requests that write 1, 10 and 50 files.
// It reports the number of requests and of sequential round trips from start to the pull
// request with its labels and reviewers. Usage: npm run bench:github
import {spawn} from 'node:child_process'
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {bundledPolicyPath} from '../src/policy/index.js'
import {GitHubTestServer, type RequestLogEntry} from '../test/support/github-server.js'

const LATENCY_MS = 50
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))

/** Counts the waves of requests: a request that starts after every earlier response begins a new wave. */
function sequentialRoundTrips(requests: RequestLogEntry[]): number {
  const timed = requests.filter((entry) => entry.receivedAt !== undefined).sort((a, b) => a.receivedAt! - b.receivedAt!)
  let waves = 0
  let waveEnd = -Infinity
  for (const entry of timed) {
    if (entry.receivedAt! >= waveEnd) {
      waves++
      waveEnd = entry.respondedAt ?? entry.receivedAt!
    } else {
      waveEnd = Math.max(waveEnd, entry.respondedAt ?? waveEnd)
    }
  }

  return waves
}

async function measure(fileCount: number, baseBranch: boolean, sharedPolicy: boolean): Promise<{requests: number; roundTrips: number; milliseconds: number}> {
  const server = await GitHubTestServer.start({latencyMs: LATENCY_MS})
  const home = mkdtempSync(join(tmpdir(), 'idp-bench-github-'))
  try {
    const policy: Record<string, string> = sharedPolicy ? {'.idp/approval-policy.yaml': readFileSync(bundledPolicyPath, 'utf8')} : {}
    server.createRepository({owner: 'acme', name: 'infrastructure', files: {'README.md': '# Infrastructure\n', ...policy}})
    for (const team of ['team-leads', 'finance']) server.addTeam('acme', team)
    const templates = join(home, 'actions', 'files')
    mkdirSync(templates, {recursive: true})
    for (let index = 0; index < fileCount; index++) writeFileSync(join(templates, `file-${index}.tf`), `name = \${{ inputs.name }}\nindex = ${index}\n`)
    writeFileSync(
      join(home, 'actions', 'files-create.yaml'),
      [
        'apiVersion: idp.dev/v1',
        'kind: Action',
        'metadata: {name: files-create, title: Files}',
        'spec:',
        '  command: files create',
        '  inputs: {type: object, required: [name], properties: {name: {type: string}}}',
        '  steps:',
        '    - {id: render, action: "template:render", with: {source: files, target: "files/${{ inputs.name }}"}}',
        '    - {id: publish, action: "publish:pull-request", with: {branch: "idp/files/${{ inputs.name }}", title: "Files"}}',
        '',
      ].join('\n'),
    )
    const work = join(home, 'work')
    mkdirSync(join(work, '.git'), {recursive: true})
    const base = baseBranch ? '\n    baseBranch: main' : ''
    writeFileSync(join(work, '.idprc.yaml'), `catalog: [${join(home, 'actions')}]\ntarget:\n  github:\n    repository: acme/infrastructure${base}\n`)

    const env = {PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), GH_TOKEN: 'bench-token', GITHUB_API_URL: server.url}
    const started = performance.now()
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, 'files', 'create', '--name', 'bench', '--yes'], {cwd: work, env, stdio: 'ignore'})
      child.on('close', resolve)
    })
    if (status !== 0) throw new Error(`idp exited with ${status}`)
    return {requests: server.requests.length, roundTrips: sequentialRoundTrips(server.requests), milliseconds: performance.now() - started}
  } finally {
    await server.stop()
    rmSync(home, {recursive: true, force: true})
  }
}

console.log(`GitHub round trips, ${LATENCY_MS} ms latency per response; Node ${process.version}`)
console.log('| files | baseBranch configured | shared policy | requests | sequential round trips | wall ms |')
console.log('|---|---|---|---|---|---|')
const cases = [true, false].flatMap((baseBranch) => [
  ...[1, 10, 50].map((files) => ({files, baseBranch, sharedPolicy: false})),
  {files: 10, baseBranch, sharedPolicy: true},
])
for (const {files, baseBranch, sharedPolicy} of cases) {
  const result = await measure(files, baseBranch, sharedPolicy)
  console.log(`| ${files} | ${baseBranch ? 'yes' : 'no'} | ${sharedPolicy ? 'yes' : 'no'} | ${result.requests} | ${result.roundTrips} | ${result.milliseconds.toFixed(0)} |`)
}
