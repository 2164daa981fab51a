import type {Command} from '@oclif/core'

import {type CatalogEntry, duplicatesOf, readCatalog} from './actions/catalog.js'
import type {GitCatalogMode} from './actions/git-catalog.js'
import {createActionCommand, createActionSummaryCommand} from './cli/action-command.js'
import ActionsList from './commands/actions/list.js'
import ActionsValidate from './commands/actions/validate.js'
import ActionsShow from './commands/actions/show.js'
import ActionsUpdate from './commands/actions/update.js'
import ApprovalsEscalate from './commands/approvals/escalate.js'
import Approve from './commands/approve.js'
import Autocomplete from './commands/autocomplete/index.js'
import AutocompleteScript from './commands/autocomplete/script.js'
import Doctor from './commands/doctor.js'
import Init from './commands/init.js'
import PolicyCheck from './commands/policy/check.js'
import PolicyTest from './commands/policy/test.js'
import PolicyVerify from './commands/policy/verify.js'
import Run from './commands/run.js'
import RunsCancel from './commands/runs/cancel.js'
import RunsEdit from './commands/runs/edit.js'
import RunsList from './commands/runs/list.js'
import RunsRetry from './commands/runs/retry.js'
import RunsShow from './commands/runs/show.js'
import RunsWatch from './commands/runs/watch.js'

/** The fixed commands; action commands are added from the catalog below. */
const STATIC_COMMANDS: Record<string, Command.Class> = {
  run: Run,
  'actions:list': ActionsList,
  'actions:validate': ActionsValidate,
  'actions:show': ActionsShow,
  'actions:update': ActionsUpdate,
  'approvals:escalate': ApprovalsEscalate,
  approve: Approve,
  autocomplete: Autocomplete,
  'autocomplete:script': AutocompleteScript,
  doctor: Doctor,
  init: Init,
  'policy:check': PolicyCheck,
  'policy:test': PolicyTest,
  'policy:verify': PolicyVerify,
  'runs:cancel': RunsCancel,
  'runs:edit': RunsEdit,
  'runs:list': RunsList,
  'runs:retry': RunsRetry,
  'runs:show': RunsShow,
  'runs:watch': RunsWatch,
}

async function catalogDirs(): Promise<string[]> {
  let config: Awaited<ReturnType<typeof import('./config/config.js').loadConfig>>
  try {
    const {loadConfig} = await import('./config/config.js')
    config = await loadConfig({file: configFlag(process.argv)})
  } catch {
    // A broken configuration is reported by the command that runs; the bundled catalog
    // still gives every command its help.
    return []
  }

  const mode = gitCatalogMode(process.argv.slice(2))
  if (config.gitCatalogs.length > 0 && mode) {
    const {gitCatalogWarnings, syncGitCatalogs} = await import('./actions/git-catalog.js')
    const statuses = syncGitCatalogs(config.gitCatalogs, {mode, maxAgeMs: config.catalogMaxAgeMs})
    // Completion runs on every Tab, where a warning would garble the command line.
    if (mode !== 'offline') for (const warning of gitCatalogWarnings(statuses)) process.stderr.write(`! ${warning}\n`)
  }

  return config.catalog
}

/**
 * Chooses how this start may update git catalogs: `idp actions update` fetches them itself,
 * completion never runs git, help and `--version` only clone a missing copy, and every other
 * command fetches a copy older than `catalogMaxAge`.
 */
function gitCatalogMode(argv: string[]): GitCatalogMode | undefined {
  const words = argv.filter((argument) => !argument.startsWith('-'))
  if (words[0] === 'actions' && words[1] === 'update') return undefined
  if (words[0] === 'autocomplete') return 'offline'
  if (argv.length === 0 || words[0] === 'help' || argv.some((argument) => ['--help', '-h', '--version'].includes(argument))) return 'cached'
  return 'auto'
}

function configFlag(argv: string[]): string | undefined {
  const index = argv.indexOf('--config')
  if (index >= 0) return argv[index + 1]
  return argv.find((argument) => argument.startsWith('--config='))?.slice('--config='.length)
}

/**
 * On the command line (`bin/run.js` sets this mark), only the command it names is built in full,
 * with its flags and examples: building a command reads its whole manifest, which took about
 * 2 ms per bundled action at every start. When the command line names a command, the others are
 * left out. Otherwise, as for `idp --help`, a topic or a mistyped command, they get a summary for
 * help and suggestions. Code that loads the commands in the same process, such as the tests,
 * gets every command in full.
 */
const FROM_COMMAND_LINE = (globalThis as Record<symbol, unknown>)[Symbol.for('idp.commandLine')] === true

/**
 * Returns the command ids the command line may name: each prefix of its words, in the space
 * and colon forms (`idp db create --help` may mean `db` or `db:create`). Returns undefined for
 * completion, which needs every command in full.
 */
function requestedCommandIds(argv: string[]): Set<string> | undefined {
  const words = argv.filter((argument) => !argument.startsWith('-')).flatMap((word) => word.split(':'))
  if (words[0] === 'autocomplete') return undefined
  if (words[0] === 'help') words.shift()
  return new Set(words.map((_, index) => words.slice(0, index + 1).join(':')))
}

/**
 * Every command, keyed by oclif id (`db:create` is `idp db create`). oclif imports this module
 * with the explicit discovery strategy; action commands come from the manifests.
 *
 * A manifest whose action name or command words another manifest declares too still gets its
 * command, so that `--help` works, but the command fails with the duplicate, naming both files.
 * The first manifest's help is the one shown. Command words that are a fixed command's id, such
 * as `actions list`, are left out: the fixed command wins.
 */
export const COMMANDS: Record<string, Command.Class> = {...STATIC_COMMANDS}
// `--dry-run` writes nothing anywhere, not even the catalog index.
const catalog = readCatalog(await catalogDirs(), {index: process.argv.includes('--dry-run') ? 'read-only' : true})
const requested = requestedCommandIds(process.argv.slice(2))
const named = requested && [...Object.keys(STATIC_COMMANDS), ...catalog.entries.map(commandIdOf)].filter((id) => requested.has(id))
const complete = !requested || !FROM_COMMAND_LINE
for (const entry of catalog.entries) {
  const id = commandIdOf(entry)
  if (id in COMMANDS) continue
  const duplicates = duplicatesOf(entry, catalog.duplicates)
  if (complete || requested.has(id)) COMMANDS[id] = createActionCommand(entry, duplicates)
  // When the command line names a command, only that command and those below it are needed.
  else if (named!.length === 0 || named!.some((parent) => id.startsWith(`${parent}:`))) COMMANDS[id] = createActionSummaryCommand(entry, duplicates)
}

function commandIdOf(entry: CatalogEntry): string {
  return entry.command.split(' ').join(':')
}
