import { expectSuccess } from '../../test-support/run-action.js'
/**
 * Gray release through the bundled action, with the emulator's clock standing in for the days that pass:
 * the schedule, the whitelist, the 15-day guard, WeChat's own day-15 release, the health gate, the
 * check-run buttons, and bad gray inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { seedApprovedVersion, emulatorClient } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'

const HOUR = 3600
const DAY = 24 * HOUR
const SCHEDULE = '1, 5@24h, 20@24h, 50@48h, 100@48h'
let world: World
let shaCounter = 0

function sha(): string {
  shaCounter += 1
  return `9${shaCounter.toString(16).padStart(6, '0')}`.padEnd(40, 'c')
}

function platform(appid: string): Record<string, string> {
  return {
    'api-base-url': world.emulator.url,
    'token-url': world.emulator.credentials.tokenServiceUrl,
    'token-url-secret': world.emulator.credentials.tokenServiceSecret,
    'github-token': 'ghs_faketoken_for_tests',
    appid
  }
}

function run(
  command: string,
  appid: string,
  extra: Record<string, string> = {},
  options: Partial<Parameters<World['run']>[0]> = {}
) {
  return world.run({
    inputs: { command, ...platform(appid), ...extra },
    eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40),
    ...options
  })
}

function plan(appid: string) {
  const state = world.emulator.control.state() as {
    apps: Record<
      string,
      {
        gray?: { status: number; gray_percentage?: number; percentage?: number }
        online?: { version: string }
      }
    >
  }
  return state.apps[appid]
}

function grayPercentOf(appid: string): number | undefined {
  const gray = plan(appid)?.gray
  return gray?.gray_percentage ?? gray?.percentage
}

function grayCheck(commit: string) {
  return world.github.state.checkRuns.filter(
    (check) => check.head_sha === commit && check.name === 'WeChat gray release'
  )
}

function wechatWrites(): string[] {
  return (world.emulator.control.requests() as Array<{ path: string }>)
    .map((request) => request.path)
    .filter((path) => /grayrelease$|\/release$|revertgrayrelease|bind_tester|revertcoderelease/.test(path))
    .filter((path) => !/getgrayreleaseplan/.test(path))
}

/** An app with 1.0.0 online and 2.0.0 approved, tagged v2.0.0 on a fresh commit. */
async function prepare(appid: string): Promise<string> {
  const commit = sha()
  world.emulator.control.setOnline(appid, '1.0.0')
  await seedApprovedVersion(world, appid, '2.0.0', commit)
  return commit
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 8 })
  world.github.addCommit('f'.repeat(40))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('an automatic schedule', () => {
  const APP = 'wxa000000000000001'
  let commit = ''

  it('starts at 1 % when the review is approved, and a rerun at the same moment changes nothing', async () => {
    commit = await prepare(APP)
    const started = await run('sync', APP, { 'release-on-approval': 'gray', 'gray-schedule': SCHEDULE })
    expect(started.stdout).not.toMatch(/::error::/)
    expectSuccess(started)
    expect(grayPercentOf(APP)).toBe(1)
    expect(started.outputs['gray-percentage']).toBe('1')
    const check = grayCheck(commit)
    expect(check).toHaveLength(1)
    expect(check[0]?.output?.summary ?? '').toMatch(/1 ?%/)

    world.github.resetLog()
    world.emulator.control.resetRequests()
    const again = await run('sync', APP, { 'release-on-approval': 'gray', 'gray-schedule': SCHEDULE })
    expectSuccess(again)
    expect(world.github.writes()).toEqual([])
    expect(wechatWrites()).toEqual([])
  })

  it('walks 1 → 5 → 20 → 50 → 100 over simulated days, never early', async () => {
    const steps: Array<[number, number]> = [
      [DAY, 5],
      [DAY, 20],
      [2 * DAY, 50],
      [2 * DAY, 100]
    ]
    for (const [dwell, percent] of steps) {
      const before = grayPercentOf(APP)
      world.emulator.control.advance(dwell - HOUR)
      const early = await run('sync', APP, { 'release-on-approval': 'gray', 'gray-schedule': SCHEDULE })
      expectSuccess(early)
      expect(grayPercentOf(APP)).toBe(before)

      world.emulator.control.advance(HOUR)
      const due = await run('sync', APP, { 'release-on-approval': 'gray', 'gray-schedule': SCHEDULE })
      expect(due.stdout).not.toMatch(/::error::/)
      expectSuccess(due)
      if (percent < 100) {
        expect(grayPercentOf(APP)).toBe(percent)
        expect(grayCheck(commit)[0]?.output?.summary ?? '').toContain(`${percent}`)
      } else {
        expect(plan(APP)?.online?.version).toBe('2.0.0')
      }
    }
    expect(grayCheck(commit)).toHaveLength(1)
  }, 120_000)
})

describe('a whitelist', () => {
  it('binds each ID, reports each outcome, and grays to experience members', async () => {
    const APP = 'wxa000000000000002'
    const commit = await prepare(APP)
    // Fill the member list up to one free place: the second new ID is over the limit.
    const client = emulatorClient(world)
    for (let i = 0; i < 14; i++) await client.bindTester(APP, `member${i}`)
    await client.close()
    const result = await run('gray', APP, {
      'gray-percent': '0',
      'gray-whitelist': 'alice\nunknown_bob\ncarol',
      version: '2.0.0'
    })
    expect(result.stdout).not.toMatch(/::error::/)
    expectSuccess(result)
    const text = JSON.stringify(grayCheck(commit)[0]?.output ?? {}) + result.summary
    expect(text).toMatch(/alice[^\n]*bound/)
    expect(text).toMatch(/unknown_bob[^\n]*not found/)
    expect(text).toMatch(/carol[^\n]*over the limit/)
    expect(plan(APP)?.gray?.status).toBe(1)
  })
})

describe('the 15-day guard', () => {
  it.each([
    ['release', 'wxa100000000000001'],
    ['revert', 'wxa100000000000002'],
    ['warn', 'wxa100000000000003']
  ])('acts at the margin with gray-deadline-action %s', async (action, appid) => {
    await prepare(appid)
    const gray = await run('gray', appid, { 'gray-percent': '10', version: '2.0.0' })
    expectSuccess(gray)
    world.emulator.control.advance(13 * DAY)
    const calm = await run('sync', appid, { 'gray-deadline-action': action })
    expectSuccess(calm)
    expect(grayPercentOf(appid)).toBe(10)

    world.emulator.control.advance(DAY + HOUR)
    const atMargin = await run('sync', appid, { 'gray-deadline-action': action })
    expectSuccess(atMargin)
    if (action === 'release') expect(plan(appid)?.online?.version).toBe('2.0.0')
    if (action === 'revert') {
      expect(plan(appid)?.gray?.status).toBe(4)
      expect(plan(appid)?.online?.version).toBe('1.0.0')
    }
    if (action === 'warn') {
      expect(plan(appid)?.gray?.status).toBe(1)
      expect(atMargin.stdout).toMatch(/::warning::.*(day 15|15 days|15-day)/i)
    }
  })

  it("reports WeChat's own day-15 release when sync did not run", async () => {
    const appid = 'wxa100000000000004'
    const commit = await prepare(appid)
    expectSuccess(await run('gray', appid, { 'gray-percent': '10', version: '2.0.0' }))
    world.emulator.control.advance(15 * DAY + HOUR)
    const seen = await run('sync', appid)
    expectSuccess(seen)
    expect(plan(appid)?.online?.version).toBe('2.0.0')
    const check = grayCheck(commit)[0]
    expect(JSON.stringify(check?.output ?? {})).toMatch(/WeChat/)
    expect(JSON.stringify(check?.output ?? {})).toMatch(/day 15|15 days/i)
  })
})

describe('the health gate', () => {
  it.each([
    ['halt', 'wxa100000000000005'],
    ['revert', 'wxa100000000000006']
  ])('stops the schedule when new errors appear (health-action %s)', async (healthAction, appid) => {
    const commit = await prepare(appid)
    const inputs = {
      'gray-schedule': SCHEDULE,
      'release-on-approval': 'gray',
      'health-max-new-error-groups': '0',
      'health-action': healthAction
    }
    expectSuccess(await run('sync', appid, inputs))
    expect(grayPercentOf(appid)).toBe(1)
    world.emulator.control.setJsErrors(appid, '1.0.0', [
      { errorMsg: 'TypeError: a is undefined', errorStack: 'at pages/index', uv: 40, pv: 90 }
    ])
    world.emulator.control.setJsErrors(appid, '2.0.0', [
      { errorMsg: 'TypeError: a is undefined', errorStack: 'at pages/index', uv: 1, pv: 2 },
      { errorMsg: 'ReferenceError: cart is not defined', errorStack: 'at pages/cart', uv: 3, pv: 7 }
    ])
    world.emulator.control.advance(DAY)
    const halted = await run('sync', appid, inputs)
    expect(grayPercentOf(appid) ?? 0).toBeLessThanOrEqual(1)
    const check = grayCheck(commit)[0]
    expect(check?.conclusion).toBe('failure')
    expect(JSON.stringify(check?.output ?? {})).toContain('cart is not defined')
    if (healthAction === 'revert') expect(plan(appid)?.gray?.status).toBe(4)
    else expect(plan(appid)?.gray?.status).toBe(1)
    expect(halted.summary).toContain('cart is not defined')
  })
})

describe('bad gray input', () => {
  it.each([
    [{ 'gray-percent': '150' }, /gray-percent/],
    [{ 'gray-percent': '0' }, /reaches nobody/],
    [{ 'gray-schedule': '50, 10@1h' }, /gray-schedule/],
    [{ 'gray-percent': '5', 'gray-whitelist': 'not an id!' }, /gray-whitelist/]
  ])('%j is rejected before any request', async (extra, message) => {
    world.github.resetLog()
    world.emulator.control.resetRequests()
    const result = await run('gray', 'wxa100000000000007', extra)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(message)
    expect(world.emulator.control.requests()).toEqual([])
    expect(world.github.requests()).toEqual([])
  })

  it('a lower percentage is refused before grayrelease is called', async () => {
    const appid = 'wxa100000000000008'
    await prepare(appid)
    expectSuccess(await run('gray', appid, { 'gray-percent': '20', version: '2.0.0' }))
    world.emulator.control.resetRequests()
    const lower = await run('gray', appid, { 'gray-percent': '10', version: '2.0.0' })
    expect(lower.exitCode).toBe(1)
    expect(lower.stdout).toMatch(/20/)
    expect(wechatWrites()).toEqual([])
    expect(grayPercentOf(appid)).toBe(20)
  })
})
