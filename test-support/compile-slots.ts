/**
 * How many miniprogram-ci compiles the test run lets happen at once, across all Jest workers. A compile is
 * CPU-bound (more at once than there are cores only slows each down), and miniprogram-ci gives its forked
 * compiler 20 s to start: on a starved machine it fails with "fork process timeout". The global setup
 * (jest-global-setup.mjs) makes a folder of slots for the run; a compile takes a slot by creating a folder
 * in it, atomically, and gives it back by removing it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Set by the global setup for the workers. */
export const COMPILE_SLOTS_ENV = 'WECHAT_ACTION_TEST_COMPILE_SLOTS'

const COMMANDS_THAT_COMPILE = new Set(['preview', 'upload', 'submit'])

export function compiles(command: string | undefined): boolean {
  return COMMANDS_THAT_COMPILE.has(command ?? '')
}

function slotCount(): number {
  return Math.max(2, os.availableParallelism?.() ?? os.cpus().length)
}

function holderAlive(slot: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(slot, 'pid'), 'utf8'))
    process.kill(pid, 0)
    return true
  } catch (error) {
    // A slot whose pid file is still being written belongs to a live process.
    return (
      (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EPERM'
    )
  }
}

function tryTake(dir: string): string | undefined {
  for (let index = 0; index < slotCount(); index++) {
    const slot = path.join(dir, `slot-${index}`)
    try {
      mkdirSync(slot)
    } catch {
      // Taken; a worker that died while holding it gives it up here.
      if (!holderAlive(slot)) rmSync(slot, { recursive: true, force: true })
      continue
    }
    writeFileSync(path.join(slot, 'pid'), String(process.pid))
    return slot
  }
  return undefined
}

/** Runs `work` once a compile slot is free (at once when the run has no slots, e.g. outside Jest). */
export async function withCompileSlot<T>(work: () => Promise<T>): Promise<T> {
  const dir = process.env[COMPILE_SLOTS_ENV]
  if (!dir) return work()
  let slot = tryTake(dir)
  while (!slot) {
    // Another worker's compile has to end first; look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 100))
    slot = tryTake(dir)
  }
  try {
    return await work()
  } finally {
    rmSync(slot, { recursive: true, force: true })
  }
}
