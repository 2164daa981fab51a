/** Exit codes of every idp command, as listed in `idp --help`. */
export const ExitCode = {
  success: 0,
  failure: 1,
  usage: 2,
  denied: 3,
  auth: 4,
  /** `--wait` ended while the request still waits for approval or for its checks. */
  waiting: 8,
  cancelled: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** One located problem inside a file: a manifest, a policy or a configuration file. */
export interface Problem {
  /** File the problem is in, when it comes from a file. */
  file?: string
  /** 1-based line and column, when the parser can tell them. */
  line?: number
  column?: number
  /** Field path inside the document, such as `spec.inputs.properties.size.default`. */
  path?: string
  message: string
}

export interface IdpErrorOptions {
  /** Stable machine-readable code, such as `INPUT_INVALID`. Scripts match on it. */
  code: string
  exitCode?: ExitCodeValue
  /** The next thing the user can do, usually a command line. */
  hint?: string
  /** Every problem found, when the error collects several. */
  problems?: Problem[]
  /** Extra machine-readable facts for `--json` output. */
  details?: Record<string, unknown>
  cause?: unknown
}

const IDP_ERROR = Symbol.for('idp.error')

/**
 * An error meant for the user: it carries a stable code, an exit code and the next step.
 * Commands print it without a stack trace; anything else that escapes is a bug.
 */
export class IdpError extends Error {
  /**
   * Recognizes an IdpError by a registered symbol rather than by prototype, so that errors
   * from a second copy of this module (a test runner's loader can create one) still match.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[IDP_ERROR] === true
  }

  readonly [IDP_ERROR] = true
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly hint?: string
  readonly problems: Problem[]
  readonly details: Record<string, unknown>

  constructor(message: string, options: IdpErrorOptions) {
    super(message, {cause: options.cause})
    this.name = 'IdpError'
    this.code = options.code
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.hint = options.hint
    this.problems = options.problems ?? []
    this.details = options.details ?? {}
  }
}

/** Formats a problem as `file:line:column: path: message`, leaving out the parts it lacks. */
export function formatProblem(problem: Problem): string {
  let location = problem.file ?? ''
  if (problem.file && problem.line !== undefined) {
    location += `:${problem.line}`
    if (problem.column !== undefined) location += `:${problem.column}`
  }

  const parts = [location, problem.path, problem.message].filter((part) => part !== undefined && part !== '')
  return parts.join(': ')
}

/** Narrows an unknown thrown value to a Node.js system error with a `code`. */
export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
}
