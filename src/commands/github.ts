/** The GitHub client as commands use it: dry-run aware, logging every write it makes or would make. */
import type { RunContext } from '../context.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import type { GitHubClient } from '../github/client.js'
import { loadOnFirstCall } from '../load-on-first-call.js'

export function gitHubFor(inputs: Inputs, context: RunContext): GitHubClient | undefined {
  if (!inputs.githubToken) {
    log.warning(
      'No github-token: check runs, the PR comment and deployments are skipped; see the job summary.'
    )
    return undefined
  }
  const token = inputs.githubToken
  // Octokit and undici load on the first GitHub call, so the first WeChat request does not wait for them.
  let loaded: GitHubClient | undefined
  const known = {
    dryRun: inputs.dryRun,
    // The slug the client learns from its own writes, once it is loaded.
    get appSlug() {
      return loaded?.appSlug ?? inputs.githubAppSlug
    }
  }
  return loadOnFirstCall<GitHubClient>(known, async () => {
    const { createGitHubClient } = await import('../github/client.js')
    loaded = createGitHubClient({
      token,
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
    return loaded
  })
}
