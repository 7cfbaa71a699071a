/**
 * The one place an Octokit is built. Reads (GET/HEAD) are retried with bounded backoff on 5xx, 429 and
 * secondary rate limits; writes never are, because a write that timed out may still have happened: callers
 * re-read and decide again instead.
 */
import { getOctokit } from '@actions/github'
import { redact } from '../redact.js'

export type Octokit = ReturnType<typeof getOctokit>

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number
  baseDelayMs: number
  maxDelayMs: number
  sleep: (ms: number) => Promise<void>
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

/** The fields of Octokit's RequestError that matter here (read structurally: the class is not a dependency). */
export interface HttpFailure {
  status: number
  message: string
  headers: Record<string, string | undefined>
  githubMessage: string
}

export function asHttpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const candidate = error as {
    status?: unknown
    message?: unknown
    response?: { headers?: Record<string, string | undefined>; data?: unknown }
  }
  if (typeof candidate.status !== 'number') return undefined
  const data = candidate.response?.data
  const githubMessage =
    typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : typeof data === 'string' && data
        ? data.slice(0, 200)
        : String(candidate.message ?? '')
  return {
    status: candidate.status,
    message: String(candidate.message ?? ''),
    headers: candidate.response?.headers ?? {},
    githubMessage
  }
}

function isSecondaryRateLimit(failure: HttpFailure): boolean {
  return (
    (failure.status === 403 || failure.status === 429) &&
    (/secondary rate limit|abuse detection/i.test(failure.githubMessage) ||
      failure.headers['retry-after'] !== undefined ||
      failure.headers['x-ratelimit-remaining'] === '0')
  )
}

function isRetryable(failure: HttpFailure): boolean {
  // Octokit reports a network failure (no response at all) as status 500 too.
  return failure.status >= 500 || failure.status === 429 || isSecondaryRateLimit(failure)
}

function delayFor(failure: HttpFailure, attempt: number, policy: RetryPolicy): number {
  const retryAfter = Number(failure.headers['retry-after'])
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, policy.maxDelayMs)
  const reset = Number(failure.headers['x-ratelimit-reset'])
  if (failure.headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
    return Math.min(Math.max(reset * 1000 - Date.now(), policy.baseDelayMs), policy.maxDelayMs)
  }
  return Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs)
}

export interface OctokitOptions {
  token: string
  apiUrl: string
  userAgent?: string
  retry?: Partial<RetryPolicy>
  log?: (line: string) => void
}

export function createOctokit(options: OctokitOptions): Octokit {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry }
  const octokit = getOctokit(options.token, {
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'wechat-miniprogram-release-action'
  })
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const method = String(requestOptions.method).toUpperCase()
    const isRead = method === 'GET' || method === 'HEAD'
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions)
      } catch (error) {
        const failure = asHttpFailure(error)
        if (!isRead || !failure || !isRetryable(failure) || attempt >= policy.retries) throw error
        const delay = delayFor(failure, attempt, policy)
        options.log?.(
          redact(
            `GitHub ${method} ${String(requestOptions.url)} answered ${failure.status} (${failure.githubMessage}); retry ${attempt + 1}/${policy.retries} in ${delay} ms`
          )
        )
        await policy.sleep(delay)
      }
    }
  })
  return octokit
}
