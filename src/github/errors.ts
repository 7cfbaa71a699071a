/** Errors of the GitHub side that callers act on (fall back to the job summary, or fail with a hint). */
import { redact } from '../redact.js'

export type GitHubPermission =
  | 'checks: write'
  | 'pull-requests: write'
  | 'issues: write'
  | 'issues: read'
  | 'deployments: write'
  | 'contents: write'
  | 'contents: read'
  | 'checks: read'
  | 'pull-requests: read'
  | 'deployments: read'

/**
 * The token may not do this (fork pull requests get a read-only GITHUB_TOKEN; a job's `permissions:` may omit
 * the scope; check runs refuse personal access tokens). Callers fall back to the job summary with a warning.
 */
export class GitHubPermissionError extends Error {
  override readonly name = 'GitHubPermissionError'
  readonly hint: string
  constructor(
    readonly permission: GitHubPermission,
    readonly operation: string,
    readonly status: number,
    detail: string
  ) {
    const hint = detail.includes('authenticate via a GitHub App')
      ? 'Check runs can only be written with a GitHub App token such as GITHUB_TOKEN, not a personal access token.'
      : `Grant "permissions: ${permission}" to the job; on pull requests from forks GITHUB_TOKEN is read-only, so the job summary carries the report.`
    super(redact(`GitHub refused ${operation} (HTTP ${status}: ${detail}). ${hint}`))
    this.hint = hint
  }
}

/** Any other failed GitHub API call, with the method, route and GitHub's own message. */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError'
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string
  ) {
    super(redact(`GitHub API ${operation} failed (HTTP ${status}): ${detail}`))
  }
}
