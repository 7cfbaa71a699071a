/**
 * Time as runMiniprogramCi sees it: the run's timeout, its heartbeat and its duration. The action uses the
 * system clock; a test passes its own and moves it on cue, so a timeout fires exactly when the test says.
 */
export interface CiClock {
  /** Milliseconds, like Date.now(). */
  now(): number
  /** Calls `callback` once after `ms`; the returned function cancels the call. */
  after(ms: number, callback: () => void): () => void
  /** Calls `callback` every `ms` without keeping the process alive; the returned function stops it. */
  every(ms: number, callback: () => void): () => void
}

export const systemClock: CiClock = {
  now: () => Date.now(),
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
  every: (ms, callback) => {
    const timer = setInterval(callback, ms)
    timer.unref()
    return () => clearInterval(timer)
  }
}
