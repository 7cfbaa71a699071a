/**
 * The job summary of every lifecycle command, and the fan-out table (one row per mini program) that
 * replaces per-target check runs when a run acts on many mini programs.
 */
import type { GrayDesiredCheck } from '../release/common.js'
import { describeWrite } from '../release/describe.js'
import type { CheckConclusion, CheckStatus, Decision, TargetResult } from '../release/model.js'
import { redact } from '../redact.js'
import { countdownText, type RenderedCheck } from './checks.js'
import { code, progressBar, table } from './format.js'

/** What happened when the lead performed a decision's writes. */
export interface TargetRunResult {
  target: string
  /** done: every write made; dry-run: none made on purpose; failed: stopped at a failed write. */
  status: 'done' | 'dry-run' | 'failed'
  /** How many of the decision's writes were made, in order (the rest were not attempted). */
  writesMade?: number
  error?: string
  /** bind_tester errcode per WeChat ID. */
  testerOutcomes?: Record<string, number>
  checkRunUrls?: string[]
}

function resultOf(
  decision: Decision,
  run: TargetRunResult | undefined
): { result: TargetResult | undefined; message: string } {
  if (run?.status === 'failed') return { result: 'failed', message: run.error ?? 'failed' }
  return { result: decision.outputs.result, message: decision.outputs.message ?? decision.refused ?? '' }
}

function resultLabel(result: TargetResult | undefined, dryRun: boolean): string {
  if (!result) return '–'
  const icon =
    result === 'failed'
      ? '❌'
      : result === 'refused'
        ? '⛔'
        : result === 'halted'
          ? '⚠️'
          : result === 'unchanged' || result === 'adopted'
            ? '•'
            : '✅'
  return `${icon} ${result}${dryRun && !['refused', 'failed', 'unchanged', 'adopted'].includes(result) ? ' (dry run)' : ''}`
}

function reviewCell(decision: Decision): string {
  const { reviewStatus, version } = decision.outputs
  if (!reviewStatus) return '–'
  return `${reviewStatus.replace('_', ' ')}${version ? ` (${version})` : ''}`
}

function grayCell(decision: Decision): string {
  const { grayStatus, grayPercentage } = decision.outputs
  if (!grayStatus || grayStatus === 'none') return '–'
  return `${grayStatus} ${grayPercentage ?? 0} %`
}

function runFor(results: TargetRunResult[] | undefined, target: string): TargetRunResult | undefined {
  return results?.find((result) => result.target === target)
}

/** One row per target: appid, version, review, gray, result, message. */
export function renderFanOutTable(decisions: Decision[], results?: TargetRunResult[]): string {
  const dryRun = results?.some((result) => result.status === 'dry-run') ?? false
  return redact(
    table(
      ['Mini program', 'Version', 'Review', 'Gray', 'Online', 'Result', 'Message'],
      decisions.map((decision) => {
        const { result, message } = resultOf(decision, runFor(results, decision.target))
        return [
          decision.target,
          decision.outputs.version,
          reviewCell(decision),
          grayCell(decision),
          decision.outputs.onlineVersion,
          resultLabel(result, dryRun),
          message
        ]
      })
    )
  )
}

/** The single aggregated check run used instead of per-target runs when there are more than 3 targets. */
export function renderFanOutCheck(
  command: string,
  decisions: Decision[],
  results?: TargetRunResult[]
): RenderedCheck {
  const outcomes = decisions.map((decision) => resultOf(decision, runFor(results, decision.target)).result)
  const failed = outcomes.filter((result) => result === 'failed').length
  const refused = outcomes.filter((result) => result === 'refused').length
  const rejected = decisions.filter((decision) => decision.outputs.reviewStatus === 'rejected').length
  const pending = decisions.filter((decision) =>
    decision.checks.some((check) => check.status !== 'completed')
  ).length
  let status: CheckStatus = 'completed'
  let conclusion: CheckConclusion | undefined = 'success'
  if (failed > 0 || rejected > 0) conclusion = 'failure'
  else if (pending > 0) {
    status = 'in_progress'
    conclusion = undefined
  } else if (refused > 0) conclusion = 'neutral'
  const counts = [
    `${decisions.length} mini programs`,
    failed > 0 ? `${failed} failed` : '',
    refused > 0 ? `${refused} refused` : '',
    rejected > 0 ? `${rejected} rejected` : '',
    pending > 0 ? `${pending} in progress` : ''
  ].filter(Boolean)
  return {
    status,
    ...(conclusion ? { conclusion } : {}),
    title: `WeChat ${command}: ${counts.join(', ')}`,
    summary: redact(`${counts.join(', ')}.`),
    text: renderFanOutTable(decisions, results)
  }
}

function writeLines(decision: Decision, run: TargetRunResult | undefined): string[] {
  if (decision.writes.length === 0) return []
  const made = run?.status === 'done' ? decision.writes.length : (run?.writesMade ?? 0)
  return decision.writes.map((write, index) => {
    let mark = '⏭ planned'
    if (run?.status === 'dry-run') mark = '🧪 dry run, not made'
    else if (index < made) mark = '✅ made'
    else if (run?.status === 'failed' && index === made) mark = '❌ failed'
    else if (run?.status === 'failed') mark = '⏭ not attempted'
    return `- ${mark}: ${describeWrite(write)}`
  })
}

export interface JobSummaryOptions {
  /** Above this many targets only the fan-out table and the problems are shown; default 10. */
  detailLimit?: number
}

/** The job summary for a lifecycle command: the fan-out table, then each target's state, writes and notes. */
export function renderJobSummary(
  command: string,
  decisions: Decision[],
  results?: TargetRunResult[],
  options: JobSummaryOptions = {}
): string {
  const dryRun = results?.some((result) => result.status === 'dry-run') ?? false
  const lines: string[] = [`## WeChat mini program: ${command}`, '']
  if (dryRun)
    lines.push('> 🧪 Dry run: nothing was written to WeChat or GitHub; below is what would be written.', '')
  if (decisions.length === 0) {
    lines.push('No mini program to act on.')
    return redact(lines.join('\n'))
  }
  if (decisions.length > 1) lines.push(renderFanOutTable(decisions, results), '')
  const detailLimit = options.detailLimit ?? 10
  for (const decision of decisions) {
    const run = runFor(results, decision.target)
    const { result, message } = resultOf(decision, run)
    const problem = result === 'failed' || result === 'refused' || result === 'halted'
    if (decisions.length > detailLimit && !problem) continue
    lines.push(`### ${code(decision.target)}`, '')
    if (decisions.length === 1) {
      lines.push(
        table(
          ['Version', 'Review', 'Gray', 'Online', 'Result'],
          [
            [
              decision.outputs.version,
              reviewCell(decision),
              grayCell(decision),
              decision.outputs.onlineVersion,
              resultLabel(result, dryRun)
            ]
          ]
        ),
        ''
      )
    }
    if (message)
      lines.push(
        result === 'refused'
          ? `⛔ **Refused:** ${message}`
          : result === 'failed'
            ? `❌ **Failed:** ${message}`
            : message,
        ''
      )
    const gray = decision.checks.find(
      (check): check is GrayDesiredCheck => check.kind === 'gray' && 'source' in check
    )
    if (gray) {
      lines.push(
        `**Gray release:** ${progressBar(gray.source.gray.status === 'finished' ? 100 : gray.source.gray.percentage)} (${gray.source.gray.status})`
      )
      if (gray.source.deadline) lines.push('', `⏳ ${countdownText(gray.source.deadline)}`)
      lines.push('')
    }
    const writes = writeLines(decision, run)
    if (writes.length > 0) lines.push('**Writes**', '', ...writes, '')
    if (decision.notes.length > 0)
      lines.push('**Notes**', '', ...decision.notes.map((note) => `- ${note}`), '')
    for (const check of decision.checks) {
      lines.push(
        `<details><summary>${check.name}: ${check.title}</summary>`,
        '',
        check.summary,
        '',
        '</details>',
        ''
      )
    }
    if (run?.checkRunUrls && run.checkRunUrls.length > 0) {
      lines.push(run.checkRunUrls.map((url, index) => `[Check run ${index + 1}](${url})`).join(' · '), '')
    }
  }
  return redact(lines.join('\n').trimEnd() + '\n')
}
