/**
 * The GitHub side through the bundled action, against a fake GitHub that follows GitHub's documents: runs of
 * other Apps are left alone (GitHub refuses to let another App modify them), an App token's runs are the
 * action's own when github-app-slug names the App, and check-run output fits GitHub's limit in UTF-8 bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { checkExternalId } from '../../src/report/checks.js'
import { GITHUB_ACTIONS_APP, type FakeAppInfo } from '../../test-support/fake-github.js'
import { expectSuccess } from '../../test-support/run-action.js'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'

const GITHUB_TOKEN = 'ghs_faketoken_for_tests'
const APP_TOKEN = 'ghs_release_app_installation'
const RELEASE_APP = { slug: 'wechat-release-bot', id: 90210, name: 'WeChat Release Bot' }
let world: World
let shaCounter = 0

function nextSha(): string {
  shaCounter += 1
  return `d${shaCounter.toString(16).padStart(6, '0')}`.padEnd(40, 'e')
}

function sync(appid: string, extra: Record<string, string> = {}) {
  return world.run({
    inputs: {
      command: 'sync',
      'api-base-url': world.emulator.url,
      'token-url': world.emulator.credentials.tokenServiceUrl,
      'token-url-secret': world.emulator.credentials.tokenServiceSecret,
      'github-token': GITHUB_TOKEN,
      appid,
      ...extra
    },
    eventName: 'schedule',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40)
  })
}

function reviewRuns(sha: string) {
  return world.github.state.checkRuns.filter((run) => run.head_sha === sha && run.name === 'WeChat review')
}

/** A version under review whose commit already has an open "WeChat review" run of `app` for it. */
async function underReviewWithRunOf(app: FakeAppInfo, appid: string, version: string) {
  const sha = nextSha()
  await seedApprovedVersion(world, appid, version, sha, { approve: false })
  const run = world.github.addCheckRunOfApp(app, {
    head_sha: sha,
    name: 'WeChat review',
    external_id: checkExternalId('review', appid, version),
    status: 'in_progress',
    conclusion: null,
    output: { title: 'Planted', summary: 'Not the action’s', text: null }
  })
  return { sha, run }
}

beforeAll(async () => {
  world = await startWorld({}, { appTokens: { [APP_TOKEN]: RELEASE_APP } })
  world.github.addCommit('f'.repeat(40))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('check runs of other Apps', () => {
  it('leaves a run of another App with the same name and external_id alone and makes its own', async () => {
    const appid = 'wxa000000000000001'
    const { sha, run: planted } = await underReviewWithRunOf(RELEASE_APP, appid, '3.0.0')
    world.emulator.control.approve(appid)
    world.github.resetLog()
    const run = await sync(appid)
    expect(run.stdout).not.toMatch(/::error::/)
    expectSuccess(run)
    expect(run.outputs['review-status']).toBe('approved')
    expect(world.github.writes().some((request) => request.path.endsWith(`/check-runs/${planted.id}`))).toBe(
      false
    )
    const runs = reviewRuns(sha)
    expect(runs.find((candidate) => candidate.id === planted.id)).toMatchObject({
      status: 'in_progress',
      output: { title: 'Planted' }
    })
    expect(runs.filter((candidate) => candidate.app.id === GITHUB_ACTIONS_APP.id)).toEqual([
      expect.objectContaining({ status: 'completed', conclusion: 'success' })
    ])
  })

  it('with an App token and github-app-slug, keeps updating that App’s run and leaves GITHUB_TOKEN’s alone', async () => {
    const appid = 'wxa000000000000002'
    const { sha, run: actionsRun } = await underReviewWithRunOf(GITHUB_ACTIONS_APP, appid, '3.1.0')
    const inputs = { 'github-token': APP_TOKEN, 'github-app-slug': RELEASE_APP.slug }
    expectSuccess(await sync(appid, inputs))
    world.emulator.control.approve(appid)
    const approved = await sync(appid, inputs)
    expectSuccess(approved)
    expect(approved.stdout).not.toContain('github-app-slug')
    const own = reviewRuns(sha).filter((candidate) => candidate.app.id === RELEASE_APP.id)
    expect(own).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success' })])
    expect(world.github.state.checkRuns.find((candidate) => candidate.id === actionsRun.id)?.status).toBe(
      'in_progress'
    )
  })
})

describe('output limits', () => {
  it('fits a rejection reason of 25,000 CJK characters into the check run in UTF-8 bytes', async () => {
    const appid = 'wxa000000000000003'
    const sha = nextSha()
    await seedApprovedVersion(world, appid, '3.2.0', sha, { approve: false })
    // 75,000 UTF-8 bytes, within GitHub's 65,535 if counted in characters.
    world.emulator.control.reject(appid, '页面内容不符合规范'.repeat(2778).slice(0, 25000))
    const run = await sync(appid)
    expect(run.stdout).not.toMatch(/::error::/)
    expectSuccess(run)
    const [check] = reviewRuns(sha)
    expect(check?.conclusion).toBe('failure')
    expect(Buffer.byteLength(check?.output.summary ?? '')).toBeLessThanOrEqual(65535)
    expect(Buffer.byteLength(check?.output.text ?? '')).toBeLessThanOrEqual(65535)
    expect(`${check?.output.summary}${check?.output.text}`).toContain('页面内容不符合规范')
  })
})
