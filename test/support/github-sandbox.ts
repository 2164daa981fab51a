import {join} from 'node:path'

import {runCliAsync, sandboxEnv, type CliResult} from './cli.js'
import {exampleRepositoryFiles} from './example-repository.js'
import {GitHubTestServer} from './github-server.js'
import {tempDir, type TempDir} from './temp.js'

/** A GitHub test server with acme/infrastructure, seeded from examples/infrastructure, and a working folder configured to use it. */
export interface GitHubSandbox {
  server: GitHubTestServer
  dir: TempDir
  env: NodeJS.ProcessEnv
  /** Runs the built CLI in the working folder. */
  run(args: string[]): Promise<CliResult>
  stop(): Promise<void>
}

/**
 * Starts a sandbox for a subprocess test against GitHub. Retries wait one millisecond per second
 * of retry-after, which keeps the waits real but short.
 */
export async function startGitHubSandbox(prefix: string, extraEnv: Record<string, string> = {}): Promise<GitHubSandbox> {
  const server = await GitHubTestServer.start()
  server.createRepository({owner: 'acme', name: 'infrastructure', files: await exampleRepositoryFiles()})
  const dir = tempDir(prefix)
  dir.write('work/.git/HEAD', '')
  dir.write('work/.idprc.yaml', 'target:\n  github:\n    repository: acme/infrastructure\n')
  const env = sandboxEnv(join(dir.path, 'home'), {GH_TOKEN: 'ghp_sandboxtoken', GITHUB_API_URL: server.url, IDP_GITHUB_RETRY_BASE_MS: '1', ...extraEnv})
  return {
    server,
    dir,
    env,
    run: (args) => runCliAsync(args, {cwd: join(dir.path, 'work'), env}),
    async stop() {
      await server.stop()
      dir.cleanup()
    },
  }
}
