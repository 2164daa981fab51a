import {IdpCommand} from '../../cli/base-command.js'
import {ExitCode, IdpError} from '../../errors.js'

export default class ActionsUpdate extends IdpCommand {
  static override summary = 'Fetch the git catalogs of the configuration again.'
  static override description =
    'Clones or fetches each git repository listed under `catalog` in the configuration into its cached copy ($IDP_CACHE_DIR/catalogs, else $XDG_CACHE_HOME/idp/catalogs). Other commands fetch a copy by themselves when it is older than catalogMaxAge (default 24h); `--help` and completion use the copy as it is. A catalog that fails to fetch keeps its previous copy and makes the command fail (exit 1).'
  static override examples = [
    {description: 'Fetch every git catalog now.', command: '<%= config.bin %> actions update'},
    {description: 'The same, printing the folder and fetch time of each catalog as one JSON document.', command: '<%= config.bin %> actions update --json'},
  ]

  async run(): Promise<void> {
    const {flags} = await this.parse(ActionsUpdate)
    const [{loadConfig}, {describeGitCatalog, syncGitCatalogs}] = await Promise.all([import('../../config/config.js'), import('../../actions/git-catalog.js')])
    const config = await loadConfig({file: flags.config})
    const statuses = syncGitCatalogs(config.gitCatalogs, {mode: 'force', maxAgeMs: config.catalogMaxAgeMs})
    const failed = statuses.filter((status) => status.error)

    if (failed.length > 0) {
      const problems = failed.map((status) => ({file: status.source.url, message: status.error!}))
      throw new IdpError(`${failed.length} of ${statuses.length} git catalogs could not be fetched`, {
        code: 'CATALOG_FETCH_FAILED',
        exitCode: ExitCode.failure,
        problems,
        hint: 'Check the `git` URL and `ref` under `catalog` in the configuration, and that `git fetch` works for that repository from this machine.',
      })
    }

    if (flags.json) {
      this.printJson({
        catalogs: statuses.map(({source, fetchedAt}) => ({url: source.url, ref: source.ref, path: source.path, dir: source.dir, fetchedAt: fetchedAt?.toISOString()})),
      })
      return
    }

    if (statuses.length === 0) this.err('No git catalogs are configured: add `catalog: [{git: <url or path>, ref: <branch>}]` to the configuration.')
    for (const status of statuses) this.out(`Fetched ${describeGitCatalog(status.source)} into ${status.source.dir}`)
  }
}
