/**
 * Runs the bundled action (`node dist/index.js`) exactly as the GitHub runner does: inputs as INPUT_*
 * variables (with action.yml's defaults applied), the GITHUB_* context, an event payload file, and
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. The child's environment is built from scratch.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface RunActionOptions {
  inputs: Record<string, string>
  githubApiUrl: string
  eventName?: string
  payload?: Record<string, unknown>
  ref?: string
  sha?: string
  repository?: string
  workspace?: string
  env?: Record<string, string>
  /** RUNNER_TOOL_CACHE; shared between runs so miniprogram-ci is installed once. */
  toolCache?: string
  timeoutMs?: number
  debug?: boolean
  /** Kill the action with this signal once a line of its stdout matches (crash tests). */
  killWhen?: { pattern: RegExp; signal: NodeJS.Signals }
  /**
   * Where the run's folder (RUNNER_TEMP, the output, summary and event files) goes; the OS temp folder by
   * default. It outlives the run, since outputs may point into it (the preview QR image): the world
   * removes its runs' folders when it closes.
   */
  parentDir?: string
  /** Then run the post step (dist/post.js) as the runner does at the end of the job, with the saved state. */
  runPost?: boolean
}

export interface PostRun {
  exitCode: number | null
  stdout: string
  stderr: string
  durationMs: number
}

export interface ActionRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  durationMs: number
  /** Processes still alive after the action ended that were started by it (by an env marker). */
  leftoverPids: number[]
  /** What the step saved with core.saveState (GITHUB_STATE). */
  state: Record<string, string>
  /** The post step, when `runPost` was set. */
  post?: PostRun
}

let defaults: Record<string, string> | undefined
/** The runner applies action.yml defaults; so does this harness (except expressions like github.token). */
export function actionDefaults(): Record<string, string> {
  if (defaults) return defaults
  const action = parseYaml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  defaults = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (spec.default !== undefined && !String(spec.default).includes('${{'))
      defaults[name] = String(spec.default)
  }
  return defaults
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

/** Parses the GITHUB_OUTPUT file format (`name<<delimiter` … `delimiter`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    outputs[name as string] = value.join('\n')
  }
  return outputs
}

/** Pids of live processes whose environment carries the marker (descendants inherit it). */
export function processesWithMarker(marker: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8')
      if (environ.includes(marker)) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        if (!/\) Z /.test(stat)) pids.push(Number(entry))
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids
}

/** The files of one run: the runner's output, summary and event files, in a temp folder of the run's own. */
export interface RunFiles {
  dir: string
  outputFile: string
  summaryFile: string
  /** GITHUB_STATE: what the step saves for its post step. */
  stateFile: string
  /** The environment the runner gives the action: inputs, GITHUB_* and RUNNER_* variables. */
  env: Record<string, string>
  /** Reads the outputs and the summary the run wrote. */
  collect(): { outputs: Record<string, string>; summary: string }
}

/** Sets up the files and the environment of a run, as the runner does for each step. */
export function prepareRun(options: RunActionOptions): RunFiles {
  const dir = mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), 'action-run-'))
  const outputFile = path.join(dir, 'output')
  const stateFile = path.join(dir, 'state')
  const summaryFile = path.join(dir, 'summary')
  const eventFile = path.join(dir, 'event.json')
  const runnerTemp = path.join(dir, 'runner-temp')
  for (const file of [outputFile, stateFile, summaryFile]) writeFileSync(file, '')
  writeFileSync(eventFile, JSON.stringify(options.payload ?? {}))
  mkdirSync(runnerTemp, { recursive: true })
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    // The run's temp folder (test-temp.mjs): miniprogram-ci and its compiler write there as the tests do.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    ...inputEnv(options.inputs),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_SHA: options.sha ?? 'a'.repeat(40),
    GITHUB_REPOSITORY: options.repository ?? 'octo/shop',
    GITHUB_API_URL: options.githubApiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${options.githubApiUrl}/graphql`,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'release',
    GITHUB_JOB: 'wechat',
    GITHUB_ACTION: 'wechat',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: options.workspace ?? repoRoot,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: options.toolCache ?? path.join(dir, 'tool-cache'),
    RUNNER_OS: 'Linux',
    ...(options.debug ? { RUNNER_DEBUG: '1' } : {}),
    ...options.env
  }
  return {
    dir,
    outputFile,
    summaryFile,
    stateFile,
    env,
    collect: () => ({
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8')
    })
  }
}

/** Action processes not ended yet, with the marker their descendants carry. */
const runningActions = new Map<ChildProcess, string>()

/**
 * Ends the action processes still running and everything they started, e.g. of a test that timed out
 * (the world does it when it closes).
 */
export function killRunningActions(): void {
  for (const [child, marker] of runningActions) {
    child.kill('SIGKILL')
    for (const pid of processesWithMarker(marker)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const files = prepareRun(options)
  // The runner marks every process of a job with RUNNER_TRACKING_ID and ends the ones left at its end;
  // the action keeps it in its children's environment (child-env.ts), so leftovers are found here too.
  const markerValue = `github_${randomUUID()}`
  const env = { ...files.env, RUNNER_TRACKING_ID: markerValue }
  const started = Date.now()
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/index.js')], {
    cwd: options.workspace ?? repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  runningActions.set(child, markerValue)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (options.killWhen && options.killWhen.pattern.test(stdout) && child.exitCode === null) {
      child.kill(options.killWhen.signal)
    }
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => {
      runningActions.delete(child)
      resolve([code, sig])
    })
  )
  clearTimeout(timeout)
  // Give killed children a moment to disappear before looking for leftovers.
  let leftoverPids = processesWithMarker(markerValue)
  for (let i = 0; i < 20 && leftoverPids.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    leftoverPids = processesWithMarker(markerValue)
  }
  for (const pid of leftoverPids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const durationMs = Date.now() - started
  const state = parseOutputFile(readFileSync(files.stateFile, 'utf8'))
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    ...files.collect(),
    durationMs,
    leftoverPids,
    state,
    ...(options.runPost ? { post: await runPostStep(env, state, options) } : {})
  }
}

/** The post step as the runner starts it: the job's environment plus STATE_<name> for each saved value. */
async function runPostStep(
  env: Record<string, string>,
  state: Record<string, string>,
  options: RunActionOptions
): Promise<PostRun> {
  const stateEnv = Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]))
  const started = Date.now()
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/post.js')], {
    cwd: options.workspace ?? repoRoot,
    env: { ...env, ...stateEnv },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  clearTimeout(timeout)
  return { exitCode, stdout, stderr, durationMs: Date.now() - started }
}

/** Asserts a run succeeded; on failure the error shows the action's own ::error:: lines. */
export function expectSuccess(run: ActionRun): void {
  if (run.exitCode === 0) return
  const errors = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error::'))
    .join('\n')
  throw new Error(
    `The action exited with ${run.exitCode ?? run.signal}:\n${errors || run.stderr.slice(-2000)}`
  )
}
