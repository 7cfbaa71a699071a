import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { clearSecrets, registerSecret } from '../src/redact.js'
import { InputError } from '../src/errors.js'
import { WeChatClient, WeChatSubmitConflictError } from '../src/wechat/client.js'
import {
  WeChatApiError,
  WeChatMalformedResponseError,
  WeChatTransportError,
  WeChatUnknownOutcomeError
} from '../src/wechat/errors.js'
import { readEnvelope, WeChatHttp, type FetchFunction } from '../src/wechat/http.js'
import { createDispatcher } from '../src/wechat/proxy.js'
import {
  RefreshTokenProvider,
  StableTokenProvider,
  StaticComponentToken,
  StaticTokenProvider,
  TokenServiceProvider,
  type TokenProvider
} from '../src/wechat/tokens.js'

// A scripted loopback WeChat: each path has a queue of replies; the last one repeats. Every request is kept.

interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: string
}

type Reply =
  | { json: unknown; status?: number; delayMs?: number; date?: string }
  | { raw: string | Buffer; contentType?: string; status?: number }
  | { redirect: string; status?: number }
  | { stream: number; declareLength?: boolean }
  | { drop: true }
  | { hang: true }

const APPID = 'wxa000000000000001'
const TOKEN_A = 'token-aaaaaaaaaaaaaaaa'
const TOKEN_B = 'token-bbbbbbbbbbbbbbbb'

let server: http.Server
let baseUrl: string
let recorded: Recorded[] = []
let script = new Map<string, Reply[]>()
const hanging: http.ServerResponse[] = []

function on(path: string, ...replies: Reply[]): void {
  script.set(path, replies)
}

function hits(path: string): Recorded[] {
  return recorded.filter((request) => request.path === path)
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const body = Buffer.concat(chunks).toString('utf8')
      recorded.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body
      })
      const queue = script.get(url.pathname)
      const reply = queue && queue.length > 1 ? queue.shift() : queue?.[0]
      if (!reply) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }))
        return
      }
      if ('drop' in reply) {
        req.socket.destroy()
        return
      }
      if ('hang' in reply) {
        hanging.push(res)
        return
      }
      if ('raw' in reply) {
        res.writeHead(reply.status ?? 200, reply.contentType ? { 'content-type': reply.contentType } : {})
        res.end(reply.raw)
        return
      }
      if ('redirect' in reply) {
        res.writeHead(reply.status ?? 302, { location: reply.redirect })
        res.end('moved')
        return
      }
      if ('stream' in reply) {
        // A JSON reply of `stream` bytes, sent in 64 KiB pieces (with or without a content-length).
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(reply.declareLength ? { 'content-length': String(reply.stream) } : {})
        })
        const head = '{"errcode":0,"pad":"'
        res.write(head)
        let left = reply.stream - head.length - 2
        const piece = 'x'.repeat(64 * 1024)
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const chunk = piece.slice(0, Math.min(left, piece.length))
            left -= chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          if (!res.destroyed) res.end('"}')
        }
        pump()
        return
      }
      const send = () => {
        if (res.destroyed) return
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json; charset=utf-8',
          ...(reply.date ? { date: reply.date } : {})
        })
        res.end(JSON.stringify(reply.json))
      }
      if (reply.delayMs) setTimeout(send, reply.delayMs)
      else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => {
  recorded = []
  script = new Map()
  for (const res of hanging.splice(0)) res.destroy()
  clearSecrets()
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** A token source that hands out the given tokens in turn and counts invalidations. */
class SequenceTokens implements TokenProvider {
  readonly kind = 'authorizer' as const
  invalidations = 0
  private index = 0
  constructor(private readonly values: string[]) {
    values.forEach((value) => registerSecret(value))
  }
  async token(): Promise<string> {
    return this.values[Math.min(this.index, this.values.length - 1)] as string
  }
  invalidate(): void {
    this.invalidations++
    this.index++
  }
}

interface Harness {
  client: WeChatClient
  waits: number[]
  lines: string[]
}

const clients: WeChatClient[] = []
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
})

function makeClient(
  options: { tokens?: TokenProvider; timeoutMs?: number; retries?: number; base?: string } = {}
): Harness {
  const waits: number[] = []
  const lines: string[] = []
  const client = new WeChatClient({
    baseUrl: options.base ?? baseUrl,
    tokens: options.tokens ?? new SequenceTokens([TOKEN_A, TOKEN_B]),
    timeoutMs: options.timeoutMs ?? 2000,
    retries: options.retries ?? 3,
    log: (line) => lines.push(line),
    sleep: async (ms) => {
      waits.push(ms)
    },
    random: () => 0.5
  })
  clients.push(client)
  return { client, waits, lines }
}

const ok = (extra: Record<string, unknown> = {}): Reply => ({ json: { errcode: 0, errmsg: 'ok', ...extra } })
const err = (errcode: number, errmsg = 'some error rid: 1-2-3'): Reply => ({ json: { errcode, errmsg } })

describe('retry policy for reads', () => {
  it.each<[string, Reply]>([
    ['errcode -1', err(-1, 'system error')],
    ['errcode 45011', err(45011, 'api minute-quota reach limit')],
    ['HTTP 502', { json: { message: 'bad gateway' }, status: 502 }],
    ['a malformed body', { raw: '<html>oops', contentType: 'text/html' }],
    ['a dropped connection', { drop: true }]
  ])('retries a read after %s and returns the later success', async (_label, failure) => {
    on('/wxa/queryquota', failure, ok({ rest: 8, limit: 27, speedup_rest: 1, speedup_limit: 2 }))
    const { client, waits } = makeClient()
    await expect(client.queryQuota(APPID)).resolves.toEqual({
      rest: 8,
      limit: 27,
      speedup_rest: 1,
      speedup_limit: 2,
      known: true
    })
    expect(hits('/wxa/queryquota')).toHaveLength(2)
    expect(waits).toHaveLength(1)
  })

  it('retries a read after a timeout', async () => {
    on(
      '/wxa/getgrayreleaseplan',
      { hang: true },
      ok({ gray_release_plan: { status: 1, gray_percentage: 5 } })
    )
    const { client } = makeClient({ timeoutMs: 150 })
    const plan = await client.getGrayReleasePlan(APPID)
    expect(plan).toMatchObject({ status: 1, gray_percentage: 5, support_debuger_first: false })
    expect(hits('/wxa/getgrayreleaseplan')).toHaveLength(2)
  })

  it('gives up after the configured retries with a transport error, backing off exponentially', async () => {
    on('/wxa/get_page', { json: {}, status: 503 })
    const { client, waits } = makeClient({ retries: 3 })
    const error = await client.getPage(APPID).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatTransportError)
    expect(error).not.toBeInstanceOf(WeChatUnknownOutcomeError)
    expect((error as WeChatTransportError).failure).toBe('http-status')
    expect(hits('/wxa/get_page')).toHaveLength(4)
    expect(waits).toEqual([375, 750, 1500]) // 500·2^n at 75 % jitter
  })

  it('a timed-out read that never answers ends as a timeout error', async () => {
    on('/wxa/get_category', { hang: true })
    const { client } = makeClient({ timeoutMs: 100, retries: 1 })
    const error = await client.getCategory(APPID).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatTransportError)
    expect((error as WeChatTransportError).failure).toBe('timeout')
    expect(hits('/wxa/get_category')).toHaveLength(2)
  })

  it('does not retry an ordinary platform error', async () => {
    on('/wxa/get_auditstatus', err(85012, 'invalid auditid'))
    const { client } = makeClient()
    const error = await client.getAuditStatus(APPID, 99).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatApiError)
    expect((error as WeChatApiError).errcode).toBe(85012)
    expect((error as Error).message).toBe(
      '/wxa/get_auditstatus failed: errcode 85012 invalid audit id. Check the auditid; it must come from submit_audit for this mini program. (errmsg: invalid auditid)'
    )
    expect(hits('/wxa/get_auditstatus')).toHaveLength(1)
  })
})

describe('retry policy for writes', () => {
  it.each<[string, Reply, string]>([
    ['HTTP 500', { json: {}, status: 500 }, 'http-status'],
    ['a dropped connection', { drop: true }, 'connection'],
    ['a malformed body', { raw: 'not json', contentType: 'application/json' }, 'malformed-body']
  ])('never repeats a write after %s: the outcome is unknown', async (_label, failure, kind) => {
    on('/wxa/release', failure, ok())
    const { client } = makeClient()
    const error = await client.release(APPID).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatUnknownOutcomeError)
    expect((error as WeChatUnknownOutcomeError).failure).toBe(kind)
    expect((error as Error).message).toMatch(/may or may not have been applied/)
    expect(hits('/wxa/release')).toHaveLength(1)
  })

  it('never repeats a write after a timeout', async () => {
    on('/wxa/grayrelease', { hang: true }, ok())
    const { client } = makeClient({ timeoutMs: 100 })
    const error = await client.grayRelease(APPID, { gray_percentage: 10 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatUnknownOutcomeError)
    expect((error as WeChatUnknownOutcomeError).failure).toBe('timeout')
    expect(hits('/wxa/grayrelease')).toHaveLength(1)
  })

  it('treats GET endpoints that change state as writes (revertcoderelease, undocodeaudit, revertgrayrelease)', async () => {
    on('/wxa/revertcoderelease', { json: {}, status: 502 })
    on('/wxa/undocodeaudit', { json: {}, status: 502 })
    on('/wxa/revertgrayrelease', { json: {}, status: 502 })
    const { client } = makeClient()
    await expect(client.revertCodeRelease(APPID, 3)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    await expect(client.undoCodeAudit(APPID)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    await expect(client.revertGrayRelease(APPID)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    expect(recorded).toHaveLength(3)
    expect(recorded[0]?.query.get('app_version')).toBe('3')
  })

  it('repeats a write when the platform answered "busy, nothing done" in a well-formed reply', async () => {
    on('/wxa/grayrelease', err(-1, 'system error'), err(9402202, 'concurrent limit'), ok())
    const { client } = makeClient()
    await client.grayRelease(APPID, { gray_percentage: 0, support_experiencer_first: true })
    expect(hits('/wxa/grayrelease')).toHaveLength(3)
    expect(JSON.parse(hits('/wxa/grayrelease')[0]?.body ?? '')).toEqual({
      gray_percentage: 0,
      support_experiencer_first: true
    })
  })

  it('stops repeating a busy write when the retries are used up', async () => {
    on('/wxa/speedupaudit', err(89401, 'system unstable'))
    const { client } = makeClient({ retries: 2 })
    const error = await client.speedupAudit(APPID, 5).catch((e: unknown) => e)
    expect((error as WeChatApiError).errcode).toBe(89401)
    expect(hits('/wxa/speedupaudit')).toHaveLength(3)
  })
})

describe('tokens', () => {
  it.each([40001, 42001, 40014])(
    'fetches a new token once after errcode %i and repeats the call',
    async (code) => {
      on('/wxa/release', err(code, 'access_token expired'), ok())
      const tokens = new SequenceTokens([TOKEN_A, TOKEN_B])
      const { client } = makeClient({ tokens })
      await client.release(APPID)
      const calls = hits('/wxa/release')
      expect(calls.map((call) => call.query.get('access_token'))).toEqual([TOKEN_A, TOKEN_B])
      expect(tokens.invalidations).toBe(1)
    }
  )

  it('refreshes only once: a second token error is reported', async () => {
    on('/wxa/get_page', err(40001, 'invalid credential'))
    const tokens = new SequenceTokens([TOKEN_A, TOKEN_B, 'token-cccccccccccccccc'])
    const { client } = makeClient({ tokens })
    const error = await client.getPage(APPID).catch((e: unknown) => e)
    expect((error as WeChatApiError).errcode).toBe(40001)
    expect(hits('/wxa/get_page')).toHaveLength(2)
  })

  it('does not repeat with the same token when the source cannot renew it', async () => {
    on('/wxa/get_page', err(42001, 'access_token expired'))
    const { client } = makeClient({ tokens: new StaticTokenProvider(APPID, TOKEN_A) })
    await expect(client.getPage(APPID)).rejects.toMatchObject({ errcode: 42001 })
    expect(hits('/wxa/get_page')).toHaveLength(1)
  })

  it('StaticTokenProvider refuses other mini programs', async () => {
    const provider = new StaticTokenProvider(APPID, TOKEN_A)
    await expect(provider.token('wxa000000000000002')).rejects.toThrow(/token-url/)
  })

  it('TokenServiceProvider sends the bearer secret, accepts either field name and caches per appid', async () => {
    on('/tokens', { json: { authorizer_access_token: TOKEN_A, expires_in: 7200 } })
    let now = 1_000_000
    const transport = new WeChatHttp({ baseUrl, sleep: async () => {} })
    const provider = new TokenServiceProvider({
      http: transport,
      url: `${baseUrl}/tokens`,
      secret: 'service-secret-123',
      now: () => now
    })
    expect(await provider.token(APPID)).toBe(TOKEN_A)
    expect(await provider.token(APPID)).toBe(TOKEN_A)
    expect(hits('/tokens')).toHaveLength(1)
    expect(hits('/tokens')[0]?.headers.authorization).toBe('Bearer service-secret-123')
    expect(hits('/tokens')[0]?.query.get('appid')).toBe(APPID)

    on('/tokens', { json: { access_token: TOKEN_B } })
    now += 7200_000 - 5 * 60_000 // renewed 5 minutes before expiry
    expect(await provider.token(APPID)).toBe(TOKEN_B)
    provider.invalidate(APPID)
    await provider.token(APPID)
    expect(hits('/tokens')).toHaveLength(3)
    await transport.close()
  })

  it('TokenServiceProvider explains a failing service without leaking its secret', async () => {
    on('/tokens', { raw: 'denied for service-secret-123', status: 401, contentType: 'text/plain' })
    const transport = new WeChatHttp({ baseUrl })
    const provider = new TokenServiceProvider({
      http: transport,
      url: `${baseUrl}/tokens`,
      secret: 'service-secret-123'
    })
    const error = await provider.token(APPID).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/token-url.*HTTP 401/)
    expect((error as Error).message).not.toContain('service-secret-123')
    await transport.close()
  })

  it('TokenServiceProvider hands out the component token of ?component=1, cached apart from authorizer tokens', async () => {
    on('/tokens', { json: { component_access_token: 'component-token-1234', expires_in: 7200 } })
    const transport = new WeChatHttp({ baseUrl })
    const provider = new TokenServiceProvider({
      http: transport,
      url: `${baseUrl}/tokens`,
      secret: 'service-secret-123'
    })
    expect(await provider.componentToken()).toBe('component-token-1234')
    expect(await provider.componentToken()).toBe('component-token-1234')
    expect(hits('/tokens')).toHaveLength(1)
    expect(hits('/tokens')[0]?.query.get('component')).toBe('1')
    expect(hits('/tokens')[0]?.query.has('appid')).toBe(false)
    expect(hits('/tokens')[0]?.headers.authorization).toBe('Bearer service-secret-123')
    await provider.componentToken({ refresh: true })
    expect(hits('/tokens')).toHaveLength(2)
    on('/tokens', { json: { authorizer_access_token: TOKEN_A } })
    await expect(provider.componentToken({ refresh: true })).rejects.toThrow(
      /component_access_token from `token-url`.*component_access_token/
    )
    await transport.close()
  })

  it('RefreshTokenProvider: authorizer tokens per appid with a given component token, rotated refresh tokens kept', async () => {
    on(
      '/cgi-bin/component/api_authorizer_token',
      ok({
        authorizer_access_token: TOKEN_A,
        expires_in: 7200,
        authorizer_refresh_token: 'refresh-rotated-999'
      })
    )
    const transport = new WeChatHttp({ baseUrl })
    const provider = new RefreshTokenProvider({
      http: transport,
      componentAppid: 'wxcafe000000000001',
      componentTokens: new StaticComponentToken('component-token-1234'),
      refreshTokens: { [APPID]: 'refresh-original-1' }
    })
    expect(await provider.token(APPID)).toBe(TOKEN_A)
    expect(await provider.token(APPID)).toBe(TOKEN_A)
    const authorizerCalls = hits('/cgi-bin/component/api_authorizer_token')
    expect(authorizerCalls).toHaveLength(1)
    expect(authorizerCalls[0]?.query.get('component_access_token')).toBe('component-token-1234')
    expect(JSON.parse(authorizerCalls[0]?.body ?? '')).toEqual({
      component_appid: 'wxcafe000000000001',
      authorizer_appid: APPID,
      authorizer_refresh_token: 'refresh-original-1'
    })
    expect(provider.refreshToken(APPID)).toBe('refresh-rotated-999')
    await expect(provider.token('wxa000000000000002')).rejects.toThrow(/authorizer-refresh-tokens/)
    expect(hits('/cgi-bin/component/api_component_token')).toHaveLength(0)
    await transport.close()
  })

  it('RefreshTokenProvider asks its component token source again after a rejection, and never mints one', async () => {
    on(
      '/cgi-bin/component/api_authorizer_token',
      err(40001, 'invalid credential'),
      ok({ authorizer_access_token: TOKEN_B, expires_in: 7200 })
    )
    const asked: Array<{ refresh?: boolean } | undefined> = []
    const transport = new WeChatHttp({ baseUrl })
    const provider = new RefreshTokenProvider({
      http: transport,
      componentAppid: 'wxcafe000000000001',
      componentTokens: {
        componentToken: async (options) => {
          asked.push(options)
          return options?.refresh ? 'component-token-new' : 'component-token-old'
        }
      },
      refreshTokens: new Map([[APPID, 'refresh-original-1']])
    })
    expect(await provider.token(APPID)).toBe(TOKEN_B)
    expect(
      hits('/cgi-bin/component/api_authorizer_token').map((c) => c.query.get('component_access_token'))
    ).toEqual(['component-token-old', 'component-token-new'])
    expect(asked).toEqual([{}, { refresh: true }])
    expect(hits('/cgi-bin/component/api_component_token')).toHaveLength(0)
    await transport.close()
  })

  it('a given component token that WeChat rejects is reported, not repeated', async () => {
    on('/wxa/gettemplatelist', err(40001, 'invalid credential'))
    const source = new StaticComponentToken('component-token-given')
    const client = new WeChatClient({
      baseUrl,
      tokens: new SequenceTokens([TOKEN_A]),
      componentTokens: () => source.componentToken(),
      sleep: async () => {}
    })
    clients.push(client)
    await expect(client.getTemplateList()).rejects.toMatchObject({ errcode: 40001 })
    expect(hits('/wxa/gettemplatelist')).toHaveLength(1)
  })

  it('StableTokenProvider uses normal mode only: never force_refresh, also after a rejection', async () => {
    on('/cgi-bin/stable_token', ok({ access_token: TOKEN_A, expires_in: 7200 }))
    on('/wxa/getgrayreleaseplan', err(40001, 'invalid credential'))
    const transport = new WeChatHttp({ baseUrl })
    const provider = new StableTokenProvider({ http: transport, appid: APPID, appsecret: 'own-app-secret-1' })
    expect(provider.kind).toBe('own')
    const client = new WeChatClient({ http: transport, tokens: provider })
    await expect(client.getGrayReleasePlan(APPID)).rejects.toMatchObject({ errcode: 40001 })
    // The rejected token came back from normal mode: reported, not repeated with it.
    expect(hits('/wxa/getgrayreleaseplan')).toHaveLength(1)
    const bodies = hits('/cgi-bin/stable_token').map(
      (call) => JSON.parse(call.body) as Record<string, unknown>
    )
    expect(bodies).toEqual([
      { grant_type: 'client_credential', appid: APPID, secret: 'own-app-secret-1' },
      { grant_type: 'client_credential', appid: APPID, secret: 'own-app-secret-1' }
    ])
    await expect(provider.token('wxa000000000000002')).rejects.toThrow(/appsecret/)
    await transport.close()
  })
})

describe('tolerant parsing', () => {
  it('reads auditid as a numeric string and ScreenShot in either spelling', async () => {
    on(
      '/wxa/get_latest_auditstatus',
      ok({
        auditid: '1234567',
        status: 1,
        reason: '帐号信息不合规范',
        ScreenShot: 'xxx|yyy|zzz',
        user_version: 'V1.5',
        user_desc: 'desc',
        submit_audit_time: 1640763673,
        something_new: { nested: true }
      })
    )
    on('/wxa/get_auditstatus', ok({ status: '4', reason: 'delayed', screenshot: '' }))
    const { client } = makeClient()
    await expect(client.getLatestAuditStatus(APPID)).resolves.toEqual({
      auditid: 1234567,
      status: 1,
      reason: '帐号信息不合规范',
      screenshots: ['xxx', 'yyy', 'zzz'],
      user_version: 'V1.5',
      user_desc: 'desc',
      submit_audit_time: 1640763673
    })
    await expect(client.getAuditStatus(APPID, 1234567)).resolves.toEqual({
      status: 4,
      reason: 'delayed',
      screenshots: []
    })
    expect(JSON.parse(hits('/wxa/get_auditstatus')[0]?.body ?? '')).toEqual({ auditid: 1234567 })
  })

  it('accepts missing optional parts: no gray plan, no history, no trial version', async () => {
    on('/wxa/getgrayreleaseplan', ok())
    on('/wxa/revertcoderelease', ok())
    on(
      '/wxa/getversioninfo',
      ok({ release_info: { release_time: 1640763902, release_version: 'V1.5', release_desc: 'x' } })
    )
    const { client } = makeClient()
    await expect(client.getGrayReleasePlan(APPID)).resolves.toEqual({
      status: 0,
      create_timestamp: 0,
      gray_percentage: 0,
      support_debuger_first: false,
      support_experiencer_first: false
    })
    await expect(client.getHistoryVersions(APPID)).resolves.toEqual([])
    expect(hits('/wxa/revertcoderelease')[0]?.query.get('action')).toBe('get_history_version')
    await expect(client.getVersionInfo(APPID)).resolves.toEqual({
      release_info: { release_time: 1640763902, release_version: 'V1.5', release_desc: 'x' }
    })
  })

  it('reads a latest review without user_version or auditid as unknown fields, not a failure', async () => {
    on(
      '/wxa/get_latest_auditstatus',
      ok({ auditid: 77, status: 0, reason: '', ScreenShot: '' }),
      ok({ status: 2 })
    )
    const { client } = makeClient()
    await expect(client.getLatestAuditStatus(APPID)).resolves.toEqual({
      auditid: 77,
      status: 0,
      screenshots: []
    })
    await expect(client.getLatestAuditStatus(APPID)).resolves.toEqual({ status: 2, screenshots: [] })
  })

  it('keeps an online version that has a release time but no name (release_version "")', async () => {
    on(
      '/wxa/getversioninfo',
      ok({
        exp_info: { exp_time: 0, exp_version: '', exp_desc: '' },
        release_info: { release_time: 1640763902, release_version: '', release_desc: '' }
      })
    )
    const { client } = makeClient()
    await expect(client.getVersionInfo(APPID)).resolves.toEqual({
      release_info: { release_time: 1640763902, release_desc: '' }
    })
  })

  it('marks a quota of 0 of 0 as unknown', async () => {
    on('/wxa/queryquota', ok({ rest: 0, limit: 0, speedup_rest: 0, speedup_limit: 0 }))
    const { client } = makeClient()
    await expect(client.queryQuota(APPID)).resolves.toMatchObject({ rest: 0, limit: 0, known: false })
  })

  it('exposes default_finish_timestamp of the gray plan when WeChat gives it', async () => {
    on(
      '/wxa/getgrayreleaseplan',
      ok({
        gray_release_plan: {
          status: 1,
          create_timestamp: 1517553721,
          gray_percentage: 8,
          support_debuger_first: true,
          support_experiencer_first: 1,
          default_finish_timestamp: '1518849721'
        }
      })
    )
    const { client } = makeClient()
    await expect(client.getGrayReleasePlan(APPID)).resolves.toEqual({
      status: 1,
      create_timestamp: 1517553721,
      gray_percentage: 8,
      support_debuger_first: true,
      support_experiencer_first: true,
      default_finish_timestamp: 1518849721
    })
  })

  it.each<[string, unknown]>([
    ['an empty string', ''],
    ['false', false],
    ['null', null],
    ['an object', { code: 0 }],
    ['a fraction', 0.5],
    ['a word', 'ok']
  ])('reads errcode %s as a malformed reply, never as success', async (_label, errcode) => {
    on('/wxa/getversioninfo', { json: { errcode, errmsg: 'ok' } })
    on('/wxa/release', { json: { errcode, errmsg: 'ok' } })
    const { client } = makeClient({ retries: 0 })
    const read = await client.getVersionInfo(APPID).catch((e: unknown) => e)
    expect(read).toBeInstanceOf(WeChatTransportError)
    expect((read as WeChatTransportError).failure).toBe('malformed-body')
    const write = await client.release(APPID).catch((e: unknown) => e)
    expect(write).toBeInstanceOf(WeChatUnknownOutcomeError)
  })

  it('reads errcode as an integer or a string of digits', () => {
    expect(readEnvelope({ errcode: '0', errmsg: 'ok' })).toEqual({ errcode: 0, errmsg: 'ok' })
    expect(readEnvelope({ errcode: '85012' })).toEqual({ errcode: 85012, errmsg: '' })
    expect(readEnvelope({ errcode: -1, errmsg: 7 })).toEqual({ errcode: -1, errmsg: '' })
    expect(readEnvelope({ access_token: 'x' })).toEqual({ errcode: 0, errmsg: '' })
    expect(readEnvelope([])).toBeUndefined()
    expect(readEnvelope({ errcode: '1e3' })).toBeUndefined()
  })

  it('reads version_list items with string numbers', async () => {
    on(
      '/wxa/revertcoderelease',
      ok({
        version_list: [{ app_version: '111', user_version: '1.0.0', user_desc: 'a', commit_time: 1488965944 }]
      })
    )
    const { client } = makeClient()
    await expect(client.getHistoryVersions(APPID)).resolves.toEqual([
      { app_version: 111, user_version: '1.0.0', user_desc: 'a', commit_time: 1488965944 }
    ])
  })

  it('reports a reply in an undocumented shape as malformed, naming the field', async () => {
    on('/wxa/submit_audit', ok({ auditid: 'abc' }))
    const { client } = makeClient()
    const error = await client.submitAudit(APPID, {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatMalformedResponseError)
    expect((error as Error).message).toMatch(/auditid/)
  })
})

describe('request shapes', () => {
  it('sends {} to POST endpoints without parameters (no 44002) and JSON content-type', async () => {
    on('/wxa/release', ok())
    on('/wxa/getversioninfo', ok())
    const { client } = makeClient()
    await client.release(APPID)
    await client.getVersionInfo(APPID)
    for (const call of recorded) {
      expect(call.method).toBe('POST')
      expect(call.body).toBe('{}')
      expect(call.headers['content-type']).toBe('application/json')
    }
  })

  it('keeps a relay path prefix from the base URL', async () => {
    const { client } = makeClient({ base: `${baseUrl}/relay/wechat/` })
    await client.release(APPID)
    expect(recorded[0]?.path).toBe('/relay/wechat/wxa/release')
  })

  it('stringifies an ext_json object once and checks commit limits before calling', async () => {
    const { client } = makeClient()
    await client.commit(APPID, {
      template_id: '12',
      ext_json: { extAppid: APPID, ext: { a: 1 } },
      user_version: '1.2.3',
      user_desc: 'release 1.2.3'
    })
    const body = JSON.parse(hits('/wxa/commit')[0]?.body ?? '') as Record<string, unknown>
    expect(body).toEqual({
      template_id: 12,
      ext_json: JSON.stringify({ extAppid: APPID, ext: { a: 1 } }),
      user_version: '1.2.3',
      user_desc: 'release 1.2.3'
    })
    expect(() =>
      client.commit(APPID, { template_id: 1, ext_json: '{', user_version: '1', user_desc: '' })
    ).toThrow(InputError)
    expect(() =>
      client.commit(APPID, { template_id: 1, ext_json: {}, user_version: 'x'.repeat(65), user_desc: '' })
    ).toThrow(InputError)
    expect(hits('/wxa/commit')).toHaveLength(1)
  })

  it('checks review items and gray percentages before calling', async () => {
    const { client } = makeClient()
    const category = { first_class: '工具', second_class: '效率', first_id: 287, second_id: 612 }
    await expect(client.submitAudit(APPID, { item_list: new Array(6).fill(category) })).rejects.toThrow(
      /Input "review-items": holds 6 items; WeChat takes at most 5/
    )
    await expect(
      client.submitAudit(APPID, {
        item_list: [{ address: 'pages/a' } as unknown as typeof category]
      })
    ).rejects.toThrow(/Input "review-items": item 1: first_class is required/)
    expect(() => client.grayRelease(APPID, { gray_percentage: 0 })).toThrow(InputError)
    expect(() => client.grayRelease(APPID, { gray_percentage: 101 })).toThrow(InputError)
    expect(() => client.grayRelease(APPID, { gray_percentage: 2.5 })).toThrow(InputError)
    on('/wxa/submit_audit', ok({ auditid: 7 }))
    await client.submitAudit(APPID, { item_list: [], version_desc: 'notes', privacy_api_not_use: true })
    expect(JSON.parse(hits('/wxa/submit_audit')[0]?.body ?? '')).toEqual({
      version_desc: 'notes',
      privacy_api_not_use: true
    })
    expect(recorded).toHaveLength(1)
  })

  it('unbinds testers by wechatid or userstr and lists them with get_experiencer', async () => {
    on('/wxa/memberauth', ok({ members: [{ userstr: 'u1' }, { userstr: 'u2' }] }))
    on('/wxa/bind_tester', ok({ userstr: 'u3' }))
    const { client } = makeClient()
    await expect(client.bindTester(APPID, 'alice')).resolves.toEqual({ userstr: 'u3' })
    await client.unbindTester(APPID, { userstr: 'u1' })
    await client.unbindTester(APPID, { wechatid: 'bob' })
    await expect(client.listTesters(APPID)).resolves.toEqual([{ userstr: 'u1' }, { userstr: 'u2' }])
    expect(recorded.map((call) => [call.path, JSON.parse(call.body) as unknown])).toEqual([
      ['/wxa/bind_tester', { wechatid: 'alice' }],
      ['/wxa/unbind_tester', { userstr: 'u1' }],
      ['/wxa/unbind_tester', { wechatid: 'bob' }],
      ['/wxa/memberauth', { action: 'get_experiencer' }]
    ])
  })

  it('pages jserr_list 30 at a time until totalCount', async () => {
    const row = (n: number) => ({
      errorMsg: `e${n}`,
      errorMsgMd5: `m${n}`,
      errorStack: 's',
      errorStackMd5: 'sm',
      uv: n,
      pv: n
    })
    on(
      '/wxaapi/log/jserr_list',
      ok({ data: Array.from({ length: 30 }, (_, i) => row(i)), totalCount: 65 }),
      ok({ data: Array.from({ length: 30 }, (_, i) => row(30 + i)), totalCount: 65 }),
      ok({ data: Array.from({ length: 5 }, (_, i) => row(60 + i)), totalCount: 65 })
    )
    const { client } = makeClient()
    const result = await client.jsErrList(APPID, {
      appVersion: '1.2.3',
      startTime: new Date('2024-05-01T20:00:00Z'), // 2024-05-02 in China
      endTime: '2024-05-03',
      pageSize: 50
    })
    expect(result.totalCount).toBe(65)
    expect(result.rows).toHaveLength(65)
    const bodies = hits('/wxaapi/log/jserr_list').map(
      (call) => JSON.parse(call.body) as Record<string, unknown>
    )
    expect(bodies.map((body) => [body.offset, body.limit])).toEqual([
      [0, 30],
      [30, 30],
      [60, 30]
    ])
    expect(bodies[0]).toMatchObject({
      appVersion: '1.2.3',
      startTime: '2024-05-02',
      endTime: '2024-05-03',
      errType: '0'
    })
  })

  it('uses the component token for the template library and renews it once on 40001', async () => {
    on(
      '/wxa/gettemplatelist',
      err(40001, 'invalid credential'),
      ok({
        template_list: [
          { template_id: '5', draft_id: 9, user_version: '1.0.0', user_desc: 'd', create_time: 1 }
        ]
      })
    )
    const requested: Array<{ refresh?: boolean } | undefined> = []
    const client = new WeChatClient({
      baseUrl,
      tokens: new SequenceTokens([TOKEN_A]),
      componentTokens: async (options) => {
        requested.push(options)
        return options?.refresh ? 'component-token-2' : 'component-token-1'
      },
      sleep: async () => {}
    })
    clients.push(client)
    await expect(client.getTemplateList()).resolves.toEqual([
      { template_id: 5, draft_id: 9, user_version: '1.0.0', user_desc: 'd', create_time: 1 }
    ])
    expect(hits('/wxa/gettemplatelist').map((call) => call.query.get('access_token'))).toEqual([
      'component-token-1',
      'component-token-2'
    ])
    await client.addToTemplate(9)
    await client.deleteTemplate(5)
    expect(JSON.parse(hits('/wxa/addtotemplate')[0]?.body ?? '')).toEqual({ draft_id: 9, template_type: 0 })
    expect(JSON.parse(hits('/wxa/deletetemplate')[0]?.body ?? '')).toEqual({ template_id: 5 })

    const withoutComponent = makeClient().client
    await expect(withoutComponent.getTemplateDraftList()).rejects.toThrow(
      /token-url.*component=1.*component-access-token/
    )
  })

  it('finds the template a draft became by draft_id, or by version when the list has no draft_id', async () => {
    const draft = { draft_id: 9, user_version: '2.0.0', user_desc: 'release 2.0.0', create_time: 5 }
    const before = [{ template_id: 3, user_version: '2.0.0', user_desc: 'release 2.0.0', create_time: 1 }]
    const client = new WeChatClient({
      baseUrl,
      tokens: new SequenceTokens([TOKEN_A]),
      componentTokens: async () => 'component-token-1',
      sleep: async () => {}
    })
    clients.push(client)
    on(
      '/wxa/gettemplatelist',
      ok({
        template_list: [...before, { template_id: 4, draft_id: 9, user_version: '2.0.0', user_desc: 'x' }]
      })
    )
    await expect(client.addToTemplateAndFind(draft, before)).resolves.toMatchObject({ template_id: 4 })
    // An older reply shape: no draft_id anywhere. The one new template of the draft's version is it.
    on(
      '/wxa/gettemplatelist',
      ok({
        template_list: [
          ...before,
          { template_id: 5, user_version: '2.0.0', user_desc: 'release 2.0.0', create_time: 6 },
          { template_id: 6, user_version: '1.9.0', user_desc: 'release 1.9.0', create_time: 6 }
        ]
      })
    )
    await expect(client.addToTemplateAndFind(draft, before)).resolves.toMatchObject({ template_id: 5 })
    // Two candidates: which one is the draft is not known, and the error says so.
    on(
      '/wxa/gettemplatelist',
      ok({
        template_list: [
          { template_id: 7, user_version: '2.0.0', user_desc: 'release 2.0.0' },
          { template_id: 8, user_version: '2.0.0', user_desc: 'release 2.0.0' }
        ]
      })
    )
    await expect(client.addToTemplateAndFind(draft, [])).rejects.toThrow(/2 new templates .* not known which/)
    expect(hits('/wxa/addtotemplate')).toHaveLength(3)
  })
})

describe('transport hardening', () => {
  it('never follows a redirect of api-base-url, and names the input', async () => {
    on('/wxa/getversioninfo', { redirect: 'https://elsewhere.example/steal?x=1' })
    on('/wxa/release', { redirect: `${baseUrl}/wxa/release-moved`, status: 307 })
    const { client } = makeClient()
    const read = await client.getVersionInfo(APPID).catch((e: unknown) => e)
    expect(read).toBeInstanceOf(WeChatTransportError)
    expect((read as WeChatTransportError).failure).toBe('redirect')
    expect((read as Error).message).toMatch(
      /`api-base-url` answered with a redirect \(HTTP 302 to https:\/\/elsewhere\.example\/steal\)\. Redirects are not followed/
    )
    const write = await client.release(APPID).catch((e: unknown) => e)
    expect((write as WeChatTransportError).failure).toBe('redirect')
    expect(hits('/wxa/release-moved')).toHaveLength(0)
    expect(hits('/wxa/getversioninfo')).toHaveLength(1)
  })

  it('never follows a redirect of token-url, so no token from elsewhere is taken', async () => {
    on('/tokens', { redirect: `${baseUrl}/other-tokens` })
    on('/other-tokens', { json: { access_token: 'planted-token-1234' } })
    const transport = new WeChatHttp({ baseUrl })
    const provider = new TokenServiceProvider({
      http: transport,
      url: `${baseUrl}/tokens`,
      secret: 'service-secret-123'
    })
    const error = await provider.token(APPID).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /`token-url` answered with a redirect \(HTTP 302 to http:\/\/127\.0\.0\.1:\d+\/other-tokens\)/
    )
    expect(hits('/other-tokens')).toHaveLength(0)
    await transport.close()
  })

  it('quotes an HTTP error of a relay only by errcode and errmsg, never its body', async () => {
    on('/wxa/get_page', {
      raw: '<html>internal trace: user=admin password=hunter2-secret</html>',
      status: 403,
      contentType: 'text/html'
    })
    on('/wxa/get_category', {
      raw: JSON.stringify({
        errcode: 61004,
        errmsg: 'access clientip is not registered',
        debug: 'hunter2-secret'
      }),
      status: 403,
      contentType: 'application/json'
    })
    const { client } = makeClient()
    const plain = (await client.getPage(APPID).catch((e: unknown) => e)) as Error
    expect(plain.message).toMatch(
      /HTTP 403 from http:\/\/127\.0\.0\.1:\d+\/wxa\/get_page\. Check `api-base-url` and the relay\.$/
    )
    const coded = (await client.getCategory(APPID).catch((e: unknown) => e)) as Error
    expect(coded.message).toMatch(/HTTP 403 .* \(errcode 61004, errmsg: access clientip is not registered\)/)
    for (const message of [plain.message, coded.message]) expect(message).not.toContain('hunter2')
  })

  it.each([
    ['declared by content-length', true],
    ['streamed without a length', false]
  ])('cuts off a reply larger than the cap (%s)', async (_label, declareLength) => {
    on('/wxa/get_page', { stream: 3 * 1024 * 1024, declareLength })
    on('/wxa/release', { stream: 3 * 1024 * 1024, declareLength })
    const client = new WeChatClient({
      baseUrl,
      tokens: new SequenceTokens([TOKEN_A]),
      http: new WeChatHttp({ baseUrl, maxResponseBytes: 1024 * 1024, sleep: async () => {} })
    })
    clients.push(client)
    const read = await client.getPage(APPID).catch((e: unknown) => e)
    expect(read).toBeInstanceOf(WeChatTransportError)
    expect(read).not.toBeInstanceOf(WeChatUnknownOutcomeError)
    expect((read as WeChatTransportError).failure).toBe('too-large')
    expect((read as Error).message).toMatch(/larger than 1048576 bytes and was not read to the end/)
    expect(hits('/wxa/get_page')).toHaveLength(1)
    const write = await client.release(APPID).catch((e: unknown) => e)
    expect(write).toBeInstanceOf(WeChatUnknownOutcomeError)
  })

  it('sends nothing over plain http to a host that is not loopback, nor to a URL with credentials', async () => {
    const calls: string[] = []
    const fetch = (async (url: string) => {
      calls.push(String(url))
      throw new Error('must not be called')
    }) as unknown as FetchFunction
    for (const base of ['http://api.wechat.example', 'http://10.1.2.3:8080', 'https://user:pw@api.example']) {
      const client = new WeChatClient({
        baseUrl: base,
        tokens: new SequenceTokens([TOKEN_A]),
        fetch,
        retries: 0
      })
      const error = await client.release(APPID).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(WeChatTransportError)
      expect((error as WeChatTransportError).failure).toBe('insecure')
      expect((error as Error).message).not.toContain('pw@')
    }
    expect(calls).toEqual([])
    const loopback = new WeChatClient({
      baseUrl: 'http://127.0.0.9:1',
      tokens: new SequenceTokens([TOKEN_A]),
      fetch,
      retries: 0
    })
    await expect(loopback.release(APPID)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    expect(calls).toHaveLength(1)
  })

  it('strips user names and passwords from every URL an error quotes', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed', {
        cause: new Error('connect ECONNREFUSED via http://proxyuser:proxy-p%40ss@proxy.example:3128')
      })
    }) as unknown as FetchFunction
    const client = new WeChatClient({ baseUrl, tokens: new SequenceTokens([TOKEN_A]), fetch, retries: 0 })
    const error = (await client.getPage(APPID).catch((e: unknown) => e)) as Error
    expect(error.message).toMatch(/connection to http:\/\/127\.0\.0\.1:\d+\/wxa\/get_page failed/)
    expect(error.message).toContain('http://proxy.example:3128')
    expect(error.message).not.toMatch(/proxyuser|p%40ss/)
  })
})

describe("WeChat's clock", () => {
  const at = (iso: string) => new Date(iso).toUTCString()

  it('follows the Date header of the platform within 5 minutes of the runner, not a token service', async () => {
    let local = Date.parse('2026-03-01T00:00:00Z')
    const warnings: string[] = []
    const transport = new WeChatHttp({
      baseUrl,
      clock: () => local,
      warn: (message) => warnings.push(message)
    })
    expect(transport.now()).toBe(local / 1000)
    on('/tokens', { json: { access_token: TOKEN_A }, date: at('2026-03-01T00:04:00Z') })
    await new TokenServiceProvider({ http: transport, url: `${baseUrl}/tokens` }).token(APPID)
    expect(transport.now()).toBe(local / 1000)
    on('/wxa/release', { json: { errcode: 0 }, date: at('2026-03-01T00:04:00Z') })
    const client = new WeChatClient({ http: transport, tokens: new SequenceTokens([TOKEN_A]) })
    await client.release(APPID)
    expect(client.now()).toBe(Date.parse('2026-03-01T00:04:00Z') / 1000)
    local += 60_000 // a minute later by the runner: WeChat's time moves on with it
    expect(client.now()).toBe(Date.parse('2026-03-01T00:05:00Z') / 1000)
    expect(warnings).toEqual([])
    await transport.close()
  })

  it('uses the runner clock, and warns once, when the Date header is more than 5 minutes off', async () => {
    const local = Date.parse('2026-03-01T00:00:00Z')
    const warnings: string[] = []
    const transport = new WeChatHttp({
      baseUrl,
      clock: () => local,
      warn: (message) => warnings.push(message)
    })
    const client = new WeChatClient({ http: transport, tokens: new SequenceTokens([TOKEN_A]) })
    on('/wxa/release', { json: { errcode: 0 }, date: at('2026-03-15T00:00:00Z') })
    await client.release(APPID)
    await client.release(APPID)
    expect(client.now()).toBe(local / 1000)
    expect(warnings).toEqual([
      expect.stringMatching(
        /^WeChat's Date header \(2026-03-15T00:00:00\.000Z\) is 20160 minutes ahead of this runner's clock .*deadlines use the runner's clock/
      )
    ])
    await transport.close()
  })
})

describe('redaction', () => {
  it('keeps the token out of error messages, errmsg and log lines', async () => {
    on('/wxa/grayrelease', {
      json: { errcode: 85082, errmsg: `gray percentage too low access_token=${TOKEN_A}` }
    })
    on('/wxa/get_page', { hang: true })
    const { client, lines } = makeClient({ timeoutMs: 100, retries: 1 })
    const apiError = (await client
      .grayRelease(APPID, { gray_percentage: 1 })
      .catch((e: unknown) => e)) as WeChatApiError
    const timeoutError = (await client.getPage(APPID).catch((e: unknown) => e)) as Error
    expect(apiError.errcode).toBe(85082)
    expect(apiError.message).toMatch(/percentage only goes up/)
    for (const text of [apiError.message, apiError.errmsg, timeoutError.message, ...lines]) {
      expect(text).not.toContain(TOKEN_A)
      expect(text).not.toContain(TOKEN_B)
    }
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(lines[0]).toMatch(/^wechat POST \/wxa\/grayrelease errcode=85082 \d+ms attempt 1\/2$/)
    expect(lines.some((line) => /GET \/wxa\/get_page error=timeout/.test(line))).toBe(true)
  })

  it('registers every token a provider obtains as a secret', async () => {
    const { redact } = await import('../src/redact.js')
    on('/cgi-bin/stable_token', ok({ access_token: 'fresh-own-token-42', expires_in: 7200 }))
    const transport = new WeChatHttp({ baseUrl })
    await new StableTokenProvider({ http: transport, appid: APPID, appsecret: 'own-app-secret-1' }).token(
      APPID
    )
    expect(redact('token fresh-own-token-42 secret own-app-secret-1')).toBe('token *** secret ***')
    await transport.close()
  })
})

describe('get_qrcode', () => {
  it('returns the image bytes and encodes the path once', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
    on('/wxa/get_qrcode', { raw: jpeg, contentType: 'image/jpeg' })
    const { client } = makeClient()
    await expect(client.getTrialQrCode(APPID, 'page/index?action=1')).resolves.toEqual(jpeg)
    expect(recorded[0]?.query.get('path')).toBe('page/index?action=1')
    expect(recorded[0]?.query.toString()).toContain('path=page%2Findex%3Faction%3D1')
  })

  it('reads a JSON reply as an error (token errors refresh, others are thrown)', async () => {
    on('/wxa/get_qrcode', err(40014, 'invalid access_token'), {
      raw: JSON.stringify({ errcode: 85086, errmsg: 'x' }),
      contentType: 'text/plain'
    })
    const { client } = makeClient()
    const error = await client.getTrialQrCode(APPID).catch((e: unknown) => e)
    expect((error as WeChatApiError).errcode).toBe(85086)
    expect(hits('/wxa/get_qrcode').map((call) => call.query.get('access_token'))).toEqual([TOKEN_A, TOKEN_B])
    expect(hits('/wxa/get_qrcode')[0]?.query.has('path')).toBe(false)
  })
})

describe('proxy', () => {
  it('honours HTTP_PROXY for remote hosts but always reaches loopback directly', async () => {
    const proxied: string[] = []
    const proxy = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`)
      res.writeHead(502)
      res.end()
    })
    proxy.on('connect', (req: http.IncomingMessage, socket: import('node:net').Socket) => {
      proxied.push(`CONNECT ${req.url}`)
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const dispatcher = createDispatcher({
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      NO_PROXY: 'internal.example'
    })
    try {
      on('/wxa/release', ok())
      const client = new WeChatClient({
        baseUrl,
        tokens: new SequenceTokens([TOKEN_A]),
        dispatcher,
        retries: 0
      })
      await client.release(APPID)
      expect(hits('/wxa/release')).toHaveLength(1)
      expect(proxied).toEqual([])

      const remote = new WeChatClient({
        baseUrl: 'https://api.wechat.example',
        tokens: new SequenceTokens([TOKEN_A]),
        dispatcher,
        retries: 0
      })
      await expect(remote.getPage(APPID)).rejects.toBeInstanceOf(WeChatTransportError)
      expect(proxied.length).toBeGreaterThan(0)
      expect(proxied[0]).toMatch(/api\.wechat\.example/)
    } finally {
      await dispatcher.close()
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  })
})

describe('submitAuditOnce', () => {
  const startedAt = Date.UTC(2024, 4, 1, 12, 0, 0)
  const latest = (fields: Record<string, unknown>): Reply =>
    ok({
      auditid: 4242,
      status: 2,
      user_version: '1.2.3',
      user_desc: '',
      submit_audit_time: startedAt / 1000,
      ...fields
    })

  it('returns the new auditid when submit_audit succeeds', async () => {
    on('/wxa/submit_audit', ok({ auditid: '777' }))
    const { client } = makeClient()
    await expect(client.submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })).resolves.toEqual({
      auditid: 777,
      adopted: false
    })
  })

  it('adopts the running review of the same version on 85009, without submitting again', async () => {
    on('/wxa/submit_audit', err(85009, 'already submit a version under auditing'))
    on('/wxa/get_latest_auditstatus', latest({ submit_audit_time: startedAt / 1000 - 86_400 }))
    const { client } = makeClient()
    await expect(client.submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })).resolves.toEqual({
      auditid: 4242,
      adopted: true
    })
    expect(hits('/wxa/submit_audit')).toHaveLength(1)
  })

  it('refuses on 85009 when another version is under review', async () => {
    on('/wxa/submit_audit', err(85009, 'already submit a version under auditing'))
    on('/wxa/get_latest_auditstatus', latest({ user_version: '1.2.2' }))
    const { client } = makeClient()
    const error = await client
      .submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatSubmitConflictError)
    expect((error as Error).message).toMatch(/"1\.2\.2".*withdraw/)
    expect(hits('/wxa/submit_audit')).toHaveLength(1)
  })

  it('after a lost reply adopts the review this run created, even if already decided', async () => {
    on('/wxa/submit_audit', { drop: true })
    on('/wxa/get_latest_auditstatus', latest({ status: 0, submit_audit_time: startedAt / 1000 + 3 }))
    const { client } = makeClient()
    await expect(client.submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })).resolves.toEqual({
      auditid: 4242,
      adopted: true
    })
    expect(hits('/wxa/submit_audit')).toHaveLength(1)
  })

  it('after a lost reply does not adopt an old decided review of the same version', async () => {
    on('/wxa/submit_audit', { json: {}, status: 504 })
    on('/wxa/get_latest_auditstatus', latest({ status: 1, submit_audit_time: startedAt / 1000 - 600 }))
    const { client } = makeClient()
    const error = await client
      .submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt: new Date(startedAt) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatSubmitConflictError)
    expect((error as Error).message).toMatch(/not confirmed/)
    expect(hits('/wxa/submit_audit')).toHaveLength(1)
  })

  it('does not adopt a withdrawn review and passes other errors through', async () => {
    on('/wxa/submit_audit', err(85009, 'x'), err(85085, 'submit audit reach limit please try later'))
    on('/wxa/get_latest_auditstatus', latest({ status: 3 }))
    const { client } = makeClient()
    await expect(
      client.submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })
    ).rejects.toBeInstanceOf(WeChatSubmitConflictError)
    const quota = await client
      .submitAuditOnce(APPID, {}, { userVersion: '1.2.3', startedAt })
      .catch((e: unknown) => e)
    expect((quota as WeChatApiError).errcode).toBe(85085)
    expect((quota as Error).message).toMatch(/小程序服务商助手/)
    expect(hits('/wxa/get_latest_auditstatus')).toHaveLength(1)
  })
})
