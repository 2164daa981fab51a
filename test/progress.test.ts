import assert from 'node:assert/strict'
import {clearLine, cursorTo, moveCursor} from 'node:readline'
import {Writable} from 'node:stream'
import {Chalk} from 'chalk'

import {TerminalProgress} from '../src/cli/progress.js'
import {renderScreen} from './support/screen.js'

/**
 * Creates a stream that records what is written and reports itself as a terminal. Its cursor
 * methods write the escape sequences a real terminal stream writes, so that the recorded text
 * can be played into a terminal emulator.
 */
function terminalStream(): NodeJS.WriteStream & {text: () => string} {
  let written = ''
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      written += chunk.toString()
      callback()
    },
  }) as unknown as NodeJS.WriteStream & {text: () => string}
  Object.assign(stream, {
    isTTY: true,
    columns: 80,
    rows: 24,
    text: () => written,
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    clearLine: (direction: -1 | 0 | 1) => clearLine(stream, direction),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
  })
  return stream
}

const plainChalk = new Chalk({level: 0})
const colourChalk = new Chalk({level: 1})
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds))
const count = (lines: string[], line: string) => lines.filter((candidate) => candidate === line).length
const stripAnsi = (text: string) => text.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]/g, '')

describe('terminal progress', () => {
  it('prints one line per state change without a terminal (FC20)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, false, plainChalk)
    const step = progress.step('Committing 2 files')
    step.update('waiting 3 s for the rate limit')
    step.succeed('Committed abc123')
    progress.step('Creating branch').fail()
    assert.equal(stream.text(), '… waiting 3 s for the rate limit\n✔ Committed abc123\n✖ Creating branch\n')
  })

  it('shows a warning once while a spinner runs (FC22)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, true, plainChalk)
    const step = progress.step('Opening the pull request')
    await new Promise((resolve) => setTimeout(resolve, 250))
    progress.warn('GitHub secondary rate limit reached: waiting 3 s')
    await new Promise((resolve) => setTimeout(resolve, 250))
    step.succeed('Opened pull request #1')

    const text = stripAnsi(stream.text())
    assert.equal(text.split('! GitHub secondary rate limit reached: waiting 3 s\n').length - 1, 1, text)
    assert.ok(text.endsWith('✔ Opened pull request #1\n'), text)
    assert.ok(text.indexOf('! GitHub secondary') < text.indexOf('✔ Opened'))
  })

  it('keeps a warning on screen under the spinner (FC22)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, true, colourChalk)
    const step = progress.step('Committing 2 files')
    await pause(200)
    progress.warn('first warning')
    await pause(200)
    progress.warn('second warning')
    step.update('Committing 2 files: waiting 3 s for the rate limit')
    await pause(200)
    step.succeed('Committed abc123')

    const screen = await renderScreen(stream.text())
    assert.deepEqual(screen, ['! first warning', '! second warning', '✔ Committed abc123'])
  })

  it('keeps an information line on screen under the spinner (FC22)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, true, plainChalk)
    const step = progress.step('Waiting for checks')
    await pause(200)
    progress.info('check lint: passed')
    await pause(200)
    step.succeed('Checks passed')

    const screen = await renderScreen(stream.text())
    assert.deepEqual(screen, ['• check lint: passed', '✔ Checks passed'])
  })

  it('keeps a line another module writes on screen (FC22)', async () => {
    // A library that writes to stderr itself, as console.error does, bypasses TerminalProgress.
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, true, plainChalk)
    const step = progress.step('Opening the pull request')
    await pause(200)
    stream.write('(node) a warning from a library\n')
    await pause(200)
    step.succeed('Opened pull request #1')

    const screen = await renderScreen(stream.text())
    assert.equal(count(screen, '(node) a warning from a library'), 1, screen.join('\n'))
    assert.equal(screen.at(-1), '✔ Opened pull request #1')
  })

  it('prints warnings between plain step lines in order (FC22)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, false, plainChalk)
    const step = progress.step('Committing')
    progress.warn('rate limit close')
    progress.info('base is main')
    step.succeed('Committed abc123')
    assert.equal(stream.text(), '! rate limit close\n• base is main\n✔ Committed abc123\n')
  })

  it('leaves no timer running after a step fails (FC23)', async () => {
    const stream = terminalStream()
    const progress = await TerminalProgress.create(stream, true, plainChalk)
    const before = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    progress.step('Committing').fail('Committing failed: POST /repos/acme/infra/git/commits returned 500')
    const after = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    assert.equal(after, before)
    assert.ok(stripAnsi(stream.text()).endsWith('✖ Committing failed: POST /repos/acme/infra/git/commits returned 500\n'))
  })
})
