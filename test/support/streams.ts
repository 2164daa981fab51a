import {spawn as spawnPty} from '@lydell/node-pty'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {binPath, runCliAsync, type CliResult} from './cli.js'

/** Where the CLI's stdout and stderr go: a pseudo-terminal each, or a file. */
export interface StreamSetup {
  stdoutTty: boolean
  stderrTty: boolean
}

export interface RunWithStreamsOptions extends StreamSetup {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Folder for the files that receive the streams which are not terminals. */
  scratch: string
  columns?: number
}

// Printed to each terminal after the CLI exits, so that the test can wait until it has read all
// the output. The CLI never prints it.
const END_OF_OUTPUT = '<<idp-test-end-of-output>>'

/**
 * Runs the built CLI with stdout and stderr each a separate pseudo-terminal or a file, so that
 * every combination a user can create with shell redirections (`> out.txt`, `2> err.txt`) is
 * tested. stdin is a terminal whenever one of the two is. Returns what each stream received;
 * terminal output keeps its escape sequences and the CR LF line ends the terminal driver writes.
 */
export async function runWithStreams(args: string[], options: RunWithStreamsOptions): Promise<CliResult> {
  if (!options.stdoutTty && !options.stderrTty) return runCliAsync(args, {cwd: options.cwd, env: options.env})

  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined))
  const size = {cols: options.columns ?? 120, rows: 40}
  const outFile = join(options.scratch, 'out.txt')
  const errFile = join(options.scratch, 'err.txt')

  // A second terminal for stderr: an idle process keeps it open, and the CLI writes to its device.
  const holder = options.stderrTty ? spawnPty('/bin/sh', ['-c', 'sleep 120'], {...size, cwd: options.cwd, env}) : undefined
  let stderrText = ''
  holder?.onData((data) => (stderrText += data))
  const stderrTarget = holder ? (holder as unknown as {ptsName: string}).ptsName : errFile

  // $1 is the stdout file or '-' for the terminal, $2 the stderr target; the rest is the command.
  const script = [
    'out=$1; err=$2; shift 2',
    'if [ "$out" = - ]; then "$@" 2>"$err"; else "$@" >"$out" 2>"$err"; fi',
    'status=$?',
    holder ? `printf '%s' '${END_OF_OUTPUT}' >"$err"` : ':',
    options.stdoutTty ? `printf '%s' '${END_OF_OUTPUT}'` : ':',
    'exit $status',
  ].join('\n')
  const terminal = spawnPty('/bin/sh', ['-c', script, 'sh', options.stdoutTty ? '-' : outFile, stderrTarget, process.execPath, binPath, ...args], {
    name: env.TERM ?? 'xterm-256color',
    ...size,
    cwd: options.cwd,
    env,
  })
  let stdoutText = ''
  terminal.onData((data) => (stdoutText += data))
  const status = await new Promise<number>((resolve) => terminal.onExit(({exitCode}) => resolve(exitCode)))

  if (options.stdoutTty) await waitFor(() => stdoutText.includes(END_OF_OUTPUT), 10_000)
  if (holder) {
    await waitFor(() => stderrText.includes(END_OF_OUTPUT), 10_000)
    holder.kill('SIGKILL')
  }

  return {
    status,
    stdout: options.stdoutTty ? stdoutText.replace(END_OF_OUTPUT, '') : readFileSync(outFile, 'utf8'),
    stderr: holder ? stderrText.replace(END_OF_OUTPUT, '') : readFileSync(errFile, 'utf8'),
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for the end of the terminal output`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
