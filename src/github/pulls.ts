/**
 * Pull requests and commit ranges, to find the pull requests a release contains.
 * - `GET /repos/{o}/{r}/commits/{sha}/pulls` lists "the merged pull request that introduced the commit to the
 *   repository. If the commit is not present in the default branch, it will return merged and open pull
 *   requests associated with the commit."
 * - `GET /repos/{o}/{r}/compare/{base}...{head}` lists the commits of `git log base..head` in chronological
 *   order; without paging parameters at most 250, so the action always pages.
 */
import type { GitHubCore } from './core.js'

export interface PullRequestRef {
  number: number
  headSha: string
  state: 'open' | 'closed'
  /** ISO 8601, or null when the pull request was not merged. */
  mergedAt: string | null
  /** The branch it was opened against. */
  baseRef: string
  /** Untrusted text: render with the Markdown helpers. */
  title: string
  htmlUrl: string
}

export interface CommitRef {
  sha: string
  /** Untrusted text: render with the Markdown helpers. */
  message: string
}

export interface Comparison {
  status: 'ahead' | 'behind' | 'identical' | 'diverged'
  aheadBy: number
  behindBy: number
  /** Commits in `base..head`, as GitHub counts them. */
  totalCommits: number
  /** Oldest first; at most `maxCommits`. */
  commits: CommitRef[]
  /** Fewer commits were read than the range holds. */
  truncated: boolean
}

export interface CompareOptions {
  /** Stop after this many commits (default 1000: ten pages). */
  maxCommits?: number
}

const PAGE = 100

export function createPulls(core: GitHubCore) {
  const { octokit, owner, repo, repoPath } = core

  async function findPullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    const pulls = await core.call(`GET ${repoPath}/commits/${sha}/pulls`, 'pull-requests: read', false, () =>
      octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
        owner,
        repo,
        commit_sha: sha,
        per_page: 100
      })
    )
    return pulls.map((pull) => ({
      number: pull.number,
      headSha: pull.head.sha,
      state: pull.state === 'open' ? 'open' : 'closed',
      mergedAt: pull.merged_at ?? null,
      baseRef: pull.base.ref,
      title: pull.title,
      htmlUrl: pull.html_url
    }))
  }

  async function compareCommits(
    base: string,
    head: string,
    options: CompareOptions = {}
  ): Promise<Comparison> {
    const maxCommits = Math.max(1, options.maxCommits ?? 1000)
    const basehead = `${base}...${head}`
    const commits: CommitRef[] = []
    let summary: Omit<Comparison, 'commits' | 'truncated'> | undefined
    for (let page = 1; commits.length < maxCommits; page++) {
      const response = await core.call(`GET ${repoPath}/compare/${basehead}`, 'contents: read', false, () =>
        octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead, per_page: PAGE, page })
      )
      const data = response.data
      summary ??= {
        status: data.status,
        aheadBy: data.ahead_by,
        behindBy: data.behind_by,
        totalCommits: data.total_commits
      }
      for (const commit of data.commits) {
        if (commits.length >= maxCommits) break
        commits.push({ sha: commit.sha, message: commit.commit.message })
      }
      if (data.commits.length < PAGE || commits.length >= summary.totalCommits) break
    }
    const result = summary ?? { status: 'identical' as const, aheadBy: 0, behindBy: 0, totalCommits: 0 }
    return { ...result, commits, truncated: commits.length < result.totalCommits }
  }

  return { findPullRequestsForCommit, compareCommits }
}
