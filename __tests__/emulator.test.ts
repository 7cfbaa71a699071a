/**
 * The WeChat emulator over HTTP with plain fetch: tokens and token kinds, protocol errors, the review
 * state machine, release gates, gray release, rollback history. Every test starts its own emulator, so
 * the state one test leaves behind never decides another.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator/index.js'

const APP = 'wxa000000000000001'
const OTHER_APP = 'wxa000000000000002'
const DAY = 86400

interface Reply {
  status: number
  headers: Headers
  body: Buffer
  json: Record<string, unknown>
}

const running: RunningEmulator[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()))
})

async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const started = await startEmulator(options)
  running.push(started)
  return started
}

async function call(
  emu: RunningEmulator,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; query?: Record<string, string> } = {}
): Promise<Reply> {
  const url = new URL(path, emu.url)
  if (options.token !== undefined) url.searchParams.set('access_token', options.token)
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value)
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  const response = await fetch(url, { method, ...(payload !== undefined ? { body: payload } : {}) })
  const body = Buffer.from(await response.arrayBuffer())
  let json: Record<string, unknown> = {}
  if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(body.toString('utf8'))
  return { status: response.status, headers: response.headers, body, json }
}

/** An authorizer token through the token-service stand-in. */
async function authorizerToken(emu: RunningEmulator, appid = APP): Promise<string> {
  const response = await fetch(`${emu.credentials.tokenServiceUrl}?appid=${appid}`, {
    headers: { authorization: `Bearer ${emu.credentials.tokenServiceSecret}` }
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

async function componentToken(emu: RunningEmulator): Promise<string> {
  const { credentials } = emu
  const reply = await call(emu, 'POST', '/cgi-bin/component/api_component_token', {
    body: {
      component_appid: credentials.componentAppid,
      component_appsecret: credentials.componentAppsecret,
      component_verify_ticket: emu.control.currentVerifyTicket()
    }
  })
  return reply.json.component_access_token as string
}

async function ownToken(emu: RunningEmulator, appid = APP): Promise<string> {
  const secret =
    emu.credentials.apps.find((app) => app.appid === appid)?.appsecret ??
    emu.credentials.standaloneApp.appsecret
  const reply = await call(emu, 'POST', '/cgi-bin/stable_token', {
    body: { grant_type: 'client_credential', appid, secret }
  })
  return reply.json.access_token as string
}

/** A directCommit upload makes `version` the trial version (some emulated time passes meanwhile). */
function directUpload(emu: RunningEmulator, version: string, appid = APP): void {
  const files = new Map([
    ['app.json', Buffer.from(JSON.stringify({ pages: ['pages/index/index', 'pages/logs/logs'] }))],
    ['ext.json', Buffer.from(JSON.stringify({ extEnable: true, directCommit: true, extAppid: appid }))],
    ['pages/index/index.js', Buffer.from('Page({})')]
  ])
  emu.recordCiUpload({
    appid: emu.credentials.devAppid,
    version,
    desc: `v${version}`,
    robot: 1,
    files,
    kind: 'upload'
  })
  emu.control.advance(61)
}

async function submit(
  emu: RunningEmulator,
  token: string,
  body: Record<string, unknown> = {}
): Promise<Reply> {
  return call(emu, 'POST', '/wxa/submit_audit', { token, body })
}

/** `version` uploaded, submitted and approved (not released). */
async function approvedVersion(
  emu: RunningEmulator,
  token: string,
  version: string,
  appid = APP
): Promise<void> {
  directUpload(emu, version, appid)
  expect((await submit(emu, token)).json.errcode).toBe(0)
  emu.control.approve(appid)
}

function errcodeOf(reply: Reply): unknown {
  return reply.json.errcode
}

describe('protocol', () => {
  it('answers errors as HTTP 200 JSON whose errmsg ends with a rid', async () => {
    const emu = await emulator()
    const reply = await call(emu, 'GET', '/wxa/get_page', { token: 'nonsense' })
    expect(reply.status).toBe(200)
    expect(reply.json.errcode).toBe(40001)
    expect(reply.json.errmsg).toMatch(/ rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/)
  })

  it('44002 for a POST without a body, 47001 for a body that is not JSON', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token }))).toBe(44002)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/getversioninfo', { token }))).toBe(44002)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token, rawBody: '{not json' }))).toBe(47001)
  })

  it('43002 when a POST endpoint is called with GET, 43001 the other way round', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/submit_audit', { token }))).toBe(43002)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/release', { token }))).toBe(43002)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/get_page', { token, body: {} }))).toBe(43001)
  })

  it('answers 404 for a path the platform does not have', async () => {
    const emu = await emulator()
    expect((await call(emu, 'GET', '/wxa/no_such_api')).status).toBe(404)
  })
})

describe('tokens', () => {
  it('component token: checks component appid, secret and verify ticket', async () => {
    const emu = await emulator()
    const { credentials } = emu
    const good = {
      component_appid: credentials.componentAppid,
      component_appsecret: credentials.componentAppsecret,
      component_verify_ticket: emu.control.currentVerifyTicket()
    }
    const path = '/cgi-bin/component/api_component_token'
    const granted = await call(emu, 'POST', path, { body: good })
    expect(granted.json).toEqual({
      component_access_token: expect.stringMatching(/^emu-token-/),
      expires_in: 7200
    })
    expect(
      errcodeOf(await call(emu, 'POST', path, { body: { ...good, component_appsecret: 'wrong' } }))
    ).toBe(40125)
    expect(errcodeOf(await call(emu, 'POST', path, { body: { ...good, component_appid: 'wxnope' } }))).toBe(
      61011
    )
    expect(
      errcodeOf(await call(emu, 'POST', path, { body: { ...good, component_verify_ticket: 'ticket@@@x' } }))
    ).toBe(61006)
    // WeChat pushes a ticket every 10 minutes and each lives 12 hours (ComponentAccessToken.md).
    const first = good.component_verify_ticket
    emu.control.advance(600)
    const pushed = emu.control.currentVerifyTicket()
    expect(pushed).not.toBe(first)
    expect(
      (await call(emu, 'POST', path, { body: { ...good, component_verify_ticket: first } })).json
    ).toHaveProperty('component_access_token')
    emu.control.advance(12 * 3600 - 600)
    expect(
      errcodeOf(await call(emu, 'POST', path, { body: { ...good, component_verify_ticket: first } }))
    ).toBe(61005)
    expect(
      (await call(emu, 'POST', path, { body: { ...good, component_verify_ticket: pushed } })).json
    ).toHaveProperty('component_access_token')
    const fresh = emu.control.rotateVerifyTicket()
    expect(
      (await call(emu, 'POST', path, { body: { ...good, component_verify_ticket: fresh } })).json
    ).toHaveProperty('component_access_token')
  })

  it('minting a component token cuts the previous one to five more minutes', async () => {
    const emu = await emulator()
    const { credentials } = emu
    const held = emu.control.serverComponentToken()
    const templates = () => call(emu, 'GET', '/wxa/gettemplatelist', { token: held })
    expect(errcodeOf(await templates())).toBe(0)
    // Someone else mints (a CI job with the platform's secret and ticket, as the action once did).
    await call(emu, 'POST', '/cgi-bin/component/api_component_token', {
      body: {
        component_appid: credentials.componentAppid,
        component_appsecret: credentials.componentAppsecret,
        component_verify_ticket: emu.control.currentVerifyTicket()
      }
    })
    emu.control.advance(299)
    expect(errcodeOf(await templates())).toBe(0)
    expect(emu.control.serverComponentTokenValid()).toBe(true)
    emu.control.advance(2)
    expect(errcodeOf(await templates())).toBe(42001)
    expect(emu.control.serverComponentTokenValid()).toBe(false)
  })

  it('the token service hands out the component token the server holds, minting only when it has none', async () => {
    const emu = await emulator()
    const ask = async () => {
      const response = await fetch(`${emu.credentials.tokenServiceUrl}?component=1`, {
        headers: { authorization: `Bearer ${emu.credentials.tokenServiceSecret}` }
      })
      expect(response.status).toBe(200)
      return (await response.json()) as { component_access_token: string; expires_in: number }
    }
    const first = await ask()
    expect(first).toEqual({
      component_access_token: expect.stringMatching(/^emu-token-component-/),
      expires_in: 7200
    })
    emu.control.advance(3600)
    expect(await ask()).toEqual({ component_access_token: first.component_access_token, expires_in: 3600 })
    emu.control.advance(3500) // near expiry: the server mints a new one with the latest ticket
    const renewed = await ask()
    expect(renewed.component_access_token).not.toBe(first.component_access_token)
    expect(
      emu.control.requests().filter((entry) => entry.path === '/cgi-bin/component/api_component_token')
    ).toEqual([])
  })

  it('authorizer token from a refresh token; 61023 for a wrong one; only a component token may ask', async () => {
    const emu = await emulator()
    const component = await componentToken(emu)
    const app = emu.credentials.apps[0]
    if (!app) throw new Error('no seeded app')
    const body = {
      component_appid: emu.credentials.componentAppid,
      authorizer_appid: app.appid,
      authorizer_refresh_token: app.refreshToken
    }
    const path = '/cgi-bin/component/api_authorizer_token'
    const granted = await call(emu, 'POST', path, { query: { component_access_token: component }, body })
    expect(granted.json).toMatchObject({ expires_in: 7200, authorizer_refresh_token: app.refreshToken })
    const token = granted.json.authorizer_access_token as string
    expect(errcodeOf(await call(emu, 'GET', '/wxa/get_category', { token }))).toBe(0)

    const wrong = { ...body, authorizer_refresh_token: 'emu-refresh-wrong' }
    expect(
      errcodeOf(await call(emu, 'POST', path, { query: { component_access_token: component }, body: wrong }))
    ).toBe(61023)
    expect(errcodeOf(await call(emu, 'POST', path, { query: { component_access_token: token }, body }))).toBe(
      48001
    )
    expect(errcodeOf(await call(emu, 'POST', path, { body }))).toBe(41001)
  })

  it('own tokens: stable_token reuses its token, /cgi-bin/token rotates with a 5-minute overlap', async () => {
    const emu = await emulator()
    const { appid, appsecret } = emu.credentials.standaloneApp
    const stableBody = { grant_type: 'client_credential', appid, secret: appsecret }
    const first = await call(emu, 'POST', '/cgi-bin/stable_token', { body: stableBody })
    const second = await call(emu, 'POST', '/cgi-bin/stable_token', { body: stableBody })
    expect(second.json.access_token).toBe(first.json.access_token)
    const forced = await call(emu, 'POST', '/cgi-bin/stable_token', {
      body: { ...stableBody, force_refresh: true }
    })
    expect(forced.json.access_token).not.toBe(first.json.access_token)
    expect(
      errcodeOf(await call(emu, 'POST', '/cgi-bin/stable_token', { body: { ...stableBody, secret: 'x' } }))
    ).toBe(40125)
    expect(
      errcodeOf(
        await call(emu, 'POST', '/cgi-bin/stable_token', { body: { ...stableBody, appid: 'wxnothere' } })
      )
    ).toBe(40013)

    const query = { grant_type: 'client_credential', appid, secret: appsecret }
    const old = (await call(emu, 'GET', '/cgi-bin/token', { query })).json.access_token as string
    const fresh = (await call(emu, 'GET', '/cgi-bin/token', { query })).json.access_token as string
    expect(fresh).not.toBe(old)
    const plan = (token: string) => call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })
    expect(errcodeOf(await plan(old))).toBe(0)
    emu.control.advance(301)
    expect(errcodeOf(await plan(old))).toBe(42001)
    expect(errcodeOf(await plan(fresh))).toBe(0)
    expect(errcodeOf(await call(emu, 'GET', '/cgi-bin/token', { query: { ...query, secret: 'x' } }))).toBe(
      40125
    )
  })

  it('tokens expire after 7200 emulated seconds (42001); unknown 40001; missing 41001', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota', { token }))).toBe(0)
    emu.control.advance(7199)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota', { token }))).toBe(0)
    emu.control.advance(1)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota', { token }))).toBe(42001)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota', { token: 'emu-token-made-up' }))).toBe(40001)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota'))).toBe(41001)
    // The token service notices the expiry and hands out a new token.
    const renewed = await authorizerToken(emu)
    expect(renewed).not.toBe(token)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/queryquota', { token: renewed }))).toBe(0)
  })

  it('token kind: own token → 86000 on code management, accepted by gray plan, QR code and jserr_list', async () => {
    const emu = await emulator()
    const own = await ownToken(emu, APP)
    const authorizer = await authorizerToken(emu)
    const component = await componentToken(emu)
    directUpload(emu, '1.0.0')
    for (const [method, path] of [
      ['POST', '/wxa/submit_audit'],
      ['GET', '/wxa/get_latest_auditstatus'],
      ['POST', '/wxa/release'],
      ['GET', '/wxa/revertcoderelease'],
      ['POST', '/wxa/bind_tester'],
      ['GET', '/wxa/queryquota']
    ] as const) {
      expect([
        path,
        errcodeOf(await call(emu, method, path, { token: own, ...(method === 'POST' ? { body: {} } : {}) }))
      ]).toEqual([path, 86000])
    }
    expect(errcodeOf(await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token: own }))).toBe(0)
    expect((await call(emu, 'GET', '/wxa/get_qrcode', { token: own })).headers.get('content-type')).toBe(
      'image/jpeg'
    )
    expect(errcodeOf(await call(emu, 'POST', '/wxaapi/log/jserr_list', { token: own, body: {} }))).toBe(0)
    // Component tokens do not act for a mini program; template APIs take nothing else.
    expect(errcodeOf(await call(emu, 'GET', '/wxa/get_page', { token: component }))).toBe(48001)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/gettemplatelist', { token: authorizer }))).toBe(48001)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/gettemplatelist', { token: own }))).toBe(48001)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/gettemplatelist', { token: component }))).toBe(0)
  })

  it('the token service wants its secret and knows only authorized apps', async () => {
    const emu = await emulator()
    const url = `${emu.credentials.tokenServiceUrl}?appid=${APP}`
    const denied = await fetch(url)
    expect(denied.status).toBe(401)
    expect(await denied.json()).toHaveProperty('error')
    const headers = { authorization: `Bearer ${emu.credentials.tokenServiceSecret}` }
    const first = (await (await fetch(url, { headers })).json()) as {
      access_token: string
      expires_in: number
    }
    const again = (await (await fetch(url, { headers })).json()) as { access_token: string }
    expect(first.expires_in).toBe(7200)
    expect(again.access_token).toBe(first.access_token)
    const standalone = await fetch(
      `${emu.credentials.tokenServiceUrl}?appid=${emu.credentials.standaloneApp.appid}`,
      {
        headers
      }
    )
    expect(standalone.status).toBe(404)
    await standalone.arrayBuffer()
  })
})

describe('review', () => {
  it('submit needs a trial version (85086); a directCommit upload is submittable at once', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await submit(emu, token))).toBe(85086)
    emu.recordCiUpload({
      appid: emu.credentials.devAppid,
      version: '1.0.0',
      desc: 'first',
      robot: 1,
      kind: 'upload',
      files: new Map([
        ['ext.json', Buffer.from('{"extEnable":true,"directCommit":true,"extAppid":"' + APP + '"}')]
      ])
    })
    const submitted = await submit(emu, token)
    expect(submitted.json).toEqual({ errcode: 0, errmsg: 'ok', auditid: expect.any(Number) })
    expect(emu.control.auditCount(APP)).toBe(1)
  })

  it('one review at a time (85009), including a delayed one', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    expect(errcodeOf(await submit(emu, token))).toBe(0)
    expect(errcodeOf(await submit(emu, token))).toBe(85009)
    emu.control.delay(APP, 'More checks needed')
    expect(errcodeOf(await submit(emu, token))).toBe(85009)
    expect(emu.control.auditCount(APP)).toBe(1)
  })

  it('checks item_list: 1–5 entries, tags, title, page, and a category on every item', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    const item = {
      address: 'pages/index/index',
      tag: 'shop coffee',
      title: 'Home',
      first_class: '商家自营',
      second_class: '百货',
      first_id: 304,
      second_id: 305
    }
    const cases: Array<[unknown, number]> = [
      [[], 85023],
      [[item, item, item, item, item, item], 85023],
      [[{}], 85010],
      [[{ ...item, tag: Array.from({ length: 11 }, (_, n) => `t${n}`).join(' ') }], 85006],
      [[{ ...item, tag: 'x'.repeat(21) }], 85006],
      [[{ ...item, title: 'x'.repeat(33) }], 85011],
      [[{ ...item, address: 'pages/missing/missing' }], 85007],
      [[{ ...item, second_id: 999 }], 85008],
      [[{ address: 'pages/index/index', tag: 'a', first_class: '商家自营' }], 85008],
      // "类目是必填的": an item without its category is refused, also when it names a page.
      [[{ address: 'pages/logs/logs', tag: 'logs' }], 85008],
      [[{ ...item, first_id: undefined, second_id: undefined }], 85008],
      [[{ ...item, second_class: '' }], 85008]
    ]
    for (const [itemList, errcode] of cases) {
      expect([itemList, errcodeOf(await submit(emu, token, { item_list: itemList }))]).toEqual([
        itemList,
        errcode
      ])
    }
    expect(emu.control.auditCount(APP)).toBe(0)
    const { address: _address, tag: _tag, title: _title, ...category } = item
    const ok = await submit(emu, token, {
      item_list: [item, category, { ...category, address: 'pages/logs/logs', tag: 'logs' }]
    })
    expect(ok.json.errcode).toBe(0)
    expect(emu.control.state().apps[APP]?.audits[0]?.itemList).toHaveLength(3)
  })

  it('the monthly quota: rest decreases, 85085 when used up, reset next month', async () => {
    const emu = await emulator({ auditQuota: 2 })
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json).toMatchObject({ rest: 2, limit: 2 })
    expect(errcodeOf(await submit(emu, token))).toBe(0)
    emu.control.reject(APP, 'Broken page')
    expect(errcodeOf(await submit(emu, token))).toBe(0)
    emu.control.reject(APP, 'Still broken')
    const quota = await call(emu, 'GET', '/wxa/queryquota', { token })
    expect(quota.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      rest: 0,
      limit: 2,
      speedup_rest: 5,
      speedup_limit: 5
    })
    const refused = await submit(emu, token)
    expect(refused.json.errcode).toBe(85085)
    expect(refused.json.errmsg).toMatch(/^submit audit reach limit/)
    // The quota is the provider's: another app is refused as well.
    directUpload(emu, '1.0.0', OTHER_APP)
    expect(errcodeOf(await submit(emu, await authorizerToken(emu, OTHER_APP)))).toBe(85085)
    emu.control.advance(31 * DAY)
    expect(errcodeOf(await submit(emu, await authorizerToken(emu)))).toBe(0)
    expect(emu.control.state().quota.rest).toBe(1)
  })

  it('withdrawals: status 3, at most 5 a day and 10 a month (87013); 87012 with nothing to withdraw', async () => {
    const emu = await emulator({ auditQuota: 30, startTime: 1767225600 + 2 * DAY })
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    expect(errcodeOf(await call(emu, 'GET', '/wxa/undocodeaudit', { token }))).toBe(87012)
    emu.control.setReplyVariants({ undoNothingPendingErrcode: 85019 })
    expect(errcodeOf(await call(emu, 'GET', '/wxa/undocodeaudit', { token }))).toBe(85019)
    emu.control.setReplyVariants({ undoNothingPendingErrcode: 87012 })
    const withdraw = async (): Promise<unknown> => {
      const fresh = await authorizerToken(emu)
      expect(errcodeOf(await submit(emu, fresh))).toBe(0)
      return errcodeOf(await call(emu, 'GET', '/wxa/undocodeaudit', { token: fresh }))
    }
    for (let n = 0; n < 5; n++) expect(await withdraw()).toBe(0)
    expect(await withdraw()).toBe(87013)
    const latest = await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })
    expect(latest.json.status).toBe(2)
    // Next day: five more, then the month is full.
    emu.control.advance(DAY)
    expect(
      errcodeOf(await call(emu, 'GET', '/wxa/undocodeaudit', { token: await authorizerToken(emu) }))
    ).toBe(0)
    for (let n = 0; n < 4; n++) expect(await withdraw()).toBe(0)
    emu.control.advance(DAY)
    expect(await withdraw()).toBe(87013)
    expect(emu.control.state().apps[APP]?.withdrawals.monthCount).toBe(10)
    expect(emu.control.state().apps[APP]?.audits.filter((audit) => audit.status === 3)).toHaveLength(10)
  })

  it('outcomes: reject with reason and screenshots, delay with reason, approve', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    const auditid = (await submit(emu, token)).json.auditid as number
    const status = () => call(emu, 'POST', '/wxa/get_auditstatus', { token, body: { auditid } })
    expect((await status()).json).toEqual({ errcode: 0, errmsg: 'ok', status: 2, reason: '', screenshot: '' })
    emu.control.delay(APP, 'Needs a manual check')
    expect((await status()).json).toMatchObject({ status: 4, reason: 'Needs a manual check' })
    emu.control.reject(APP, 'Privacy policy missing', ['media-1', 'media-2'])
    expect((await status()).json).toMatchObject({
      status: 1,
      reason: 'Privacy policy missing',
      screenshot: 'media-1|media-2'
    })
    const latest = await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })
    expect(latest.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      auditid,
      status: 1,
      reason: 'Privacy policy missing',
      ScreenShot: 'media-1|media-2',
      user_version: '1.0.0',
      user_desc: 'v1.0.0',
      submit_audit_time: emu.control.now()
    })
    expect(() => emu.control.approve(APP)).toThrow(/no review in progress/)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/get_auditstatus', { token, body: { auditid: 1 } }))).toBe(
      85012
    )
    // auditid as a string is accepted, as some clients send it.
    expect(
      (await call(emu, 'POST', '/wxa/get_auditstatus', { token, body: { auditid: String(auditid) } })).json
        .status
    ).toBe(1)
  })

  it('feedback is honoured only after a rejection and recorded either way', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    const feedback = { feedback_info: 'Fixed the policy link', feedback_stuff: 'media-9' }
    await submit(emu, token, feedback)
    emu.control.reject(APP, 'Privacy policy missing', ['media-1'])
    await submit(emu, token, feedback)
    const recorded = emu.control.state().apps[APP]?.submittedFeedback
    expect(recorded).toEqual([
      { auditid: expect.any(Number), info: 'Fixed the policy link', stuff: 'media-9', honoured: false },
      { auditid: expect.any(Number), info: 'Fixed the policy link', stuff: 'media-9', honoured: true }
    ])
  })

  it('speedupaudit: only under review (89402), once (89404), within the quota (89405)', async () => {
    const emu = await emulator({ speedupQuota: 1 })
    const token = await authorizerToken(emu)
    const other = await authorizerToken(emu, OTHER_APP)
    directUpload(emu, '1.0.0')
    directUpload(emu, '1.0.0', OTHER_APP)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/speedupaudit', { token, body: { auditid: 5 } }))).toBe(
      89402
    )
    const auditid = (await submit(emu, token)).json.auditid
    const otherAuditid = (await submit(emu, other)).json.auditid
    expect(errcodeOf(await call(emu, 'POST', '/wxa/speedupaudit', { token, body: { auditid } }))).toBe(0)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/speedupaudit', { token, body: { auditid } }))).toBe(89404)
    expect(
      errcodeOf(
        await call(emu, 'POST', '/wxa/speedupaudit', { token: other, body: { auditid: otherAuditid } })
      )
    ).toBe(89405)
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json).toMatchObject({
      speedup_rest: 0,
      speedup_limit: 1
    })
    emu.control.delay(OTHER_APP, 'busy')
    expect(
      errcodeOf(
        await call(emu, 'POST', '/wxa/speedupaudit', { token: other, body: { auditid: otherAuditid } })
      )
    ).toBe(89402)
  })

  it('autoApproveAfterSeconds approves reviews as emulated time passes', async () => {
    const emu = await emulator({ autoApproveAfterSeconds: 3600 })
    const token = await authorizerToken(emu)
    directUpload(emu, '1.0.0')
    await submit(emu, token)
    emu.control.advance(3599)
    expect((await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })).json.status).toBe(2)
    emu.control.advance(1)
    expect((await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })).json.status).toBe(0)
  })
})

describe('release', () => {
  it('needs an approved review (85019 / 85020) and refuses a second release (85052)', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    const release = () => call(emu, 'POST', '/wxa/release', { token, body: {} })
    expect(errcodeOf(await release())).toBe(85019)
    directUpload(emu, '1.0.0')
    await submit(emu, token)
    expect(errcodeOf(await release())).toBe(85020)
    emu.control.reject(APP, 'no')
    expect(errcodeOf(await release())).toBe(85020)
    await submit(emu, token)
    emu.control.approve(APP)
    expect(errcodeOf(await release())).toBe(0)
    expect(errcodeOf(await release())).toBe(85052)
    const info = await call(emu, 'POST', '/wxa/getversioninfo', { token, body: {} })
    expect(info.json).toMatchObject({
      exp_info: { exp_version: '1.0.0' },
      release_info: { release_version: '1.0.0', release_desc: 'v1.0.0', release_time: emu.control.now() }
    })
    expect(emu.control.state().apps[APP]?.online).toMatchObject({ version: '1.0.0', appVersion: 1 })
  })
})

describe('gray release', () => {
  it('the first release must be full (85079); an unapproved version cannot go gray (85080)', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    const gray = (body: Record<string, unknown>) => call(emu, 'POST', '/wxa/grayrelease', { token, body })
    await approvedVersion(emu, token, '1.0.0')
    expect(errcodeOf(await gray({ gray_percentage: 10 }))).toBe(85079)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token, body: {} }))).toBe(0)
    directUpload(emu, '2.0.0')
    expect(errcodeOf(await gray({ gray_percentage: 10 }))).toBe(85052)
    await submit(emu, token)
    expect(errcodeOf(await gray({ gray_percentage: 10 }))).toBe(85080)
  })

  it('percentages: integers 0–100, 0 only with a flag (85081), strictly increasing (85082)', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.setOnline(APP, '1.0.0')
    await approvedVersion(emu, token, '2.0.0')
    const gray = (body: Record<string, unknown>) => call(emu, 'POST', '/wxa/grayrelease', { token, body })
    for (const body of [
      { gray_percentage: 0 },
      { gray_percentage: 101 },
      { gray_percentage: 2.5 },
      { gray_percentage: '5' },
      {}
    ]) {
      expect([body, errcodeOf(await gray(body))]).toEqual([body, 85081])
    }
    expect(errcodeOf(await gray({ gray_percentage: 0, support_experiencer_first: true }))).toBe(0)
    const plan = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })
    expect(plan.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      gray_release_plan: {
        status: 1,
        create_timestamp: emu.control.now(),
        gray_percentage: 0,
        support_debuger_first: false,
        support_experiencer_first: true,
        default_finish_timestamp: emu.control.now() + 15 * 86400
      }
    })
    expect(errcodeOf(await gray({ gray_percentage: 0, support_debuger_first: true }))).toBe(85082)
    expect(errcodeOf(await gray({ gray_percentage: 10 }))).toBe(0)
    expect(errcodeOf(await gray({ gray_percentage: 10 }))).toBe(85082)
    expect(errcodeOf(await gray({ gray_percentage: 5 }))).toBe(85082)
    const raised = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })
    expect(raised.json.gray_release_plan).toMatchObject({
      status: 1,
      gray_percentage: 10,
      support_experiencer_first: true
    })
    expect(emu.control.state().apps[APP]?.online?.version).toBe('1.0.0')
  })

  it('while gray runs: no rollback (87011), no release of another version (85020), release of it finishes it', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.setOnline(APP, '1.0.0')
    emu.control.setOnline(APP, '1.1.0')
    await approvedVersion(emu, token, '2.0.0')
    expect(
      errcodeOf(await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 20 } }))
    ).toBe(0)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertcoderelease', { token }))).toBe(87011)
    // Listing the rollback targets is still fine.
    expect(
      errcodeOf(
        await call(emu, 'GET', '/wxa/revertcoderelease', { token, query: { action: 'get_history_version' } })
      )
    ).toBe(0)

    await approvedVersion(emu, token, '2.1.0')
    expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token, body: {} }))).toBe(85020)
    expect(
      errcodeOf(await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 50 } }))
    ).toBe(85020)

    const fresh = await emulator()
    const freshToken = await authorizerToken(fresh)
    fresh.control.setOnline(APP, '1.0.0')
    await approvedVersion(fresh, freshToken, '2.0.0')
    await call(fresh, 'POST', '/wxa/grayrelease', { token: freshToken, body: { gray_percentage: 20 } })
    expect(errcodeOf(await call(fresh, 'POST', '/wxa/release', { token: freshToken, body: {} }))).toBe(0)
    const state = fresh.control.state().apps[APP]
    expect(state?.gray).toMatchObject({ status: 3, endedBy: 'release' })
    expect(state?.online?.version).toBe('2.0.0')
    expect(state?.history.map((version) => version.version)).toEqual(['1.0.0'])
  })

  it('gray 100 finishes the plan as a full release', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.setOnline(APP, '1.0.0')
    await approvedVersion(emu, token, '2.0.0')
    await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 30 } })
    expect(
      errcodeOf(await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 100 } }))
    ).toBe(0)
    const plan = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })
    expect(plan.json.gray_release_plan).toMatchObject({ status: 3, gray_percentage: 100 })
    expect(emu.control.state().apps[APP]?.online?.version).toBe('2.0.0')
    expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token, body: {} }))).toBe(85052)
  })

  it('15 days after create_timestamp the platform releases to everyone', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.setOnline(APP, '1.0.0')
    await approvedVersion(emu, token, '2.0.0')
    await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 5 } })
    const created = emu.control.now()
    emu.control.advance(15 * DAY - 1)
    const own = await ownToken(emu, APP)
    const before = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token: own })
    expect(before.json.gray_release_plan).toMatchObject({ status: 1, create_timestamp: created })
    emu.control.advance(1)
    const after = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token: own })
    expect(after.json.gray_release_plan).toMatchObject({ status: 3, gray_percentage: 5 })
    const app = emu.control.state().apps[APP]
    expect(app?.online).toMatchObject({ version: '2.0.0', releaseTime: created + 15 * DAY })
    expect(app?.gray?.endedBy).toBe('auto-15-days')
  })

  it('revertgrayrelease: status 4 and online unchanged; -1 with no running plan', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertgrayrelease', { token }))).toBe(-1)
    const empty = await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })
    expect(empty.json.gray_release_plan).toEqual({
      status: 0,
      create_timestamp: 0,
      gray_percentage: 0,
      support_debuger_first: false,
      support_experiencer_first: false
    })
    emu.control.setOnline(APP, '1.0.0')
    await approvedVersion(emu, token, '2.0.0')
    await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 10 } })
    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertgrayrelease', { token }))).toBe(0)
    expect(
      (await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })).json.gray_release_plan
    ).toMatchObject({
      status: 4
    })
    expect(emu.control.state().apps[APP]?.online?.version).toBe('1.0.0')
    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertgrayrelease', { token }))).toBe(-1)
    // A reverted version may go gray again, as a new plan.
    emu.control.advance(100)
    expect(
      errcodeOf(await call(emu, 'POST', '/wxa/grayrelease', { token, body: { gray_percentage: 1 } }))
    ).toBe(0)
    expect(
      (await call(emu, 'GET', '/wxa/getgrayreleaseplan', { token })).json.gray_release_plan
    ).toMatchObject({
      status: 1,
      gray_percentage: 1,
      create_timestamp: emu.control.now()
    })
  })
})

describe('rollback', () => {
  it('keeps the five most recent earlier versions and rolls back to the previous or a chosen one', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertcoderelease', { token }))).toBe(87012)
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0']) {
      await approvedVersion(emu, token, version)
      expect(errcodeOf(await call(emu, 'POST', '/wxa/release', { token, body: {} }))).toBe(0)
      emu.control.advance(600)
    }
    const history = async () =>
      (await call(emu, 'GET', '/wxa/revertcoderelease', { token, query: { action: 'get_history_version' } }))
        .json.version_list as Array<{
        app_version: number
        user_version: string
        user_desc: string
        commit_time: number
      }>
    const listed = await history()
    expect(listed.map((version) => version.user_version)).toEqual([
      '1.5.0',
      '1.4.0',
      '1.3.0',
      '1.2.0',
      '1.1.0'
    ])
    expect(listed.map((version) => version.app_version)).toEqual([6, 5, 4, 3, 2])
    expect(listed[0]).toEqual({
      app_version: 6,
      user_version: '1.5.0',
      user_desc: 'v1.5.0',
      commit_time: expect.any(Number)
    })

    expect(errcodeOf(await call(emu, 'GET', '/wxa/revertcoderelease', { token }))).toBe(0)
    expect(emu.control.state().apps[APP]?.online?.version).toBe('1.5.0')
    // The target left the list; the version rolled away from (1.6.0) never enters it.
    expect((await history()).map((version) => version.user_version)).toEqual([
      '1.4.0',
      '1.3.0',
      '1.2.0',
      '1.1.0'
    ])

    const toVersion = (appVersion: string) =>
      call(emu, 'GET', '/wxa/revertcoderelease', { token, query: { app_version: appVersion } })
    expect(errcodeOf(await toVersion('3'))).toBe(0)
    expect(emu.control.state().apps[APP]?.online?.version).toBe('1.2.0')
    expect(errcodeOf(await toVersion('3'))).toBe(87012)
    expect(errcodeOf(await toVersion('99'))).toBe(87012)
    expect(errcodeOf(await toVersion('abc'))).toBe(40097)
    expect((await history()).map((version) => version.user_version)).toEqual(['1.4.0', '1.3.0', '1.1.0'])
  })
})

describe('reply variants and relay faults', () => {
  it('switches reply variants per test, over HTTP too, and refuses unknown ones', async () => {
    const emu = await emulator()
    const post = (operation: string, body: unknown) =>
      fetch(`${emu.url}/__emulator/${operation}`, { method: 'POST', body: JSON.stringify(body) })
    const set = await post('setReplyVariants', { quotaZero: true, dateSkewSeconds: 3600 })
    expect(set.status).toBe(200)
    expect(await set.json()).toMatchObject({
      quotaZero: true,
      dateSkewSeconds: 3600,
      latestAuditWithoutAuditid: false
    })
    const token = await authorizerToken(emu)
    const quota = await call(emu, 'GET', '/wxa/queryquota', { token })
    expect(quota.json).toMatchObject({ rest: 0, limit: 0 })
    expect(Date.parse(quota.headers.get('date') ?? '')).toBe((emu.control.now() + 3600) * 1000)
    // The snapshot keeps the real quota: only the reply varies.
    expect(emu.control.state().quota.limit).toBeGreaterThan(0)
    expect((await post('setReplyVariants', { noSuchVariant: true })).status).toBe(400)
    expect((await post('setReplyVariants', { quotaZero: 'yes' })).status).toBe(400)
  })

  it('answers a verbatim reply, a redirect or an oversized body where a fault says so', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.injectFault({ path: '/wxa/getversioninfo', reply: { errcode: '', errmsg: 'ok' } })
    expect((await call(emu, 'POST', '/wxa/getversioninfo', { token, body: {} })).json).toEqual({
      errcode: '',
      errmsg: 'ok'
    })
    emu.control.injectFault({ path: '/wxa/getversioninfo', redirectTo: 'https://elsewhere.example/x' })
    const moved = await fetch(`${emu.url}/wxa/getversioninfo?access_token=${token}`, {
      method: 'POST',
      body: '{}',
      redirect: 'manual'
    })
    expect(moved.status).toBe(302)
    expect(moved.headers.get('location')).toBe('https://elsewhere.example/x')
    emu.control.injectFault({ path: '/wxa/getversioninfo', oversizedBytes: 1_000_000 })
    const big = await call(emu, 'POST', '/wxa/getversioninfo', { token, body: {} })
    expect(big.body.length).toBe(1_000_000)
    expect(
      emu.control
        .requests()
        .map((entry) => entry.fault)
        .filter(Boolean)
    ).toEqual(['reply', 'redirect', 'oversized 1000000 bytes'])
  })
})
