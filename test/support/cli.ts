import {type ChildProcessByStdio, spawn, spawnSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import type {Readable, Writable} from 'node:stream'
import {fileURLToPath} from 'node:url'

/** The built command, as a user runs it after `npm run build`. */
export const binPath = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** What a finished subprocess printed and returned. */
export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Builds a sandboxed environment for one test: its own HOME and XDG folders, no GitHub token and no
 * CI variables from the machine running the tests, so nothing outside the sandbox is read.
 */
export function sandboxEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig-absent'),
  }
  mkdirSync(home, {recursive: true})
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }

  return env
}

/** Runs the built CLI to completion with the given arguments, working folder and environment. */
export function runCli(args: string[], options: {cwd: string; env: NodeJS.ProcessEnv; input?: string}): CliResult {
  const result = spawnSync(process.execPath, [binPath, ...args], {cwd: options.cwd, env: options.env, input: options.input ?? '', encoding: 'utf8', timeout: 60_000})
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** Runs the built CLI without blocking the event loop, so an in-process test server can respond. */
export function runCliAsync(args: string[], options: {cwd: string; env: NodeJS.ProcessEnv; input?: string}): Promise<CliResult> {
  const child = spawn(process.execPath, [binPath, ...args], {cwd: options.cwd, env: options.env})
  child.stdin.end(options.input ?? '')
  return resultOf(child)
}

/** Collects what a started process prints, and its exit status, until it ends. */
export function resultOf(child: ChildProcessByStdio<null | Writable, Readable, Readable>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({status, stdout, stderr}))
  })
}

/** Runs git in a folder and returns its trimmed output. */
export function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, {cwd, encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** Matches ANSI escape sequences and carriage returns, which piped output must not contain. */
export const TERMINAL_CONTROL = /\u001B\[|\r/
