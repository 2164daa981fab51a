#!/usr/bin/env node
// Catalog size benchmark: generates catalogs of 10 and 1,000 manifests (copies of the bundled
// db-create with other names and command words) and measures `idp actions list` and
// `idp <words> --help` for one action with each, in interleaved rounds. It prints the medians
// and the ratio of the 1,000-manifest catalog to the 10-manifest one; the goal is <= 1.5.
// Usage: npm run build && node bench/catalog.mjs [--rounds N]
import {spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const GOAL = 1.5
const SIZES = [10, 1000]
const roundsFlag = process.argv.indexOf('--rounds')
const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 15
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const manifestsDir = fileURLToPath(new URL('../action-manifests/', import.meta.url))
const manifest = readFileSync(join(manifestsDir, 'db-create.yaml'), 'utf8')
const root = mkdtempSync(join(tmpdir(), 'idp-bench-catalog-'))

/**
 * Writes a project whose configuration adds a catalog folder of `size` manifests, each named
 * `svc<n>-create` with the command words `svc<n> create`, and returns the project folder.
 */
function writeProject(size) {
  const project = join(root, `catalog-${size}`)
  const catalog = join(project, 'actions')
  mkdirSync(join(project, '.git'), {recursive: true})
  writeFileSync(join(project, '.git', 'HEAD'), '')
  cpSync(join(manifestsDir, 'db-create'), join(catalog, 'db-create'), {recursive: true})
  for (let index = 0; index < size; index++) {
    const copy = manifest.replace('  name: db-create\n', `  name: svc${index}-create\n`).replace('  command: db create\n', `  command: svc${index} create\n`)
    writeFileSync(join(catalog, `svc${String(index).padStart(4, '0')}.yaml`), copy)
  }

  writeFileSync(join(project, '.idprc.yaml'), 'catalog:\n  - ./actions\n')
  return project
}

const projects = SIZES.map(writeProject)
const home = join(root, 'home')
// NODE_EXTRA_CA_CERTS is left out, as in bench/startup.mjs: it adds a constant cost to every start.
const env = {PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state'), XDG_CACHE_HOME: join(home, 'cache')}
const commands = [
  {name: 'idp actions list', args: ['actions', 'list']},
  {name: 'idp svc5 create --help', args: ['svc5', 'create', '--help']},
]

// samples[command][size] contains the wall times in milliseconds.
const samples = commands.map(() => SIZES.map(() => []))
for (let round = 0; round < rounds + 1; round++) {
  for (const [commandIndex, command] of commands.entries()) {
    for (const [sizeIndex, project] of projects.entries()) {
      const started = process.hrtime.bigint()
      const result = spawnSync(process.execPath, [bin, ...command.args], {env, cwd: project, stdio: ['ignore', 'ignore', 'pipe']})
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6
      if (result.status !== 0) throw new Error(`${command.name} with ${SIZES[sizeIndex]} manifests exited with ${result.status}: ${result.stderr}`)
      // The first round warms the file cache and any catalog index; it is not counted.
      if (round > 0) samples[commandIndex][sizeIndex].push(elapsed)
    }
  }
}

rmSync(root, {recursive: true, force: true})
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

console.log(`${rounds} rounds, interleaved, after one warm-up round; Node ${process.version}`)
console.log(`| command | ${SIZES.map((size) => `${size} manifests, median ms`).join(' | ')} | ratio | goal |`)
console.log(`|---|${SIZES.map(() => '---|').join('')}---|---|`)
for (const [commandIndex, command] of commands.entries()) {
  const medians = samples[commandIndex].map(median)
  const ratio = medians.at(-1) / medians[0]
  console.log(`| \`${command.name}\` | ${medians.map((value) => value.toFixed(0)).join(' | ')} | ${ratio.toFixed(2)} | <= ${GOAL} ${ratio <= GOAL ? 'met' : 'missed'} |`)
}
