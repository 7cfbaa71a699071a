/**
 * The release dashboard's pure core: which controls apply, the body, ticks, the rules a tick must pass,
 * transitions, and what a person who edits the body by hand can and cannot do.
 */
import { describe, expect, it } from '@jest/globals'
import { deflateRawSync } from 'node:zlib'
import { patched, releaseSettings, T0 } from '../test-support/release-fixtures.js'
import {
  BODY_LIMIT,
  DASHBOARD_MARKER,
  authorizeTick,
  availableControls,
  controlLabel,
  decideTick,
  detectTransitions,
  effectivePermission,
  findNewTicks,
  isOwnDashboard,
  isOwnEdit,
  matchTick,
  operationFor,
  parseBoxes,
  parseControlPermission,
  parseState,
  permissionAtLeast,
  renderDashboard,
  renderNotification,
  renderOutcomeComment,
  serializeControlMarker,
  type AuthorizeRequest,
  type Control,
  type DashboardRenderInput,
  type DashboardState,
  type DashboardTarget,
  type OperationEntry,
  type Tick
} from '../src/dashboard/index.js'
import type { TargetObservation } from '../src/release/model.js'
import { inlineText } from '../src/report/markdown.js'
import { parseGraySchedule } from '../src/release/schedule.js'
import type { ReleaseSettings } from '../src/release/settings.js'

const RUN_URL = 'https://github.com/octo/shop/actions/runs/77'
const DAY = 86_400
const HOUR = 3600
const APP = 'wx0123456789abcdef'
const OTHER = 'wx00000000000000b2'
const BOT = { login: 'github-actions[bot]' }

const settings: ReleaseSettings = releaseSettings({
  graySchedule: parseGraySchedule('1, 5@24h, 20@24h, 50@48h, 100@48h'),
  now: T0 + 3 * DAY
})

function observe(patch: Partial<TargetObservation> = {}, appid = APP): TargetObservation {
  return {
    appid,
    review: { status: 'approved', userVersion: '1.2.3', auditId: 5, screenshots: [], submittedAt: T0 - DAY },
    gray: { status: 'none', percentage: 0, projectMembersFirst: false, experienceMembersFirst: false },
    versions: { online: { version: '1.2.2' }, trial: { version: '1.2.3' } },
    history: [
      { appVersion: 3, userVersion: '1.2.2', description: 'b', committedAt: T0 - 10 * DAY },
      { appVersion: 2, userVersion: '1.2.1', description: 'a', committedAt: T0 - 20 * DAY }
    ],
    ...patch
  }
}

/** A gray plan started at T0 that reached everyone. */
const finishedGray: TargetObservation['gray'] = {
  status: 'finished',
  percentage: 100,
  startedAt: T0,
  projectMembersFirst: false,
  experienceMembersFirst: false
}

const inGray = (percentage: number, extra: Partial<TargetObservation> = {}): TargetObservation =>
  observe({
    gray: {
      status: 'running',
      percentage,
      startedAt: T0,
      projectMembersFirst: false,
      experienceMembersFirst: false
    },
    ...extra
  })

const online = (): TargetObservation =>
  observe({
    review: { status: 'approved', userVersion: '1.2.2', auditId: 4, screenshots: [] },
    gray: {
      status: 'finished',
      percentage: 100,
      startedAt: T0 - 12 * DAY,
      projectMembersFirst: false,
      experienceMembersFirst: false
    }
  })

const underReview = (extra: Partial<TargetObservation['review']> = {}): TargetObservation =>
  observe({
    review: { status: 'under_review', userVersion: '1.3.0', auditId: 8, screenshots: [], ...extra }
  })

function describeControls(controls: Control[]): string[] {
  return controls.map(
    (control) =>
      `${control.control} ${control.version}${control.percent !== undefined ? ` ${control.percent}` : ''}${control.from ? ` from ${control.from}` : ''}`
  )
}

function render(
  targets: DashboardTarget[],
  previous?: DashboardState,
  now = settings.now,
  extra: Pick<DashboardRenderInput, 'limit' | 'noControls' | 'newOperations'> = {}
) {
  return renderDashboard({
    targets,
    settings: { ...settings, now },
    runUrl: RUN_URL,
    controlPermission: 'maintain',
    previous,
    ...extra
  })
}

/** Ticks the box of `control` in `body` as GitHub does when a person clicks it. */
function tick(body: string, control: Control): string {
  const marker = serializeControlMarker(control)
  const ticked = body.replace(`- [ ] ${marker}`, `- [x] ${marker}`)
  expect(ticked).not.toBe(body)
  return ticked
}

function onlyTick(before: string, after: string): Tick {
  const ticks = findNewTicks(before, after)
  expect(ticks).toHaveLength(1)
  return ticks[0] as Tick
}

describe('controls that apply now', () => {
  it('offers the schedule steps and a full release for an approved version when nothing is in gray', () => {
    expect(describeControls(availableControls(observe(), settings))).toEqual([
      'gray-to 1.2.3 1',
      'gray-to 1.2.3 5',
      'gray-to 1.2.3 20',
      'gray-to 1.2.3 50',
      'release 1.2.3',
      // The online version can be rolled back while an approved version waits.
      'rollback 1.2.1 from 1.2.2'
    ])
  })

  it('offers the remaining steps, release and revert while the gray runs, and no rollback', () => {
    expect(describeControls(availableControls(inGray(5), settings))).toEqual([
      'gray-to 1.2.3 20',
      'gray-to 1.2.3 50',
      'release 1.2.3',
      'revert-gray 1.2.3'
    ])
  })

  it('offers a ladder of percentages without a schedule', () => {
    const noSchedule = { ...settings }
    delete noSchedule.graySchedule
    expect(describeControls(availableControls(inGray(5), noSchedule))).toEqual([
      'gray-to 1.2.3 10',
      'gray-to 1.2.3 20',
      'gray-to 1.2.3 50',
      'release 1.2.3',
      'revert-gray 1.2.3'
    ])
  })

  it('offers a first step of 0 % only when members get the version first', () => {
    const members = {
      ...settings,
      grayExperienceMembers: true,
      graySchedule: parseGraySchedule('0, 5@24h, 100@24h', { members: true })
    }
    const [first] = availableControls(observe(), members)
    expect(first).toMatchObject({ control: 'gray-to', percent: 0 })
    expect(first?.label).toBe(
      'Gray-release **1.2.3** to the members who get it first (0 %) · `wx0123456789abcdef`'
    )
    const nobody = { ...members, grayExperienceMembers: false }
    expect(availableControls(observe(), nobody).map((control) => control.percent)).not.toContain(0)
  })

  it('offers a rollback to the previous version once the version is online', () => {
    expect(describeControls(availableControls(online(), settings))).toEqual(['rollback 1.2.1 from 1.2.2'])
  })

  it('offers nothing in gray for the first version (it must be released in full)', () => {
    const first = observe({ versions: {}, history: [] })
    expect(describeControls(availableControls(first, settings))).toEqual(['release 1.2.3'])
  })

  it('offers withdraw and speed-up for a review in progress, speed-up only once and with quota left', () => {
    const review = (obs: TargetObservation) =>
      describeControls(availableControls(obs, settings)).filter((text) => !text.startsWith('rollback'))
    expect(review(underReview())).toEqual(['withdraw 1.3.0', 'speedup 1.3.0'])
    expect(review({ ...underReview(), reviewRecord: { auditId: 8, spedUp: true } })).toEqual([
      'withdraw 1.3.0'
    ])
    const noQuota = {
      ...underReview(),
      quota: { rest: 1, limit: 5, speedupRest: 0, speedupLimit: 3, known: true }
    }
    expect(review(noQuota)).toEqual(['withdraw 1.3.0'])
  })

  it('offers neither release nor gray of a version released once and rolled back since (85052)', () => {
    // 1.2.3 (approved a day before T0) went to everyone through a gray that finished; 1.2.2 is online again.
    const rolledBack = observe({
      gray: finishedGray
    })
    const offered = describeControls(availableControls(rolledBack, settings))
    expect(offered.filter((control) => /^(release|gray-to)/.test(control))).toEqual([])
  })

  it('offers nothing for a rejected review', () => {
    const rejected = observe({
      review: { status: 'rejected', userVersion: '1.3.0', auditId: 9, reason: 'no', screenshots: [] }
    })
    expect(
      describeControls(availableControls(rejected, patched(settings, { graySchedule: undefined })))
    ).toEqual(['rollback 1.2.1 from 1.2.2'])
  })

  it('does not offer releasing another version while one is in gray', () => {
    // 1.2.3 is in gray (recorded), 1.2.4 was approved after the plan started.
    const obs = inGray(5, {
      review: {
        status: 'approved',
        userVersion: '1.2.4',
        auditId: 6,
        screenshots: [],
        submittedAt: T0 + DAY
      },
      recorded: { version: '1.2.3', stepIndex: 1, percentage: 5, stepTakenAt: T0 }
    })
    expect(describeControls(availableControls(obs, settings))).toEqual(['revert-gray 1.2.3'])
  })
})

describe('the body', () => {
  it('shows each target, its controls with intact markers, and the hidden state', () => {
    const { body, controls, state } = render([{ appid: APP, observation: inGray(5) }])
    expect(body.split('\n')[0]).toBe(DASHBOARD_MARKER)
    expect(body).toContain('| **Gray release** | `█░░░░░░░░░ 5%` running')
    expect(body).toContain('next: 20 % (step 3 of 5)')
    expect(body).toContain(
      '12 days left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC)'
    )
    expect(body).toContain('| **Rollback targets** | 1.2.1 (released 2025-12-12 00:00 UTC) |')
    expect(parseBoxes(body).map((box) => box.marker)).toEqual(
      controls.map(({ label: _label, ...marker }) => marker)
    )
    expect(parseBoxes(body).every((box) => !box.checked)).toBe(true)
    expect(parseState(body)).toEqual(state)
  })

  it('is the same text for the same state, so an unchanged sync writes nothing', () => {
    const first = render([{ appid: APP, observation: inGray(5) }], undefined, settings.now + HOUR)
    const later = render([{ appid: APP, observation: inGray(5) }], first.state, settings.now + 5 * HOUR)
    expect(later.body).toBe(first.body)
    expect(later.transitions).toEqual([])
  })

  it("counts down to the plan's end as WeChat reports it (default_finish_timestamp), else 15 days", () => {
    const ending = inGray(5)
    ending.gray.endsAt = T0 + 10 * DAY
    expect(render([{ appid: APP, observation: ending }]).body).toContain(
      '| **15-day limit** | 7 days left of the 15-day limit (WeChat releases to everyone at 2026-01-11 00:00 UTC)'
    )
    // At its very start a plan has all 15 days, and a second later 14 whole days.
    expect(render([{ appid: APP, observation: inGray(5) }], undefined, T0).body).toContain('15 days left')
    expect(render([{ appid: APP, observation: inGray(5) }], undefined, T0 + 1).body).toContain('14 days left')
  })

  it('announces the last 24 h before the end WeChat reports, not before day 15', () => {
    const ending = inGray(5)
    ending.gray.endsAt = T0 + 10 * DAY
    const start = render([{ appid: APP, observation: ending }])
    const late = render([{ appid: APP, observation: ending }], start.state, T0 + 9 * DAY + 12 * HOUR)
    expect(late.transitions.map((transition) => transition.kind)).toEqual(['deadline-24h'])
    expect(renderNotification(late.transitions[0]!)).toContain('at 2026-01-11 00:00 UTC')
  })

  it('offers no box when the workflow cannot act on WeChat, and says why', () => {
    const { body, controls } = render([{ appid: APP, observation: inGray(5) }], undefined, settings.now, {
      noControls: 'No controls: read-only.'
    })
    expect(controls).toEqual([])
    expect(parseBoxes(body)).toEqual([])
    expect(body).toContain('_No controls: read-only._')
  })

  it('stays within a smaller limit when asked, keeping the hidden state', () => {
    const { body: full } = render([{ appid: APP, observation: inGray(5) }])
    const { body, state } = render([{ appid: APP, observation: inGray(5) }], undefined, settings.now, {
      limit: full.length - 10
    })
    expect(body.length).toBeLessThanOrEqual(full.length - 10)
    expect(parseState(body)).toEqual(state)
  })

  it('gives the next step a due time once the step in force is recorded', () => {
    const obs = inGray(5, {
      recorded: { version: '1.2.3', stepIndex: 1, percentage: 5, stepTakenAt: T0 + 2 * DAY + 12 * HOUR }
    })
    expect(render([{ appid: APP, observation: obs }]).body).toContain(
      'next: 20 % (step 3 of 5), from 2026-01-04 12:00 UTC'
    )
  })

  it('makes every untrusted text inert', () => {
    const hostile = '1.0 <img src=x onerror=alert(1)> @alice #12 [x](https://evil.example) `code` |'
    const obs = observe({
      review: {
        status: 'rejected',
        userVersion: hostile,
        auditId: 9,
        reason: `Reason ${hostile}\n::error::injected`,
        screenshots: []
      },
      history: []
    })
    const { body } = render([
      { appid: APP, observation: obs },
      { appid: OTHER, error: `failed <script>alert(1)</script> @bob` }
    ])
    // Every untrusted text goes through the inert renderer (whose own tests cover what it neutralises).
    expect(body).toContain(`**${inlineText(hostile)}**`)
    expect(body).toContain(inlineText(`Reason ${hostile}\n::error::injected`))
    expect(body).toContain(inlineText('failed <script>alert(1)</script> @bob'))
    expect(body).not.toContain(hostile)
    expect(body).not.toMatch(/<img|<script/)
    expect(body).not.toMatch(/^::error::/m)
    expect(body).toContain('WeChat could not be read in the last run')
  })

  it('keeps the newest 10 operations and links them to runs of this repository only', () => {
    const control = availableControls(inGray(5), settings)[0] as Control
    const operations = Array.from({ length: 12 }, (_, index) =>
      operationFor(control, {
        actor: `user${index}`,
        at: T0 + index,
        result: 'done',
        runId: String(100 + index)
      })
    ).reverse()
    const { body, state } = render([{ appid: APP, observation: inGray(5) }], undefined, settings.now, {
      newOperations: operations
    })
    expect(state.operations).toHaveLength(10)
    expect(state.operations[0]?.actor).toBe('user11')
    expect(body).toContain('[111](https://github.com/octo/shop/actions/runs/111)')
    expect(body).not.toContain('user1 |')
  })

  it('is cut to GitHub’s limit with a notice, keeping the controls and the hidden state', () => {
    const targets: DashboardTarget[] = Array.from({ length: 60 }, (_, index) => {
      const appid = `wx${index.toString(16).padStart(16, '0')}`
      return {
        appid,
        observation: observe(
          {
            appid,
            review: {
              status: 'delayed',
              userVersion: '2.0.0',
              auditId: index,
              screenshots: [],
              reason: 'x'.repeat(5000)
            },
            history: Array.from({ length: 5 }, (_, n) => ({
              appVersion: n,
              userVersion: `1.${n}.0`,
              description: '',
              committedAt: T0 - n * DAY
            }))
          },
          appid
        )
      }
    })
    const { body, state } = render(targets)
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(body).toContain('Parts of this dashboard are left out')
    expect(body.split('\n')[0]).toBe(DASHBOARD_MARKER)
    expect(parseState(body)).toEqual(state)
    // Every target keeps its controls; the tables went first.
    expect(parseBoxes(body)).toHaveLength(120)
  })
})

describe('finding ticks', () => {
  const { body, controls } = render([{ appid: APP, observation: inGray(5) }])
  const advance = controls[0] as Control

  it('finds a box ticked by this edit', () => {
    const after = tick(body, advance)
    expect(onlyTick(body, after).marker).toMatchObject({ control: 'gray-to', percent: 20, appid: APP })
  })

  it('ignores unticks, text edits, title-only edits and boxes that were ticked already', () => {
    const ticked = tick(body, advance)
    expect(findNewTicks(ticked, body)).toEqual([])
    expect(findNewTicks(body, `${body}\n\nA note from a person.`)).toEqual([])
    expect(findNewTicks(undefined, ticked)).toEqual([])
    expect(findNewTicks(ticked, `${ticked}\n`)).toEqual([])
  })

  it('ignores boxes typed without a valid marker', () => {
    const typed = `${body}\n- [ ] Release everything\n- [ ] <!-- wechat-miniprogram-release:control control=release&appid=${APP} -->Release`
    const ticked = typed
      .replace('- [ ] Release everything', '- [x] Release everything')
      .replace(
        `- [ ] <!-- wechat-miniprogram-release:control control=release&appid=${APP} -->`,
        `- [x] <!-- wechat-miniprogram-release:control control=release&appid=${APP} -->`
      )
    expect(findNewTicks(typed, ticked)).toEqual([])
  })

  it('ignores a box whose text was changed (the text would no longer say what the marker does)', () => {
    const marker = serializeControlMarker(advance)
    const relabelled = body.replace(`${marker}${advance.label}`, `${marker}Harmless: refresh the page`)
    expect(findNewTicks(relabelled, tick(relabelled, advance))).toEqual([])
  })

  it('ignores a marker that appears twice (a copied box)', () => {
    const line = body.split('\n').find((text) => text.includes(serializeControlMarker(advance))) as string
    const copied = `${body}\n${line}`
    expect(findNewTicks(copied, tick(copied, advance))).toEqual([])
  })

  it('ignores boxes inside a code block', () => {
    const line = `- [ ] ${serializeControlMarker({ ...advance, percent: 50 })}${controlLabel({ ...advance, percent: 50 })}`
    const fenced = `${body}\n\n\`\`\`\n${line}\n\`\`\`\n`
    expect(findNewTicks(fenced, fenced.replace(line, line.replace('- [ ]', '- [x]')))).toEqual([])
  })

  it('accepts X as well as x, and returns several ticks in body order', () => {
    const release = controls.find((control) => control.control === 'release') as Control
    const marker = serializeControlMarker(release)
    const after = tick(body, advance).replace(`- [ ] ${marker}`, `- [X] ${marker}`)
    expect(findNewTicks(body, after).map((found) => found.marker.control)).toEqual(['gray-to', 'release'])
  })
})

describe('deciding a tick', () => {
  const obs = inGray(5)
  const { body, controls } = render([{ appid: APP, observation: obs }])
  const advance = controls[0] as Control
  const advanceTick = onlyTick(body, tick(body, advance))
  const request = (patch: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
    tick: advanceTick,
    issue: { number: 3, author: { login: 'github-actions[bot]', type: 'Bot' }, body: tick(body, advance) },
    identity: BOT,
    sender: { login: 'mia' },
    senderPermission: { permission: 'write', role_name: 'maintain' },
    requiredPermission: 'maintain',
    configuredAppids: [APP],
    ...patch
  })

  it('grants a maintainer’s tick and maps it to the gray command at the box’s percentage', () => {
    const decision = decideTick({ ...request(), observation: obs, settings })
    expect(decision).toMatchObject({
      granted: true,
      command: { command: 'gray', appid: APP, version: '1.2.3', grayPercent: 20 }
    })
  })

  it.each([
    ['rollback', online(), { command: 'rollback', appid: APP, rollbackTo: '1.2.1' }],
    ['release', inGray(5), { command: 'release', appid: APP, version: '1.2.3' }],
    ['revert-gray', inGray(5), { command: 'revert-gray', appid: APP }],
    ['withdraw', underReview(), { command: 'withdraw', appid: APP, version: '1.3.0' }],
    ['speedup', underReview(), { command: 'speedup', appid: APP, version: '1.3.0' }]
  ])('maps %s to its command', (kind, observation, command) => {
    const rendered = render([{ appid: APP, observation }])
    const control = rendered.controls.find((candidate) => candidate.control === kind) as Control
    const found = onlyTick(rendered.body, tick(rendered.body, control))
    expect(matchTick(found, observation, settings)).toEqual({ granted: true, control, command })
  })

  it('refuses a reader, a triager and a writer under the default, and someone with no permission', () => {
    for (const reply of [
      { permission: 'read', role_name: 'read' },
      { permission: 'read', role_name: 'triage' },
      { permission: 'write', role_name: 'write' },
      { permission: 'none', role_name: '' },
      undefined
    ]) {
      expect(authorizeTick(request({ senderPermission: reply }))).toMatchObject({
        granted: false,
        reason: 'permission'
      })
    }
    expect(
      authorizeTick(request({ senderPermission: { permission: 'read', role_name: 'read' } }))?.message
    ).toBe(
      "the dashboard's controls need the maintain permission on this repository or higher (input control-permission); mia has read permission."
    )
    expect(
      authorizeTick(request({ senderPermission: { permission: 'admin', role_name: 'admin' } }))
    ).toBeUndefined()
    expect(
      authorizeTick(
        request({
          senderPermission: { permission: 'write', role_name: 'write' },
          requiredPermission: 'write'
        })
      )
    ).toBeUndefined()
  })

  it('refuses a tick on an issue the action did not create, or without the dashboard marker', () => {
    expect(
      authorizeTick(
        request({ issue: { number: 3, author: { login: 'mallory' }, body: tick(body, advance) } })
      )
    ).toMatchObject({
      granted: false,
      reason: 'not-the-dashboard'
    })
    expect(
      authorizeTick(
        request({
          issue: { number: 3, author: BOT, body: tick(body, advance).replace(DASHBOARD_MARKER, '') }
        })
      )
    ).toMatchObject({ reason: 'not-the-dashboard' })
  })

  it('refuses an appid that is not configured, before WeChat is asked', () => {
    expect(authorizeTick(request({ configuredAppids: [OTHER] }))).toMatchObject({
      granted: false,
      reason: 'appid-not-configured'
    })
  })

  it('refuses a stale box: WeChat moved on after the body was rendered', () => {
    // Someone raised the gray to 10 % by hand; "to 20 %" still applies, but not from the state it was shown for.
    expect(matchTick(advanceTick, inGray(10), settings)).toMatchObject({ granted: false, reason: 'stale' })
  })

  it('refuses a box whose control no longer applies, saying why in the decision’s words', () => {
    const rendered = render([{ appid: APP, observation: underReview() }])
    const withdraw = rendered.controls.find((control) => control.control === 'withdraw') as Control
    const found = onlyTick(rendered.body, tick(rendered.body, withdraw))
    const approvedMeanwhile = observe({
      review: { status: 'approved', userVersion: '1.3.0', auditId: 8, screenshots: [] }
    })
    const decision = matchTick(found, approvedMeanwhile, settings)
    expect(decision).toMatchObject({ granted: false, reason: 'no-longer-applies' })
    expect(decision.granted ? '' : decision.message).toContain(
      'Only a review in progress can be withdrawn; the latest review (1.3.0) is approved.'
    )
  })

  it('refuses when WeChat could not be read', () => {
    expect(matchTick(advanceTick, undefined, settings)).toMatchObject({
      granted: false,
      reason: 'not-observed'
    })
  })

  it('knows the action’s own edits', () => {
    expect(isOwnEdit({ login: 'GitHub-Actions[bot]' }, BOT)).toBe(true)
    expect(isOwnEdit({ login: 'mia' }, BOT)).toBe(false)
    expect(isOwnDashboard({ number: 1, author: BOT, body }, BOT)).toBe(true)
  })
})

describe('edits by hand (adversarial)', () => {
  const obs = inGray(5)
  const { body, controls } = render([{ appid: APP, observation: obs }])
  const advance = controls[0] as Control

  it('a forged fingerprint on a real control is stale', () => {
    const forged = body.replace(advance.fingerprint, '0123456789abcdef')
    const found = onlyTick(forged, tick(forged, { ...advance, fingerprint: '0123456789abcdef' }))
    expect(matchTick(found, obs, settings)).toMatchObject({ granted: false, reason: 'stale' })
  })

  it('a forged box for a percentage the dashboard does not offer is refused', () => {
    const forgedControl = { ...advance, percent: 37 }
    const line = `- [ ] ${serializeControlMarker(forgedControl)}${controlLabel(forgedControl)}`
    const forged = `${body}\n${line}`
    const found = onlyTick(forged, forged.replace(line, line.replace('- [ ]', '- [x]')))
    expect(matchTick(found, obs, settings)).toMatchObject({ granted: false, reason: 'no-longer-applies' })
  })

  it('a box moved under another target still acts on the appid its marker and text name', () => {
    const otherBody = render([
      { appid: APP, observation: obs },
      { appid: OTHER, observation: inGray(5, { appid: OTHER }) }
    ]).body
    const boxes = parseBoxes(otherBody)
    expect(new Set(boxes.map((box) => box.marker.appid))).toEqual(new Set([APP, OTHER]))
    expect(boxes.every((box) => controlLabel(box.marker).endsWith(`\`${box.marker.appid}\``))).toBe(true)
  })

  it('damaged, repeated or oversized hidden state is ignored: nothing is announced, nothing decided', () => {
    const state = body.match(/<!-- wechat-miniprogram-release:dashboard-state [^>]+-->/)?.[0] as string
    expect(
      parseState(body.replace(state, '<!-- wechat-miniprogram-release:dashboard-state AAAA -->'))
    ).toBeUndefined()
    expect(parseState(`${body}\n${state}`)).toBeUndefined()
    expect(
      parseState(
        body.replace(state, `<!-- wechat-miniprogram-release:dashboard-state ${'A'.repeat(50_000)} -->`)
      )
    ).toBeUndefined()
    const later = render([{ appid: APP, observation: online() }], parseState('garbage'))
    expect(later.transitions).toEqual([])
  })

  it('a forged operations log cannot link elsewhere or render markup', () => {
    const planted = {
      targets: {},
      operations: [
        {
          at: T0,
          actor: '<img src=x> @alice',
          appid: APP,
          control: 'release',
          version: '9.9.9',
          result: 'done',
          message: '[click](https://evil.example) #1',
          runId: '12'
        }
      ]
    }
    const encoded = (json: unknown) =>
      `<!-- wechat-miniprogram-release:dashboard-state ${Buffer.from(
        deflateRawSync(Buffer.from(JSON.stringify({ v: 1, ...(json as object) })))
      ).toString('base64url')} -->`
    const previous = parseState(encoded(planted))
    expect(previous?.operations).toHaveLength(1)
    const rendered = render([{ appid: APP, observation: obs }], previous).body
    expect(rendered).toContain(inlineText('<img src=x> @alice'))
    expect(rendered).toContain(inlineText('[click](https://evil.example) #1'))
    expect(rendered).not.toMatch(/<img|\]\(https:\/\/evil/)
    expect(rendered).toContain('[12](https://github.com/octo/shop/actions/runs/12)')
    // A run link that is not a run id does not parse at all.
    expect(
      parseState(
        encoded({ ...planted, operations: [{ ...planted.operations[0], runId: 'https://evil.example' }] })
      )
    ).toBeUndefined()
  })
})

describe('transitions', () => {
  const first = (obs: TargetObservation) => render([{ appid: APP, observation: obs }])
  const next = (
    previous: DashboardState,
    obs: TargetObservation,
    extra: Partial<DashboardTarget> = {},
    now = settings.now
  ) => render([{ appid: APP, observation: obs, ...extra }], previous, now)

  it('announces nothing for a new dashboard (its state is the baseline)', () => {
    expect(first(underReview()).transitions).toEqual([])
  })

  it('announces an approval once', () => {
    const start = first(underReview())
    const approved = observe({
      review: { status: 'approved', userVersion: '1.3.0', auditId: 8, screenshots: [] }
    })
    const step = next(start.state, approved)
    expect(step.transitions.map((transition) => transition.kind)).toEqual(['review-approved'])
    expect(next(step.state, approved).transitions).toEqual([])
  })

  it('announces a rejection with its reason, inert', () => {
    const start = first(underReview())
    const rejected = observe({
      review: {
        status: 'rejected',
        userVersion: '1.3.0',
        auditId: 8,
        reason: 'Missing privacy text @bob <b>',
        screenshots: []
      }
    })
    const [transition] = next(start.state, rejected).transitions
    expect(transition?.kind).toBe('review-rejected')
    const comment = renderNotification(transition!)
    expect(comment).toContain('❌ WeChat rejected **1.3.0** of `wx0123456789abcdef` (audit 8).')
    expect(comment).toContain(`> ${inlineText('Missing privacy text @bob <b>')}`)
    expect(comment).toMatch(
      /<!-- wechat-miniprogram-release:notice wx0123456789abcdef:review-rejected:[0-9a-f]{12} -->$/
    )
  })

  it('announces a delay, a health-gate halt and the last 24 h once each', () => {
    const start = first(underReview())
    const delayed = underReview({ status: 'delayed', reason: 'more checks' })
    expect(next(start.state, delayed).transitions.map((t) => t.kind)).toEqual(['review-delayed'])

    const gray = first(inGray(20))
    const halted = { halted: { reason: 'Health gate failed: 3 new error groups', byHealthGate: true } }
    const haltedStep = next(gray.state, inGray(20), halted)
    expect(haltedStep.transitions.map((t) => t.kind)).toEqual(['health-halted'])
    expect(next(haltedStep.state, inGray(20), halted).transitions).toEqual([])

    const late = T0 + 15 * DAY - 20 * HOUR
    const deadlineStep = next(gray.state, inGray(20), {}, late)
    expect(deadlineStep.transitions.map((t) => t.kind)).toEqual(['deadline-24h'])
    expect(renderNotification(deadlineStep.transitions[0]!)).toContain(
      'WeChat releases it to everyone at 2026-01-16 00:00 UTC'
    )
    expect(next(deadlineStep.state, inGray(20), {}, late + HOUR).transitions).toEqual([])
  })

  it('tells a full release from a rollback', () => {
    const gray = first(inGray(50))
    const released = observe({
      versions: { online: { version: '1.2.3' } },
      gray: finishedGray
    })
    const releaseStep = next(gray.state, released)
    expect(releaseStep.transitions).toMatchObject([{ kind: 'released', version: '1.2.3', from: '1.2.2' }])
    const rolledBack = { ...released, versions: { online: { version: '1.2.2' } } }
    const rollbackStep = next(releaseStep.state, rolledBack)
    expect(rollbackStep.transitions).toMatchObject([{ kind: 'rolled-back', version: '1.2.2', from: '1.2.3' }])
    expect(renderNotification(rollbackStep.transitions[0]!)).toContain(
      '↩️ `wx0123456789abcdef` was rolled back from **1.2.3** to **1.2.2**.'
    )
  })

  it('announces the first release, and no rollback when the online version was not known before', () => {
    const first = observe({ versions: {}, history: [] })
    const start = render([{ appid: APP, observation: first }])
    const live = observe({ versions: { online: { version: '1.2.3' } }, history: [] })
    expect(next(start.state, live).transitions).toMatchObject([{ kind: 'released', version: '1.2.3' }])
    const unknownBefore = render([{ appid: APP, observation: underReview({ userVersion: '2.0.0' }) }])
    const noVersion = { ...unknownBefore.state, targets: { [APP]: { ...unknownBefore.state.targets[APP] } } }
    delete noVersion.targets[APP]!.online
    expect(next(noVersion, underReview({ userVersion: '2.0.0' })).transitions).toEqual([])
  })

  it('keeps what it knew of a target WeChat could not read, so nothing is announced twice', () => {
    const start = first(underReview())
    const unreadable = render([{ appid: APP, error: 'system error' }], start.state)
    expect(unreadable.state.targets[APP]).toEqual(start.state.targets[APP])
    const approved = observe({
      review: { status: 'approved', userVersion: '1.3.0', auditId: 8, screenshots: [] }
    })
    expect(next(unreadable.state, approved).transitions.map((t) => t.kind)).toEqual(['review-approved'])
  })

  it('starts a target seen for the first time from its state now', () => {
    const start = first(underReview())
    const both = detectTransitions(
      start.state,
      [
        { appid: APP, observation: underReview() },
        { appid: OTHER, observation: observe({}, OTHER) }
      ],
      settings.now
    )
    expect(both.transitions).toEqual([])
    expect(Object.keys(both.targets)).toEqual([APP, OTHER])
  })
})

describe('comments', () => {
  const control = { control: 'gray-to' as const, appid: APP, version: '1.2.3', percent: 20 }

  it('mentions the sender and nobody else', () => {
    const comment = renderOutcomeComment({
      sender: 'mia',
      control,
      outcome: 'done',
      message: 'Gray release of 1.2.3: 5 % → 20 %. cc @bob #7',
      runUrl: 'https://github.com/octo/shop/actions/runs/9'
    })
    expect(comment.split('\n')[0]).toBe(
      '@mia ✅ Done: Gray-release **1.2.3** to 20 % of users · `wx0123456789abcdef`'
    )
    expect(comment).toContain(inlineText('Gray release of 1.2.3: 5 % → 20 %. cc @bob #7'))
    expect(comment).not.toContain('cc @bob #7')
  })

  it('says that nothing happened on a refusal, and never mentions a bot', () => {
    const comment = renderOutcomeComment({
      sender: 'renovate[bot]',
      control,
      outcome: 'refused',
      message: 'the dashboard’s controls need the maintain permission',
      runUrl: 'https://github.com/octo/shop/actions/runs/9'
    })
    expect(comment).toContain('🚫 Not done')
    expect(comment).toContain('Nothing was changed in WeChat.')
    expect(comment).not.toContain('@renovate')
  })
})

describe('permissions', () => {
  it('prefers role_name and falls back to permission for custom roles', () => {
    expect(effectivePermission({ permission: 'write', role_name: 'maintain' })).toBe('maintain')
    expect(effectivePermission({ permission: 'write', role_name: 'release-managers' })).toBe('write')
    expect(effectivePermission({ permission: 'none', role_name: null })).toBeUndefined()
    expect(permissionAtLeast('admin', 'maintain')).toBe(true)
    expect(permissionAtLeast('triage', 'write')).toBe(false)
    expect(permissionAtLeast(undefined, 'read')).toBe(false)
  })

  it('reads the control-permission input', () => {
    expect(parseControlPermission(undefined)).toBe('maintain')
    expect(parseControlPermission('Admin')).toBe('admin')
    expect(() => parseControlPermission('owner')).toThrow(
      'must be one of read, triage, write, maintain, admin, got "owner"'
    )
  })
})

describe('operations', () => {
  it('keeps only what the log allows', () => {
    const entry: OperationEntry = operationFor(
      { control: 'release', appid: APP, version: '1.2.3' },
      { actor: 'x'.repeat(150), at: T0, result: 'refused', message: 'm'.repeat(400), runId: 'not-a-number' }
    )
    expect(entry.actor).toHaveLength(100)
    expect(entry.message).toHaveLength(300)
    expect(entry.runId).toBeUndefined()
  })
})
