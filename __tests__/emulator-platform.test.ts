/**
 * The WeChat emulator's other surfaces over HTTP: testers, the template library and commit, jserr_list,
 * the trial QR code, miniprogram-ci upload routes, fault injection, the request log, the HTTP control
 * routes and the CLI.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { createSign, createVerify } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  startEmulator,
  type CiUpload,
  type EmulatorOptions,
  type RunningEmulator
} from '../emulator/index.js'

const APP = 'wxa000000000000001'
const OTHER_APP = 'wxa000000000000002'
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

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
  urlPath: string,
  options: { token?: string; body?: unknown; query?: Record<string, string> } = {}
): Promise<Reply> {
  const url = new URL(urlPath, emu.url)
  if (options.token !== undefined) url.searchParams.set('access_token', options.token)
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value)
  const response = await fetch(url, {
    method,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {})
  })
  const body = Buffer.from(await response.arrayBuffer())
  let json: Record<string, unknown> = {}
  if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(body.toString('utf8'))
  return { status: response.status, headers: response.headers, body, json }
}

async function authorizerToken(emu: RunningEmulator, appid = APP): Promise<string> {
  const response = await fetch(`${emu.credentials.tokenServiceUrl}?appid=${appid}`, {
    headers: { authorization: `Bearer ${emu.credentials.tokenServiceSecret}` }
  })
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

const APP_JSON = JSON.stringify({
  pages: ['pages/index/index', 'pages/logs/logs'],
  subpackages: [{ root: 'packageOrder', pages: ['pages/detail/detail'] }]
})

function upload(emu: RunningEmulator, overrides: Partial<CiUpload> & { ext?: unknown } = {}): CiUpload {
  const files = new Map<string, Buffer>([
    ['app.json', Buffer.from(APP_JSON)],
    ['pages/index/index.js', Buffer.from('Page({onLoad(){}})')]
  ])
  if (overrides.ext !== undefined) files.set('ext.json', Buffer.from(JSON.stringify(overrides.ext)))
  const { ext: _ext, ...rest } = overrides
  return {
    appid: emu.credentials.devAppid,
    version: '1.0.0',
    desc: 'upload',
    robot: 1,
    files,
    kind: 'upload',
    ...rest
  }
}

describe('testers', () => {
  it('bind_tester: 85001 unknown or unsearchable, 85004 bound, 85002 over the limit, 85003 too many memberships', async () => {
    const emu = await emulator({ testerLimit: 2 })
    const token = await authorizerToken(emu)
    const bind = (wechatid: string) => call(emu, 'POST', '/wxa/bind_tester', { token, body: { wechatid } })
    emu.control.setUnsearchable(['hidden_bob'])
    emu.control.setTooManyMemberships(['busy_carol'])
    expect((await bind('unknown_dave')).json.errcode).toBe(85001)
    expect((await bind('hidden_bob')).json.errcode).toBe(85001)
    expect((await bind('busy_carol')).json.errcode).toBe(85003)
    const alice = await bind('alice')
    expect(alice.json).toEqual({ errcode: 0, errmsg: 'ok', userstr: expect.stringMatching(/^[0-9a-f]{32}$/) })
    expect((await bind('alice')).json.errcode).toBe(85004)
    expect((await bind('erin')).json.errcode).toBe(0)
    expect((await bind('frank')).json.errcode).toBe(85002)

    const members = await call(emu, 'POST', '/wxa/memberauth', { token, body: { action: 'get_experiencer' } })
    expect(members.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      members: [{ userstr: alice.json.userstr }, { userstr: expect.any(String) }]
    })
    const unbindByUserstr = await call(emu, 'POST', '/wxa/unbind_tester', {
      token,
      body: { userstr: alice.json.userstr }
    })
    expect(unbindByUserstr.json.errcode).toBe(0)
    expect(
      (await call(emu, 'POST', '/wxa/unbind_tester', { token, body: { wechatid: 'erin' } })).json.errcode
    ).toBe(0)
    expect(
      (await call(emu, 'POST', '/wxa/unbind_tester', { token, body: { wechatid: 'erin' } })).json.errcode
    ).toBe(-1)
    expect(emu.control.state().apps[APP]?.testers).toEqual([])
    // The limit is per mini program: another app still has room.
    const other = await authorizerToken(emu, OTHER_APP)
    expect(
      (await call(emu, 'POST', '/wxa/bind_tester', { token: other, body: { wechatid: 'frank' } })).json
        .errcode
    ).toBe(0)
  })

  it('the default limit is 15 experience members', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    for (let n = 1; n <= 15; n++) {
      const reply = await call(emu, 'POST', '/wxa/bind_tester', { token, body: { wechatid: `member_${n}` } })
      expect(reply.json.errcode).toBe(0)
    }
    expect(
      (await call(emu, 'POST', '/wxa/bind_tester', { token, body: { wechatid: 'member_16' } })).json.errcode
    ).toBe(85002)
  })
})

describe('template library and commit', () => {
  it('uploads from the dev program become the one draft; drafts become templates; the library holds 200', async () => {
    const emu = await emulator()
    const component = await componentToken(emu)
    expect(emu.recordCiUpload(upload(emu, { version: '1.0.0' }))).toEqual({
      route: 'template',
      targetAppid: emu.credentials.devAppid
    })
    expect(emu.recordCiUpload(upload(emu, { version: '1.1.0', desc: 'newer' }))).toMatchObject({
      route: 'template'
    })
    const drafts = (await call(emu, 'GET', '/wxa/gettemplatedraftlist', { token: component })).json
      .draft_list as Array<Record<string, unknown>>
    expect(drafts).toEqual([
      {
        create_time: emu.control.now(),
        user_version: '1.1.0',
        user_desc: 'newer',
        draft_id: 2,
        source_miniprogram_appid: emu.credentials.devAppid,
        source_miniprogram: 'Platform Dev Program',
        developer: 'ci robot 1',
        category_list: []
      }
    ])
    const add = (draftId: unknown) =>
      call(emu, 'POST', '/wxa/addtotemplate', {
        token: component,
        body: { draft_id: draftId, template_type: 0 }
      })
    expect((await add(1)).json.errcode).toBe(85064)
    for (let n = 0; n < 200; n++) expect((await add(2)).json.errcode).toBe(0)
    expect((await add(2)).json.errcode).toBe(85065)
    const list = (await call(emu, 'GET', '/wxa/gettemplatelist', { token: component })).json
      .template_list as Array<Record<string, unknown>>
    expect(list).toHaveLength(200)
    expect(list[0]).toMatchObject({ template_id: 1001, draft_id: 2, user_version: '1.1.0', template_type: 0 })
    const standard = await call(emu, 'GET', '/wxa/gettemplatelist', {
      token: component,
      query: { template_type: '1' }
    })
    expect(standard.json.template_list).toEqual([])

    const remove = (templateId: unknown) =>
      call(emu, 'POST', '/wxa/deletetemplate', { token: component, body: { template_id: templateId } })
    expect((await remove(1001)).json.errcode).toBe(0)
    expect((await remove('1001')).json.errcode).toBe(85064)
    expect((await add('2')).json.errcode).toBe(0)
  })

  it('commit makes the trial version; checks template, ext_json and user_version', async () => {
    const emu = await emulator()
    const component = await componentToken(emu)
    const token = await authorizerToken(emu)
    emu.recordCiUpload(upload(emu))
    await call(emu, 'POST', '/wxa/addtotemplate', { token: component, body: { draft_id: 1 } })
    const commit = (body: Record<string, unknown>) => call(emu, 'POST', '/wxa/commit', { token, body })
    const good = {
      template_id: 1001,
      ext_json: JSON.stringify({ extAppid: APP, ext: { shop: 1 } }),
      user_version: '2.0.0',
      user_desc: 'Release 2.0.0'
    }
    expect(errcodeOf(await call(emu, 'GET', '/wxa/get_page', { token }))).toBe(86001)
    expect(errcodeOf(await commit({ ...good, template_id: 9 }))).toBe(85014)
    expect(errcodeOf(await commit({ ...good, ext_json: '{"broken":' }))).toBe(85048)
    expect(errcodeOf(await commit({ ...good, ext_json: { extAppid: APP } }))).toBe(85048)
    expect(errcodeOf(await commit({ ...good, user_version: 'v'.repeat(65) }))).toBe(40097)
    expect(
      errcodeOf(await commit({ ...good, ext_json: JSON.stringify({ pages: ['pages/nowhere/nowhere'] }) }))
    ).toBe(85045)
    expect(errcodeOf(await commit({ ...good, user_version: 'v'.repeat(64) }))).toBe(0)
    expect(errcodeOf(await commit(good))).toBe(0)
    const pages = await call(emu, 'GET', '/wxa/get_page', { token })
    expect(pages.json.page_list).toEqual([
      'pages/index/index',
      'pages/logs/logs',
      'packageOrder/pages/detail/detail'
    ])
    const trial = emu.control.state().apps[APP]?.trial
    expect(trial).toMatchObject({
      version: '2.0.0',
      desc: 'Release 2.0.0',
      route: 'commit',
      templateId: 1001
    })
    // Privacy detection starts with the commit and takes 60 emulated seconds.
    expect(errcodeOf(await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} }))).toBe(61039)
    emu.control.advance(59)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} }))).toBe(61039)
    emu.control.advance(1)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} }))).toBe(0)
  })
})

describe('privacy detection window', () => {
  it('privacyDetectionSeconds: 0 lets a commit be submitted at once', async () => {
    const emu = await emulator({ privacyDetectionSeconds: 0 })
    const component = await componentToken(emu)
    const token = await authorizerToken(emu)
    emu.recordCiUpload(upload(emu))
    await call(emu, 'POST', '/wxa/addtotemplate', { token: component, body: { draft_id: 1 } })
    const body = { template_id: 1001, ext_json: '{}', user_version: '1.0.0', user_desc: 'first' }
    expect(errcodeOf(await call(emu, 'POST', '/wxa/commit', { token, body }))).toBe(0)
    expect(errcodeOf(await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} }))).toBe(0)
  })
})

function errcodeOf(reply: Reply): unknown {
  return reply.json.errcode
}

describe('jserr_list', () => {
  it('filters by version and keyword, pages by at most 30, counts groups', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    const row = (errorMsg: string, uv: number, pv: number) => ({
      errorMsg,
      errorStack: `at ${errorMsg}`,
      uv,
      pv
    })
    emu.control.setJsErrors(APP, '1.0.0', [row('TypeError: a', 10, 30), row('ReferenceError: b', 2, 2)])
    emu.control.setJsErrors(APP, '2.0.0', [
      row('TypeError: a', 5, 5),
      ...Array.from({ length: 39 }, (_, n) => row(`Error ${n}`, 1, n + 1))
    ])
    const list = (body: Record<string, unknown>) =>
      call(emu, 'POST', '/wxaapi/log/jserr_list', {
        token,
        body: {
          errType: '0',
          startTime: '2026-01-01',
          endTime: '2026-01-02',
          keyword: '',
          openid: '',
          orderby: 'uv',
          desc: '1',
          offset: 0,
          limit: 30,
          ...body
        }
      })
    const v1 = await list({ appVersion: '1.0.0' })
    expect(v1.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      totalCount: 2,
      data: [
        {
          errorMsg: 'TypeError: a',
          errorMsgMd5: expect.stringMatching(/^[0-9a-f]{32}$/),
          errorStack: 'at TypeError: a',
          errorStackMd5: expect.stringMatching(/^[0-9a-f]{32}$/),
          uv: 10,
          pv: 30,
          uvPercent: '83.3%',
          pvPercent: '93.8%'
        },
        expect.objectContaining({ errorMsg: 'ReferenceError: b', uv: 2 })
      ]
    })
    const v2 = await list({ appVersion: '2.0.0' })
    expect(v2.json.totalCount).toBe(40)
    expect(v2.json.data).toHaveLength(30)
    const secondPage = await list({ appVersion: '2.0.0', offset: 30 })
    expect(secondPage.json.data).toHaveLength(10)
    const all = await list({ appVersion: '0', keyword: 'TypeError' })
    expect(all.json).toMatchObject({ totalCount: 1, data: [{ errorMsg: 'TypeError: a', uv: 15, pv: 35 }] })
    const byPvAscending = await list({ appVersion: '2.0.0', orderby: 'pv', desc: '2', limit: 3 })
    expect((byPvAscending.json.data as Array<{ pv: number }>).map((entry) => entry.pv)).toEqual([1, 2, 3])
    expect(errcodeOf(await list({ appVersion: '2.0.0', limit: 31 }))).toBe(40097)
    expect(errcodeOf(await list({ appVersion: '2.0.0', startTime: '2026/01/01' }))).toBe(40097)
    expect(errcodeOf(await list({ appVersion: '3.0.0' }))).toBe(0)
  })
})

describe('trial QR code', () => {
  it('answers a JPEG for the trial version and JSON 86001 without one', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    const missing = await call(emu, 'GET', '/wxa/get_qrcode', { token })
    expect(missing.json.errcode).toBe(86001)
    emu.recordCiUpload(upload(emu, { ext: { extEnable: true, directCommit: true, extAppid: APP } }))
    const image = await call(emu, 'GET', '/wxa/get_qrcode', {
      token,
      query: { path: 'pages/index/index?from=ci' }
    })
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/jpeg')
    expect(image.headers.get('content-disposition')).toBe('attachment; filename="QRCode.jpg"')
    expect([...image.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect([...image.body.subarray(-2)]).toEqual([0xff, 0xd9])
    expect(image.body.toString('latin1')).toContain(`${APP} 1.0.0 pages/index/index?from=ci`)
  })
})

describe('miniprogram-ci uploads', () => {
  it('routes: direct to the extAppid trial, template to the draft box, dev to the robot development version', async () => {
    const emu = await emulator()
    const directExt = { extEnable: true, directCommit: true, extAppid: APP, ext: { shop: 'x' } }
    expect(emu.recordCiUpload(upload(emu, { version: '1.2.3', ext: directExt }))).toEqual({
      route: 'direct',
      targetAppid: APP
    })
    let state = emu.control.state()
    expect(state.apps[APP]?.trial).toMatchObject({
      version: '1.2.3',
      route: 'direct',
      pages: ['pages/index/index', 'pages/logs/logs', 'packageOrder/pages/detail/detail']
    })
    expect(state.apps[APP]?.uploads).toMatchObject({
      version: '1.2.3',
      route: 'direct',
      files: { 'app.json': APP_JSON.length }
    })
    expect(emu.control.uploadedFiles(APP)?.get('pages/index/index.js')?.toString()).toBe('Page({onLoad(){}})')

    // Without both switches, or with an appid the platform does not hold, it is a template upload.
    for (const ext of [
      { ...directExt, directCommit: false },
      { ...directExt, extEnable: false },
      { ...directExt, extAppid: 'wxb000000000000001' }
    ]) {
      expect(emu.recordCiUpload(upload(emu, { version: '1.2.4', ext }))).toEqual({
        route: 'template',
        targetAppid: emu.credentials.devAppid
      })
    }
    state = emu.control.state()
    expect(state.drafts).toHaveLength(1)
    expect(state.apps[APP]?.trial?.version).toBe('1.2.3')

    const standalone = emu.credentials.standaloneApp.appid
    expect(emu.recordCiUpload(upload(emu, { appid: standalone, version: '0.9.0', robot: 7 }))).toEqual({
      route: 'dev',
      targetAppid: standalone
    })
    state = emu.control.state()
    expect(state.apps[standalone]?.devVersions).toEqual({
      '7': { version: '0.9.0', desc: 'upload', time: emu.control.now() }
    })
    expect(state.apps[standalone]?.trial).toBeUndefined()

    expect(() => emu.recordCiUpload(upload(emu, { appid: 'wx0000000000000bad' }))).toThrow(/unknown appid/)
  })

  it('without ext.json in the package, the extAppid parameter of the upload decides; the package wins otherwise', async () => {
    const emu = await emulator()
    expect(emu.recordCiUpload({ ...upload(emu, { version: '3.0.0' }), extAppid: OTHER_APP })).toEqual({
      route: 'direct',
      targetAppid: OTHER_APP
    })
    expect(emu.control.state().apps[OTHER_APP]?.trial?.version).toBe('3.0.0')
    // A non-platform compile packs ext.json as a bare warning.
    const warned = upload(emu, { version: '3.0.2', ext: { __warning__: 'ext.json is not applied' } })
    expect(emu.recordCiUpload({ ...warned, extAppid: APP })).toEqual({ route: 'direct', targetAppid: APP })
    const packaged = upload(emu, {
      version: '3.0.1',
      ext: { extEnable: true, directCommit: false, extAppid: OTHER_APP }
    })
    expect(emu.recordCiUpload({ ...packaged, extAppid: OTHER_APP })).toMatchObject({ route: 'template' })
    expect(emu.recordCiUpload({ ...upload(emu), extAppid: 'wxb000000000000001' })).toMatchObject({
      route: 'template'
    })
  })

  it('a leading slash in package paths is the same file', async () => {
    const emu = await emulator()
    const files = new Map([
      ['/app.json', Buffer.from(APP_JSON)],
      ['/ext.json', Buffer.from(JSON.stringify({ extEnable: true, directCommit: true, extAppid: OTHER_APP }))]
    ])
    expect(emu.recordCiUpload({ ...upload(emu), files })).toEqual({ route: 'direct', targetAppid: OTHER_APP })
  })

  it('a preview changes nothing but is logged', async () => {
    const emu = await emulator()
    const before = emu.control.state()
    const reply = emu.recordCiUpload(
      upload(emu, { kind: 'preview', ext: { extEnable: true, directCommit: true, extAppid: APP } })
    )
    expect(reply).toEqual({ route: 'direct', targetAppid: APP })
    const after = emu.control.state()
    expect(after.apps[APP]?.trial).toBeUndefined()
    expect(after.apps[APP]?.previews).toEqual([
      { version: '1.0.0', desc: 'upload', robot: 1, time: emu.control.now() }
    ])
    expect(after.drafts).toEqual(before.drafts)
  })

  it('hands out upload keys that belong together, and none for unknown appids', async () => {
    const emu = await emulator()
    const app = emu.credentials.apps.find((candidate) => candidate.appid === APP)
    const publicKey = emu.uploadPublicKey(APP)
    if (!app || !publicKey) throw new Error('missing key')
    const signature = createSign('sha256').update('payload').sign(app.uploadPrivateKeyPem)
    expect(createVerify('sha256').update('payload').verify(publicKey, signature)).toBe(true)
    expect(emu.uploadPublicKey('wx0000000000000bad')).toBeUndefined()
    expect(emu.credentials.apps.map((candidate) => candidate.appid)).toEqual([
      'wxa000000000000001',
      'wxa000000000000002',
      'wxa000000000000003',
      emu.credentials.devAppid
    ])
    expect(emu.credentials.standaloneApp.uploadPrivateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/)
  })

  it('extraApps adds authorized mini programs for fan-out', async () => {
    const emu = await emulator({ extraApps: 200 })
    const appids = emu.credentials.apps.map((app) => app.appid)
    expect(appids).toHaveLength(204)
    expect(appids).toContain('wxa100000000000001')
    expect(appids).toContain('wxa100000000000200')
    const token = await authorizerToken(emu, 'wxa100000000000200')
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json.errcode).toBe(0)
  })
})

describe('fault injection', () => {
  it('errcode faults fail the next N matching requests without any effect', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.injectFault({
      path: '/wxa/bind_tester',
      times: 2,
      errcode: 45011,
      errmsg: 'api minute-quota reach limit'
    })
    const bind = () => call(emu, 'POST', '/wxa/bind_tester', { token, body: { wechatid: 'alice' } })
    const first = await bind()
    expect(first.json).toEqual({
      errcode: 45011,
      errmsg: expect.stringMatching(/^api minute-quota reach limit rid: /)
    })
    expect((await bind()).json.errcode).toBe(45011)
    expect(emu.control.state().apps[APP]?.testers).toEqual([])
    expect((await bind()).json.errcode).toBe(0)
  })

  it('afterCommit performs the write and then fails the answer', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.recordCiUpload(upload(emu, { ext: { extEnable: true, directCommit: true, extAppid: APP } }))
    emu.control.advance(60)
    emu.control.injectFault({ path: '/wxa/submit_audit', afterCommit: true })
    const reply = await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} })
    expect(reply.json.errcode).toBe(-1)
    expect(emu.control.auditCount(APP)).toBe(1)
    expect((await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })).json.status).toBe(2)

    emu.control.injectFault({ path: '/wxa/undocodeaudit', afterCommit: true, dropConnection: true })
    await expect(call(emu, 'GET', '/wxa/undocodeaudit', { token })).rejects.toThrow()
    expect((await call(emu, 'GET', '/wxa/get_latest_auditstatus', { token })).json.status).toBe(3)
  })

  it('dropConnection, malformed bodies and HTTP errors, scoped by appid', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    const other = await authorizerToken(emu, OTHER_APP)
    emu.control.injectFault({ path: '/wxa/queryquota', dropConnection: true })
    await expect(call(emu, 'GET', '/wxa/queryquota', { token })).rejects.toThrow()

    emu.control.injectFault({ path: '/wxa/queryquota', malformed: true })
    const malformed = await fetch(`${emu.url}/wxa/queryquota?access_token=${token}`)
    expect(malformed.status).toBe(200)
    const text = await malformed.text()
    expect(() => JSON.parse(text)).toThrow()

    emu.control.injectFault({ path: '/wxa/queryquota', httpStatus: 502 })
    const gateway = await call(emu, 'GET', '/wxa/queryquota', { token })
    expect(gateway.status).toBe(502)
    expect(gateway.headers.get('content-type')).toBe('text/html')

    emu.control.injectFault({ path: '/wxa/queryquota', httpStatus: 503, errcode: -1 })
    const unavailable = await call(emu, 'GET', '/wxa/queryquota', { token })
    expect([unavailable.status, unavailable.json.errcode]).toEqual([503, -1])

    emu.control.injectFault({ path: '/wxa/queryquota', appid: OTHER_APP, errcode: -1, times: 5 })
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json.errcode).toBe(0)
    expect((await call(emu, 'GET', '/wxa/queryquota', { token: other })).json.errcode).toBe(-1)
    emu.control.clearFaults()
    expect((await call(emu, 'GET', '/wxa/queryquota', { token: other })).json.errcode).toBe(0)

    const log = emu.control.requests().filter((entry) => entry.path === '/wxa/queryquota')
    expect(log.map((entry) => entry.fault)).toEqual([
      'dropConnection',
      'malformed',
      'http 502',
      'http 503, errcode -1',
      undefined,
      'errcode -1',
      undefined
    ])
  })

  it('latency faults slow one answer down without changing it', async () => {
    const emu = await emulator()
    const token = await authorizerToken(emu)
    emu.control.injectFault({ path: '/wxa/queryquota', latencyMs: 150 })
    const started = performance.now()
    const reply = await call(emu, 'GET', '/wxa/queryquota', { token })
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(reply.json.errcode).toBe(0)
    expect(emu.control.requests().at(-1)).toMatchObject({
      path: '/wxa/queryquota',
      fault: 'latency 150ms',
      errcode: 0
    })
  })

  it('faults also apply to the token endpoints and the token service', async () => {
    const emu = await emulator()
    emu.control.injectFault({ path: '/__token-service/token', httpStatus: 500 })
    const failed = await fetch(`${emu.credentials.tokenServiceUrl}?appid=${APP}`, {
      headers: { authorization: `Bearer ${emu.credentials.tokenServiceSecret}` }
    })
    expect(failed.status).toBe(500)
    await failed.arrayBuffer()
    emu.control.injectFault({
      path: '/cgi-bin/stable_token',
      errcode: 40164,
      errmsg: 'invalid ip 203.0.113.9, not in whitelist'
    })
    const { appid, appsecret } = emu.credentials.standaloneApp
    const refused = await call(emu, 'POST', '/cgi-bin/stable_token', {
      body: { grant_type: 'client_credential', appid, secret: appsecret }
    })
    expect(refused.json.errcode).toBe(40164)
  })
})

describe('request log', () => {
  it('records method, path, redacted query and body, errcode and emulated time', async () => {
    const emu = await emulator()
    const { credentials } = emu
    await call(emu, 'POST', '/cgi-bin/component/api_component_token', {
      body: {
        component_appid: credentials.componentAppid,
        component_appsecret: credentials.componentAppsecret,
        component_verify_ticket: emu.control.currentVerifyTicket()
      }
    })
    const token = await authorizerToken(emu)
    emu.control.advance(10)
    await call(emu, 'POST', '/wxa/bind_tester', { token, body: { wechatid: 'unknown_x' } })
    const entries = emu.control.requests()
    expect(entries[0]).toMatchObject({
      method: 'POST',
      path: '/cgi-bin/component/api_component_token',
      body: {
        component_appid: credentials.componentAppid,
        component_appsecret: '***',
        component_verify_ticket: '***'
      },
      errcode: 0
    })
    expect(entries[2]).toEqual({
      seq: 3,
      time: emu.control.now(),
      method: 'POST',
      path: '/wxa/bind_tester',
      query: { access_token: '***' },
      body: { wechatid: 'unknown_x' },
      httpStatus: 200,
      errcode: 85001,
      appid: APP,
      tokenKind: 'authorizer'
    })
    expect(JSON.stringify(entries)).not.toContain(token)
    emu.control.resetRequests()
    expect(emu.control.requests()).toEqual([])
  })
})

describe('control over HTTP', () => {
  it('serves the same operations under /__emulator/*', async () => {
    const emu = await emulator()
    const control = async (method: 'GET' | 'POST', operation: string, body?: unknown) => {
      const response = await fetch(`${emu.url}/__emulator/${operation}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {})
      })
      return { status: response.status, json: (await response.json()) as Record<string, unknown> }
    }
    expect((await control('GET', 'now')).json).toEqual({ now: 1767225600 })
    expect((await control('POST', 'advance', { seconds: 120 })).json).toEqual({ now: 1767225720 })
    expect((await control('POST', 'setOnline', { appid: APP, version: '1.0.0' })).status).toBe(200)
    emu.recordCiUpload(upload(emu, { ext: { extEnable: true, directCommit: true, extAppid: APP } }))
    await control('POST', 'advance', { seconds: 60 })
    const token = await authorizerToken(emu)
    await call(emu, 'POST', '/wxa/submit_audit', { token, body: {} })
    expect((await control('GET', 'auditCount?appid=' + APP)).json).toEqual({ count: 1 })
    expect(
      (await control('POST', 'reject', { appid: APP, reason: 'Blurry icon', screenshots: ['m1'] })).status
    ).toBe(200)
    const state = (await control('GET', 'state')).json as {
      apps: Record<
        string,
        { audits: Array<{ status: number; screenshot: string }>; online: { version: string } }
      >
    }
    expect(state.apps[APP]?.audits[0]).toMatchObject({ status: 1, screenshot: 'm1' })
    expect(state.apps[APP]?.online.version).toBe('1.0.0')
    expect((await control('POST', 'approve', { appid: APP })).status).toBe(400)
    expect((await control('POST', 'injectFault', { path: '/wxa/queryquota', errcode: -1 })).status).toBe(200)
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json.errcode).toBe(-1)
    expect((await control('POST', 'setQuota', { rest: 0 })).status).toBe(200)
    expect((await call(emu, 'GET', '/wxa/queryquota', { token })).json.rest).toBe(0)
    expect((await control('POST', 'nonsense')).status).toBe(404)
    expect((await control('GET', 'approve')).status).toBe(405)
    expect((await control('POST', 'advance', { seconds: 'soon' })).status).toBe(400)
    const requests = (await control('GET', 'requests')).json as unknown as Array<{ path: string }>
    expect(requests.map((entry) => entry.path)).toContain('/wxa/submit_audit')
    // Control calls are not platform requests.
    expect(requests.some((entry) => entry.path.startsWith('/__emulator'))).toBe(false)
  })
})

describe('determinism', () => {
  it('two emulators hand out the same credentials, tokens and ids', async () => {
    const [first, second] = await Promise.all([emulator(), emulator()])
    if (!first || !second) throw new Error('not started')
    const plain = (emu: RunningEmulator) => ({
      ...emu.credentials,
      apps: emu.credentials.apps.map(({ appid, appsecret, refreshToken, name }) => ({
        appid,
        appsecret,
        refreshToken,
        name
      })),
      tokenServiceUrl: undefined,
      standaloneApp: undefined
    })
    expect(plain(first)).toEqual(plain(second))
    expect(first.credentials.apps[0]?.appsecret).toMatch(/^emu-secret-wxa000000000000001-[0-9a-f]{8}$/)
    expect(first.credentials.apps[0]?.refreshToken).toMatch(/^emu-refresh-/)
    expect(await authorizerToken(first)).toBe(await authorizerToken(second))
  })
})

describe('cli', () => {
  it('prints the address, credentials and guide, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'),
        'emulator/cli.ts',
        '--port',
        '0',
        '--start-time',
        '1767225600'
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (output.includes('Ctrl-C stops it.')) resolve()
        }
        child.stdout.on('data', check)
        child.on('exit', () => reject(new Error(`cli exited early:\n${output}`)))
      })
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      expect(url).toBeDefined()
      expect(output).toContain('wxcafe000000000001')
      expect(output).toContain(`api-base-url: ${url}`)
      expect(output).toContain('/__emulator/approve')
      const response = await fetch(`${url}/__emulator/now`)
      expect(await response.json()).toEqual({ now: 1767225600 })
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  }, 30_000)
})
