/**
 * A stateful fake of the GitHub REST API on loopback (node:http, 127.0.0.1, port 0), laid out like GitHub
 * Enterprise Server (`<server>/api/v3`) so that API and web URLs differ as they do on github.com.
 *
 * It follows GitHub's documents, not the action's client:
 * - Every request is checked against GitHub's official OpenAPI description (github-openapi.ts): an unknown
 *   route or method answers 404, a parameter or body that breaks the schema answers 422 "Invalid request",
 *   and every finding (also undocumented fields GitHub would ignore) is recorded; `violations()` lists them
 *   and end-to-end worlds fail on any. Every answer the fake gives is checked against the description's
 *   response schema too, so the fake cannot drift from GitHub's shapes unnoticed (`fakeFindings()`).
 * - Behaviour beyond the schema rests on GitHub's documents (cited in docs/platform-conformance.md (GitHub)):
 *   check-run output limited in UTF-8 bytes; runs owned by the App that created them (PATCH by another App
 *   → 403); `stale` after 14 days incomplete (injectable clock); issues, labels and comments with authors;
 *   issue edits by people with the `issues.edited` webhook payload; collaborator permissions per user;
 *   `/commits/{sha}/pulls` returning the merged pull request for a commit on the default branch and merged
 *   and open ones otherwise; compare over a commit graph; primary and secondary rate limits on demand.
 *
 * Tokens: any token acts as GitHub Actions' installation (GITHUB_TOKEN) unless listed in `appTokens` (another
 * App's installation token) or `userTokens` (a personal access token).
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  appJson,
  commentJson,
  commitJson,
  issueJson,
  labelJson,
  repositoryJson,
  timestamp,
  userJson,
  type FakeAppInfo,
  type FakeComment,
  type FakeIssue,
  type FakeLabel,
  type FakeUser,
  type JsonContext
} from './fake-github-json.js'
import { checkRequest, checkResponse } from './github-openapi.js'
import { validateWebhookPayload } from './github-webhooks.js'

export type { FakeAppInfo, FakeComment, FakeIssue, FakeLabel, FakeUser } from './fake-github-json.js'

export type FakeScope = 'checks' | 'pull-requests' | 'issues' | 'deployments' | 'contents'
export type FakeLevel = 'write' | 'read' | 'none'
export type FakeRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

/** GitHub Actions' App: the App of GITHUB_TOKEN. */
export const GITHUB_ACTIONS_APP: FakeAppInfo = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }

export interface FakeGitHubOptions {
  owner: string
  repo: string
  defaultBranch?: string
  /** What GITHUB_TOKEN may do; every scope defaults to write. */
  permissions?: Partial<Record<FakeScope, FakeLevel>>
  /** Installation tokens of other GitHub Apps: token → App (id and name are derived when absent). */
  appTokens?: Record<string, { slug: string; id?: number; name?: string }>
  /** Tokens that act as a user (personal access tokens): token → login. */
  userTokens?: Record<string, string>
  /** The clock in ms since the epoch (default: the real one); `advance()` moves the fake's time on. */
  now?: () => number
  /**
   * Check requests and answers against GitHub's description (default). Only a benchmark that times the
   * action's own work may turn it off; tests never do.
   */
  validate?: boolean
}

export interface RecordedRequest {
  method: string
  /** Path below the API root, decoded, without the query. */
  path: string
  query: Record<string, string>
  /** Lower-cased header names; `authorization` is left out. */
  headers: Record<string, string>
  body: unknown
}

/** A request that does not follow GitHub's OpenAPI description (or a documented rule beyond it). */
export interface Violation {
  method: string
  path: string
  /** `rejected`: GitHub refuses it too; `undocumented`: GitHub's behaviour is not documented for it. */
  kind: 'rejected' | 'undocumented'
  status?: number
  message: string
}

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

interface FakeCommit {
  sha: string
  tree: string
  parents: string[]
  message: string
  date: string
}

interface FakeTagObject {
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

export type RateLimit =
  | { kind: 'secondary'; status?: 403 | 429; retryAfterSeconds?: number }
  | { kind: 'primary'; status?: 403 | 429; resetAtSeconds: number }

export interface FakeGitHub {
  /** API root, for GITHUB_API_URL. */
  url: string
  /** Web root, for GITHUB_SERVER_URL. */
  serverUrl: string
  state: FakeGitHubState
  /** The fake's clock now (ms); moved on by `advance`. */
  now(): number
  advance(ms: number): void
  addCommit(sha: string, message?: string, options?: { parents?: string[] }): void
  /** A new commit on top of the branch (created from the default branch when missing); returns its sha. */
  commitToBranch(branch: string, message: string, sha?: string): string
  addTag(name: string, sha: string, options?: { annotated?: boolean }): void
  addPullRequest(pull: {
    number: number
    headSha: string
    state?: 'open' | 'closed'
    base?: string
    title?: string
    author?: string
    commits?: string[]
  }): FakePullRequest
  /** Merges the pull request into its base branch with a merge commit; returns the merge commit's sha. */
  mergePullRequest(number: number, options?: { mergeSha?: string }): string
  addComment(issueNumber: number, comment: { body: string; login: string; type: 'Bot' | 'User' }): FakeComment
  /** An issue opened by someone (a person, or another App's bot). */
  openIssue(issue: {
    title: string
    body: string
    labels?: string[]
    login: string
    type?: 'Bot' | 'User'
  }): FakeIssue
  /**
   * A person edits an issue's body in GitHub's UI: the body changes and the `issues.edited` webhook payload
   * GitHub would send is returned (checked against GitHub's webhook schema).
   */
  editIssueAsUser(issueNumber: number, login: string, body: string): Record<string, unknown>
  /** A person comments on an issue; returns the `issue_comment.created` payload (checked against the schema). */
  commentAsUser(issueNumber: number, login: string, body: string): Record<string, unknown>
  /** The user's role on the repository (GET …/collaborators/{username}/permission). */
  setRole(login: string, role: FakeRole | { name: string; base: FakeRole }): void
  /** A check run made by another App (planted, or by other CI). */
  addCheckRunOfApp(
    app: FakeAppInfo,
    run: Partial<Omit<FakeCheckRun, 'app' | 'id'>> & { head_sha: string; name: string }
  ): FakeCheckRun
  requests(): RecordedRequest[]
  /** Non-GET requests only. */
  writes(): RecordedRequest[]
  resetLog(): void
  /** Requests that did not follow GitHub's OpenAPI description or documented rules. */
  violations(): Violation[]
  clearViolations(): void
  /** Answers of the fake's that do not follow the description's response schemas (bugs of the fake). */
  fakeFindings(): string[]
  /** Throws, listing them, when any request broke GitHub's documents or any answer broke the fake's shapes. */
  assertFollowedDocuments(): void
  /** The next request matching method and path (exact string or pattern) fails once with this answer. */
  failNext(
    method: string,
    pathPattern: string | RegExp,
    status: number,
    body?: unknown,
    headers?: Record<string, string>
  ): void
  /** The next matching request is made, but its answer is lost: the client sees `status` (default 502). */
  loseAnswerNext(method: string, pathPattern: string | RegExp, status?: number): void
  /** The next matching request is refused by a rate limit, as GitHub refuses it. */
  rateLimitNext(method: string, pathPattern: string | RegExp, limit: RateLimit): void
  close(): Promise<void>
}

const API_PREFIX = '/api/v3'
const OUTPUT_BYTES = 65535
const BODY_CHARACTERS = 65536
const STALE_AFTER_MS = 14 * 24 * 3600 * 1000
const DOCS = 'https://docs.github.com/rest'
const ROLE_PERMISSION: Record<FakeRole, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none'
}

/**
 * Where GitHub's documents say more than the response schema: GitHub's checks guide documents the conclusion
 * `stale` (set by GitHub alone), which the check-run response schema's enum leaves out.
 */
function documentedBeyondSchema(path: string, value: unknown): boolean {
  if (value === 'stale' && /\/conclusion$/.test(path)) return true
  // A deployment status made without a log URL: the schema requires target_url, GitHub has none to give.
  // The action always sends log_url, so only the fake's own tests meet this.
  return value === '' && /\/target_url$/.test(path)
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

const notFound = () => new HttpError(404, 'Not Found')
const invalid = (detail: string) => new HttpError(422, `Invalid request.\n\n${detail}`)
/** GitHub's model-level refusals: "Validation Failed" with one error per field. */
const validationFailed = (resource: string, field: string, code: string, message?: string) =>
  new HttpError(422, 'Validation Failed', {
    errors: [{ resource, code, field, ...(message ? { message } : {}) }]
  })

function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex')
}

function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`blob ${content.length}\0`))
    .update(content)
    .digest('hex')
}

type Actor = { kind: 'app'; app: FakeAppInfo; bot: FakeUser } | { kind: 'user'; user: FakeUser }

interface ParsedRequest {
  query: Record<string, string>
  body: Record<string, unknown>
  actor: Actor
  origin: string
}

interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

interface Route {
  method: string
  pattern: RegExp
  handle: (match: string[], request: ParsedRequest) => Reply
}

interface Injected {
  method: string
  pattern: string | RegExp
  reply: () => Reply
  /** Make the request first, then answer with `reply` (an answer lost on the way back). */
  afterProcessing?: boolean
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const { owner, repo } = options
  const defaultBranch = options.defaultBranch ?? 'main'
  const permissions: Record<FakeScope, FakeLevel> = {
    checks: 'write',
    'pull-requests': 'write',
    issues: 'write',
    deployments: 'write',
    contents: 'write',
    ...options.permissions
  }
  let offsetMs = 0
  const clock = () => (options.now?.() ?? Date.now()) + offsetMs
  const now = () => timestamp(clock())
  let nextId = 1_000_001
  const newId = () => nextId++
  const log: RecordedRequest[] = []
  const violations: Violation[] = []
  const fakeFindings: string[] = []
  const injected: Injected[] = []
  let serverUrl = ''
  const context = (): JsonContext => ({
    serverUrl,
    apiUrl: `${serverUrl}${API_PREFIX}`,
    owner,
    repo,
    defaultBranch
  })

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

  const emptyTree = storeTree(new Map())
  function storeTree(entries: Map<string, string>): string {
    const sha = sha1(`tree ${JSON.stringify([...entries].sort())}`)
    state.trees.set(sha, new Map(entries))
    return sha
  }
  function storeCommit(tree: string, parents: string[], message: string, sha?: string): string {
    const id = sha ?? sha1(`commit ${tree} ${parents.join(',')} ${message} ${nextId++}`)
    state.commits.set(id, { sha: id, tree, parents, message, date: now() })
    return id
  }
  state.refs.set(`refs/heads/${defaultBranch}`, storeCommit(emptyTree, [], 'Initial commit'))

  // ---- identities ------------------------------------------------------------------------------------

  const appsByToken = new Map<string, FakeAppInfo>()
  for (const [token, app] of Object.entries(options.appTokens ?? {})) {
    appsByToken.set(token, {
      slug: app.slug,
      id: app.id ?? 500_000 + appsByToken.size,
      name: app.name ?? app.slug
    })
  }

  function actorFor(token: string): Actor {
    const login = options.userTokens?.[token]
    if (login) return { kind: 'user', user: { login, type: 'User' } }
    const app = appsByToken.get(token) ?? GITHUB_ACTIONS_APP
    return { kind: 'app', app, bot: { login: `${app.slug}[bot]`, type: 'Bot' } }
  }

  function authorOf(actor: Actor): FakeUser {
    return actor.kind === 'app' ? actor.bot : actor.user
  }

  function requirePermission(actor: Actor, scope: FakeScope | FakeScope[], level: 'read' | 'write'): void {
    // Other Apps' tokens and personal tokens are granted everything here; GITHUB_TOKEN has the job's permissions.
    if (actor.kind !== 'app' || actor.app.id !== GITHUB_ACTIONS_APP.id) return
    const scopes = Array.isArray(scope) ? scope : [scope]
    const allowed = scopes.some((name) => {
      const granted = permissions[name]
      return level === 'read' ? granted !== 'none' : granted === 'write'
    })
    if (!allowed) throw new HttpError(403, 'Resource not accessible by integration')
  }

  // ---- commits, refs and the commit graph ------------------------------------------------------------

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

  // ---- time: GitHub marks a run incomplete for 14 days `stale` ------------------------------------------

  function markStaleRuns(): void {
    for (const run of state.checkRuns) {
      if (run.status !== 'completed' && clock() - run.created_ms > STALE_AFTER_MS) {
        run.status = 'completed'
        run.conclusion = 'stale'
        run.completed_at = now()
      }
    }
  }

  // ---- JSON ------------------------------------------------------------------------------------------

  const repoApi = () => `${serverUrl}${API_PREFIX}/repos/${owner}/${repo}`

  function labelNamed(name: string): FakeLabel {
    let label = state.labels.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase())
    if (!label) {
      // GitHub creates a label named on an issue that does not exist yet (gray, no description).
      label = { id: newId(), name, color: 'ededed', description: null }
      state.labels.push(label)
    }
    return label
  }

  function issueOf(issue: FakeIssue): Record<string, unknown> {
    return issueJson(context(), issue, labelNamed)
  }

  function checkRunJson(run: FakeCheckRun): Record<string, unknown> {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      external_id: run.external_id,
      url: `${repoApi()}/check-runs/${run.id}`,
      html_url: `${serverUrl}/${owner}/${repo}/runs/${run.id}`,
      details_url: run.details_url,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: {
        ...run.output,
        annotations_count: 0,
        annotations_url: `${repoApi()}/check-runs/${run.id}/annotations`
      },
      name: run.name,
      check_suite: { id: run.app.id * 1000 + 1 },
      app: appJson(context(), run.app),
      pull_requests: []
    }
  }

  function commentOf(comment: FakeComment): Record<string, unknown> {
    const isPull = state.issues.some((issue) => issue.number === comment.issue_number && issue.pull_request)
    return commentJson(context(), comment, isPull)
  }

  function deploymentJson(deployment: FakeDeployment): Record<string, unknown> {
    return {
      id: deployment.id,
      node_id: `DE_${deployment.id}`,
      url: `${repoApi()}/deployments/${deployment.id}`,
      statuses_url: `${repoApi()}/deployments/${deployment.id}/statuses`,
      repository_url: repoApi(),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.environment,
      environment: deployment.environment,
      description: deployment.description,
      creator: userJson(context(), deployment.creator),
      created_at: deployment.created_at,
      updated_at: deployment.created_at,
      transient_environment: deployment.transient_environment,
      production_environment: deployment.production_environment
    }
  }

  function statusJson(status: FakeDeploymentStatus): Record<string, unknown> {
    return {
      id: status.id,
      node_id: `DES_${status.id}`,
      url: `${repoApi()}/deployments/${status.deployment_id}/statuses/${status.id}`,
      deployment_url: `${repoApi()}/deployments/${status.deployment_id}`,
      repository_url: repoApi(),
      state: status.state,
      description: status.description,
      environment: '',
      ...(status.environment_url ? { environment_url: status.environment_url } : {}),
      ...(status.log_url ? { log_url: status.log_url } : {}),
      target_url: status.log_url,
      creator: userJson(context(), status.creator),
      created_at: status.created_at,
      updated_at: status.created_at
    }
  }

  function refJson(ref: string, sha: string): Record<string, unknown> {
    const type = state.tags.has(sha) ? 'tag' : 'commit'
    return {
      ref,
      node_id: `REF_${sha.slice(0, 8)}`,
      url: `${repoApi()}/git/${ref}`,
      object: { type, sha, url: `${repoApi()}/git/${type}s/${sha}` }
    }
  }

  function fileJson(branch: string, path: string, blobSha: string, content: Buffer): Record<string, unknown> {
    const url = `${repoApi()}/contents/${path}?ref=${branch}`
    const html = `${serverUrl}/${owner}/${repo}/blob/${branch}/${path}`
    const git = `${repoApi()}/git/blobs/${blobSha}`
    return {
      type: 'file',
      encoding: 'base64',
      size: content.length,
      name: path.split('/').pop(),
      path,
      sha: blobSha,
      content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
      url,
      html_url: html,
      download_url: `${serverUrl}/${owner}/${repo}/raw/${branch}/${path}`,
      git_url: git,
      _links: { self: url, git, html }
    }
  }

  function gitCommitJson(sha: string): Record<string, unknown> {
    const commit = state.commits.get(sha) as FakeCommit
    const person = { name: 'Octo Dev', email: 'dev@example.com', date: commit.date }
    return {
      sha,
      node_id: `GC_${sha.slice(0, 8)}`,
      url: `${repoApi()}/git/commits/${sha}`,
      html_url: `${serverUrl}/${owner}/${repo}/commit/${sha}`,
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.tree, url: `${repoApi()}/git/trees/${commit.tree}` },
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${repoApi()}/git/commits/${parent}`,
        html_url: `${serverUrl}/${owner}/${repo}/commit/${parent}`
      })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
    }
  }

  function commitOf(sha: string): Record<string, unknown> {
    const commit = state.commits.get(sha) as FakeCommit
    return commitJson(context(), commit, commit.date)
  }

  function pullJson(pull: FakePullRequest): Record<string, unknown> {
    const api = repoApi()
    const html = `${serverUrl}/${owner}/${repo}/pull/${pull.number}`
    const branch = (ref: string, sha: string) => ({
      label: `${owner}:${ref}`,
      ref,
      sha,
      user: userJson(context(), { login: owner, type: 'Organization' }),
      repo: repositoryJson(context())
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
      user: userJson(context(), pull.user),
      body: null,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: now(),
      updated_at: now(),
      closed_at: pull.state === 'closed' ? (pull.merged_at ?? now()) : null,
      merged_at: pull.merged_at,
      merge_commit_sha: pull.merge_commit_sha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: branch(pull.headRef, pull.headSha),
      base: branch(pull.baseRef, state.refs.get(`refs/heads/${pull.baseRef}`) ?? pull.headSha),
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

  // ---- validation ------------------------------------------------------------------------------------

  function optionalString(body: Record<string, unknown>, key: string): string | undefined {
    const value = body[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') throw invalid(`For '${key}', ${JSON.stringify(value)} is not a string.`)
    return value
  }

  function checkBodyLength(body: string, resource: string): void {
    if ([...body].length > BODY_CHARACTERS) {
      throw validationFailed(
        resource,
        'body',
        'custom',
        `body is too long (maximum is ${BODY_CHARACTERS} characters)`
      )
    }
  }

  /** Applies a check-run create/update body (already valid per the schema) to `run`. */
  function applyCheckFields(
    body: Record<string, unknown>,
    run: FakeCheckRun,
    record: (violation: Omit<Violation, 'method' | 'path'>) => void
  ): void {
    const status = optionalString(body, 'status')
    const conclusion = optionalString(body, 'conclusion')
    // Documented: "You cannot change a check run conclusion to stale, only GitHub can set this."
    if (conclusion === 'stale') throw invalid(`For 'conclusion', "stale" can only be set by GitHub.`)
    if (status === 'completed' && conclusion === undefined) throw invalid(`"conclusion" wasn't supplied.`)
    const output = body.output as { title?: string; summary?: string; text?: string } | undefined
    if (output) {
      for (const field of ['summary', 'text'] as const) {
        const value = output[field]
        // GitHub counts bytes, although its description says characters (github/docs#35252).
        if (value !== undefined && Buffer.byteLength(value, 'utf8') > OUTPUT_BYTES) {
          throw validationFailed(
            'CheckRun',
            field,
            'custom',
            `${field} exceeds a maximum bytesize of ${OUTPUT_BYTES}`
          )
        }
      }
    }
    const reopens = run.status === 'completed' && ((status !== undefined && status !== 'completed') || false)
    if (reopens) {
      record({
        kind: 'undocumented',
        message: `Check run ${run.id} is completed${run.conclusion === 'stale' ? ' (stale)' : ''}; sending it back to "${status}" is not documented: create a new run.`
      })
    } else if (run.conclusion === 'stale') {
      record({
        kind: 'undocumented',
        message: `Check run ${run.id} is stale; updating a stale run is not documented: create a new run.`
      })
    }
    if (output)
      run.output = { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null }
    if (Array.isArray(body.actions)) run.actions = body.actions as FakeCheckRun['actions']
    if (status !== undefined) run.status = status
    if (body.external_id !== undefined) run.external_id = String(body.external_id ?? '')
    if (body.details_url !== undefined) run.details_url = optionalString(body, 'details_url') ?? null
    if (body.started_at !== undefined) run.started_at = optionalString(body, 'started_at') ?? null
    if (conclusion !== undefined) {
      // A conclusion completes the run, whatever the status says.
      run.conclusion = conclusion
      run.status = 'completed'
      run.completed_at = optionalString(body, 'completed_at') ?? now()
    } else if (status !== undefined && status !== 'completed') {
      run.conclusion = null
      run.completed_at = null
    }
  }

  function findCheckRun(id: string): FakeCheckRun {
    const run = state.checkRuns.find((candidate) => candidate.id === Number(id))
    if (!run) throw notFound()
    return run
  }

  function findIssue(issueNumber: number): FakeIssue {
    const issue = state.issues.find((candidate) => candidate.number === issueNumber)
    if (!issue) throw notFound()
    return issue
  }

  function newestFirst<T extends { id: number }>(items: T[]): T[] {
    return [...items].sort((a, b) => b.id - a.id)
  }

  function paginate<T>(
    items: T[],
    request: ParsedRequest,
    path: string,
    defaultPerPage = 30
  ): Reply & { body: T[] } {
    const perPage = Math.min(
      100,
      Math.max(1, Number(request.query.per_page ?? defaultPerPage) || defaultPerPage)
    )
    const page = Math.max(1, Number(request.query.page ?? 1) || 1)
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const slice = items.slice((page - 1) * perPage, page * perPage)
    const link = (target: number) => {
      const query = new URLSearchParams({ ...request.query, per_page: String(perPage), page: String(target) })
      return `<${request.origin}${API_PREFIX}${path}?${query.toString()}>`
    }
    const links: string[] = []
    if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`)
    if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`)
    return { status: 200, body: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} }
  }

  function nextIssueNumber(): number {
    return Math.max(0, ...state.issues.map((issue) => issue.number)) + 1
  }

  function createIssueRecord(fields: {
    number?: number
    title: string
    body: string | null
    labels: string[]
    user: FakeUser
    pull?: boolean
  }): FakeIssue {
    const issue: FakeIssue = {
      id: newId(),
      number: fields.number ?? nextIssueNumber(),
      title: fields.title,
      body: fields.body,
      state: 'open',
      user: fields.user,
      labels: fields.labels.map((name) => labelNamed(name).name),
      comments: 0,
      created_at: now(),
      updated_at: now(),
      closed_at: null,
      ...(fields.pull ? { pull_request: { merged_at: null } } : {})
    }
    state.issues.push(issue)
    return issue
  }

  // ---- routes (paths below /repos/{owner}/{repo}) -------------------------------------------------

  let recordViolation: (violation: Omit<Violation, 'method' | 'path'>) => void = () => undefined

  const repoRoutes: Route[] = [
    {
      method: 'GET',
      pattern: /^$/,
      handle: () => ({
        status: 200,
        body: { ...repositoryJson(context()), network_count: 0, subscribers_count: 0 }
      })
    },
    {
      method: 'GET',
      pattern: /^\/commits\/(.+)\/check-runs$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'checks', 'read')
        const sha = resolveCommitish(ref ?? '')
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        let runs = state.checkRuns.filter((run) => run.head_sha === sha)
        if (request.query.check_name) runs = runs.filter((run) => run.name === request.query.check_name)
        if (request.query.status) runs = runs.filter((run) => run.status === request.query.status)
        if (request.query.app_id) runs = runs.filter((run) => run.app.id === Number(request.query.app_id))
        if ((request.query.filter ?? 'latest') === 'latest') {
          const newestByName = new Map<string, FakeCheckRun>()
          for (const run of runs) {
            const key = `${run.app.id}:${run.name}`
            const seen = newestByName.get(key)
            if (!seen || seen.id < run.id) newestByName.set(key, run)
          }
          runs = [...newestByName.values()]
        }
        const page = paginate(newestFirst(runs), request, `/repos/${owner}/${repo}/commits/${ref}/check-runs`)
        return { ...page, body: { total_count: runs.length, check_runs: page.body.map(checkRunJson) } }
      }
    },
    {
      method: 'POST',
      pattern: /^\/check-runs$/,
      handle: (_match, request) => {
        const { actor, body } = request
        // "To create a check run, you must use a GitHub App."
        if (actor.kind !== 'app') throw new HttpError(403, 'You must authenticate via a GitHub App.')
        requirePermission(actor, 'checks', 'write')
        const headSha = String(body.head_sha)
        if (!state.commits.has(headSha)) throw new HttpError(422, `No commit found for SHA: ${headSha}`)
        const run: FakeCheckRun = {
          id: newId(),
          head_sha: headSha,
          name: String(body.name),
          external_id: '',
          status: 'queued',
          conclusion: null,
          started_at: now(),
          completed_at: null,
          details_url: null,
          output: { title: null, summary: null, text: null },
          actions: [],
          app: actor.app,
          created_ms: clock()
        }
        applyCheckFields(body, run, recordViolation)
        state.checkRuns.push(run)
        return { status: 201, body: checkRunJson(run) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'checks', 'read')
        return { status: 200, body: checkRunJson(findCheckRun(id ?? '')) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id], request) => {
        const { actor } = request
        if (actor.kind !== 'app') throw new HttpError(403, 'You must authenticate via a GitHub App.')
        requirePermission(actor, 'checks', 'write')
        const run = findCheckRun(id ?? '')
        if (run.app.id !== actor.app.id) {
          throw new HttpError(
            403,
            `Invalid app_id \`${run.app.id}\` - check run can only be modified by the GitHub App that created it.`
          )
        }
        const updated: FakeCheckRun = structuredClone(run)
        if (request.body.name !== undefined) updated.name = optionalString(request.body, 'name') ?? run.name
        applyCheckFields(request.body, updated, recordViolation)
        Object.assign(run, updated)
        return { status: 200, body: checkRunJson(run) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'read')
        const { query } = request
        const wantedState = query.state ?? 'open'
        let issues = state.issues.filter((issue) => wantedState === 'all' || issue.state === wantedState)
        if (query.labels) {
          const wanted = query.labels.split(',').map((name) => name.trim().toLowerCase())
          issues = issues.filter((issue) =>
            wanted.every((name) => issue.labels.some((label) => label.toLowerCase() === name))
          )
        }
        if (query.creator) issues = issues.filter((issue) => issue.user.login === query.creator)
        const key = query.sort === 'updated' ? 'updated_at' : 'created_at'
        const sorted = [...issues].sort((a, b) =>
          a[key] === b[key] ? a.number - b.number : a[key] < b[key] ? -1 : 1
        )
        if ((query.direction ?? 'desc') === 'desc') sorted.reverse()
        const page = paginate(sorted, request, `/repos/${owner}/${repo}/issues`)
        return { ...page, body: page.body.map(issueOf) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/issues$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'write')
        const body = optionalString(request.body, 'body') ?? null
        if (body !== null) checkBodyLength(body, 'Issue')
        const labels = Array.isArray(request.body.labels)
          ? request.body.labels.map((label) =>
              typeof label === 'string' ? label : String((label as { name?: string }).name)
            )
          : []
        const issue = createIssueRecord({
          title: String(request.body.title),
          body,
          labels,
          user: authorOf(request.actor)
        })
        return { status: 201, body: issueOf(issue) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)$/,
      handle: ([, number], request) => {
        requirePermission(request.actor, 'issues', 'read')
        return { status: 200, body: issueOf(findIssue(Number(number))) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/(\d+)$/,
      handle: ([, number], request) => {
        requirePermission(request.actor, 'issues', 'write')
        const issue = findIssue(Number(number))
        const { body } = request
        if (typeof body.body === 'string') checkBodyLength(body.body, 'Issue')
        if (body.title !== undefined && body.title !== null) issue.title = String(body.title)
        if (body.body !== undefined) issue.body = (body.body as string | null) ?? null
        if (body.state === 'open' || body.state === 'closed') {
          issue.state = body.state
          issue.closed_at = body.state === 'closed' ? now() : null
        }
        if (Array.isArray(body.labels)) {
          issue.labels = body.labels.map(
            (label) =>
              labelNamed(typeof label === 'string' ? label : String((label as { name?: string }).name)).name
          )
        }
        issue.updated_at = now()
        return { status: 200, body: issueOf(issue) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, issue], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'read')
        findIssue(Number(issue))
        const comments = state.comments.filter((comment) => comment.issue_number === Number(issue))
        const page = paginate(comments, request, `/repos/${owner}/${repo}/issues/${issue}/comments`)
        return { ...page, body: page.body.map(commentOf) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, number], request) => {
        const issue = findIssue(Number(number))
        requirePermission(request.actor, issue.pull_request ? ['issues', 'pull-requests'] : 'issues', 'write')
        const body = String(request.body.body)
        checkBodyLength(body, 'IssueComment')
        const comment: FakeComment = {
          id: newId(),
          issue_number: issue.number,
          body,
          user: authorOf(request.actor),
          created_at: now(),
          updated_at: now()
        }
        state.comments.push(comment)
        issue.comments++
        return { status: 201, body: commentOf(comment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'read')
        const comment = state.comments.find((candidate) => candidate.id === Number(id))
        if (!comment) throw notFound()
        return { status: 200, body: commentOf(comment) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'write')
        const comment = state.comments.find((candidate) => candidate.id === Number(id))
        if (!comment) throw notFound()
        const body = String(request.body.body)
        checkBodyLength(body, 'IssueComment')
        comment.body = body
        comment.updated_at = now()
        return { status: 200, body: commentOf(comment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/labels\/(.+)$/,
      handle: ([, name], request) => {
        requirePermission(request.actor, 'issues', 'read')
        const label = state.labels.find(
          (candidate) => candidate.name.toLowerCase() === (name ?? '').toLowerCase()
        )
        if (!label) throw notFound()
        return { status: 200, body: labelJson(context(), label) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/labels$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'write')
        const name = String(request.body.name)
        if (state.labels.some((label) => label.name.toLowerCase() === name.toLowerCase())) {
          throw validationFailed('Label', 'name', 'already_exists')
        }
        const color = optionalString(request.body, 'color') ?? 'ededed'
        if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validationFailed('Label', 'color', 'invalid')
        const label: FakeLabel = {
          id: newId(),
          name,
          color,
          description: optionalString(request.body, 'description') ?? null
        }
        state.labels.push(label)
        return { status: 201, body: labelJson(context(), label) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/collaborators\/([^/]+)\/permission$/,
      handle: ([, login]) => {
        const granted = state.collaborators.get(login ?? '')
        if (granted === undefined) throw notFound()
        const role = typeof granted === 'string' ? granted : granted.base
        const roleName = typeof granted === 'string' ? granted : granted.name
        const permission = ROLE_PERMISSION[role]
        const user = userJson(context(), { login: login ?? '', type: 'User' })
        return {
          status: 200,
          body: {
            permission,
            role_name: roleName,
            user: {
              ...user,
              permissions: {
                admin: role === 'admin',
                maintain: ['admin', 'maintain'].includes(role),
                push: ['admin', 'maintain', 'write'].includes(role),
                triage: role !== 'read' && role !== 'none',
                pull: role !== 'none'
              },
              role_name: roleName
            }
          }
        }
      }
    },
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
      pattern: /^\/commits\/([^/]+)\/pulls$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'contents', 'read')
        // "you can set the commit_sha parameter to the branch name"
        const sha = resolveCommitish(ref ?? '')
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        const touches = (pull: FakePullRequest) =>
          pull.headSha === sha || pull.commits.includes(sha) || pull.merge_commit_sha === sha
        // Documented: the merged pull request that introduced a commit on the default branch; merged and
        // open ones for a commit that is not (yet) there.
        const pulls = onDefaultBranch(sha)
          ? state.pullRequests.filter((pull) => pull.merged_at !== null && touches(pull))
          : state.pullRequests.filter(
              (pull) => touches(pull) && (pull.state === 'open' || pull.merged_at !== null)
            )
        const page = paginate(pulls, request, `/repos/${owner}/${repo}/commits/${ref}/pulls`)
        return { ...page, body: page.body.map(pullJson) }
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
        const html = `${serverUrl}/${owner}/${repo}/compare/${basehead}`
        return {
          status: 200,
          headers: page.headers ?? {},
          body: {
            url: `${repoApi()}/compare/${basehead}`,
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
    },
    {
      method: 'GET',
      pattern: /^\/git\/ref\/(.+)$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const full = `refs/${ref}`
        const sha = state.refs.get(full)
        if (!sha) throw notFound()
        return { status: 200, body: refJson(full, sha) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/git\/tags\/([0-9a-f]{40})$/,
      handle: ([, sha], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const tag = state.tags.get(sha ?? '')
        if (!tag) throw notFound()
        return {
          status: 200,
          body: {
            sha: tag.sha,
            node_id: `TAG_${tag.sha.slice(0, 8)}`,
            tag: tag.tag,
            message: tag.message,
            url: `${repoApi()}/git/tags/${tag.sha}`,
            tagger: { name: 'Release Bot', email: 'release@example.com', date: now() },
            object: { ...tag.object, url: `${repoApi()}/git/${tag.object.type}s/${tag.object.sha}` },
            verification: {
              verified: false,
              reason: 'unsigned',
              signature: null,
              payload: null,
              verified_at: null
            }
          }
        }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/blobs$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const content = String(request.body.content)
        const encoding = optionalString(request.body, 'encoding') ?? 'utf-8'
        const data = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8')
        const sha = gitBlobSha(data)
        state.blobs.set(sha, data)
        return { status: 201, body: { sha, url: `${repoApi()}/git/blobs/${sha}` } }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/trees$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const entries = request.body.tree as Array<Record<string, unknown>>
        const baseTree = optionalString(request.body, 'base_tree')
        const tree = new Map(baseTree ? (state.trees.get(baseTree) ?? []) : [])
        for (const entry of entries) {
          const path = String(entry.path)
          const sha = optionalString(entry, 'sha')
          if (entry.type !== 'blob' || !sha)
            throw invalid(`Only blob entries with a sha are supported by this fake.`)
          if (!state.blobs.has(sha)) throw new HttpError(422, `Tree entry ${path}: blob ${sha} not found`)
          tree.set(path, sha)
        }
        const sha = storeTree(tree)
        const body = {
          sha,
          url: `${repoApi()}/git/trees/${sha}`,
          truncated: false,
          tree: [...tree].map(([path, blob]) => ({
            path,
            mode: '100644',
            type: 'blob',
            sha: blob,
            size: state.blobs.get(blob)?.length ?? 0,
            url: `${repoApi()}/git/blobs/${blob}`
          }))
        }
        return { status: 201, body }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/commits$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const tree = String(request.body.tree)
        const parents = (request.body.parents as string[] | undefined) ?? []
        if (!state.trees.has(tree)) throw new HttpError(422, 'Tree SHA does not exist')
        if (parents.some((parent) => !state.commits.has(parent)))
          throw new HttpError(422, 'Parent SHA does not exist or is not a commit object')
        const sha = storeCommit(tree, parents, String(request.body.message))
        return { status: 201, body: gitCommitJson(sha) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/refs$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const ref = String(request.body.ref)
        const sha = String(request.body.sha)
        if (!/^refs\/.+\/.+/.test(ref))
          throw new HttpError(
            422,
            'Reference name is not valid (must start with refs/ and have at least two slashes)'
          )
        if (!state.commits.has(sha) && !state.tags.has(sha)) throw new HttpError(422, 'Object does not exist')
        if (state.refs.has(ref)) throw new HttpError(422, 'Reference already exists')
        state.refs.set(ref, sha)
        return { status: 201, body: refJson(ref, sha) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/contents\/(.+)$/,
      handle: ([, path], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const ref = request.query.ref ?? defaultBranch
        const commitSha = resolveCommitish(ref)
        if (!commitSha) throw new HttpError(404, `No commit found for the ref ${ref}`)
        const tree = state.trees.get(state.commits.get(commitSha)?.tree ?? '')
        const blobSha = tree?.get(path ?? '')
        const content = blobSha ? state.blobs.get(blobSha) : undefined
        if (!blobSha || !content) throw notFound()
        return { status: 200, body: fileJson(ref, path ?? '', blobSha, content) }
      }
    },
    {
      method: 'PUT',
      pattern: /^\/contents\/(.+)$/,
      handle: ([, rawPath], request) => {
        requirePermission(request.actor, 'contents', 'write')
        const path = rawPath ?? ''
        const message = String(request.body.message)
        const content = String(request.body.content)
        const branch = optionalString(request.body, 'branch') ?? defaultBranch
        const givenSha = optionalString(request.body, 'sha')
        const head = state.refs.get(`refs/heads/${branch}`)
        if (!head) throw new HttpError(404, `Branch ${branch} not found`)
        const tree = new Map(state.trees.get(state.commits.get(head)?.tree ?? '') ?? [])
        const existing = tree.get(path)
        if (existing && givenSha === undefined) throw invalid(`"sha" wasn't supplied.`)
        if (existing && givenSha !== existing) throw new HttpError(409, `${path} does not match ${givenSha}`)
        const data = Buffer.from(content, 'base64')
        const blobSha = gitBlobSha(data)
        state.blobs.set(blobSha, data)
        tree.set(path, blobSha)
        const commitSha = storeCommit(storeTree(tree), [head], message)
        state.refs.set(`refs/heads/${branch}`, commitSha)
        return {
          status: existing ? 200 : 201,
          body: { content: fileJson(branch, path, blobSha, data), commit: gitCommitJson(commitSha) }
        }
      }
    },
    {
      method: 'GET',
      pattern: /^\/deployments$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'deployments', 'read')
        let deployments = newestFirst(state.deployments)
        for (const key of ['environment', 'ref', 'sha', 'task'] as const) {
          const wanted = request.query[key]
          if (wanted !== undefined)
            deployments = deployments.filter((deployment) => deployment[key] === wanted)
        }
        const page = paginate(deployments, request, `/repos/${owner}/${repo}/deployments`)
        return { ...page, body: page.body.map(deploymentJson) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/deployments$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'deployments', 'write')
        const { body } = request
        const ref = String(body.ref)
        const sha = resolveCommitish(ref)
        if (!sha) throw validationFailed('Deployment', 'ref', 'invalid', `No ref found for: ${ref}`)
        const deployment: FakeDeployment = {
          id: newId(),
          ref,
          sha,
          environment: optionalString(body, 'environment') ?? 'production',
          description: optionalString(body, 'description') ?? null,
          // GitHub stores a string payload as given and an object as an object.
          payload: body.payload ?? {},
          task: optionalString(body, 'task') ?? 'deploy',
          auto_merge: body.auto_merge !== false,
          required_contexts: Array.isArray(body.required_contexts)
            ? body.required_contexts.map(String)
            : undefined,
          production_environment: body.production_environment === true,
          transient_environment: body.transient_environment === true,
          creator: authorOf(request.actor),
          created_at: now()
        }
        state.deployments.push(deployment)
        return { status: 201, body: deploymentJson(deployment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/deployments\/(\d+)\/statuses$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'deployments', 'read')
        if (!state.deployments.some((deployment) => deployment.id === Number(id))) throw notFound()
        const statuses = newestFirst(
          state.deploymentStatuses.filter((status) => status.deployment_id === Number(id))
        )
        const page = paginate(statuses, request, `/repos/${owner}/${repo}/deployments/${id}/statuses`)
        return { ...page, body: page.body.map(statusJson) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/deployments\/(\d+)\/statuses$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'deployments', 'write')
        if (!state.deployments.some((deployment) => deployment.id === Number(id))) throw notFound()
        const status: FakeDeploymentStatus = {
          id: newId(),
          deployment_id: Number(id),
          state: String(request.body.state),
          description: optionalString(request.body, 'description') ?? '',
          log_url:
            optionalString(request.body, 'log_url') ?? optionalString(request.body, 'target_url') ?? '',
          environment_url: optionalString(request.body, 'environment_url') ?? '',
          creator: authorOf(request.actor),
          created_at: now()
        }
        state.deploymentStatuses.push(status)
        return { status: 201, body: statusJson(status) }
      }
    }
  ]

  // ---- server --------------------------------------------------------------------------------------

  function route(method: string, path: string, request: ParsedRequest): Reply {
    if (path === '/user' && method === 'GET') {
      // Installation tokens cannot read /user; a personal access token reads its user.
      if (request.actor.kind !== 'user') throw new HttpError(403, 'Resource not accessible by integration')
      return {
        status: 200,
        body: {
          ...userJson(context(), request.actor.user),
          name: null,
          company: null,
          blog: '',
          location: null,
          email: null,
          hireable: null,
          bio: null,
          public_repos: 0,
          public_gists: 0,
          followers: 0,
          following: 0,
          created_at: timestamp(0),
          updated_at: timestamp(0)
        }
      }
    }
    const repoPrefix = `/repos/${owner}/${repo}`
    if (path !== repoPrefix && !path.startsWith(`${repoPrefix}/`)) throw notFound()
    const rest = path.slice(repoPrefix.length)
    for (const candidate of repoRoutes) {
      const match = candidate.method === method ? candidate.pattern.exec(rest) : null
      if (match)
        return candidate.handle(
          [...match].map((part) => part ?? ''),
          request
        )
    }
    // Documented routes the fake does not model answer 501, so a test cannot mistake them for GitHub's answer.
    throw new HttpError(501, `The fake GitHub does not model ${method} ${path}.`)
  }

  function send(response: http.ServerResponse, reply: Reply): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body)
    response.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FAKE:${newId()}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(clock() / 1000) + 3600),
      ...reply.headers
    })
    response.end(text)
  }

  function errorReply(error: unknown): Reply {
    if (error instanceof HttpError) {
      return {
        status: error.status,
        body: {
          message: error.message,
          ...error.extra,
          documentation_url: DOCS,
          status: String(error.status)
        },
        headers: error.headers
      }
    }
    return { status: 500, body: { message: error instanceof Error ? error.message : String(error) } }
  }

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const method = (incoming.method ?? 'GET').toUpperCase()
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
      const rawPath = url.pathname.startsWith(API_PREFIX)
        ? url.pathname.slice(API_PREFIX.length)
        : url.pathname
      // Octokit encodes "/" inside a parameter (refs, file paths) as %2F; GitHub decodes it.
      let path: string
      try {
        path = decodeURIComponent(rawPath)
      } catch {
        path = rawPath
      }
      const query = Object.fromEntries(url.searchParams)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (name !== 'authorization' && value !== undefined)
          headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      const rawBody = Buffer.concat(chunks).toString('utf8')
      let body: unknown = undefined
      let parseFailed = false
      if (rawBody) {
        try {
          body = JSON.parse(rawBody)
        } catch {
          body = rawBody
          parseFailed = true
        }
      }
      log.push({ method, path, query, headers, body })
      recordViolation = (violation) => violations.push({ method, path, ...violation })

      let reply: Reply
      let operation: { template: string } | undefined
      try {
        if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw notFound()
        const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(incoming.headers.authorization ?? '')
        if (!auth?.[1]) throw new HttpError(401, 'Requires authentication')
        if (parseFailed) throw new HttpError(400, 'Problems parsing JSON')
        const check =
          options.validate === false
            ? { findings: [] }
            : checkRequest(method, rawPath, query, body, { hasBody: rawBody.length > 0 })
        operation = check.operation
        for (const finding of check.findings) recordViolation(finding)
        const rejected = check.findings.filter((finding) => finding.kind === 'rejected')
        if (rejected.some((finding) => finding.status === 404)) throw notFound()
        if (rejected.length > 0) throw invalid(rejected.map((finding) => finding.message).join('\n'))
        const failure = injected.findIndex(
          (candidate) =>
            candidate.method === method &&
            (typeof candidate.pattern === 'string'
              ? candidate.pattern === path
              : candidate.pattern.test(path))
        )
        const [next] = failure >= 0 ? injected.splice(failure, 1) : []
        if (next && !next.afterProcessing) {
          reply = next.reply()
        } else {
          markStaleRuns()
          const parsedBody =
            typeof body === 'object' && body !== null && !Array.isArray(body)
              ? (body as Record<string, unknown>)
              : {}
          const origin = `http://${incoming.headers.host ?? '127.0.0.1'}`
          reply = route(method, path, { query, body: parsedBody, actor: actorFor(auth[1]), origin })
          if (next) reply = next.reply()
        }
      } catch (error) {
        reply = errorReply(error)
      }
      if (operation && reply.status < 500) {
        for (const finding of checkResponse(
          method,
          rawPath,
          reply.status,
          reply.body,
          documentedBeyondSchema
        )) {
          fakeFindings.push(`${method} ${operation.template} → ${reply.status}: ${finding}`)
        }
      }
      send(response, reply)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  serverUrl = `http://127.0.0.1:${port}`

  function webhookIssue(issue: FakeIssue): Record<string, unknown> {
    const json = issueOf(issue)
    return { ...json, performed_via_github_app: null }
  }

  function sender(login: string): Record<string, unknown> {
    return userJson(context(), { login, type: 'User' })
  }

  return {
    url: `${serverUrl}${API_PREFIX}`,
    serverUrl,
    state,
    now: clock,
    advance(ms) {
      offsetMs += ms
    },
    addCommit,
    commitToBranch,
    addTag(name, sha, tagOptions = {}) {
      addCommit(sha)
      if (tagOptions.annotated) {
        const tagSha = sha1(`tag ${name} ${sha}`)
        state.tags.set(tagSha, {
          sha: tagSha,
          tag: name,
          message: `Release ${name}`,
          object: { type: 'commit', sha }
        })
        state.refs.set(`refs/tags/${name}`, tagSha)
      } else {
        state.refs.set(`refs/tags/${name}`, sha)
      }
    },
    addPullRequest(pull) {
      addCommit(pull.headSha)
      const author: FakeUser = { login: pull.author ?? 'octocat', type: 'User' }
      const created: FakePullRequest = {
        number: pull.number,
        headSha: pull.headSha,
        headRef: `feature-${pull.number}`,
        baseRef: pull.base ?? defaultBranch,
        state: pull.state ?? 'open',
        title: pull.title ?? `Pull request ${pull.number}`,
        user: author,
        merged_at: null,
        merge_commit_sha: null,
        commits: pull.commits ?? [pull.headSha]
      }
      state.pullRequests.push(created)
      const issue = createIssueRecord({
        number: pull.number,
        title: created.title,
        body: null,
        labels: [],
        user: author,
        pull: true
      })
      if (created.state === 'closed') {
        issue.state = 'closed'
        issue.closed_at = now()
      }
      return created
    },
    mergePullRequest(number, mergeOptions = {}) {
      const pull = state.pullRequests.find((candidate) => candidate.number === number)
      if (!pull) throw new Error(`Fake GitHub: no pull request #${number}.`)
      const baseRef = `refs/heads/${pull.baseRef}`
      const baseHead = state.refs.get(baseRef)
      const tree = state.commits.get(pull.headSha)?.tree ?? emptyTree
      const merge = storeCommit(
        tree,
        baseHead ? [baseHead, pull.headSha] : [pull.headSha],
        `Merge pull request #${number}`,
        mergeOptions.mergeSha
      )
      state.refs.set(baseRef, merge)
      pull.state = 'closed'
      pull.merged_at = now()
      pull.merge_commit_sha = merge
      const issue = state.issues.find((candidate) => candidate.number === number)
      if (issue) {
        issue.state = 'closed'
        issue.closed_at = pull.merged_at
        issue.pull_request = { merged_at: pull.merged_at }
      }
      return merge
    },
    addComment(issueNumber, comment) {
      const issue =
        state.issues.find((candidate) => candidate.number === issueNumber) ??
        createIssueRecord({
          number: issueNumber,
          title: `Issue ${issueNumber}`,
          body: null,
          labels: [],
          user: { login: 'octocat', type: 'User' }
        })
      const created: FakeComment = {
        id: newId(),
        issue_number: issue.number,
        body: comment.body,
        user: { login: comment.login, type: comment.type },
        created_at: now(),
        updated_at: now()
      }
      state.comments.push(created)
      issue.comments++
      return created
    },
    openIssue(issue) {
      return createIssueRecord({
        title: issue.title,
        body: issue.body,
        labels: issue.labels ?? [],
        user: { login: issue.login, type: issue.type ?? 'User' }
      })
    },
    editIssueAsUser(issueNumber, login, body) {
      const issue = state.issues.find((candidate) => candidate.number === issueNumber)
      if (!issue) throw new Error(`Fake GitHub: no issue #${issueNumber}.`)
      const from = issue.body ?? ''
      issue.body = body
      issue.updated_at = now()
      return validateWebhookPayload('issues', 'edited', {
        action: 'edited',
        changes: { body: { from } },
        issue: webhookIssue(issue),
        repository: repositoryJson(context()),
        sender: sender(login)
      })
    },
    commentAsUser(issueNumber, login, body) {
      const issue = state.issues.find((candidate) => candidate.number === issueNumber)
      if (!issue) throw new Error(`Fake GitHub: no issue #${issueNumber}.`)
      const comment: FakeComment = {
        id: newId(),
        issue_number: issueNumber,
        body,
        user: { login, type: 'User' },
        created_at: now(),
        updated_at: now()
      }
      state.comments.push(comment)
      issue.comments++
      return validateWebhookPayload('issue_comment', 'created', {
        action: 'created',
        comment: { ...commentOf(comment), performed_via_github_app: null },
        issue: webhookIssue(issue),
        repository: repositoryJson(context()),
        sender: sender(login)
      })
    },
    setRole(login, role) {
      state.collaborators.set(login, role)
    },
    addCheckRunOfApp(app, run) {
      const created: FakeCheckRun = {
        id: newId(),
        external_id: '',
        status: 'completed',
        conclusion: 'success',
        started_at: now(),
        completed_at: now(),
        details_url: null,
        output: { title: run.name, summary: '', text: null },
        actions: [],
        created_ms: clock(),
        ...run,
        app
      }
      addCommit(run.head_sha)
      state.checkRuns.push(created)
      return created
    },
    requests: () => log.map((entry) => structuredClone(entry)),
    writes: () =>
      log
        .filter((entry) => entry.method !== 'GET' && entry.method !== 'HEAD')
        .map((entry) => structuredClone(entry)),
    resetLog: () => {
      log.length = 0
    },
    violations: () => violations.map((violation) => ({ ...violation })),
    clearViolations: () => {
      violations.length = 0
      fakeFindings.length = 0
    },
    fakeFindings: () => [...fakeFindings],
    assertFollowedDocuments() {
      const lines = [
        ...violations.map(
          (violation) =>
            `${violation.method} ${violation.path}: ${violation.kind}${violation.status ? ` (${violation.status})` : ''}: ${violation.message}`
        ),
        ...fakeFindings.map((finding) => `fake answer: ${finding}`)
      ]
      if (lines.length > 0) {
        throw new Error(`Requests to the fake GitHub did not follow GitHub's documents:\n${lines.join('\n')}`)
      }
    },
    failNext(method, pathPattern, status, body, headers = {}) {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        reply: () => ({ status, body: body ?? { message: http.STATUS_CODES[status] ?? 'Error' }, headers })
      })
    },
    loseAnswerNext(method, pathPattern, status = 502) {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        afterProcessing: true,
        reply: () => ({ status, body: { message: http.STATUS_CODES[status] ?? 'Error' } })
      })
    },
    rateLimitNext(method, pathPattern, limit) {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        reply: (): Reply =>
          limit.kind === 'secondary'
            ? {
                status: limit.status ?? 403,
                body: {
                  message:
                    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
                  documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`
                },
                headers: (limit.retryAfterSeconds !== undefined
                  ? { 'retry-after': String(limit.retryAfterSeconds) }
                  : {}) as Record<string, string>
              }
            : {
                status: limit.status ?? 403,
                body: {
                  message: 'API rate limit exceeded for installation ID 1.',
                  documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits`
                },
                headers: {
                  'x-ratelimit-limit': '5000',
                  'x-ratelimit-remaining': '0',
                  'x-ratelimit-used': '5000',
                  'x-ratelimit-resource': 'core',
                  'x-ratelimit-reset': String(limit.resetAtSeconds)
                }
              }
      })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
