/**
 * The one request function every WeChat endpoint goes through: proxy-aware fetch, a timeout on
 * every attempt, retries only where a repeat cannot do harm, one token refresh on token errors, and a
 * redacted debug line per attempt. Hardened against what a relay or token service in between may do:
 * redirects are never followed, replies are capped in size, plain http goes to loopback only, and error
 * texts quote a reply only by its errcode and errmsg.
 */
import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { redact } from '../redact.js'
import { describeUrl, isLoopbackHost, stripUserinfo, type EndpointInput } from './endpoint.js'
import {
  ERRCODE,
  WeChatApiError,
  WeChatMalformedResponseError,
  WeChatTransportError,
  WeChatUnknownOutcomeError,
  type TransportFailure
} from './errors.js'

export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com'
export const DEFAULT_TIMEOUT_MS = 15_000
export const DEFAULT_RETRIES = 3
/** No documented reply comes near this; a bigger one is cut off unread (a hostile relay could send gigabytes). */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
/** The platform's Date header is trusted for "now" only this close to the runner's clock. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60

/**
 * errcodes by which the platform says "busy, nothing done": system error, minute quota, system unstable,
 * concurrent-operation limit. They come in a well-formed reply, i.e. the platform's handler refused the call
 * and told us so; the write was not applied, so repeating it cannot apply it twice. (Even if -1 were ever
 * sent after a submit_audit went through, the repeat would get 85009 and submitAuditOnce reconciles it.)
 */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([
  ERRCODE.SYSTEM_ERROR,
  ERRCODE.MINUTE_QUOTA_REACHED,
  ERRCODE.SYSTEM_UNSTABLE,
  ERRCODE.CONCURRENT_LIMIT
])

/** Token rejected: the call was refused before it did anything, so it is repeated once with a fresh token. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([
  ERRCODE.INVALID_CREDENTIAL,
  ERRCODE.ACCESS_TOKEN_EXPIRED,
  ERRCODE.INVALID_ACCESS_TOKEN
])

/** undici's fetch; Node's own fetch has the same shape. */
export type FetchFunction = typeof import('undici').fetch

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
  /** Injectable for tests: the runner's clock in epoch milliseconds. */
  clock?: () => number
  /** Receives warnings meant for the user (a Date header far from the runner's clock). */
  warn?: (message: string) => void
  /** Replies larger than this are cut off and fail; default 10 MiB. */
  maxResponseBytes?: number
  /** Injectable for tests that check a decision without connecting anywhere. */
  fetch?: FetchFunction
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
  query?: Record<string, string | number | undefined> | undefined
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
  /** The input that names the address, for errors; `token-url` for absolute paths, else `api-base-url`. */
  input?: EndpointInput
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
const MAX_CLOCK_SKEW_MS = MAX_CLOCK_SKEW_SECONDS * 1000

/** Why a reply could not be read, decided while reading it. */
class ReplyRejected {
  constructor(
    readonly failure: TransportFailure,
    readonly detail: string,
    readonly status: number
  ) {}
}

/** Whether the environment names a proxy (any case, as undici and curl read them). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((name) => Boolean(env[name]))
}

export class WeChatHttp {
  readonly baseUrl: string
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly log: ((line: string) => void) | undefined
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number
  private dispatcherValue: Dispatcher | undefined
  private readonly ownsDispatcher: boolean
  /** A dispatcher without a proxy, for loopback when a proxy is configured. */
  private directValue: Dispatcher | undefined
  private readonly clock: () => number
  private readonly warn: ((message: string) => void) | undefined
  private readonly maxResponseBytes: number
  private readonly injectedFetch: FetchFunction | undefined
  /** The platform's clock from the Date header of its last reply, and our clock when it arrived. */
  private serverClock: { serverMs: number; localMs: number; trusted: boolean } | undefined
  private skewWarned = false

  constructor(options: HttpOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, '')
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.retries = Math.max(0, options.retries ?? DEFAULT_RETRIES)
    this.log = options.log
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.random = options.random ?? Math.random
    this.dispatcherValue = options.dispatcher
    this.ownsDispatcher = options.dispatcher === undefined
    this.clock = options.clock ?? (() => Date.now())
    this.warn = options.warn
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
    this.injectedFetch = options.fetch
  }

  /**
   * Node's own fetch, unless a proxy is configured or a dispatcher was given: then undici's, loaded now
   * (about half a megabyte, which a run without a proxy never loads). A test's injected fetch comes first.
   * Loopback (all of 127.0.0.0/8, ::1, localhost) always goes direct: plain http is allowed there only
   * because it never leaves the machine, so it must not be handed to a proxy with its token.
   */
  private async transport(url: string): Promise<{ fetch: FetchFunction; dispatcher?: Dispatcher }> {
    if (this.injectedFetch) {
      return {
        fetch: this.injectedFetch,
        ...(this.dispatcherValue ? { dispatcher: this.dispatcherValue } : {})
      }
    }
    const given = !this.ownsDispatcher
    if (!given && !proxyConfigured()) return { fetch: globalThis.fetch as unknown as FetchFunction }
    const proxy = await import('./proxy.js')
    if (!given && isLoopbackHost(new URL(url).hostname)) {
      this.directValue ??= proxy.createDirectDispatcher()
      return { fetch: proxy.fetch, dispatcher: this.directValue }
    }
    this.dispatcherValue ??= proxy.createDispatcher()
    return { fetch: proxy.fetch, dispatcher: this.dispatcherValue }
  }

  /**
   * "Now" in unix seconds, by the platform's clock: the Date header of its last reply, advanced by the time
   * since, so deadlines follow WeChat rather than the runner. The header is trusted only within 5 minutes of
   * the runner's clock (a relay with a wrong clock must not bring a deadline forward); otherwise, and before
   * the first reply, the runner's clock is used (and a warning was given when the header arrived).
   */
  now(): number {
    const local = this.clock()
    const server = this.serverClock
    if (!server?.trusted) return Math.floor(local / 1000)
    return Math.floor((server.serverMs + local - server.localMs) / 1000)
  }

  /** Closes the connection pool this instance created (a given dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher && this.dispatcherValue) await this.dispatcherValue.close()
    this.dispatcherValue = undefined
    await this.directValue?.close()
    this.directValue = undefined
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
      const started = this.clock()
      const outcome = await this.attempt(request, endpoint, token)
      const ms = this.clock() - started

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
      const envelope = readEnvelope(parseJson(outcome.body))
      if (!envelope) {
        this.debug(request, endpoint, 'error=malformed-body', ms, attempt, maxAttempts)
        const detail = `the reply is not a JSON object with a numeric errcode (HTTP ${outcome.status}, ${outcome.body.length} bytes)`
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
        await this.backoff(attempt, envelope.errcode === ERRCODE.MINUTE_QUOTA_REACHED)
        continue
      }
      throw error
    }
  }

  private async attempt(
    request: Omit<JsonRequest<unknown>, 'schema'>,
    endpoint: string,
    token: string | undefined
  ): Promise<Reply | AttemptFailure> {
    const url = this.url(request, token)
    const input = inputOf(request)
    refuseInsecure(url, endpoint, input)
    const headers: Record<string, string> = { accept: 'application/json, image/*;q=0.9', ...request.headers }
    let body: string | undefined
    if (request.method === 'POST') {
      body = JSON.stringify(request.body ?? {})
      headers['content-type'] = 'application/json'
    }
    let reply: Reply | ReplyRejected
    try {
      const { fetch, dispatcher } = await this.transport(url)
      const response = await fetch(url, {
        method: request.method,
        headers,
        body: body ?? null,
        // A redirect could carry the request (and its token) to another origin, and hand back JSON that
        // is not the platform's: never followed, reported instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(dispatcher ? { dispatcher } : {})
      })
      if (!/^https?:\/\//i.test(request.path)) this.noteServerDate(response.headers.get('date'))
      // The same signal still bounds reading the body.
      reply = await this.readReply(response, url, input)
    } catch (error) {
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
    if (reply instanceof ReplyRejected) {
      if (reply.failure === 'too-large' && !request.idempotent) {
        throw new WeChatUnknownOutcomeError(endpoint, reply.failure, reply.detail, reply.status)
      }
      throw new WeChatTransportError(endpoint, reply.failure, reply.detail, reply.status)
    }
    if (reply.status >= 500) {
      return new AttemptFailure(
        'http-status',
        `HTTP ${reply.status} from ${this.describe(url)}`,
        reply.status
      )
    }
    if (reply.status >= 400) {
      // The platform answers errors with HTTP 200 and an errcode; a 4xx comes from a relay, proxy or token
      // service in between. Its body is quoted only as errcode/errmsg: it may echo request data or secrets.
      const envelope = readEnvelope(parseJson(reply.body))
      const quoted =
        envelope && envelope.errcode !== 0
          ? ` (errcode ${envelope.errcode}, errmsg: ${oneLine(envelope.errmsg)})`
          : ''
      const hint =
        input === 'token-url'
          ? `Check \`token-url\`${reply.status === 401 || reply.status === 403 ? ' and `token-url-secret`' : ''}.`
          : 'Check `api-base-url` and the relay.'
      throw new WeChatTransportError(
        endpoint,
        'http-status',
        `HTTP ${reply.status} from ${this.describe(url)}${quoted}. ${hint}`,
        reply.status
      )
    }
    return reply
  }

  /** Reads a reply up to the size cap; redirects and oversized replies are rejected unread. */
  private async readReply(
    response: Awaited<ReturnType<FetchFunction>>,
    url: string,
    input: EndpointInput
  ): Promise<Reply | ReplyRejected> {
    const status = response.status
    if (status >= 300 && status < 400) {
      await response.body?.cancel()
      const location = response.headers.get('location')
      const target = location ? ` to ${redact(describeUrl(resolveLocation(location, url)))}` : ''
      return new ReplyRejected(
        'redirect',
        `\`${input}\` answered with a redirect (HTTP ${status}${target}). Redirects are not followed, so that tokens and the bearer secret reach only the address you configured: set \`${input}\` to the final address.`,
        status
      )
    }
    const tooLarge = new ReplyRejected(
      'too-large',
      `the reply from ${this.describe(url)} is larger than ${this.maxResponseBytes} bytes and was not read to the end`,
      status
    )
    const declared = Number(response.headers.get('content-length') ?? NaN)
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      await response.body?.cancel()
      return tooLarge
    }
    const chunks: Uint8Array[] = []
    let total = 0
    if (response.body) {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        total += value.byteLength
        if (total > this.maxResponseBytes) {
          await reader.cancel()
          return tooLarge
        }
        chunks.push(value)
      }
    }
    return {
      status,
      contentType: response.headers.get('content-type') ?? '',
      body: Buffer.concat(chunks)
    }
  }

  private noteServerDate(header: string | null): void {
    if (!header) return
    const serverMs = Date.parse(header)
    if (!Number.isFinite(serverMs)) return
    const localMs = this.clock()
    const trusted = Math.abs(serverMs - localMs) <= MAX_CLOCK_SKEW_MS
    this.serverClock = { serverMs, localMs, trusted }
    if (!trusted && !this.skewWarned) {
      this.skewWarned = true
      const minutes = Math.round((serverMs - localMs) / 60_000)
      this.warn?.(
        `WeChat's Date header (${new Date(serverMs).toISOString()}) is ${Math.abs(minutes)} minutes ${minutes > 0 ? 'ahead of' : 'behind'} this runner's clock (${new Date(localMs).toISOString()}); deadlines use the runner's clock instead. Check the clock of the runner and of any relay at \`api-base-url\`.`
      )
    }
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

  /** Host and path only: queries can carry tokens, userinfo credentials. */
  private describe(url: string): string {
    return redact(describeUrl(url))
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
  } catch (error) {
    // JSON.parse throws only SyntaxError: the body is not JSON, which callers report as malformed.
    if (error instanceof SyntaxError) return undefined
    throw error
  }
}

/**
 * The `{errcode, errmsg}` envelope, or undefined when the reply is not one. errcode must be an integer or a
 * string of digits; `""`, `false`, `null` or an object are not a success in disguise but a malformed reply.
 * A reply without errcode is a success (the token endpoints answer that way).
 */
export function readEnvelope(data: unknown): { errcode: number; errmsg: string } | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  const record = data as Record<string, unknown>
  const raw = record.errcode
  let errcode: number
  if (raw === undefined) errcode = 0
  else if (typeof raw === 'number' && Number.isInteger(raw)) errcode = raw
  else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) errcode = Number(raw)
  else return undefined
  const errmsg = typeof record.errmsg === 'string' ? record.errmsg : ''
  return { errcode, errmsg }
}

function inputOf(request: Omit<JsonRequest<unknown>, 'schema'>): EndpointInput {
  return request.input ?? (/^https?:\/\//i.test(request.path) ? 'token-url' : 'api-base-url')
}

/** Plain http leaves the machine only over loopback; a URL with credentials is never sent. Checked before connecting. */
function refuseInsecure(url: string, endpoint: string, input: EndpointInput): void {
  const parsed = new URL(url)
  if (parsed.username || parsed.password) {
    throw new WeChatTransportError(
      endpoint,
      'insecure',
      `\`${input}\` must not carry a user name or password`
    )
  }
  if (parsed.protocol === 'https:') return
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return
  throw new WeChatTransportError(
    endpoint,
    'insecure',
    `\`${input}\` uses ${parsed.protocol.replace(/:$/, '')} to ${parsed.hostname}; only https (or plain http to a loopback address) is used, so nothing was sent`
  )
}

/** A Location header against the request URL; an unparsable one stays a string that describeUrl declines to show. */
function resolveLocation(location: string, base: string): URL | string {
  return URL.canParse(location, base) ? new URL(location, base) : location
}

function oneLine(text: string): string {
  return redact(stripUserinfo(text.replace(/[\r\n]+/g, ' ').slice(0, 300)))
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
    return redact(
      stripUserinfo(`${message(error)}: ${typeof code === 'string' ? `${code} ` : ''}${message(cause)}`)
    )
  }
  return redact(stripUserinfo(message(error)))
}
