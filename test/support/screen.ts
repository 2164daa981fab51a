import {createRequire} from 'node:module'

// The package is a CommonJS bundle, and its default import under tsx has no Terminal, so it is
// loaded with require.
const {Terminal} = createRequire(import.meta.url)('@xterm/headless') as typeof import('@xterm/headless')

/**
 * Plays terminal output into a headless xterm.js terminal and returns the lines it shows at the
 * end, scrollback included, without trailing blank lines. Unlike stripping escape codes, this
 * shows what a redraw overwrote: a line that a spinner cleared is gone from the result.
 */
export async function renderScreen(output: string, columns = 120): Promise<string[]> {
  // A bare LF moves to the next line's start, as a terminal driver's output processing does.
  const terminal = new Terminal({cols: columns, rows: 50, scrollback: 1000, convertEol: true, allowProposedApi: true})
  await new Promise<void>((resolve) => terminal.write(output, resolve))
  const buffer = terminal.buffer.active
  const lines: string[] = []
  for (let index = 0; index < buffer.length; index++) lines.push(buffer.getLine(index)?.translateToString(true) ?? '')
  terminal.dispose()
  while (lines.length > 0 && lines.at(-1) === '') lines.pop()
  return lines
}
