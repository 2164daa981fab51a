#!/usr/bin/env node
// Builds dist/: one ESM bundle of the CLI (oclif, the commands and their dependencies) with a
// chunk per lazily imported module, so that start-up reads a few files instead of hundreds.
// `npm run build` type-checks and compiles the schema validators (compile-schemas.mjs) first;
// esbuild itself only strips the types.
import {build} from 'esbuild'
import {spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'

rmSync('dist', {recursive: true, force: true})
await build({
  entryPoints: {cli: 'src/cli.ts'},
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.17',
  chunkNames: 'chunk-[hash]',
  // jiti, which loads TypeScript configuration files, is large, so it stays outside the bundle
  // and loads only when such a file is found. The TypeScript compiler (9 MB) is required only by
  // code that never runs: cosmiconfig's own TypeScript loaders, which src/config/config.ts
  // replaces with jiti, and oclif's lookup of command sources, which src/cli.ts turns off. It is
  // a dev dependency, so an installed idp has no copy of it.
  external: ['jiti', 'typescript'],
  // Bundled CommonJS modules (oclif among them) call require, __filename and __dirname.
  banner: {
    js: [
      "import {createRequire as idpCreateRequire} from 'node:module'",
      "import {fileURLToPath as idpFileURLToPath} from 'node:url'",
      'const require = idpCreateRequire(import.meta.url)',
      'const __filename = idpFileURLToPath(import.meta.url)',
      "const __dirname = idpFileURLToPath(new URL('.', import.meta.url))",
    ].join(';'),
  },
  // Less text to read and parse at every start. Names are kept, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
})

// The summaries of the bundled manifests, read at start instead of parsing them.
const indexed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/index-bundled-catalog.ts'], {stdio: 'inherit'})
if (indexed.status !== 0) process.exit(indexed.status ?? 1)
