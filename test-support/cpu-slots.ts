/**
 * How much CPU-bound work the test run lets happen at once, across all Jest workers: miniprogram-ci
 * compiles, and each renderer's pass of the fuzz (test-support/report-fuzz.ts). More at once than there are
 * cores only slows each down, and starves the rest: miniprogram-ci gives its forked compiler 20 s to start
 * ("fork process timeout"), and a worker that hosts the emulator answers late, so an action's request can
 * time out before the emulator has read it.
 *
 * The global setup (jest-global-setup.mjs) makes a queue folder for the run. The work takes a ticket (a
 * folder named by the time it asked and its pid) and goes ahead while its ticket is among the first
 * `slots` of the queue: first come, first served, so nothing waits behind work that asked later.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { processAlive } from './process-alive.mjs'

/** Set by the global setup for the workers. */
export const CPU_QUEUE_ENV = 'WECHAT_ACTION_TEST_CPU_QUEUE'

const COMMANDS_THAT_COMPILE = new Set(['preview', 'upload', 'submit'])

export function compiles(command: string | undefined): boolean {
  return COMMANDS_THAT_COMPILE.has(command ?? '')
}

function slots(): number {
  return Math.max(2, os.availableParallelism?.() ?? os.cpus().length)
}

let sequence = 0

/** The queue in order, without the tickets of processes that ended without giving theirs back. */
function queue(dir: string): string[] {
  const tickets = readdirSync(dir).sort()
  return tickets.filter((ticket) => {
    const pid = Number(ticket.split('-')[1])
    if (processAlive(pid)) return true
    rmSync(path.join(dir, ticket), { recursive: true, force: true })
    return false
  })
}

/** Runs `work` once the run's queue has a free slot (at once when there is no queue, outside Jest). */
export async function withCpuSlot<T>(work: () => Promise<T>): Promise<T> {
  const dir = process.env[CPU_QUEUE_ENV]
  if (!dir) return work()
  sequence += 1
  const ticket = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(sequence).padStart(6, '0')}`
  mkdirSync(path.join(dir, ticket))
  try {
    // Work that asked earlier has to start first; look again shortly.
    while (queue(dir).indexOf(ticket) >= slots()) await new Promise((resolve) => setTimeout(resolve, 100))
    return await work()
  } finally {
    rmSync(path.join(dir, ticket), { recursive: true, force: true })
  }
}
