import assert from 'node:assert/strict'

import {readBooleanVariable} from '../src/cli/environment.js'
import {decideTerminal, type TerminalFacts} from '../src/cli/terminal.js'
import {IdpError} from '../src/errors.js'

/** Facts of a process whose three streams are a colour terminal 80 columns wide, outside CI. */
function terminalFacts(overrides: Partial<TerminalFacts> = {}): TerminalFacts {
  return {env: {TERM: 'xterm-256color'}, ci: false, stdinIsTty: true, stdoutIsTty: true, stderrIsTty: true, stderrColumns: 80, stdoutLevel: 2, stderrLevel: 2, ...overrides}
}

describe('terminal decision', () => {
  it('animates a terminal with a width', () => {
    assert.equal(decideTerminal(terminalFacts()).animate, true)
  })

  it('prints plain lines on a terminal without a width', () => {
    assert.equal(decideTerminal(terminalFacts({stderrColumns: 0})).animate, false)
  })

  it('prints plain lines when stderr is no terminal', () => {
    assert.equal(decideTerminal(terminalFacts({stderrIsTty: false, stderrColumns: 0})).animate, false)
  })

  it('keeps the colour level of each stream', () => {
    const terminal = decideTerminal(terminalFacts({stdoutLevel: 0, stderrLevel: 3}))
    assert.equal(terminal.stdout.level, 0)
    assert.equal(terminal.stderr.level, 3)
  })

  it('turns colour off on both streams with NO_COLOR', () => {
    for (const value of ['1', 'false', 'anything']) {
      const terminal = decideTerminal(terminalFacts({env: {TERM: 'xterm-256color', NO_COLOR: value, FORCE_COLOR: '3'}, stdoutLevel: 3, stderrLevel: 3}))
      assert.equal(terminal.stdout.level, 0, `NO_COLOR=${value}`)
      assert.equal(terminal.stderr.level, 0, `NO_COLOR=${value}`)
      assert.equal(terminal.animate, true, 'NO_COLOR keeps the spinner')
    }
  })

  it('ignores an empty NO_COLOR', () => {
    const terminal = decideTerminal(terminalFacts({env: {TERM: 'xterm-256color', NO_COLOR: ''}}))
    assert.equal(terminal.stdout.level, 2)
    assert.equal(terminal.stderr.level, 2)
  })

  it('neither animates nor prompts in CI', () => {
    const terminal = decideTerminal(terminalFacts({ci: true}))
    assert.equal(terminal.animate, false)
    assert.equal(terminal.interactive, false)
    assert.equal(terminal.noPromptReason, 'running in CI')
  })

  it('neither animates nor prompts under TERM=dumb', () => {
    const terminal = decideTerminal(terminalFacts({env: {TERM: 'dumb'}}))
    assert.equal(terminal.animate, false)
    assert.equal(terminal.interactive, false)
    assert.equal(terminal.noPromptReason, 'TERM is dumb')
  })

  it('prompts only when stdin and stdout are terminals', () => {
    assert.equal(decideTerminal(terminalFacts({stdinIsTty: false})).noPromptReason, 'standard input or output is not a terminal')
    assert.equal(decideTerminal(terminalFacts({stdoutIsTty: false})).noPromptReason, 'standard input or output is not a terminal')
    assert.equal(decideTerminal(terminalFacts({stderrIsTty: false})).interactive, true)
  })

  it('reads IDP_NO_INPUT strictly', () => {
    for (const value of ['1', 'true', 'YES', 'on', ' y ']) {
      const terminal = decideTerminal(terminalFacts({env: {IDP_NO_INPUT: value}}))
      assert.equal(terminal.interactive, false, `IDP_NO_INPUT=${value}`)
      assert.equal(terminal.noPromptReason, 'IDP_NO_INPUT is set', `IDP_NO_INPUT=${value}`)
    }

    for (const value of ['0', 'false', 'No', 'off', 'n', '']) {
      assert.equal(decideTerminal(terminalFacts({env: {IDP_NO_INPUT: value}})).interactive, true, `IDP_NO_INPUT=${value}`)
    }
  })

  it('rejects an invalid IDP_NO_INPUT', () => {
    assert.throws(
      () => decideTerminal(terminalFacts({env: {IDP_NO_INPUT: 'banana'}})),
      (error: unknown) => error instanceof IdpError && error.exitCode === 2 && error.code === 'ENVIRONMENT_INVALID' && error.message.includes('IDP_NO_INPUT') && error.message.includes('"banana"'),
    )
  })

  it('lets --no-input win over an invalid IDP_NO_INPUT', () => {
    const terminal = decideTerminal(terminalFacts({env: {IDP_NO_INPUT: 'banana'}}), {noInput: true})
    assert.equal(terminal.interactive, false)
    assert.equal(terminal.noPromptReason, '--no-input was given')
  })

  it('names IDP_NO_INPUT when the flag took its value from it', () => {
    assert.equal(decideTerminal(terminalFacts({env: {IDP_NO_INPUT: '1'}}), {noInput: true}).noPromptReason, 'IDP_NO_INPUT is set')
  })
})

describe('boolean environment variables', () => {
  it('reads unset and empty as undefined', () => {
    assert.equal(readBooleanVariable({}, 'X'), undefined)
    assert.equal(readBooleanVariable({X: ''}, 'X'), undefined)
    assert.equal(readBooleanVariable({X: '  '}, 'X'), undefined)
  })

  it('reads each spelling', () => {
    for (const value of ['1', 'true', 'True', 'yes', 'y', 'on']) assert.equal(readBooleanVariable({X: value}, 'X'), true, value)
    for (const value of ['0', 'false', 'FALSE', 'no', 'n', 'off']) assert.equal(readBooleanVariable({X: value}, 'X'), false, value)
  })

  it('names the variable of an invalid value', () => {
    assert.throws(() => readBooleanVariable({IDP_SOMETHING: '2'}, 'IDP_SOMETHING'), /^IdpError: Invalid value for the environment variable IDP_SOMETHING: "2"\./)
  })
})
