/**
 * WeChat releases a gray version to everyone 15 days after the plan starts. The guard shows the countdown,
 * warns in the last 3 days, and inside the configured margin does what gray-deadline-action says.
 */
import { GRAY_LIMIT_SECONDS } from './schedule.js'

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

export function deadlineStatus(startedAt: number, now: number, marginHours: number): DeadlineStatus {
  const endsAt = startedAt + GRAY_LIMIT_SECONDS
  const remainingSeconds = endsAt - now
  const daysLeft = Math.max(0, Math.floor(remainingSeconds / 86_400))
  let phase: DeadlinePhase = 'ok'
  if (remainingSeconds <= 0) phase = 'passed'
  else if (remainingSeconds <= marginHours * 3600) phase = 'act'
  else if (remainingSeconds <= DEADLINE_WARN_SECONDS) phase = 'warn'
  return { endsAt, remainingSeconds, daysLeft, phase }
}

/** The write sync makes inside the margin, or 'warn' for none. */
export type DeadlineAction = 'release' | 'revertgrayrelease' | 'warn'

export function deadlineAction(configured: 'release' | 'revert' | 'warn'): DeadlineAction {
  if (configured === 'release') return 'release'
  if (configured === 'revert') return 'revertgrayrelease'
  return 'warn'
}
