#!/usr/bin/env node
// Start-up benchmark: runs each command in interleaved rounds and prints its median wall time
// and its ratio to `node -e 0` measured in the same rounds, so machine noise affects the
// baseline and the commands alike. Usage: npm run bench [-- --rounds N]
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const roundsFlag = process.argv.indexOf('--rounds')
const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 20
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'idp-bench-'))

// NODE_EXTRA_CA_CERTS adds a constant cost to every Node start (loading the CA bundle) that
// would hide idp's own cost, so it is unset for the measured processes.
const env = {PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state')}

// Each goal is the highest ratio to `node -e 0` that the command may take (docs/benchmarks.md).
const commands = [
  {name: 'node -e 0 (baseline)', args: ['-e', '0']},
  {name: 'idp --version', args: [bin, '--version'], goal: 1.5},
  {name: 'idp --help', args: [bin, '--help'], goal: 4.5},
  {name: 'idp db create --help', args: [bin, 'db', 'create', '--help'], goal: 5},
  {name: 'idp db create ... --dry-run --json', args: [bin, 'db', 'create', '--name', 'orders-db', '--environment', 'dev', '--size', 'small', '--team', 'payments', '--dry-run', '--json'], goal: 8},
  {name: 'idp actions list', args: [bin, 'actions', 'list'], goal: 5},
]

const samples = commands.map(() => [])
for (let round = 0; round < rounds; round++) {
  for (const [index, command] of commands.entries()) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, command.args, {env, cwd: home, stdio: ['ignore', 'ignore', 'pipe']})
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6
    if (result.status !== 0) throw new Error(`${command.name} exited with ${result.status}: ${result.stderr}`)
    samples[index].push(elapsed)
  }
}

rmSync(home, {recursive: true, force: true})
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const baseline = median(samples[0])
console.log(`${rounds} rounds, interleaved; Node ${process.version}`)
console.log('| command | median ms | ratio to node -e 0 | goal |')
console.log('|---|---|---|---|')
for (const [index, command] of commands.entries()) {
  const value = median(samples[index])
  const ratio = value / baseline
  const goal = command.goal === undefined ? '' : `<= ${command.goal} ${ratio <= command.goal ? 'met' : 'missed'}`
  console.log(`| \`${command.name}\` | ${value.toFixed(0)} | ${ratio.toFixed(2)} | ${goal} |`)
}
