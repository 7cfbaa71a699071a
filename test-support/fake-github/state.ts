/**
 * The fake's repository: every object GitHub would store (check runs, issues, labels, comments, deployments,
 * pull requests, the git database and collaborators). One `FakeGitHubState` is shared by all route modules and
 * exposed to tests as `fake.state`.
 */
import type { FakeAppInfo, FakeComment, FakeIssue, FakeLabel, FakeUser } from '../fake-github-json.js'

export type FakeRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface FakeCheckRun {
  id: number
  head_sha: string
  name: string
  external_id: string
  status: string
  conclusion: string | null
  started_at: string | null
  completed_at: string | null
  details_url: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  /** Kept for assertions; GitHub does not return a run's actions, and neither does the fake. */
  actions: Array<{ label: string; description: string; identifier: string }>
  /** The App that created the run; only it may modify the run. */
  app: FakeAppInfo
  /** When the run was created (ms), for `stale`. */
  created_ms: number
}

export interface FakeDeployment {
  id: number
  ref: string
  sha: string
  environment: string
  description: string | null
  payload: unknown
  task: string
  auto_merge: boolean
  required_contexts: string[] | undefined
  production_environment: boolean
  transient_environment: boolean
  creator: FakeUser
  created_at: string
}

export interface FakeDeploymentStatus {
  id: number
  deployment_id: number
  state: string
  description: string
  log_url: string
  environment_url: string
  creator: FakeUser
  created_at: string
}

export interface FakePullRequest {
  number: number
  headSha: string
  headRef: string
  baseRef: string
  state: 'open' | 'closed'
  title: string
  user: FakeUser
  merged_at: string | null
  merge_commit_sha: string | null
  /** The pull request's own commits (its head included). */
  commits: string[]
}

export interface FakeCommit {
  sha: string
  tree: string
  parents: string[]
  message: string
  date: string
}

export interface FakeTagObject {
  sha: string
  tag: string
  message: string
  object: { type: 'commit' | 'tag'; sha: string }
}

export interface FakeGitHubState {
  checkRuns: FakeCheckRun[]
  /** Issues and pull requests share GitHub's issue numbers; a pull request's entry has `pull_request`. */
  issues: FakeIssue[]
  labels: FakeLabel[]
  comments: FakeComment[]
  deployments: FakeDeployment[]
  deploymentStatuses: FakeDeploymentStatus[]
  /** Full ref name (`refs/heads/main`, `refs/tags/v1.0.0`) → object sha. */
  refs: Map<string, string>
  /** Branch → path → content, read from the branch's current commit. */
  readonly files: Record<string, Record<string, Buffer>>
  pullRequests: FakePullRequest[]
  commits: Map<string, FakeCommit>
  /** Flat trees: tree sha → path → blob sha. */
  trees: Map<string, Map<string, string>>
  blobs: Map<string, Buffer>
  tags: Map<string, FakeTagObject>
  /** login → repository role (a custom role names its base role). */
  collaborators: Map<string, FakeRole | { name: string; base: FakeRole }>
}

/** An empty repository whose owner is its admin (no commits yet: see `createCommitGraph`). */
export function createState(owner: string): FakeGitHubState {
  const state: FakeGitHubState = {
    checkRuns: [],
    issues: [],
    labels: [],
    comments: [],
    deployments: [],
    deploymentStatuses: [],
    refs: new Map(),
    pullRequests: [],
    commits: new Map(),
    trees: new Map(),
    blobs: new Map(),
    tags: new Map(),
    collaborators: new Map([[owner, 'admin']]),
    get files() {
      const files: Record<string, Record<string, Buffer>> = {}
      for (const [ref, sha] of state.refs) {
        if (!ref.startsWith('refs/heads/')) continue
        const commit = state.commits.get(sha)
        const tree = commit ? state.trees.get(commit.tree) : undefined
        const branch: Record<string, Buffer> = {}
        for (const [path, blob] of tree ?? []) {
          const content = state.blobs.get(blob)
          if (content) branch[path] = content
        }
        files[ref.slice('refs/heads/'.length)] = branch
      }
      return files
    }
  }
  return state
}
