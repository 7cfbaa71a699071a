/**
 * A clock that stands still until a test moves it: timers fire during `advance`, in order of their due
 * time, and never on their own. Time-dependent code under test behaves the same on a fast or a busy machine.
 */
import type { CiClock } from '../src/ci/clock.js'

interface Timer {
  id: number
  due: number
  /** Set for repeating timers. */
  interval?: number
  callback: () => void
}

export class ManualClock implements CiClock {
  private current: number
  private timers: Timer[] = []
  private nextId = 1

  constructor(start = 1_767_225_600_000) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  after(ms: number, callback: () => void): () => void {
    return this.add({ due: this.current + ms, callback })
  }

  every(ms: number, callback: () => void): () => void {
    if (!(ms > 0)) throw new Error('a repeating timer needs a positive interval')
    return this.add({ due: this.current + ms, interval: ms, callback })
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('time only moves forward')
    const target = this.current + ms
    for (;;) {
      const next = this.timers
        .filter((timer) => timer.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0]
      if (!next) break
      this.current = next.due
      if (next.interval) next.due += next.interval
      else this.timers = this.timers.filter((timer) => timer !== next)
      next.callback()
    }
    this.current = target
  }

  /** Timers still waiting to fire. */
  pending(): number {
    return this.timers.length
  }

  private add(timer: Omit<Timer, 'id'>): () => void {
    const entry = { ...timer, id: this.nextId++ }
    this.timers.push(entry)
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== entry)
    }
  }
}
