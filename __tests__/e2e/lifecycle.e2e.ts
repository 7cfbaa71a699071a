import { expectSuccess } from '../../test-support/run-action.js'
/**
 * The review lifecycle through the bundled action, against the WeChat emulator and the fake GitHub:
 * tag submit → sync → approve → sync → release → rollback, and the unhappy paths around it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { copySampleProject, startWorld, type World } from '../../test-support/world.js'

const APP = 'wxa000000000000001'
let world: World
let devKey: string
let commitCounter = 0

function nextSha(): string {
  commitCounter += 1
  return `${commitCounter.toString(16).padStart(7, '0')}`.padEnd(40, 'b')
}

function platform(): Record<string, string> {
  return {
    'api-base-url': world.emulator.url,
    'token-url': world.emulator.credentials.tokenServiceUrl,
    'token-url-secret': world.emulator.credentials.tokenServiceSecret,
    'github-token': 'ghs_faketoken_for_tests'
  }
}

function build(): Record<string, string> {
  return {
    'project-path': 'sample/miniprogram-project',
    'private-key': devKey,
    proxy: world.servicewechat.proxyUrl
  }
}

/** A tag push of `version` on a fresh commit, as GitHub would start the submit workflow. */
async function tagSubmit(
  version: string,
  extra: Record<string, string> = {},
  options: Partial<Parameters<World['run']>[0]> = {}
) {
  const sha = nextSha()
  world.github.addCommit(sha)
  world.github.addTag(`v${version}`, sha)
  const run = await world.run({
    inputs: { command: 'submit', ...platform(), ...build(), ...extra },
    eventName: 'push',
    ref: `refs/tags/v${version}`,
    sha,
    payload: { head_commit: { message: `Release ${version}` } },
    ...options
  })
  return { run, sha }
}

function sync(extra: Record<string, string> = {}, options: Partial<Parameters<World['run']>[0]> = {}) {
  return world.run({
    inputs: { command: 'sync', ...platform(), appid: APP, ...extra },
    eventName: 'schedule',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40),
    ...options
  })
}

function dispatch(
  command: string,
  extra: Record<string, string> = {},
  options: Partial<Parameters<World['run']>[0]> = {}
) {
  return world.run({
    inputs: { command, ...platform(), appid: APP, ...extra },
    eventName: 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: 'e'.repeat(40),
    ...options
  })
}

function reviewChecks(sha: string) {
  return world.github.state.checkRuns.filter((run) => run.head_sha === sha && run.name === 'WeChat review')
}

function appState(appid = APP) {
  return (world.emulator.control.state() as { apps: Record<string, Record<string, unknown>> }).apps[
    appid
  ] as {
    online?: { version: string }
    trial?: { version: string }
    history?: unknown[]
  }
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 2 })
  devKey = world.emulator.credentials.apps.find((app) => app.appid === world.emulator.credentials.devAppid)
    ?.uploadPrivateKeyPem as string
  // A first full release exists, as on any mini program that is live.
  world.emulator.control.setOnline(APP, '1.0.0')
  // The default branch's commits that scheduled and dispatched runs start from.
  world.github.addCommit('f'.repeat(40))
  world.github.addCommit('e'.repeat(40))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('tag submit → sync → approve → release → rollback', () => {
  let sha = ''

  it('submits 1.1.0 and opens the "WeChat review" check run', async () => {
    const submitted = await tagSubmit('1.1.0', {
      'review-items':
        '- address: pages/index/index\n  tag: shop\n  title: Home\n  first_class: 商家自营\n  second_class: 百货\n  first_id: 304\n  second_id: 305',
      'review-notes': 'Adds the order page'
    })
    sha = submitted.sha
    const { run } = submitted
    expect(run.stdout).not.toMatch(/::error::/)
    expectSuccess(run)
    expect(run.leftoverPids).toEqual([])
    expect(run.outputs['review-status']).toBe('under_review')
    expect(Number(run.outputs['audit-id'])).toBeGreaterThan(0)
    expect(world.emulator.control.auditCount(APP)).toBe(1)
    const checks = reviewChecks(sha)
    expect(checks).toHaveLength(1)
    expect(checks[0]?.status).toBe('in_progress')
    expect(checks[0]?.output?.summary ?? '').toContain(run.outputs['audit-id'] as string)
    expect(run.outputs['check-run-url']).toContain('/runs/')
  }, 120_000)

  it('sync while under review writes nothing', async () => {
    world.github.resetLog()
    world.emulator.control.resetRequests()
    const run = await sync()
    expectSuccess(run)
    expect(world.github.writes()).toEqual([])
    expect(run.outputs['review-status']).toBe('under_review')
  })

  it('sync after approval turns the check green and sets the outputs', async () => {
    world.emulator.control.approve(APP)
    const run = await sync()
    expectSuccess(run)
    expect(run.outputs['review-status']).toBe('approved')
    expect(run.outputs.version).toBe('1.1.0')
    const check = reviewChecks(sha)[0]
    expect(check?.status).toBe('completed')
    expect(check?.conclusion).toBe('success')
  })

  it('release refuses another version, then releases 1.1.0 and records a deployment', async () => {
    const wrong = await dispatch('release', { version: '1.0.9' })
    expect(wrong.exitCode).toBe(1)
    expect(wrong.stdout).toMatch(/1\.1\.0/)
    expect(appState().online?.version).toBe('1.0.0')

    const run = await dispatch('release', { version: '1.1.0' })
    expect(run.stdout).not.toMatch(/::error::/)
    expectSuccess(run)
    expect(appState().online?.version).toBe('1.1.0')
    const deployments = world.github.state.deployments.filter(
      (deployment) => deployment.environment === 'wechat'
    )
    expect(deployments.length).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(deployments.at(-1)?.payload)).toContain('1.1.0')
  })

  it('rollback goes back to 1.0.0 and records it', async () => {
    const run = await dispatch('rollback')
    expect(run.stdout).not.toMatch(/::error::/)
    expectSuccess(run)
    expect(appState().online?.version).toBe('1.0.0')
    expect(run.summary).toMatch(/1\.0\.0/)
  })
})

describe('reject → resubmit with feedback → approve', () => {
  it('sends feedback only after the rejection and ends approved', async () => {
    const first = await tagSubmit('1.2.0')
    expectSuccess(first.run)
    // No review-items: one item from the mini program's first category and the uploaded code's first page.
    const submitted = (
      world.emulator.control.requests() as Array<{ path: string; body?: Record<string, unknown> }>
    )
      .filter((request) => request.path === '/wxa/submit_audit')
      .at(-1)
    expect(submitted?.body?.item_list).toEqual([
      {
        first_class: '商家自营',
        second_class: '百货',
        first_id: 304,
        second_id: 305,
        address: 'pages/index/index'
      }
    ])
    expect(first.run.summary).toContain('Review item built from the mini program')
    world.emulator.control.reject(APP, 'Privacy policy missing', ['media-1', 'media-2'])
    const rejected = await sync()
    expect(rejected.outputs['review-status']).toBe('rejected')
    const check = reviewChecks(first.sha)[0]
    expect(check?.conclusion).toBe('failure')
    expect(check?.output?.summary + (check?.output?.text ?? '')).toContain('Privacy policy missing')
    expect(check?.output?.summary + (check?.output?.text ?? '')).toContain('media-2')

    const second = await world.run({
      inputs: { command: 'submit', ...platform(), ...build(), feedback: 'Added the privacy policy page' },
      eventName: 'workflow_dispatch',
      ref: 'refs/tags/v1.2.0',
      sha: first.sha
    })
    expect(second.stdout).not.toMatch(/::error::/)
    expectSuccess(second)
    const requests = world.emulator.control.requests() as Array<{
      path: string
      body?: Record<string, unknown>
    }>
    const resubmit = requests.filter((request) => request.path === '/wxa/submit_audit').at(-1)
    expect(resubmit?.body?.feedback_info).toBe('Added the privacy policy page')
    world.emulator.control.approve(APP)
    const approved = await sync()
    expect(approved.outputs['review-status']).toBe('approved')
    // The rejected run stays completed; the resubmission got a new run (a completed run is never reopened).
    expect(reviewChecks(first.sha).map((check) => check.conclusion)).toEqual(['failure', 'success'])
  }, 180_000)
})

describe('withdraw, quota, crash and dry-run', () => {
  it('withdraws a review and warns about the limits', async () => {
    const submitted = await tagSubmit('1.3.0')
    expectSuccess(submitted.run)
    const run = await dispatch('withdraw', { version: '1.3.0' })
    expectSuccess(run)
    expect(run.summary + run.stdout).toMatch(/5 a day|10 a month/)
    const after = await sync()
    expect(after.outputs['review-status']).toBe('withdrawn')
  }, 120_000)

  it('refuses to submit when the monthly quota is used up, before uploading', async () => {
    world.emulator.control.setQuota({ rest: 0 })
    const uploadsBefore = world.servicewechat.requests().length
    const { run } = await tagSubmit('1.4.0')
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/quota/i)
    expect(world.servicewechat.requests().length).toBe(uploadsBefore)
    world.emulator.control.setQuota({ rest: 20 })
  }, 120_000)

  it('a crash right after submit_audit, then a rerun: exactly one audit', async () => {
    const auditsBefore = world.emulator.control.auditCount(APP)
    const crashed = await tagSubmit(
      '1.5.0',
      {},
      {
        debug: true,
        killWhen: { pattern: /submit_audit[^\n]*errcode[= ]0/, signal: 'SIGKILL' }
      }
    )
    expect(crashed.run.signal).toBe('SIGKILL')
    expect(world.emulator.control.auditCount(APP)).toBe(auditsBefore + 1)
    const rerun = await world.run({
      inputs: { command: 'submit', ...platform(), ...build() },
      eventName: 'push',
      ref: 'refs/tags/v1.5.0',
      sha: crashed.sha
    })
    expect(rerun.stdout).not.toMatch(/::error::/)
    expectSuccess(rerun)
    expect(world.emulator.control.auditCount(APP)).toBe(auditsBefore + 1)
    expect(reviewChecks(crashed.sha)).toHaveLength(1)
  }, 180_000)

  it('dry-run prints the writes and makes none', async () => {
    world.emulator.control.approve(APP)
    world.github.resetLog()
    world.emulator.control.resetRequests()
    const run = await dispatch('release', { version: '1.5.0', 'dry-run': 'true' })
    expectSuccess(run)
    expect(run.stdout).toContain('[dry-run]')
    expect(run.stdout).toContain('/wxa/release')
    expect(world.github.writes()).toEqual([])
    const wechatWrites = (world.emulator.control.requests() as Array<{ path: string }>).filter(
      (request) =>
        !/get_latest_auditstatus|getgrayreleaseplan|getversioninfo|queryquota|revertcoderelease|token/.test(
          request.path
        )
    )
    expect(wechatWrites).toEqual([])
  })
})

describe('template route with three targets, one failing', () => {
  it('commits and submits to every target, reports each, and fails the run for the one', async () => {
    const targets = ['wxa000000000000002', 'wxa000000000000003', 'wxa000000000000001']
    const credentials = world.emulator.credentials
    world.emulator.control.injectFault({
      path: '/wxa/commit',
      appid: 'wxa000000000000003',
      errcode: 85013,
      times: 1
    })
    // WeChat checks committed code for about a minute (61039 until then); let emulated time pass meanwhile.
    const clock = setInterval(() => world.emulator.control.advance(30), 1000)
    const sha = nextSha()
    world.github.addCommit(sha)
    world.github.addTag('v2.0.0', sha)
    // A template-route project: ext.json without directCommit, so the upload lands in the draft box.
    const project = mkdtempSync(path.join(os.tmpdir(), 'template-project-'))
    copySampleProject(project)
    writeFileSync(
      path.join(project, 'miniprogram/ext.json'),
      JSON.stringify({ extEnable: true, ext: { theme: 'green' } })
    )
    const run = await world
      .run({
        inputs: {
          command: 'submit',
          'api-base-url': world.emulator.url,
          // The platform server's token service hands out the component token for the template library.
          'token-url': credentials.tokenServiceUrl,
          'token-url-secret': credentials.tokenServiceSecret,
          'github-token': 'ghs_faketoken_for_tests',
          route: 'template',
          targets: targets.join('\n'),
          'ext-json': '{"ext": {"theme": "green"}}',
          ...build(),
          'project-path': project,
          'allow-paths-outside-workspace': 'true'
        },
        eventName: 'push',
        ref: 'refs/tags/v2.0.0',
        sha
      })
      .finally(() => clearInterval(clock))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*wxa000000000000003/)
    const results = JSON.parse(run.outputs.result ?? '[]') as Array<{ appid: string; result: string }>
    expect(results.map((result) => [result.appid, result.result])).toEqual([
      ['wxa000000000000002', 'submitted'],
      ['wxa000000000000003', 'failed'],
      ['wxa000000000000001', 'submitted']
    ])
    const state = world.emulator.control.state() as unknown as { templates: Array<{ user_version: string }> }
    expect(state.templates.filter((template) => template.user_version === '2.0.0')).toHaveLength(1)
    for (const appid of ['wxa000000000000002', 'wxa000000000000001']) {
      const checks = world.github.state.checkRuns.filter((check) => check.name === `WeChat review (${appid})`)
      expect(checks).toHaveLength(1)
      expect(checks[0]?.status).toBe('in_progress')
    }
  }, 240_000)
})

describe('what the run reports is what happened', () => {
  it('a refused release reports the version still online, not the one asked for', async () => {
    const refused = await dispatch('release', { version: '9.9.9' })
    expect(refused.exitCode).toBe(1)
    const online = appState().online?.version
    expect(online).toBeDefined()
    expect(refused.outputs['online-version']).toBe(online)
    expect(JSON.parse(refused.outputs.result ?? '[]')[0]).toMatchObject({ result: 'refused' })
  })

  it('a release WeChat refuses reports the version still online, and no new check state', async () => {
    const appid = 'wxa100000000000001'
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '2.5.0', nextSha())
    // A refusal, not a busy answer (busy ones are asked again).
    world.emulator.control.injectFault({ path: '/wxa/release', appid, errcode: 85020, times: 1 })
    const failed = await dispatch('release', { appid, version: '2.5.0' })
    expect(failed.exitCode).toBe(1)
    expect(appState(appid).online?.version).toBe('1.0.0')
    expect(failed.outputs['online-version']).toBe('1.0.0')
    expect(JSON.parse(failed.outputs.result ?? '[]')[0]).toMatchObject({ result: 'failed' })
    expect(failed.summary).toContain('❌ failed: WeChat POST /wxa/release')
    expect(world.github.state.checkRuns.filter((check) => check.external_id.includes(appid))).toEqual([])
  })

  it('a submit WeChat refuses is not "under review" and spends no quota', async () => {
    // The review left running by the template-route test ends, so a new version may be submitted.
    world.emulator.control.approve(APP)
    const quotaBefore = world.emulator.control.state().quota
    world.emulator.control.injectFault({ path: '/wxa/submit_audit', appid: APP, errcode: 85086, times: 1 })
    const { run } = await tagSubmit('1.8.0')
    expect(run.exitCode).toBe(1)
    expect(run.outputs['review-status']).not.toBe('under_review')
    expect(JSON.parse(run.outputs.result ?? '[]')[0]).toMatchObject({ result: 'failed' })
    expect(run.summary).not.toContain('left this month after this submission')
    expect(world.emulator.control.state().quota).toEqual(quotaBefore)
  }, 120_000)
})

describe('a commit subject with bracketed hex', () => {
  it("does not redirect the review check: the version is found by the action's own marker", async () => {
    // A commit whose short SHA a hostile subject names.
    const decoy = 'abcdef0'.padEnd(40, '1')
    world.github.addCommit(decoy)
    const sha = nextSha()
    world.github.addCommit(sha)
    // No tag: the description's marker is the only way back to the commit.
    const submitted = await world.run({
      inputs: { command: 'submit', ...platform(), ...build(), version: '1.9.0' },
      eventName: 'workflow_dispatch',
      ref: 'refs/heads/main',
      sha,
      payload: { head_commit: { message: 'Fix [abcdef0] crash on [wxrelease:1111111] start' } }
    })
    expectSuccess(submitted)
    expect(reviewChecks(sha)).toHaveLength(1)
    world.emulator.control.approve(APP)
    const synced = await sync()
    expectSuccess(synced)
    expect(reviewChecks(sha)[0]?.conclusion).toBe('success')
    expect(world.github.state.checkRuns.filter((run) => run.head_sha === decoy)).toEqual([])
  }, 120_000)
})

describe('"released in" comments on the pull requests of a tag on the default branch', () => {
  it('comments once on each merged pull request and follows the version to its release', async () => {
    const appid = 'wxa100000000000002'
    const sha = (prefix: string) => prefix.padEnd(40, '7')
    const [base, first, second, head] = [sha('ba5e000'), sha('f1e5700'), sha('5ec0000'), sha('4ead000')]
    world.github.addCommit(base)
    world.github.addTag('v1.0.0', base)
    world.github.addCommit(first, 'Add the cart (#11)', { parents: [base] })
    world.github.addCommit(second, 'Pay with WeChat Pay (#12)', { parents: [first] })
    world.github.addCommit(head, 'Release 1.6.0', { parents: [second] })
    // The tag is on the default branch: its head has moved on past the tagged commit.
    const later = sha('1a7e000')
    world.github.addCommit(later, 'Docs', { parents: [head] })
    world.github.state.refs.set('refs/heads/main', later)
    /** A pull request merged (squashed) as the given commit, as GitHub records one merged elsewhere. */
    const addMerged = (number: number, commit: string, base = 'main') => {
      const pull = world.github.addPullRequest({
        number,
        headSha: sha(`a${number}`),
        base,
        commits: [commit]
      })
      pull.state = 'closed'
      pull.merged_at = '2026-01-01T00:00:00Z'
    }
    addMerged(11, first)
    addMerged(12, second)
    // Merged elsewhere, and still open: neither is released by this version.
    addMerged(14, second, 'release/0.x')
    world.github.addPullRequest({ number: 13, headSha: head, state: 'open' })
    world.emulator.control.setOnline(appid, '1.0.0')
    await seedApprovedVersion(world, appid, '1.6.0', head, { approve: false })

    const commented = () =>
      world.github.state.comments.filter((comment) => comment.body.includes(`release:${appid}`))
    const syncApp = () => sync({ appid })
    expectSuccess(await syncApp())
    expect(
      commented()
        .map((comment) => comment.issue_number)
        .sort()
    ).toEqual([11, 12])
    expect(commented()[0]?.body).toContain('Submitted for WeChat review')

    world.emulator.control.approve(appid)
    expectSuccess(await syncApp())
    expectSuccess(await dispatch('release', { appid, version: '1.6.0' }))
    expect(commented()).toHaveLength(2)
    for (const comment of commented()) expect(comment.body).toContain('Released to everyone')

    // Nothing changed: no write at all, to the pull requests or elsewhere.
    world.github.resetLog()
    expectSuccess(await syncApp())
    expect(world.github.writes()).toEqual([])
  })
})
