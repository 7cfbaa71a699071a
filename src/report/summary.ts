/**
 * The job summary of every lifecycle command, and the fan-out table (one row per mini program) that
 * replaces per-target check runs when a run acts on many mini programs. Both are rendered from what each
 * target reports (observed state and what was actually done), never from the plan alone.
 */
import type { CheckConclusion, CheckStatus } from '../github/client.js'
import { countdownText } from '../release/deadline.js'
import { describeWrite } from '../release/describe.js'
import {
  reviewStatusText,
  type ActResult,
  type Decision,
  type TargetObservation,
  type TargetOutputs,
  type TargetResult
} from '../release/model.js'
import { redact } from '../redact.js'
import { renderCheck, type RenderedCheck } from './checks.js'
import { progressBar, table } from './format.js'
import { inlineCode, inlineText } from './markdown.js'

/** One target as the run reports it. */
export interface TargetReport {
  decision: Decision
  run: ActResult
  /** What is true after this run (see release/outcome.ts). */
  outputs: Partial<TargetOutputs>
  observation?: TargetObservation
  checkRunUrls?: string[]
}

const ICON: Partial<Record<TargetResult, string>> = {
  failed: '❌',
  refused: '⛔',
  halted: '⚠️',
  unchanged: '•',
  adopted: '•',
  'dry-run': '🧪',
  'not-attempted': '⏭'
}

function resultLabel(result: TargetResult | undefined): string {
  if (!result) return '–'
  return `${ICON[result] ?? '✅'} ${result}`
}

function reviewCell(outputs: Partial<TargetOutputs>): string {
  const { reviewStatus, version } = outputs
  if (!reviewStatus) return '–'
  return `${reviewStatusText(reviewStatus)}${version ? ` (${inlineText(version)})` : ''}`
}

function grayCell(outputs: Partial<TargetOutputs>): string {
  const { grayStatus, grayPercentage } = outputs
  if (!grayStatus || grayStatus === 'none') return '–'
  return `${grayStatus} ${grayPercentage ?? 0} %`
}

function optionalText(text: string | undefined): string | undefined {
  return text === undefined ? undefined : inlineText(text)
}

/** One row per target: appid, version, review, gray, online, result, message. */
export function renderFanOutTable(reports: TargetReport[]): string {
  return redact(
    table(
      ['Mini program', 'Version', 'Review', 'Gray', 'Online', 'Result', 'Message'],
      reports.map(({ decision, outputs }) => [
        inlineCode(decision.target),
        optionalText(outputs.version),
        reviewCell(outputs),
        grayCell(outputs),
        optionalText(outputs.onlineVersion),
        resultLabel(outputs.result),
        optionalText(outputs.message)
      ])
    )
  )
}

/**
 * The single aggregated check run used instead of per-target runs when there are many targets. It is always
 * completed (see the check states in checks.ts): failure when a target failed or was rejected, neutral while
 * any review is pending or a target was refused or not attempted, success otherwise.
 */
export function renderFanOutCheck(command: string, reports: TargetReport[]): RenderedCheck {
  const results = reports.map((report) => report.outputs.result)
  const count = (result: TargetResult) => results.filter((candidate) => candidate === result).length
  const failed = count('failed')
  const refused = count('refused')
  const notAttempted = count('not-attempted')
  const rejected = reports.filter((report) => report.outputs.reviewStatus === 'rejected').length
  const pending = reports.filter(
    (report) => report.outputs.reviewStatus === 'under_review' || report.outputs.reviewStatus === 'delayed'
  ).length
  const status: CheckStatus = 'completed'
  let conclusion: CheckConclusion = 'success'
  if (failed > 0 || rejected > 0) conclusion = 'failure'
  else if (pending > 0 || refused > 0 || notAttempted > 0) conclusion = 'neutral'
  const counts = [
    `${reports.length} mini programs`,
    failed > 0 ? `${failed} failed` : '',
    refused > 0 ? `${refused} refused` : '',
    notAttempted > 0 ? `${notAttempted} not attempted` : '',
    rejected > 0 ? `${rejected} rejected` : '',
    pending > 0 ? `${pending} under review` : ''
  ].filter(Boolean)
  return {
    status,
    conclusion,
    title: `WeChat ${command}: ${counts.join(', ')}`,
    summary: redact(`${counts.join(', ')}.`),
    text: renderFanOutTable(reports)
  }
}

function writeLines(decision: Decision, run: ActResult): string[] {
  return decision.writes.map((write, index) => {
    let mark = '⏭ not attempted'
    if (run.status === 'dry-run') mark = '🧪 dry run, not made'
    else if (index < run.writesMade) mark = '✅ made'
    else if (run.status === 'failed' && index === run.writesMade) mark = '❌ failed'
    return `- ${mark}: ${inlineText(describeWrite(write))}`
  })
}

export interface JobSummaryOptions {
  /** Above this many targets only the fan-out table and the problems are shown; default 10. */
  detailLimit?: number
  /** How many targets the run acts on (check-run names carry the appid when more than one). */
  targetCount?: number
  /** GitHub writes that failed; the WeChat side above happened regardless. */
  githubFailures?: string[]
  /** Markdown lines about what was written to GitHub, composed from numbers and the action's own names. */
  githubLines?: string[]
}

function problem(result: TargetResult | undefined): boolean {
  return result === 'failed' || result === 'refused' || result === 'halted' || result === 'not-attempted'
}

function messageLine(outputs: Partial<TargetOutputs>): string | undefined {
  const { result, message } = outputs
  if (!message) return undefined
  const text = inlineText(message)
  if (result === 'refused') return `⛔ **Refused:** ${text}`
  if (result === 'failed') return `❌ **Failed:** ${text}`
  if (result === 'not-attempted') return `⏭ **Not attempted:** ${text}`
  return text
}

function targetSection(report: TargetReport, single: boolean, targetCount: number): string[] {
  const { decision, run, outputs } = report
  const lines = [`### ${inlineCode(decision.target)}`, '']
  if (single) {
    lines.push(
      table(
        ['Version', 'Review', 'Gray', 'Online', 'Result'],
        [
          [
            optionalText(outputs.version),
            reviewCell(outputs),
            grayCell(outputs),
            optionalText(outputs.onlineVersion),
            resultLabel(outputs.result)
          ]
        ]
      ),
      ''
    )
  }
  const message = messageLine(outputs)
  if (message) lines.push(message, '')
  // The planned checks show the state after the writes: only once they were made (or, marked, in a dry run).
  const shown = run.status === 'done' || run.status === 'dry-run'
  const grayPlan = shown ? decision.checks.find((check) => check.kind === 'gray') : undefined
  if (outputs.grayStatus && outputs.grayStatus !== 'none') {
    const percent = outputs.grayStatus === 'finished' ? 100 : (outputs.grayPercentage ?? 0)
    lines.push(`**Gray release:** ${progressBar(percent)} (${outputs.grayStatus})`)
    if (grayPlan?.kind === 'gray' && grayPlan.state.deadline && run.status === 'done') {
      lines.push('', `⏳ ${inlineText(countdownText(grayPlan.state.deadline))}`)
    }
    lines.push('')
  }
  const writes = writeLines(decision, run)
  if (writes.length > 0) lines.push('**Writes**', '', ...writes, '')
  const notes = [...decision.notes, ...(run.status === 'done' ? decision.afterWrites : [])]
  if (notes.length > 0) lines.push('**Notes**', '', ...notes.map((note) => `- ${inlineText(note)}`), '')
  if (shown) {
    for (const plan of decision.checks) {
      const check = renderCheck(plan, { targetCount })
      const label = run.status === 'dry-run' ? `${check.name} (would show)` : check.name
      lines.push(
        `<details><summary>${inlineText(`${label}: ${check.title}`)}</summary>`,
        '',
        check.summary,
        '',
        '</details>',
        ''
      )
    }
  }
  if (report.checkRunUrls && report.checkRunUrls.length > 0) {
    lines.push(report.checkRunUrls.map((url, index) => `[Check run ${index + 1}](${url})`).join(' · '), '')
  }
  return lines
}

/** The job summary for a lifecycle command: the fan-out table, then each target's state, writes and notes. */
export function renderJobSummary(
  command: string,
  reports: TargetReport[],
  options: JobSummaryOptions = {}
): string {
  const lines: string[] = [`## WeChat mini program: ${command}`, '']
  if (reports.some((report) => report.run.status === 'dry-run')) {
    lines.push('> 🧪 Dry run: nothing was written to WeChat or GitHub; below is what would be written.', '')
  }
  if (reports.length === 0) {
    lines.push('No mini program to act on.')
    return redact(lines.join('\n'))
  }
  if (reports.length > 1) lines.push(renderFanOutTable(reports), '')
  const detailLimit = options.detailLimit ?? 10
  const targetCount = options.targetCount ?? reports.length
  for (const report of reports) {
    if (reports.length > detailLimit && !problem(report.outputs.result)) continue
    lines.push(...targetSection(report, reports.length === 1, targetCount))
  }
  const failures = options.githubFailures ?? []
  const githubLines = options.githubLines ?? []
  if (failures.length > 0 || githubLines.length > 0) {
    lines.push('### GitHub', '')
    for (const failure of failures) lines.push(`- ⚠️ **Not written:** ${inlineText(failure)}`)
    for (const line of githubLines) lines.push(`- ${line}`)
    lines.push('')
  }
  return redact(lines.join('\n').trimEnd() + '\n')
}
