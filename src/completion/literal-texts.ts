import type {Command, Config} from '@oclif/core'

import {completableCommands} from './commands.js'
import {shellQuote} from './shell-quote.js'

/** Escape functions that keep the texts of one generator's output literal. */
interface Escapes {
  /** Summaries and descriptions, which the plugin renders with EJS and then escapes in part. */
  text(text: string): string
  /** Allowed values of a flag, which the plugin writes unescaped. */
  option(value: string): string
}

/**
 * Escapes for the plugin's zsh generator. It writes each flag spec inside double quotes, escaping
 * only `"`, backticks and brackets, and lists the allowed values as `(a b c)`, which zsh's
 * `_arguments` splits as shell words with eval. Without more escaping, a `$(...)` or a `"` in a
 * manifest's title or enum would run as code on Tab, and a value with a space would split.
 */
const ZSH: Escapes = {
  // A backslash is escaped twice: for the double quotes, then for the spec's own backslash escapes.
  text: (text) => literalEjs(text).replaceAll('\\', '\\\\\\\\').replaceAll('$', '\\$'),
  option: (value) => inDoubleQuotes(shellQuote(value)),
}

/**
 * Escapes for the plugin's PowerShell generator. It writes texts inside double quotes, escaping
 * `"` and backticks, where `$` would still expand a variable or run `$(...)`. A backtick cannot
 * escape `$` because the plugin doubles backticks, so `$` becomes the fullwidth dollar sign.
 */
const POWERSHELL: Escapes = {
  text: (text) => literalEjs(text).replaceAll('$', '\uFF04'),
  option: (value) => value,
}

/** Escapes EJS tags, because the plugin renders every summary as an EJS template, which runs JavaScript. */
function literalEjs(text: string): string {
  return text.replaceAll('<%', '<%%')
}

/** Escapes the characters that stay special inside double quotes in zsh. */
function inDoubleQuotes(text: string): string {
  return text.replaceAll(/[\\$"`]/g, (character) => `\\${character}`)
}

/** Returns a view of the oclif configuration whose command and topic texts the zsh generator writes literally. */
export function zshConfigView(config: Config): Config {
  return escapedConfigView(config, ZSH)
}

/** Returns a view of the oclif configuration whose command and topic texts the PowerShell generator writes literally. */
export function powershellConfigView(config: Config): Config {
  return escapedConfigView(config, POWERSHELL)
}

/**
 * Returns the configuration with escaped copies of what the plugin's generators read: the
 * commands that completableCommands keeps, through `getPluginsList()`, and their topics.
 * Everything else is the original's.
 */
function escapedConfigView(config: Config, escapes: Escapes): Config {
  const text = (value: string | undefined) => (value === undefined ? undefined : escapes.text(value))
  const commands = completableCommands(config).map((command): Command.Loadable => {
    const flags = Object.fromEntries(
      Object.entries(command.flags).map(([name, flag]) => {
        const copy = {...flag, summary: text(flag.summary), description: text(flag.description)}
        if (copy.type === 'option' && copy.options) copy.options = copy.options.map((value) => escapes.option(value))
        return [name, copy]
      }),
    )
    return {...command, summary: text(command.summary), description: text(command.description), flags}
  })
  const ids = commands.map((command) => command.id)
  const topics = config.topics
    .filter((topic) => ids.some((id) => id === topic.name || id.startsWith(`${topic.name}:`)))
    .map((topic) => ({...topic, description: text(topic.description)}))
  return new Proxy(config, {
    get(target, property) {
      if (property === 'topics') return topics
      if (property === 'getPluginsList') return () => [{commands}]
      return Reflect.get(target, property)
    },
  })
}
