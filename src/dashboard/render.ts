/**
 * The dashboard body. The same state always renders the same text, and nothing in it moves with the clock
 * more often than WeChat's own state does (absolute times, whole days left), so an unchanged sync leaves
 * the body as it is and writes nothing.
 */
import { recordedFor } from '../release/common.js'
import { countdownText, grayDeadline } from '../release/deadline.js'
import { isGrayActive, type TargetObservation } from '../release/model.js'
import { nextStep } from '../release/schedule.js'
import type { ReleaseSettings } from '../release/settings.js'
import { wasSpedUp } from '../release/review.js'
import { formatUtc } from '../release/time.js'
import { formatDuration, progressBar } from '../report/format.js'
import { inlineText } from '../report/markdown.js'
import { availableControls, controlLabel } from './controls.js'
import { MAX_STATE_CHARS, serializeControlMarker, serializeState } from './markers.js'
import {
  BODY_LIMIT,
  DASHBOARD_MARKER,
  DASHBOARD_TITLE,
  OPERATIONS_KEPT,
  type Control,
  type DashboardState,
  type OperationEntry
} from './model.js'
import { detectTransitions, type DashboardTarget, type Transition } from './notify.js'
import type { PermissionLevel } from './permission.js'

export interface DashboardRenderInput {
  /** In the order of the configured targets. */
  targets: DashboardTarget[]
  /** The release settings of this run (schedule, deadline, clock); the command is irrelevant. */
  settings: ReleaseSettings
  /** This workflow run's URL: the operations log links runs of this repository only. */
  runUrl: string
  controlPermission: PermissionLevel
  /** The state read back from the current body; undefined for a new dashboard (or an unreadable state). */
  previous: DashboardState | undefined
  /** Operations this run made, newest first; they go before the remembered ones. */
  newOperations?: OperationEntry[]
  /** The body's largest length (default GitHub's limit; less when something is appended to it). */
  limit?: number
  /** Why no box is offered at all (the workflow cannot act on WeChat); controls are offered otherwise. */
  noControls?: string
}

export interface RenderedDashboard {
  body: string
  state: DashboardState
  /** Transitions to announce (one comment each), found against `previous`. */
  transitions: Transition[]
  /** Every box in the body. */
  controls: Control[]
}

/** A part of the body; when the body is too long, parts that are not essential are left out first. */
interface Part {
  text: string
  essential: boolean
}

const REVIEW_WORDS: Record<TargetObservation['review']['status'], string> = {
  none: 'No review yet',
  under_review: '🔍 Under review',
  delayed: '⏳ Delayed',
  approved: '✅ Approved',
  rejected: '❌ Rejected',
  withdrawn: '↩️ Withdrawn'
}

const RESULT_WORDS: Record<OperationEntry['result'], string> = {
  done: '✅ done',
  refused: '🚫 refused',
  failed: '❌ failed'
}

/** Longest untrusted text shown in one cell (rejection reasons, health reasons, errors). */
const CELL_TEXT_LIMIT = 1000

function clip(text: string, limit = CELL_TEXT_LIMIT): string {
  const flat = text.trim()
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat
}

function v(text: string | undefined): string {
  return text === undefined || text === '' ? '–' : inlineText(text)
}

function row(name: string, value: string): string {
  return `| **${name}** | ${value} |`
}

function reviewRows(obs: TargetObservation): string[] {
  const { review } = obs
  const parts = [REVIEW_WORDS[review.status]]
  if (review.userVersion !== undefined) parts.push(`**${inlineText(review.userVersion)}**`)
  const details: string[] = []
  if (review.auditId !== undefined) details.push(`audit ${review.auditId}`)
  if (review.submittedAt !== undefined) details.push(`submitted ${formatUtc(review.submittedAt)}`)
  if (wasSpedUp(obs)) details.push('expedited')
  const rows = [row('Review', `${parts.join(' ')}${details.length > 0 ? ` (${details.join(', ')})` : ''}`)]
  if ((review.status === 'rejected' || review.status === 'delayed') && review.reason?.trim()) {
    rows.push(
      row(review.status === 'rejected' ? 'Rejection reason' : 'Delay reason', inlineText(clip(review.reason)))
    )
  }
  return rows
}

function versionRows(obs: TargetObservation): string[] {
  const approved = obs.review.status === 'approved' ? obs.review.userVersion : undefined
  return [
    row(
      'Versions',
      `trial ${v(obs.versions.trial?.version)} · approved ${v(approved)} · online ${v(obs.versions.online?.version)}`
    )
  ]
}

function audience(obs: TargetObservation): string {
  const first = [
    obs.gray.projectMembersFirst ? 'project members' : '',
    obs.gray.experienceMembersFirst ? 'experience members' : ''
  ].filter(Boolean)
  return first.length > 0 ? `, ${first.join(' and ')} first` : ''
}

function grayRows(target: DashboardTarget, obs: TargetObservation, settings: ReleaseSettings): string[] {
  const { gray } = obs
  if (gray.status === 'none') return []
  const active = isGrayActive(gray)
  const started = gray.startedAt !== undefined ? ` · started ${formatUtc(gray.startedAt)}` : ''
  const shown = gray.status === 'finished' ? 100 : gray.percentage
  const rows = [row('Gray release', `\`${progressBar(shown)}\` ${gray.status}${audience(obs)}${started}`)]
  const schedule = settings.graySchedule
  if (schedule && active) {
    const recorded = recordedFor(obs)
    const next = nextStep(schedule, gray, recorded, settings.now)
    let text: string
    if (!next.step) {
      text = 'complete; release or revert it'
    } else {
      // The due time is known only when the current step's start is (recorded, or the plan's start).
      const known =
        (recorded !== undefined && recorded.stepIndex === next.currentIndex) ||
        (next.currentIndex <= 0 && gray.startedAt !== undefined)
      const when =
        known && next.dueAt !== undefined
          ? next.dueAt <= settings.now
            ? 'due now'
            : `from ${formatUtc(next.dueAt)}`
          : `${formatDuration(next.step.dwellSeconds)} after the current step is recorded`
      text = `${next.step.percent} % (step ${next.index + 1} of ${schedule.steps.length}), ${when}`
    }
    // The schedule is the normalised input (digits, "@" and units), not text from elsewhere.
    rows.push(row('Schedule', `\`${schedule.text}\` → next: ${text}`))
  }
  const deadline = active ? grayDeadline(gray, settings.now, settings.grayDeadlineMarginHours) : undefined
  if (deadline) {
    rows.push(
      row(
        '15-day limit',
        `${deadline.phase === 'ok' ? '' : '⚠️ '}${countdownText(deadline)}; gray-deadline-action: ${settings.grayDeadlineAction}`
      )
    )
  }
  if (target.halted) rows.push(row('Health gate', `🛑 halted: ${inlineText(clip(target.halted.reason))}`))
  else if (target.health) {
    rows.push(
      row('Health gate', `${target.health.pass ? '✅' : '🛑'} ${inlineText(clip(target.health.reason))}`)
    )
  }
  return rows
}

function historyRows(obs: TargetObservation): string[] {
  const online = obs.versions.online?.version
  const targets = (obs.history ?? [])
    .filter((entry) => entry.userVersion !== online)
    .sort((a, b) => b.committedAt - a.committedAt)
    .slice(0, 5)
  if (targets.length === 0) return obs.history ? [row('Rollback targets', 'none listed by WeChat')] : []
  return [
    row(
      'Rollback targets',
      targets
        .map((entry) => `${inlineText(entry.userVersion)} (released ${formatUtc(entry.committedAt)})`)
        .join(' · ')
    )
  ]
}

function controlLines(controls: Control[]): string[] {
  return controls.map((control) => `- [ ] ${serializeControlMarker(control)}${control.label}`)
}

function targetParts(
  target: DashboardTarget,
  settings: ReleaseSettings,
  noControls: string | undefined
): { parts: Part[]; controls: Control[] } {
  const heading: Part = { text: `### \`${target.appid}\``, essential: true }
  const obs = target.observation
  if (!obs) {
    return {
      parts: [
        heading,
        {
          text: `> ⚠️ WeChat could not be read in the last run${target.error ? `: ${inlineText(clip(target.error, 300))}` : ''}. No controls are offered until it can.`,
          essential: true
        }
      ],
      controls: []
    }
  }
  const table = [
    '| | |',
    '| --- | --- |',
    ...reviewRows(obs),
    ...versionRows(obs),
    ...grayRows(target, obs, settings),
    ...historyRows(obs)
  ]
  const controls = noControls === undefined ? availableControls(obs, settings) : []
  const parts: Part[] = [heading, { text: table.join('\n'), essential: false }]
  parts.push(
    controls.length > 0
      ? { text: controlLines(controls).join('\n'), essential: true }
      : { text: `_${noControls ?? 'No control applies now.'}_`, essential: true }
  )
  return { parts, controls }
}

function operationsPart(operations: OperationEntry[], runUrl: string): Part {
  if (operations.length === 0) return { text: '_No operations yet._', essential: false }
  // Run links are rebuilt from this repository's runs URL; the body only keeps the run id.
  const runsUrl = runUrl.replace(/\d+\/?$/, '')
  const rows = operations.map((entry) =>
    [
      formatUtc(entry.at),
      inlineText(entry.actor),
      controlLabel(entry),
      `${RESULT_WORDS[entry.result]}${entry.message ? `: ${inlineText(clip(entry.message, 200))}` : ''}`,
      entry.runId ? `[${entry.runId}](${runsUrl}${entry.runId})` : '–'
    ].join(' | ')
  )
  return {
    text: [
      '| When | Who | What | Result | Run |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((line) => `| ${line} |`)
    ].join('\n'),
    essential: false
  }
}

/** Joins the parts, leaving out non-essential ones from the end (then essential ones) until it fits. */
function fit(parts: Part[], footer: string, limit: number): string {
  const joined = (list: Part[]) => [...list.map((part) => part.text), footer].join('\n\n')
  if (joined(parts).length <= limit) return joined(parts)
  const notice: Part = {
    text: `> ✂️ Parts of this dashboard are left out: GitHub keeps at most ${limit.toLocaleString('en-US')} characters in an issue body. The job summary of each run has everything.`,
    essential: true
  }
  const kept = [...parts]
  const drop = (essential: boolean): boolean => {
    for (let index = kept.length - 1; index > 0; index--) {
      if (kept[index]?.essential === essential) {
        kept.splice(index, 1)
        return true
      }
    }
    return false
  }
  const withNotice = () => [kept[0] as Part, notice, ...kept.slice(1)]
  while (joined(withNotice()).length > limit && drop(false));
  while (joined(withNotice()).length > limit && drop(true));
  return joined(withNotice())
}

/**
 * The state within its size bound: snapshots of the last targets are left out first (those targets start
 * afresh next time: nothing is announced for them once), then the oldest operations.
 */
function bounded(state: DashboardState): DashboardState {
  const appids = Object.keys(state.targets)
  const kept: DashboardState = { targets: { ...state.targets }, operations: [...state.operations] }
  while (serializeState(kept).length > MAX_STATE_CHARS && (appids.length > 0 || kept.operations.length > 0)) {
    const appid = appids.pop()
    if (appid !== undefined) delete kept.targets[appid]
    else kept.operations.pop()
  }
  return kept
}

/** Renders the body, the state to keep in it, and the transitions found against the previous state. */
export function renderDashboard(input: DashboardRenderInput): RenderedDashboard {
  const { settings } = input
  const detected = detectTransitions(input.previous, input.targets, settings.now)
  const operations = [...(input.newOperations ?? []), ...(input.previous?.operations ?? [])].slice(
    0,
    OPERATIONS_KEPT
  )
  const state = bounded({ targets: detected.targets, operations })

  const parts: Part[] = [
    {
      text: [
        DASHBOARD_MARKER,
        `## 📦 ${DASHBOARD_TITLE}`,
        '',
        `Each mini program as WeChat reports it, brought up to date by every run of the release workflow. Tick a box to act: the action checks that you have the **${input.controlPermission}** permission on this repository or higher and that WeChat's state is still the one shown here, then acts and answers in a comment. Editing this text changes nothing.`
      ].join('\n'),
      essential: true
    }
  ]
  const controls: Control[] = []
  for (const target of input.targets) {
    const rendered = targetParts(target, settings, input.noControls)
    parts.push(...rendered.parts)
    controls.push(...rendered.controls)
  }
  parts.push({ text: '### Operations', essential: false }, operationsPart(operations, input.runUrl))
  const body = fit(parts, serializeState(state), input.limit ?? BODY_LIMIT)
  return { body, state, transitions: detected.transitions, controls }
}
