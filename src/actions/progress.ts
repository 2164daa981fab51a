/**
 * Progress reporting for domain code. The command line turns it into spinners on a terminal
 * and into one plain line per state change elsewhere; domain code never prints.
 */
export interface Progress {
  /** Starts a step; the step ends with `succeed` or `fail` on the returned handle. */
  step(text: string): StepProgress
  /** A warning that must appear once, even while a step is running. */
  warn(message: string): void
  /** A fact to report, such as the state of a check, that is neither a step nor a warning. */
  info(message: string): void
}

/** A running step. */
export interface StepProgress {
  /** Replaces the step's text, for example to say what it is waiting for. */
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
}

/** Progress that goes nowhere, for library use and tests. */
export const silentProgress: Progress = {
  step: () => ({update() {}, succeed() {}, fail() {}}),
  warn() {},
  info() {},
}
