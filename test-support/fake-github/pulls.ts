/**
 * Pull requests: opened and merged by tests, and found through `/commits/{sha}/pulls`, which returns the merged
 * pull request for a commit on the default branch and merged and open ones otherwise.
 */
import { repositoryJson, userJson, type FakeUser } from '../fake-github-json.js'
import type { CommitGraph } from './commits.js'
import type { FakeContext } from './context.js'
import { HttpError } from './errors.js'
import type { Identities } from './identities.js'
import type { IssueStore } from './issues.js'
import { paginate, type Route } from './routing.js'
import type { FakePullRequest } from './state.js'

export interface NewPullRequest {
  number: number
  headSha: string
  state?: 'open' | 'closed'
  base?: string
  title?: string
  author?: string
  commits?: string[]
}

function pullJson(context: FakeContext, pull: FakePullRequest): Record<string, unknown> {
  const { owner } = context
  const api = context.repoApi()
  const html = `${context.serverUrl}/${owner}/${context.repo}/pull/${pull.number}`
  const branch = (ref: string, sha: string) => ({
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: userJson(context.json(), { login: owner, type: 'Organization' }),
    repo: repositoryJson(context.json())
  })
  const link = (href: string) => ({ href })
  return {
    url: `${api}/pulls/${pull.number}`,
    id: pull.number + 500_000,
    node_id: `PR_${pull.number}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(context.json(), pull.user),
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: context.now(),
    updated_at: context.now(),
    closed_at: pull.state === 'closed' ? (pull.merged_at ?? context.now()) : null,
    merged_at: pull.merged_at,
    merge_commit_sha: pull.merge_commit_sha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.headRef, pull.headSha),
    base: branch(pull.baseRef, context.state.refs.get(`refs/heads/${pull.baseRef}`) ?? pull.headSha),
    _links: {
      self: link(`${api}/pulls/${pull.number}`),
      html: link(html),
      issue: link(`${api}/issues/${pull.number}`),
      comments: link(`${api}/issues/${pull.number}/comments`),
      review_comments: link(`${api}/pulls/${pull.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${api}/pulls/${pull.number}/commits`),
      statuses: link(`${api}/statuses/${pull.headSha}`)
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: false
  }
}

/** A pull request opened by someone, with its issue entry (closed when the pull request is). */
export function addPullRequest(
  context: FakeContext,
  graph: CommitGraph,
  issues: IssueStore,
  pull: NewPullRequest
): FakePullRequest {
  graph.addCommit(pull.headSha)
  const author: FakeUser = { login: pull.author ?? 'octocat', type: 'User' }
  const created: FakePullRequest = {
    number: pull.number,
    headSha: pull.headSha,
    headRef: `feature-${pull.number}`,
    baseRef: pull.base ?? context.defaultBranch,
    state: pull.state ?? 'open',
    title: pull.title ?? `Pull request ${pull.number}`,
    user: author,
    merged_at: null,
    merge_commit_sha: null,
    commits: pull.commits ?? [pull.headSha]
  }
  context.state.pullRequests.push(created)
  const issue = issues.createIssueRecord({
    number: pull.number,
    title: created.title,
    body: null,
    labels: [],
    user: author,
    pull: true
  })
  if (created.state === 'closed') {
    issue.state = 'closed'
    issue.closed_at = context.now()
  }
  return created
}

/** Merges the pull request into its base branch with a merge commit; returns the merge commit's sha. */
export function mergePullRequest(
  context: FakeContext,
  graph: CommitGraph,
  number: number,
  mergeOptions: { mergeSha?: string } = {}
): string {
  const { state } = context
  const pull = state.pullRequests.find((candidate) => candidate.number === number)
  if (!pull) throw new Error(`Fake GitHub: no pull request #${number}.`)
  const baseRef = `refs/heads/${pull.baseRef}`
  const baseHead = state.refs.get(baseRef)
  const tree = state.commits.get(pull.headSha)?.tree ?? graph.emptyTree
  const merge = graph.storeCommit(
    tree,
    baseHead ? [baseHead, pull.headSha] : [pull.headSha],
    `Merge pull request #${number}`,
    mergeOptions.mergeSha
  )
  state.refs.set(baseRef, merge)
  pull.state = 'closed'
  pull.merged_at = context.now()
  pull.merge_commit_sha = merge
  const issue = state.issues.find((candidate) => candidate.number === number)
  if (issue) {
    issue.state = 'closed'
    issue.closed_at = pull.merged_at
    issue.pull_request = { merged_at: pull.merged_at }
  }
  return merge
}

export function pullRoutes(
  context: FakeContext,
  { requirePermission }: Identities,
  graph: CommitGraph
): Route[] {
  const { state, owner, repo } = context
  return [
    {
      method: 'GET',
      pattern: /^\/commits\/([^/]+)\/pulls$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'contents', 'read')
        // "you can set the commit_sha parameter to the branch name"
        const sha = graph.resolveCommitish(ref ?? '')
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        const touches = (pull: FakePullRequest) =>
          pull.headSha === sha || pull.commits.includes(sha) || pull.merge_commit_sha === sha
        // Documented: the merged pull request that introduced a commit on the default branch; merged and
        // open ones for a commit that is not (yet) there.
        const pulls = graph.onDefaultBranch(sha)
          ? state.pullRequests.filter((pull) => pull.merged_at !== null && touches(pull))
          : state.pullRequests.filter(
              (pull) => touches(pull) && (pull.state === 'open' || pull.merged_at !== null)
            )
        const page = paginate(pulls, request, `/repos/${owner}/${repo}/commits/${ref}/pulls`)
        return { ...page, body: page.body.map((pull) => pullJson(context, pull)) }
      }
    }
  ]
}
