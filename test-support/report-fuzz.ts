/**
 * The fuzz of the renderers that take untrusted text: 1,000 seeded hostile strings
 * (test-support/hostile-text.ts) through each of them. For each string the output must make nothing live
 * that the same render with benign text does not: no HTML, link, image, extra table cell or block (a GFM
 * parser, remark-gfm); no mention or reference (GitHub's reference pass as remark-github reproduces it, and
 * GitHub's documented patterns); no runner command in any line that could reach the log.
 *
 * The renderers are in four groups, one test file each (__tests__/report-fuzz-*.test.ts), so the fuzz runs
 * on every core. To cover a new renderer, add an entry to a group: a function that puts the text in every
 * place the renderer takes untrusted text (WeChat replies, commit subjects, tags, file names, payloads).
 */
import { describe, expect, it } from '@jest/globals'
import { renderDashboard } from '../src/dashboard/render.js'
import { renderNotification, renderOutcomeComment, type Transition } from '../src/dashboard/notify.js'
import { neutraliseCommands } from '../src/log.js'
import { redact } from '../src/redact.js'
import type {
  ActResult,
  CheckPlan,
  Decision,
  GrayCheckState,
  ReviewCheckState,
  TargetObservation
} from '../src/release/model.js'
import { renderGrayCheck, renderReviewCheck } from '../src/report/checks.js'
import { renderReleaseComment } from '../src/report/comments.js'
import { blockquote, codeBlock, inlineCode, inlineText } from '../src/report/markdown.js'
import { evaluateSizes, DEFAULT_SIZE_POLICY } from '../src/report/package-size.js'
import { renderPreviewComment, renderUploadSummary } from '../src/report/preview.js'
import { renderFanOutCheck, renderJobSummary, type TargetReport } from '../src/report/summary.js'
import { withCpuSlot } from './cpu-slots.js'
import { hostileStrings } from './hostile-text.js'
import { inspect, referencesIn } from './markdown-inert.js'
import { APPID, DAY, T0, observation, releaseSettings, runningGray } from './release-fixtures.js'
import { runnerCommands } from './runner-commands.js'

export const HOSTILE = hostileStrings(1000)
const BENIGN = 'benign'

export interface UntrustedRenderer {
  name: string
  /** Markdown with `text` in every place the renderer takes untrusted text. */
  render(text: string): string
  /** The output holds code blocks, whose lines are shown verbatim (checked as the log would print them). */
  verbatimLines?: boolean
  /** Also check that a reader sees the text itself (line breaks as spaces, invisible characters dropped). */
  keepsText?: boolean
}

const RUN_URL = 'https://github.com/octo/shop/actions/runs/4242'

/** The helpers of src/report/markdown.ts in every context a renderer puts them. */
export const HELPERS: UntrustedRenderer[] = [
  { name: 'inlineText in a paragraph', render: (text) => `Reason: ${inlineText(text)}`, keepsText: true },
  { name: 'inlineText alone on a line', render: (text) => `Title\n${inlineText(text)}\n\nAfter` },
  { name: 'inlineText in a heading', render: (text) => `### ${inlineText(text)}` },
  { name: 'inlineText in a list item', render: (text) => `- ${inlineText(text)}\n- next` },
  { name: 'inlineText in bold', render: (text) => `Version **${inlineText(text)}** of app` },
  {
    name: 'inlineText in a table cell',
    render: (text) => `| Version | Reason |\n| --- | --- |\n| ${inlineText(text)} | ${inlineText(text)} |`
  },
  {
    name: 'inlineText in <details><summary>',
    render: (text) => `<details><summary>${inlineText(text)}</summary>\n\nbody\n\n</details>`
  },
  { name: 'inlineText as link text', render: (text) => `[${inlineText(text)}](${RUN_URL})` },
  { name: 'inlineCode', render: (text) => `File ${inlineCode(text)} is too large`, verbatimLines: true },
  {
    name: 'inlineCode in a table cell',
    render: (text) => `| File |\n| --- |\n| ${inlineCode(text, { inTable: true })} |`,
    verbatimLines: true
  },
  {
    name: 'codeBlock in <details>',
    render: (text) => `<details><summary>Log</summary>${codeBlock(text)}</details>\n\nAfter`,
    verbatimLines: true
  },
  { name: 'blockquote', render: (text) => `Reason:\n\n${blockquote(text)}\n\nAfter` }
]

const COMMIT = 'c0ffee1'.padEnd(40, '0')

/** A review check's state with `text` wherever WeChat or a note puts text. */
function reviewState(text: string, status: 'rejected' | 'delayed' | 'approved'): ReviewCheckState {
  return {
    review: { status, userVersion: text, reason: text, screenshots: [text], auditId: 1, submittedAt: T0 },
    onlineVersion: text,
    releaseOnApproval: 'off',
    inGray: false,
    notes: [text],
    record: { spedUp: false, since: T0 },
    now: T0 + DAY
  }
}

/** A gray check's state with `text` in the halt reason, the health gate, the whitelist, notes and the record. */
function grayState(text: string, status: 'running' | 'reverted'): GrayCheckState {
  return {
    gray: { ...runningGray(5), status, experienceMembersFirst: true },
    now: T0 + DAY,
    deadlineAction: 'warn',
    marginHours: 24,
    halted: text,
    health: {
      pass: false,
      newGroups: [{ message: text, uv: 3, pv: 4, key: 'k' }],
      grayUv: 3,
      onlineUv: 1,
      ratio: 3,
      reason: text
    },
    whitelist: [{ wechatid: 'tester_1', outcome: 'bound' }],
    notes: [text],
    recorded: { version: text, stepIndex: 1, percentage: 5, stepTakenAt: T0, haltedReason: text }
  }
}

/** A target whose run made every write (checks shown) or failed at the first, with `text` everywhere. */
function targetReport(text: string, status: ActResult['status']): TargetReport {
  const checks: CheckPlan[] = [
    { kind: 'review', appid: APPID, version: text, state: reviewState(text, 'rejected') },
    { kind: 'gray', appid: APPID, version: text, state: grayState(text, 'running') }
  ]
  const decision: Decision = {
    target: APPID,
    writes: [
      { kind: 'revertcoderelease', appVersion: 3, userVersion: text },
      { kind: 'deployment', environment: 'wechat', version: text, operation: 'rollback', state: 'success' }
    ],
    notes: [text],
    afterWrites: [text],
    outputs: {},
    checks
  }
  return {
    decision,
    run: {
      target: APPID,
      status,
      writesMade: status === 'done' ? 2 : 0,
      ...(status === 'failed' ? { error: text } : {})
    },
    outputs: {
      appid: APPID,
      version: text,
      reviewStatus: 'rejected',
      grayStatus: 'running',
      grayPercentage: 5,
      onlineVersion: text,
      result: status === 'failed' ? 'failed' : 'rolled-back',
      message: text
    }
  }
}

/** A mini program as the dashboard reads it: a rejected review (no control applies), versions and a reason. */
function dashboardObservation(text: string): TargetObservation {
  return observation({
    review: { status: 'rejected', userVersion: text, reason: text, screenshots: [text], auditId: 7 },
    versions: { trial: { version: text }, online: { version: text } }
  })
}

const TRANSITIONS: Array<Omit<Transition, 'appid' | 'key'>> = [
  { kind: 'review-approved', auditId: 1 },
  { kind: 'review-rejected', auditId: 1 },
  { kind: 'review-delayed' },
  { kind: 'health-halted', percentage: 5 },
  { kind: 'deadline-24h', percentage: 5, endsAt: T0 + 15 * DAY },
  { kind: 'released', byWeChat: true },
  { kind: 'rolled-back' }
]

/** Check runs and the pull-request comment. */
export const CHECK_RENDERERS: UntrustedRenderer[] = [
  {
    name: 'review check run (rejected, delayed, approved: version, reason, screenshots and notes)',
    render: (text) =>
      (['rejected', 'delayed', 'approved'] as const)
        .map((status) => renderReviewCheck(APPID, reviewState(text, status), RUN_URL))
        .map((check) => `${check.summary}\n\n${check.text}`)
        .join('\n\n')
  },
  {
    name: 'gray check run (version, halt reason, health gate errors, notes, record)',
    render: (text) =>
      (['running', 'reverted'] as const)
        .map((status) => renderGrayCheck(APPID, text, grayState(text, status), RUN_URL))
        .map((check) => `${check.summary}\n\n${check.text}`)
        .join('\n\n')
  },
  {
    name: 'fan-out check run (one row per mini program)',
    render: (text) => {
      const check = renderFanOutCheck('sync', [targetReport(text, 'done'), targetReport(text, 'failed')])
      return `${check.summary}\n\n${check.text}`
    }
  },
  {
    name: 'released-in comment on a pull request (version, rejection reason)',
    render: (text) =>
      renderReleaseComment({ appid: APPID, version: text, stage: 'rejected', reason: text, commit: COMMIT })
  }
]

/** The job summaries of every command and the preview comment. */
export const SUMMARY_RENDERERS: UntrustedRenderer[] = [
  {
    name: 'job summary (versions, messages, notes, writes, checks, GitHub failures)',
    // One mini program has a layout of its own (a table of its outputs); several share one table.
    render: (text) =>
      [
        renderJobSummary('rollback', [targetReport(text, 'done')], { githubFailures: [text] }),
        renderJobSummary('rollback', [targetReport(text, 'done'), targetReport(text, 'failed')])
      ].join('\n\n')
  },
  {
    name: 'preview comment (version from the tag, subpackage and branch names)',
    render: (text) =>
      renderPreviewComment({
        sizes: { main: 1, total: 2, subpackages: [{ name: text, size: 1 }] },
        sizeReport: evaluateSizes(
          { main: 1, total: 2, subpackages: [{ name: text, size: 1 }] },
          DEFAULT_SIZE_POLICY,
          {
            branch: text,
            baseline: { branch: text, commit: COMMIT, sizes: { subpackages: [{ name: text, size: 2 }] } }
          }
        ),
        appid: APPID,
        version: text,
        commit: COMMIT,
        runUrl: RUN_URL,
        fallbackNote: text
      }),
    // Subpackage and branch names are shown as code, verbatim.
    verbatimLines: true
  },
  {
    name: 'upload job summary (version from the tag, description from the commit subject)',
    render: (text) =>
      renderUploadSummary({
        result: {
          appid: APPID,
          version: text,
          description: text,
          sizes: { subpackages: [{ name: text, size: 1 }] }
        },
        commit: COMMIT,
        runUrl: RUN_URL
      })
  }
]

/** The release dashboard: its body, notifications and replies. */
export const DASHBOARD_RENDERERS: UntrustedRenderer[] = [
  {
    name: 'dashboard body (versions, reasons, errors, operations)',
    render: (text) =>
      renderDashboard({
        targets: [
          { appid: APPID, observation: dashboardObservation(text) },
          {
            appid: 'wxa000000000000002',
            observation: observation({ appid: 'wxa000000000000002', gray: runningGray(5, T0) }),
            health: { pass: false, reason: text },
            halted: { reason: text, byHealthGate: true }
          },
          { appid: 'wxa000000000000003', error: text }
        ],
        settings: releaseSettings({ now: T0 + DAY }),
        runUrl: RUN_URL,
        controlPermission: 'maintain',
        previous: undefined,
        newOperations: [
          {
            at: T0,
            actor: text,
            appid: APPID,
            control: 'rollback',
            version: text,
            from: text,
            result: 'failed',
            message: text,
            runId: '42'
          }
        ]
      }).body
  },
  {
    name: 'dashboard notifications (version, previous version, reason)',
    render: (text) =>
      TRANSITIONS.map((transition) =>
        renderNotification({ ...transition, appid: APPID, key: 'k', version: text, from: text, reason: text })
      ).join('\n\n')
  },
  {
    name: 'dashboard reply to a tick (version, message)',
    render: (text) =>
      (['done', 'refused', 'failed'] as const)
        .map((outcome) =>
          renderOutcomeComment({
            // The sender is GitHub's login of the person who ticked the box, mentioned on purpose.
            sender: 'maintainer',
            control: { control: 'rollback', appid: APPID, version: text, from: text },
            outcome,
            message: text,
            runUrl: RUN_URL
          })
        )
        .join('\n\n')
  }
]

interface Finding {
  renderer: string
  index: number
  text: string
  problem: string
}

/** A reader's view of the text as inlineText keeps it: one line, no invisible characters. */
function asOneLine(text: string): string {
  return (
    text
      .replace(/\r\n|[\n\r\v\f\u0085\u2028\u2029\t]/g, ' ')
      // eslint-disable-next-line no-control-regex -- controls are what this removes
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  )
}

/** Renders are checked in batches (one parse each); a batch that differs is checked string by string. */
const BATCH = 50
const SEPARATOR = '\n\n<!-- next -->\n\n'

interface Expected {
  markup: string[]
  references: Set<string>
  commands: number
}

function expectedOf(renderer: UntrustedRenderer, text: string): Expected {
  const markdown = renderer.render(text)
  const { markup, text: seen } = inspect(markdown)
  return { markup, references: new Set(referencesIn(seen)), commands: runnerCommands(markdown).length }
}

/** What is wrong with the Markdown of `count` renders, compared with `count` renders of `allowed`. */
function problemsOf(renderer: UntrustedRenderer, markdowns: string[], allowed: Expected[]): string[] {
  const joined = markdowns.join(SEPARATOR)
  const { markup, text } = inspect(joined)
  const problems: string[] = []
  const separator = inspect(`x${SEPARATOR}x`).markup
  const allowedMarkups = allowed.map((expected) => {
    const all: string[] = []
    markdowns.forEach((_markdown, index) => {
      if (index > 0) all.push(...separator)
      all.push(...expected.markup)
    })
    return JSON.stringify(all)
  })
  if (!allowedMarkups.includes(JSON.stringify(markup))) problems.push(`markup ${JSON.stringify(markup)}`)
  const references = referencesIn(text).filter(
    (name) => !allowed.some((expected) => expected.references.has(name))
  )
  if (references.length > 0) problems.push(`references: ${references.join(', ')}`)
  const logged = renderer.verbatimLines ? markdowns.map(neutraliseCommands) : markdowns
  const commands = runnerCommands(logged.join(SEPARATOR)).length
  if (commands > Math.max(...allowed.map((expected) => expected.commands)) * markdowns.length) {
    problems.push('a runner command')
  }
  return problems
}

export function check(
  renderer: UntrustedRenderer,
  strings: readonly string[] = HOSTILE,
  /** The index in HOSTILE of strings[0], for the findings. */
  firstIndex = 0
): Finding[] {
  const allowed = [expectedOf(renderer, BENIGN), expectedOf(renderer, '')]
  const findings: Finding[] = []
  for (let start = 0; start < strings.length; start += BATCH) {
    const batch = strings.slice(start, start + BATCH)
    const markdowns = batch.map((text) => renderer.render(text))
    if (renderer.keepsText) {
      const seen = inspect(markdowns.join(SEPARATOR)).text.replace(/\u200b/g, '')
      batch.forEach((text, offset) => {
        // What a reader sees is the text as redaction leaves it (URL userinfo and tokens become ***).
        if (!seen.includes(redact(asOneLine(text)).replace(/\u200b/g, ''))) {
          findings.push({
            renderer: renderer.name,
            index: firstIndex + start + offset,
            text,
            problem: 'text changed'
          })
        }
      })
    }
    if (problemsOf(renderer, markdowns, allowed).length === 0) continue
    batch.forEach((text, offset) => {
      // Alone, a string may render as the empty text does (all of it invisible): either is allowed.
      const problems = allowed
        .map((expected) => problemsOf(renderer, [markdowns[offset] as string], [expected]))
        .reduce((fewest, each) => (each.length < fewest.length ? each : fewest))
      for (const problem of problems)
        findings.push({ renderer: renderer.name, index: firstIndex + start + offset, text, problem })
    })
  }
  return findings
}

/** Strings checked per turn in the run's CPU queue: a few seconds of parsing, then others get a turn. */
const STRINGS_PER_SLOT = 200
/** Turns wait behind compiles and other fuzz passes on a busy machine. */
const FUZZ_TEST_TIMEOUT_MS = 600_000

/**
 * One test per renderer: all 1,000 strings, nothing live. The parsing is CPU-bound, so it runs in turns of
 * the run's CPU slots, as compiles do (cpu-slots.ts): the four fuzz files started together would otherwise
 * starve the end-to-end tests' emulators and compilers, and a turn is short so a compile never waits long.
 */
export function fuzzEach(renderers: UntrustedRenderer[]): void {
  describe.each(renderers)('$name', (renderer) => {
    it(
      'makes nothing live',
      async () => {
        const findings: Finding[] = []
        for (let start = 0; start < HOSTILE.length; start += STRINGS_PER_SLOT) {
          const strings = HOSTILE.slice(start, start + STRINGS_PER_SLOT)
          findings.push(...(await withCpuSlot(async () => check(renderer, strings, start))))
        }
        expect(findings.slice(0, 5)).toEqual([])
      },
      FUZZ_TEST_TIMEOUT_MS
    )
  })
}
