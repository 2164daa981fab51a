import {type IPty, spawn} from '@lydell/node-pty'

import {binPath} from './cli.js'

/** Bytes a terminal sends for the keys the tests press (xterm, normal cursor key mode). */
export const KEYS = {
  enter: '\r',
  up: '\u001B[A',
  down: '\u001B[B',
  backspace: '\u007F',
  ctrlC: '\u0003',
} as const

// CSI sequences (colours, cursor moves, modes such as `?25l`), OSC sequences ended by BEL or
// ST, and two-character escapes, following ECMA-48.
const ANSI_SEQUENCE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g

// An escape sequence cut off at the end of the output received so far.
const UNFINISHED_SEQUENCE = /\u001B(?:\[[0-?]*[ -/]*|\][^\u0007\u001B]*)?$/

// Cursor Horizontal Absolute to column 1, which inquirer and ora send before redrawing a line.
const COLUMN_ONE = /\u001B\[[01]?G/g

/**
 * Turns terminal output into plain text lines: escape sequences are removed, CR LF becomes LF,
 * and a move to column 1 starts a new line, so each redraw of a prompt is a line of its own.
 */
export function toPlainText(output: string): string {
  // NUL marks each move to column 1 while the other sequences are removed. The CLI never
  // prints NUL itself.
  const marked = output.replace(UNFINISHED_SEQUENCE, '').replaceAll(COLUMN_ONE, '\u0000').replaceAll(ANSI_SEQUENCE, '').replaceAll('\r\n', '\n')
  // A move at the start of a line changes nothing, and one inside a line starts a new line.
  return marked.replaceAll(/(^|\n)\u0000+/g, '$1').replaceAll(/\u0000+/g, '\n')
}

/** How the process in the pseudo-terminal ended. */
export interface ExitStatus {
  exitCode: number
  signal?: number
}

export interface SpawnCliOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  columns?: number
  rows?: number
}

/** Milliseconds to wait for expected output or for the exit before a wait fails. */
const DEFAULT_TIMEOUT_MS = 10_000

/**
 * The built CLI running in a pseudo-terminal, driven like `expect`: `expect` waits for text
 * after the previous match, `press` sends keys, and `dispose` kills the process.
 */
export class PtySession {
  private rawOutput = ''
  /** Offset in `screen` just past the previous match; the next `expect` searches from it. */
  private cursor = 0
  private status: ExitStatus | undefined
  private readonly waiters = new Set<() => void>()
  private readonly exited: Promise<ExitStatus>

  constructor(private readonly terminal: IPty) {
    terminal.onData((data) => {
      this.rawOutput += data
      this.notify()
    })
    this.exited = new Promise((resolve) => {
      terminal.onExit(({exitCode, signal}) => {
        this.status = {exitCode, signal}
        resolve(this.status)
        this.notify()
      })
    })
  }

  /** Everything the process wrote to the terminal, escape sequences included. */
  get raw(): string {
    return this.rawOutput
  }

  /** Everything the process wrote, as plain text lines (see `toPlainText`). */
  get screen(): string {
    return toPlainText(this.rawOutput)
  }

  /** Screen text from `offset`, such as a value returned by `mark`, to the end. */
  since(offset: number): string {
    return this.screen.slice(offset)
  }

  /** Returns the length of the screen text, to read what appears after it with `since`. */
  mark(): number {
    return this.screen.length
  }

  /** Sends keys or text to the process, as typed. */
  press(keys: string): void {
    this.terminal.write(keys)
  }

  /**
   * Waits until `pattern` appears after the previous match, then moves past it. Rejects when
   * the process exits or `timeoutMs` passes first, showing the screen text searched.
   */
  async expect(pattern: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const find = (): string | undefined => {
      const rest = this.screen.slice(this.cursor)
      if (typeof pattern === 'string') {
        const index = rest.indexOf(pattern)
        if (index < 0) return undefined
        this.cursor += index + pattern.length
        return pattern
      }

      const match = pattern.exec(rest)
      if (!match) return undefined
      this.cursor += match.index + match[0].length
      return match[0]
    }

    return this.waitUntil(find, timeoutMs, () => `${JSON.stringify(String(pattern))} after offset ${this.cursor}`)
  }

  /** Waits for the process to exit, and rejects when it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ExitStatus> {
    return this.waitUntil(() => this.status, timeoutMs, () => 'the process to exit', true)
  }

  /** Kills the process unless it has exited, and waits until it is gone. */
  async dispose(): Promise<void> {
    if (this.status) return
    this.terminal.kill('SIGKILL')
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())])
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter()
  }

  private waitUntil<T>(check: () => T | undefined, timeoutMs: number, describe: () => string, allowExit = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer)
        this.waiters.delete(poll)
        settle()
      }

      const fail = (reason: string) => {
        const searched = this.screen.slice(this.cursor)
        finish(() => reject(new Error(`${reason} while waiting for ${describe()}. Screen text searched:\n${searched}`)))
      }

      const poll = () => {
        const value = check()
        if (value !== undefined) finish(() => resolve(value))
        else if (this.status && !allowExit) fail(`The process exited with code ${this.status.exitCode}`)
      }

      const timer = setTimeout(() => fail(`Timed out after ${timeoutMs} ms`), timeoutMs)
      this.waiters.add(poll)
      poll()
    })
  }
}

/**
 * Starts `node bin/run.js <args>` in a pseudo-terminal, so stdin, stdout and stderr are all
 * the terminal and the CLI decides to prompt, colour and animate as it would for a user.
 */
export function spawnCli(args: string[], options: SpawnCliOptions): PtySession {
  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined))
  const terminal = spawn(process.execPath, [binPath, ...args], {
    name: env.TERM ?? 'xterm-256color',
    cols: options.columns ?? 120,
    rows: options.rows ?? 40,
    cwd: options.cwd,
    env,
  })
  return new PtySession(terminal)
}
