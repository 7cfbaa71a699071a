/**
 * The release dashboard through the bundled action, against the WeChat emulator and the fake GitHub: a sync
 * creates the issue and an unchanged sync writes nothing to it; ticks by a maintainer (`issues: edited`,
 * payloads checked against GitHub's webhook schema) start, advance, revert and release the gray; and each
 * refused tick (a reader, a stale box, an appid the workflow does not configure, an issue someone else
 * opened) changes nothing in WeChat and is answered with a comment that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { validateWebhookPayload } from '../../test-support/github-webhooks.js'
import { emulatorClient, seedApprovedVersion } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'
import { tickBox } from '../../test-support/dashboard-tick.js'

const APP = 'wxa000000000000001'
/** A second mini program, for the tick on an appid the workflow does not configure. */
const OTHER = 'wxa000000000000002'
const SCHEDULE = '1, 5@24h, 20@24h, 50@48h, 100@48h'
const MAIN = 'f'.repeat(40)
const LABEL = 'wechat-release'
const BOT = 'github-actions[bot]'
let world: World

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'sync',
    'api-base-url': world.emulator.url,
    'token-url': world.emulator.credentials.tokenServiceUrl,
    'token-url-secret': world.emulator.credentials.tokenServiceSecret,
    'github-token': 'ghs_faketoken_for_tests',
    appid: APP,
    'gray-schedule': SCHEDULE,
    ...extra
  }
}

function sync(extra: Record<string, string> = {}): Promise<ActionRun> {
  return world.run({ inputs: inputs(extra), eventName: 'schedule', ref: 'refs/heads/main', sha: MAIN })
}

/** The dashboard workflow of docs/workflows.md, started by an edit of an issue. */
function onEdit(payload: Record<string, unknown>, extra: Record<string, string> = {}): Promise<ActionRun> {
  validateWebhookPayload('issues', 'edited', payload)
  return world.run({
    inputs: inputs(extra),
    eventName: 'issues',
    ref: 'refs/heads/main',
    sha: MAIN,
    payload
  })
}

function dashboards() {
  return world.github.state.issues.filter(
    (issue) => issue.labels.includes(LABEL) && issue.user.login === BOT && !issue.pull_request
  )
}

function dashboard() {
  const found = dashboards()
  expect(found).toHaveLength(1)
  return found[0]!
}

/** A person with `login` ticks the box in issue `number`; returns the `issues.edited` payload GitHub sends. */
function tick(login: string, control: string, percent?: number, number = dashboard().number) {
  const issue = world.github.state.issues.find((candidate) => candidate.number === number)!
  return world.github.editIssueAsUser(number, login, tickBox(issue.body ?? '', control, percent))
}

/** Writes to issues, labels and comments: the dashboard's. */
function dashboardWrites(): string[] {
  return world.github
    .writes()
    .map((write) => `${write.method} ${write.path}`)
    .filter((write) => /\/(issues|labels)(\/|$)/.test(write))
}

/** The box lines of a body. */
function boxes(body: string | null): string {
  return (body ?? '')
    .split('\n')
    .filter((line) => line.startsWith('- ['))
    .join('\n')
}

function commentsOn(number: number) {
  return world.github.state.comments.filter((comment) => comment.issue_number === number)
}

function lastComment(number: number): string {
  return commentsOn(number).at(-1)?.body ?? ''
}

/** WeChat calls that change something (reads, tokens and the rollback list are left out). */
function wechatWrites(): string[] {
  return world.emulator.control
    .requests()
    .filter((request) =>
      /\/wxa\/(grayrelease|release|revertgrayrelease|undocodeaudit|speedupaudit|submit_audit)$/.test(
        request.path
      )
    )
    .map((request) => request.path)
}

function gray(appid = APP) {
  return world.emulator.control.state().apps[appid]?.gray
}

function forgetLogs(): void {
  world.github.resetLog()
  world.emulator.control.resetRequests()
}

beforeAll(async () => {
  world = await startWorld({ extraApps: 2 })
  world.github.addCommit(MAIN)
  world.emulator.control.setOnline(APP, '1.0.0')
  await seedApprovedVersion(world, APP, '2.0.0', '2'.repeat(40))
  world.github.setRole('alice', 'maintain')
  world.github.setRole('rita', 'read')
  world.github.setRole('wendy', 'write')
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('the dashboard issue', () => {
  it('is created by the first sync, with the boxes that apply, and an unchanged sync writes nothing', async () => {
    const first = await sync()
    expectSuccess(first)
    const issue = dashboard()
    expect(issue.title).toBe('WeChat release dashboard')
    expect(issue.body?.split('\n')[0]).toBe('<!-- wechat-miniprogram-release:dashboard -->')
    for (const percent of [1, 5, 20, 50]) expect(issue.body).toContain(`to ${percent} % of users`)
    expect(issue.body).toContain('Release **2.0.0** to everyone')
    expect(issue.body).not.toContain('- [x]')

    forgetLogs()
    const again = await sync()
    expectSuccess(again)
    // Not a label, not an issue, not a comment: nothing at all is written when nothing changed.
    expect(world.github.writes()).toEqual([])
    expect(again.summary).toContain('unchanged, not written')
  })
})

describe('ticks by a maintainer', () => {
  it('start the gray release at the first step, answer the maintainer, untick the box and log it', async () => {
    forgetLogs()
    const run = await onEdit(tick('alice', 'gray-to', 1))
    expectSuccess(run)
    expect(gray()?.status).toBe(1)
    expect(gray()?.percentage).toBe(1)
    const issue = dashboard()
    expect(boxes(issue.body)).not.toContain('[x]')
    expect(boxes(issue.body)).not.toContain('to 1 % of users')
    expect(boxes(issue.body)).toContain('Revert the gray release of **2.0.0**')
    expect(issue.body).toMatch(/\| alice \| Gray-release \*\*2\.0\.0\*\* to 1 % of users .*✅ done/)
    const answer = lastComment(issue.number)
    expect(answer).toMatch(/^@alice ✅ Done: Gray-release \*\*2\.0\.0\*\* to 1 % of users/)
    expect(run.outputs['gray-percentage']).toBe('1')

    // The next scheduled sync finds the dashboard as the tick left it.
    forgetLogs()
    expectSuccess(await sync())
    expect(dashboardWrites()).toEqual([])
  })

  it('advance the gray to the next step before its dwell is over', async () => {
    forgetLogs()
    expectSuccess(await onEdit(tick('alice', 'gray-to', 5)))
    expect(gray()?.percentage).toBe(5)
    expect(wechatWrites()).toEqual(['/wxa/grayrelease'])
    expect(lastComment(dashboard().number)).toMatch(/^@alice ✅ Done: Gray-release \*\*2\.0\.0\*\* to 5 %/)
  })

  it('revert the gray release', async () => {
    forgetLogs()
    expectSuccess(await onEdit(tick('alice', 'revert-gray')))
    expect(gray()?.status).toBe(4)
    expect(wechatWrites()).toEqual(['/wxa/revertgrayrelease'])
    expect(lastComment(dashboard().number)).toMatch(/^@alice ✅ Done: Revert the gray release/)
  })

  it('release to everyone, announced once as a notification', async () => {
    forgetLogs()
    expectSuccess(await onEdit(tick('alice', 'release')))
    expect(world.emulator.control.state().apps[APP]?.online?.version).toBe('2.0.0')
    const number = dashboard().number
    const notices = commentsOn(number).filter((comment) => comment.body.includes(':notice '))
    expect(notices.map((comment) => comment.body.split('\n')[0])).toEqual([
      '🚀 **2.0.0** of `wxa000000000000001` is online for everyone (was **1.0.0**).'
    ])
    expect(lastComment(number)).toMatch(/^@alice ✅ Done: Release \*\*2\.0\.0\*\* to everyone/)
    // A rollback box is offered now that WeChat lists 1.0.0 to go back to.
    expect(dashboard().body).toContain('Roll back from **2.0.0** to **1.0.0**')

    forgetLogs()
    expectSuccess(await sync())
    expect(world.github.writes()).toEqual([])
  })
})

describe('refused ticks change nothing in WeChat and are answered', () => {
  it('a reader: refused before WeChat is called', async () => {
    forgetLogs()
    const run = await onEdit(tick('rita', 'rollback'))
    expectSuccess(run)
    expect(world.emulator.control.requests()).toEqual([])
    expect(lastComment(dashboard().number)).toContain(
      '@rita 🚫 Not done: Roll back from **2.0.0** to **1.0.0**'
    )
    expect(lastComment(dashboard().number)).toContain(
      'the dashboard&#39;s controls need the maintain permission on this repository or higher (input control-permission); rita has read permission.'
    )
    expect(world.emulator.control.state().apps[APP]?.online?.version).toBe('2.0.0')
  })

  it('a box rendered from a WeChat state that has changed since (stale fingerprint)', async () => {
    // 2.1.0 is approved and the dashboard offers to release it; then someone starts its gray release in the
    // WeChat console, so the box was rendered from a state WeChat is no longer in.
    await seedApprovedVersion(world, APP, '2.1.0', '3'.repeat(40))
    expectSuccess(await sync())
    const client = emulatorClient(world)
    try {
      await client.grayRelease(APP, {
        gray_percentage: 10,
        support_debuger_first: false,
        support_experiencer_first: false
      })
    } finally {
      await client.close()
    }
    forgetLogs()
    const run = await onEdit(tick('alice', 'release'))
    expectSuccess(run)
    expect(wechatWrites()).toEqual([])
    expect(world.emulator.control.state().apps[APP]?.online?.version).toBe('2.0.0')
    expect(lastComment(dashboard().number)).toContain('@alice 🚫 Not done: Release **2.1.0** to everyone')
    expect(lastComment(dashboard().number)).toContain(
      'WeChat&#39;s state of wxa000000000000001 changed after the box was rendered (its fingerprint no longer matches)'
    )
    // The dashboard now shows WeChat's state: the gray at 10 %, the refused tick logged, the box unticked.
    expect(dashboard().body).not.toContain('- [x]')
    expect(dashboard().body).toMatch(/\| alice \| Release \*\*2\.1\.0\*\* to everyone .*🚫 refused/)
  })

  it('an appid the workflow does not configure: refused before WeChat is called', async () => {
    forgetLogs()
    const run = await onEdit(tick('alice', 'revert-gray'), { appid: OTHER })
    expectSuccess(run)
    expect(world.emulator.control.requests()).toEqual([])
    expect(gray()?.status).toBe(1)
    expect(lastComment(dashboard().number)).toContain(
      `${APP} is not one of the mini programs this workflow is configured for (appid / targets), so it is not touched.`
    )
  })

  it("a command this workflow's inputs do not allow (no platform credentials): refused before WeChat is called", async () => {
    forgetLogs()
    const readOnly = { 'token-url': '', 'token-url-secret': '', appsecret: 'appsecret-for-tests-0123456789' }
    const run = await onEdit(tick('alice', 'gray-to', 20), readOnly)
    expectSuccess(run)
    expect(world.emulator.control.requests()).toEqual([])
    expect(gray()?.percentage).toBe(10)
    expect(lastComment(dashboard().number)).toContain(
      'this workflow&#39;s inputs do not allow it: Input &quot;token-url&quot;: command &quot;gray&quot; needs third-party platform credentials'
    )
  })

  it('an issue someone else opened with the same marker and boxes: refused, answered there', async () => {
    const copy = world.github.openIssue({
      title: 'WeChat release dashboard',
      body: (dashboard().body ?? '').replaceAll('- [x] ', '- [ ] '),
      labels: [LABEL],
      login: 'mallory'
    })
    forgetLogs()
    const run = await onEdit(tick('alice', 'revert-gray', undefined, copy.number))
    expectSuccess(run)
    expect(world.emulator.control.requests()).toEqual([])
    expect(gray()?.status).toBe(1)
    expect(lastComment(copy.number)).toContain(`@alice 🚫 Not done: Revert the gray release of **2.1.0**`)
    // The answer is rendered inert: the issue reference and the bot's brackets are escaped.
    expect(lastComment(copy.number)).toMatch(
      /Refused because issue &#35;\u200b\d+ was not created by this action \(github-actions&#91;bot&#93;\) as its release dashboard, so its boxes control nothing\./
    )
    // Nothing was written to the real dashboard, and the copy's body is left as its author's.
    expect(
      world.github.writes().filter((write) => write.method === 'PATCH' || write.path.endsWith('/labels'))
    ).toEqual([])
  })
})

describe('events that start nothing', () => {
  it('another issues event (opened) exits 0 with a log line', async () => {
    const issue = dashboard()
    const edited = world.github.editIssueAsUser(issue.number, 'alice', issue.body ?? '')
    const opened = validateWebhookPayload('issues', 'opened', {
      action: 'opened',
      issue: edited.issue,
      repository: edited.repository,
      sender: edited.sender
    })
    forgetLogs()
    const run = await world.run({
      inputs: inputs(),
      eventName: 'issues',
      ref: 'refs/heads/main',
      sha: MAIN,
      payload: opened
    })
    expectSuccess(run)
    expect(run.stdout).toContain(`Issue #${issue.number} was opened; only an edit of the release dashboard`)
    expect(world.github.requests()).toEqual([])
    expect(world.emulator.control.requests()).toEqual([])
  })

  it("the action's own edit, and an edit that ticks no box, exit 0 without a write", async () => {
    const issue = dashboard()
    forgetLogs()
    const own = await onEdit(world.github.editIssueAsUser(issue.number, BOT, `${issue.body ?? ''}\n`))
    expectSuccess(own)
    expect(own.stdout).toContain('edited by the action itself; nothing to do')
    const text = await onEdit(
      world.github.editIssueAsUser(issue.number, 'alice', `${issue.body ?? ''}\n\nnote`)
    )
    expectSuccess(text)
    expect(text.stdout).toContain('No dashboard box was ticked in this edit')
    expect(world.github.writes()).toEqual([])
    expect(world.emulator.control.requests()).toEqual([])
  })
})
