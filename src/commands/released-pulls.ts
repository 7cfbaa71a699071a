/**
 * The pull requests a version releases, for their "released in" comments (as semantic-release posts them).
 *
 * Rule: the commits between the previous released version's commit and the version's own commit
 * (`GET /repos/{o}/{r}/compare/{base}...{head}`), and for each commit the pull request that brought it in
 * (`GET /repos/{o}/{r}/commits/{sha}/pulls`, which for a commit on the default branch lists the merged pull
 * request that introduced it). The previous released version is the one WeChat had online when the
 * version was submitted; its commit is found like any version's (commit marker, then tag). Without it, only
 * the pull request of the version's own commit counts. Only a version whose commit is on the default
 * branch comments (compare default branch...commit is `behind` or `identical`), and only on pull requests
 * merged into the default branch. The list is computed once (when the version
 * is submitted) and kept in the review check's record, so later transitions comment on the same ones.
 */
import { mapSettled } from '../concurrency.js'
import type { GitHubClient } from '../github/client.js'

/** Pull requests commented on per version; the job summary says when there were more. */
export const MAX_RELEASED_PULLS = 50
/** Commits looked at per version (GitHub's compare lists 250 without paging). */
const MAX_COMPARED_COMMITS = 250
const LOOKUPS_IN_FLIGHT = 4

export interface ReleasedPulls {
  pulls: number[]
  /** More pull requests were merged (or more commits compared) than the limits allow. */
  more: boolean
}

export async function pullRequestsReleasedIn(
  github: GitHubClient,
  headSha: string,
  baseSha: string | undefined
): Promise<ReleasedPulls> {
  const defaultBranch = await github.getDefaultBranch()
  // On the default branch, the version's commit is behind (or at) the branch's head.
  const onDefault = await github.compareCommits(defaultBranch, headSha, { maxCommits: 1 })
  if (onDefault.status !== 'behind' && onDefault.status !== 'identical') return { pulls: [], more: false }
  let commits = [headSha]
  let more = false
  if (baseSha && baseSha !== headSha) {
    const comparison = await github.compareCommits(baseSha, headSha, { maxCommits: MAX_COMPARED_COMMITS })
    if (comparison.commits.length > 0) {
      // Newest first: when the limit cuts, the latest work keeps its comments.
      commits = comparison.commits.map((commit) => commit.sha).reverse()
      more = comparison.truncated || comparison.totalCommits > comparison.commits.length
    }
  }
  const found = new Set<number>()
  let next = 0
  // Stop looking once one more than the limit is known: that is enough to say "more".
  const settled = await mapSettled(Array.from({ length: LOOKUPS_IN_FLIGHT }), LOOKUPS_IN_FLIGHT, async () => {
    while (next < commits.length && found.size <= MAX_RELEASED_PULLS) {
      const sha = commits[next++] as string
      for (const pull of await github.findPullRequestsForCommit(sha)) {
        if (pull.mergedAt && pull.baseRef === defaultBranch) found.add(pull.number)
      }
    }
  })
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  // The newest pull requests (highest numbers) are the ones kept when there are too many.
  const newest = [...found].sort((a, b) => b - a)
  const pulls = newest.slice(0, MAX_RELEASED_PULLS).sort((a, b) => a - b)
  return { pulls, more: more || newest.length > MAX_RELEASED_PULLS }
}
