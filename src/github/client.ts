/**
 * The GitHub side of the action: check runs, the sticky PR comment, tags, deployments and files, behind one
 * small typed client. Every write is idempotent (read, compare, write only what differs) and every list is
 * paginated. In a dry run the reads still happen, so the "unchanged, no write" decision is the real one; each
 * write is reported through `onWrite` as one line and not made.
 */
import { createHash } from 'node:crypto'
import { redact } from '../redact.js'
import { GitHubApiError, GitHubPermissionError, type GitHubPermission } from './errors.js'
import { asHttpFailure, createOctokit, type Octokit, type RetryPolicy } from './octokit.js'
import { cutNotice, truncateForGitHub } from './truncate.js'

export { GitHubApiError, GitHubPermissionError, type GitHubPermission } from './errors.js'

/** GitHub's documented limits for the texts the action sends. */
export const LIMITS = {
  checkTitle: 255,
  checkOutput: 65535,
  comment: 65536,
  checkActions: 3,
  actionLabel: 20,
  actionDescription: 40,
  actionIdentifier: 20
} as const

const MARKER_PREFIX = 'wechat-miniprogram-release'
/** Hidden markers the action reads back; a cut text keeps them. */
const HIDDEN_MARKER = /<!--\s*wechat-miniprogram-release:[\s\S]*?-->/g
const ACTIONS_FINGERPRINT = /\n?<!-- wechat-miniprogram-release:check-actions [0-9a-f]+ -->$/

export type CheckStatus = 'queued' | 'in_progress' | 'completed'
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required'

export interface CheckRunAction {
  label: string
  description: string
  identifier: string
}

export interface DesiredCheckRun {
  sha: string
  name: string
  externalId: string
  status: CheckStatus
  conclusion?: CheckConclusion
  title: string
  summary: string
  text?: string
  /** Not compared: a link to the current workflow run would otherwise make every sync a write. */
  detailsUrl?: string
  actions?: CheckRunAction[]
  /** ISO 8601; sent on create only. */
  startedAt?: string
  /** ISO 8601; sent when the run is completed. */
  completedAt?: string
}

export interface CheckRun {
  id: number
  name: string
  externalId: string
  status: CheckStatus
  conclusion: CheckConclusion | null
  title: string
  summary: string
  text: string
  htmlUrl: string
  startedAt: string | null
  completedAt: string | null
  headSha: string
  /** Slug of the GitHub App that created the run (`github-actions` for GITHUB_TOKEN). */
  app?: string
}

export interface WriteResult {
  /** 0 when a dry run would have created the object. */
  id: number
  /** Empty when a dry run would have created the object. */
  url: string
  changed: boolean
}

export interface PullRequestRef {
  number: number
  headSha: string
  state: 'open' | 'closed'
  /** ISO 8601 when merged; absent for a pull request that was not merged. */
  mergedAt?: string
  /** The branch it was opened against (merged into). */
  baseRef?: string
}

/** The commits of `head` that `base` lacks (`GET /compare/{base}...{head}`), oldest first. */
export interface Comparison {
  /** identical, ahead, behind or diverged. */
  status: string
  totalCommits: number
  commits: string[]
}

export type DeploymentState = 'success' | 'failure' | 'inactive'

export interface DeploymentRecord {
  ref: string
  environment: string
  version: string
  /** What the deployment records (release, gray, rollback…); stored in the payload and compared. */
  operation?: string
  description: string
  payload?: Record<string, unknown>
  logUrl: string
  /** Sent only with a success state. */
  environmentUrl?: string
  state: DeploymentState
}

export interface Deployment {
  id: number
  ref: string
  sha: string
  environment: string
  description: string
  payload: Record<string, unknown>
  version?: string
  operation?: string
  createdAt: string
  /** State of the newest status; undefined when the deployment has none. */
  latestState?: string
}

export interface PutFileRequest {
  branch: string
  path: string
  content: Buffer
  message: string
}

export interface GitHubClientOptions {
  token: string
  apiUrl: string
  owner: string
  repo: string
  /** Web URL for links (`GITHUB_SERVER_URL`); derived from apiUrl when absent. */
  serverUrl?: string
  dryRun?: boolean
  /** One line per write made (or, in a dry run, that would be made). */
  onWrite?: (line: string) => void
  /** Debug lines: reads, retries, skipped writes. */
  log?: (line: string) => void
  userAgent?: string
  /** Retry policy for reads (tests inject `sleep`). */
  retry?: Partial<RetryPolicy>
}

export interface GitHubClient {
  readonly dryRun: boolean
  findCheckRuns(sha: string, name: string): Promise<CheckRun[]>
  getCheckRun(id: number): Promise<CheckRun>
  upsertCheckRun(desired: DesiredCheckRun): Promise<WriteResult>
  upsertStickyComment(request: { issueNumber: number; key: string; body: string }): Promise<WriteResult>
  findPullRequestsForCommit(sha: string): Promise<PullRequestRef[]>
  /** At most `limit` commits (default 250) of the comparison, oldest first. */
  compareCommits(base: string, head: string, options?: { limit?: number }): Promise<Comparison>
  resolveTag(tag: string): Promise<{ sha: string } | undefined>
  /** The full SHA of a commit given by a (short) SHA, or undefined when no commit matches. */
  resolveCommit(ref: string): Promise<string | undefined>
  getDefaultBranch(): Promise<string>
  recordDeployment(record: DeploymentRecord): Promise<{ id: number; changed: boolean }>
  listDeployments(environment: string, options?: { limit?: number }): Promise<Deployment[]>
  putFile(request: PutFileRequest): Promise<{ url: string; changed: boolean }>
}

/** `https://api.github.com` → `https://github.com`; GHES `https://host/api/v3` → `https://host`. */
export function serverUrlFromApiUrl(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '')
  if (/^https:\/\/api\.github\.com$/i.test(trimmed)) return 'https://github.com'
  const ghes = /^(.*)\/api\/v3$/i.exec(trimmed)
  if (ghes?.[1]) return ghes[1]
  const ghec = /^https:\/\/api\.(.+)$/i.exec(trimmed)
  if (ghec?.[1]) return `https://${ghec[1]}`
  return trimmed
}

/** Git's blob id of a content: lets the client compare a file with the repository's copy without downloading it. */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`blob ${content.length}\0`))
    .update(content)
    .digest('hex')
}

export function stickyMarker(key: string): string {
  return `<!-- ${MARKER_PREFIX}:${key} -->`
}

export function validateCheckRunActions(actions: CheckRunAction[] | undefined): void {
  if (!actions) return
  if (actions.length > LIMITS.checkActions) {
    throw new Error(`A check run takes at most ${LIMITS.checkActions} actions; got ${actions.length}.`)
  }
  const seen = new Set<string>()
  for (const action of actions) {
    const fields: Array<[string, string, number]> = [
      ['label', action.label, LIMITS.actionLabel],
      ['description', action.description, LIMITS.actionDescription],
      ['identifier', action.identifier, LIMITS.actionIdentifier]
    ]
    for (const [field, value, limit] of fields) {
      if (!value) throw new Error(`Check run action ${field} is empty (action "${action.label}").`)
      if (value.length > limit) {
        throw new Error(
          `Check run action ${field} "${value}" has ${value.length} characters; GitHub allows ${limit}.`
        )
      }
    }
    if (seen.has(action.identifier)) {
      throw new Error(`Check run action identifier "${action.identifier}" is used twice.`)
    }
    seen.add(action.identifier)
  }
}

function shortSha(sha: string): string {
  return sha.slice(0, 7)
}

function quoteLine(text: string, max = 80): string {
  const line = text.split('\n')[0] ?? ''
  return JSON.stringify(line.length > max ? `${line.slice(0, max - 1)}…` : line)
}

interface RawCheckRun {
  id: number
  name: string
  external_id: string | null
  status: string
  conclusion: string | null
  head_sha: string
  html_url: string | null
  started_at: string | null
  completed_at: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  app?: { slug?: string } | null
}

function toCheckRun(raw: RawCheckRun): CheckRun {
  return {
    id: raw.id,
    name: raw.name,
    externalId: raw.external_id ?? '',
    status: raw.status as CheckStatus,
    conclusion: (raw.conclusion as CheckConclusion | null) ?? null,
    title: raw.output.title ?? '',
    summary: (raw.output.summary ?? '').replace(ACTIONS_FINGERPRINT, ''),
    text: raw.output.text ?? '',
    htmlUrl: raw.html_url ?? '',
    startedAt: raw.started_at,
    completedAt: raw.completed_at,
    headSha: raw.head_sha,
    ...(raw.app?.slug ? { app: raw.app.slug } : {})
  }
}

/** The check run exactly as it will be sent, after redaction, limits and the actions fingerprint. */
interface PreparedCheckRun {
  status: CheckStatus
  conclusion: CheckConclusion | null
  title: string
  summary: string
  text: string
  actions: CheckRunAction[]
}

function fitOutput(text: string): string {
  const keep = text.length > LIMITS.checkOutput ? (text.match(HIDDEN_MARKER) ?? []) : []
  return truncateForGitHub(text, LIMITS.checkOutput, cutNotice(LIMITS.checkOutput), { keep })
}

function prepareCheckRun(desired: DesiredCheckRun): PreparedCheckRun {
  if (!desired.name.trim()) throw new Error('A check run needs a name.')
  if (!desired.title.trim())
    throw new Error(`Check run "${desired.name}" needs a title (GitHub requires one).`)
  if (desired.status === 'completed' && !desired.conclusion) {
    throw new Error(`Check run "${desired.name}" is completed but has no conclusion.`)
  }
  if (desired.status !== 'completed' && desired.conclusion) {
    throw new Error(
      `Check run "${desired.name}" has conclusion "${desired.conclusion}" but status "${desired.status}"; a conclusion completes the run.`
    )
  }
  validateCheckRunActions(desired.actions)
  const actions = desired.actions ?? []
  let title = redact(desired.title).replace(/\s+/g, ' ').trim()
  if (title.length > LIMITS.checkTitle) title = `${title.slice(0, LIMITS.checkTitle - 1)}…`
  // GitHub does not return a run's actions, so their fingerprint rides in the summary to make them comparable.
  const fingerprint =
    actions.length > 0
      ? `\n<!-- ${MARKER_PREFIX}:check-actions ${createHash('sha256').update(JSON.stringify(actions)).digest('hex').slice(0, 16)} -->`
      : ''
  const summary =
    truncateForGitHub(
      redact(desired.summary),
      LIMITS.checkOutput - fingerprint.length,
      cutNotice(LIMITS.checkOutput)
    ) + fingerprint
  return {
    status: desired.status,
    conclusion: desired.conclusion ?? null,
    title,
    summary,
    text: fitOutput(redact(desired.text ?? '')),
    actions
  }
}

function checkRunDifferences(existing: RawCheckRun, prepared: PreparedCheckRun): string[] {
  const differences: string[] = []
  if (existing.status !== prepared.status) differences.push('status')
  if ((existing.conclusion ?? null) !== prepared.conclusion) differences.push('conclusion')
  if ((existing.output.title ?? '') !== prepared.title) differences.push('title')
  if ((existing.output.summary ?? '') !== prepared.summary) differences.push('summary')
  if ((existing.output.text ?? '') !== prepared.text) differences.push('text')
  return differences
}

function describeState(prepared: { status: string; conclusion: string | null }): string {
  return prepared.conclusion ? `${prepared.status}/${prepared.conclusion}` : prepared.status
}

function parsePayload(payload: unknown): Record<string, unknown> {
  if (typeof payload === 'string') {
    try {
      const parsed: unknown = JSON.parse(payload)
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {}
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { owner, repo } = options
  const dryRun = options.dryRun ?? false
  const serverUrl = (options.serverUrl ?? serverUrlFromApiUrl(options.apiUrl)).replace(/\/+$/, '')
  const debug = (line: string) => options.log?.(redact(line))
  const octokit: Octokit = createOctokit({
    token: options.token,
    apiUrl: options.apiUrl,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    log: debug
  })
  const repoPath = `/repos/${owner}/${repo}`
  let viewerLogin: Promise<string | undefined> | undefined

  /** Reports the write; returns true when it must really be made. */
  function announce(line: string): boolean {
    options.onWrite?.(redact(dryRun ? `would ${line}` : line))
    return !dryRun
  }

  function fail(error: unknown, operation: string, permission?: GitHubPermission, isWrite = false): never {
    const failure = asHttpFailure(error)
    if (!failure) throw error
    const refused =
      failure.status === 403 &&
      /Resource not accessible by|authenticate via a GitHub App|must have (?:push|admin) access|permission/i.test(
        failure.githubMessage
      )
    // GitHub answers 404 instead of 403 when a token may not see or write the resource.
    if (permission && (refused || (isWrite && failure.status === 404))) {
      throw new GitHubPermissionError(permission, operation, failure.status, failure.githubMessage)
    }
    throw new GitHubApiError(operation, failure.status, failure.githubMessage)
  }

  async function call<T>(
    operation: string,
    permission: GitHubPermission | undefined,
    isWrite: boolean,
    run: () => Promise<T>
  ): Promise<T> {
    try {
      return await run()
    } catch (error) {
      fail(error, operation, permission, isWrite)
    }
  }

  async function isNotFound<T>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run()
    } catch (error) {
      if (asHttpFailure(error)?.status === 404) return undefined
      throw error
    }
  }

  async function listRawCheckRuns(sha: string, name: string): Promise<RawCheckRun[]> {
    return call(`GET ${repoPath}/commits/${sha}/check-runs`, 'checks: read', false, async () => {
      const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
        owner,
        repo,
        ref: sha,
        check_name: name,
        filter: 'all',
        per_page: 100
      })
      return runs as unknown as RawCheckRun[]
    })
  }

  async function findCheckRuns(sha: string, name: string): Promise<CheckRun[]> {
    return (await listRawCheckRuns(sha, name)).map(toCheckRun)
  }

  async function getCheckRun(id: number): Promise<CheckRun> {
    const response = await call(`GET ${repoPath}/check-runs/${id}`, 'checks: read', false, () =>
      octokit.rest.checks.get({ owner, repo, check_run_id: id })
    )
    return toCheckRun(response.data as unknown as RawCheckRun)
  }

  async function upsertCheckRun(desired: DesiredCheckRun): Promise<WriteResult> {
    const prepared = prepareCheckRun(desired)
    const matching = (await listRawCheckRuns(desired.sha, desired.name))
      .filter((run) => (run.external_id ?? '') === desired.externalId)
      // Several runs can share name and external id (reruns); the newest one is the one to keep current.
      .sort((a, b) => b.id - a.id)
    const existing = matching[0]
    const output = {
      title: prepared.title,
      summary: prepared.summary,
      ...(prepared.text ? { text: prepared.text } : {})
    }
    const completion =
      prepared.status === 'completed'
        ? {
            conclusion: prepared.conclusion as CheckConclusion,
            ...(desired.completedAt ? { completed_at: desired.completedAt } : {})
          }
        : {}

    if (!existing) {
      const line = `POST ${repoPath}/check-runs: "${desired.name}" on ${shortSha(desired.sha)} (${describeState(prepared)}) ${quoteLine(prepared.title)}`
      if (!announce(line)) return { id: 0, url: '', changed: true }
      const response = await call(`POST ${repoPath}/check-runs`, 'checks: write', true, () =>
        octokit.rest.checks.create({
          owner,
          repo,
          name: desired.name,
          head_sha: desired.sha,
          external_id: desired.externalId,
          status: prepared.status,
          ...completion,
          ...(desired.startedAt ? { started_at: desired.startedAt } : {}),
          ...(desired.detailsUrl ? { details_url: desired.detailsUrl } : {}),
          output,
          ...(prepared.actions.length > 0 ? { actions: prepared.actions } : {})
        })
      )
      return { id: response.data.id, url: response.data.html_url ?? '', changed: true }
    }

    const differences = checkRunDifferences(existing, prepared)
    if (differences.length === 0) {
      debug(`Check run "${desired.name}" (${existing.id}) is unchanged; no write.`)
      return { id: existing.id, url: existing.html_url ?? '', changed: false }
    }
    const line = `PATCH ${repoPath}/check-runs/${existing.id}: "${desired.name}" (${describeState({ status: existing.status, conclusion: existing.conclusion })} → ${describeState(prepared)}; changes ${differences.join(', ')}) ${quoteLine(prepared.title)}`
    if (!announce(line)) return { id: existing.id, url: existing.html_url ?? '', changed: true }
    const response = await call(`PATCH ${repoPath}/check-runs/${existing.id}`, 'checks: write', true, () =>
      octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: existing.id,
        external_id: desired.externalId,
        status: prepared.status,
        ...completion,
        ...(desired.detailsUrl ? { details_url: desired.detailsUrl } : {}),
        output,
        // An empty list removes buttons a previous state had.
        actions: prepared.actions
      })
    )
    return { id: response.data.id, url: response.data.html_url ?? '', changed: true }
  }

  async function tokenLogin(): Promise<string | undefined> {
    // Installation tokens (GITHUB_TOKEN) cannot read /user; a personal access token can.
    viewerLogin ??= octokit.rest.users.getAuthenticated().then(
      (response) => response.data.login,
      () => undefined
    )
    return viewerLogin
  }

  async function upsertStickyComment(request: {
    issueNumber: number
    key: string
    body: string
  }): Promise<WriteResult> {
    if (!/^[\w.:/@-]+$/.test(request.key)) {
      throw new Error(
        `Sticky comment key "${request.key}" may hold only letters, digits and . : / @ - _ (it goes into an HTML comment).`
      )
    }
    const marker = stickyMarker(request.key)
    const room = LIMITS.comment - marker.length - 2
    const body = `${truncateForGitHub(redact(request.body).replace(/\s+$/, ''), room, cutNotice(LIMITS.comment))}\n\n${marker}`
    const listRoute = `GET ${repoPath}/issues/${request.issueNumber}/comments`
    const comments = await call(listRoute, 'pull-requests: read', false, () =>
      octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: request.issueNumber,
        per_page: 100
      })
    )
    let existing: (typeof comments)[number] | undefined
    for (const comment of comments) {
      if (!comment.body?.includes(marker) || !comment.user) continue
      // Anyone can paste the marker into a comment; only the action's own identity counts: a bot (GITHUB_TOKEN,
      // GitHub Apps) or the user a personal access token belongs to.
      if (comment.user.type === 'Bot' || comment.user.login === (await tokenLogin())) {
        existing = comment
        break
      }
    }
    if (existing && existing.body === body) {
      debug(`Comment ${existing.id} on #${request.issueNumber} (${request.key}) is unchanged; no write.`)
      return { id: existing.id, url: existing.html_url, changed: false }
    }
    if (existing) {
      const line = `PATCH ${repoPath}/issues/comments/${existing.id}: sticky comment "${request.key}" on #${request.issueNumber} (${body.length} characters)`
      if (!announce(line)) return { id: existing.id, url: existing.html_url, changed: true }
      const commentId = existing.id
      const response = await call(
        `PATCH ${repoPath}/issues/comments/${commentId}`,
        'pull-requests: write',
        true,
        () => octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body })
      )
      return { id: response.data.id, url: response.data.html_url, changed: true }
    }
    const line = `POST ${repoPath}/issues/${request.issueNumber}/comments: sticky comment "${request.key}" (${body.length} characters)`
    if (!announce(line)) return { id: 0, url: '', changed: true }
    const response = await call(
      `POST ${repoPath}/issues/${request.issueNumber}/comments`,
      'pull-requests: write',
      true,
      () => octokit.rest.issues.createComment({ owner, repo, issue_number: request.issueNumber, body })
    )
    return { id: response.data.id, url: response.data.html_url, changed: true }
  }

  async function findPullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    const pulls = await call(`GET ${repoPath}/commits/${sha}/pulls`, 'pull-requests: read', false, () =>
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
      ...(pull.merged_at ? { mergedAt: pull.merged_at } : {}),
      ...(pull.base?.ref ? { baseRef: pull.base.ref } : {})
    }))
  }

  async function compareCommits(
    base: string,
    head: string,
    compareOptions: { limit?: number } = {}
  ): Promise<Comparison> {
    const limit = compareOptions.limit ?? 250
    const basehead = `${base}...${head}`
    const commits: string[] = []
    let status = 'identical'
    let totalCommits = 0
    for (let page = 1; commits.length < limit; page++) {
      const response = await call(`GET ${repoPath}/compare/${basehead}`, 'contents: read', false, () =>
        octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead, per_page: 100, page })
      )
      status = response.data.status
      totalCommits = response.data.total_commits
      commits.push(...response.data.commits.map((commit) => commit.sha))
      if (response.data.commits.length < 100 || commits.length >= totalCommits) break
    }
    return { status, totalCommits, commits: commits.slice(0, limit) }
  }

  async function resolveTag(tag: string): Promise<{ sha: string } | undefined> {
    const ref = await call(`GET ${repoPath}/git/ref/tags/${tag}`, 'contents: read', false, () =>
      isNotFound(() => octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` }))
    )
    if (!ref) return undefined
    let object = ref.data.object
    // An annotated tag points at a tag object; tags of tags are legal, so follow a few levels.
    for (let depth = 0; object.type === 'tag'; depth++) {
      if (depth >= 5) throw new Error(`Tag "${tag}" is nested more than 5 tag objects deep.`)
      const tagSha = object.sha
      const tagObject = await call(`GET ${repoPath}/git/tags/${tagSha}`, 'contents: read', false, () =>
        octokit.rest.git.getTag({ owner, repo, tag_sha: tagSha })
      )
      object = tagObject.data.object
    }
    if (object.type !== 'commit') {
      throw new Error(`Tag "${tag}" points at a ${object.type}, not a commit.`)
    }
    return { sha: object.sha }
  }

  async function resolveCommit(ref: string): Promise<string | undefined> {
    try {
      const commit = await call(`GET ${repoPath}/commits/${ref}`, 'contents: read', false, () =>
        isNotFound(() => octokit.rest.repos.getCommit({ owner, repo, ref }))
      )
      return commit?.data.sha
    } catch (error) {
      // 422: no commit for that SHA (or an ambiguous short SHA).
      if (asHttpFailure(error)?.status === 422) return undefined
      throw error
    }
  }

  async function getDefaultBranch(): Promise<string> {
    const response = await call(`GET ${repoPath}`, 'contents: read', false, () =>
      octokit.rest.repos.get({ owner, repo })
    )
    return response.data.default_branch
  }

  async function latestStatus(deploymentId: number): Promise<string | undefined> {
    const response = await call(
      `GET ${repoPath}/deployments/${deploymentId}/statuses`,
      'deployments: read',
      false,
      () =>
        octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deploymentId, per_page: 1 })
    )
    return response.data[0]?.state
  }

  async function listDeployments(
    environment: string,
    listOptions: { limit?: number } = {}
  ): Promise<Deployment[]> {
    const limit = listOptions.limit ?? 20
    const deployments: Deployment[] = []
    const pages = octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
      owner,
      repo,
      environment,
      per_page: Math.min(100, limit)
    })
    try {
      for await (const page of pages) {
        for (const raw of page.data) {
          if (deployments.length >= limit) break
          const payload = parsePayload(raw.payload)
          const version = stringField(payload, 'version')
          const operation = stringField(payload, 'operation')
          const latestState = await latestStatus(raw.id)
          deployments.push({
            id: raw.id,
            ref: raw.ref,
            sha: raw.sha,
            environment: raw.environment,
            description: raw.description ?? '',
            payload,
            ...(version !== undefined ? { version } : {}),
            ...(operation !== undefined ? { operation } : {}),
            createdAt: raw.created_at,
            ...(latestState !== undefined ? { latestState } : {})
          })
        }
        if (deployments.length >= limit) break
      }
    } catch (error) {
      fail(error, `GET ${repoPath}/deployments`, 'deployments: read')
    }
    return deployments
  }

  async function postDeploymentStatus(deploymentId: number, record: DeploymentRecord): Promise<void> {
    const line = `POST ${repoPath}/deployments/${deploymentId}/statuses: ${record.state} (${record.environment} ${record.version})`
    if (!announce(line)) return
    await call(`POST ${repoPath}/deployments/${deploymentId}/statuses`, 'deployments: write', true, () =>
      octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: deploymentId,
        state: record.state,
        log_url: record.logUrl,
        description: redact(record.description).slice(0, 140),
        ...(record.state === 'success' && record.environmentUrl
          ? { environment_url: record.environmentUrl }
          : {})
      })
    )
  }

  async function recordDeployment(record: DeploymentRecord): Promise<{ id: number; changed: boolean }> {
    const payload: Record<string, unknown> = {
      ...record.payload,
      version: record.version,
      ...(record.operation !== undefined ? { operation: record.operation } : {})
    }
    const operation = stringField(payload, 'operation')
    const [newest] = await listDeployments(record.environment, { limit: 1 })
    if (newest && newest.version === record.version && newest.operation === operation) {
      if (newest.latestState === record.state) {
        debug(
          `Deployment ${newest.id} (${record.environment} ${record.version}) is already ${record.state}; no write.`
        )
        return { id: newest.id, changed: false }
      }
      // The same deployment with another outcome (or a run that crashed before its status): add the status.
      await postDeploymentStatus(newest.id, record)
      return { id: newest.id, changed: true }
    }
    const line = `POST ${repoPath}/deployments: ${record.environment} ${record.version}${operation ? ` (${operation})` : ''} at ${record.ref}, then status ${record.state}`
    if (!announce(line)) return { id: 0, changed: true }
    const response = await call(`POST ${repoPath}/deployments`, 'deployments: write', true, () =>
      octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: record.ref,
        environment: record.environment,
        description: redact(record.description).slice(0, 140),
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
        transient_environment: false,
        payload: payload as { [key: string]: unknown }
      })
    )
    if (response.status !== 201 || !('id' in response.data)) {
      throw new GitHubApiError(`POST ${repoPath}/deployments`, response.status, 'no deployment was created')
    }
    const id = response.data.id
    // The creation line above already announced this status.
    await call(`POST ${repoPath}/deployments/${id}/statuses`, 'deployments: write', true, () =>
      octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state: record.state,
        log_url: record.logUrl,
        description: redact(record.description).slice(0, 140),
        ...(record.state === 'success' && record.environmentUrl
          ? { environment_url: record.environmentUrl }
          : {})
      })
    )
    return { id, changed: true }
  }

  async function putFile(request: PutFileRequest, attempt = 0): Promise<{ url: string; changed: boolean }> {
    const { branch, path, content } = request
    const url = `${serverUrl}/${owner}/${repo}/blob/${encodePath(branch)}/${encodePath(path)}?raw=true`
    const blobSha = gitBlobSha(content)
    const current = await call(
      `GET ${repoPath}/contents/${path}?ref=${branch}`,
      'contents: read',
      false,
      () => isNotFound(() => octokit.rest.repos.getContent({ owner, repo, path, ref: branch }))
    )
    const currentFile = current && !Array.isArray(current.data) ? current.data : undefined
    if (current && (!currentFile || currentFile.type !== 'file')) {
      throw new Error(`"${path}" on branch "${branch}" exists and is not a file.`)
    }
    if (currentFile?.sha === blobSha) {
      debug(`${path} on ${branch} is unchanged; no write.`)
      return { url, changed: false }
    }
    try {
      if (currentFile) {
        if (!announce(`PUT ${repoPath}/contents/${path}: update on ${branch} (${content.length} bytes)`)) {
          return { url, changed: true }
        }
        await updateFile(request, currentFile.sha)
        return { url, changed: true }
      }
      const branchRef = await call(`GET ${repoPath}/git/ref/heads/${branch}`, 'contents: read', false, () =>
        isNotFound(() => octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` }))
      )
      if (branchRef) {
        if (!announce(`PUT ${repoPath}/contents/${path}: create on ${branch} (${content.length} bytes)`)) {
          return { url, changed: true }
        }
        await updateFile(request, undefined)
        return { url, changed: true }
      }
      const line = `POST ${repoPath}/git/refs: create orphan branch ${branch} holding ${path} (${content.length} bytes)`
      if (!announce(line)) return { url, changed: true }
      await createOrphanBranch(request)
      return { url, changed: true }
    } catch (error) {
      // Another job wrote the file or branch in between: read again and decide again, once.
      const status = error instanceof GitHubApiError ? error.status : undefined
      if (attempt === 0 && (status === 409 || status === 422)) {
        debug(`Writing ${path} on ${branch} conflicted (HTTP ${status}); reading it again.`)
        return putFile(request, attempt + 1)
      }
      throw error
    }
  }

  async function updateFile(request: PutFileRequest, sha: string | undefined): Promise<void> {
    await call(`PUT ${repoPath}/contents/${request.path}`, 'contents: write', true, () =>
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: request.path,
        branch: request.branch,
        message: request.message,
        content: request.content.toString('base64'),
        ...(sha ? { sha } : {})
      })
    )
  }

  async function createOrphanBranch(request: PutFileRequest): Promise<void> {
    const blob = await call(`POST ${repoPath}/git/blobs`, 'contents: write', true, () =>
      octokit.rest.git.createBlob({
        owner,
        repo,
        content: request.content.toString('base64'),
        encoding: 'base64'
      })
    )
    const tree = await call(`POST ${repoPath}/git/trees`, 'contents: write', true, () =>
      octokit.rest.git.createTree({
        owner,
        repo,
        tree: [{ path: request.path, mode: '100644', type: 'blob', sha: blob.data.sha }]
      })
    )
    const commit = await call(`POST ${repoPath}/git/commits`, 'contents: write', true, () =>
      octokit.rest.git.createCommit({
        owner,
        repo,
        message: request.message,
        tree: tree.data.sha,
        parents: []
      })
    )
    await call(`POST ${repoPath}/git/refs`, 'contents: write', true, () =>
      octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${request.branch}`, sha: commit.data.sha })
    )
  }

  return {
    dryRun,
    findCheckRuns,
    getCheckRun,
    upsertCheckRun,
    upsertStickyComment,
    findPullRequestsForCommit,
    compareCommits,
    resolveTag,
    resolveCommit,
    getDefaultBranch,
    recordDeployment,
    listDeployments,
    putFile: (request) => putFile(request)
  }
}
