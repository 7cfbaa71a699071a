/**
 * WeChat releases a gray version to everyone when the plan's time runs out: at `default_finish_timestamp`
 * when the plan reports it (预计全量时间, operation.getGrayReleasePlan), else 15 days after the plan started.
 * The guard shows the countdown, warns in the last 3 days, and inside the configured margin does what
 * gray-deadline-action says.
 */
import type { GrayObservation } from './model.js'
import { GRAY_LIMIT_SECONDS } from './schedule.js'
import type { GrayDeadlineAction } from './settings.js'
import { formatUtc } from './time.js'

export const DEADLINE_WARN_SECONDS = 3 * 86_400

export type DeadlinePhase = 'ok' | 'warn' | 'act' | 'passed'

export interface DeadlineStatus {
  /** Unix seconds of WeChat's automatic full release. */
  endsAt: number
  /** Seconds until then; negative once passed. */
  remainingSeconds: number
  /** Whole days left (0 in the last day, never negative). */
  daysLeft: number
  phase: DeadlinePhase
}

/**
 * When WeChat releases the plan to everyone. `default_finish_timestamp` is trusted only when it lies after
 * the start and no later than the 15-day limit: a value outside that range says nothing reliable, and the
 * documented limit is the safe side.
 */
export function grayEndsAt(gray: Pick<GrayObservation, 'startedAt' | 'endsAt'>): number | undefined {
  const { startedAt, endsAt } = gray
  if (startedAt === undefined || startedAt <= 0) return undefined
  const limit = startedAt + GRAY_LIMIT_SECONDS
  if (endsAt !== undefined && endsAt > startedAt && endsAt <= limit) return endsAt
  return limit
}

export function deadlineStatus(endsAt: number, now: number, marginHours: number): DeadlineStatus {
  const remainingSeconds = endsAt - now
  const daysLeft = Math.max(0, Math.floor(remainingSeconds / 86_400))
  let phase: DeadlinePhase = 'ok'
  if (remainingSeconds <= 0) phase = 'passed'
  else if (remainingSeconds <= marginHours * 3600) phase = 'act'
  else if (remainingSeconds <= DEADLINE_WARN_SECONDS) phase = 'warn'
  return { endsAt, remainingSeconds, daysLeft, phase }
}

/** The deadline of a plan, when it has a start time. */
export function grayDeadline(
  gray: Pick<GrayObservation, 'startedAt' | 'endsAt'>,
  now: number,
  marginHours: number
): DeadlineStatus | undefined {
  const endsAt = grayEndsAt(gray)
  return endsAt === undefined ? undefined : deadlineStatus(endsAt, now, marginHours)
}

/** The write sync makes inside the margin, or 'warn' for none. */
export type DeadlineAction = 'release' | 'revertgrayrelease' | 'warn'

export function deadlineAction(configured: GrayDeadlineAction): DeadlineAction {
  if (configured === 'release') return 'release'
  if (configured === 'revert') return 'revertgrayrelease'
  return 'warn'
}

/**
 * The countdown in words. Whole days while more than two are left and whole hours after that, so a text
 * that shows it changes at most hourly and an unchanged plan does not rewrite a check run on every sync.
 */
export function countdownText(deadline: DeadlineStatus): string {
  const at = formatUtc(deadline.endsAt)
  if (deadline.remainingSeconds <= 0) return `the 15-day limit passed at ${at}`
  const hours = Math.floor(deadline.remainingSeconds / 3600)
  const left = deadline.remainingSeconds >= 2 * 86_400 ? `${deadline.daysLeft} days` : `${hours} h`
  return `${left} left of the 15-day limit (WeChat releases to everyone at ${at})`
}
