import { describe, expect, it } from '@jest/globals'
import {
  decide,
  decideAdvance,
  decideGray,
  decideRelease,
  decideRevertGray,
  decideRollback,
  decideSpeedup,
  decideSubmit,
  decideSync,
  decideWithdraw,
  describeTesterOutcome,
  describeWrite,
  nothingToWithdraw,
  withAuditId,
  withReviewItem,
  withTesterOutcomes
} from '../src/release/decide.js'
import type {
  Decision,
  GrayObservation,
  HistoryEntry,
  PlannedWrite,
  ReviewObservation,
  TargetObservation
} from '../src/release/model.js'
import { parseRecorded } from '../src/release/recorded.js'
import { parseGraySchedule } from '../src/release/schedule.js'
import { resolveVersionNames } from '../src/release/versions.js'
import type { ReleaseSettings } from '../src/release/settings.js'
import { releaseSettings, type SettingsPatch } from '../test-support/release-fixtures.js'
import { renderCheck } from '../src/report/checks.js'
/** jest 29's it.each types want mutable rows; `as const` tables are readonly. */
const mutable = <T extends readonly unknown[]>(rows: readonly T[]): Array<[...T]> =>
  rows.map((row) => [...row] as [...T])

const T0 = 1_767_225_600
const DAY = 86_400
const APPID = 'wx0123456789abcdef'

interface ObservationPatch extends Partial<Omit<TargetObservation, 'review' | 'gray'>> {
  review?: Partial<ReviewObservation>
  gray?: Partial<GrayObservation>
}

function observe(patch: ObservationPatch = {}): TargetObservation {
  const { review, gray, ...rest } = patch
  return {
    appid: APPID,
    versions: { online: { version: '1.2.2', at: T0 - 30 * DAY } },
    quota: { rest: 10, limit: 20, speedupRest: 3, speedupLimit: 5, known: true },
    ...rest,
    review: { status: 'none', screenshots: [], ...review },
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
  return releaseSettings({ version: '1.2.3', deploymentEnvironment: 'wechat', ...patch })
}

const approved = (version = '1.2.3'): Partial<ReviewObservation> => ({
  status: 'approved',
  userVersion: version,
  auditId: 77,
  submittedAt: T0 - 2 * DAY
})
const running = (percentage: number, startedAt = T0 - DAY): Partial<GrayObservation> => ({
  status: 'running',
  percentage,
  startedAt
})
const kinds = (decision: Decision): string[] => decision.writes.map((write) => write.kind)
const writeOf = <K extends PlannedWrite['kind']>(decision: Decision, kind: K) =>
  decision.writes.find((write): write is Extract<PlannedWrite, { kind: K }> => write.kind === kind)
/** The check run a decision's check plan renders to (one target). */
const rendered = (decision: Decision, index = 0) => {
  const plan = decision.checks[index]
  if (!plan) throw new Error(`no check ${index}`)
  return renderCheck(plan, { targetCount: 1 })
}
const CATEGORY = { first_class: '工具', second_class: '效率', first_id: 287, second_id: 612 }

describe('decideSubmit', () => {
  const submit = (patch: SettingsPatch = {}) =>
    configure({ command: 'submit', reviewItems: [CATEGORY], ...patch })

  it('submits a new version with the review items and notes, and opens the review check', () => {
    const decision = decideSubmit(
      observe(),
      submit({
        reviewItems: [{ address: 'pages/index/index', tag: 'shop', ...CATEGORY }],
        reviewNotes: 'Fixes checkout',
        privacy: { privacyApiNotUse: true }
      })
    )
    expect(decision.refused).toBeUndefined()
    expect(decision.writes).toEqual([
      {
        kind: 'submit_audit',
        body: {
          item_list: [{ address: 'pages/index/index', tag: 'shop', ...CATEGORY }],
          version_desc: 'Fixes checkout',
          privacy_api_not_use: true
        }
      }
    ])
    expect(decision.outputs).toMatchObject({
      result: 'submitted',
      version: '1.2.3',
      reviewStatus: 'under_review'
    })
    // True only once submit_audit went through: the summary shows it only then.
    expect(decision.notes).not.toContain('Review quota: 9 of 20 left this month after this submission.')
    expect(decision.afterWrites).toContain('Review quota: 9 of 20 left this month after this submission.')
    expect(rendered(decision)).toMatchObject({
      kind: 'review',
      name: 'WeChat review',
      externalId: `wechat-review:${APPID}:1.2.3`,
      status: 'in_progress',
      title: 'Under review: 1.2.3'
    })
  })

  it('without review-items, submits one item from the first category and the first page', () => {
    const obs = observe({ categories: [CATEGORY, { ...CATEGORY, second_class: '其他', second_id: 1 }] })
    const decision = decideSubmit(obs, submit({ reviewItems: undefined }))
    expect(decision.writes).toEqual([{ kind: 'submit_audit', body: {}, defaultItemCategory: CATEGORY }])
    expect(describeWrite(decision.writes[0]!)).toBe(
      'WeChat POST /wxa/submit_audit (1 review group from the category 工具 > 效率 and the first page)'
    )
    const submitted = withReviewItem(decision, { ...CATEGORY, address: 'pages/home/home' })
    expect(submitted.afterWrites[0]).toBe(
      "Review item built from the mini program's own first category and the first page of the uploaded code, as the WeChat console fills it: 工具 > 效率, page pages/home/home."
    )
  })

  it.each(
    mutable([
      ['under review', { status: 'under_review', userVersion: '1.2.3', auditId: 5 }, 'adopted'],
      ['delayed', { status: 'delayed', userVersion: '1.2.3', auditId: 5 }, 'adopted'],
      ['approved', { status: 'approved', userVersion: '1.2.3', auditId: 5 }, 'unchanged']
    ] as const)
  )('adopts a review of the same version that is %s instead of submitting again', (_name, review, result) => {
    const decision = decideSubmit(observe({ review }), submit())
    expect(decision.writes).toEqual([])
    expect(decision.refused).toBeUndefined()
    expect(decision.outputs.result).toBe(result)
    expect(decision.outputs.message).toContain('audit 5')
  })

  it('does nothing for a version that is already online', () => {
    const decision = decideSubmit(observe({ versions: { online: { version: '1.2.3' } } }), submit())
    expect(decision.writes).toEqual([])
    expect(decision.outputs.result).toBe('unchanged')
  })

  it.each([
    [
      'another version under review',
      observe({ review: { status: 'under_review', userVersion: '1.2.2', auditId: 4 } }),
      submit(),
      'Version 1.2.2 is under review (audit 4), and WeChat reviews one version at a time (85009): wait for its result or withdraw it (command: withdraw) before submitting 1.2.3.'
    ],
    [
      'no review quota left',
      observe({ quota: { rest: 0, limit: 20, speedupRest: 0, speedupLimit: 5, known: true } }),
      submit(),
      'The review quota is used up (0 of 20 left this month; WeChat would answer 85085 "submit audit reach limit"). Ask for temporary quota in 小程序服务商助手 or wait for next month.'
    ],
    [
      'no category to build the review item from',
      observe({ categories: [] }),
      submit({ reviewItems: undefined }),
      `review-items is not set and ${APPID} has no category configured (get_category lists none), so there is no category to submit for review (WeChat requires one per item). Add a category in the WeChat console, or set review-items.`
    ],
    [
      'a pending review of a version WeChat does not name',
      observe({ review: { status: 'under_review', auditId: 4 } }),
      submit(),
      'Version (WeChat does not name it) is under review (audit 4), and WeChat reviews one version at a time (85009): wait for its result or withdraw it (command: withdraw) before submitting 1.2.3.'
    ],
    [
      'no version',
      observe(),
      submit({ version: undefined }),
      'A version is needed to submit for review (input version, or a v1.2.3 tag).'
    ]
  ])('refuses: %s', (_name, obs, settings, message) => {
    const decision = decideSubmit(obs, settings)
    expect(decision.writes).toEqual([])
    expect(decision.refused).toBe(message)
    expect(decision.outputs).toMatchObject({ result: 'refused', message })
  })

  it('resubmits after a rejection with the feedback, and says so', () => {
    const decision = decideSubmit(
      observe({
        review: {
          status: 'rejected',
          userVersion: '1.2.3',
          reason: 'Missing privacy policy',
          screenshots: ['m']
        }
      }),
      submit({ feedback: 'Added the privacy policy page', feedbackMedia: ['media1', 'media2'] })
    )
    expect(writeOf(decision, 'submit_audit')?.body).toEqual({
      item_list: [CATEGORY],
      feedback_info: 'Added the privacy policy page',
      feedback_stuff: 'media1|media2'
    })
    expect(decision.notes[0]).toBe('Resubmitting after the rejection of 1.2.3: Missing privacy policy')
    expect(decision.outputs.result).toBe('submitted')
  })

  it('does not send feedback without a prior rejection and notes that WeChat ignores it', () => {
    const decision = decideSubmit(
      observe({ review: { status: 'withdrawn', userVersion: '1.2.3' } }),
      submit({ feedback: 'Please look again' })
    )
    expect(writeOf(decision, 'submit_audit')?.body).toEqual({ item_list: [CATEGORY] })
    expect(decision.notes[0]).toBe(
      'feedback and feedback-media are not sent: they are ignored by WeChat unless the previous review was rejected (it was withdrawn).'
    )
  })

  it('with route none, uploads only and points at the console', () => {
    const decision = decideSubmit(observe(), submit({ route: 'none' }))
    expect(decision.writes).toEqual([])
    expect(decision.outputs.result).toBe('uploaded')
    // Never left queued: the review happens in the console, so the check is complete at once.
    expect(rendered(decision)).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      title: 'Uploaded for the console: 1.2.3'
    })
  })

  it('fills in the audit id once submit_audit answered', () => {
    const obs = observe()
    const settings = submit()
    const completed = withAuditId(decideSubmit(obs, settings), obs, settings, 4242)
    expect(completed.outputs.auditId).toBe(4242)
    expect(rendered(completed).summary).toContain('audit 4242')
    expect(rendered(completed).externalId).toBe(`wechat-review:${APPID}:1.2.3`)
  })
})

describe('decideRelease', () => {
  const release = (patch: SettingsPatch = {}) => configure({ command: 'release', ...patch })

  it('releases the approved version the user means and records a deployment', () => {
    const decision = decideRelease(observe({ review: approved() }), release())
    expect(decision.writes).toEqual([
      { kind: 'release' },
      { kind: 'deployment', environment: 'wechat', version: '1.2.3', operation: 'release', state: 'success' }
    ])
    expect(decision.outputs).toMatchObject({ result: 'released', onlineVersion: '1.2.3' })
  })

  it('makes no deployment write without a deployment environment', () => {
    const decision = decideRelease(
      observe({ review: approved() }),
      release({ deploymentEnvironment: undefined })
    )
    expect(kinds(decision)).toEqual(['release'])
  })

  it('refuses a version whose gray finished and that was rolled back since (85052), before WeChat is called', () => {
    // 1.2.3 went to everyone through its gray plan (finished after its submission), then 1.2.2 came back.
    const rolledBack = observe({
      review: approved(),
      gray: { status: 'finished', percentage: 100, startedAt: T0 - DAY }
    })
    const release = decideRelease(rolledBack, configure({ command: 'release' }))
    expect(release.writes).toEqual([])
    expect(release.refused).toMatch(/1\.2\.3 was released to everyone .* 1\.2\.2 is online again.*85052/)
    const gray = decide(rolledBack, configure({ command: 'gray', grayPercent: 5 }))
    expect(gray.writes).toEqual([])
    expect(gray.refused).toMatch(/85052/)
    // An older finished plan (of an earlier version) says nothing about 1.2.3.
    const older = observe({
      review: approved(),
      gray: { status: 'finished', percentage: 100, startedAt: T0 - 9 * DAY }
    })
    expect(kinds(decideRelease(older, configure({ command: 'release' })))).toContain('release')
  })

  it('treats an already released version as unchanged, not as an error (85052)', () => {
    const decision = decideRelease(
      observe({ review: approved(), versions: { online: { version: '1.2.3' } } }),
      release()
    )
    // Only the (idempotent) deployment record: a rerun after a crash still records the release.
    expect(decision.writes.map((write) => write.kind)).toEqual(['deployment'])
    expect(decision.refused).toBeUndefined()
    expect(decision.outputs.result).toBe('unchanged')
    expect(decision.outputs.message).toContain('85052')
  })

  it.each([
    [
      'the approved version is another one',
      observe({ review: approved('1.2.4') }),
      'The approved version is 1.2.4, not 1.2.3: WeChat releases only the last approved version. Set version: 1.2.4 to release it.'
    ],
    [
      'the version is still under review',
      observe({ review: { status: 'under_review', userVersion: '1.2.3' } }),
      'Version 1.2.3 cannot be released: the latest review is of 1.2.3 and it is under review, while WeChat releases only the last approved version (85020).'
    ],
    [
      'nothing was ever approved',
      observe(),
      'No version is approved, so 1.2.3 cannot be released (WeChat: 85019).'
    ],
    [
      'another version is in gray',
      observe({
        review: { ...approved('1.2.3'), submittedAt: T0 - 100 },
        gray: running(10, T0 - DAY),
        recorded: { version: '1.2.2b', stepIndex: -1, percentage: 10, stepTakenAt: T0 - DAY }
      }),
      'Version 1.2.2b is in gray release (10 %); no other version can be released while a gray plan runs. Finish it with release (version: 1.2.2b) or revert-gray first.'
    ]
  ])('refuses when %s', (_name, obs, message) => {
    const decision = decideRelease(obs, release())
    expect(decision.writes).toEqual([])
    expect(decision.refused).toBe(message)
  })

  it('refuses without a version, naming the approved one', () => {
    expect(
      decideRelease(observe({ review: approved('1.2.4') }), release({ version: undefined })).refused
    ).toBe(
      'Set version to the version you mean to release (the approved version is 1.2.4); release never guesses.'
    )
  })

  it('finishes a running gray of the same version', () => {
    const decision = decideRelease(observe({ review: approved(), gray: running(20) }), release())
    expect(kinds(decision)).toEqual(['release', 'deployment'])
    expect(decision.notes[0]).toBe('This finishes the gray release of 1.2.3 at 20 %: everyone gets it.')
    const index = decision.checks.findIndex((check) => check.kind === 'gray')
    expect(rendered(decision, index)).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      title: 'Released to everyone: 1.2.3'
    })
    const gray = decision.checks[index]
    expect(gray?.kind === 'gray' && gray.state.recorded).toMatchObject({
      version: '1.2.3',
      percentage: 100,
      stepTakenAt: T0
    })
    expect(decision.outputs).toMatchObject({ grayStatus: 'finished', grayPercentage: 100 })
  })
})

describe('decideRollback', () => {
  const history: HistoryEntry[] = [
    { appVersion: 11, userVersion: '1.2.0', description: 'old', committedAt: T0 - 60 * DAY },
    { appVersion: 12, userVersion: '1.2.1', description: 'previous', committedAt: T0 - 40 * DAY }
  ]
  const rollback = (patch: SettingsPatch = {}) =>
    configure({ command: 'rollback', version: undefined, ...patch })

  it('rolls back to the previous version and lists the targets', () => {
    const decision = decideRollback(observe({ history }), rollback())
    expect(decision.writes).toEqual([
      { kind: 'revertcoderelease', userVersion: '1.2.1' },
      { kind: 'deployment', environment: 'wechat', version: '1.2.1', operation: 'rollback', state: 'success' }
    ])
    expect(decision.notes[0]).toBe(
      'Rollback targets: 1.2.1 (app_version 12, released 2025-11-22 00:00 UTC); 1.2.0 (app_version 11, released 2025-11-02 00:00 UTC).'
    )
    expect(decision.outputs).toMatchObject({
      result: 'rolled-back',
      onlineVersion: '1.2.1',
      rollbackTargets: ['1.2.1', '1.2.0'],
      message: 'Rolled back from 1.2.2 to 1.2.1.'
    })
  })

  it('converges when the chosen version is already online (a rerun after the rollback went through)', () => {
    const decision = decideRollback(observe({ history }), rollback({ rollbackTo: '1.2.2' }))
    expect(decision.writes.map((write) => write.kind)).toEqual(['deployment'])
    expect(decision.refused).toBeUndefined()
    expect(decision.outputs).toMatchObject({ result: 'unchanged', onlineVersion: '1.2.2' })
  })

  it('rolls back to a chosen version by its app_version', () => {
    const decision = decideRollback(observe({ history }), rollback({ rollbackTo: '1.2.0' }))
    expect(decision.writes[0]).toEqual({ kind: 'revertcoderelease', appVersion: 11, userVersion: '1.2.0' })
  })

  it.each([
    [
      'a gray release runs',
      observe({ history, review: approved(), gray: running(5) }),
      rollback(),
      'A gray release of 1.2.3 is running (5 %), and WeChat refuses a rollback meanwhile (87011). Finish it with release or revert-gray first.'
    ],
    [
      'the history is empty',
      observe({ history: [] }),
      rollback(),
      'WeChat lists no version to roll back to (87012): it keeps only the last 5 versions released through the platform, a version already rolled back cannot be again, and versions released in the console before authorization are not listed.'
    ],
    [
      'the chosen version is not a target',
      observe({ history }),
      rollback({ rollbackTo: '1.1.0' }),
      "Version 1.1.0 is not in WeChat's rollback list; choose one of 1.2.1, 1.2.0."
    ],
    [
      'nothing is online',
      observe({ history, versions: {} }),
      rollback(),
      'No version is online, so there is nothing to roll back.'
    ]
  ])('refuses when %s', (_name, obs, settings, message) => {
    const decision = decideRollback(obs, settings)
    expect(decision.writes).toEqual([])
    expect(decision.refused).toBe(message)
  })
})

describe('decideWithdraw and decideSpeedup', () => {
  const underReview: Partial<ReviewObservation> = { status: 'under_review', userVersion: '1.2.3', auditId: 9 }

  it('withdraws a review in progress and notes the limits', () => {
    const decision = decideWithdraw(observe({ review: underReview }), configure({ command: 'withdraw' }))
    expect(kinds(decision)).toEqual(['undocodeaudit'])
    expect(decision.notes[0]).toContain('5 withdrawals a day and 10 a month')
    expect(rendered(decision)).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      title: 'Withdrawn: 1.2.3'
    })
    expect(decision.outputs.result).toBe('withdrawn')
  })

  it('reports nothing withdrawn when WeChat says no review is pending (87012)', () => {
    const obs = observe({ review: underReview })
    const planned = decideWithdraw(obs, configure({ command: 'withdraw' }))
    const decision = nothingToWithdraw(planned, obs, 87012)
    expect(decision.outputs).toMatchObject({ result: 'unchanged', reviewStatus: 'under_review' })
    expect(decision.outputs.message).toContain('Nothing was withdrawn')
    expect(decision.checks).toEqual([])
  })

  it('withdraws a delayed review', () => {
    expect(
      kinds(decideWithdraw(observe({ review: { ...underReview, status: 'delayed' } }), configure()))
    ).toEqual(['undocodeaudit'])
  })

  it.each([
    [
      'an approved review',
      observe({ review: approved() }),
      configure(),
      'Only a review in progress can be withdrawn; the latest review (1.2.3) is approved.'
    ],
    [
      'a review of another version',
      observe({ review: underReview }),
      configure({ version: '1.2.4' }),
      'The review in progress is for version 1.2.3, not 1.2.4; nothing to withdraw.'
    ]
  ])('refuses to withdraw %s', (_name, obs, settings, message) => {
    expect(decideWithdraw(obs, settings).refused).toBe(message)
  })

  it('speeds up a review once', () => {
    const decision = decideSpeedup(observe({ review: underReview }), configure({ command: 'speedup' }))
    expect(decision.writes).toEqual([{ kind: 'speedupaudit', auditId: 9 }])
    expect(decision.outputs.result).toBe('sped-up')
    expect(rendered(decision).text).toContain(
      `<!-- wechat-miniprogram-release:review {"auditId":9,"spedUp":true,"since":${T0}} -->`
    )
  })

  it.each([
    ['a delayed review', { ...underReview, status: 'delayed' as const }, {}, '89402'],
    ['an already expedited review', underReview, { reviewRecord: { auditId: 9, spedUp: true } }, '89404'],
    [
      'no expedite quota',
      underReview,
      { quota: { rest: 5, limit: 20, speedupRest: 0, speedupLimit: 5, known: true } },
      '89405'
    ],
    [
      'an audit WeChat gives no id for',
      { status: 'under_review' as const, userVersion: '1.2.3' },
      {},
      'audit id'
    ]
  ])('refuses to speed up %s', (_name, review, extra, code) => {
    const decision = decideSpeedup(observe({ review, ...extra }), configure())
    expect(decision.writes).toEqual([])
    expect(decision.refused).toContain(code)
  })
})

describe('decideGray', () => {
  const gray = (patch: SettingsPatch = {}) => configure({ command: 'gray', ...patch })

  it('gray at the percentage WeChat already shows moves nothing and brings GitHub up to date', () => {
    const decision = decideGray(observe({ review: approved(), gray: running(20) }), gray({ grayPercent: 20 }))
    expect(decision.refused).toBeUndefined()
    expect(decision.writes.map((write) => write.kind)).toEqual(['deployment'])
    expect(decision.outputs).toMatchObject({ result: 'unchanged', grayPercentage: 20 })
    expect(decision.checks.map((check) => check.kind)).toEqual(['gray'])
  })

  it('starts a gray release of the approved version', () => {
    const decision = decideGray(observe({ review: approved() }), gray({ grayPercent: 5 }))
    expect(decision.writes).toEqual([
      {
        kind: 'grayrelease',
        gray_percentage: 5,
        support_debuger_first: false,
        support_experiencer_first: false
      },
      { kind: 'deployment', environment: 'wechat', version: '1.2.3', operation: 'gray', state: 'success' }
    ])
    expect(decision.outputs).toMatchObject({
      result: 'gray-started',
      grayPercentage: 5,
      grayStatus: 'running'
    })
    const check = rendered(decision)
    // Always completed: a rollout may last 15 days, and GitHub marks a run incomplete for 14 days stale.
    expect(check).toMatchObject({
      kind: 'gray',
      status: 'completed',
      conclusion: 'neutral',
      title: 'Gray at 5 %: 1.2.3'
    })
    expect(parseRecorded(check.text)).toEqual({
      version: '1.2.3',
      stepIndex: -1,
      percentage: 5,
      stepTakenAt: T0
    })
  })

  it('raises a running gray and keeps who gets it first', () => {
    const decision = decideGray(
      observe({ review: approved(), gray: { ...running(5), projectMembersFirst: true } }),
      gray({ grayPercent: 20 })
    )
    expect(writeOf(decision, 'grayrelease')).toEqual({
      kind: 'grayrelease',
      gray_percentage: 20,
      support_debuger_first: true,
      support_experiencer_first: false
    })
    expect(decision.outputs.message).toBe('Gray release of 1.2.3: 5 % → 20 %.')
    expect(decision.outputs.result).toBe('gray-advanced')
  })

  it.each([
    [
      'a lower percentage',
      observe({ review: approved(), gray: running(20) }),
      gray({ grayPercent: 10 }),
      'A gray percentage only goes up: 1.2.3 is at 20 % now, so 10 % is refused (WeChat: 85082).'
    ],
    [
      '0 % without members or a whitelist',
      observe({ review: approved() }),
      gray({ grayPercent: 0 }),
      'A gray release at 0 % reaches nobody: set gray-project-members, gray-experience-members or gray-whitelist (WeChat: 85081).'
    ],
    [
      'a fraction',
      observe({ review: approved() }),
      gray({ grayPercent: 2.5 }),
      'gray-percent must be an integer from 0 to 100, got 2.5 (WeChat: 85081).'
    ],
    [
      'no online version yet',
      observe({ review: approved(), versions: {} }),
      gray({ grayPercent: 5 }),
      `${APPID} has no online version yet: the first version must be released in full (command: release); WeChat would answer 85079.`
    ],
    [
      'a version that is not approved',
      observe({ review: { status: 'under_review', userVersion: '1.2.3' } }),
      gray({ grayPercent: 5 }),
      'Only an approved version can be released in gray; the latest review (1.2.3) is under review (WeChat: 85080).'
    ],
    [
      'another approved version',
      observe({ review: approved('1.2.4') }),
      gray({ grayPercent: 5 }),
      'The approved version is 1.2.4, not 1.2.3: only the last approved version can be released in gray.'
    ],
    [
      'no percentage',
      observe({ review: approved() }),
      gray(),
      'gray needs gray-percent (0–100), or members or a whitelist for 0 %.'
    ]
  ])('refuses %s', (_name, obs, settings, message) => {
    const decision = decideGray(obs, settings)
    expect(decision.writes).toEqual([])
    expect(decision.refused).toBe(message)
  })

  it('accepts 0 % with project members', () => {
    const decision = decideGray(
      observe({ review: approved() }),
      gray({ grayPercent: 0, grayProjectMembers: true })
    )
    expect(writeOf(decision, 'grayrelease')).toMatchObject({
      gray_percentage: 0,
      support_debuger_first: true
    })
  })

  it('binds whitelisted IDs first, then grays to experience members first', () => {
    const decision = decideGray(
      observe({ review: approved(), testers: { bound: ['bob_1'] } }),
      gray({ grayWhitelist: ['alice_1', 'bob_1', 'carol_1'] })
    )
    expect(kinds(decision)).toEqual(['bind_tester', 'bind_tester', 'grayrelease', 'deployment'])
    expect(decision.writes.slice(0, 2)).toEqual([
      { kind: 'bind_tester', wechatid: 'alice_1' },
      { kind: 'bind_tester', wechatid: 'carol_1' }
    ])
    expect(writeOf(decision, 'grayrelease')).toMatchObject({
      gray_percentage: 0,
      support_experiencer_first: true
    })
    expect(rendered(decision).text).toContain('| `bob_1` | already a member |')
    expect(rendered(decision).text).toContain('| `alice_1` | pending |')

    const reported = withTesterOutcomes(decision, { alice_1: 0, carol_1: 85001 })
    expect(rendered(reported).text).toContain('| `alice_1` | bound |')
    expect(rendered(reported).text).toContain('| `carol_1` | not found or not searchable |')
    expect(reported.notes).toContain(
      'Not bound as experience members: carol_1 (not found or not searchable).'
    )
  })

  it('calls release for 100 %', () => {
    const decision = decideGray(
      observe({ review: approved(), gray: running(50) }),
      gray({ grayPercent: 100 })
    )
    expect(kinds(decision)).toEqual(['release', 'deployment'])
    expect(decision.notes[0]).toBe('100 % is a full release, so release is called instead of grayrelease.')
  })

  it.each([
    [0, 'bound'],
    [85004, 'already a member'],
    [85001, 'not found or not searchable'],
    [85002, 'over the limit'],
    [85003, 'member of too many mini programs'],
    [-1, 'failed']
  ])('describes bind_tester errcode %s as %s', (errcode, outcome) => {
    expect(describeTesterOutcome(errcode)).toBe(outcome)
  })
})

describe('decideAdvance and decideRevertGray', () => {
  const schedule = parseGraySchedule('1, 5@24h, 20@24h, 100@48h')

  it('advances to the next step by hand, before it is due', () => {
    const decision = decideAdvance(
      observe({ review: approved(), gray: running(1, T0 - 3600) }),
      configure({ graySchedule: schedule })
    )
    expect(writeOf(decision, 'grayrelease')?.gray_percentage).toBe(5)
    expect(decision.notes).toContain('Advanced by hand before the step was due.')
    const [plan] = decision.checks
    expect(plan?.kind === 'gray' && plan.state.recorded).toMatchObject({ stepIndex: 1, percentage: 5 })
    expect(rendered(decision).summary).toContain('Next step 3 of 4: 20 %')
  })

  it('advances from the step WeChat shows, whatever a record claims', () => {
    // A record claiming step 3 (50 %, say planted) while WeChat shows 1 %: the next step is 5 %.
    const decision = decideAdvance(
      observe({
        review: approved(),
        gray: running(1, T0 - 3600),
        recorded: { version: '1.2.3', stepIndex: 3, percentage: 100, stepTakenAt: T0 - 3600 }
      }),
      configure({ graySchedule: schedule })
    )
    expect(writeOf(decision, 'grayrelease')?.gray_percentage).toBe(5)
  })

  it('refuses to advance a complete schedule or without one', () => {
    expect(decideAdvance(observe({ review: approved(), gray: running(5) }), configure()).refused).toContain(
      'needs a gray-schedule'
    )
    const done = parseGraySchedule('1, 5@1h')
    expect(
      decideAdvance(observe({ review: approved(), gray: running(5) }), configure({ graySchedule: done }))
        .refused
    ).toBe('The gray schedule (1, 5@1h) is complete; finish with release or revert-gray.')
  })

  it('reverts a running gray and records the halt', () => {
    const decision = decideRevertGray(
      observe({ review: approved(), gray: running(20) }),
      configure({ command: 'revert-gray' })
    )
    expect(decision.writes).toEqual([
      { kind: 'revertgrayrelease' },
      { kind: 'deployment', environment: 'wechat', version: '1.2.3', operation: 'gray', state: 'inactive' }
    ])
    expect(rendered(decision)).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      title: 'Reverted: 1.2.3'
    })
    const [plan] = decision.checks
    expect(plan?.kind === 'gray' && plan.state.recorded?.haltedReason).toBe(
      'Reverted by command revert-gray.'
    )
  })

  it('refuses to revert when no plan runs', () => {
    expect(
      decideRevertGray(observe({ gray: { status: 'finished', percentage: 100 } }), configure()).refused
    ).toBe('No gray plan is running (plan status: finished); nothing to revert.')
  })

  it('treats "status 0, all zeros" as no plan', () => {
    expect(
      decideRevertGray(observe({ gray: { status: 'initial', percentage: 0, startedAt: 0 } }), configure())
        .refused
    ).toContain('No gray plan is running')
  })
})

describe('decide and describeWrite', () => {
  it('dispatches on the command', () => {
    expect(decide(observe({ review: approved() }), configure({ command: 'release' })).outputs.result).toBe(
      'released'
    )
    expect(decide(observe({ categories: [CATEGORY] }), configure({ command: 'submit' })).outputs.result).toBe(
      'submitted'
    )
  })

  it.each([
    [{ kind: 'release' }, 'WeChat POST /wxa/release (full release of the approved version)'],
    [
      {
        kind: 'grayrelease',
        gray_percentage: 20,
        support_debuger_first: true,
        support_experiencer_first: false
      },
      'WeChat POST /wxa/grayrelease 20 % (project members first)'
    ],
    [
      { kind: 'revertcoderelease', appVersion: 11, userVersion: '1.2.0' },
      'WeChat GET /wxa/revertcoderelease?app_version=11 (roll back to 1.2.0)'
    ],
    [
      { kind: 'deployment', environment: 'wechat', version: '1.2.3', operation: 'gray', state: 'success' },
      'GitHub deployment wechat: 1.2.3 (gray, success)'
    ]
  ] as Array<[PlannedWrite, string]>)('describes %j', (write, line) => {
    expect(describeWrite(write)).toBe(line)
  })
})

describe('replies that leave a version name out', () => {
  const submittedAt = T0 - 2 * DAY
  const namelessApproval = (): Partial<ReviewObservation> => ({
    status: 'approved',
    auditId: 77,
    submittedAt
  })

  it('takes the approved version to be the trial version in place when the review was submitted', () => {
    const obs = resolveVersionNames(
      observe({
        review: namelessApproval(),
        versions: {
          online: { version: '1.2.2', at: T0 - 30 * DAY },
          trial: { version: '1.2.3', at: submittedAt - 60 }
        }
      })
    )
    expect(obs.review.userVersion).toBe('1.2.3')
    const decision = decide(obs, configure({ command: 'release' }))
    expect(decision.outputs.result).toBe('released')
    expect(decision.notes[0]).toContain('it is taken to be the trial version 1.2.3')
  })

  it('refuses to release or gray an approved version WeChat does not name, saying so (not 85020)', () => {
    const obs = resolveVersionNames(
      observe({
        review: namelessApproval(),
        // The trial version changed after the submission: it cannot stand in for the reviewed one.
        versions: { online: { version: '1.2.2' }, trial: { version: '1.2.4', at: submittedAt + 60 } }
      })
    )
    for (const command of ['release', 'gray'] as const) {
      const decision = decide(obs, configure({ command, grayPercent: 5 }))
      expect(decision.writes).toEqual([])
      expect(decision.refused).toContain('does not say which version it is (no user_version)')
      expect(decision.refused).not.toContain('85020')
    }
  })

  it('grays although the online version has no name: an online version exists', () => {
    const obs = resolveVersionNames(
      observe({ review: approved(), versions: { online: { at: T0 - 30 * DAY } } })
    )
    const decision = decide(obs, configure({ command: 'gray', grayPercent: 5 }))
    expect(decision.outputs.result).toBe('gray-started')
    expect(decision.outputs.onlineVersion).toBeUndefined()
    expect(decision.notes[0]).toContain('without its name')
  })

  it('rolls back without a name for the online version by letting WeChat choose', () => {
    const history: HistoryEntry[] = [
      { appVersion: 12, userVersion: '1.2.1', description: '', committedAt: T0 - 40 * DAY }
    ]
    const decision = decideRollback(
      observe({ history, versions: { online: { at: T0 - DAY } } }),
      configure({ command: 'rollback', version: undefined })
    )
    expect(decision.writes).toEqual([{ kind: 'revertcoderelease' }])
    expect(decision.outputs.onlineVersion).toBeUndefined()
    expect(decision.outputs.message).toContain('as WeChat chooses it')
  })
})

describe('the review record', () => {
  it('carries what the earlier record of the same version and audit says, and nothing of another version', () => {
    const record = { auditId: 9, spedUp: true, pulls: [11, 12] }
    const obs = observe({
      review: { status: 'under_review', userVersion: '1.2.3', auditId: 9 },
      reviewRecord: record
    })
    const [same] = decideSync(obs, configure()).checks
    expect(same?.kind === 'review' && same.state.record).toMatchObject({
      auditId: 9,
      spedUp: true,
      pulls: [11, 12]
    })
    const rejected = observe({
      review: { status: 'rejected', userVersion: '1.2.2', auditId: 9 },
      reviewRecord: record
    })
    const submitted = decideSubmit(rejected, configure({ command: 'submit', reviewItems: [CATEGORY] }))
    const [other] = submitted.checks
    expect(other?.kind === 'review' && other.state.record).toEqual({ spedUp: false, since: T0 })
  })
})
