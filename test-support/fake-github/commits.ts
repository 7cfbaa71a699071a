/**
 * The git database's commits and trees, the refs that name them, and the commit graph: resolving a
 * commit-ish, ancestry, ranges, and the commit and compare routes.
 */
import { createHash } from 'node:crypto'
import { commitJson } from '../fake-github-json.js'
import type { FakeContext } from './context.js'
import { HttpError, notFound } from './errors.js'
import type { Identities } from './identities.js'
import { paginate, type Route } from './routing.js'
import type { FakeCommit } from './state.js'

export function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex')
}

export function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`blob ${content.length}\0`))
    .update(content)
    .digest('hex')
}

/** A commit as the REST API's commit routes answer it. */
function commitOf(context: FakeContext, sha: string): Record<string, unknown> {
  const commit = context.state.commits.get(sha) as FakeCommit
  return commitJson(context.json(), commit, commit.date)
}

/** A commit as the git database's routes answer it. */
function gitCommitJson(context: FakeContext, sha: string): Record<string, unknown> {
  const commit = context.state.commits.get(sha) as FakeCommit
  const person = { name: 'Octo Dev', email: 'dev@example.com', date: commit.date }
  const repoApi = context.repoApi()
  const web = `${context.serverUrl}/${context.owner}/${context.repo}`
  return {
    sha,
    node_id: `GC_${sha.slice(0, 8)}`,
    url: `${repoApi}/git/commits/${sha}`,
    html_url: `${web}/commit/${sha}`,
    author: person,
    committer: person,
    message: commit.message,
    tree: { sha: commit.tree, url: `${repoApi}/git/trees/${commit.tree}` },
    parents: commit.parents.map((parent) => ({
      sha: parent,
      url: `${repoApi}/git/commits/${parent}`,
      html_url: `${web}/commit/${parent}`
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
  }
}

export type CommitGraph = ReturnType<typeof createCommitGraph>

/** The graph of a new repository: the default branch with one empty commit. */
export function createCommitGraph(context: FakeContext) {
  const { state, defaultBranch } = context

  function storeTree(entries: Map<string, string>): string {
    const sha = sha1(`tree ${JSON.stringify([...entries].sort())}`)
    state.trees.set(sha, new Map(entries))
    return sha
  }
  function storeCommit(tree: string, parents: string[], message: string, sha?: string): string {
    const id = sha ?? sha1(`commit ${tree} ${parents.join(',')} ${message} ${context.newId()}`)
    state.commits.set(id, { sha: id, tree, parents, message, date: context.now() })
    return id
  }
  const emptyTree = storeTree(new Map())
  state.refs.set(`refs/heads/${defaultBranch}`, storeCommit(emptyTree, [], 'Initial commit'))

  function resolveCommitish(ref: string): string | undefined {
    if (state.commits.has(ref)) return ref
    for (const candidate of [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`]) {
      let sha = state.refs.get(candidate)
      for (let depth = 0; sha && state.tags.has(sha) && depth < 10; depth++)
        sha = state.tags.get(sha)?.object.sha
      if (sha && state.commits.has(sha)) return sha
    }
    return undefined
  }

  /** Every commit reachable from `sha` (itself included). */
  function ancestors(sha: string): Set<string> {
    const seen = new Set<string>()
    const queue = [sha]
    while (queue.length > 0) {
      const next = queue.pop() as string
      if (seen.has(next)) continue
      seen.add(next)
      queue.push(...(state.commits.get(next)?.parents ?? []))
    }
    return seen
  }

  /** Commits of `head` not in `base`, oldest first (parents before children). */
  function range(base: string, head: string): string[] {
    const excluded = ancestors(base)
    const ordered: string[] = []
    const visit = (sha: string, seen: Set<string>) => {
      if (seen.has(sha) || excluded.has(sha)) return
      seen.add(sha)
      for (const parent of state.commits.get(sha)?.parents ?? []) visit(parent, seen)
      ordered.push(sha)
    }
    visit(head, new Set())
    return ordered
  }

  function onDefaultBranch(sha: string): boolean {
    const head = state.refs.get(`refs/heads/${defaultBranch}`)
    return head !== undefined && ancestors(head).has(sha)
  }

  function addCommit(
    sha: string,
    message = `Commit ${sha.slice(0, 7)}`,
    commitOptions: { parents?: string[] } = {}
  ): void {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`Fake GitHub: "${sha}" is not a 40-character hex SHA.`)
    if (!state.commits.has(sha)) storeCommit(emptyTree, commitOptions.parents ?? [], message, sha)
  }

  function commitToBranch(branch: string, message: string, sha?: string): string {
    const ref = `refs/heads/${branch}`
    const parent = state.refs.get(ref) ?? state.refs.get(`refs/heads/${defaultBranch}`)
    const tree = state.commits.get(parent ?? '')?.tree ?? emptyTree
    const created = storeCommit(tree, parent ? [parent] : [], message, sha)
    state.refs.set(ref, created)
    return created
  }

  return {
    emptyTree,
    storeTree,
    storeCommit,
    resolveCommitish,
    ancestors,
    range,
    onDefaultBranch,
    addCommit,
    commitToBranch,
    commitOf: (sha: string) => commitOf(context, sha),
    gitCommitJson: (sha: string) => gitCommitJson(context, sha)
  }
}

export function commitRoutes(context: FakeContext, identities: Identities, graph: CommitGraph): Route[] {
  const { state, owner, repo } = context
  const { requirePermission } = identities
  const { resolveCommitish, ancestors, range, commitOf } = graph
  return [
    {
      method: 'GET',
      pattern: /^\/commits\/([0-9a-f]{4,40})$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const matches = [...state.commits.keys()].filter((sha) => sha.startsWith(ref ?? ''))
        if (matches.length !== 1) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        return { status: 200, body: { ...commitOf(matches[0] as string), files: [] } }
      }
    },
    {
      method: 'GET',
      pattern: /^\/compare\/(.+)$/,
      handle: ([, basehead], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const parts = /^(.+?)\.\.\.(.+)$/.exec(basehead ?? '')
        if (!parts) throw notFound()
        const base = resolveCommitish(parts[1] as string)
        const head = resolveCommitish(parts[2] as string)
        if (!base || !head) throw notFound()
        const ahead = range(base, head)
        const behind = range(head, base)
        const status =
          ahead.length === 0 && behind.length === 0
            ? 'identical'
            : behind.length === 0
              ? 'ahead'
              : ahead.length === 0
                ? 'behind'
                : 'diverged'
        const mergeBase =
          [...ancestors(head)].find(
            (sha) => ancestors(base).has(sha) && !range(sha, base).some((other) => ancestors(head).has(other))
          ) ?? base
        // Documented: without paging parameters at most 250 commits, ending with the newest of the comparison.
        const paged = request.query.page !== undefined || request.query.per_page !== undefined
        const page = paged
          ? paginate(ahead, request, `/repos/${owner}/${repo}/compare/${basehead}`)
          : { status: 200, body: ahead.slice(-250), headers: {} }
        const html = `${context.serverUrl}/${owner}/${repo}/compare/${basehead}`
        return {
          status: 200,
          headers: page.headers ?? {},
          body: {
            url: `${context.repoApi()}/compare/${basehead}`,
            html_url: html,
            permalink_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            base_commit: commitOf(base),
            merge_base_commit: commitOf(mergeBase),
            status,
            ahead_by: ahead.length,
            behind_by: behind.length,
            total_commits: ahead.length,
            commits: page.body.map(commitOf),
            files: []
          }
        }
      }
    }
  ]
}
