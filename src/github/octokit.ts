/**
 * The one place an Octokit is built: `@actions/github`'s Octokit with GitHub's own retry and throttling
 * plugins. The plugins decide WHETHER to try again; the waiting itself goes through an injected clock, so
 * tests never wait for real.
 *
 * - `@octokit/plugin-retry` repeats reads (GET/HEAD) answered with 5xx or a dropped connection. Writes are
 *   never repeated on such an answer: a write that timed out may still have happened, so callers read again
 *   and decide again instead.
 * - `@octokit/plugin-throttling` honours GitHub's rate limits for reads and writes alike: a secondary rate
 *   limit (403/429 naming it, waiting `retry-after` seconds) and an exhausted primary limit
 *   (`x-ratelimit-remaining: 0`, waiting until `x-ratelimit-reset`). GitHub processed none of those requests,
 *   so repeating a write is safe. Writes go one at a time; beyond the first few, one a second.
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { redact } from '../redact.js'

export type Octokit = ReturnType<typeof getOctokit>

/** Time as the request core sees it; tests pass a clock that records waits instead of making them. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

export interface RetryLimits {
  /** Attempts after the first for a read answered with 5xx or no answer at all. */
  readRetries: number
  /** Attempts after the first for a request refused by a rate limit. */
  rateLimitRetries: number
  /** A rate limit that asks to wait longer than this fails the request instead. */
  maxRateLimitWaitMs: number
}

export const defaultRetryLimits: RetryLimits = {
  readRetries: 3,
  rateLimitRetries: 2,
  maxRateLimitWaitMs: 5 * 60_000
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
  return {
    status: candidate.status,
    message: String(candidate.message ?? ''),
    headers: candidate.response?.headers ?? {},
    githubMessage: githubMessageOf(candidate.response?.data, String(candidate.message ?? ''))
  }
}

/** GitHub's own words: `message`, plus each error of a 422 "Validation Failed" (its message, else its code). */
function githubMessageOf(data: unknown, fallback: string): string {
  if (typeof data === 'string' && data) return data.slice(0, 200)
  if (typeof data !== 'object' || data === null) return fallback
  const { message, errors } = data as { message?: unknown; errors?: unknown }
  const details = Array.isArray(errors) ? errors.map(describeValidationError).filter(Boolean) : []
  const head = typeof message === 'string' ? message : fallback
  return details.length > 0 ? `${head}: ${details.join('; ')}` : head
}

function describeValidationError(entry: unknown): string {
  if (typeof entry === 'string') return entry
  if (typeof entry !== 'object' || entry === null) return ''
  const { message, resource, field, code } = entry as Record<string, unknown>
  if (typeof message === 'string') return message
  return [resource, field, code].filter((part) => typeof part === 'string').join(' ')
}

export function isWriteMethod(method: string): boolean {
  const upper = method.toUpperCase()
  return upper !== 'GET' && upper !== 'HEAD'
}

/** The request options Octokit hands every hook; the plugins keep their retry state in `request`. */
interface RequestOptions {
  method: string
  url: string
  request: { retries?: number; retryCount?: number; [key: string]: unknown }
}

/**
 * Best practices: "If you are making a large number of POST, PATCH, PUT, or DELETE requests … wait at least one
 * second between each request". A run makes a handful; a large fan-out makes many, and those are spaced.
 */
export const WRITE_BURST = 10
export const WRITE_SPACING_MS = 1000

/** What the previous attempt of a call ran into (keyed by the call's options); the next attempt waits accordingly. */
const previousFailure = new WeakMap<object, HttpFailure>()
const ownState = new WeakSet<object>()

function waitBefore(failure: HttpFailure, attempt: number, clock: Clock): number {
  const retryAfter = Number(failure.headers['retry-after'])
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000
  const reset = Number(failure.headers['x-ratelimit-reset'])
  if (failure.headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
    // GitHub: wait until the reset time; a second more so the retry lands after it.
    return Math.max(0, reset * 1000 - clock.now()) + 1000
  }
  if (failure.status === 403 || failure.status === 429) return 60_000
  // plugin-retry's own schedule: 1 s, 4 s, 9 s…
  return attempt ** 2 * 1000
}

export interface OctokitOptions {
  token: string
  apiUrl: string
  userAgent?: string
  clock?: Clock
  limits?: Partial<RetryLimits>
  log?: (line: string) => void
}

export function createOctokit(options: OctokitOptions): Octokit {
  const clock = options.clock ?? systemClock
  const limits: RetryLimits = { ...defaultRetryLimits, ...options.limits }
  const log = (line: string) => options.log?.(redact(line))

  let writes = 0
  let lastWriteAt = Number.NEGATIVE_INFINITY
  /** GitHub asks for a second between writes when there are many: the first WRITE_BURST go at once. */
  async function spaceWrite(): Promise<void> {
    writes++
    if (writes > WRITE_BURST) {
      const wait = lastWriteAt + WRITE_SPACING_MS - clock.now()
      if (wait > 0) await clock.sleep(wait)
    }
    lastWriteAt = clock.now()
  }

  /** Innermost hook: sees every attempt, waits before a repeated one, and keeps writes out of plugin-retry. */
  const attempts = (octokit: { hook: Octokit['hook'] }) => {
    octokit.hook.wrap('request', async (request, raw) => {
      const requestOptions = raw as unknown as RequestOptions
      // Octokit shares one `request` object between calls; each call gets its own before the plugins write to it.
      if (!previousFailure.has(raw) && !ownState.has(raw)) {
        requestOptions.request = { ...requestOptions.request }
        ownState.add(raw)
      }
      const isWrite = isWriteMethod(requestOptions.method)
      if (isWrite) requestOptions.request.retries = 0
      const failure = previousFailure.get(raw)
      if (isWrite && !failure) await spaceWrite()
      if (failure) {
        const attempt = requestOptions.request.retryCount ?? 1
        const wait = waitBefore(failure, attempt, clock)
        log(
          `GitHub ${requestOptions.method} ${requestOptions.url} answered ${failure.status} (${failure.githubMessage}); attempt ${attempt + 1} in ${wait} ms`
        )
        await clock.sleep(wait)
        previousFailure.delete(raw)
      }
      try {
        return await request(raw)
      } catch (error) {
        const seen = asHttpFailure(error)
        if (seen) previousFailure.set(raw, seen)
        throw error
      }
    })
    return {}
  }

  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const waitMs = retryAfter * 1000
      const retrying = retryCount < limits.rateLimitRetries && waitMs <= limits.maxRateLimitWaitMs
      log(
        `GitHub ${kind} for ${request.method} ${request.url}: wait ${retryAfter} s; ${retrying ? `retry ${retryCount + 1}/${limits.rateLimitRetries}` : 'giving up'}`
      )
      return retrying
    }

  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      userAgent: options.userAgent ?? 'wechat-miniprogram-release-action',
      retry: {
        retries: limits.readRetries,
        // The attempts hook waits, on the injected clock.
        retryAfterBaseValue: 0,
        // 429 is a rate limit: plugin-throttling honours its retry-after.
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451]
      },
      throttle: {
        retryAfterBaseValue: 0,
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        // Writes one at a time; the attempts hook spaces them on the injected clock.
        ...serialGroups()
      }
    },
    attempts,
    retry,
    throttling
  )
  return octokit
}

function serialGroups(): { write: Bottleneck.Group; notifications: Bottleneck.Group } {
  return {
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
    notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 })
  }
}
