import assert from 'node:assert/strict'
import {Writable} from 'node:stream'
import {Chalk} from 'chalk'

import {TerminalProgress} from '../src/cli/progress.js'

/** Creates a stream that records what is written and reports itself as a terminal. */
function terminalStream(): NodeJS.WriteStream & {text: () => string} {
  let written = ''
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      written += chunk.toString()
      callback()
    },
  }) as unknown as NodeJS.WriteStream & {text: () => string}
  Object.assign(stream, {isTTY: true, columns: 80, rows: 24, text: () => written, cursorTo() {}, clearLine() {}, moveCursor() {}})
  return stream
}

const plainChalk = new Chalk({level: 0})
const stripAnsi = (text: string) => text.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]/g, '')

describe('terminal progress', () => {
  it('prints one line per state change without a terminal (FC20)', () => {
    const stream = terminalStream()
    const progress = new TerminalProgress(stream, false, plainChalk)
    const step = progress.step('Committing 2 files')
    step.update('waiting 3 s for the rate limit')
    step.succeed('Committed abc123')
    progress.step('Creating branch').fail()
    assert.equal(stream.text(), '… waiting 3 s for the rate limit\n✔ Committed abc123\n✖ Creating branch\n')
  })

  it('shows a warning once while a spinner runs (FC22)', async () => {
    const stream = terminalStream()
    const progress = new TerminalProgress(stream, true, plainChalk)
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

  it('leaves no timer running after a step fails (FC23)', () => {
    const stream = terminalStream()
    const progress = new TerminalProgress(stream, true, plainChalk)
    const before = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    progress.step('Committing').fail('Committing failed: POST /repos/acme/infra/git/commits returned 500')
    const after = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    assert.equal(after, before)
    assert.ok(stripAnsi(stream.text()).endsWith('✖ Committing failed: POST /repos/acme/infra/git/commits returned 500\n'))
  })
})
