/**
 * A health-gate halt survives redaction. The halt is kept in the gray check's hidden JSON record, whose
 * haltedReason quotes JS error messages from users' devices. A message such as
 * `request:fail https://api.example.com/cart?access_token=abc` must not make the record unreadable (the text
 * is redacted before it is serialised), so the next sync keeps the rollout halted; the `result` output stays
 * valid JSON for `fromJSON(...)` in later steps. The same message without a query token is the control case.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { expectSuccess } from '../../test-support/run-action.js'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'

const DAY = 24 * 3600
const SCHEDULE = '1, 5@24h, 20@24h, 50@48h, 100@48h'
let world: World
let shaCounter = 0
/** The `result` output of each halting run, by appid. */
const resultOutputs = new Map<string, string>()

function sha(): string {
  shaCounter += 1
  return `7${shaCounter.toString(16).padStart(6, '0')}`.padEnd(40, 'd')
}

function run(command: string, appid: string, extra: Record<string, string>) {
  return world.run({
    inputs: {
      command,
      'api-base-url': world.emulator.url,
      'token-url': world.emulator.credentials.tokenServiceUrl,
      'token-url-secret': world.emulator.credentials.tokenServiceSecret,
      'github-token': 'ghs_faketoken_for_tests',
      appid,
      ...extra
    },
    eventName: 'schedule',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40)
  })
}

function grayPercentOf(appid: string): number | undefined {
  const state = world.emulator.control.state() as {
    apps: Record<string, { gray?: { gray_percentage?: number; percentage?: number } }>
  }
  const gray = state.apps[appid]?.gray
  return gray?.gray_percentage ?? gray?.percentage
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 4 })
  world.github.addCommit('f'.repeat(40))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('a health-gate halt survives until a person acts', () => {
  it.each([
    ['a plain error message (control)', 'wxa100000000000001', 'ReferenceError: cart is not defined'],
    [
      'an error message ending in a query token',
      'wxa100000000000002',
      'request:fail https://api.example.com/cart?access_token=abc'
    ]
  ])('%s', async (_name, appid, message) => {
    const commit = sha()
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '2.0.0', commit)
    const inputs = {
      'gray-schedule': SCHEDULE,
      'release-on-approval': 'gray',
      'health-max-new-error-groups': '0',
      'health-action': 'halt'
    }
    expectSuccess(await run('sync', appid, inputs))
    expect(grayPercentOf(appid)).toBe(1)

    // A new error group appears in the gray version: the gate halts the rollout at 1 %.
    world.emulator.control.setJsErrors(appid, '2.0.0', [
      { errorMsg: message, errorStack: 'at pages/cart', uv: 3, pv: 7 }
    ])
    world.emulator.control.advance(DAY)
    const halted = await run('sync', appid, inputs)
    expectSuccess(halted)
    expect(grayPercentOf(appid)).toBe(1)
    const check = world.github.state.checkRuns.find(
      (run) => run.head_sha === commit && run.name === 'WeChat gray release'
    )
    expect(check?.conclusion).toBe('failure')
    resultOutputs.set(appid, halted.outputs.result ?? '')

    // The errors are gone a day later; nobody has acted on the halt. The rollout must stay at 1 %.
    world.emulator.control.setJsErrors(appid, '2.0.0', [])
    world.emulator.control.advance(DAY)
    expectSuccess(await run('sync', appid, inputs))
    expect(grayPercentOf(appid)).toBe(1)
  })
})

describe('the result output', () => {
  it('stays a JSON array (action.yml) when a message quotes an error ending in a query token', () => {
    // Set by the halting run above: Health gate failed … New: "request:fail …?access_token=abc" (3 users).
    const text = resultOutputs.get('wxa100000000000002')
    expect(text).toBeTruthy()
    expect(() => JSON.parse(text as string)).not.toThrow()
  })
})
