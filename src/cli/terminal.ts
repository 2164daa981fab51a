import {Chalk, type ChalkInstance} from 'chalk'

/** Capabilities of the process's streams, decided once per command. */
export interface TerminalCapabilities {
  /** Colour on stdout and on stderr, decided separately because either may be redirected. */
  stdout: ChalkInstance
  stderr: ChalkInstance
  /** Spinners on stderr: a terminal, not CI, not TERM=dumb. */
  animate: boolean
  /** Prompts: stdin and stdout are terminals, TERM is not dumb, and nothing forbids prompting. */
  interactive: boolean
  /** The reason prompting is off, for messages. */
  noPromptReason?: string
}

// Variables set by common CI services; `CI` alone covers most of them.
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'GITHUB_ACTIONS', 'GITLAB_CI', 'BUILDKITE', 'CIRCLECI', 'TF_BUILD', 'JENKINS_URL', 'TEAMCITY_VERSION']

/** Checks whether the environment marks the process as running in CI. `CI=false` and `CI=0` do not count. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  return CI_VARIABLES.some((name) => {
    const value = env[name]
    return value !== undefined && value !== '' && value !== 'false' && value !== '0'
  })
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

/**
 * Decides colours, spinners and prompting from the streams, the environment, `--no-input` and
 * `--json`. Prompts draw on stdout, which `--json` keeps for the one JSON document, so `json`
 * turns prompting off too.
 */
export function detectTerminal(options: {noInput?: boolean; json?: boolean; env?: NodeJS.ProcessEnv} = {}): TerminalCapabilities {
  const env = options.env ?? process.env
  const dumb = env.TERM === 'dumb'
  const ci = isCi(env)
  const colorLevel = (isTty: boolean) => {
    if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
    const forced = env.FORCE_COLOR
    if (forced !== undefined) return forced === '0' || forced === 'false' ? 0 : Math.min(3, Number(forced) || 1)
    return isTty && !dumb ? 1 : 0
  }

  let noPromptReason: string | undefined
  if (options.noInput) noPromptReason = '--no-input was given'
  else if (options.json) noPromptReason = '--json was given'
  else if (isSet(env.IDP_NO_INPUT)) noPromptReason = 'IDP_NO_INPUT is set'
  else if (ci) noPromptReason = 'running in CI'
  // Prompts redraw themselves with cursor movements, which a dumb terminal cannot show.
  else if (dumb) noPromptReason = 'TERM is dumb'
  else if (!process.stdin.isTTY || !process.stdout.isTTY) noPromptReason = 'standard input or output is not a terminal'

  return {
    stdout: new Chalk({level: colorLevel(Boolean(process.stdout.isTTY)) as 0 | 1 | 2 | 3}),
    stderr: new Chalk({level: colorLevel(Boolean(process.stderr.isTTY)) as 0 | 1 | 2 | 3}),
    // A terminal that reports no width (some container and CI pseudo-terminals) makes the
    // spinner library divide by zero and redraw forever, so it gets plain lines.
    animate: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0 && !ci && !dumb,
    interactive: noPromptReason === undefined,
    noPromptReason,
  }
}
