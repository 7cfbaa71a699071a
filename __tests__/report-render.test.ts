import { describe, expect, it } from '@jest/globals'
import { decideGray, decideRelease, decideSubmit, decideSync } from '../src/release/decide.js'
import { deadlineStatus } from '../src/release/deadline.js'
import type { Decision, GrayObservation, TargetObservation } from '../src/release/model.js'
import type { ReleaseSettings } from '../src/release/settings.js'
import {
  countdownText,
  formatBytes,
  formatDuration,
  formatUtc,
  progressBar,
  renderFanOutCheck,
  renderFanOutTable,
  renderGrayCheck,
  renderJobSummary,
  renderPreviewComment,
  renderReviewCheck,
  renderReviewComment,
  renderUploadSummary
} from '../src/report/index.js'

const T0 = 1_767_225_600
const DAY = 86_400
const HOUR = 3600

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
  runUrl: 'https://github.com/o/r/actions/runs/1',
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
    expect(countdownText(deadlineStatus(T0, now, 24))).toBe(text)
  })
})

describe('check runs', () => {
  it('lists the reason and every screenshot of a rejected review', () => {
    const check = renderReviewCheck({
      appid: 'wx0123456789abcdef',
      review: {
        status: 'rejected',
        userVersion: '1.2.3',
        auditId: 42,
        reason: 'The login page asks for a phone number.\nRemove it.',
        screenshots: ['media-a', 'media-b'],
        submittedAt: T0
      },
      runUrl: 'https://github.com/o/r/actions/runs/1'
    })
    expect(check.status).toBe('completed')
    expect(check.conclusion).toBe('failure')
    expect(check.title).toBe('Rejected: 1.2.3')
    expect(check.summary).toContain('> The login page asks for a phone number.\n> Remove it.')
    expect(check.summary).toContain('Reviewer screenshots (2;')
    expect(check.summary).toContain('- `media-a`\n- `media-b`')
    expect(check.text).toContain('| wx0123456789abcdef | 1.2.3 | 42 | rejected | 2026-01-01 00:00 UTC |')
    expect(check.text).toContain('<!-- wechat-miniprogram-release:review {"auditId":42,"spedUp":false} -->')
  })

  it('says WeChat gave no reason when a rejection has none', () => {
    const check = renderReviewCheck({
      appid: 'wx0123456789abcdef',
      review: { status: 'rejected', userVersion: '1.2.3', screenshots: [] }
    })
    expect(check.summary).toContain('> WeChat gave no reason.')
    expect(check.summary).not.toContain('screenshots')
  })

  it('renders a running gray with everything a reader needs', () => {
    const gray: GrayObservation = {
      status: 'running',
      percentage: 50,
      startedAt: T0,
      projectMembersFirst: true,
      experienceMembersFirst: true
    }
    const check = renderGrayCheck({
      appid: 'wx0123456789abcdef',
      version: '1.2.3',
      gray,
      now: T0 + 2 * DAY,
      deadline: deadlineStatus(T0, T0 + 2 * DAY, 24),
      deadlineAction: 'release',
      marginHours: 24,
      schedule: '1, 5@1d, 50@1d, 100@2d',
      next: { percent: 100, number: 4, of: 4, dueAt: T0 + 4 * DAY },
      whitelist: [
        { wechatid: 'alice_1', outcome: 'bound' },
        { wechatid: 'bob_1', outcome: 'over the limit' }
      ]
    })
    expect(check.status).toBe('in_progress')
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
    expect(check.text).toContain('| bob_1 | over the limit |')
  })

  it('keeps secrets and tokens out of rendered text', () => {
    const check = renderReviewCheck({
      appid: 'wx0123456789abcdef',
      review: {
        status: 'rejected',
        userVersion: '1.2.3',
        reason: 'see https://api.weixin.qq.com/wxa/x?access_token=SECRET123456',
        screenshots: []
      }
    })
    expect(check.summary).not.toContain('SECRET123456')
    expect(check.summary).toContain('access_token=***')
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
    const table = renderFanOutTable(decisions, [
      { target: 'wx0000000000000001', status: 'done' },
      { target: 'wx0000000000000002', status: 'done' }
    ])
    const lines = table.split('\n')
    expect(lines[0]).toBe('| Mini program | Version | Review | Gray | Online | Result | Message |')
    expect(lines[2]).toBe(
      '| wx0000000000000001 | 1.2.3 | approved (1.2.3) | – | 1.2.3 | ✅ released | Released 1.2.3 to everyone. |'
    )
    expect(lines[3]).toContain('| ⛔ refused | The approved version is 1.2.4, not 1.2.3')
  })

  it('aggregates many targets into one check', () => {
    const failedRun = [
      { target: 'wx0000000000000001', status: 'failed' as const, error: 'WeChat -1 system error' }
    ]
    const check = renderFanOutCheck('release', decisions, failedRun)
    expect(check).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      title: 'WeChat release: 2 mini programs, 1 failed, 1 refused'
    })
    expect(check.text).toContain('| ❌ failed | WeChat -1 system error |')
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
    const summary = renderJobSummary(
      'gray',
      [decision],
      [{ target: 'wx0000000000000001', status: 'failed', writesMade: 1, error: 'grayrelease: 85082' }]
    )
    expect(summary).toContain('## WeChat mini program: gray')
    expect(summary).toContain('- ✅ made: WeChat POST /wxa/bind_tester alice_1')
    expect(summary).toContain('- ❌ failed: WeChat POST /wxa/grayrelease 20 % (experience members first)')
    expect(summary).toContain('- ⏭ not attempted: GitHub deployment wechat: 1.2.3 (gray, success)')
    expect(summary).toContain('❌ **Failed:** grayrelease: 85082')
    expect(summary).toContain('**Gray release:** ██░░░░░░░░ 20% (running)')
    expect(summary).toContain('⏳ 2 days left of the 15-day limit')
  })

  it('says when nothing was written in a dry run', () => {
    const decision = decideSubmit(
      observe('wx0000000000000001', { review: { status: 'none', screenshots: [] } }),
      {
        ...settings,
        command: 'submit'
      }
    )
    const summary = renderJobSummary(
      'submit',
      [decision],
      [{ target: 'wx0000000000000001', status: 'dry-run' }]
    )
    expect(summary).toContain('> 🧪 Dry run: nothing was written to WeChat or GitHub')
    expect(summary).toContain('- 🧪 dry run, not made: WeChat POST /wxa/submit_audit')
    expect(summary).toContain('✅ submitted (dry run)')
  })

  it('shows the fan-out table first for several targets, and only problems beyond the detail limit', () => {
    const summary = renderJobSummary('release', decisions, undefined, { detailLimit: 1 })
    expect(summary.indexOf('| Mini program |')).toBeLessThan(summary.indexOf('### '))
    expect(summary).not.toContain('### `wx0000000000000001`')
    expect(summary).toContain('### `wx0000000000000002`')
    expect(summary).toContain('⛔ **Refused:** The approved version is 1.2.4, not 1.2.3')
  })

  it('is the same text for the same decisions', () => {
    const obs = observe('wx0000000000000001', {
      gray: {
        status: 'running',
        percentage: 5,
        startedAt: T0,
        projectMembersFirst: false,
        experienceMembersFirst: false
      }
    })
    const a = renderJobSummary('sync', [decideSync(obs, settings)])
    const b = renderJobSummary('sync', [decideSync(obs, settings)])
    expect(a).toBe(b)
  })
})

describe('PR comments and the upload summary', () => {
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
    expect(body).toContain('| Subpackage `packageA` | 293.0 KB |')
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

  it('renders the review comment', () => {
    const body = renderReviewComment({
      appid: 'wx0123456789abcdef',
      review: { status: 'under_review', userVersion: '1.2.3', auditId: 9, screenshots: [] },
      commit: 'abc1234def',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      checkUrl: 'https://github.com/o/r/runs/5'
    })
    expect(body.split('\n')[0]).toBe('### 🔍 WeChat review: Under review: 1.2.3')
    expect(body).toContain(
      'commit `abc1234` · [check run](https://github.com/o/r/runs/5) · [workflow run](https://github.com/o/r/actions/runs/1)'
    )
  })
})
