/**
 * The request core every GitHub module shares: the Octokit (retries and rate limits), the repository, dry-run
 * announcements, error mapping (permission errors callers fall back on) and the action's own identity.
 */
import { redact } from '../redact.js'
import { GitHubApiError, GitHubPermissionError, type GitHubPermission } from './errors.js'
import { ActionIdentity, GITHUB_ACTIONS_APP_SLUG } from './identity.js'
import { asHttpFailure, createOctokit, type Clock, type Octokit, type RetryLimits } from './octokit.js'

export interface GitHubClientOptions {
  token: string
  apiUrl: string
  owner: string
  repo: string
  /** Web URL for links (`GITHUB_SERVER_URL`); derived from apiUrl when absent. */
  serverUrl?: string
  dryRun?: boolean
  /**
   * Slug of the GitHub App whose installation token `token` is; `github-actions` (GITHUB_TOKEN) by default.
   * Decides which check runs, comments and issues are the action's own.
   */
  appSlug?: string
  /** One line per write made (or, in a dry run, that would be made). */
  onWrite?: (line: string) => void
  /** Debug lines: reads, retries, skipped writes. */
  log?: (line: string) => void
  /** Something the user should fix (a wrong github-app-slug). */
  warn?: (line: string) => void
  userAgent?: string
  /** Time for retries and rate limits; tests inject one that records waits. */
  clock?: Clock
  limits?: Partial<RetryLimits>
}

export interface GitHubCore {
  readonly octokit: Octokit
  readonly owner: string
  readonly repo: string
  /** `/repos/{owner}/{repo}`, for messages. */
  readonly repoPath: string
  readonly serverUrl: string
  readonly dryRun: boolean
  readonly identity: ActionIdentity
  debug(line: string): void
  warn(line: string): void
  /** Reports a write; true when it must really be made (false in a dry run). */
  announce(line: string): boolean
  /** Runs one API call, mapping its failure to GitHubPermissionError or GitHubApiError. */
  call<T>(
    operation: string,
    permission: GitHubPermission | undefined,
    isWrite: boolean,
    run: () => Promise<T>
  ): Promise<T>
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

/** GitHub refuses with these words when the token lacks a scope (it answers 404 to hide some resources). */
const REFUSED =
  /Resource not accessible by|authenticate via a GitHub App|must have (?:push|admin) access|permission/i

export function createCore(options: GitHubClientOptions): GitHubCore {
  const dryRun = options.dryRun ?? false
  const debug = (line: string) => options.log?.(redact(line))
  const warn = (line: string) => (options.warn ?? options.log)?.(redact(line))
  const octokit = createOctokit({
    token: options.token,
    apiUrl: options.apiUrl,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    log: debug
  })
  const identity = new ActionIdentity({
    appSlug: options.appSlug?.trim() || GITHUB_ACTIONS_APP_SLUG,
    // Installation tokens (GITHUB_TOKEN, App tokens; prefix ghs_) are refused by GET /user; a user's token is not.
    userLogin: () =>
      options.token.startsWith('ghs_')
        ? Promise.resolve(undefined)
        : octokit.rest.users.getAuthenticated().then(
            (response) => response.data.login,
            () => undefined
          ),
    warn
  })

  async function call<T>(
    operation: string,
    permission: GitHubPermission | undefined,
    isWrite: boolean,
    run: () => Promise<T>
  ): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const failure = asHttpFailure(error)
      if (!failure) throw error
      const refused = failure.status === 403 && REFUSED.test(failure.githubMessage)
      if (permission && (refused || (isWrite && failure.status === 404))) {
        throw new GitHubPermissionError(permission, operation, failure.status, failure.githubMessage)
      }
      throw new GitHubApiError(operation, failure.status, failure.githubMessage)
    }
  }

  return {
    octokit,
    owner: options.owner,
    repo: options.repo,
    repoPath: `/repos/${options.owner}/${options.repo}`,
    serverUrl: (options.serverUrl ?? serverUrlFromApiUrl(options.apiUrl)).replace(/\/+$/, ''),
    dryRun,
    identity,
    debug,
    warn,
    announce(line) {
      options.onWrite?.(redact(dryRun ? `would ${line}` : line))
      return !dryRun
    },
    call
  }
}

/** Undefined when GitHub answers 404 (the object does not exist); any other failure is thrown. */
export async function unlessNotFound<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (error) {
    const status = error instanceof GitHubApiError ? error.status : asHttpFailure(error)?.status
    if (status === 404) return undefined
    throw error
  }
}

/** The write got no answer (5xx, dropped connection): it may or may not have happened. */
export function isUnanswered(error: unknown): boolean {
  const status = error instanceof GitHubApiError ? error.status : asHttpFailure(error)?.status
  return status === undefined || status >= 500
}
