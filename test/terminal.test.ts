import assert from 'node:assert/strict'

import {detectTerminal} from '../src/cli/terminal.js'

describe('terminal detection', () => {
  const saved = {isTTY: process.stderr.isTTY, columns: process.stderr.columns}
  afterEach(() => {
    Object.defineProperty(process.stderr, 'isTTY', {value: saved.isTTY, configurable: true, writable: true})
    Object.defineProperty(process.stderr, 'columns', {value: saved.columns, configurable: true, writable: true})
  })

  const animates = (columns: number | undefined) => {
    Object.defineProperty(process.stderr, 'isTTY', {value: true, configurable: true, writable: true})
    Object.defineProperty(process.stderr, 'columns', {value: columns, configurable: true, writable: true})
    return detectTerminal({env: {TERM: 'xterm'}}).animate
  }

  it('animates a terminal with a width', () => {
    assert.equal(animates(80), true)
  })

  it('prints plain lines on a terminal without a width', () => {
    assert.equal(animates(0), false)
    assert.equal(animates(undefined), false)
  })
})
