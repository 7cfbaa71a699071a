import { describe, expect, it } from '@jest/globals'
import { decideSync } from '../src/release/decide.js'
import type {
  Decision,
  ErrorGroup,
  GrayObservation,
  PlannedWrite,
  RecordedRollout,
  ReviewObservation,
  TargetObservation
} from '../src/release/model.js'
import { parseRecorded } from '../src/release/recorded.js'
import { parseGraySchedule } from '../src/release/schedule.js'
import type { ReleaseSettings } from '../src/release/settings.js'
import { releaseSettings, type SettingsPatch } from '../test-support/release-fixtures.js'
import { renderCheck } from '../src/report/checks.js'
/** jest 29's it.each types want mutable rows; `as const` tables are readonly. */
const mutable = <T extends readonly unknown[]>(rows: readonly T[]): Array<[...T]> =>
  rows.map((row) => [...row] as [...T])

const T0 = 1_767_225_600
const HOUR = 3600
const DAY = 86_400
const APPID = 'wx0123456789abcdef'
const SCHEDULE = parseGraySchedule('1, 5@24h, 20@24h, 100@48h')

interface ObservationPatch extends Partial<Omit<TargetObservation, 'review' | 'gray'>> {
  review?: Partial<ReviewObservation>
  gray?: Partial<GrayObservation>
}

function observe(patch: ObservationPatch = {}): TargetObservation {
  const { review, gray, ...rest } = patch
  return {
    appid: APPID,
    versions: { online: { version: '1.2.2', at: T0 - 30 * DAY } },
    ...rest,
    review: {
      status: 'approved',
      userVersion: '1.2.3',
      auditId: 77,
      screenshots: [],
      submittedAt: T0 - 2 * DAY,
      ...review
    },
    gray: {
      status: 'none',
      percentage: 0,
      projectMembersFirst: false,
      experienceMembersFirst: false,
      ...gray
    }
  }
}

function configure(patch: SettingsPatch = {}): ReleaseSettings {
  return releaseSettings({ deploymentEnvironment: 'wechat', ...patch })
}

const running = (percentage: number, startedAt = T0): Partial<GrayObservation> => ({
  status: 'running',
  percentage,
  startedAt
})
const record = (
  stepIndex: number,
  percentage: number,
  stepTakenAt: number,
  extra: Partial<RecordedRollout> = {}
) => ({
  version: '1.2.3',
  stepIndex,
  percentage,
  stepTakenAt,
  schedule: SCHEDULE.text,
  ...extra
})
const kinds = (decision: Decision): string[] => decision.writes.map((write) => write.kind)
const grayWrite = (decision: Decision) =>
  decision.writes.find(
    (write): write is Extract<PlannedWrite, { kind: 'grayrelease' }> => write.kind === 'grayrelease'
  )
/** The WeChat writes only; deployment records are idempotent GitHub writes. */
const wechatWrites = (decision: Decision) => decision.writes.filter((write) => write.kind !== 'deployment')
/** The check runs the decision's plans render to, each with the rollout record it keeps. */
const renderAll = (decision: Decision, targetCount = 1) =>
  decision.checks.map((plan) => ({
    ...renderCheck(plan, { targetCount }),
    recorded: plan.kind === 'gray' ? plan.state.recorded : undefined
  }))
type Rendered = ReturnType<typeof renderAll>[number]
const grayCheckOf = (decision: Decision): Rendered | undefined =>
  renderAll(decision).find((check) => check.kind === 'gray')

describe('decideSync: review', () => {
  it.each(
    mutable([
      ['under_review', 'in_progress', undefined, 'Under review: 1.2.3'],
      ['delayed', 'in_progress', undefined, 'Review delayed: 1.2.3'],
      ['approved', 'completed', 'success', 'Approved: 1.2.3'],
      ['rejected', 'completed', 'failure', 'Rejected: 1.2.3'],
      ['withdrawn', 'completed', 'neutral', 'Withdrawn: 1.2.3']
    ] as const)
  )('maps %s to the review check', (status, checkStatus, conclusion, title) => {
    const decision = decideSync(
      observe({ review: { status, reason: 'Needs a privacy page', screenshots: ['s1', 's2'] } }),
      configure()
    )
    expect(decision.writes).toEqual([])
    const check = renderAll(decision).find((c) => c.kind === 'review')
    expect(check).toMatchObject({ status: checkStatus, title, name: 'WeChat review' })
    expect(check?.conclusion).toBe(conclusion)
    if (status === 'rejected') {
      expect(check?.summary).toContain('> Needs a privacy page')
      expect(check?.summary).toContain('- s1\n- s2')
    }
    if (status === 'delayed') expect(check?.summary).toContain('> Needs a privacy page')
    expect(decision.outputs.result).toBe('unchanged')
  })

  it('points an approved version that is in gray at the gray check', () => {
    const decision = decideSync(observe({ gray: running(5) }), configure())
    expect(renderAll(decision)[0]?.summary).toContain('It is in gray release; see the gray release check.')
  })

  it('puts the appid into check names when there are several targets', () => {
    const decision = decideSync(observe({ gray: running(5) }), configure())
    expect(renderAll(decision, 3).map((check) => check.name)).toEqual([
      `WeChat review (${APPID})`,
      `WeChat gray release (${APPID})`
    ])
  })
})

describe('decideSync: release on approval', () => {
  it('releases an approved version with release-on-approval: full', () => {
    const decision = decideSync(observe(), configure({ releaseOnApproval: 'full' }))
    expect(kinds(decision)).toEqual(['release', 'deployment'])
    expect(decision.outputs.result).toBe('released')
    expect(decision.notes[0]).toBe('Version 1.2.3 was approved (release-on-approval: full).')
  })

  it('does not release again once it is online', () => {
    const decision = decideSync(
      observe({ versions: { online: { version: '1.2.3' } } }),
      configure({ releaseOnApproval: 'full' })
    )
    expect(decision.writes).toEqual([])
  })

  it('never releases while another version is in gray', () => {
    const decision = decideSync(
      observe({
        review: { submittedAt: T0 - HOUR },
        gray: running(10, T0 - DAY),
        recorded: { version: '1.2.2b', stepIndex: -1, percentage: 10, stepTakenAt: T0 - DAY }
      }),
      configure({ releaseOnApproval: 'full' })
    )
    expect(decision.writes).toEqual([])
    expect(grayCheckOf(decision)?.version).toBe('1.2.2b')
  })

  it('starts the schedule with release-on-approval: gray', () => {
    const decision = decideSync(observe(), configure({ releaseOnApproval: 'gray', graySchedule: SCHEDULE }))
    expect(kinds(decision)).toEqual(['grayrelease', 'deployment'])
    expect(grayWrite(decision)?.gray_percentage).toBe(1)
    expect(grayCheckOf(decision)?.recorded).toEqual(record(0, 1, T0))
    expect(grayCheckOf(decision)?.summary).toContain('Next step 2 of 4: 5 % from 2026-01-02 00:00 UTC.')
    expect(decision.outputs.result).toBe('gray-started')
  })

  it('waits for a full release when nothing is online yet', () => {
    const decision = decideSync(
      observe({ versions: {} }),
      configure({ releaseOnApproval: 'gray', graySchedule: SCHEDULE })
    )
    expect(decision.writes).toEqual([])
    expect(decision.notes[0]).toContain('The first version of a mini program must be released in full')
  })

  it('does not restart a gray of this version that was reverted', () => {
    const decision = decideSync(
      observe({
        gray: { status: 'reverted', percentage: 5, startedAt: T0 - DAY },
        recorded: record(1, 5, T0 - HOUR, { haltedReason: 'Reverted by command revert-gray.' })
      }),
      configure({ releaseOnApproval: 'gray', graySchedule: SCHEDULE })
    )
    expect(decision.writes).toEqual([])
    expect(decision.notes[0]).toContain('release-on-approval does not start it again')
    expect(grayCheckOf(decision)).toMatchObject({ conclusion: 'neutral', title: 'Reverted: 1.2.3' })
  })
})

describe('decideSync: gray schedule', () => {
  const settings = (now: number, patch: SettingsPatch = {}) =>
    configure({ graySchedule: SCHEDULE, now, ...patch })

  it('does not take a step 1 minute early (step 0 dwell counts from the plan start)', () => {
    const decision = decideSync(observe({ gray: running(1) }), settings(T0 + 24 * HOUR - 60))
    expect(wechatWrites(decision)).toEqual([])
    expect(decision.outputs.result).toBe('unchanged')
  })

  it('takes the step at the due time and records it', () => {
    const now = T0 + 24 * HOUR
    const decision = decideSync(
      observe({ gray: { ...running(1), experienceMembersFirst: true } }),
      settings(now)
    )
    expect(wechatWrites(decision)).toEqual([
      {
        kind: 'grayrelease',
        gray_percentage: 5,
        support_debuger_first: false,
        support_experiencer_first: true
      }
    ])
    expect(decision.writes.at(-1)).toEqual({
      kind: 'deployment',
      environment: 'wechat',
      version: '1.2.3',
      operation: 'gray',
      state: 'success'
    })
    const check = grayCheckOf(decision)
    expect(check?.recorded).toEqual(record(1, 5, now))
    expect(parseRecorded(check?.text)).toEqual(record(1, 5, now))
    expect(decision.outputs).toMatchObject({ result: 'gray-advanced', grayPercentage: 5 })
  })

  it('does not take the same step twice', () => {
    const now = T0 + 24 * HOUR
    const decision = decideSync(
      observe({ gray: running(5), recorded: record(1, 5, now) }),
      settings(now + 60)
    )
    expect(decision.writes).toEqual([])
  })

  it('measures a recorded step from when it was taken', () => {
    const takenAt = T0 + 30 * HOUR
    const early = decideSync(
      observe({ gray: running(5), recorded: record(1, 5, takenAt) }),
      settings(takenAt + 24 * HOUR - 60)
    )
    expect(early.writes).toEqual([])
    const due = decideSync(
      observe({ gray: running(5), recorded: record(1, 5, takenAt) }),
      settings(takenAt + 24 * HOUR)
    )
    expect(grayWrite(due)?.gray_percentage).toBe(20)
  })

  it('records a step WeChat already shows instead of writing it', () => {
    const now = T0 + 30 * HOUR
    const decision = decideSync(observe({ gray: running(5), recorded: record(0, 1, T0) }), settings(now))
    expect(wechatWrites(decision)).toEqual([])
    expect(grayCheckOf(decision)?.recorded).toEqual(record(1, 5, now))
    expect(decision.outputs.message).toContain('Recorded step 2 (5 %), which WeChat already shows.')
  })

  it('ends the schedule with a full release when the last step is 100 %', () => {
    const now = T0 + 5 * DAY
    const decision = decideSync(
      observe({ gray: running(20), recorded: record(2, 20, T0 + 2 * DAY) }),
      settings(now)
    )
    expect(kinds(decision)).toEqual(['release', 'deployment'])
    expect(decision.outputs).toMatchObject({
      result: 'released',
      onlineVersion: '1.2.3',
      grayStatus: 'finished'
    })
    expect(grayCheckOf(decision)).toMatchObject({ status: 'completed', conclusion: 'success' })
  })

  it('waits while the plan is paused', () => {
    const decision = decideSync(
      observe({ gray: { ...running(1), status: 'paused' } }),
      settings(T0 + 2 * DAY)
    )
    expect(decision.writes).toEqual([])
    expect(decision.notes).toContain(
      'The gray plan is paused in WeChat; the schedule waits until it runs again.'
    )
  })

  it('renders the same check text for the same state within the hour (no rewrite on every sync)', () => {
    const obs = observe({ gray: running(5), recorded: record(1, 5, T0 + HOUR) })
    const sent = (check: Rendered | undefined) => {
      const { status, conclusion, title, summary, text, recorded } = check ?? ({} as Rendered)
      return { status, conclusion, title, summary, text, recorded }
    }
    const first = sent(grayCheckOf(decideSync(obs, settings(T0 + 2 * HOUR + 60))))
    const second = sent(grayCheckOf(decideSync(obs, settings(T0 + 2 * HOUR + 1800))))
    expect(first.title).toBe('Gray at 5 %: 1.2.3')
    expect(second).toEqual(first)
  })
})

describe('decideSync: deadline guard', () => {
  const late = T0 + 14 * DAY + HOUR // 23 h left: inside the 24 h margin

  it.each(
    mutable([
      ['release', ['release', 'deployment'], 'released', 'finished'],
      ['revert', ['revertgrayrelease'], 'reverted', 'reverted'],
      ['warn', [], 'unchanged', 'running']
    ] as const)
  )('inside the margin with gray-deadline-action: %s', (action, writes, result, grayStatus) => {
    const decision = decideSync(
      observe({ gray: running(20), recorded: record(2, 20, T0 + 2 * DAY) }),
      configure({ grayDeadlineAction: action, now: late })
    )
    expect(kinds(decision)).toEqual(writes)
    expect(decision.outputs).toMatchObject({ result, grayStatus })
    if (action === 'warn') {
      expect(decision.notes[0]).toBe(
        'Gray deadline: 23 h left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC). gray-deadline-action is warn, so nothing is done: finish with release or revert-gray.'
      )
    }
  })

  it('only warns in the last three days before the margin', () => {
    const decision = decideSync(
      observe({ gray: running(20) }),
      configure({ grayDeadlineAction: 'release', now: T0 + 12 * DAY })
    )
    expect(decision.writes).toEqual([])
    expect(decision.notes[0]).toBe(
      'Gray deadline: 3 days left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC).'
    )
    expect(grayCheckOf(decision)?.summary).toContain('⚠️ 3 days left of the 15-day limit')
  })

  it('takes the deadline action instead of a schedule step', () => {
    const decision = decideSync(
      observe({ gray: running(5), recorded: record(1, 5, T0 + DAY) }),
      configure({ grayDeadlineAction: 'revert', graySchedule: SCHEDULE, now: late })
    )
    expect(kinds(decision)).toEqual(['revertgrayrelease'])
    expect(grayCheckOf(decision)?.recorded?.haltedReason).toBe(
      'Reverted 24 h before the 15-day limit (gray-deadline-action: revert).'
    )
  })
})

describe('decideSync: health gate', () => {
  const group = (key: string, uv: number): ErrorGroup => ({ key, uv, pv: uv, message: `Error ${key}` })
  const gate = { maxNewErrorGroups: 0, maxErrorUvRatio: 2, minOnlineBaseline: 50, action: 'halt' as const }
  const due = T0 + 24 * HOUR
  const errors = (gray: ErrorGroup[], online: ErrorGroup[]) => ({
    grayVersion: '1.2.3',
    onlineVersion: '1.2.2',
    gray,
    online
  })

  it('lets a healthy rollout advance', () => {
    const decision = decideSync(
      observe({ gray: running(10), jsErrors: errors([group('a', 1)], [group('a', 90)]) }),
      configure({ graySchedule: parseGraySchedule('10, 50@24h'), healthGate: gate, now: due })
    )
    expect(grayWrite(decision)?.gray_percentage).toBe(50)
    expect(grayCheckOf(decision)?.text).toContain('Health gate passed')
  })

  it('halts on new error groups: no step, a red check listing them, the halt recorded', () => {
    const decision = decideSync(
      observe({ gray: running(10), jsErrors: errors([group('a', 1), group('boom', 4)], [group('a', 90)]) }),
      configure({ graySchedule: parseGraySchedule('10, 50@24h'), healthGate: gate, now: due })
    )
    expect(decision.writes).toEqual([])
    const check = grayCheckOf(decision)
    expect(check).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      title: 'Halted at 10 %: 1.2.3'
    })
    expect(check?.text).toContain('| Error boom | 4 | 4 |')
    expect(check?.recorded?.haltedReason).toBe(
      'Health gate failed: 1 new error group in 1.2.3 (at most 0 allowed). New: "Error boom" (4 users).'
    )
    expect(decision.outputs.result).toBe('halted')
  })

  it('reverts when the gate says so', () => {
    const decision = decideSync(
      observe({ gray: running(10), jsErrors: errors([group('boom', 4)], [group('a', 90)]) }),
      configure({ healthGate: { ...gate, action: 'revert' }, now: due })
    )
    expect(kinds(decision)).toEqual(['revertgrayrelease'])
    expect(decision.outputs.result).toBe('reverted')
  })

  it('passes with too small a baseline and says the ratio was skipped', () => {
    const decision = decideSync(
      observe({ gray: running(10), jsErrors: errors([group('a', 40)], [group('a', 10)]) }),
      configure({ graySchedule: parseGraySchedule('10, 50@24h'), healthGate: gate, now: due })
    )
    expect(grayWrite(decision)?.gray_percentage).toBe(50)
    expect(grayCheckOf(decision)?.text).toContain(
      'error ratio skipped: the online version has 10 error users'
    )
  })

  it('keeps a halted rollout halted even when the next step is due', () => {
    const decision = decideSync(
      observe({
        gray: running(10),
        recorded: record(0, 10, T0, { haltedReason: 'Health gate failed: x.' }),
        jsErrors: errors([group('a', 1)], [group('a', 90)])
      }),
      configure({ graySchedule: parseGraySchedule('10, 50@24h'), healthGate: gate, now: due + DAY })
    )
    expect(decision.writes).toEqual([])
    expect(grayCheckOf(decision)).toMatchObject({ conclusion: 'failure' })
  })
})

describe('decideSync: an ended plan', () => {
  const started = T0 - 16 * DAY

  it('says honestly that WeChat released it on day 15', () => {
    const decision = decideSync(
      observe({
        gray: { status: 'finished', percentage: 100, startedAt: started },
        versions: { online: { version: '1.2.3', at: started + 15 * DAY } },
        recorded: record(1, 5, started + DAY)
      }),
      configure()
    )
    expect(decision.writes).toEqual([])
    const check = grayCheckOf(decision)
    expect(check).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      title: 'Released to everyone by WeChat at the 15-day limit: 1.2.3'
    })
    expect(decision.notes[0]).toContain(
      'WeChat released the gray version to everyone when the 15-day limit ran out'
    )
  })

  it('reports a release made by the action as a success', () => {
    const decision = decideSync(
      observe({
        gray: { status: 'finished', percentage: 100, startedAt: started },
        versions: { online: { version: '1.2.3', at: started + 5 * DAY } }
      }),
      configure()
    )
    expect(grayCheckOf(decision)).toMatchObject({
      conclusion: 'success',
      title: 'Released to everyone: 1.2.3'
    })
  })
})

describe('decideSync: one review check', () => {
  it('releasing on approval shows the review check once, saying the version is online', () => {
    const decision = decideSync(observe(), configure({ releaseOnApproval: 'full' }))
    expect(kinds(decision)).toEqual(['release', 'deployment'])
    const reviews = renderAll(decision).filter((check) => check.kind === 'review')
    expect(reviews).toHaveLength(1)
    expect(reviews[0]?.summary).toContain('It is online.')
  })
})
