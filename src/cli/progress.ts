import type {ChalkInstance} from 'chalk'
import type {default as Spinners, Ora} from 'ora'

import type {Progress, StepProgress} from '../actions/progress.js'

/**
 * Progress on stderr: an ora spinner per step on an interactive terminal, otherwise one plain
 * line per state change. Plain lines have no animation, no carriage returns and no escape codes
 * unless colour is forced, so logs have the same lines however long a step takes.
 */
export class TerminalProgress implements Progress {
  private spinner: Ora | undefined

  /**
   * Creates the progress of one command. The spinner library is imported only when `animate` is
   * set, because most runs that print JSON or plain lines never draw a spinner.
   */
  static async create(stream: NodeJS.WriteStream, animate: boolean, chalk: ChalkInstance): Promise<TerminalProgress> {
    return new TerminalProgress(stream, animate ? (await import('ora')).default : undefined, chalk)
  }

  /** `spinners` draws a spinner per step. Without it, each state change is a plain line. */
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly spinners: typeof Spinners | undefined,
    private readonly chalk: ChalkInstance,
  ) {}

  step(text: string): StepProgress {
    if (this.spinners) return this.spinnerStep(text, this.spinners)
    return this.plainStep(text)
  }

  warn(message: string): void {
    this.printLine(`${this.chalk.yellow('!')} ${message}`)
  }

  info(message: string): void {
    this.printLine(`${this.chalk.dim('•')} ${message}`)
  }

  /** Stops any running spinner, for example before an error message is printed. */
  stop(): void {
    if (this.spinner?.isSpinning) this.spinner.stop()
    this.spinner = undefined
  }

  /**
   * Prints a line above a running spinner: the spinner line is cleared, the line written, and
   * the spinner drawn again below it, so the line appears once and is not overwritten.
   */
  private printLine(text: string): void {
    const line = `${text}\n`
    if (!this.spinner?.isSpinning) {
      this.stream.write(line)
      return
    }

    this.spinner.clear()
    this.stream.write(line)
    this.spinner.render()
  }

  private spinnerStep(text: string, spinners: typeof Spinners): StepProgress {
    this.stop()
    const spinner = spinners({text, stream: this.stream, isEnabled: true, discardStdin: false, color: this.chalk.level > 0 ? 'cyan' : false}).start()
    this.spinner = spinner
    const finish = (succeeded: boolean, final?: string) => {
      const symbol = succeeded ? this.chalk.green('✔') : this.chalk.red('✖')
      spinner.stopAndPersist({symbol, text: final ?? spinner.text})
      if (this.spinner === spinner) this.spinner = undefined
    }

    return {
      update: (next) => {
        spinner.text = next
      },
      succeed: (final) => finish(true, final),
      fail: (final) => finish(false, final),
    }
  }

  private plainStep(text: string): StepProgress {
    return {
      update: (next) => this.stream.write(`${this.chalk.dim('…')} ${next}\n`),
      succeed: (final) => this.stream.write(`${this.chalk.green('✔')} ${final ?? text}\n`),
      fail: (final) => this.stream.write(`${this.chalk.red('✖')} ${final ?? text}\n`),
    }
  }
}
