// Contract tests: the client against the WeChat emulator (loopback, state machine, error codes, faults).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type RunningEmulator } from '../emulator/index.js'
import { WeChatClient, WeChatSubmitConflictError } from '../src/wechat/client.js'
import { ERRCODE, WeChatApiError, WeChatTokenError, WeChatUnknownOutcomeError } from '../src/wechat/errors.js'
import { WeChatHttp } from '../src/wechat/http.js'
import {
  RefreshTokenProvider,
  StableTokenProvider,
  StaticTokenProvider,
  TokenServiceProvider,
  type TokenProvider
} from '../src/wechat/tokens.js'

const APP1 = 'wxa000000000000001'
const APP2 = 'wxa000000000000002'
const APP3 = 'wxa000000000000003'
const DEV = 'wxd000000000000001'
const STANDALONE = 'wxb000000000000001'

interface World {
  emu: RunningEmulator
  http: WeChatHttp
  /** The platform server's token service (component token). */
  service: TokenServiceProvider
  /** Authorizer tokens from refresh tokens, with the server's component token: the renewable chain. */
  provider: RefreshTokenProvider
  client: WeChatClient
  lines: string[]
}

async function startWorld(options: Parameters<typeof startEmulator>[0] = {}): Promise<World> {
  const emu = await startEmulator(options)
  const lines: string[] = []
  const http = new WeChatHttp({
    baseUrl: emu.url,
    timeoutMs: 2000,
    sleep: async () => {},
    log: (l) => lines.push(l)
  })
  const { credentials } = emu
  const service = new TokenServiceProvider({
    http,
    url: credentials.tokenServiceUrl,
    secret: credentials.tokenServiceSecret
  })
  const provider = new RefreshTokenProvider({
    http,
    componentAppid: credentials.componentAppid,
    componentTokens: service,
    refreshTokens: Object.fromEntries(credentials.apps.map((app) => [app.appid, app.refreshToken]))
  })
  const client = new WeChatClient({
    http,
    tokens: provider,
    componentTokens: (options) => service.componentToken(options)
  })
  return { emu, http, service, provider, client, lines }
}

async function stopWorld(world: World | undefined): Promise<void> {
  if (!world) return
  await world.http.close()
  await world.emu.close()
}

async function errcodeOf(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  if (error === undefined) return undefined
  if (!(error instanceof WeChatApiError)) throw error
  return error.errcode
}

/** Upload from the dev program, turn the draft into a template, commit it to `appid`, wait out detection. */
async function commitVersion(world: World, appid: string, version: string): Promise<number> {
  world.emu.recordCiUpload({
    appid: DEV,
    version,
    desc: `release ${version}`,
    robot: 1,
    files: new Map([
      ['app.json', Buffer.from(JSON.stringify({ pages: ['pages/index/index', 'pages/about/about'] }))]
    ]),
    kind: 'upload'
  })
  const drafts = await world.client.getTemplateDraftList()
  const draft = drafts.find((candidate) => candidate.user_version === version)
  if (!draft) throw new Error(`no draft for ${version}`)
  await world.client.addToTemplate(draft.draft_id)
  const template = (await world.client.getTemplateList()).find(
    (candidate) => candidate.draft_id === draft.draft_id
  )
  if (!template) throw new Error(`no template for draft ${draft.draft_id}`)
  await world.client.commit(appid, {
    template_id: template.template_id,
    ext_json: { extAppid: appid, ext: { env: 'test' } },
    user_version: version,
    user_desc: `release ${version}`
  })
  world.emu.control.advance(61)
  return template.template_id
}

async function approvedVersion(world: World, appid: string, version: string): Promise<number> {
  await commitVersion(world, appid, version)
  const { auditid } = await world.client.submitAuditOnce(
    appid,
    {},
    { userVersion: version, startedAt: Date.now() }
  )
  world.emu.control.approve(appid)
  return auditid
}

describe('template route and review lifecycle', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => stopWorld(world))

  it('finds the upload in the draft box, makes a template, commits it and creates the trial version', async () => {
    const { client, emu } = world
    emu.recordCiUpload({
      appid: DEV,
      version: '1.0.0',
      desc: 'first',
      robot: 1,
      files: new Map([['app.json', Buffer.from(JSON.stringify({ pages: ['pages/index/index'] }))]]),
      kind: 'upload'
    })
    const [draft] = await client.getTemplateDraftList()
    expect(draft).toMatchObject({ user_version: '1.0.0', source_miniprogram_appid: DEV })
    await client.addToTemplate(draft?.draft_id ?? -1)
    const template = (await client.getTemplateList()).find((t) => t.draft_id === draft?.draft_id)
    expect(template).toMatchObject({ user_version: '1.0.0' })
    const templateId = template?.template_id ?? -1

    expect(await errcodeOf(client.getPage(APP1))).toBe(86001)
    expect(await errcodeOf(client.getTrialQrCode(APP1))).toBe(86001)
    expect(
      await errcodeOf(
        client.commit(APP1, { template_id: 999999, ext_json: {}, user_version: '1.0.0', user_desc: '' })
      )
    ).toBe(85014)
    expect(
      await errcodeOf(
        client.commit(APP1, {
          template_id: templateId,
          ext_json: { pages: ['pages/nope'] },
          user_version: '1.0.0',
          user_desc: ''
        })
      )
    ).toBe(85045)
    await client.commit(APP1, {
      template_id: templateId,
      ext_json: { extAppid: APP1 },
      user_version: '1.0.0',
      user_desc: 'first'
    })

    expect(await client.getPage(APP1)).toEqual(['pages/index/index'])
    const categories = await client.getCategory(APP1)
    expect(categories.length).toBeGreaterThan(0)
    expect(categories[0]).toEqual(
      expect.objectContaining({ first_id: expect.any(Number), second_id: expect.any(Number) })
    )
    expect((await client.getVersionInfo(APP1)).exp_info).toMatchObject({
      exp_version: '1.0.0',
      exp_desc: 'first'
    })
    const qr = await client.getTrialQrCode(APP1, 'pages/index/index?from=ci')
    expect(qr.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
    expect(qr.toString('latin1')).toContain('pages/index/index?from=ci') // encoded once, decoded by the platform
  })

  it('submits once: 61039 during detection, then a review; a second submit adopts it', async () => {
    const { client, emu } = world
    expect(await errcodeOf(client.submitAudit(APP1, {}))).toBe(61039)
    emu.control.advance(61)
    const quotaBefore = await client.queryQuota(APP1)
    const [category] = await client.getCategory(APP1)
    if (!category) throw new Error('the emulator seeds categories')
    const first = await client.submitAuditOnce(
      APP1,
      {
        item_list: [
          { address: 'pages/index/index', tag: 'shop', title: 'Home', ...withoutUndefined(category) }
        ],
        version_desc: 'notes'
      },
      { userVersion: '1.0.0', startedAt: emu.control.now() * 1000 }
    )
    expect(first.adopted).toBe(false)
    expect(await client.getAuditStatus(APP1, first.auditid)).toEqual({ status: 2, screenshots: [] })
    expect(await errcodeOf(client.submitAudit(APP1, {}))).toBe(85009)
    const again = await client.submitAuditOnce(APP1, {}, { userVersion: '1.0.0', startedAt: Date.now() })
    expect(again).toEqual({ auditid: first.auditid, adopted: true })
    expect(emu.control.auditCount(APP1)).toBe(1)
    expect((await client.queryQuota(APP1)).rest).toBe(quotaBefore.rest - 1)
    expect(await errcodeOf(client.getAuditStatus(APP1, first.auditid + 12345))).toBe(85012)

    await client.speedupAudit(APP1, first.auditid)
    expect(await errcodeOf(client.speedupAudit(APP1, first.auditid))).toBe(89404)
    expect((await client.queryQuota(APP1)).speedup_rest).toBe(quotaBefore.speedup_rest - 1)
  })

  it('releases the approved version once', async () => {
    const { client, emu } = world
    expect(await errcodeOf(client.release(APP1))).toBe(85020) // still under review
    emu.control.approve(APP1)
    const latest = await client.getLatestAuditStatus(APP1)
    expect(latest).toMatchObject({ status: 0, user_version: '1.0.0' })
    expect(await errcodeOf(client.speedupAudit(APP1, latest.auditid ?? -1))).toBe(89402)
    await client.release(APP1)
    expect(await errcodeOf(client.release(APP1))).toBe(85052)
    expect((await client.getVersionInfo(APP1)).release_info).toMatchObject({ release_version: '1.0.0' })
  })

  it('reports rejection reasons and screenshots, delays, and withdrawals', async () => {
    const { client, emu } = world
    await commitVersion(world, APP1, '1.1.0')
    const { auditid } = await client.submitAuditOnce(
      APP1,
      {},
      { userVersion: '1.1.0', startedAt: Date.now() }
    )
    emu.control.reject(APP1, '帐号信息不合规范', ['media-x', 'media-y'])
    expect(await client.getAuditStatus(APP1, auditid)).toEqual({
      status: 1,
      reason: '帐号信息不合规范',
      screenshots: ['media-x', 'media-y']
    })
    expect(await client.getLatestAuditStatus(APP1)).toMatchObject({
      auditid,
      status: 1,
      screenshots: ['media-x', 'media-y']
    })

    const second = await client.submitAuditOnce(
      APP1,
      { feedback_info: 'fixed the account info' },
      { userVersion: '1.1.0', startedAt: Date.now() }
    )
    expect(second.adopted).toBe(false)
    emu.control.delay(APP1, 'needs more time')
    expect(await client.getAuditStatus(APP1, second.auditid)).toMatchObject({
      status: 4,
      reason: 'needs more time'
    })
    await client.undoCodeAudit(APP1)
    expect((await client.getLatestAuditStatus(APP1)).status).toBe(3)
    // Nothing pending any more: 87012, as seen in the wild, explained as such.
    const nothing = await client.undoCodeAudit(APP1).catch((e: unknown) => e)
    expect((nothing as WeChatApiError).errcode).toBe(ERRCODE.NOTHING_TO_WITHDRAW)
    expect((nothing as Error).message).toMatch(/no review is pending, so there is nothing to withdraw/)
  })

  it('stops withdrawals at 5 a day with 87013', async () => {
    const { client } = world
    // One withdrawal was used above.
    for (let i = 0; i < 4; i++) {
      await client.submitAuditOnce(APP1, {}, { userVersion: '1.1.0', startedAt: Date.now() })
      await client.undoCodeAudit(APP1)
    }
    await client.submitAuditOnce(APP1, {}, { userVersion: '1.1.0', startedAt: Date.now() })
    const error = await client.undoCodeAudit(APP1).catch((e: unknown) => e)
    expect((error as WeChatApiError).errcode).toBe(87013)
    expect((error as Error).message).toMatch(/5 times a day and 10 times a month/)
  })

  it('manages the template library: 85064 for unknown drafts and templates', async () => {
    const { client } = world
    const templates = await client.getTemplateList()
    const oldest = templates[0]?.template_id ?? -1
    await client.deleteTemplate(oldest)
    expect((await client.getTemplateList()).some((t) => t.template_id === oldest)).toBe(false)
    expect(await errcodeOf(client.deleteTemplate(oldest))).toBe(85064)
    expect(await errcodeOf(client.addToTemplate(987654))).toBe(85064)
  })
})

describe('gray release and rollback', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => stopWorld(world))

  it('refuses gray without an online version (85079) and release without a review (85019)', async () => {
    const { client } = world
    expect(await errcodeOf(client.release(APP3))).toBe(85019)
    await approvedVersion(world, APP3, '1.0.0')
    expect(await errcodeOf(client.grayRelease(APP3, { gray_percentage: 10 }))).toBe(85079)
  })

  it('grays, widens, refuses lower percentages and rollback, reverts, releases and rolls back', async () => {
    const { client, emu } = world
    emu.control.setOnline(APP2, '0.9.0')
    await commitVersion(world, APP2, '2.0.0')
    await client.submitAuditOnce(APP2, {}, { userVersion: '2.0.0', startedAt: Date.now() })
    expect(await errcodeOf(client.grayRelease(APP2, { gray_percentage: 10 }))).toBe(85080)
    emu.control.approve(APP2)

    await client.grayRelease(APP2, { gray_percentage: 0, support_experiencer_first: true })
    expect(await client.getGrayReleasePlan(APP2)).toMatchObject({
      status: 1,
      gray_percentage: 0,
      support_experiencer_first: true,
      create_timestamp: emu.control.now()
    })
    await client.grayRelease(APP2, { gray_percentage: 10 })
    expect(await errcodeOf(client.grayRelease(APP2, { gray_percentage: 10 }))).toBe(85082)
    expect(await errcodeOf(client.grayRelease(APP2, { gray_percentage: 5 }))).toBe(85082)
    expect(await errcodeOf(client.revertCodeRelease(APP2))).toBe(87011)
    expect((await client.getGrayReleasePlan(APP2)).gray_percentage).toBe(10)

    await client.revertGrayRelease(APP2)
    expect((await client.getGrayReleasePlan(APP2)).status).toBe(4)
    expect((await client.getVersionInfo(APP2)).release_info?.release_version).toBe('0.9.0')

    await client.release(APP2)
    expect((await client.getVersionInfo(APP2)).release_info?.release_version).toBe('2.0.0')
    const history = await client.getHistoryVersions(APP2)
    expect(history.map((version) => version.user_version)).toEqual(['0.9.0'])
    expect(await errcodeOf(client.revertCodeRelease(APP2, 424242))).toBe(87012)
    await client.revertCodeRelease(APP2, history[0]?.app_version)
    expect((await client.getVersionInfo(APP2)).release_info?.release_version).toBe('0.9.0')
    expect(await client.getHistoryVersions(APP2)).toEqual([])
    expect(await errcodeOf(client.revertCodeRelease(APP2))).toBe(87012)
  })

  it('finishes a plan at 100 % as a full release', async () => {
    const { client } = world
    await approvedVersion(world, APP2, '2.1.0')
    await client.grayRelease(APP2, { gray_percentage: 20, support_debuger_first: true })
    await client.grayRelease(APP2, { gray_percentage: 100 })
    expect(await client.getGrayReleasePlan(APP2)).toMatchObject({ status: 3, gray_percentage: 100 })
    expect((await client.getVersionInfo(APP2)).release_info?.release_version).toBe('2.1.0')
  })
})

describe('experience members and operations', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ testerLimit: 3 })
  })
  afterAll(() => stopWorld(world))

  it('binds, lists and unbinds testers, with the documented errors', async () => {
    const { client, emu } = world
    const { userstr } = await client.bindTester(APP1, 'alice_wx')
    expect(userstr).toMatch(/\S/)
    expect(await errcodeOf(client.bindTester(APP1, 'alice_wx'))).toBe(85004)
    expect(await errcodeOf(client.bindTester(APP1, 'unknown_person'))).toBe(85001)
    emu.control.setTooManyMemberships(['busy_wx'])
    expect(await errcodeOf(client.bindTester(APP1, 'busy_wx'))).toBe(85003)
    await client.bindTester(APP1, 'bob_wx')
    await client.bindTester(APP1, 'carol_wx')
    expect(await errcodeOf(client.bindTester(APP1, 'dave_wx'))).toBe(85002)
    expect(await client.listTesters(APP1)).toHaveLength(3)
    await client.unbindTester(APP1, { userstr })
    await client.unbindTester(APP1, { wechatid: 'bob_wx' })
    expect(await client.listTesters(APP1)).toHaveLength(1)
    // -1 is "busy, nothing done": repeated (retries), then reported.
    expect(await errcodeOf(client.unbindTester(APP1, { wechatid: 'bob_wx' }))).toBe(-1)
  })

  it('pages jserr_list by version with authorizer and own tokens', async () => {
    const { client, emu, http } = world
    const rows = Array.from({ length: 40 }, (_, i) => ({
      errorMsg: `TypeError ${i}`,
      errorStack: `at f${i}`,
      uv: i + 1,
      pv: 2 * i + 1
    }))
    emu.control.setJsErrors(APP1, '1.0.0', rows)
    emu.control.setJsErrors(APP1, '0.9.0', rows.slice(0, 2))
    const query = { startTime: '2026-01-01', endTime: '2026-01-02' }
    const gray = await client.jsErrList(APP1, { ...query, appVersion: '1.0.0' })
    expect(gray.totalCount).toBe(40)
    expect(gray.rows).toHaveLength(40)
    expect(new Set(gray.rows.map((row) => row.errorMsgMd5)).size).toBe(40)
    expect((await client.jsErrList(APP1, { ...query, appVersion: '0.9.0' })).rows).toHaveLength(2)

    emu.control.setJsErrors(STANDALONE, '3.0.0', rows.slice(0, 1))
    const own = new WeChatClient({
      http,
      tokens: new StableTokenProvider({
        http,
        appid: STANDALONE,
        appsecret: emu.credentials.standaloneApp.appsecret
      })
    })
    expect((await own.jsErrList(STANDALONE, { ...query, appVersion: '3.0.0' })).rows[0]).toMatchObject({
      errorMsg: 'TypeError 0',
      uv: 1,
      pv: 1
    })
  })
})

describe('tokens and credentials', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => stopWorld(world))

  const tokenCalls = (path: string) =>
    world.emu.control.requests().filter((entry) => entry.path === path).length

  const componentAsks = () =>
    world.emu.control
      .requests()
      .filter((entry) => entry.path === '/__token-service/token' && entry.query.component === '1').length

  it('renews expired authorizer and component tokens transparently (42001 → new tokens, call repeated)', async () => {
    const { client, emu } = world
    await client.getGrayReleasePlan(APP1)
    const authorizerBefore = tokenCalls('/cgi-bin/component/api_authorizer_token')
    const componentBefore = componentAsks()
    emu.control.advance(7300) // both the authorizer and the component token expire
    await client.getGrayReleasePlan(APP1)
    // The cached authorizer token is refused; renewing it with the cached (also expired) component token is
    // refused too; the token service is asked for the component token again and the authorizer token renewed.
    expect(componentAsks()).toBe(componentBefore + 1)
    expect(tokenCalls('/cgi-bin/component/api_authorizer_token')).toBe(authorizerBefore + 2)
    expect(world.lines.filter((line) => / errcode=42001 /.test(line))).toHaveLength(2)
    // The action's side never mints: the only component tokens come from the platform server.
    expect(tokenCalls('/cgi-bin/component/api_component_token')).toBe(0)
    expect(emu.control.serverComponentTokenValid()).toBe(true)
  })

  it('the token service and the static token work for code-management calls', async () => {
    const { emu, http } = world
    const service = new TokenServiceProvider({
      http,
      url: emu.credentials.tokenServiceUrl,
      secret: emu.credentials.tokenServiceSecret
    })
    const viaService = new WeChatClient({ http, tokens: service })
    expect((await viaService.getGrayReleasePlan(APP3)).status).toBe(0)

    const wrongSecret = new TokenServiceProvider({
      http,
      url: emu.credentials.tokenServiceUrl,
      secret: 'not-the-secret-000'
    })
    await expect(wrongSecret.token(APP3)).rejects.toBeInstanceOf(WeChatTokenError)

    const staticClient = new WeChatClient({
      http,
      tokens: new StaticTokenProvider(APP3, await service.token(APP3))
    })
    await expect(staticClient.queryQuota(APP3)).resolves.toMatchObject({ limit: expect.any(Number) })
  })

  it("the mini program's own token reads the gray plan but gets 86000 from code management", async () => {
    const { emu, http } = world
    const own = new WeChatClient({
      http,
      tokens: new StableTokenProvider({
        http,
        appid: STANDALONE,
        appsecret: emu.credentials.standaloneApp.appsecret
      })
    })
    expect((await own.getGrayReleasePlan(STANDALONE)).status).toBe(0)
    const error = await own.submitAudit(STANDALONE, {}).catch((e: unknown) => e)
    expect((error as WeChatApiError).errcode).toBe(86000)
    expect((error as Error).message).toMatch(/authorizer_access_token of a third-party platform/)
  })

  it('wrong token kinds get 48001', async () => {
    const { http, provider, service, client } = world
    const componentAsAuthorizer: TokenProvider = {
      kind: 'authorizer',
      token: () => service.componentToken(),
      invalidate: () => {}
    }
    expect(await errcodeOf(new WeChatClient({ http, tokens: componentAsAuthorizer }).getPage(APP1))).toBe(
      48001
    )
    const authorizerAsComponent = new WeChatClient({
      http,
      tokens: provider,
      componentTokens: () => provider.token(APP1)
    })
    expect(await errcodeOf(authorizerAsComponent.getTemplateList())).toBe(48001)
    await expect(client.getTemplateList()).resolves.toEqual(expect.any(Array))
  })

  it('a wrong refresh token gets 61023', async () => {
    const { emu, http, service } = world
    const badRefresh = new RefreshTokenProvider({
      http,
      componentAppid: emu.credentials.componentAppid,
      componentTokens: service,
      refreshTokens: { [APP1]: 'emu-refresh-wrong-000000' }
    })
    expect(await errcodeOf(badRefresh.token(APP1))).toBe(61023)
  })

  it('no token, secret or ticket appears in any log line', async () => {
    const { emu, lines } = world
    const secrets = [
      emu.credentials.componentAppsecret,
      emu.control.currentVerifyTicket(),
      emu.credentials.tokenServiceSecret,
      ...emu.credentials.apps.map((app) => app.refreshToken)
    ]
    expect(lines.length).toBeGreaterThan(5)
    for (const line of lines) {
      expect(line).not.toMatch(/emu-token-/)
      for (const secret of secrets) expect(line).not.toContain(secret)
    }
  })
})

describe('faults', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => stopWorld(world))

  it('a submit whose reply is lost after it went through is adopted, not repeated', async () => {
    const { client, emu } = world
    await commitVersion(world, APP1, '3.0.0')
    emu.control.injectFault({ path: '/wxa/submit_audit', afterCommit: true, dropConnection: true })
    const result = await client.submitAuditOnce(
      APP1,
      {},
      { userVersion: '3.0.0', startedAt: emu.control.now() * 1000 }
    )
    expect(result.adopted).toBe(true)
    expect(emu.control.auditCount(APP1)).toBe(1)
    expect(emu.control.requests().filter((entry) => entry.path === '/wxa/submit_audit')).toHaveLength(1)
  })

  it('a submit refused for another running version is not adopted', async () => {
    const { client } = world
    const error = await client
      .submitAuditOnce(APP1, {}, { userVersion: '3.0.1', startedAt: Date.now() })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatSubmitConflictError)
  })

  it('a write that gets 502 or a malformed body is reported as unknown and not repeated', async () => {
    const { client, emu } = world
    emu.control.approve(APP1)
    emu.control.injectFault({ path: '/wxa/release', httpStatus: 502 })
    await expect(client.release(APP1)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    emu.control.injectFault({ path: '/wxa/release', malformed: true, afterCommit: true })
    await expect(client.release(APP1)).rejects.toBeInstanceOf(WeChatUnknownOutcomeError)
    expect(emu.control.requests().filter((entry) => entry.path === '/wxa/release')).toHaveLength(2)
    expect((await client.getVersionInfo(APP1)).release_info?.release_version).toBe('3.0.0')
  })

  it('reads ride out -1, 5xx, malformed bodies, drops and slow replies', async () => {
    const { client, emu } = world
    emu.control.injectFault({ path: '/wxa/getgrayreleaseplan', errcode: -1 })
    emu.control.injectFault({ path: '/wxa/getgrayreleaseplan', httpStatus: 503 })
    emu.control.injectFault({ path: '/wxa/getgrayreleaseplan', malformed: true })
    await expect(client.getGrayReleasePlan(APP1)).resolves.toMatchObject({ status: 0 })
    emu.control.injectFault({ path: '/wxa/get_latest_auditstatus', dropConnection: true })
    emu.control.injectFault({ path: '/wxa/get_latest_auditstatus', latencyMs: 2500 })
    await expect(client.getLatestAuditStatus(APP1)).resolves.toMatchObject({
      user_version: '3.0.0',
      status: 0
    })
  })

  it('a write answered with 45011 or 9402202 is repeated; a rejected token is renewed', async () => {
    const { client, emu } = world
    await approvedVersion(world, APP2, '1.0.0')
    emu.control.injectFault({ path: '/wxa/release', appid: APP2, errcode: 45011 })
    emu.control.injectFault({ path: '/wxa/release', appid: APP2, errcode: 9402202 })
    await client.release(APP2)
    expect((await client.getVersionInfo(APP2)).release_info?.release_version).toBe('1.0.0')

    const before = emu.control
      .requests()
      .filter((e) => e.path === '/cgi-bin/component/api_authorizer_token').length
    emu.control.injectFault({ path: '/wxa/queryquota', errcode: 40001 })
    await expect(client.queryQuota(APP2)).resolves.toMatchObject({ limit: expect.any(Number) })
    expect(
      emu.control.requests().filter((e) => e.path === '/cgi-bin/component/api_authorizer_token').length
    ).toBe(before + 1)
  })
})

describe('replies seen in the wild (emulator reply variants)', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => stopWorld(world))

  it('a latest review without user_version or auditid reads as unknown fields, and is never adopted', async () => {
    const { client, emu } = world
    await commitVersion(world, APP1, '4.0.0')
    const { auditid } = await client.submitAuditOnce(
      APP1,
      {},
      { userVersion: '4.0.0', startedAt: Date.now() }
    )
    emu.control.setReplyVariants({ latestAuditWithoutUserVersion: true })
    expect(await client.getLatestAuditStatus(APP1)).toEqual({
      auditid,
      status: 2,
      screenshots: [],
      user_desc: 'release 4.0.0',
      submit_audit_time: expect.any(Number)
    })
    // A running review whose version WeChat does not name cannot be shown to be ours: refused, not adopted.
    const error = await client
      .submitAuditOnce(APP1, {}, { userVersion: '4.0.0', startedAt: Date.now() })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeChatSubmitConflictError)
    expect((error as Error).message).toMatch(/a version WeChat did not name/)
    emu.control.setReplyVariants({ latestAuditWithoutUserVersion: false, latestAuditWithoutAuditid: true })
    expect(await client.getLatestAuditStatus(APP1)).not.toHaveProperty('auditid')
    emu.control.setReplyVariants({ latestAuditWithoutAuditid: false })
    expect(emu.control.auditCount(APP1)).toBe(1)
  })

  it('an online version with a release time but an empty name is still an online version', async () => {
    const { client, emu } = world
    emu.control.setOnline(APP2, '1.0.0')
    emu.control.setReplyVariants({ releaseVersionEmpty: true })
    expect((await client.getVersionInfo(APP2)).release_info).toEqual({
      release_time: emu.control.now(),
      release_desc: '1.0.0 (seeded)'
    })
    emu.control.setReplyVariants({ releaseVersionEmpty: false })
  })

  it('a template list without draft_id still leads from the draft to its template', async () => {
    const { client, emu } = world
    emu.control.setReplyVariants({ templateListWithoutDraftId: true })
    emu.recordCiUpload({
      appid: DEV,
      version: '5.0.0',
      desc: 'release 5.0.0',
      robot: 1,
      files: new Map([['app.json', Buffer.from(JSON.stringify({ pages: ['pages/index/index'] }))]]),
      kind: 'upload'
    })
    const before = await client.getTemplateList()
    const draft = (await client.getTemplateDraftList()).find(
      (candidate) => candidate.user_version === '5.0.0'
    )
    if (!draft) throw new Error('no draft')
    const template = await client.addToTemplateAndFind(draft, before)
    expect(template).toMatchObject({ user_version: '5.0.0' })
    expect(template.draft_id).toBeUndefined()
    const templates = emu.control.state().templates
    expect(templates.find((entry) => entry.template_id === template.template_id)?.draft_id).toBe(
      draft.draft_id
    )
    emu.control.setReplyVariants({ templateListWithoutDraftId: false })
  })

  it('queryquota 0 of 0 reads as unknown; the gray plan carries default_finish_timestamp', async () => {
    const { client, emu } = world
    emu.control.setReplyVariants({ quotaZero: true })
    expect(await client.queryQuota(APP1)).toMatchObject({ rest: 0, limit: 0, known: false })
    emu.control.setReplyVariants({ quotaZero: false })

    const auditid = await approvedVersion(world, APP3, '1.0.0')
    expect(auditid).toBeGreaterThan(0)
    await client.release(APP3)
    await approvedVersion(world, APP3, '1.1.0')
    await client.grayRelease(APP3, { gray_percentage: 5 })
    const plan = await client.getGrayReleasePlan(APP3)
    expect(plan.default_finish_timestamp).toBe(plan.create_timestamp + 15 * 86400)
    emu.control.setGrayFinish(APP3, plan.create_timestamp + 3 * 86400)
    expect((await client.getGrayReleasePlan(APP3)).default_finish_timestamp).toBe(
      plan.create_timestamp + 3 * 86400
    )
    emu.control.setReplyVariants({ grayPlanWithoutFinishTimestamp: true })
    expect(await client.getGrayReleasePlan(APP3)).not.toHaveProperty('default_finish_timestamp')
    emu.control.setReplyVariants({ grayPlanWithoutFinishTimestamp: false })
    // WeChat releases to everyone at that instant, not at create + 15 days.
    emu.control.advance(3 * 86400)
    expect((await client.getGrayReleasePlan(APP3)).status).toBe(3)
    expect((await client.getVersionInfo(APP3)).release_info?.release_version).toBe('1.1.0')
  })

  it('a Date header far from the runner clock is not trusted for now()', async () => {
    const { emu } = world
    const warnings: string[] = []
    const http = new WeChatHttp({
      baseUrl: emu.url,
      clock: () => emu.control.now() * 1000,
      warn: (message) => warnings.push(message)
    })
    const client = new WeChatClient({ http, tokens: world.provider })
    await client.getGrayReleasePlan(APP1)
    expect(client.now()).toBe(emu.control.now())
    emu.control.setReplyVariants({ dateSkewSeconds: 10 * 86400 })
    await client.getGrayReleasePlan(APP1)
    expect(client.now()).toBe(emu.control.now())
    expect(warnings).toEqual([expect.stringMatching(/14400 minutes ahead of this runner's clock/)])
    emu.control.setReplyVariants({ dateSkewSeconds: 0 })
    await http.close()
  })
})

/** The fields that are set: an optional field of a review item is left out, never sent as undefined. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
