import { expectSuccess } from '../../test-support/run-action.js'
/**
 * Gray release through the bundled action, with the emulator's clock standing in for the days that pass:
 * the schedule, the whitelist, the 15-day guard, WeChat's own day-15 release, the health gate, the check
 * states, records planted by another app, a GitHub failure after the WeChat write, and bad gray inputs.
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
        gray?: { status: number; gray_percentage?: number; percentage?: number; createTimestamp?: number }
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
  world = await startWorld({ extraApps: 10 })
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
    expect(JSON.stringify(check?.output ?? {})).toMatch(/15-day limit/i)
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

describe('check runs report status only', () => {
  it('keeps the gray check completed while the plan runs, and takes the next step by hand with command gray', async () => {
    const appid = 'wxa000000000000003'
    const commit = await prepare(appid)
    const inputs = { 'gray-schedule': SCHEDULE, 'release-on-approval': 'gray' }
    expectSuccess(await run('sync', appid, inputs))
    const [check] = grayCheck(commit)
    // Never incomplete: GitHub marks a run stale after 14 days, and a rollout may last 15.
    expect(check).toMatchObject({ status: 'completed', conclusion: 'neutral' })
    expect(check?.actions).toEqual([])

    world.emulator.control.resetRequests()
    // Before the step is due: command gray with only a schedule advances by hand.
    expectSuccess(await run('gray', appid, { ...inputs, version: '2.0.0' }))
    expect(grayPercentOf(appid)).toBe(5)
    expect(wechatWrites().filter((path) => path.endsWith('/grayrelease'))).toHaveLength(1)
    expect(grayCheck(commit)[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' })
    expect(grayCheck(commit)[0]?.output?.title).toBe('Gray at 5 %: 2.0.0')
  })
})

describe("records are read only from the action's own check runs", () => {
  it('a run planted by another app with a later step skips nothing', async () => {
    const appid = 'wxa100000000000009'
    const commit = await prepare(appid)
    const inputs = { 'gray-schedule': SCHEDULE, 'release-on-approval': 'gray' }
    expectSuccess(await run('sync', appid, inputs))
    world.emulator.control.advance(DAY)
    expectSuccess(await run('sync', appid, inputs))
    expect(grayPercentOf(appid)).toBe(5)
    const own = grayCheck(commit)[0]
    const startedAt = plan(appid)?.gray?.createTimestamp ?? 0
    expect(startedAt).toBeGreaterThan(0)
    // Another app (any token with checks: write) plants runs with the same name and external id: one whose
    // record claims step 4 (50 %), and a newer one that claims the 5 % step was taken when the plan began.
    const plant = (id: number, record: string) => ({
      ...structuredClone(own!),
      id,
      app: { id: 1, slug: 'someone-else', name: 'Someone else' },
      output: {
        title: 'Gray at 5 %: 2.0.0',
        summary: 'planted',
        text: `<!-- wechat-miniprogram-release:state {"version":"2.0.0",${record}} -->`
      }
    })
    world.github.state.checkRuns.push(
      plant(9_000_001, `"stepIndex":3,"percentage":50,"stepTakenAt":${startedAt}`),
      plant(9_000_002, `"stepIndex":1,"percentage":5,"stepTakenAt":${startedAt}`)
    )
    world.emulator.control.resetRequests()
    // An hour later: the 20 % step is due a day after the 5 % step, so nothing is due. Read from the planted
    // runs, the records would make 20 % (or 100 %, a release to everyone) due at once.
    world.emulator.control.advance(HOUR)
    const synced = await run('sync', appid, inputs)
    expectSuccess(synced)
    expect(grayPercentOf(appid)).toBe(5)
    expect(plan(appid)?.online?.version).toBe('1.0.0')
    expect(wechatWrites()).toEqual([])
  })
})

describe('a GitHub write that fails after the WeChat write', () => {
  it('still writes the outputs and the job summary, then fails the step', async () => {
    const appid = 'wxa100000000000010'
    await prepare(appid)
    world.github.failNext('POST', '/repos/octo/shop/check-runs', 500, { message: 'Server Error' })
    const result = await run('gray', appid, { 'gray-percent': '10', version: '2.0.0' })
    expect(grayPercentOf(appid)).toBe(10)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::.*GitHub/)
    expect(result.outputs['gray-percentage']).toBe('10')
    expect(result.outputs['gray-status']).toBe('running')
    expect(JSON.parse(result.outputs.result ?? '[]')[0]).toMatchObject({ result: 'gray-started' })
    expect(result.summary).toContain('## WeChat mini program: gray')
    expect(result.summary).toContain('Not written')
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
