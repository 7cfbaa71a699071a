/**
 * Faithful to the platform, through the bundled action: credentials that never mint a component token, review
 * items validated as WeChat validates them, replies seen in the wild, a Date header that is not trusted blindly,
 * and a transport that follows no redirect, caps replies and quotes relays only by errcode/errmsg.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { RequestLogEntry } from '../../emulator/index.js'
import { createTokenService } from '../../examples/token-service/token-service.mjs'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { emulatorClient, seedApprovedVersion } from '../../test-support/seed-version.js'
import { copySampleProject, startWorld, type World } from '../../test-support/world.js'

const DIRECT_APP = 'wxa000000000000001'
const TEMPLATE_APP = 'wxa000000000000002'
const DAY = 86400
/** Extra authorized apps, one per scenario, so no scenario sees another's state. */
const app = (n: number) => `wxa1${String(n).padStart(14, '0')}`
const CATEGORY = 'first_class: 商家自营\n  second_class: 百货\n  first_id: 304\n  second_id: 305'

let world: World
let devKey: string
let shaCounter = 0

function nextSha(): string {
  shaCounter += 1
  return `e${shaCounter.toString(16).padStart(6, '0')}`.padEnd(40, 'd')
}

function platform(appid?: string): Record<string, string> {
  return {
    'api-base-url': world.emulator.url,
    'token-url': world.emulator.credentials.tokenServiceUrl,
    'token-url-secret': world.emulator.credentials.tokenServiceSecret,
    'github-token': 'ghs_faketoken_for_tests',
    ...(appid ? { appid } : {})
  }
}

function dispatch(command: string, inputs: Record<string, string>) {
  return world.run({
    inputs: { command, ...inputs },
    eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40)
  })
}

function requests(filter: (entry: RequestLogEntry) => boolean = () => true): RequestLogEntry[] {
  return world.emulator.control.requests().filter(filter)
}

function errorLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error::'))
}

/** Seeds `online` as the full release and `approved` as approved but not released. */
async function onlineAndApproved(appid: string, online: string, approved: string): Promise<void> {
  world.emulator.control.setOnline(appid, online)
  await seedApprovedVersion(world, appid, approved, nextSha())
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 12 })
  const credentials = world.emulator.credentials
  devKey = credentials.apps.find((entry) => entry.appid === credentials.devAppid)
    ?.uploadPrivateKeyPem as string
  world.github.addCommit('f'.repeat(40))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('credentials: the action never mints a component_access_token', () => {
  it('refuses component-appsecret and component-verify-ticket before any request, saying what to use', async () => {
    world.emulator.control.resetRequests()
    const credentials = world.emulator.credentials
    const run = await dispatch('sync', {
      ...platform(app(1)),
      'component-appid': credentials.componentAppid,
      'component-appsecret': credentials.componentAppsecret,
      'component-verify-ticket': world.emulator.control.currentVerifyTicket()
    })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run)).toEqual([
      expect.stringMatching(
        /^::error::Input "component-appsecret": is no longer taken: the action never mints a component_access_token.*`token-url`.*`component-access-token`/
      )
    ])
    // Masked for the runner, and never printed anywhere else.
    const mentions = run.stdout.split('\n').filter((line) => line.includes(credentials.componentAppsecret))
    expect(mentions).toEqual([`::add-mask::${credentials.componentAppsecret}`])
    expect(requests()).toEqual([])
  })

  it('takes the template route with the component token of token-url; the server’s token keeps working', async () => {
    const held = world.emulator.control.serverComponentToken()
    world.emulator.control.resetRequests()
    // Older replies of gettemplatelist carry no draft_id: the template is still found and committed.
    world.emulator.control.setReplyVariants({ templateListWithoutDraftId: true })
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'template-workspace-'))
    const project = path.join(workspace, 'project')
    copySampleProject(project)
    writeFileSync(path.join(project, 'miniprogram/ext.json'), JSON.stringify({ extEnable: true, ext: {} }))
    const sha = nextSha()
    world.github.addCommit(sha)
    world.github.addTag('v3.0.0', sha)
    // WeChat checks committed code for about a minute (61039 until then); let emulated time pass meanwhile.
    const clock = setInterval(() => world.emulator.control.advance(30), 1000)
    const run = await world
      .run({
        inputs: {
          command: 'submit',
          ...platform(),
          route: 'template',
          targets: TEMPLATE_APP,
          'project-path': 'project',
          'private-key': devKey,
          proxy: world.servicewechat.proxyUrl,
          'review-items': `- ${CATEGORY}`
        },
        workspace,
        eventName: 'push',
        ref: 'refs/tags/v3.0.0',
        sha,
        payload: { head_commit: { message: 'Release 3.0.0' } }
      })
      .finally(() => {
        clearInterval(clock)
        world.emulator.control.setReplyVariants({ templateListWithoutDraftId: false })
      })
    expectSuccess(run)
    expect(requests((entry) => entry.path === '/cgi-bin/component/api_component_token')).toEqual([])
    expect(
      requests((entry) => entry.path === '/__token-service/token' && entry.query.component === '1')
    ).not.toEqual([])
    expect(world.emulator.control.serverComponentToken()).toBe(held)
    expect(world.emulator.control.serverComponentTokenValid()).toBe(true)
    const state = world.emulator.control.state()
    expect(state.apps[TEMPLATE_APP]?.audits.at(-1)).toMatchObject({ version: '3.0.0', status: 2 })
  }, 240_000)

  it('asks stable_token in normal mode only: a rejected token is reported, never force-refreshed', async () => {
    const standalone = world.emulator.credentials.standaloneApp
    world.emulator.control.resetRequests()
    world.emulator.control.injectFault({ path: '/wxa/getgrayreleaseplan', errcode: 40001, times: 1 })
    const run = await dispatch('sync', {
      'api-base-url': world.emulator.url,
      appsecret: standalone.appsecret,
      appid: standalone.appid,
      'github-token': 'ghs_faketoken_for_tests'
    })
    // Normal mode hands back the same token; the action does not invalidate every other holder's token.
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(/errcode 40001/)
    const bodies = requests((entry) => entry.path === '/cgi-bin/stable_token').map((entry) => entry.body)
    expect(bodies.length).toBeGreaterThanOrEqual(2)
    for (const body of bodies) expect(body).not.toHaveProperty('force_refresh', true)
  })

  it('warns when authorizer-refresh-tokens is used, and still never mints a component token', async () => {
    const appid = app(2)
    const refreshToken = world.emulator.credentials.apps.find((entry) => entry.appid === appid)?.refreshToken
    world.emulator.control.resetRequests()
    const run = await dispatch('sync', {
      'api-base-url': world.emulator.url,
      'component-appid': world.emulator.credentials.componentAppid,
      'component-access-token': world.emulator.control.serverComponentToken(),
      'authorizer-refresh-tokens': `${appid}: ${refreshToken}`,
      'github-token': 'ghs_faketoken_for_tests',
      appid
    })
    expectSuccess(run)
    expect(run.stdout).toMatch(
      /::warning::`authorizer-refresh-tokens` makes the action ask WeChat .*Prefer `token-url`/
    )
    expect(requests((entry) => entry.path === '/cgi-bin/component/api_authorizer_token')).toHaveLength(1)
    expect(requests((entry) => entry.path === '/cgi-bin/component/api_component_token')).toEqual([])
  })

  it('works with the example token service a platform server adapts', async () => {
    const appid = app(3)
    const service = createServer(
      createTokenService({
        secret: 'example-service-secret-0001',
        store: {
          componentToken: () => ({ token: world.emulator.control.serverComponentToken() }),
          authorizerToken: async (wanted) => {
            const response = await fetch(`${world.emulator.credentials.tokenServiceUrl}?appid=${wanted}`, {
              headers: { authorization: `Bearer ${world.emulator.credentials.tokenServiceSecret}` }
            })
            if (response.status !== 200) return undefined
            return { token: ((await response.json()) as { access_token: string }).access_token }
          }
        }
      })
    )
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/token`
      const run = await dispatch('sync', {
        ...platform(appid),
        'token-url': url,
        'token-url-secret': 'example-service-secret-0001'
      })
      expectSuccess(run)
      expect(
        requests((entry) => entry.appid === appid && entry.path === '/wxa/getgrayreleaseplan')
      ).not.toEqual([])
    } finally {
      service.closeAllConnections()
      await new Promise<void>((resolve) => service.close(() => resolve()))
    }
  })
})

describe('review items: categories required, page optional', () => {
  it('refuses items without their category before any write, in the action’s own words', async () => {
    world.emulator.control.resetRequests()
    const run = await dispatch('submit', {
      ...platform(DIRECT_APP),
      'review-items': '- address: pages/index/index\n  tag: shop\n  title: Home'
    })
    expect(run.exitCode).toBe(1)
    expect(errorLines(run)).toEqual([
      '::error::Input "review-items": item 1: first_class is required: copy it from get_category (the categories configured for the mini program)'
    ])
    expect(run.stdout).not.toMatch(/expected string|received undefined/)
    expect(requests()).toEqual([])
  })

  it('submits items that name only their category; a quota reported as 0 of 0 refuses nothing', async () => {
    world.emulator.control.setReplyVariants({ quotaZero: true })
    const sha = nextSha()
    world.github.addCommit(sha)
    world.github.addTag('v1.1.0', sha)
    const run = await world
      .run({
        inputs: {
          command: 'submit',
          ...platform(),
          'project-path': 'sample/miniprogram-project',
          'private-key': devKey,
          proxy: world.servicewechat.proxyUrl,
          'review-items': `- ${CATEGORY}\n- ${CATEGORY}\n  tag: shop`
        },
        eventName: 'push',
        ref: 'refs/tags/v1.1.0',
        sha,
        payload: { head_commit: { message: 'Release 1.1.0' } }
      })
      .finally(() => world.emulator.control.setReplyVariants({ quotaZero: false }))
    expectSuccess(run)
    const audit = world.emulator.control.state().apps[DIRECT_APP]?.audits.at(-1)
    expect(audit).toMatchObject({ version: '1.1.0', status: 2 })
    expect(audit?.itemList).toEqual([
      { first_class: '商家自营', second_class: '百货', first_id: 304, second_id: 305 },
      { first_class: '商家自营', second_class: '百货', first_id: 304, second_id: 305, tag: 'shop' }
    ])
  }, 240_000)
})

describe('replies seen in the wild', () => {
  it('sync keeps working when get_latest_auditstatus has no auditid or user_version', async () => {
    const appid = app(4)
    await onlineAndApproved(appid, '1.0.0', '1.1.0')
    world.emulator.control.setReplyVariants({
      latestAuditWithoutAuditid: true,
      latestAuditWithoutUserVersion: true
    })
    const run = await dispatch('sync', platform(appid)).finally(() =>
      world.emulator.control.setReplyVariants({
        latestAuditWithoutAuditid: false,
        latestAuditWithoutUserVersion: false
      })
    )
    expectSuccess(run)
    expect(run.outputs['review-status']).toBe('approved')
    expect(run.outputs['online-version']).toBe('1.0.0')
  })

  it('gray works when getversioninfo names no online version but gives its release time', async () => {
    const appid = app(5)
    await onlineAndApproved(appid, '1.0.0', '1.1.0')
    world.emulator.control.setReplyVariants({ releaseVersionEmpty: true })
    const run = await dispatch('gray', { ...platform(appid), version: '1.1.0', 'gray-percent': '5' }).finally(
      () => world.emulator.control.setReplyVariants({ releaseVersionEmpty: false })
    )
    expectSuccess(run)
    expect(world.emulator.control.state().apps[appid]?.gray).toMatchObject({ status: 1, percentage: 5 })
  })

  it('reads errcode "" or false as a malformed reply, never as success', async () => {
    const appid = app(6)
    await onlineAndApproved(appid, '1.0.0', '1.1.0')
    // A write: before, `errcode: ""` read as success and the action reported a release that never happened.
    world.emulator.control.injectFault({ path: '/wxa/release', appid, reply: { errcode: '', errmsg: 'ok' } })
    const release = await dispatch('release', { ...platform(appid), version: '1.1.0' })
    expect(release.exitCode).toBe(1)
    expect(errorLines(release).join('\n')).toMatch(
      /\/wxa\/release failed: the reply is not a JSON object with a numeric errcode.*may or may not have been applied/
    )
    expect(world.emulator.control.state().apps[appid]?.online?.version).toBe('1.0.0')
    // A read: `errcode: false` on every attempt of the gray plan is not "no plan".
    world.emulator.control.injectFault({
      path: '/wxa/getgrayreleaseplan',
      appid,
      reply: { errcode: false, errmsg: 'ok' },
      times: 4
    })
    const sync = await dispatch('sync', platform(appid))
    expect(sync.exitCode).toBe(1)
    expect(errorLines(sync).join('\n')).toMatch(
      /getgrayreleaseplan failed: the reply is not a JSON object with a numeric errcode/
    )
  })

  it('does not trust a Date header far from the runner clock: a skewed header releases nothing', async () => {
    const appid = app(7)
    await onlineAndApproved(appid, '1.0.0', '1.1.0')
    const client = emulatorClient(world)
    try {
      await client.grayRelease(appid, { gray_percentage: 5 })
    } finally {
      await client.close()
    }
    world.emulator.control.advance(DAY)
    // A relay whose clock runs 14 days ahead: trusted, it put the gray past the deadline margin.
    world.emulator.control.setReplyVariants({ dateSkewSeconds: 14 * DAY })
    world.emulator.control.resetRequests()
    const run = await dispatch('sync', {
      ...platform(appid),
      'gray-deadline-action': 'release',
      'gray-deadline-margin-hours': '24'
    }).finally(() => world.emulator.control.setReplyVariants({ dateSkewSeconds: 0 }))
    expectSuccess(run)
    expect(run.stdout).toMatch(
      /::warning::WeChat's Date header .* is 20160 minutes ahead of this runner's clock/
    )
    expect(requests((entry) => entry.path === '/wxa/release')).toEqual([])
    expect(world.emulator.control.state().apps[appid]?.gray).toMatchObject({ status: 1, percentage: 5 })
  })
})

describe('transport: no redirects, capped replies, relays quoted only by errcode and errmsg', () => {
  let planted: Server
  let plantedUrl: string
  const plantedHits: string[] = []

  beforeAll(async () => {
    // Another origin that would hand out a token of its own choosing.
    planted = createServer((request, response) => {
      plantedHits.push(request.url ?? '')
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ access_token: 'planted-token-0123456789', errcode: 0 }))
    })
    await new Promise<void>((resolve) => planted.listen(0, '127.0.0.2', resolve))
    plantedUrl = `http://127.0.0.2:${(planted.address() as AddressInfo).port}/token`
  })

  afterAll(async () => {
    planted.closeAllConnections()
    await new Promise<void>((resolve) => planted.close(() => resolve()))
  })

  it('does not follow a redirect of token-url to another origin, and names the input', async () => {
    world.emulator.control.resetRequests()
    world.emulator.control.injectFault({ path: '/__token-service/token', redirectTo: plantedUrl, times: 4 })
    const run = await dispatch('sync', platform(app(8)))
    world.emulator.control.clearFaults()
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(
      /`token-url` answered with a redirect \(HTTP 302 to http:\/\/127\.0\.0\.2:\d+\/token\)\. Redirects are not followed/
    )
    expect(plantedHits).toEqual([])
    expect(requests((entry) => entry.path.startsWith('/wxa/'))).toEqual([])
    expect(run.stdout).not.toContain('planted-token')
  })

  it('does not follow a redirect of api-base-url', async () => {
    world.emulator.control.injectFault({ path: '/wxa/getgrayreleaseplan', redirectTo: plantedUrl, times: 4 })
    const run = await dispatch('sync', platform(app(8)))
    world.emulator.control.clearFaults()
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(
      /`api-base-url` answered with a redirect \(HTTP 302 to http:\/\/127\.0\.0\.2/
    )
    expect(plantedHits).toEqual([])
  })

  it('quotes an HTTP error of a relay by errcode and errmsg only, never its body', async () => {
    world.emulator.control.injectFault({
      path: '/wxa/getgrayreleaseplan',
      httpStatus: 403,
      reply: {
        errcode: 61004,
        errmsg: 'access clientip is not registered',
        trace: 'relay-internal-trace user=admin session=relay-session-cookie-42'
      }
    })
    const run = await dispatch('sync', platform(app(8)))
    world.emulator.control.clearFaults()
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(
      /HTTP 403 from http:\/\/127\.0\.0\.1:\d+\/wxa\/getgrayreleaseplan \(errcode 61004, errmsg: access clientip is not registered\)\. Check `api-base-url` and the relay\./
    )
    expect(run.stdout).not.toContain('relay-session-cookie-42')
  })

  it('cuts off a reply larger than 10 MiB while it streams', async () => {
    world.emulator.control.injectFault({
      path: '/wxa/getgrayreleaseplan',
      oversizedBytes: 11 * 1024 * 1024
    })
    const run = await dispatch('sync', platform(app(8)))
    world.emulator.control.clearFaults()
    expect(run.exitCode).toBe(1)
    expect(errorLines(run).join('\n')).toMatch(/larger than 10485760 bytes and was not read to the end/)
  })

  it('refuses plain http to a remote address and credentials in token-url, before any request', async () => {
    world.emulator.control.resetRequests()
    const remote = await dispatch('sync', {
      ...platform(app(8)),
      'api-base-url': 'http://wechat-relay.example.com'
    })
    expect(errorLines(remote)).toEqual([
      expect.stringMatching(/^::error::Input "api-base-url": uses plain http to wechat-relay\.example\.com/)
    ])
    const url = new URL(world.emulator.credentials.tokenServiceUrl)
    url.username = 'ci'
    url.password = 'p@ss!word-in-url'
    const withUserinfo = await dispatch('sync', { ...platform(app(8)), 'token-url': url.toString() })
    expect(errorLines(withUserinfo)).toEqual([
      '::error::Input "token-url": must not carry a user name or password; put the bearer secret in token-url-secret'
    ])
    expect(withUserinfo.stdout).not.toMatch(/p@ss|p%40ss/)
    expect(requests()).toEqual([])
  })

  it('warns that plain http is used, for a loopback address', async () => {
    const run = await dispatch('sync', platform(app(9)))
    expectSuccess(run)
    expect(run.stdout).toMatch(
      /::warning::`api-base-url` uses plain http \(allowed because 127\.0\.0\.1 is a loopback address\)/
    )
  })
})

describe('paths stay inside the workspace', () => {
  it('refuses project-path and private-key-path outside the workspace unless allowed', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'outside-workspace-'))
    copySampleProject(path.join(outside, 'project'))
    world.emulator.control.resetRequests()
    const build = { ...platform(), 'private-key': devKey, 'dry-run': 'true', version: '9.9.9' }
    const project = await dispatch('upload', { ...build, 'project-path': path.join(outside, 'project') })
    expect(errorLines(project)).toEqual([
      expect.stringMatching(
        /^::error::Input "project-path": points outside the workspace .*allow-paths-outside-workspace: true/
      )
    ])
    const { 'private-key': _key, ...withoutKey } = build
    const key = await dispatch('upload', {
      ...withoutKey,
      'project-path': 'sample/miniprogram-project',
      'private-key-path': path.join(outside, 'upload.key')
    })
    expect(errorLines(key)).toEqual([
      expect.stringMatching(/^::error::Input "private-key-path": points outside the workspace/)
    ])
    expect(requests()).toEqual([])
    const allowed = await dispatch('upload', {
      ...build,
      'project-path': path.join(outside, 'project'),
      'allow-paths-outside-workspace': 'true'
    })
    expectSuccess(allowed)
    expect(allowed.stdout).toMatch(/would compile/)
  })
})
