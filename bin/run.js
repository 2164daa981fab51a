#!/usr/bin/env node
// This file prints `idp --version` before oclif loads, because scripts and bug reports run it
// first and it needs nothing but package.json. The line matches oclif's own (`config.userAgent`).
import {readFileSync} from 'node:fs'

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
if (process.argv[2] === '--version') {
  const arch = process.arch === 'ia32' ? 'x86' : process.arch
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${arch} node-${process.version}\n`)
} else {
  // oclif checks the Node.js version against `engines` with semver as it loads, which costs
  // about 4 ms of every start. The range is a plain `>=major.minor`, so it is checked here instead.
  const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(pjson.engines.node).map(Number)
  const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number)
  if (nodeMajor < major || (nodeMajor === major && nodeMinor < minor)) {
    process.emitWarning(`idp needs Node.js ${major}.${minor} or later; this is ${process.versions.node}.`)
  }

  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true'
  // Tells src/commands.ts to build only the command this command line names in full.
  globalThis[Symbol.for('idp.commandLine')] = true
  const {run} = await import('../dist/cli.js')
  await run(import.meta.url)
}
