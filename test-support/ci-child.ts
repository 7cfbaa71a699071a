/**
 * Starts runMiniprogramCi in a child process (ci-run-child.ts) and follows it: every line it logs, its
 * clock (moved on the test's cue), its result or error, and whether it ended by itself without leaving a
 * process behind. A test waits for events (a log line, a held request), never for an amount of time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { CiResult, CiRunOptions } from '../src/ci/run.js'
import { withCpuSlot } from './cpu-slots.js'
import { processesWithMarker, repoRoot } from './run-action.js'

export interface CiChildError {
  name: string
  message: string
  kind?: string
  code?: number
  server?: { errCode: number; errMsg: string }
  input?: string
}

export interface CiChildRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  result?: CiResult
  error?: CiChildError
  /** `level message` for every line the run logged (debug included). */
  lines: string[]
  stderr: string
  /** Processes started by the child that were still alive after it ended (then killed). */
  leftoverPids: number[]
}

export interface CiChild {
  /** Lines logged so far, as `level message`. */
  readonly lines: string[]
  /** Resolves with the first logged line (so far or to come) that matches. */
  waitForLine(pattern: RegExp): Promise<string>
  /** Moves the child's clock forward; resolves once the child has fired the timers that fell due. */
  advance(ms: number): Promise<void>
  /** Resolves when the child has ended. */
  readonly done: Promise<CiChildRun>
  /** Resolves with `event`; rejects, with what the child said, if the child ends first. */
  before<T>(event: Promise<T>): Promise<T>
}

export type CiChildOptions = Omit<CiRunOptions, 'log' | 'clock' | 'lockfileDir'> & { lockfileDir?: string }

// By its file: the child runs in a temp folder, where `--import tsx` would not resolve.
const TSX_LOADER = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href

/** Kills a child that neither ends nor fails, before the test times out: a hung run must not hang the suite. */
const HUNG_CHILD_MS = 280_000

const running = new Set<ChildProcess>()

/** Ends every child still running: a test that failed half-way must not leave its child behind. */
export function killCiChildren(): void {
  for (const child of running) child.kill('SIGKILL')
}

/** Starts the run once a CPU slot is free (see cpu-slots.ts); the slot is held until it ends. */
export function startCiChild(options: CiChildOptions, env: Record<string, string> = {}): CiChild {
  const marker = randomUUID()
  const lines: string[] = []
  const lineWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = []
  const advanceWaiters: Array<() => void> = []
  let result: CiResult | undefined
  let error: CiChildError | undefined
  let stderr = ''
  let pending = ''

  const receive = (text: string): void => {
    let message: {
      level?: string
      message?: string
      result?: CiResult
      error?: CiChildError
      advanced?: number
    }
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      // Something in the child wrote to stdout directly; keep it for the failure message.
      stderr += `${text}\n`
      return
    }
    if (message.result) result = message.result
    if (message.error) error = message.error
    if (message.advanced !== undefined) advanceWaiters.shift()?.()
    if (message.level) {
      const line = `${message.level} ${message.message ?? ''}`
      lines.push(line)
      for (const waiter of [...lineWaiters]) {
        if (!waiter.pattern.test(line)) continue
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  }

  const run = (resolveStarted: (child: ChildProcess) => void): Promise<CiChildRun> =>
    new Promise<CiChildRun>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', TSX_LOADER, path.join(repoRoot, 'test-support/ci-run-child.ts')],
        {
          cwd: options.tempDir ?? repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            CI_RUN_OPTIONS: JSON.stringify({
              lockfileDir: path.join(repoRoot, 'tools/miniprogram-ci'),
              ...options
            }),
            WECHAT_CI_CHILD_MARKER: marker,
            ...env
          },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc']
        }
      )
      running.add(child)
      child.stdout?.on('data', (chunk: Buffer) => {
        pending += chunk.toString()
        const complete = pending.split('\n')
        pending = complete.pop() ?? ''
        for (const text of complete) if (text) receive(text)
      })
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_CHILD_MS)
      child.on('close', (exitCode, signal) => {
        running.delete(child)
        clearTimeout(killer)
        if (pending) receive(pending)
        const leftoverPids = processesWithMarker(marker)
        for (const pid of leftoverPids) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }
        for (const waiter of lineWaiters.splice(0)) waiter.resolve('')
        for (const waiter of advanceWaiters.splice(0)) waiter()
        // A child that crashed before it could report: its stderr is the error, so that assertions show it.
        if (!result && !error) error = { name: 'ChildCrashed', message: stderr.slice(-3000) }
        resolve({
          exitCode,
          signal,
          ...(result ? { result } : {}),
          ...(error ? { error } : {}),
          lines,
          stderr,
          leftoverPids
        })
      })
      resolveStarted(child)
    })

  let resolveStarted: (child: ChildProcess) => void = () => undefined
  const started = new Promise<ChildProcess>((resolve) => (resolveStarted = resolve))
  const done = withCpuSlot(() => run(resolveStarted))

  return {
    lines,
    done,
    before: (event) =>
      Promise.race([
        event,
        done.then((ended) => {
          throw new Error(
            `the child ended first (exit ${ended.exitCode ?? ended.signal}): ${JSON.stringify(ended.error ?? null)}\n${ended.stderr.slice(-3000)}`
          )
        })
      ]),
    waitForLine: (pattern) => {
      const seen = lines.find((line) => pattern.test(line))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve) => lineWaiters.push({ pattern, resolve }))
    },
    advance: async (ms) => {
      const child = await started
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || !child.connected) return resolve()
        advanceWaiters.push(resolve)
        child.send({ advance: ms })
      })
    }
  }
}
