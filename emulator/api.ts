/**
 * The HTTP face of the emulator: api.weixin.qq.com's paths, methods, token rules and error shapes, plus
 * the token-service stand-in and the `/__emulator/*` control routes. It parses, authenticates, applies
 * injected faults and logs; the rules themselves live in state.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  handleControlRequest,
  type ActiveFault,
  type EmulatorControl,
  type FaultRegistry,
  type RequestLog,
  type RequestLogEntry
} from './control.js'
import { NOT_JSON, parseJsonOr } from './json.js'
import { QR_CODE_JPEG, requestId } from './seed.js'
import { WxError, isPlainObject, type EmulatorState, type TokenRecord } from './state.js'

type Body = Record<string, unknown>

/** Which access token an endpoint accepts. */
type TokenRule = 'authorizer' | 'authorizer-or-own' | 'component' | 'self'

interface RouteContext {
  state: EmulatorState
  token?: TokenRecord
  body: Body
  query: URLSearchParams
}

/** A non-JSON success (the QR code image). */
class BinaryReply {
  constructor(
    readonly body: Buffer,
    readonly headers: Record<string, string>
  ) {}
}

type Reply =
  { kind: 'json'; body: Record<string, unknown>; status?: number } | { kind: 'binary'; reply: BinaryReply }

interface Route {
  method: 'GET' | 'POST'
  token: TokenRule
  /** Token endpoints answer their grant without errcode/errmsg, like the platform. */
  plain?: boolean
  handle(context: RouteContext): Record<string, unknown> | BinaryReply | void
}

const appOf = (context: RouteContext) => context.state.app(context.token?.appid ?? '')

const ROUTES: Record<string, Route> = {
  '/cgi-bin/component/api_component_token': {
    method: 'POST',
    token: 'self',
    plain: true,
    handle: ({ state, body }) => state.componentToken(body)
  },
  '/cgi-bin/component/api_authorizer_token': {
    method: 'POST',
    token: 'self',
    plain: true,
    handle: ({ state, body, query }) =>
      state.authorizerToken(
        state.checkToken(query.get('component_access_token') ?? query.get('access_token')),
        body
      )
  },
  '/cgi-bin/stable_token': {
    method: 'POST',
    token: 'self',
    plain: true,
    handle: ({ state, body }) => state.stableToken(body)
  },
  '/cgi-bin/token': {
    method: 'GET',
    token: 'self',
    plain: true,
    handle: ({ state, query }) => state.cgiToken(query)
  },

  '/wxa/commit': { method: 'POST', token: 'authorizer', handle: (c) => c.state.commit(appOf(c), c.body) },
  '/wxa/get_page': { method: 'GET', token: 'authorizer', handle: (c) => c.state.pages(appOf(c)) },
  '/wxa/get_category': { method: 'GET', token: 'authorizer', handle: (c) => c.state.categories() },
  '/wxa/submit_audit': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.submitAudit(appOf(c), c.body)
  },
  '/wxa/get_auditstatus': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.auditStatus(appOf(c), c.body)
  },
  '/wxa/get_latest_auditstatus': {
    method: 'GET',
    token: 'authorizer',
    handle: (c) => c.state.latestAuditStatus(appOf(c))
  },
  '/wxa/undocodeaudit': { method: 'GET', token: 'authorizer', handle: (c) => c.state.undoAudit(appOf(c)) },
  '/wxa/speedupaudit': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.speedupAudit(appOf(c), c.body)
  },
  '/wxa/queryquota': { method: 'GET', token: 'authorizer', handle: (c) => c.state.quotaReply() },
  '/wxa/release': { method: 'POST', token: 'authorizer', handle: (c) => c.state.release(appOf(c)) },
  '/wxa/grayrelease': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.grayRelease(appOf(c), c.body)
  },
  '/wxa/getgrayreleaseplan': {
    method: 'GET',
    token: 'authorizer-or-own',
    handle: (c) => c.state.grayReleasePlan(appOf(c))
  },
  '/wxa/revertgrayrelease': {
    method: 'GET',
    token: 'authorizer',
    handle: (c) => c.state.revertGrayRelease(appOf(c))
  },
  '/wxa/revertcoderelease': {
    method: 'GET',
    token: 'authorizer',
    handle: (c) =>
      c.query.get('action') === 'get_history_version'
        ? c.state.historyVersions(appOf(c))
        : c.state.rollback(appOf(c), c.query.get('app_version'))
  },
  '/wxa/getversioninfo': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.versionInfo(appOf(c))
  },
  '/wxa/change_visitstatus': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.changeVisitStatus(appOf(c), c.body)
  },
  '/wxa/getvisitstatus': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => ({ status: appOf(c).visitStatus })
  },
  '/wxa/get_qrcode': { method: 'GET', token: 'authorizer-or-own', handle: (c) => qrCode(c) },
  '/wxa/bind_tester': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.bindTester(appOf(c), c.body)
  },
  '/wxa/unbind_tester': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.unbindTester(appOf(c), c.body)
  },
  '/wxa/memberauth': {
    method: 'POST',
    token: 'authorizer',
    handle: (c) => c.state.members(appOf(c), c.body)
  },

  '/wxa/gettemplatedraftlist': { method: 'GET', token: 'component', handle: (c) => c.state.draftList() },
  '/wxa/addtotemplate': { method: 'POST', token: 'component', handle: (c) => c.state.addToTemplate(c.body) },
  '/wxa/gettemplatelist': {
    method: 'GET',
    token: 'component',
    handle: (c) => c.state.templateListReply(c.query)
  },
  '/wxa/deletetemplate': {
    method: 'POST',
    token: 'component',
    handle: (c) => c.state.deleteTemplate(c.body)
  },

  '/wxaapi/log/jserr_list': {
    method: 'POST',
    token: 'authorizer-or-own',
    handle: (c) => c.state.jsErrorList(appOf(c), c.body)
  }
}

/** The trial QR code: a small JPEG whose comment segment names app, version and path, for tests. */
function qrCode(context: RouteContext): BinaryReply {
  const app = appOf(context)
  if (!app.trial) throw new WxError(86001, 'component experience version not exists')
  const comment = Buffer.from(`${app.appid} ${app.trial.version} ${context.query.get('path') ?? ''}`, 'utf8')
  const segment = Buffer.alloc(4)
  segment.writeUInt16BE(0xfffe, 0)
  segment.writeUInt16BE(comment.length + 2, 2)
  const body = Buffer.concat([QR_CODE_JPEG.subarray(0, 2), segment, comment, QR_CODE_JPEG.subarray(2)])
  return new BinaryReply(body, {
    'content-type': 'image/jpeg',
    'content-disposition': 'attachment; filename="QRCode.jpg"'
  })
}

function checkTokenKind(rule: TokenRule, token: TokenRecord): void {
  if (rule === 'component') {
    if (token.kind !== 'component') throw new WxError(48001, 'api unauthorized')
    return
  }
  if (token.kind === 'component') throw new WxError(48001, 'api unauthorized')
  if (rule === 'authorizer' && token.kind !== 'authorizer')
    throw new WxError(86000, 'should be called only from third party')
}

const SECRET_QUERY = new Set(['access_token', 'component_access_token', 'secret'])
const SECRET_FIELDS = new Set([
  'component_appsecret',
  'secret',
  'authorizer_refresh_token',
  'component_verify_ticket'
])

function redactQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of query) out[key] = SECRET_QUERY.has(key) ? '***' : value
  return out
}

function redactBody(body: unknown): unknown {
  if (!isPlainObject(body)) return body
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key, SECRET_FIELDS.has(key) ? '***' : value])
  )
}

export interface ApiServerDeps {
  state: EmulatorState
  control: EmulatorControl
  faults: FaultRegistry
  log: RequestLog
  latencyMs: number
  tokenServiceSecret: string
}

/** Creates the request listener; `dispose` cancels pending delayed answers when the server closes. */
export function createApiHandler(deps: ApiServerDeps): {
  listener: (request: IncomingMessage, response: ServerResponse) => void
  dispose(): void
} {
  const { state, faults, log } = deps
  const timers = new Set<NodeJS.Timeout>()
  let sequence = 0
  let disposed = false

  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer)
            resolve()
          }, ms)
          timers.add(timer)
        })

  const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text)
    })
    response.end(text)
  }

  const errorBody = (errcode: number, errmsg: string, rid: string) => ({
    errcode,
    errmsg: `${errmsg} rid: ${rid}`
  })

  async function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    raw: Buffer
  ): Promise<void> {
    const rid = requestId(++sequence)
    // The Date header tells the emulated time, as WeChat's tells its own: the action reads "now" from it.
    response.sendDate = false
    response.setHeader(
      'date',
      new Date((state.clock.now() + state.variants.dateSkewSeconds) * 1000).toUTCString()
    )
    const path = url.pathname
    const query = url.searchParams
    const method = request.method ?? 'GET'
    let parsed: unknown
    let parseFailed = false
    if (raw.length > 0) {
      parsed = parseJsonOr(raw.toString('utf8'), NOT_JSON)
      parseFailed = parsed === NOT_JSON
    }
    const tokenParam =
      path === '/cgi-bin/component/api_authorizer_token'
        ? (query.get('component_access_token') ?? query.get('access_token'))
        : query.get('access_token')
    const knownToken = tokenParam ? state.tokens.get(tokenParam) : undefined
    const fault = faults.take(path, knownToken?.appid)
    const entry: RequestLogEntry = {
      seq: sequence,
      time: 0,
      method,
      path,
      query: redactQuery(query),
      ...(raw.length > 0
        ? { body: parseFailed ? raw.toString('utf8').slice(0, 2000) : redactBody(parsed) }
        : {}),
      httpStatus: 200,
      ...(knownToken ? { appid: knownToken.appid, tokenKind: knownToken.kind } : {}),
      ...(fault ? { fault: describeFault(fault) } : {})
    }
    await sleep(deps.latencyMs + (fault?.latencyMs ?? 0))
    if (disposed) return
    state.tick()
    entry.time = state.clock.now()

    const finish = (status: number, errcode: number | undefined): void => {
      entry.httpStatus = status
      if (errcode !== undefined) entry.errcode = errcode
      log.add(entry)
    }

    const answerFault = (active: ActiveFault): void => {
      if (active.redirectTo !== undefined) {
        response.writeHead(302, { location: active.redirectTo, 'content-type': 'text/html' })
        response.end('<html><body>moved</body></html>')
        finish(302, undefined)
        return
      }
      if (active.oversizedBytes !== undefined) {
        streamOversized(response, active.oversizedBytes)
        finish(200, undefined)
        return
      }
      if (active.reply !== undefined) {
        sendJson(response, active.httpStatus ?? 200, active.reply)
        finish(active.httpStatus ?? 200, undefined)
        return
      }
      if (active.dropConnection) {
        finish(0, undefined)
        request.socket.destroy()
        return
      }
      if (active.malformed) {
        const text = '{"errcode":0,"errmsg":"o'
        response.writeHead(active.httpStatus ?? 200, { 'content-type': 'application/json; charset=utf-8' })
        response.end(text)
        finish(active.httpStatus ?? 200, undefined)
        return
      }
      if (active.httpStatus !== undefined && active.errcode === undefined) {
        const html = `<html><head><title>${active.httpStatus}</title></head><body><center><h1>${active.httpStatus}</h1></center></body></html>`
        response.writeHead(active.httpStatus, { 'content-type': 'text/html' })
        response.end(html)
        finish(active.httpStatus, undefined)
        return
      }
      const errcode = active.errcode ?? -1
      sendJson(response, active.httpStatus ?? 200, errorBody(errcode, active.errmsg ?? 'system error', rid))
      finish(active.httpStatus ?? 200, errcode)
    }

    if (path === '/__token-service/token') {
      if (fault?.failing && !fault.afterCommit) return answerFault(fault)
      const reply = tokenService(request, query)
      if (fault?.failing) return answerFault(fault)
      sendJson(response, reply.status, reply.body)
      finish(reply.status, reply.status === 200 ? 0 : undefined)
      return
    }

    if (fault?.failing && !fault.afterCommit) return answerFault(fault)

    let reply: Reply
    let errcode = 0
    try {
      reply = execute(method, path, query, raw.length === 0, parseFailed, parsed)
    } catch (error) {
      if (!(error instanceof WxError)) throw error
      errcode = error.errcode
      reply = { kind: 'json', body: errorBody(error.errcode, error.errmsg, rid) }
    }
    if (fault?.failing) return answerFault(fault)
    if (reply.kind === 'binary') {
      response.writeHead(200, { ...reply.reply.headers, 'content-length': reply.reply.body.length })
      response.end(reply.reply.body)
      return finish(200, 0)
    }
    const status = reply.status ?? 200
    sendJson(response, status, reply.body)
    finish(status, errcode)
  }

  function execute(
    method: string,
    path: string,
    query: URLSearchParams,
    empty: boolean,
    parseFailed: boolean,
    parsed: unknown
  ): Reply {
    const route = ROUTES[path]
    if (!route) return { kind: 'json', status: 404, body: { errcode: -1, errmsg: `no such api: ${path}` } }
    if (method !== route.method) {
      throw route.method === 'POST'
        ? new WxError(43002, 'require POST method')
        : new WxError(43001, 'require GET method')
    }
    let token: TokenRecord | undefined
    if (route.token !== 'self') {
      token = state.checkToken(query.get('access_token'))
      checkTokenKind(route.token, token)
    }
    let body: Body = {}
    if (route.method === 'POST') {
      if (empty) throw new WxError(44002, 'empty post data')
      if (parseFailed || !isPlainObject(parsed)) throw new WxError(47001, 'data format error')
      body = parsed
    }
    const result = route.handle({ state, ...(token ? { token } : {}), body, query })
    if (result instanceof BinaryReply) return { kind: 'binary', reply: result }
    const payload = result ?? {}
    return { kind: 'json', body: route.plain ? payload : { errcode: 0, errmsg: 'ok', ...payload } }
  }

  /**
   * The stand-in for a platform server's token service (the contract of docs/credentials.md): the tokens
   * the server holds, behind a bearer secret. `?component=1` answers the component token, `?appid=` the
   * authorizer token of that mini program.
   */
  function tokenService(request: IncomingMessage, query: URLSearchParams): { status: number; body: unknown } {
    if (request.method !== 'GET') return { status: 405, body: { error: 'use GET' } }
    if (request.headers.authorization !== `Bearer ${deps.tokenServiceSecret}`)
      return {
        status: 401,
        body: { error: 'unauthorized: send Authorization: Bearer <token service secret>' }
      }
    if (query.get('component') === '1') return { status: 200, body: state.serviceComponentToken() }
    const appid = query.get('appid') ?? ''
    const grant = state.serviceToken(appid)
    if (!grant) return { status: 404, body: { error: `appid ${appid} is not authorized to the platform` } }
    return { status: 200, body: grant }
  }

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      const url = new URL(request.url ?? '/', 'http://emulator.local')
      const respond = async (): Promise<void> => {
        if (url.pathname.startsWith('/__emulator/')) {
          const body = raw.length > 0 ? parseJsonOr(raw.toString('utf8'), NOT_JSON) : undefined
          if (body === NOT_JSON) return sendJson(response, 400, { error: 'the body must be JSON' })
          const operation = url.pathname.slice('/__emulator/'.length)
          const reply = handleControlRequest(
            deps.control,
            request.method ?? 'GET',
            operation,
            url.searchParams,
            body
          )
          return sendJson(response, reply.status, reply.body)
        }
        await handleApi(request, response, url, raw)
      }
      respond().catch((error: unknown) => {
        // A bug in the emulator, not a platform answer: make it loud for the test that hit it.
        if (!response.headersSent) sendJson(response, 500, { error: `emulator failure: ${String(error)}` })
        else response.destroy()
      })
    })
  }

  return {
    listener,
    dispose: () => {
      disposed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    }
  }
}

/** A JSON reply of `bytes` bytes, written in chunks so the client sees it arrive as a stream. */
function streamOversized(response: ServerResponse, bytes: number): void {
  const head = '{"errcode":0,"errmsg":"ok","padding":"'
  const tail = '"}'
  const fill = Math.max(0, bytes - head.length - tail.length)
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
  response.write(head)
  const chunk = 'x'.repeat(64 * 1024)
  let left = fill
  const pump = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.slice(0, left)
      left -= piece.length
      if (!response.write(piece)) {
        response.once('drain', pump)
        return
      }
    }
    response.end(tail)
  }
  response.on('close', () => {
    left = 0
  })
  pump()
}

function describeFault(fault: ActiveFault): string {
  const parts: string[] = []
  if (fault.redirectTo !== undefined) parts.push('redirect')
  if (fault.oversizedBytes !== undefined) parts.push(`oversized ${fault.oversizedBytes} bytes`)
  if (fault.reply !== undefined) parts.push('reply')
  if (fault.afterCommit) parts.push('afterCommit')
  if (fault.dropConnection) parts.push('dropConnection')
  if (fault.malformed) parts.push('malformed')
  if (fault.httpStatus !== undefined) parts.push(`http ${fault.httpStatus}`)
  if (fault.errcode !== undefined) parts.push(`errcode ${fault.errcode}`)
  if (fault.latencyMs !== undefined) parts.push(`latency ${fault.latencyMs}ms`)
  return parts.join(', ') || 'none'
}
