/**
 * A stateful fake of the GitHub REST API on loopback (node:http, 127.0.0.1, port 0), laid out like GitHub
 * Enterprise Server (`<server>/api/v3`) so that API and web URLs differ as they do on github.com. It serves
 * the routes the action's GitHub client uses with GitHub's response shapes, status codes, `Link` pagination,
 * validation (422) and permissions (403), and records every request for assertions. Unit tests use it
 * in-process; end-to-end tests point the bundled action at it with GITHUB_API_URL=<url>.
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type FakeScope = 'checks' | 'pull-requests' | 'issues' | 'deployments' | 'contents'
export type FakeLevel = 'write' | 'read' | 'none'

export interface FakeGitHubOptions {
  owner: string
  repo: string
  defaultBranch?: string
  /** What the token may do; every scope defaults to write. */
  permissions?: Partial<Record<FakeScope, FakeLevel>>
  /** Author of comments made with an installation token (GITHUB_TOKEN). */
  botLogin?: string
  /** Tokens that act as a user (personal access tokens): token → login. Others act as the bot. */
  userTokens?: Record<string, string>
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
  /** The app that created the run; GITHUB_TOKEN's `github-actions` when left out. */
  app?: { id: number; slug: string; name: string }
}

export interface FakeUser {
  login: string
  type: 'Bot' | 'User'
}

export interface FakeComment {
  id: number
  issue_number: number
  body: string
  user: FakeUser
  created_at: string
  updated_at: string
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
  created_at: string
}

export interface FakeDeploymentStatus {
  id: number
  deployment_id: number
  state: string
  description: string
  log_url: string
  environment_url: string
  created_at: string
}

export interface FakePullRequest {
  number: number
  headSha: string
  state: 'open' | 'closed'
  /** When it was merged (a merged pull request is closed). */
  mergedAt?: string
  /** The branch it was opened against; the default branch when left out. */
  baseRef?: string
  /** The commits it brought to its base branch (their `/commits/{sha}/pulls` lists it). */
  commits?: string[]
}

interface FakeCommit {
  sha: string
  tree: string
  parents: string[]
  message: string
}

interface FakeTagObject {
  sha: string
  tag: string
  message: string
  object: { type: 'commit' | 'tag'; sha: string }
}

export interface FakeGitHubState {
  checkRuns: FakeCheckRun[]
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
}

export interface FakeGitHub {
  /** API root, for GITHUB_API_URL. */
  url: string
  /** Web root, for GITHUB_SERVER_URL. */
  serverUrl: string
  state: FakeGitHubState
  /** A commit; `parents` (default none) make history that `/compare` walks. */
  addCommit(sha: string, message?: string, parents?: string[]): void
  addTag(name: string, sha: string, options?: { annotated?: boolean }): void
  addPullRequest(pull: {
    number: number
    headSha: string
    state?: 'open' | 'closed'
    mergedAt?: string
    baseRef?: string
    commits?: string[]
  }): void
  addComment(issueNumber: number, comment: { body: string; login: string; type: 'Bot' | 'User' }): FakeComment
  requests(): RecordedRequest[]
  /** Non-GET requests only. */
  writes(): RecordedRequest[]
  resetLog(): void
  /** The next request matching method and path (exact string or pattern) fails once with this answer. */
  failNext(
    method: string,
    pathPattern: string | RegExp,
    status: number,
    body?: unknown,
    headers?: Record<string, string>
  ): void
  close(): Promise<void>
}

const API_PREFIX = '/api/v3'
const OUTPUT_LIMIT = 65535
const COMMENT_LIMIT = 65536
const CHECK_STATUSES = ['queued', 'in_progress', 'completed']
const CHECK_CONCLUSIONS = [
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required'
]
const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

const notFound = () => new HttpError(404, 'Not Found')
const invalid = (detail: string) => new HttpError(422, `Invalid request.\n\n${detail}`)

function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex')
}

function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`blob ${content.length}\0`))
    .update(content)
    .digest('hex')
}

interface Route {
  method: string
  pattern: RegExp
  handle: (match: string[], request: ParsedRequest) => Reply
}

interface ParsedRequest {
  query: Record<string, string>
  body: Record<string, unknown>
  token: string
  origin: string
}

interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const { owner, repo } = options
  const defaultBranch = options.defaultBranch ?? 'main'
  const botLogin = options.botLogin ?? 'github-actions[bot]'
  const permissions: Record<FakeScope, FakeLevel> = {
    checks: 'write',
    'pull-requests': 'write',
    issues: 'write',
    deployments: 'write',
    contents: 'write',
    ...options.permissions
  }
  let nextId = 1_000_001
  const newId = () => nextId++
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
  const log: RecordedRequest[] = []
  const failures: Array<{
    method: string
    pattern: string | RegExp
    status: number
    body: unknown
    headers: Record<string, string>
  }> = []
  let serverUrl = ''
  const issues = new Set<number>()

  const state: FakeGitHubState = {
    checkRuns: [],
    comments: [],
    deployments: [],
    deploymentStatuses: [],
    refs: new Map(),
    pullRequests: [],
    commits: new Map(),
    trees: new Map(),
    blobs: new Map(),
    tags: new Map(),
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
  function storeCommit(tree: string, parents: string[], message: string): string {
    const sha = sha1(`commit ${tree} ${parents.join(',')} ${message} ${nextId++}`)
    state.commits.set(sha, { sha, tree, parents, message })
    return sha
  }
  state.refs.set(`refs/heads/${defaultBranch}`, storeCommit(emptyTree, [], 'Initial commit'))

  // ---- helpers -------------------------------------------------------------------------------------

  function requirePermission(scope: FakeScope | FakeScope[], level: 'read' | 'write'): void {
    const scopes = Array.isArray(scope) ? scope : [scope]
    const allowed = scopes.some((name) => {
      const granted = permissions[name]
      return level === 'read' ? granted !== 'none' : granted === 'write'
    })
    if (!allowed) throw new HttpError(403, 'Resource not accessible by integration')
  }

  function actor(token: string): FakeUser {
    const login = options.userTokens?.[token]
    return login ? { login, type: 'User' } : { login: botLogin, type: 'Bot' }
  }

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

  function paginate<T>(items: T[], request: ParsedRequest, path: string): Reply & { body: T[] } {
    const perPage = Math.min(100, Math.max(1, Number(request.query.per_page ?? 30) || 30))
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

  const repoApi = () => `${serverUrl}${API_PREFIX}/repos/${owner}/${repo}`

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
      check_suite: { id: 1 },
      app: run.app ?? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
      pull_requests: []
    }
  }

  function commentJson(comment: FakeComment): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${repoApi()}/issues/comments/${comment.id}`,
      html_url: `${serverUrl}/${owner}/${repo}/pull/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${repoApi()}/issues/${comment.issue_number}`,
      body: comment.body,
      user: { login: comment.user.login, id: 41898282, type: comment.user.type },
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: 'NONE'
    }
  }

  function deploymentJson(deployment: FakeDeployment): Record<string, unknown> {
    return {
      id: deployment.id,
      node_id: `DE_${deployment.id}`,
      url: `${repoApi()}/deployments/${deployment.id}`,
      statuses_url: `${repoApi()}/deployments/${deployment.id}/statuses`,
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.environment,
      environment: deployment.environment,
      description: deployment.description,
      creator: { login: botLogin, type: 'Bot' },
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
      state: status.state,
      description: status.description,
      environment_url: status.environment_url,
      log_url: status.log_url,
      target_url: status.log_url,
      creator: { login: botLogin, type: 'Bot' },
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
    return {
      type: 'file',
      encoding: 'base64',
      size: content.length,
      name: path.split('/').pop(),
      path,
      sha: blobSha,
      content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
      url: `${repoApi()}/contents/${path}?ref=${branch}`,
      html_url: `${serverUrl}/${owner}/${repo}/blob/${branch}/${path}`,
      download_url: `${serverUrl}/${owner}/${repo}/raw/${branch}/${path}`,
      git_url: `${repoApi()}/git/blobs/${blobSha}`
    }
  }

  // ---- validation ----------------------------------------------------------------------------------

  function optionalString(body: Record<string, unknown>, key: string): string | undefined {
    const value = body[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') throw invalid(`For '${key}', ${JSON.stringify(value)} is not a string.`)
    return value
  }

  function validateCheckFields(body: Record<string, unknown>, run: Partial<FakeCheckRun>): void {
    const status = optionalString(body, 'status')
    const conclusion = optionalString(body, 'conclusion')
    if (status !== undefined && !CHECK_STATUSES.includes(status)) {
      throw invalid(`For 'status', "${status}" is not a valid value.`)
    }
    if (conclusion !== undefined && !CHECK_CONCLUSIONS.includes(conclusion)) {
      throw invalid(`For 'conclusion', "${conclusion}" is not a valid value.`)
    }
    if (status === 'completed' && conclusion === undefined) {
      throw invalid(`"conclusion" wasn't supplied.`)
    }
    for (const key of ['details_url', 'external_id', 'started_at', 'completed_at']) optionalString(body, key)
    const output = body.output
    if (output !== undefined) {
      if (typeof output !== 'object' || output === null) throw invalid(`For 'output', it is not an object.`)
      const fields = output as Record<string, unknown>
      const title = optionalString(fields, 'title')
      const summary = optionalString(fields, 'summary')
      const text = optionalString(fields, 'text')
      if (!title) throw invalid(`"title" wasn't supplied.`)
      if (summary === undefined) throw invalid(`"summary" wasn't supplied.`)
      for (const [key, value] of [
        ['summary', summary],
        ['text', text]
      ] as const) {
        if (value !== undefined && value.length > OUTPUT_LIMIT) {
          throw invalid(
            `Only ${OUTPUT_LIMIT} characters are allowed; ${value.length} were supplied (output.${key}).`
          )
        }
      }
      run.output = { title, summary, text: text ?? null }
    }
    const actions = body.actions
    if (actions !== undefined) {
      if (!Array.isArray(actions)) throw invalid(`For 'actions', it is not an array.`)
      if (actions.length > 3) throw invalid(`For 'actions', the array is longer than 3 items.`)
      const parsed: FakeCheckRun['actions'] = []
      for (const action of actions as Array<Record<string, unknown>>) {
        const limits = { label: 20, description: 40, identifier: 20 } as const
        for (const [key, limit] of Object.entries(limits)) {
          const value = action[key]
          if (typeof value !== 'string' || !value) throw invalid(`"${key}" wasn't supplied (actions).`)
          if (value.length > limit) throw invalid(`For 'actions/${key}', "${value}" is longer than ${limit}.`)
        }
        parsed.push({
          label: String(action.label),
          description: String(action.description),
          identifier: String(action.identifier)
        })
      }
      run.actions = parsed
    }
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

  function requireIssue(issueNumber: number): void {
    if (!issues.has(issueNumber)) throw notFound()
  }

  function newestFirst<T extends { id: number }>(items: T[]): T[] {
    return [...items].sort((a, b) => b.id - a.id)
  }

  // ---- routes (paths below /repos/{owner}/{repo}) -------------------------------------------------

  const repoRoutes: Route[] = [
    {
      method: 'GET',
      pattern: /^$/,
      handle: () => ({
        status: 200,
        body: {
          id: 1,
          name: repo,
          full_name: `${owner}/${repo}`,
          private: false,
          owner: { login: owner, type: 'Organization' },
          html_url: `${serverUrl}/${owner}/${repo}`,
          default_branch: defaultBranch
        }
      })
    },
    {
      method: 'GET',
      pattern: /^\/commits\/([^/]+)\/check-runs$/,
      handle: ([, ref], request) => {
        requirePermission('checks', 'read')
        const sha = resolveCommitish(ref ?? '')
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        let runs = state.checkRuns.filter((run) => run.head_sha === sha)
        if (request.query.check_name) runs = runs.filter((run) => run.name === request.query.check_name)
        if (request.query.status) runs = runs.filter((run) => run.status === request.query.status)
        if ((request.query.filter ?? 'latest') === 'latest') {
          const newestByName = new Map<string, FakeCheckRun>()
          for (const run of runs) {
            const seen = newestByName.get(run.name)
            if (!seen || seen.id < run.id) newestByName.set(run.name, run)
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
        requirePermission('checks', 'write')
        const { body } = request
        const name = optionalString(body, 'name')
        const headSha = optionalString(body, 'head_sha')
        if (!name) throw invalid(`"name" wasn't supplied.`)
        if (!headSha) throw invalid(`"head_sha" wasn't supplied.`)
        if (!state.commits.has(headSha)) throw new HttpError(422, `No commit found for SHA: ${headSha}`)
        const run: FakeCheckRun = {
          id: newId(),
          head_sha: headSha,
          name,
          external_id: '',
          status: 'queued',
          conclusion: null,
          started_at: now(),
          completed_at: null,
          details_url: null,
          output: { title: null, summary: null, text: null },
          actions: []
        }
        validateCheckFields(body, run)
        state.checkRuns.push(run)
        return { status: 201, body: checkRunJson(run) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id]) => {
        requirePermission('checks', 'read')
        return { status: 200, body: checkRunJson(findCheckRun(id ?? '')) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission('checks', 'write')
        const run = findCheckRun(id ?? '')
        const updated: FakeCheckRun = structuredClone(run)
        if (request.body.name !== undefined) updated.name = optionalString(request.body, 'name') ?? run.name
        validateCheckFields(request.body, updated)
        Object.assign(run, updated)
        return { status: 200, body: checkRunJson(run) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, issue], request) => {
        requirePermission(['issues', 'pull-requests'], 'read')
        requireIssue(Number(issue))
        const comments = state.comments.filter((comment) => comment.issue_number === Number(issue))
        const page = paginate(comments, request, `/repos/${owner}/${repo}/issues/${issue}/comments`)
        return { ...page, body: page.body.map(commentJson) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, issue], request) => {
        requirePermission(['issues', 'pull-requests'], 'write')
        requireIssue(Number(issue))
        const body = optionalString(request.body, 'body')
        if (!body) throw invalid(`"body" wasn't supplied.`)
        if (body.length > COMMENT_LIMIT) {
          throw new HttpError(
            422,
            `Validation Failed: Body is too long (maximum is ${COMMENT_LIMIT} characters)`
          )
        }
        const comment: FakeComment = {
          id: newId(),
          issue_number: Number(issue),
          body,
          user: actor(request.token),
          created_at: now(),
          updated_at: now()
        }
        state.comments.push(comment)
        return { status: 201, body: commentJson(comment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id]) => {
        requirePermission(['issues', 'pull-requests'], 'read')
        const comment = state.comments.find((candidate) => candidate.id === Number(id))
        if (!comment) throw notFound()
        return { status: 200, body: commentJson(comment) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(['issues', 'pull-requests'], 'write')
        const comment = state.comments.find((candidate) => candidate.id === Number(id))
        if (!comment) throw notFound()
        const body = optionalString(request.body, 'body')
        if (!body) throw invalid(`"body" wasn't supplied.`)
        if (body.length > COMMENT_LIMIT) {
          throw new HttpError(
            422,
            `Validation Failed: Body is too long (maximum is ${COMMENT_LIMIT} characters)`
          )
        }
        comment.body = body
        comment.updated_at = now()
        return { status: 200, body: commentJson(comment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/commits\/([0-9a-f]{4,40})$/,
      handle: ([, ref]) => {
        requirePermission('contents', 'read')
        const matches = [...state.commits.keys()].filter((sha) => sha.startsWith(ref ?? ''))
        if (matches.length !== 1) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        const sha = matches[0] as string
        return { status: 200, body: { sha, html_url: `${serverUrl}/${owner}/${repo}/commit/${sha}` } }
      }
    },
    {
      method: 'GET',
      pattern: /^\/commits\/([^/]+)\/pulls$/,
      handle: ([, sha], request) => {
        requirePermission('contents', 'read')
        if (!state.commits.has(sha ?? '')) throw new HttpError(422, `No commit found for SHA: ${sha}`)
        const pulls = state.pullRequests.filter(
          (pull) => pull.headSha === sha || (pull.commits ?? []).includes(sha ?? '')
        )
        const page = paginate(pulls, request, `/repos/${owner}/${repo}/commits/${sha}/pulls`)
        return {
          ...page,
          body: page.body.map((pull) => ({
            id: pull.number + 500_000,
            number: pull.number,
            state: pull.state,
            merged_at: pull.mergedAt ?? null,
            html_url: `${serverUrl}/${owner}/${repo}/pull/${pull.number}`,
            head: { sha: pull.headSha, ref: `feature-${pull.number}` },
            base: { ref: pull.baseRef ?? defaultBranch }
          }))
        }
      }
    },
    {
      method: 'GET',
      pattern: /^\/compare\/([^/]+?)\.\.\.([^/]+)$/,
      handle: ([, baseRef, headRef], request) => {
        requirePermission('contents', 'read')
        const base = resolveCommitish(baseRef ?? '')
        const head = resolveCommitish(headRef ?? '')
        if (!base || !head) throw notFound()
        const ancestors = (start: string): string[] => {
          const seen: string[] = []
          const queue = [start]
          while (queue.length > 0) {
            const sha = queue.shift() as string
            if (seen.includes(sha)) continue
            seen.push(sha)
            queue.push(...(state.commits.get(sha)?.parents ?? []))
          }
          return seen
        }
        const ofBase = new Set(ancestors(base))
        const ofHead = ancestors(head)
        const ahead = ofHead.filter((sha) => !ofBase.has(sha)).reverse()
        const behind = [...ofBase].filter((sha) => !ofHead.includes(sha)).length
        const status =
          ahead.length === 0 && behind === 0
            ? 'identical'
            : behind === 0
              ? 'ahead'
              : ahead.length === 0
                ? 'behind'
                : 'diverged'
        const perPage = Math.min(100, Math.max(1, Number(request.query.per_page ?? 250) || 250))
        const page = Math.max(1, Number(request.query.page ?? 1) || 1)
        return {
          status: 200,
          body: {
            status,
            ahead_by: ahead.length,
            behind_by: behind,
            total_commits: ahead.length,
            commits: ahead.slice((page - 1) * perPage, page * perPage).map((sha) => ({
              sha,
              commit: { message: state.commits.get(sha)?.message ?? '' },
              parents: (state.commits.get(sha)?.parents ?? []).map((parent) => ({ sha: parent }))
            })),
            files: []
          }
        }
      }
    },
    {
      method: 'GET',
      pattern: /^\/git\/ref\/(.+)$/,
      handle: ([, ref]) => {
        requirePermission('contents', 'read')
        const full = `refs/${ref}`
        const sha = state.refs.get(full)
        if (!sha) throw notFound()
        return { status: 200, body: refJson(full, sha) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/git\/tags\/([0-9a-f]{40})$/,
      handle: ([, sha]) => {
        requirePermission('contents', 'read')
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
            verification: { verified: false, reason: 'unsigned', signature: null, payload: null }
          }
        }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/blobs$/,
      handle: (_match, request) => {
        requirePermission('contents', 'write')
        const content = optionalString(request.body, 'content')
        if (content === undefined) throw invalid(`"content" wasn't supplied.`)
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
        requirePermission('contents', 'write')
        const entries = request.body.tree
        if (!Array.isArray(entries) || entries.length === 0) throw invalid(`"tree" wasn't supplied.`)
        const baseTree = optionalString(request.body, 'base_tree')
        const tree = new Map(baseTree ? (state.trees.get(baseTree) ?? []) : [])
        for (const entry of entries as Array<Record<string, unknown>>) {
          const path = optionalString(entry, 'path')
          const sha = optionalString(entry, 'sha')
          if (!path || !sha) throw invalid(`"path" and "sha" are required for every tree entry.`)
          if (entry.type !== 'blob' || !['100644', '100755'].includes(String(entry.mode))) {
            throw invalid(`For 'tree/mode', only blob entries are supported by this fake.`)
          }
          if (!state.blobs.has(sha)) throw new HttpError(422, `Tree entry ${path}: blob ${sha} not found`)
          tree.set(path, sha)
        }
        const sha = storeTree(tree)
        return { status: 201, body: { sha, url: `${repoApi()}/git/trees/${sha}`, truncated: false } }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/commits$/,
      handle: (_match, request) => {
        requirePermission('contents', 'write')
        const message = optionalString(request.body, 'message')
        const tree = optionalString(request.body, 'tree')
        const parents = request.body.parents ?? []
        if (!message) throw invalid(`"message" wasn't supplied.`)
        if (!tree || !state.trees.has(tree)) throw invalid(`"tree" is not a valid tree.`)
        if (!Array.isArray(parents) || parents.some((parent) => !state.commits.has(String(parent)))) {
          throw invalid(`"parents" lists an unknown commit.`)
        }
        const sha = storeCommit(tree, parents.map(String), message)
        return {
          status: 201,
          body: { sha, url: `${repoApi()}/git/commits/${sha}`, tree: { sha: tree }, parents, message }
        }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/refs$/,
      handle: (_match, request) => {
        requirePermission('contents', 'write')
        const ref = optionalString(request.body, 'ref')
        const sha = optionalString(request.body, 'sha')
        if (!ref || !/^refs\/.+\/.+/.test(ref))
          throw invalid(`"ref" must start with refs/ and have two slashes.`)
        if (!sha || (!state.commits.has(sha) && !state.tags.has(sha)))
          throw new HttpError(422, 'Object does not exist')
        if (state.refs.has(ref)) throw new HttpError(422, 'Reference already exists')
        state.refs.set(ref, sha)
        return { status: 201, body: refJson(ref, sha) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/contents\/(.+)$/,
      handle: ([, path], request) => {
        requirePermission('contents', 'read')
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
        requirePermission('contents', 'write')
        const path = rawPath ?? ''
        const message = optionalString(request.body, 'message')
        const content = optionalString(request.body, 'content')
        const branch = optionalString(request.body, 'branch') ?? defaultBranch
        const givenSha = optionalString(request.body, 'sha')
        if (!message) throw invalid(`"message" wasn't supplied.`)
        if (content === undefined) throw invalid(`"content" wasn't supplied.`)
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
          body: {
            content: fileJson(branch, path, blobSha, data),
            commit: { sha: commitSha, message, html_url: `${serverUrl}/${owner}/${repo}/commit/${commitSha}` }
          }
        }
      }
    },
    {
      method: 'GET',
      pattern: /^\/deployments$/,
      handle: (_match, request) => {
        requirePermission('deployments', 'read')
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
        requirePermission('deployments', 'write')
        const { body } = request
        const ref = optionalString(body, 'ref')
        if (!ref) throw invalid(`"ref" wasn't supplied.`)
        const sha = resolveCommitish(ref)
        if (!sha) throw new HttpError(422, `No ref found for: ${ref}`)
        const payload = body.payload ?? {}
        const deployment: FakeDeployment = {
          id: newId(),
          ref,
          sha,
          environment: optionalString(body, 'environment') ?? 'production',
          description: optionalString(body, 'description') ?? null,
          // GitHub stores a string payload as given and an object as an object.
          payload,
          task: optionalString(body, 'task') ?? 'deploy',
          auto_merge: body.auto_merge !== false,
          required_contexts: Array.isArray(body.required_contexts)
            ? body.required_contexts.map(String)
            : undefined,
          production_environment: body.production_environment === true,
          transient_environment: body.transient_environment === true,
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
        requirePermission('deployments', 'read')
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
        requirePermission('deployments', 'write')
        if (!state.deployments.some((deployment) => deployment.id === Number(id))) throw notFound()
        const stateName = optionalString(request.body, 'state')
        if (!stateName || !DEPLOYMENT_STATES.includes(stateName)) {
          throw invalid(`For 'state', ${JSON.stringify(stateName)} is not a valid value.`)
        }
        const status: FakeDeploymentStatus = {
          id: newId(),
          deployment_id: Number(id),
          state: stateName,
          description: optionalString(request.body, 'description') ?? '',
          log_url:
            optionalString(request.body, 'log_url') ?? optionalString(request.body, 'target_url') ?? '',
          environment_url: optionalString(request.body, 'environment_url') ?? '',
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
      const login = options.userTokens?.[request.token]
      if (!login) throw new HttpError(403, 'Resource not accessible by integration')
      return { status: 200, body: { login, id: 1, type: 'User' } }
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
    // GitHub answers an unknown route, or a known one with another method, with 404.
    throw notFound()
  }

  function send(response: http.ServerResponse, reply: Reply): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body)
    response.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FAKE:${newId()}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...reply.headers
    })
    response.end(text)
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

      try {
        if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw notFound()
        const authorization = incoming.headers.authorization ?? ''
        const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)
        if (!auth?.[1]) throw new HttpError(401, 'Requires authentication')
        const failure = failures.findIndex(
          (candidate) =>
            candidate.method === method &&
            (typeof candidate.pattern === 'string'
              ? candidate.pattern === path
              : candidate.pattern.test(path))
        )
        if (failure >= 0) {
          const [injected] = failures.splice(failure, 1)
          if (injected) {
            send(response, {
              status: injected.status,
              body: injected.body ?? { message: http.STATUS_CODES[injected.status] ?? 'Error' },
              headers: injected.headers
            })
            return
          }
        }
        if (parseFailed) throw new HttpError(400, 'Problems parsing JSON')
        const parsedBody =
          typeof body === 'object' && body !== null && !Array.isArray(body)
            ? (body as Record<string, unknown>)
            : {}
        const origin = `http://${incoming.headers.host ?? '127.0.0.1'}`
        send(response, route(method, path, { query, body: parsedBody, token: auth[1], origin }))
      } catch (error) {
        if (error instanceof HttpError) {
          send(response, {
            status: error.status,
            body: { message: error.message, documentation_url: 'https://docs.github.com/rest' },
            headers: error.headers
          })
        } else {
          send(response, {
            status: 500,
            body: { message: error instanceof Error ? error.message : String(error) }
          })
        }
      }
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  serverUrl = `http://127.0.0.1:${port}`

  function addCommit(sha: string, message = `Commit ${sha.slice(0, 7)}`, parents: string[] = []): void {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`Fake GitHub: "${sha}" is not a 40-character hex SHA.`)
    if (!state.commits.has(sha)) state.commits.set(sha, { sha, tree: emptyTree, parents, message })
  }

  return {
    url: `${serverUrl}${API_PREFIX}`,
    serverUrl,
    state,
    addCommit,
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
      issues.add(pull.number)
      state.pullRequests.push({
        number: pull.number,
        headSha: pull.headSha,
        state: pull.state ?? (pull.mergedAt ? 'closed' : 'open'),
        ...(pull.mergedAt ? { mergedAt: pull.mergedAt } : {}),
        ...(pull.baseRef ? { baseRef: pull.baseRef } : {}),
        ...(pull.commits ? { commits: pull.commits } : {})
      })
    },
    addComment(issueNumber, comment) {
      issues.add(issueNumber)
      const created: FakeComment = {
        id: newId(),
        issue_number: issueNumber,
        body: comment.body,
        user: { login: comment.login, type: comment.type },
        created_at: now(),
        updated_at: now()
      }
      state.comments.push(created)
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
    failNext(method, pathPattern, status, body, headers = {}) {
      failures.push({ method: method.toUpperCase(), pattern: pathPattern, status, body, headers })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
