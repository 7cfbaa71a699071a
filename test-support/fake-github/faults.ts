/** Failures a test injects: the next matching request fails, loses its answer, or meets a rate limit. */
import http from 'node:http'
import { DOCS } from './errors.js'
import type { Reply } from './routing.js'

export type RateLimit =
  | { kind: 'secondary'; status?: 403 | 429; retryAfterSeconds?: number }
  | { kind: 'primary'; status?: 403 | 429; resetAtSeconds: number }

export interface Injected {
  method: string
  pattern: string | RegExp
  reply: () => Reply
  /** Make the request first, then answer with `reply` (an answer lost on the way back). */
  afterProcessing?: boolean
}

/** The answer GitHub refuses a request with when a rate limit is hit. */
function rateLimitReply(limit: RateLimit): Reply {
  return limit.kind === 'secondary'
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
}

export function createFaults() {
  const injected: Injected[] = []
  return {
    /** Removes and returns the first injected failure for this request, if any. */
    take(method: string, path: string): Injected | undefined {
      const index = injected.findIndex(
        (candidate) =>
          candidate.method === method &&
          (typeof candidate.pattern === 'string' ? candidate.pattern === path : candidate.pattern.test(path))
      )
      return index >= 0 ? injected.splice(index, 1)[0] : undefined
    },
    failNext(
      method: string,
      pathPattern: string | RegExp,
      status: number,
      body?: unknown,
      headers: Record<string, string> = {}
    ): void {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        reply: () => ({ status, body: body ?? { message: http.STATUS_CODES[status] ?? 'Error' }, headers })
      })
    },
    loseAnswerNext(method: string, pathPattern: string | RegExp, status = 502): void {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        afterProcessing: true,
        reply: () => ({ status, body: { message: http.STATUS_CODES[status] ?? 'Error' } })
      })
    },
    rateLimitNext(method: string, pathPattern: string | RegExp, limit: RateLimit): void {
      injected.push({
        method: method.toUpperCase(),
        pattern: pathPattern,
        reply: () => rateLimitReply(limit)
      })
    }
  }
}

export type Faults = ReturnType<typeof createFaults>
