/**
 * Start-up cost of the bundled action, side by side with the floor: a bare `node -e "fetch(url)"`.
 * Both are spawned the same way, alternately, and timed from spawn to the moment their first request
 * reaches a loopback arrival probe, so machine load affects both alike. Both also run with
 * first-fetch-hook.mjs preloaded, which reports the CPU time used up to the first request: a second view
 * that hardly moves with the load of a shared machine.
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ActionRun } from '../test-support/run-action.js'
import type { ArrivalProbe } from './arrival-probe.js'
import { median } from './stats.js'

export const FIRST_REQUEST_HOOK = `--import=${pathToFileURL(path.join(import.meta.dirname, 'first-fetch-hook.mjs')).href}`

export interface StartupSample {
  /** Spawn → first request at the probe, ms; undefined when no request came. */
  bareFetchMs: number | undefined
  actionMs: number | undefined
  /** CPU time up to the first request, ms. */
  bareFetchCpuMs: number | undefined
  actionCpuMs: number | undefined
  actionExitCode: number | null
}

export interface StartupResult {
  samples: StartupSample[]
  bareFetchMedianMs: number
  actionMedianMs: number
  ratio: number
  bareFetchCpuMedianMs: number
  actionCpuMedianMs: number
  cpuRatio: number
}

function cpuMs(stderr: string): number | undefined {
  const match = /first-request-cpu-us=(\d+)/.exec(stderr)
  return match ? Number(match[1]) / 1000 : undefined
}

/** Spawns `node -e "fetch(url)"` and notes when its request arrived. */
async function bareFetch(probe: ArrivalProbe, url: string): Promise<{ ms?: number; cpuMs?: number }> {
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, ['-e', `fetch(${JSON.stringify(url)}).catch(() => {})`], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_OPTIONS: FIRST_REQUEST_HOOK
    },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  await new Promise((resolve) => child.on('close', resolve))
  const first = probe.firstSince(spawnedAt)
  const cpu = cpuMs(stderr)
  return { ...(first ? { ms: first.at - spawnedAt } : {}), ...(cpu !== undefined ? { cpuMs: cpu } : {}) }
}

/**
 * `runs` pairs of (bare fetch, the action), alternating. `runAction` must pass FIRST_REQUEST_HOOK in
 * NODE_OPTIONS and send its first request through the probe.
 */
export async function measureStartup(
  probe: ArrivalProbe,
  runAction: () => Promise<ActionRun>,
  runs: number
): Promise<StartupResult> {
  const samples: StartupSample[] = []
  // One warm-up of each fills the page cache, as on any machine that ran node before.
  await bareFetch(probe, `${probe.url}/warm-up`)
  await runAction()
  for (let i = 0; i < runs; i++) {
    const bare = await bareFetch(probe, `${probe.url}/bare-fetch-${i}`)
    const spawnedAt = performance.now()
    const run = await runAction()
    const first = probe.firstSince(spawnedAt)
    samples.push({
      bareFetchMs: bare.ms,
      actionMs: first ? first.at - spawnedAt : undefined,
      bareFetchCpuMs: bare.cpuMs,
      actionCpuMs: cpuMs(run.stderr),
      actionExitCode: run.exitCode
    })
  }
  const medianOf = (pick: (sample: StartupSample) => number | undefined): number =>
    median(samples.map(pick).filter((value): value is number => value !== undefined))
  const bareFetchMedianMs = medianOf((sample) => sample.bareFetchMs)
  const actionMedianMs = medianOf((sample) => sample.actionMs)
  const bareFetchCpuMedianMs = medianOf((sample) => sample.bareFetchCpuMs)
  const actionCpuMedianMs = medianOf((sample) => sample.actionCpuMs)
  return {
    samples,
    bareFetchMedianMs,
    actionMedianMs,
    ratio: actionMedianMs / bareFetchMedianMs,
    bareFetchCpuMedianMs,
    actionCpuMedianMs,
    cpuRatio: actionCpuMedianMs / bareFetchCpuMedianMs
  }
}
