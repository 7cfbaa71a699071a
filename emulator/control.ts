/**
 * The emulator's control surface: the emulated reviewer (approve / reject / delay), the clock, fault
 * injection, seeding helpers and the request log. The same operations are served in-process (the
 * `control` object) and over HTTP under `/__emulator/*`, so a test in another process (the bundled action
 * run end to end, a demo script, a curl) can drive the same scenario.
 */
import type { EmulatedClock } from './clock.js'
import {
  isPlainObject,
  type EmulatorSnapshot,
  type EmulatorState,
  type JsErrorRow,
  type ReplyVariants
} from './state.js'

export interface FaultSpec {
  /** The API path the fault applies to, for example `/wxa/submit_audit`. */
  path: string
  /** Only requests whose access token belongs to this appid (default: any). */
  appid?: string
  /** How many matching requests fail (default 1). */
  times?: number
  /** Answer `{errcode, errmsg}` instead of the real result. */
  errcode?: number
  errmsg?: string
  /** Answer with this HTTP status (an HTML error page, or the errcode JSON when errcode is set too). */
  httpStatus?: number
  /** Extra delay before the answer. Alone, it slows the request down without failing it. */
  latencyMs?: number
  /** Answer HTTP 200 with a truncated JSON body. */
  malformed?: boolean
  /** Close the connection without any answer. */
  dropConnection?: boolean
  /**
   * Perform the real operation first, then fail the answer: an ambiguous write that the platform
   * carried out but the client never heard about. Without another failure kind it answers -1.
   */
  afterCommit?: boolean
  /**
   * Answer with exactly this JSON value (HTTP 200, or `httpStatus`), e.g. `{"errcode": "", "errmsg": "ok"}`:
   * a reply in a shape the documents do not give (a hostile or broken relay, or the platform on a bad day).
   */
  reply?: unknown
  /** Answer with a redirect (HTTP 302) to this address, as a misconfigured or hostile relay might. */
  redirectTo?: string
  /** Answer HTTP 200 with a JSON body of this many bytes, streamed (a reply no endpoint should ever give). */
  oversizedBytes?: number
}

export interface ActiveFault extends FaultSpec {
  /** Whether the fault changes the answer (and not only its timing). */
  failing: boolean
}

export class FaultRegistry {
  private readonly faults: Array<FaultSpec & { remaining: number }> = []

  add(spec: FaultSpec): void {
    if (typeof spec.path !== 'string' || !spec.path.startsWith('/'))
      throw new Error('a fault needs a path such as /wxa/submit_audit')
    const times = spec.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new Error('fault times must be a positive integer')
    this.faults.push({ ...spec, remaining: times })
  }

  clear(): void {
    this.faults.length = 0
  }

  /** The first fault that matches the request, with one use consumed. */
  take(path: string, appid: string | undefined): ActiveFault | undefined {
    const index = this.faults.findIndex(
      (fault) => fault.path === path && (fault.appid === undefined || fault.appid === appid)
    )
    const fault = this.faults[index]
    if (!fault) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) this.faults.splice(index, 1)
    const { remaining: _remaining, ...spec } = fault
    const failing =
      spec.errcode !== undefined ||
      spec.httpStatus !== undefined ||
      spec.malformed === true ||
      spec.dropConnection === true ||
      spec.afterCommit === true ||
      spec.reply !== undefined ||
      spec.redirectTo !== undefined ||
      spec.oversizedBytes !== undefined
    return { ...spec, failing }
  }
}

export interface RequestLogEntry {
  seq: number
  /** Emulated unix seconds when the request was answered. */
  time: number
  method: string
  path: string
  /** Query parameters; tokens and secrets are replaced by `***`. */
  query: Record<string, string>
  /** The parsed JSON body with secret fields replaced by `***` (the raw text when it was not JSON). */
  body?: unknown
  /** 0 when the connection was dropped without an answer. */
  httpStatus: number
  /** The errcode answered; 0 for successes, including images and token grants; absent when dropped. */
  errcode?: number
  /** The appid of the access token used, when it was a known token. */
  appid?: string
  tokenKind?: string
  /** The fault injected into this request, if any. */
  fault?: string
}

export class RequestLog {
  private entries: RequestLogEntry[] = []

  add(entry: RequestLogEntry): void {
    this.entries.push(entry)
  }

  all(): RequestLogEntry[] {
    return this.entries.map((entry) => structuredClone(entry))
  }

  reset(): void {
    this.entries = []
  }
}

export interface EmulatorControl {
  /** The emulated unix time. */
  now(): number
  /** Moves the emulated clock forward; time-driven effects (token expiry, 15-day release) follow. */
  advance(seconds: number): number
  /** The review in progress (status 2 or 4) is approved: status 0. */
  approve(appid: string): void
  /** The review in progress is rejected (status 1) with a reason and screenshot media ids. */
  reject(appid: string, reason: string, screenshots?: string[]): void
  /** The review in progress is delayed (status 4) with a reason; it still counts as under review. */
  delay(appid: string, reason: string): void
  /** Replaces the JS error groups reported by jserr_list for one version of an app. */
  setJsErrors(appid: string, version: string, rows: JsErrorRow[]): void
  injectFault(fault: FaultSpec): void
  clearFaults(): void
  /** WeChat IDs that bind_tester reports as not existing / not searchable (85001). */
  setUnsearchable(ids: string[]): void
  /** WeChat IDs that are experience members of too many mini programs already (85003). */
  setTooManyMemberships(ids: string[]): void
  /** The whole state as plain JSON. */
  state(): EmulatorSnapshot
  requests(): RequestLogEntry[]
  resetRequests(): void
  /** How many submit_audit calls created a review for the app. */
  auditCount(appid: string): number
  /** Seeds a prior full release, so a gray release is possible. */
  setOnline(appid: string, version: string): void
  /** Overrides the provider's quota, e.g. `{ rest: 0 }` for an exhausted month (the next month resets it). */
  setQuota(values: { rest?: number; limit?: number; speedupRest?: number; speedupLimit?: number }): void
  /** The files of the app's last miniprogram-ci upload (by package path). */
  uploadedFiles(appid: string): Map<string, Buffer> | undefined
  /** WeChat pushes a new component_verify_ticket now (it also pushes one every 10 emulated minutes). */
  rotateVerifyTicket(): string
  /** The ticket WeChat pushed last (each is valid for 12 hours). */
  currentVerifyTicket(): string
  /** Whether the component token the platform server (token-service stand-in) holds still works. */
  serverComponentTokenValid(): boolean
  /** The component token the platform server holds (it mints one, as it would, when it holds none). */
  serverComponentToken(): string
  /** Switches how replies that vary in the wild are answered; returns the variants now in force. */
  setReplyVariants(values: Partial<ReplyVariants>): ReplyVariants
  /** Moves the instant WeChat releases a running gray plan to everyone (default_finish_timestamp). */
  setGrayFinish(appid: string, finishTimestamp: number): void
}

export function createControl(
  state: EmulatorState,
  clock: EmulatedClock,
  faults: FaultRegistry,
  log: RequestLog
): EmulatorControl {
  const current = (): EmulatorState => {
    state.tick()
    return state
  }
  return {
    now: () => clock.now(),
    advance: (seconds) => {
      const now = clock.advance(seconds)
      state.tick()
      return now
    },
    approve: (appid) => void current().decide(appid, 0),
    reject: (appid, reason, screenshots = []) => void current().decide(appid, 1, reason, screenshots),
    delay: (appid, reason) => void current().decide(appid, 4, reason),
    setJsErrors: (appid, version, rows) => current().setJsErrors(appid, version, rows),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setUnsearchable: (ids) => {
      state.unsearchable.clear()
      for (const id of ids) state.unsearchable.add(id)
    },
    setTooManyMemberships: (ids) => {
      state.tooManyMemberships.clear()
      for (const id of ids) state.tooManyMemberships.add(id)
    },
    state: () => current().snapshot(),
    requests: () => log.all(),
    resetRequests: () => log.reset(),
    auditCount: (appid) => current().auditCount(appid),
    setOnline: (appid, version) => current().setOnline(appid, version),
    setQuota: (values) => current().setQuota(values),
    uploadedFiles: (appid) => {
      const files = current().app(appid).lastUpload?.files
      return files ? new Map(files) : undefined
    },
    rotateVerifyTicket: () => current().rotateVerifyTicket(),
    currentVerifyTicket: () => current().currentVerifyTicket(),
    serverComponentTokenValid: () => current().serverComponentTokenValid(),
    serverComponentToken: () => current().serviceComponentToken().component_access_token,
    setReplyVariants: (values) => state.setReplyVariants(values),
    setGrayFinish: (appid, finishTimestamp) => current().setGrayFinish(appid, finishTimestamp)
  }
}

export interface ControlReply {
  status: number
  body: unknown
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`"${name}" must be a non-empty string`)
  return value
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new Error(`"${name}" must be a list of strings`)
  return value as string[]
}

/**
 * `/__emulator/<operation>`: readers answer GET (`now`, `state`, `requests`, `auditCount?appid=`), every
 * operation answers POST with its arguments as a JSON object, e.g. `POST /__emulator/reject
 * {"appid":"wx…","reason":"…","screenshots":["media-1"]}`. Failures answer 400 `{error}`.
 */
export function handleControlRequest(
  control: EmulatorControl,
  method: string,
  operation: string,
  query: URLSearchParams,
  body: unknown
): ControlReply {
  const args = isPlainObject(body) ? body : {}
  const ok = (result: unknown = { ok: true }): ControlReply => ({ status: 200, body: result })
  const readers: Record<string, () => unknown> = {
    now: () => ({ now: control.now() }),
    state: () => control.state(),
    requests: () => control.requests(),
    auditCount: () => ({ count: control.auditCount(text(query.get('appid') ?? args.appid, 'appid')) }),
    currentVerifyTicket: () => ({ componentVerifyTicket: control.currentVerifyTicket() }),
    serverComponentTokenValid: () => ({ valid: control.serverComponentTokenValid() })
  }
  const writers: Record<string, () => unknown> = {
    advance: () => {
      const seconds = args.seconds
      if (typeof seconds !== 'number') throw new Error('"seconds" must be a number')
      return { now: control.advance(seconds) }
    },
    approve: () => control.approve(text(args.appid, 'appid')),
    reject: () =>
      control.reject(
        text(args.appid, 'appid'),
        text(args.reason, 'reason'),
        stringList(args.screenshots, 'screenshots')
      ),
    delay: () => control.delay(text(args.appid, 'appid'), text(args.reason, 'reason')),
    setJsErrors: () => {
      if (!Array.isArray(args.rows)) throw new Error('"rows" must be a list')
      control.setJsErrors(text(args.appid, 'appid'), text(args.version, 'version'), args.rows as JsErrorRow[])
    },
    injectFault: () => control.injectFault(args as unknown as FaultSpec),
    clearFaults: () => control.clearFaults(),
    setUnsearchable: () => control.setUnsearchable(stringList(args.ids, 'ids')),
    setTooManyMemberships: () => control.setTooManyMemberships(stringList(args.ids, 'ids')),
    resetRequests: () => control.resetRequests(),
    setOnline: () => control.setOnline(text(args.appid, 'appid'), text(args.version, 'version')),
    setQuota: () => control.setQuota(args as Parameters<EmulatorControl['setQuota']>[0]),
    rotateVerifyTicket: () => ({ componentVerifyTicket: control.rotateVerifyTicket() }),
    setReplyVariants: () => control.setReplyVariants(args as Partial<ReplyVariants>),
    setGrayFinish: () => {
      if (typeof args.finishTimestamp !== 'number') throw new Error('"finishTimestamp" must be a number')
      control.setGrayFinish(text(args.appid, 'appid'), args.finishTimestamp)
    },
    ...readers
  }
  const table = method === 'GET' ? readers : method === 'POST' ? writers : {}
  const operationHandler = Object.hasOwn(table, operation) ? table[operation] : undefined
  if (!operationHandler) {
    const known = Object.hasOwn(writers, operation)
    return {
      status: known ? 405 : 404,
      body: {
        error: known ? `use POST for /__emulator/${operation}` : `unknown control operation "${operation}"`
      }
    }
  }
  try {
    return ok(operationHandler() ?? { ok: true })
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } }
  }
}
