#!/usr/bin/env node
// `idp --version` is answered here, before oclif loads: it is what scripts and bug reports run
// first, and it needs nothing but package.json. The line matches oclif's own (`config.userAgent`).
import {readFileSync} from 'node:fs'

if (process.argv[2] === '--version') {
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const arch = process.arch === 'ia32' ? 'x86' : process.arch
  process.stdout.write(`${name}/${version} ${process.platform}-${arch} node-${process.version}\n`)
} else {
  const {run} = await import('../dist/cli.js')
  await run(import.meta.url)
}
