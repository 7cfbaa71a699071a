/**
 * The emulated clock. It never reads real time: it starts at a fixed instant and moves only when a test
 * (or the control API) advances it, so every expiry, quota window and 15-day deadline is reproducible.
 */

export const DEFAULT_START_TIME = 1767225600 // 2026-01-01T00:00:00Z

/** WeChat resets daily and monthly allowances at midnight Beijing time (UTC+8). */
const BEIJING_OFFSET_SECONDS = 8 * 3600

export class EmulatedClock {
  private current: number

  constructor(startTime: number = DEFAULT_START_TIME) {
    if (!Number.isInteger(startTime) || startTime < 0) throw new Error(`startTime must be whole unix seconds`)
    this.current = startTime
  }

  /** Unix seconds. */
  now(): number {
    return this.current
  }

  /** Moves the clock forward and returns the new time. Time never goes back. */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new Error(`advance needs a non-negative number of seconds`)
    this.current += Math.floor(seconds)
    return this.current
  }
}

/** `2026-01-01` for the Beijing calendar day containing the instant. */
export function beijingDay(unixSeconds: number): string {
  return new Date((unixSeconds + BEIJING_OFFSET_SECONDS) * 1000).toISOString().slice(0, 10)
}

/** `2026-01` for the Beijing calendar month containing the instant. */
export function beijingMonth(unixSeconds: number): string {
  return beijingDay(unixSeconds).slice(0, 7)
}
