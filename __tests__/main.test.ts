/**
 * The action's entry, run() of src/main.ts, in this process: inputs and the GitHub context come from the
 * environment the runner gives a step, WeChat is the emulator and GitHub the fake, both on loopback. These
 * drive the commands that never compile (sync, release, gray, revert-gray, rollback, withdraw, speedup)
 * through the same entry as dist/index.js; the e2e tests run the bundle, these run the sources.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { clearSecrets } from '../src/redact.js'
import { seedApprovedVersion } from '../test-support/seed-version.js'
import { GITHUB_TOKEN, startWorld, type World } from '../test-support/world.js'
import { tickBox } from '../test-support/dashboard-tick.js'

const DEFAULT_BRANCH_HEAD = 'f'.repeat(40)
let world: World
let shaCounter = 0

function nextSha(): string {
  shaCounter += 1
  return `5${shaCounter.toString(16).padStart(6, '0')}`.padEnd(40, 'a')
}

function dispatch(command: string, appid: string, extra: Record<string, string> = {}) {
  return world.runInProcess({
    inputs: { command, ...world.credentials.tokenUrl(appid), ...extra },
    eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: DEFAULT_BRANCH_HEAD
  })
}

interface AppState {
  online?: { version: string }
  gray?: { status: number; gray_percentage?: number; percentage?: number }
  testers?: unknown[]
}

function app(appid: string): AppState {
  return (world.emulator.control.state() as unknown as { apps: Record<string, AppState> }).apps[
    appid
  ] as AppState
}

function grayPercentOf(appid: string): number | undefined {
  const gray = app(appid).gray
  return gray?.gray_percentage ?? gray?.percentage
}

function wechatPaths(): string[] {
  return world.emulator.control.requests().map((request) => request.path)
}

/** 1.0.0 online and `version` submitted (approved unless told otherwise), tagged on a fresh commit. */
async function prepare(appid: string, version: string, options: { approve?: boolean } = {}): Promise<string> {
  const commit = nextSha()
  world.emulator.control.setOnline(appid, '1.0.0')
  await seedApprovedVersion(world, appid, version, commit, options)
  return commit
}

const extra = (n: number): string => `wxa1${String(n).padStart(14, '0')}`

beforeAll(async () => {
  world = await startWorld({ extraApps: 8 })
  world.github.addCommit(DEFAULT_BRANCH_HEAD)
})

afterEach(() => {
  clearSecrets()
})

afterAll(async () => {
  await world?.close()
})

describe('inputs', () => {
  it('fails the step on a bad input before any request, naming the input and the rule', async () => {
    world.emulator.control.resetRequests()
    world.github.resetLog()
    const run = await dispatch('deploy', extra(1))
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toMatch(/"command"/)
    expect(wechatPaths()).toEqual([])
    expect(world.github.requests()).toEqual([])
  })

  it('masks the secret inputs before anything is logged', async () => {
    const run = await dispatch('sync', extra(1))
    const secret = world.emulator.credentials.tokenServiceSecret
    expect(run.stdout).toContain(`::add-mask::${secret}`)
    expect(run.stdout.split(`::add-mask::${secret}`).join('')).not.toContain(secret)
  })
})

describe('the review lifecycle', () => {
  const APP = extra(2)
  let commit = ''

  it('sync reports a review in progress and writes nothing to WeChat', async () => {
    commit = await prepare(APP, '2.0.0', { approve: false })
    world.emulator.control.resetRequests()
    const run = await dispatch('sync', APP)
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs['review-status']).toBe('under_review')
    expect(run.outputs.version).toBe('2.0.0')
    const writes = ['/wxa/submit_audit', '/wxa/release', '/wxa/grayrelease']
    expect(wechatPaths().filter((path) => writes.includes(path))).toEqual([])
    expect(run.summary).toContain('2.0.0')
  })

  it('sync after approval reports it on the commit of the version', async () => {
    world.emulator.control.approve(APP)
    const run = await dispatch('sync', APP)
    expect(run.exitCode).toBe(0)
    expect(run.outputs['review-status']).toBe('approved')
    const checks = world.github.state.checkRuns.filter((check) => check.head_sha === commit)
    expect(checks.map((check) => check.conclusion)).toContain('success')
  })

  it('release refuses another version and changes nothing', async () => {
    const run = await dispatch('release', APP, { version: '1.9.9' })
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toMatch(/2\.0\.0/)
    expect(app(APP).online?.version).toBe('1.0.0')
  })

  it('release puts the version online and records a deployment', async () => {
    const run = await dispatch('release', APP, { version: '2.0.0' })
    expect(run.errors).toEqual([])
    expect(app(APP).online?.version).toBe('2.0.0')
    expect(run.outputs['online-version']).toBe('2.0.0')
    const deployment = world.github.state.deployments.filter(
      (candidate) => candidate.environment === 'wechat'
    )
    expect(JSON.stringify(deployment.at(-1)?.payload)).toContain('2.0.0')
  })

  it('rollback goes back to 1.0.0', async () => {
    const run = await dispatch('rollback', APP)
    expect(run.errors).toEqual([])
    expect(app(APP).online?.version).toBe('1.0.0')
    expect(run.summary).toMatch(/1\.0\.0/)
  })
})

describe('withdraw and speedup', () => {
  it('speeds up a review in progress, then withdraws it', async () => {
    const APP = extra(3)
    await prepare(APP, '3.0.0', { approve: false })
    const speedup = await dispatch('speedup', APP, { version: '3.0.0' })
    expect(speedup.errors).toEqual([])
    expect(wechatPaths()).toContain('/wxa/speedupaudit')
    const withdraw = await dispatch('withdraw', APP, { version: '3.0.0' })
    expect(withdraw.errors).toEqual([])
    const after = await dispatch('sync', APP)
    expect(after.outputs['review-status']).toBe('withdrawn')
  })
})

describe('gray release', () => {
  const APP = extra(4)

  it('grays 10 % to an experience member, then reverts', async () => {
    await prepare(APP, '4.0.0')
    const gray = await dispatch('gray', APP, {
      version: '4.0.0',
      'gray-percent': '10',
      'gray-whitelist': 'alice'
    })
    expect(gray.errors).toEqual([])
    expect(grayPercentOf(APP)).toBe(10)
    expect(gray.outputs['gray-percentage']).toBe('10')
    expect(wechatPaths()).toContain('/wxa/bind_tester')

    const revert = await dispatch('revert-gray', APP, { version: '4.0.0' })
    expect(revert.errors).toEqual([])
    expect(app(APP).gray?.status).toBe(4)
  })
})

describe('the release dashboard', () => {
  it("refuses a reader's tick and carries out a maintainer's, whatever command the workflow names", async () => {
    const APP = extra(5)
    await prepare(APP, '5.0.0')
    expect((await dispatch('sync', APP)).errors).toEqual([])
    const issue = world.github.state.issues.find((candidate) => candidate.labels.includes('wechat-release'))
    if (!issue) throw new Error('the sync made no dashboard')
    world.github.setRole('rita', 'read')
    world.github.setRole('alice', 'maintain')
    // Every edit starts a workflow run of its own (answers are keyed by the run and the box).
    let runId = 5000
    const onTick = (login: string) =>
      world.runInProcess({
        env: { GITHUB_RUN_ID: String((runId += 1)) },
        inputs: { command: 'sync', ...world.credentials.tokenUrl(APP) },
        eventName: 'issues',
        ref: 'refs/heads/main',
        sha: DEFAULT_BRANCH_HEAD,
        payload: world.github.editIssueAsUser(issue.number, login, tickBox(issue.body ?? '', 'release'))
      })

    world.emulator.control.resetRequests()
    const refused = await onTick('rita')
    expect(refused.errors).toEqual([])
    expect(wechatPaths()).not.toContain('/wxa/release')
    expect(world.github.state.comments.at(-1)?.body).toMatch(/@rita/)

    // A refused tick leaves the body as it is; the next run renders the box unticked again.
    expect((await dispatch('sync', APP)).errors).toEqual([])
    const done = await onTick('alice')
    expect(done.errors).toEqual([])
    expect(wechatPaths().filter((path) => path === '/wxa/release')).toHaveLength(1)
    expect(app(APP).online?.version).toBe('5.0.0')
    const answers = world.github.state.comments.filter((comment) => comment.issue_number === issue.number)
    expect(answers.some((comment) => /@alice/.test(comment.body))).toBe(true)
    // The transition subscribers must know about, announced on the dashboard as well.
    expect(answers.some((comment) => /5\.0\.0.* is online for everyone/.test(comment.body))).toBe(true)
  })
})

describe('pull requests and dry runs', () => {
  it('dry-run prints the writes it would make and makes none', async () => {
    const APP = extra(7)
    await prepare(APP, '7.0.0')
    world.github.resetLog()
    world.emulator.control.resetRequests()
    const run = await dispatch('release', APP, { version: '7.0.0', 'dry-run': 'true' })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain('[dry-run]')
    expect(run.stdout).toContain('/wxa/release')
    expect(world.github.writes()).toEqual([])
    expect(wechatPaths()).not.toContain('/wxa/release')
    expect(app(APP).online?.version).toBe('1.0.0')
  })
})

describe('credentials and targets', () => {
  it('acts on every target with the platform credentials, reporting each', async () => {
    const targets = [extra(8), 'wxa000000000000002']
    for (const appid of targets) await prepare(appid, '8.0.0', { approve: false })
    const run = await world.runInProcess({
      inputs: { command: 'sync', ...world.credentials.component(targets) },
      eventName: 'schedule'
    })
    expect(run.errors).toEqual([])
    const results = JSON.parse(run.outputs.result ?? '[]') as Array<{ appid: string; reviewStatus?: string }>
    expect(results.map((result) => result.appid)).toEqual(targets)
    expect(
      world.emulator.control
        .requests()
        .some((request) => request.path === '/cgi-bin/component/api_authorizer_token')
    ).toBe(true)
    // The action refreshes authorizer tokens with the component token it was given; it never mints one.
    expect(
      world.emulator.control
        .requests()
        .some((request) => request.path === '/cgi-bin/component/api_component_token')
    ).toBe(false)
  })

  it("reads with the mini program's own appsecret", async () => {
    const standalone = world.emulator.credentials.standaloneApp
    world.emulator.control.resetRequests()
    const run = await world.runInProcess({
      inputs: {
        command: 'sync',
        'api-base-url': world.emulator.url,
        appsecret: standalone.appsecret,
        'github-token': GITHUB_TOKEN,
        appid: standalone.appid
      },
      eventName: 'schedule'
    })
    expect(run.exitCode).toBe(0)
    expect(wechatPaths()).toContain('/cgi-bin/stable_token')
  })

  it('without appid or targets, acts on the extAppid of the project', async () => {
    const run = await world.runInProcess({
      inputs: {
        ...world.credentials.tokenUrl(),
        command: 'sync',
        appid: '',
        'project-path': 'sample/miniprogram-project'
      },
      eventName: 'schedule'
    })
    expect(run.errors).toEqual([])
    expect(JSON.parse(run.outputs.result ?? '[]')).toEqual([
      expect.objectContaining({ appid: 'wxa000000000000001' })
    ])
  })
})
