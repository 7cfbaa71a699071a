/**
 * The one request function every WeChat endpoint goes through: proxy-aware fetch, a timeout on
 * every attempt, retries only where a repeat cannot do harm, one token refresh on token errors, and a
 * redacted debug line per attempt.
 */
import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { redact } from '../redact.js'
import {
  WeChatApiError,
  WeChatMalformedResponseError,
  WeChatTransportError,
  WeChatUnknownOutcomeError,
  type TransportFailure
} from './errors.js'

export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com'
export const DEFAULT_TIMEOUT_MS = 15_000
export const DEFAULT_RETRIES = 3

/**
 * errcodes by which the platform says "busy, nothing done": system error, minute quota, system unstable,
 * concurrent-operation limit. They come in a well-formed reply, i.e. the platform's handler refused the call
 * and told us so; the write was not applied, so repeating it cannot apply it twice. (Even if -1 were ever
 * sent after a submit_audit went through, the repeat would get 85009 and submitAuditOnce reconciles it.)
 */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([-1, 45011, 89401, 9402202])

/** Token rejected: the call was refused before it did anything, so it is repeated once with a fresh token. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014])

export interface HttpOptions {
  /** `api-base-url`; a relay's path prefix is kept. */
  baseUrl?: string
  timeoutMs?: number
  /** Extra attempts after the first one, for failures that are safe to repeat. */
  retries?: number
  /** Receives one redacted line per HTTP attempt. */
  log?: (debugLine: string) => void
  /** Injectable for tests: backoff waits. */
  sleep?: (ms: number) => Promise<void>
  /** Injectable for tests: jitter source in [0, 1). */
  random?: () => number
  /**
   * Defaults to Node's fetch, or with HTTPS_PROXY/HTTP_PROXY set, to an EnvHttpProxyAgent that honours
   * them and NO_PROXY but never proxies loopback (proxy.ts).
   */
  dispatcher?: Dispatcher
}

/** Supplies the token for the query string and is told when the platform rejected it. */
export interface RequestAuth {
  /** Query parameter name; `access_token` unless the endpoint documents another. */
  param?: string
  token(): Promise<string>
  invalidate(): void
}

export interface JsonRequest<T> {
  method: 'GET' | 'POST'
  /** Path below the base URL (`/wxa/release`), or an absolute URL (a user's token service). */
  path: string
  query?: Record<string, string | number | undefined>
  /** JSON body of a POST; POSTs without parameters send `{}` (no body at all gives 44002). */
  body?: unknown
  headers?: Record<string, string>
  /**
   * True when repeating the call cannot change anything on the platform (reads, and token endpoints, whose
   * previous token stays valid for a while). Only such calls are retried after timeouts, dropped
   * connections, 5xx and malformed bodies.
   */
  idempotent: boolean
  auth?: RequestAuth
  schema: z.ZodType<T>
  /** Name used in errors and log lines; defaults to the path. */
  endpoint?: string
}

export type BinaryRequest = Omit<JsonRequest<never>, 'schema'>

export interface BinaryResult {
  contentType: string
  body: Buffer
}

interface Reply {
  status: number
  contentType: string
  body: Buffer
}

/** A failure of one attempt, before deciding whether to retry. */
class AttemptFailure {
  constructor(
    readonly failure: TransportFailure,
    readonly detail: string,
    readonly status?: number
  ) {}
}

const BASE_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 8_000
/** Whether the environment names a proxy (any case, as undici and curl read them). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((name) => Boolean(env[name]))
}

/** The part of fetch this module uses; both Node's own fetch and undici's satisfy it. */
type Fetch = (
  url: string,
  init: {
    method: string
    headers: Record<string, string>
    body: string | undefined
    signal: AbortSignal
    dispatcher?: Dispatcher
  }
) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  arrayBuffer(): Promise<ArrayBuffer>
}>

export class WeChatHttp {
  readonly baseUrl: string
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly log: ((line: string) => void) | undefined
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number
  private dispatcherValue: Dispatcher | undefined
  private readonly ownsDispatcher: boolean
  /** The platform's clock from the Date header of its last reply, and our clock when it arrived. */
  private serverClock: { serverMs: number; localMs: number } | undefined

  constructor(options: HttpOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, '')
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.retries = Math.max(0, options.retries ?? DEFAULT_RETRIES)
    this.log = options.log
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.random = options.random ?? Math.random
    this.dispatcherValue = options.dispatcher
    this.ownsDispatcher = options.dispatcher === undefined
  }

  /** Node's own fetch, unless a proxy is configured or a dispatcher was given: then undici's, loaded now. */
  private async transport(): Promise<{ fetch: Fetch; dispatcher?: Dispatcher }> {
    if (!this.dispatcherValue && !proxyConfigured()) return { fetch: globalThis.fetch as Fetch }
    const proxy = await import('./proxy.js')
    this.dispatcherValue ??= proxy.createDispatcher()
    return { fetch: proxy.fetch as Fetch, dispatcher: this.dispatcherValue }
  }

  /**
   * "Now" by the platform's clock in unix seconds (Date header of its last reply, advanced by the time
   * since), or undefined before the first reply. Keeps deadlines independent of the runner's clock.
   */
  serverTime(): number | undefined {
    if (!this.serverClock) return undefined
    return Math.floor((this.serverClock.serverMs + Date.now() - this.serverClock.localMs) / 1000)
  }

  /** Closes the connection pool this instance created (a given dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher && this.dispatcherValue) await this.dispatcherValue.close()
    this.dispatcherValue = undefined
  }

  /** A JSON endpoint: errcode handling, retries, token refresh, schema validation. */
  async json<T>(request: JsonRequest<T>): Promise<T> {
    const endpoint = request.endpoint ?? request.path
    const reply = await this.send(request, endpoint, () => true)
    const data = parseJson(reply.body)
    if (data === undefined) throw new WeChatMalformedResponseError(endpoint, 'not JSON') // unreachable: send checked
    return validate(request.schema, data, endpoint)
  }

  /**
   * An endpoint that answers with bytes on success and a JSON error otherwise (get_qrcode): the
   * content-type decides which.
   */
  async binary(request: BinaryRequest): Promise<BinaryResult> {
    const endpoint = request.endpoint ?? request.path
    const reply = await this.send(request, endpoint, (r) => isJsonReply(r))
    return { contentType: reply.contentType, body: reply.body }
  }

  /**
   * Runs the attempts. `expectsJson(reply)` says whether a reply must be read as a JSON envelope; the
   * returned reply is a success (errcode 0 or absent, or binary).
   */
  private async send(
    request: Omit<JsonRequest<unknown>, 'schema'>,
    endpoint: string,
    expectsJson: (reply: Reply) => boolean
  ): Promise<Reply> {
    const maxAttempts = this.retries + 1
    let tokenRefreshed = false
    let rejectedToken: string | undefined
    let tokenError: WeChatApiError | undefined
    for (let attempt = 1; ; attempt++) {
      const token = request.auth ? await request.auth.token() : undefined
      if (tokenError && token === rejectedToken) {
        // The source handed back the token the platform just rejected: repeating would fail the same way.
        throw tokenError
      }
      const started = Date.now()
      const outcome = await this.attempt(request, token)
      const ms = Date.now() - started

      if (outcome instanceof AttemptFailure) {
        this.debug(
          request,
          endpoint,
          `error=${outcome.failure}${outcome.status ? ` status=${outcome.status}` : ''}`,
          ms,
          attempt,
          maxAttempts
        )
        if (!request.idempotent) {
          throw new WeChatUnknownOutcomeError(endpoint, outcome.failure, outcome.detail, outcome.status)
        }
        if (attempt < maxAttempts) {
          await this.backoff(attempt)
          continue
        }
        throw new WeChatTransportError(
          endpoint,
          outcome.failure,
          `${outcome.detail} (after ${attempt} attempts)`,
          outcome.status
        )
      }

      if (!expectsJson(outcome)) {
        this.debug(request, endpoint, `binary ${outcome.body.length} bytes`, ms, attempt, maxAttempts)
        return outcome
      }
      const data = parseJson(outcome.body)
      const envelope = readEnvelope(data)
      if (!envelope) {
        this.debug(request, endpoint, 'error=malformed-body', ms, attempt, maxAttempts)
        const detail = `the reply is not a JSON object (HTTP ${outcome.status}, ${outcome.body.length} bytes)`
        if (!request.idempotent)
          throw new WeChatUnknownOutcomeError(endpoint, 'malformed-body', detail, outcome.status)
        if (attempt < maxAttempts) {
          await this.backoff(attempt)
          continue
        }
        throw new WeChatTransportError(
          endpoint,
          'malformed-body',
          `${detail} (after ${attempt} attempts)`,
          outcome.status
        )
      }
      this.debug(request, endpoint, `errcode=${envelope.errcode}`, ms, attempt, maxAttempts)
      if (envelope.errcode === 0) return outcome

      const error = new WeChatApiError(endpoint, envelope.errcode, envelope.errmsg)
      if (TOKEN_ERRCODES.has(envelope.errcode) && request.auth && !tokenRefreshed) {
        tokenRefreshed = true
        rejectedToken = token
        tokenError = error
        request.auth.invalidate()
        attempt-- // the refresh repeat does not use up a retry
        continue
      }
      if (BUSY_ERRCODES.has(envelope.errcode) && attempt < maxAttempts) {
        await this.backoff(attempt, envelope.errcode === 45011)
        continue
      }
      throw error
    }
  }

  private async attempt(
    request: Omit<JsonRequest<unknown>, 'schema'>,
    token: string | undefined
  ): Promise<Reply | AttemptFailure> {
    const url = this.url(request, token)
    const headers: Record<string, string> = { accept: 'application/json, image/*;q=0.9', ...request.headers }
    let body: string | undefined
    if (request.method === 'POST') {
      body = JSON.stringify(request.body ?? {})
      headers['content-type'] = 'application/json'
    }
    try {
      const { fetch, dispatcher } = await this.transport()
      const response = await fetch(url, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(dispatcher ? { dispatcher } : {})
      })
      // The same signal still bounds reading the body.
      const bytes = Buffer.from(await response.arrayBuffer())
      const contentType = response.headers.get('content-type') ?? ''
      this.noteServerDate(request.path, response.headers.get('date'))
      if (response.status >= 500) {
        return new AttemptFailure(
          'http-status',
          `HTTP ${response.status} from ${this.describe(url)}`,
          response.status
        )
      }
      if (response.status >= 400) {
        // The platform answers errors with HTTP 200 and an errcode; a 4xx comes from a relay or proxy in between.
        throw new WeChatTransportError(
          request.endpoint ?? request.path,
          'http-status',
          `HTTP ${response.status} from ${this.describe(url)}: ${bytes.toString('utf8').slice(0, 200)}. Check \`api-base-url\` and the relay.`,
          response.status
        )
      }
      return { status: response.status, contentType, body: bytes }
    } catch (error) {
      if (error instanceof WeChatTransportError) throw error
      if (isTimeout(error)) {
        return new AttemptFailure(
          'timeout',
          `no reply within ${this.timeoutMs} ms from ${this.describe(url)}`
        )
      }
      return new AttemptFailure(
        'connection',
        `connection to ${this.describe(url)} failed: ${causeText(error)}`
      )
    }
  }

  private noteServerDate(path: string, header: string | null): void {
    // Only the platform's (or its relay's) clock counts, not a token service's.
    if (!header || /^https?:\/\//i.test(path)) return
    const serverMs = Date.parse(header)
    if (Number.isFinite(serverMs)) this.serverClock = { serverMs, localMs: Date.now() }
  }

  private url(request: Omit<JsonRequest<unknown>, 'schema'>, token: string | undefined): string {
    const absolute = /^https?:\/\//i.test(request.path)
    const url = new URL(
      absolute ? request.path : `${this.baseUrl}${request.path.startsWith('/') ? '' : '/'}${request.path}`
    )
    if (token !== undefined && request.auth) url.searchParams.set(request.auth.param ?? 'access_token', token)
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  /** Host and path only: queries can carry tokens. */
  private describe(url: string): string {
    const parsed = new URL(url)
    return redact(`${parsed.origin}${parsed.pathname}`)
  }

  private debug(
    request: { method: string; path: string },
    endpoint: string,
    result: string,
    ms: number,
    attempt: number,
    maxAttempts: number
  ): void {
    if (!this.log) return
    const path = /^https?:\/\//i.test(request.path) ? this.describe(request.path) : endpoint
    this.log(redact(`wechat ${request.method} ${path} ${result} ${ms}ms attempt ${attempt}/${maxAttempts}`))
  }

  /** Exponential backoff with jitter (50–100 % of the step), longer for the minute quota. */
  private async backoff(attempt: number, minuteQuota = false): Promise<void> {
    const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1)) * (minuteQuota ? 4 : 1)
    await this.sleep(Math.round(step * (0.5 + this.random() / 2)))
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function readEnvelope(data: unknown): { errcode: number; errmsg: string } | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  const record = data as Record<string, unknown>
  const raw = record.errcode
  const errcode = raw === undefined || raw === null ? 0 : typeof raw === 'number' ? raw : Number(raw)
  if (!Number.isInteger(errcode)) return undefined
  const errmsg = typeof record.errmsg === 'string' ? record.errmsg : ''
  return { errcode, errmsg }
}

function isJsonReply(reply: Reply): boolean {
  if (/json|text\/plain/i.test(reply.contentType)) return true
  if (/^image\//i.test(reply.contentType)) return false
  // No usable content-type: a JSON error starts with `{`, an image never does.
  return reply.body.subarray(0, 1).toString() === '{'
}

function validate<T>(schema: z.ZodType<T>, data: unknown, endpoint: string): T {
  const result = schema.safeParse(data)
  if (result.success) return result.data
  const detail = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
  throw new WeChatMalformedResponseError(endpoint, detail)
}

// Duck-typed on purpose: errors raised inside undici may come from another realm (jest, bundlers), where
// `instanceof Error` is false.
function errorName(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
    ? (value as { name: string }).name
    : undefined
}

function isTimeout(error: unknown): boolean {
  const names = [errorName(error), errorName((error as { cause?: unknown } | null)?.cause)]
  return names.some((name) => name === 'TimeoutError' || name === 'AbortError')
}

function causeText(error: unknown): string {
  const message = (value: unknown): string =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
      ? (value as { message: string }).message
      : String(value)
  const cause = (error as { cause?: unknown } | null)?.cause
  if (cause !== undefined && cause !== null) {
    const code = (cause as { code?: unknown }).code
    return redact(`${message(error)}: ${typeof code === 'string' ? `${code} ` : ''}${message(cause)}`)
  }
  return redact(message(error))
}
