import { describe, expect, it } from '@jest/globals'
import { deadlineAction, grayDeadline } from '../src/release/deadline.js'
import { evaluateHealth } from '../src/release/health.js'
import type { ErrorGroup, GrayObservation, RecordedRollout } from '../src/release/model.js'
import {
  embedRecorded,
  embedRecordedReview,
  parseRecorded,
  parseRecordedReview
} from '../src/release/recorded.js'
import { nextStep, parseGraySchedule, stepIndexForPercentage } from '../src/release/schedule.js'

const HOUR = 3600
const DAY = 86_400
const T0 = 1_767_225_600

describe('parseGraySchedule', () => {
  it.each([
    [
      '1, 5@24h, 20@24h, 50@48h, 100@48h',
      [1, 5, 20, 50, 100],
      [0, 24 * HOUR, 24 * HOUR, 48 * HOUR, 48 * HOUR]
    ],
    ['1\n5@30m\n20@2d', [1, 5, 20], [0, 30 * 60, 2 * DAY]],
    ['0, 10@1h', [0, 10], [0, HOUR]],
    ['5%, 50% @ 12H', [5, 50], [0, 12 * HOUR]],
    ['100', [100], [0]]
  ])('parses %j', (text, percents, dwells) => {
    const schedule = parseGraySchedule(text)
    expect(schedule.steps.map((step) => step.percent)).toEqual(percents)
    expect(schedule.steps.map((step) => step.dwellSeconds)).toEqual(dwells)
    expect(schedule.totalSeconds).toBe(dwells.reduce((a, b) => a + b, 0))
  })

  it('normalises the text', () => {
    expect(parseGraySchedule(' 1,5@24h ,\n 20@1d').text).toBe('1, 5@1d, 20@1d')
  })

  it.each([
    ['', 'is empty: give steps such as "1, 5@24h, 20@24h, 100@48h"'],
    [
      '1, five@24h',
      'step 2 "five@24h" is not of the form percent[@dwell] with dwell in m, h or d (e.g. 20@24h)'
    ],
    ['1, 5@24w', 'step 2 "5@24w" is not of the form percent[@dwell] with dwell in m, h or d (e.g. 20@24h)'],
    ['1, 2.5@1h', 'step 2 "2.5@1h" is not of the form percent[@dwell] with dwell in m, h or d (e.g. 20@24h)'],
    ['1, 101@1h', 'step 2: 101 is not a percentage from 0 to 100'],
    ['5, 0@1h', 'step 2: 0 % is allowed only as the first step (members or whitelist only)'],
    [
      '5, 20@1h, 10@1h',
      "step 3: 10 % must be higher than the previous step's 20 % (steps must be strictly increasing)"
    ],
    [
      '5, 5@1h',
      "step 2: 5 % must be higher than the previous step's 5 % (steps must be strictly increasing)"
    ],
    ['1, 5', 'step 2 "5": every step after the first needs a dwell time greater than 0 (e.g. 5@24h)'],
    ['1, 5@0h', 'step 2 "5@0h": every step after the first needs a dwell time greater than 0 (e.g. 5@24h)'],
    ['1@2h, 5@1h', 'step 1 "1@2h": the first step starts the plan at once and takes no dwell time'],
    [
      '1, 5@5d, 20@5d, 100@5d',
      "takes 15 d but must fit inside WeChat's 15-day gray limit minus the 24 h deadline margin (14 d): 1 d too long"
    ]
  ])('rejects %j', (text, message) => {
    expect(() => parseGraySchedule(text)).toThrow(new Error(message))
  })

  it('counts the deadline margin it is given, and accepts a schedule that fits exactly', () => {
    expect(() => parseGraySchedule('1, 100@313h', { marginHours: 48 })).toThrow(
      "takes 13 d 1 h but must fit inside WeChat's 15-day gray limit minus the 48 h deadline margin (13 d): 1 h too long"
    )
    expect(parseGraySchedule('1, 100@313h', { marginHours: 47 }).totalSeconds).toBe(313 * HOUR)
    expect(() => parseGraySchedule('1, 100@342h')).toThrow('(14 d): 6 h too long')
  })

  it('rejects a first step of 0 % when it is known that no members are configured', () => {
    expect(() => parseGraySchedule('0, 5@1h', { members: false })).toThrow(
      'step 1: 0 % reaches nobody without gray-project-members, gray-experience-members or gray-whitelist'
    )
    expect(parseGraySchedule('0, 5@1h', { members: true }).steps).toHaveLength(2)
  })
})

describe('nextStep', () => {
  const schedule = parseGraySchedule('1, 5@24h, 20@24h, 100@48h')
  const running = (percentage: number, startedAt = T0): GrayObservation => ({
    status: 'running',
    percentage,
    startedAt,
    projectMembersFirst: false,
    experienceMembersFirst: false
  })
  const recorded = (stepIndex: number, percentage: number, stepTakenAt: number): RecordedRollout => ({
    version: '1.2.3',
    stepIndex,
    percentage,
    stepTakenAt
  })

  it('starts with the first step when no plan runs', () => {
    const none: GrayObservation = { ...running(0), status: 'none' }
    expect(nextStep(schedule, none, undefined, T0)).toMatchObject({
      due: true,
      index: 0,
      step: { percent: 1 }
    })
  })

  it.each([
    [
      'step 0 measured from the plan start: 1 minute early',
      running(1),
      undefined,
      T0 + 24 * HOUR - 60,
      false,
      1
    ],
    ['step 0 measured from the plan start: at the due time', running(1), undefined, T0 + 24 * HOUR, true, 1],
    [
      'recorded step 1: 1 minute early',
      running(5),
      recorded(1, 5, T0 + 30 * HOUR),
      T0 + 54 * HOUR - 60,
      false,
      2
    ],
    ['recorded step 1: at the due time', running(5), recorded(1, 5, T0 + 30 * HOUR), T0 + 54 * HOUR, true, 2],
    ['last step dwell 48 h', running(20), recorded(2, 20, T0 + 60 * HOUR), T0 + 108 * HOUR, true, 3]
  ])('%s', (_name, gray, record, now, due, index) => {
    const next = nextStep(schedule, gray, record, now)
    expect(next.due).toBe(due)
    expect(next.index).toBe(index)
  })

  it('never takes a step twice: a percentage WeChat already shows counts as taken, measured from now', () => {
    // Recorded step 0, but WeChat is at 5 % (raised by hand): step 1 is in force and its dwell starts now.
    const next = nextStep(schedule, running(5), recorded(0, 1, T0), T0 + 100 * HOUR)
    expect(next.currentIndex).toBe(1)
    expect(next.index).toBe(2)
    expect(next.step?.percent).toBe(20)
    expect(next.due).toBe(false)
    expect(next.dueAt).toBe(T0 + 124 * HOUR)
  })

  it('never puts the rollout past what WeChat shows, whatever the record claims', () => {
    // A record claiming step 3 (100 %) while WeChat is at 1 %: the step in force is 0, the next one 5 %,
    // due a day after the plan started, not at once.
    const next = nextStep(schedule, running(1), recorded(3, 100, T0 - 30 * DAY), T0 + HOUR)
    expect(next.currentIndex).toBe(0)
    expect(next.step?.percent).toBe(5)
    expect(next.due).toBe(false)
    expect(next.dueAt).toBe(T0 + 24 * HOUR)
  })

  it('never measures a step from before the plan started', () => {
    const next = nextStep(schedule, running(5, T0), recorded(1, 5, T0 - 10 * DAY), T0 + HOUR)
    expect(next.currentSince).toBe(T0)
    expect(next.due).toBe(false)
  })

  it('reports a complete schedule', () => {
    const done = parseGraySchedule('1, 5@1h')
    expect(nextStep(done, running(5), recorded(1, 5, T0), T0 + DAY)).toMatchObject({
      due: false,
      step: undefined
    })
  })

  it('maps percentages to steps', () => {
    expect(stepIndexForPercentage(schedule, 0)).toBe(-1)
    expect(stepIndexForPercentage(schedule, 1)).toBe(0)
    expect(stepIndexForPercentage(schedule, 10)).toBe(1)
    expect(stepIndexForPercentage(schedule, 100)).toBe(3)
  })
})

describe('grayDeadline', () => {
  it.each([
    ['day 1', T0 + DAY, 'ok', 14],
    ['just before the warning window', T0 + 12 * DAY - 1, 'ok', 3],
    ['3 days left', T0 + 12 * DAY, 'warn', 3],
    ['25 hours left', T0 + 15 * DAY - 25 * HOUR, 'warn', 1],
    ['24 hours left (inside the margin)', T0 + 14 * DAY, 'act', 1],
    ['1 second left', T0 + 15 * DAY - 1, 'act', 0],
    ['limit reached', T0 + 15 * DAY, 'passed', 0],
    ['past the limit', T0 + 16 * DAY, 'passed', 0]
  ])('%s', (_name, now, phase, daysLeft) => {
    const status = grayDeadline({ startedAt: T0 }, now, 24)!
    expect(status.phase).toBe(phase)
    expect(status.daysLeft).toBe(daysLeft)
    expect(status.endsAt).toBe(T0 + 15 * DAY)
    expect(status.remainingSeconds).toBe(T0 + 15 * DAY - now)
  })

  it('uses the configured margin', () => {
    expect(grayDeadline({ startedAt: T0 }, T0 + 13 * DAY, 48)?.phase).toBe('act')
    expect(grayDeadline({ startedAt: T0 }, T0 + 13 * DAY, 24)?.phase).toBe('warn')
  })

  it('maps gray-deadline-action to what sync does', () => {
    expect(deadlineAction('release')).toBe('release')
    expect(deadlineAction('revert')).toBe('revertgrayrelease')
    expect(deadlineAction('warn')).toBe('warn')
  })
})

describe('evaluateHealth', () => {
  const group = (key: string, uv: number): ErrorGroup => ({
    key,
    uv,
    pv: uv * 2,
    message: `TypeError ${key}`
  })
  const gate = { maxNewErrorGroups: 0, maxErrorUvRatio: 2, minOnlineBaseline: 50, action: 'halt' as const }

  it('passes when the gray version has no new errors and a similar rate', () => {
    // 10 % gray: 12 uv → 1.2/%; online 90 %: 90 uv → 1/%; ratio 1.2
    const result = evaluateHealth(
      { grayVersion: '1.2.3', onlineVersion: '1.2.2', gray: [group('a', 12)], online: [group('a', 90)] },
      gate,
      10
    )
    expect(result.pass).toBe(true)
    expect(result.ratio).toBeCloseTo(1.2)
    expect(result.newGroups).toEqual([])
    expect(result.reason).toBe(
      'Health gate passed: 0 new error groups (limit 0); error ratio 1.20 (limit 2; 12 error users at 10 % vs 90 at 90 %).'
    )
  })

  it('fails on new error groups, listing them by users', () => {
    const result = evaluateHealth(
      {
        grayVersion: '1.2.3',
        onlineVersion: '1.2.2',
        gray: [group('a', 1), group('new1', 3), group('new2', 7)],
        online: [group('a', 90)]
      },
      gate,
      10
    )
    expect(result.pass).toBe(false)
    expect(result.newGroups.map((g) => g.key)).toEqual(['new2', 'new1'])
    expect(result.reason).toBe(
      'Health gate failed: 2 new error groups in 1.2.3 (at most 0 allowed). New: "TypeError new2" (7 users), "TypeError new1" (3 users).'
    )
  })

  it('fails on a ratio above the limit', () => {
    const result = evaluateHealth(
      { grayVersion: '1.2.3', onlineVersion: '1.2.2', gray: [group('a', 30)], online: [group('a', 90)] },
      gate,
      10
    )
    expect(result.pass).toBe(false)
    expect(result.ratio).toBeCloseTo(3)
    expect(result.reason).toBe(
      'Health gate failed: error ratio 3.00 is above 2 (30 error users at 10 % vs 90 at 90 %).'
    )
  })

  it('skips the ratio when the online baseline is too small, and says so', () => {
    const result = evaluateHealth(
      { grayVersion: '1.2.3', onlineVersion: '1.2.2', gray: [group('a', 30)], online: [group('a', 20)] },
      gate,
      10
    )
    expect(result.pass).toBe(true)
    expect(result.ratio).toBeUndefined()
    expect(result.reason).toContain(
      'error ratio skipped: the online version has 20 error users, below the baseline of 50 needed to judge it'
    )
  })

  it('does not judge the ratio at 0 % (members only)', () => {
    const result = evaluateHealth(
      { grayVersion: '1.2.3', onlineVersion: '1.2.2', gray: [group('a', 30)], online: [group('a', 200)] },
      gate,
      0
    )
    expect(result.ratio).toBeUndefined()
    expect(result.reason).toContain('at 0 % there is no traffic split')
  })
})

describe('recorded rollout marker', () => {
  const recorded: RecordedRollout = {
    version: '1.2.3',
    stepIndex: 2,
    percentage: 20,
    stepTakenAt: T0,
    haltedReason: 'Health gate failed: 2 new error groups --> bad',
    schedule: '1, 5@1d'
  }

  it('round-trips, even with text that would end an HTML comment', () => {
    const marker = embedRecorded(recorded)
    expect(marker.startsWith('<!-- wechat-miniprogram-release:state {')).toBe(true)
    expect(marker.slice(4, -4)).not.toContain('--')
    expect(parseRecorded(`# Gray\n\nsome text\n${marker}\n`)).toEqual(recorded)
  })

  it('round-trips a negative step index (a gray set by hand)', () => {
    const byHand: RecordedRollout = {
      version: '2.0.0-beta--1',
      stepIndex: -1,
      percentage: 0,
      stepTakenAt: T0
    }
    expect(parseRecorded(embedRecorded(byHand))).toEqual(byHand)
  })

  it.each([
    ['no text', undefined],
    ['no marker', 'just a check run text'],
    ['broken JSON', '<!-- wechat-miniprogram-release:state {"version": -->'],
    ['missing fields', '<!-- wechat-miniprogram-release:state {"version":"1.2.3"} -->'],
    [
      'wrong types',
      '<!-- wechat-miniprogram-release:state {"version":"1","stepIndex":"2","percentage":1,"stepTakenAt":1} -->'
    ],
    ['a JSON array', '<!-- wechat-miniprogram-release:state [1,2] -->']
  ])('tolerates %s', (_name, text) => {
    expect(parseRecorded(text)).toBeUndefined()
  })

  it('drops unknown and mistyped optional fields', () => {
    const text =
      '<!-- wechat-miniprogram-release:state {"version":"1.2.3","stepIndex":1,"percentage":5,"stepTakenAt":10,"haltedReason":7,"extra":true} -->'
    expect(parseRecorded(text)).toEqual({ version: '1.2.3', stepIndex: 1, percentage: 5, stepTakenAt: 10 })
  })

  it('keeps the review marker apart', () => {
    const text = `${embedRecordedReview({ auditId: 42, spedUp: true })}\n${embedRecorded(recorded)}`
    expect(parseRecordedReview(text)).toEqual({ auditId: 42, spedUp: true })
    expect(parseRecorded(text)).toEqual(recorded)
    expect(parseRecordedReview('<!-- wechat-miniprogram-release:review null -->')).toBeUndefined()
  })
})
