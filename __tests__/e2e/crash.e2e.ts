/**
 * A run killed with SIGKILL right after its WeChat write, then run again, converges: the write is not
 * repeated, and what the killed run did not get to record on GitHub (check run, deployment) is recorded
 * once. The kill points follow the WeChat client's `::debug::` line for each request (path and errcode),
 * printed once the answer has arrived, so the platform has carried the write out when the process dies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'

const DEFAULT_BRANCH_HEAD = 'f'.repeat(40)
const HOUR = 3600
let world: World
let devKey: string

/** The debug line of a successful answer from one WeChat path. */
function answered(method: 'GET' | 'POST', path: string): RegExp {
  return new RegExp(`^::debug::wechat ${method} ${path.replace(/\//g, '\\/')} errcode=0 `, 'm')
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

function dispatch(
  command: string,
  appid: string,
  extra: Record<string, string>,
  options: Partial<Parameters<World['run']>[0]> = {}
): Promise<ActionRun> {
  return world.run({
    inputs: { command, ...platform(appid), ...extra },
    eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: DEFAULT_BRANCH_HEAD,
    ...options
  })
}

/** Runs the command, killed with SIGKILL once its stdout matches `pattern`; checks it died there. */
async function crashAt(
  pattern: RegExp,
  run: (options: Partial<Parameters<World['run']>[0]>) => Promise<ActionRun>
) {
  const crashed = await run({ debug: true, killWhen: { pattern, signal: 'SIGKILL' } })
  expect(crashed.signal).toBe('SIGKILL')
  expect(crashed.leftoverPids).toEqual([])
  return crashed
}

function expectCleanSuccess(run: ActionRun): void {
  expect(run.stdout).not.toMatch(/::error::/)
  expectSuccess(run)
  expect(run.leftoverPids).toEqual([])
}

/** Every call to the path, answered or refused: a refused repeat is still a second attempt. */
function wechatCalls(path: string, filter: (query: Record<string, string>) => boolean = () => true) {
  return world.emulator.control.requests().filter((request) => request.path === path && filter(request.query))
}

function checkRuns(sha: string, name: string) {
  return world.github.state.checkRuns.filter((check) => check.head_sha === sha && check.name === name)
}

function checkRunCreations(name: string) {
  return world.github
    .writes()
    .filter(
      (request) =>
        request.method === 'POST' &&
        request.path.endsWith('/check-runs') &&
        (request.body as { name?: string } | undefined)?.name === name
    )
}

function deployments(version: string, operation: string, appid: string) {
  return world.github.state.deployments.filter((deployment) => {
    const payload = (
      typeof deployment.payload === 'string' ? JSON.parse(deployment.payload) : deployment.payload
    ) as { version?: string; operation?: string; appid?: string } | null
    return payload?.version === version && payload.operation === operation && payload.appid === appid
  })
}

function appState(appid: string) {
  return (
    world.emulator.control.state() as unknown as {
      apps: Record<
        string,
        {
          online?: { version: string }
          gray?: { status: number; gray_percentage?: number; percentage?: number }
        }
      >
    }
  ).apps[appid]
}

function grayPercentOf(appid: string): number | undefined {
  const gray = appState(appid)?.gray
  return gray?.gray_percentage ?? gray?.percentage
}

function forgetLogs(): void {
  world.github.resetLog()
  world.emulator.control.resetRequests()
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 2 })
  const credentials = world.emulator.credentials
  devKey = credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem as string
  world.github.addCommit(DEFAULT_BRANCH_HEAD)
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('a run killed right after its WeChat write, then rerun', () => {
  it('submit killed after submit_audit: one audit, and the rerun opens one check run', async () => {
    const appid = 'wxa000000000000001'
    const sha = '5ab0170'.padEnd(40, '0')
    world.github.addCommit(sha)
    world.github.addTag('v1.1.0', sha)
    forgetLogs()
    const submit = (options: Partial<Parameters<World['run']>[0]>) =>
      world.run({
        inputs: {
          command: 'submit',
          ...platform(),
          'project-path': 'sample/miniprogram-project',
          'private-key': devKey,
          proxy: world.servicewechat.proxyUrl
        },
        eventName: 'push',
        ref: 'refs/tags/v1.1.0',
        sha,
        payload: { head_commit: { message: 'Release 1.1.0' } },
        ...options
      })

    await crashAt(answered('POST', '/wxa/submit_audit'), submit)
    expect(world.emulator.control.auditCount(appid)).toBe(1)
    expect(checkRuns(sha, 'WeChat review')).toHaveLength(0)

    const rerun = await submit({})
    expectCleanSuccess(rerun)
    expect(rerun.outputs['review-status']).toBe('under_review')
    expect(world.emulator.control.auditCount(appid)).toBe(1)
    expect(wechatCalls('/wxa/submit_audit')).toHaveLength(1)
    expect(checkRuns(sha, 'WeChat review')).toHaveLength(1)
    expect(checkRunCreations('WeChat review')).toHaveLength(1)
  }, 120_000)

  it('gray killed after grayrelease, before the check run: the rerun does not move the percentage again', async () => {
    const appid = 'wxa000000000000002'
    const sha = '96a7000'.padEnd(40, '0')
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '2.0.0', sha)
    forgetLogs()
    const gray = (options: Partial<Parameters<World['run']>[0]>) =>
      dispatch('gray', appid, { version: '2.0.0', 'gray-percent': '10' }, options)

    await crashAt(answered('POST', '/wxa/grayrelease'), gray)
    expect(grayPercentOf(appid)).toBe(10)
    expect(checkRuns(sha, 'WeChat gray release')).toHaveLength(0)

    const rerun = await gray({})
    expect(grayPercentOf(appid)).toBe(10)
    expect(appState(appid)?.gray?.status).toBe(1)
    expect(wechatCalls('/wxa/grayrelease')).toHaveLength(1)
    // Asking again for the percentage the plan already has is the same request, not a lower one.
    expectCleanSuccess(rerun)
    expect(checkRuns(sha, 'WeChat gray release')).toHaveLength(1)
    expect(checkRunCreations('WeChat gray release')).toHaveLength(1)
    expect(deployments('2.0.0', 'gray', appid)).toHaveLength(1)
  })

  it('release killed after /wxa/release: no second release, the deployment recorded once', async () => {
    const appid = 'wxa000000000000003'
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '2.0.0', 'e1ea5e0'.padEnd(40, '0'))
    forgetLogs()
    const release = (options: Partial<Parameters<World['run']>[0]>) =>
      dispatch('release', appid, { version: '2.0.0' }, options)

    await crashAt(answered('POST', '/wxa/release'), release)
    expect(appState(appid)?.online?.version).toBe('2.0.0')

    const rerun = await release({})
    expectCleanSuccess(rerun)
    expect(appState(appid)?.online?.version).toBe('2.0.0')
    expect(wechatCalls('/wxa/release')).toHaveLength(1)
    expect(deployments('2.0.0', 'release', appid)).toHaveLength(1)
  })

  it('rollback killed after revertcoderelease: the rerun does not roll back a second time', async () => {
    const appid = 'wxa100000000000001'
    // Two rollback targets, so a second rollback would be possible (1.2.0 → 1.1.0 → 1.0.0).
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      world.emulator.control.setOnline(appid, version)
      world.emulator.control.advance(HOUR)
    }
    forgetLogs()
    const rollback = (options: Partial<Parameters<World['run']>[0]>) =>
      dispatch('rollback', appid, {}, options)
    // revertcoderelease also lists the rollback targets (action=get_history_version); the plan line comes
    // right before the rollback call itself.
    const afterRollbackCall =
      /^[^\n]*WeChat GET \/wxa\/revertcoderelease \(roll back[^\n]*\n(?:[^\n]*\n)*?::debug::wechat GET \/wxa\/revertcoderelease errcode=0 /m

    await crashAt(afterRollbackCall, rollback)
    expect(appState(appid)?.online?.version).toBe('1.1.0')

    const rerun = await rollback({})
    expect(appState(appid)?.online?.version).toBe('1.1.0')
    expect(
      wechatCalls('/wxa/revertcoderelease', (query) => query.action !== 'get_history_version')
    ).toHaveLength(1)
    expectCleanSuccess(rerun)
    expect(deployments('1.1.0', 'rollback', appid)).toHaveLength(1)
    expect(deployments('1.0.0', 'rollback', appid)).toHaveLength(0)
  })

  it('sync with release-on-approval gray killed after the first grayrelease: the schedule starts once', async () => {
    const appid = 'wxa100000000000002'
    const sha = '5c4ed00'.padEnd(40, '0')
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '2.0.0', sha)
    forgetLogs()
    const sync = (options: Partial<Parameters<World['run']>[0]>) =>
      dispatch(
        'sync',
        appid,
        { 'release-on-approval': 'gray', 'gray-schedule': '1, 5@24h, 100@48h' },
        options
      )

    await crashAt(answered('POST', '/wxa/grayrelease'), sync)
    expect(grayPercentOf(appid)).toBe(1)

    const rerun = await sync({})
    expectCleanSuccess(rerun)
    expect(rerun.outputs['gray-percentage']).toBe('1')
    expect(grayPercentOf(appid)).toBe(1)
    expect(wechatCalls('/wxa/grayrelease')).toHaveLength(1)
    expect(checkRuns(sha, 'WeChat gray release')).toHaveLength(1)
    expect(checkRunCreations('WeChat gray release')).toHaveLength(1)
    expect(deployments('2.0.0', 'gray', appid)).toHaveLength(1)

    // The next scheduled sync at the same moment has nothing left to do.
    forgetLogs()
    const settled = await sync({})
    expectCleanSuccess(settled)
    expect(wechatCalls('/wxa/grayrelease')).toHaveLength(0)
    expect(world.github.writes()).toEqual([])
  })
})
