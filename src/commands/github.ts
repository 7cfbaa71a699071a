/** The GitHub client as commands use it: dry-run aware, logging every write it makes or would make. */
import type { RunContext } from '../context.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { createGitHubClient, type GitHubClient } from '../github/client.js'

export function gitHubFor(inputs: Inputs, context: RunContext): GitHubClient | undefined {
  if (!inputs.githubToken) {
    log.warning(
      'No github-token: check runs, the PR comment and deployments are skipped; see the job summary.'
    )
    return undefined
  }
  return createGitHubClient({
    token: inputs.githubToken,
    apiUrl: context.apiUrl,
    owner: context.owner,
    repo: context.repo,
    serverUrl: context.serverUrl,
    dryRun: inputs.dryRun,
    appSlug: inputs.githubAppSlug,
    onWrite: (line) => log.info(inputs.dryRun ? `[dry-run] ${line}` : line),
    log: (line) => log.debug(line),
    warn: (line) => log.warning(line)
  })
}
