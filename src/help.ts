import {Help, type Interfaces} from '@oclif/core'

import {compareCodeUnits} from './compare-text.js'

/** The exit codes every idp command uses; shown at the end of `idp --help`. */
export const EXIT_CODES_HELP = `EXIT CODES
  0    Success: the change was submitted, or the dry run completed
  1    Runtime failure (GitHub, git, a template); the run journal says what was done
  2    Invalid usage or input: a flag, a value, a manifest, a policy or configuration file
  3    Denied by the approval policy
  4    GitHub token missing or rejected
  8    The request still waits for approval: --wait (or its checks), policy verify
  130  Cancelled by the user (Ctrl-C, or "no" at the confirmation)`

/**
 * Returns a renderer that fills in `<%= config.bin %>`, the placeholder of idp's own texts, and
 * `<%= command.id %>`, which oclif puts in usage lines, and leaves everything else as written.
 * oclif renders help texts as EJS templates, which would run code written into the title or
 * description of a manifest in the catalog.
 */
function renderPlaceholders(bin: string, commandId = ''): (text: string) => string {
  return (text) => text.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', commandId)
}

/**
 * oclif's help, with the exit codes added to the root page and to every command's page, and
 * with texts shown as written instead of rendered as templates.
 */
export default class IdpHelp extends Help {
  constructor(...args: ConstructorParameters<typeof Help>) {
    super(...args)
    this.render = renderPlaceholders(this.config.bin)
  }

  override getCommandHelpClass(command: Parameters<Help['getCommandHelpClass']>[0]): ReturnType<Help['getCommandHelpClass']> {
    const help = super.getCommandHelpClass(command)
    help.render = renderPlaceholders(this.config.bin, command.id.replaceAll(':', this.config.topicSeparator))
    return help
  }

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(`\n${EXIT_CODES_HELP}\n`)
  }

  /**
   * Lists the topics that have commands or topics below them, sorted and without repeats, as
   * oclif's own getter does. oclif 4 compares every topic with every other, which took about
   * 50 ms with 1,000 actions (bench/catalog.mjs); a set of parent names takes linear time.
   */
  protected override get sortedTopics(): Interfaces.Topic[] {
    const parents = new Set<string>()
    for (const topic of this.config.topics) {
      const parts = topic.name.split(':')
      for (let length = 1; length < parts.length; length++) parents.add(parts.slice(0, length).join(':'))
    }

    const seen = new Set<string>()
    const topics = this.config.topics.filter((topic) => parents.has(topic.name) && (this.opts.all || !topic.hidden))
    topics.sort((first, second) => compareCodeUnits(first.name, second.name))
    return topics.filter((topic) => !seen.has(topic.name) && seen.add(topic.name))
  }

  override async showCommandHelp(command: Parameters<Help['showCommandHelp']>[0]): Promise<void> {
    await super.showCommandHelp(command)
    this.log(`${EXIT_CODES_HELP}\n`)
  }
}
