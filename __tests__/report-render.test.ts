import { describe, expect, it } from '@jest/globals'
import { decideGray, decideRelease, decideSubmit, decideSync } from '../src/release/decide.js'
import { countdownText, deadlineStatus, grayDeadline } from '../src/release/deadline.js'
import type {
  ActResult,
  Decision,
  GrayCheckState,
  GrayObservation,
  ReviewCheckState,
  ReviewObservation,
  TargetObservation
} from '../src/release/model.js'
import { reportedOutputs } from '../src/release/outcome.js'
import type { ReleaseSettings } from '../src/release/settings.js'
import {
  formatBytes,
  formatDuration,
  formatUtc,
  progressBar,
  renderCheck,
  renderFanOutCheck,
  renderFanOutTable,
  renderGrayCheck,
  renderJobSummary,
  renderPreviewComment,
  renderReleaseComment,
  renderReviewCheck,
  renderUploadSummary,
  type TargetReport
} from '../src/report/index.js'
import { REVIEW_RUN_OPEN_SECONDS } from '../src/report/checks.js'
import { runningGray } from '../test-support/release-fixtures.js'

const T0 = 1_767_225_600
const DAY = 86_400
const HOUR = 3600
const APPID = 'wx0123456789abcdef'

const settings: ReleaseSettings = {
  command: 'sync',
  version: '1.2.3',
  route: 'direct',
  releaseOnApproval: 'off',
  grayProjectMembers: false,
  grayExperienceMembers: false,
  grayWhitelist: [],
  grayDeadlineAction: 'release',
  grayDeadlineMarginHours: 24,
  deploymentEnvironment: 'wechat',
  now: T0
}

function observe(appid: string, patch: Partial<TargetObservation> = {}): TargetObservation {
  return {
    appid,
    review: { status: 'approved', userVersion: '1.2.3', auditId: 5, screenshots: [] },
    gray: { status: 'none', percentage: 0, projectMembersFirst: false, experienceMembersFirst: false },
    versions: { online: { version: '1.2.2' } },
    ...patch
  }
}

function reviewState(
  review: Partial<ReviewObservation>,
  patch: Partial<ReviewCheckState> = {}
): ReviewCheckState {
  return {
    review: { status: 'under_review', userVersion: '1.2.3', screenshots: [], ...review },
    releaseOnApproval: 'off',
    inGray: false,
    notes: [],
    record: { spedUp: false },
    now: T0,
    ...patch
  }
}

/** What the pipeline reports for a target whose decision ran with this outcome. */
function report(decision: Decision, run: Partial<ActResult> = {}, obs?: TargetObservation): TargetReport {
  const result: ActResult = {
    target: decision.target,
    status: 'done',
    writesMade: decision.writes.length,
    ...run
  }
  const observation = obs ?? observe(decision.target)
  return { decision, run: result, outputs: reportedOutputs(decision, result, observation), observation }
}

describe('formatters', () => {
  it.each([
    [0, '░░░░░░░░░░ 0%'],
    [1, '█░░░░░░░░░ 1%'],
    [5, '█░░░░░░░░░ 5%'],
    [20, '██░░░░░░░░ 20%'],
    [50, '█████░░░░░ 50%'],
    [99, '█████████░ 99%'],
    [100, '██████████ 100%']
  ])('draws %s %% as a progress bar', (percent, bar) => {
    expect(progressBar(percent)).toBe(bar)
  })

  it.each([
    [512, '512 B'],
    [13_037, '12.7 KB'],
    [2 * 1024 * 1024, '2.00 MB'],
    [-1, 'unknown']
  ])('formats %s bytes', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })

  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [300, '5 min'],
    [3 * HOUR, '3 h'],
    [3 * HOUR + 20 * 60, '3 h 20 min'],
    [2 * DAY + 4 * HOUR + 59, '2 d 4 h'],
    [-5, '0 s']
  ])('formats %s seconds', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text)
  })

  it('formats UTC times', () => {
    expect(formatUtc(T0 + 3 * HOUR + 4 * 60)).toBe('2026-01-01 03:04 UTC')
  })

  it.each([
    [T0 + DAY, '14 days left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC)'],
    [T0 + 13 * DAY, '2 days left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC)'],
    [
      T0 + 13 * DAY + 1,
      '47 h left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC)'
    ],
    [
      T0 + 14 * DAY + 30 * 60,
      '23 h left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC)'
    ],
    [T0 + 15 * DAY, 'the 15-day limit passed at 2026-01-16 00:00 UTC']
  ])('counts down at %s', (now, text) => {
    expect(countdownText(deadlineStatus(T0 + 15 * DAY, now, 24))).toBe(text)
  })

  it("prefers WeChat's own finish time (default_finish_timestamp) within the 15-day limit", () => {
    const endsAt = T0 + 10 * DAY
    expect(grayDeadline({ startedAt: T0, endsAt }, T0, 24)?.endsAt).toBe(endsAt)
    // A finish time past the documented limit (or before the start) is not trusted.
    expect(grayDeadline({ startedAt: T0, endsAt: T0 + 20 * DAY }, T0, 24)?.endsAt).toBe(T0 + 15 * DAY)
    expect(grayDeadline({ startedAt: T0, endsAt: T0 - 1 }, T0, 24)?.endsAt).toBe(T0 + 15 * DAY)
  })
})

describe('check runs', () => {
  it('lists the reason and every screenshot of a rejected review', () => {
    const check = renderReviewCheck(
      APPID,
      reviewState({
        status: 'rejected',
        auditId: 42,
        reason: 'The login page asks for a phone number.\nRemove it.',
        screenshots: ['media-a', 'media-b'],
        submittedAt: T0
      }),
      'https://github.com/o/r/actions/runs/1'
    )
    expect(check.status).toBe('completed')
    expect(check.conclusion).toBe('failure')
    expect(check.title).toBe('Rejected: 1.2.3')
    expect(check.summary).toContain('> The login page asks for a phone number. Remove it.')
    expect(check.summary).toContain('Reviewer screenshots (2;')
    expect(check.summary).toContain('- media-a\n- media-b')
    expect(check.text).toContain('| `wx0123456789abcdef` | 1.2.3 | 42 | rejected | 2026-01-01 00:00 UTC |')
    expect(check.text).toContain('<!-- wechat-miniprogram-release:review {"spedUp":false} -->')
    expect(check.text).toContain('[Workflow run](https://github.com/o/r/actions/runs/1)')
  })

  it('says WeChat gave no reason when a rejection has none', () => {
    const check = renderReviewCheck(APPID, reviewState({ status: 'rejected' }))
    expect(check.summary).toContain('> WeChat gave no reason.')
    expect(check.summary).not.toContain('screenshots')
  })

  it('keeps a pending review in progress for 13 days, then completes it before GitHub marks it stale', () => {
    const submittedAt = T0
    const open = renderReviewCheck(
      APPID,
      reviewState({ submittedAt, auditId: 7 }, { now: submittedAt + REVIEW_RUN_OPEN_SECONDS - 1 })
    )
    expect(open).toMatchObject({ status: 'in_progress', title: 'Under review: 1.2.3' })
    expect(open.conclusion).toBeUndefined()
    const expired = renderReviewCheck(
      APPID,
      reviewState({ submittedAt, auditId: 7 }, { now: submittedAt + REVIEW_RUN_OPEN_SECONDS })
    )
    expect(expired).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      title: 'Still under review after 13 days: 1.2.3'
    })
    // Without WeChat's submit time, the record's "pending since" counts.
    const recorded = renderReviewCheck(
      APPID,
      reviewState({ auditId: 7 }, { now: T0 + 14 * DAY, record: { spedUp: false, since: T0 } })
    )
    expect(recorded.status).toBe('completed')
  })

  it('renders a running gray as a completed, neutral run with everything a reader needs', () => {
    const gray: GrayObservation = {
      status: 'running',
      percentage: 50,
      startedAt: T0,
      projectMembersFirst: true,
      experienceMembersFirst: true
    }
    const state: GrayCheckState = {
      gray,
      now: T0 + 2 * DAY,
      deadline: deadlineStatus(T0 + 15 * DAY, T0 + 2 * DAY, 24),
      deadlineAction: 'release',
      marginHours: 24,
      schedule: '1, 5@1d, 50@1d, 100@2d',
      next: { percent: 100, number: 4, of: 4, dueAt: T0 + 4 * DAY },
      whitelist: [
        { wechatid: 'alice_1', outcome: 'bound' },
        { wechatid: 'bob_1', outcome: 'over the limit' }
      ],
      notes: []
    }
    const check = renderGrayCheck(APPID, '1.2.3', state)
    expect(check.status).toBe('completed')
    expect(check.conclusion).toBe('neutral')
    expect(check.title).toBe('Gray at 50 %: 1.2.3')
    expect(check.summary).toContain(
      '**1.2.3** reaches project members and experience members (incl. 2 whitelisted IDs) first, then 50 % of users.'
    )
    expect(check.summary).toContain('█████░░░░░ 50%')
    expect(check.summary).toContain(
      '13 days left of the 15-day limit (WeChat releases to everyone at 2026-01-16 00:00 UTC); 24 h before it the action releases to everyone (gray-deadline-action: release).'
    )
    expect(check.summary).toContain('Next step 4 of 4: 100 % from 2026-01-05 00:00 UTC.')
    expect(check.text).toContain('| **Plan status** | running |')
    expect(check.text).toContain('| **Started** | 2026-01-01 00:00 UTC |')
    expect(check.text).toContain('| **Days left of 15** | 13 |')
    expect(check.text).toContain('| `bob_1` | over the limit |')
  })

  it('keeps secrets and tokens out of rendered text', () => {
    const check = renderReviewCheck(
      APPID,
      reviewState({
        status: 'rejected',
        reason: 'see https://api.weixin.qq.com/wxa/x?access_token=SECRET123456'
      })
    )
    expect(check.summary).not.toContain('SECRET123456')
  })

  it('names checks and external ids per mini program and version', () => {
    const [plan] = decideSync(observe(APPID), settings).checks
    expect(renderCheck(plan!, { targetCount: 1 })).toMatchObject({
      name: 'WeChat review',
      externalId: `wechat-review:${APPID}:1.2.3`
    })
    expect(renderCheck(plan!, { targetCount: 2 }).name).toBe(`WeChat review (${APPID})`)
  })
})

describe('untrusted text renders inert', () => {
  const HOSTILE = [
    '<img src=x onerror=alert(1)>',
    '</details><script>alert(1)</script>',
    '@octocat please look',
    'fixes #1 and octo/shop#2 and GH-3',
    '[click here](https://evil.example/phish)',
    '![pixel](https://evil.example/p.png)',
    'see https://evil.example and www.evil.example',
    'commit deadbeefcafe0123',
    '```\n# Heading\n```',
    '**bold** _it_ ~~gone~~ | cell | `code`',
    '\n- list\n1. item\n> quote\n::error::injected'
  ]
  const hostile = HOSTILE.join(' ')

  /** Whatever the action renders itself is taken out; what is left must hold nothing live. */
  function expectInert(markdown: string): void {
    const own = markdown
      .replace(/<!-- wechat-miniprogram-release:[\s\S]*?-->/g, '')
      .replace(/<\/?(?:details|summary)>/g, '')
    expect(own).not.toMatch(/<[a-z/!]/i)
    expect(own).not.toMatch(/@(?!\u200b)[a-z0-9]/i)
    expect(own).not.toMatch(/(^|[^&\w])#\d/)
    expect(own).not.toMatch(/\bGH-\d/i)
    expect(own).not.toMatch(/\]\(https:\/\/evil/)
    expect(own).not.toMatch(/https?:\/\/evil|www\.evil/)
    expect(own).not.toMatch(/deadbeefcafe/)
    expect(own).not.toMatch(/(^|\n)\s*(# Heading|- list|1\. item|> quote|::error::)/)
    expect(own).not.toMatch(/\*\*bold\*\*|~~gone~~/)
  }

  it('in the review check', () => {
    const check = renderReviewCheck(
      APPID,
      reviewState(
        {
          status: 'rejected',
          userVersion: hostile,
          reason: hostile,
          screenshots: [hostile],
          auditId: 3
        },
        { notes: [hostile] }
      )
    )
    expectInert(check.summary)
    expectInert(check.text)
  })

  it('in the gray check, including JS error messages from users’ devices', () => {
    const obs = observe(APPID, {
      review: { status: 'approved', userVersion: '1.2.3', screenshots: [] },
      gray: {
        status: 'running',
        percentage: 10,
        startedAt: T0,
        projectMembersFirst: false,
        experienceMembersFirst: false
      },
      jsErrors: {
        grayVersion: '1.2.3',
        onlineVersion: '1.2.2',
        gray: [{ message: hostile, uv: 5, pv: 9, key: 'new' }],
        online: [{ message: 'old', uv: 80, pv: 90, key: 'old' }]
      }
    })
    const decision = decideSync(obs, {
      ...settings,
      healthGate: { maxNewErrorGroups: 0, maxErrorUvRatio: 2, minOnlineBaseline: 1, action: 'halt' }
    })
    const gray = decision.checks.find((check) => check.kind === 'gray')
    const check = renderCheck(gray!, { targetCount: 1 })
    expect(check.conclusion).toBe('failure')
    expectInert(check.summary)
    expectInert(check.text)
  })

  it('in the job summary and the fan-out table', () => {
    const obs = observe(APPID, {
      review: { status: 'rejected', userVersion: hostile, reason: hostile, screenshots: [] }
    })
    const decision = decideSync(obs, settings)
    const failed = { ...decision, target: 'wx0000000000000009' }
    const summary = renderJobSummary(
      'sync',
      [report(decision, {}, obs), report(failed, { status: 'failed', writesMade: 0, error: hostile }, obs)],
      { githubFailures: [hostile] }
    )
    expectInert(summary)
    // Only the action's own markup stays: one <details> per check, closed once.
    expect(summary.match(/<\/details>/g)).toHaveLength(summary.match(/<details>/g)?.length ?? 0)
  })

  it('in the "released in" comment', () => {
    const body = renderReleaseComment({ appid: APPID, version: hostile, stage: 'rejected', reason: hostile })
    expectInert(body)
  })
})

describe('job summary and fan-out', () => {
  const decisions: Decision[] = [
    decideRelease(observe('wx0000000000000001'), { ...settings, command: 'release' }),
    decideRelease(
      observe('wx0000000000000002', {
        review: { status: 'approved', userVersion: '1.2.4', screenshots: [] }
      }),
      {
        ...settings,
        command: 'release'
      }
    )
  ]

  it('renders one row per target', () => {
    const table = renderFanOutTable(decisions.map((decision) => report(decision)))
    const lines = table.split('\n')
    expect(lines[0]).toBe('| Mini program | Version | Review | Gray | Online | Result | Message |')
    expect(lines[2]).toBe(
      '| `wx0000000000000001` | 1.2.3 | approved (1.2.3) | – | 1.2.3 | ✅ released | Released 1.2.3 to everyone. |'
    )
    expect(lines[3]).toContain('| ⛔ refused | The approved version is 1.2.4, not 1.2.3')
  })

  it('reports what was observed, not the plan, when a release is refused or fails', () => {
    const refused = report(decisions[1]!)
    expect(refused.outputs).toMatchObject({ result: 'refused', onlineVersion: '1.2.2', version: '1.2.3' })
    const failed = report(decisions[0]!, { status: 'failed', writesMade: 0, error: 'WeChat -1 system error' })
    // The release never happened: 1.2.2 is still online.
    expect(failed.outputs).toMatchObject({
      result: 'failed',
      onlineVersion: '1.2.2',
      reviewStatus: 'approved'
    })
    const dryRun = report(decisions[0]!, { status: 'dry-run', writesMade: 0 })
    expect(dryRun.outputs).toMatchObject({ result: 'dry-run', onlineVersion: '1.2.2' })
    expect(dryRun.outputs.message).toBe('Dry run: nothing was written. Planned: Released 1.2.3 to everyone.')
  })

  it('aggregates many targets into one check that is always completed', () => {
    const reports = [
      report(decisions[0]!, { status: 'failed', writesMade: 0, error: 'WeChat -1 system error' }),
      report(decisions[1]!)
    ]
    const check = renderFanOutCheck('release', reports)
    expect(check).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      title: 'WeChat release: 2 mini programs, 1 failed, 1 refused'
    })
    expect(check.text).toContain('| ❌ failed | WeChat -1 system error |')
    const pending = decideSubmit(
      observe('wx0000000000000003', { review: { status: 'none', screenshots: [] } }),
      {
        ...settings,
        command: 'submit',
        reviewItems: [{ first_class: 'a', second_class: 'b', first_id: 1, second_id: 2 }]
      }
    )
    expect(renderFanOutCheck('submit', [report(pending)])).toMatchObject({
      status: 'completed',
      conclusion: 'neutral'
    })
  })

  it('marks each write as made, failed or not attempted', () => {
    const obs = observe('wx0000000000000001', {
      gray: {
        status: 'running',
        percentage: 5,
        startedAt: T0 - 13 * DAY,
        projectMembersFirst: false,
        experienceMembersFirst: false
      }
    })
    const decision = decideGray(obs, {
      ...settings,
      command: 'gray',
      grayPercent: 20,
      grayWhitelist: ['alice_1']
    })
    const summary = renderJobSummary('gray', [
      report(decision, { status: 'failed', writesMade: 1, error: 'grayrelease: 85082' }, obs)
    ])
    expect(summary).toContain('## WeChat mini program: gray')
    expect(summary).toContain('- ✅ made: WeChat POST /wxa/bind&#95;tester alice&#95;1')
    expect(summary).toContain('- ❌ failed: WeChat POST /wxa/grayrelease 20 % (experience members first)')
    expect(summary).toContain('- ⏭ not attempted: GitHub deployment wechat: 1.2.3 (gray, success)')
    expect(summary).toContain('❌ **Failed:** grayrelease: 85082')
    // The gray was not raised: the summary shows WeChat's 5 %, not the planned 20 %.
    expect(summary).toContain('**Gray release:** █░░░░░░░░░ 5% (running)')
    expect(summary).not.toContain('<details>')
  })

  it('says when nothing was written in a dry run, and keeps notes that hold only after the writes out', () => {
    const obs = observe('wx0000000000000001', {
      review: { status: 'none', screenshots: [] },
      quota: { rest: 3, limit: 20, speedupRest: 1, speedupLimit: 5, known: true }
    })
    const decision = decideSubmit(obs, {
      ...settings,
      command: 'submit',
      reviewItems: [{ first_class: 'a', second_class: 'b', first_id: 1, second_id: 2 }]
    })
    const summary = renderJobSummary('submit', [report(decision, { status: 'dry-run', writesMade: 0 }, obs)])
    expect(summary).toContain('> 🧪 Dry run: nothing was written to WeChat or GitHub')
    expect(summary).toContain('- 🧪 dry run, not made: WeChat POST /wxa/submit&#95;audit')
    expect(summary).toContain('🧪 dry-run')
    expect(summary).not.toContain('left this month after this submission')
    expect(summary).toContain('WeChat review (would show)')
    const done = renderJobSummary('submit', [report(decision, {}, obs)])
    expect(done).toContain('Review quota: 2 of 20 left this month after this submission.')
  })

  it('shows the fan-out table first for several targets, and only problems beyond the detail limit', () => {
    const summary = renderJobSummary(
      'release',
      decisions.map((decision) => report(decision)),
      { detailLimit: 1 }
    )
    expect(summary.indexOf('| Mini program |')).toBeLessThan(summary.indexOf('### '))
    expect(summary).not.toContain('### `wx0000000000000001`')
    expect(summary).toContain('### `wx0000000000000002`')
    expect(summary).toContain('⛔ **Refused:** The approved version is 1.2.4, not 1.2.3')
  })

  it('lists GitHub writes that failed after WeChat was written', () => {
    const summary = renderJobSummary('release', [report(decisions[0]!)], {
      githubFailures: ['The "WeChat gray release" check run of wx0000000000000001: HTTP 500'],
      githubLines: ['wx0000000000000001 released: "released in" comment on #12.']
    })
    expect(summary).toContain('### GitHub')
    expect(summary).toContain('⚠️ **Not written:**')
    expect(summary).toContain('comment on #12.')
  })

  it('is the same text for the same decisions', () => {
    const obs = observe('wx0000000000000001', { gray: runningGray(5) })
    const a = renderJobSummary('sync', [report(decideSync(obs, settings), {}, obs)])
    const b = renderJobSummary('sync', [report(decideSync(obs, settings), {}, obs)])
    expect(a).toBe(b)
  })
})

describe('"released in" comments', () => {
  it('depend only on the version and its stage', () => {
    const submitted = renderReleaseComment({
      appid: APPID,
      version: '1.3.0',
      stage: 'submitted',
      commit: 'a'.repeat(40)
    })
    expect(submitted.split('\n')[0]).toBe('### WeChat mini program `wx0123456789abcdef`: version 1.3.0')
    expect(submitted).toContain('This pull request is part of version **1.3.0** (commit `aaaaaaa`).')
    expect(submitted).toContain('🔍 Submitted for WeChat review.')
    expect(
      renderReleaseComment({ appid: APPID, version: '1.3.0', stage: 'submitted', commit: 'a'.repeat(40) })
    ).toBe(submitted)
    expect(renderReleaseComment({ appid: APPID, version: '1.3.0', stage: 'released' })).toContain(
      '🚀 Released to everyone.'
    )
    expect(
      renderReleaseComment({ appid: APPID, version: '1.3.0', stage: 'rejected', reason: 'No privacy page' })
    ).toContain('> No privacy page')
  })
})

describe('preview comment and the upload summary', () => {
  const sizes = {
    total: 1_500_000,
    main: 1_200_000,
    subpackages: [{ name: 'packageA', size: 300_000 }],
    plugins: []
  }

  it('shows the QR image, the page and the sizes', () => {
    const body = renderPreviewComment({
      qrImageUrl: 'https://github.com/o/r/blob/wechat-qrcodes/previews/pr-7.jpg?raw=true',
      qrcodePath: '/tmp/qr.jpg',
      pagePath: 'pages/cart/cart',
      sizes,
      appid: 'wx0123456789abcdef',
      commit: '0123456789abcdef0123456789abcdef01234567',
      runUrl: 'https://github.com/o/r/actions/runs/1'
    })
    expect(body).toContain('<img src="https://github.com/o/r/blob/wechat-qrcodes/previews/pr-7.jpg?raw=true"')
    expect(body).toContain(
      'Scan with WeChat to open `pages/cart/cart` of `wx0123456789abcdef`, commit `0123456`.'
    )
    expect(body).toContain('| **Total** | 1.43 MB |')
    expect(body).toContain('| Subpackage <code>packageA</code> | 293.0 KB |')
  })

  it('explains a missing QR image with the fallback note', () => {
    const body = renderPreviewComment({
      qrcodePath: '/tmp/qr.jpg',
      sizes: { subpackages: [] },
      commit: 'abcdef0123',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      fallbackNote: 'The QR image could not be committed.'
    })
    expect(body).toContain('The QR code image is attached to the workflow run.')
    expect(body).toContain('> ⚠️ The QR image could not be committed.')
    expect(body).toContain('WeChat reported no package sizes.')
  })

  it('summarises an upload', () => {
    const summary = renderUploadSummary({
      result: {
        appid: 'wx0123456789abcdef',
        version: '1.2.3',
        description: 'Fix [abc1234]',
        robot: 1,
        sizes,
        durationMs: 75_000
      },
      commit: 'abc1234def',
      runUrl: 'https://github.com/o/r/actions/runs/1'
    })
    expect(summary).toContain('Uploaded version **1.2.3** of `wx0123456789abcdef`.')
    expect(summary).toContain('| **Took** | 1 min |')
    expect(summary).toContain('| Main package | 1.14 MB |')
  })
})
