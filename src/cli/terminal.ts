import {Chalk, type ChalkInstance, type ColorSupportLevel, supportsColor, supportsColorStderr} from 'chalk'
import ciInfo from 'ci-info'

import {isTrueVariable, readBooleanVariable} from './environment.js'

/** Capabilities of the process's streams, decided once per command. */
export interface TerminalCapabilities {
  /** Colour on stdout and on stderr, decided separately because either may be redirected. */
  stdout: ChalkInstance
  stderr: ChalkInstance
  /** Spinners on stderr: a terminal with a width, not CI, not TERM=dumb. */
  animate: boolean
  /** Prompts: stdin and stdout are terminals, TERM is not dumb, and nothing forbids prompting. */
  interactive: boolean
  /** The reason prompting is off, for messages. */
  noPromptReason?: string
}

/** Facts about the process that the capabilities are decided from. */
export interface TerminalFacts {
  env: NodeJS.ProcessEnv
  /** True when a CI service runs the process (ci-info's detection). */
  ci: boolean
  stdinIsTty: boolean
  stdoutIsTty: boolean
  stderrIsTty: boolean
  /** Width of stderr in columns, or 0 when it is no terminal or reports no width. */
  stderrColumns: number
  /** Colour levels chalk detected for each stream from its own terminal and FORCE_COLOR. */
  stdoutLevel: ColorSupportLevel
  stderrLevel: ColorSupportLevel
}

/**
 * Decides colours, spinners and prompting from the facts, `--no-input` and `--json`.
 *
 * Colour follows chalk's detection for each stream (terminal or not, FORCE_COLOR, TERM=dumb,
 * CI services), and NO_COLOR with any non-empty value turns it off, FORCE_COLOR included,
 * because chalk 5 does not read NO_COLOR. Prompts draw on stdout, which `--json` keeps for the
 * one JSON document, so `json` turns prompting off too. Throws a usage error when IDP_NO_INPUT
 * has an invalid value and `--no-input` was not given.
 */
export function decideTerminal(facts: TerminalFacts, options: {noInput?: boolean; json?: boolean} = {}): TerminalCapabilities {
  const {env} = facts
  const dumb = env.TERM === 'dumb'
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== ''
  const colour = (level: ColorSupportLevel) => new Chalk({level: noColor ? 0 : level})

  // The --no-input flag reads IDP_NO_INPUT too, so with the flag set the variable may be the reason.
  let noPromptReason: string | undefined
  if (options.noInput) noPromptReason = isTrueVariable(env, 'IDP_NO_INPUT') ? 'IDP_NO_INPUT is set' : '--no-input was given'
  else if (readBooleanVariable(env, 'IDP_NO_INPUT')) noPromptReason = 'IDP_NO_INPUT is set'
  else if (options.json) noPromptReason = '--json was given'
  else if (facts.ci) noPromptReason = 'running in CI'
  // Prompts redraw themselves with cursor movements, which a dumb terminal cannot show.
  else if (dumb) noPromptReason = 'TERM is dumb'
  else if (!facts.stdinIsTty || !facts.stdoutIsTty) noPromptReason = 'standard input or output is not a terminal'

  return {
    stdout: colour(facts.stdoutLevel),
    stderr: colour(facts.stderrLevel),
    // A terminal that reports no width (some container and CI pseudo-terminals) makes the
    // spinner library divide by zero and redraw forever, so it gets plain lines.
    animate: facts.stderrIsTty && facts.stderrColumns > 0 && !facts.ci && !dumb,
    interactive: noPromptReason === undefined,
    noPromptReason,
  }
}

/** Reads the facts from this process and decides its capabilities (see `decideTerminal`). */
export function detectTerminal(options: {noInput?: boolean; json?: boolean} = {}): TerminalCapabilities {
  const facts: TerminalFacts = {
    env: process.env,
    ci: ciInfo.isCI,
    stdinIsTty: Boolean(process.stdin.isTTY),
    stdoutIsTty: Boolean(process.stdout.isTTY),
    stderrIsTty: Boolean(process.stderr.isTTY),
    stderrColumns: process.stderr.isTTY ? (process.stderr.columns ?? 0) : 0,
    stdoutLevel: supportsColor ? supportsColor.level : 0,
    stderrLevel: supportsColorStderr ? supportsColorStderr.level : 0,
  }
  return decideTerminal(facts, options)
}
