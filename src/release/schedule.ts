/**
 * The gray schedule: `1, 5@24h, 20@24h, 50@48h, 100@48h`. Each step is a percentage and the minimum time
 * the previous step must have run before this one is taken (its dwell). The first step starts the plan at
 * once; a last step of 100 is the full release. Validated at parse time so that a schedule that cannot
 * finish inside WeChat's 15-day limit is rejected before anything runs.
 */
import { isGrayActive, type GrayObservation, type RecordedRollout } from './model.js'

export const GRAY_LIMIT_SECONDS = 15 * 86_400

export interface GrayStep {
  percent: number
  /** Seconds the previous step must have run before this step is taken; 0 for the first step. */
  dwellSeconds: number
}

export interface GraySchedule {
  steps: GrayStep[]
  /** Sum of all dwells: how long after the plan starts the last step is taken at the earliest. */
  totalSeconds: number
  /** The schedule as written, normalised (`1, 5@24h, ...`). */
  text: string
}

export interface ParseScheduleOptions {
  /** Hours before the day-15 limit that the schedule must leave free (gray-deadline-margin-hours); default 24. */
  marginHours?: number
  /** Whether members or a whitelist are configured; when false, a first step of 0 % is rejected. */
  members?: boolean
}

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 }
const STEP = /^(\d+)\s*%?\s*(?:@\s*(\d+)\s*([mhd]))?$/i

function formatDwell(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`
  if (seconds % 3600 === 0) return `${seconds / 3600}h`
  return `${Math.round(seconds / 60)}m`
}

/** Formats hours as "2 h" or "1 d 6 h" for the overflow message. */
function formatHours(seconds: number): string {
  const hours = Math.ceil(seconds / 3600)
  const days = Math.floor(hours / 24)
  const rest = hours % 24
  if (days === 0) return `${hours} h`
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`
}

export function formatSchedule(steps: GrayStep[]): string {
  return steps
    .map((step, index) =>
      index === 0 && step.dwellSeconds === 0
        ? `${step.percent}`
        : `${step.percent}@${formatDwell(step.dwellSeconds)}`
    )
    .join(', ')
}

/** Parses a gray schedule or throws an Error whose message names the step and the rule it breaks. */
export function parseGraySchedule(text: string, options: ParseScheduleOptions = {}): GraySchedule {
  const marginHours = options.marginHours ?? 24
  const tokens = text
    .split(/[,\n]/)
    .map((token) => token.trim())
    .filter((token) => token !== '')
  if (tokens.length === 0) throw new Error('is empty: give steps such as "1, 5@24h, 20@24h, 100@48h"')

  const steps: GrayStep[] = []
  tokens.forEach((token, index) => {
    const number = index + 1
    const match = STEP.exec(token)
    if (!match) {
      throw new Error(
        `step ${number} "${token}" is not of the form percent[@dwell] with dwell in m, h or d (e.g. 20@24h)`
      )
    }
    const percent = Number(match[1])
    const dwellSeconds =
      match[2] === undefined ? 0 : Number(match[2]) * (UNIT_SECONDS[match[3]!.toLowerCase()] ?? 0)
    if (percent > 100) throw new Error(`step ${number}: ${percent} is not a percentage from 0 to 100`)
    if (percent === 0 && index > 0) {
      throw new Error(`step ${number}: 0 % is allowed only as the first step (members or whitelist only)`)
    }
    if (percent === 0 && options.members === false) {
      throw new Error(
        'step 1: 0 % reaches nobody without gray-project-members, gray-experience-members or gray-whitelist'
      )
    }
    const previous = steps[index - 1]
    if (previous && percent <= previous.percent) {
      throw new Error(
        `step ${number}: ${percent} % must be higher than the previous step's ${previous.percent} % (steps must be strictly increasing)`
      )
    }
    if (index === 0 && dwellSeconds > 0) {
      throw new Error(`step 1 "${token}": the first step starts the plan at once and takes no dwell time`)
    }
    if (index > 0 && dwellSeconds <= 0) {
      throw new Error(
        `step ${number} "${token}": every step after the first needs a dwell time greater than 0 (e.g. ${percent}@24h)`
      )
    }
    steps.push({ percent, dwellSeconds })
  })

  const totalSeconds = steps.reduce((sum, step) => sum + step.dwellSeconds, 0)
  const allowedSeconds = GRAY_LIMIT_SECONDS - marginHours * 3600
  if (totalSeconds > allowedSeconds) {
    throw new Error(
      `takes ${formatHours(totalSeconds)} but must fit inside WeChat's 15-day gray limit minus the ${marginHours} h deadline margin (${formatHours(allowedSeconds)}): ${formatHours(totalSeconds - allowedSeconds)} too long`
    )
  }
  return { steps, totalSeconds, text: formatSchedule(steps) }
}

export interface NextStep {
  /** The next step may be taken now. */
  due: boolean
  /** The next step; undefined when the schedule is complete. */
  step: GrayStep | undefined
  /** Unix seconds from which the next step may be taken. */
  dueAt: number | undefined
  /** Index of the next step; equals steps.length when the schedule is complete. */
  index: number
  /** Index of the step in force now; -1 before the first step. */
  currentIndex: number
  /** When the step in force was taken (or first seen), unix seconds. */
  currentSince: number | undefined
}

/** Index of the highest step whose percentage WeChat's plan has reached; -1 when below the first. */
export function stepIndexForPercentage(schedule: GraySchedule, percentage: number): number {
  let found = -1
  schedule.steps.forEach((step, index) => {
    if (percentage >= step.percent) found = index
  })
  return found
}

/**
 * Where the rollout stands and whether the next step is due. The step in force is the one WeChat's
 * percentage has reached: a record never moves the rollout past what WeChat reports, so a record that
 * claims a later step (planted, or left from another plan) cannot skip one. The record only says when the
 * step in force was taken, and never earlier than the plan's start. Dwell is measured from that time, the
 * plan's start for the first step, or `now` when the step was taken outside the action and never recorded
 * (so a step is never taken early).
 */
export function nextStep(
  schedule: GraySchedule,
  gray: GrayObservation,
  recorded: RecordedRollout | undefined,
  now: number
): NextStep {
  const active = isGrayActive(gray)
  const first = schedule.steps[0]
  if (!active) {
    return { due: true, step: first, dueAt: now, index: 0, currentIndex: -1, currentSince: undefined }
  }
  const currentIndex = stepIndexForPercentage(schedule, gray.percentage)
  const planStart = gray.startedAt ?? now
  let currentSince: number
  if (recorded && recorded.stepIndex === currentIndex)
    currentSince = Math.max(recorded.stepTakenAt, planStart)
  else if (currentIndex <= 0) currentSince = planStart
  else currentSince = now

  const index = currentIndex + 1
  const step = schedule.steps[index]
  if (!step) return { due: false, step: undefined, dueAt: undefined, index, currentIndex, currentSince }
  const dueAt = currentSince + step.dwellSeconds
  return { due: now >= dueAt, step, dueAt, index, currentIndex, currentSince }
}
