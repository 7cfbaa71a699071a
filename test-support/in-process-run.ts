/**
 * Runs the action's entry, run() of src/main.ts, in the test's own process: the same environment the runner
 * gives a step (inputs, GITHUB_* and RUNNER_*, the event file, the output and summary files; see
 * run-action.ts), with the step's stdout captured. Unlike the e2e tests this runs the sources, so coverage
 * counts it. Only for the commands that never load miniprogram-ci: after preview, upload and submit the
 * entry ends its process (they run end to end, from dist/).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { setSecretSink } from '../src/redact.js'
import { prepareRun, type RunActionOptions } from './run-action.js'

export interface InProcessRun {
  /** What process.exitCode was left at (core.setFailed sets 1). */
  exitCode: number
  /** Everything the run wrote to stdout: log lines and workflow commands. */
  stdout: string
  /** The `::error::` lines, without the prefix. */
  errors: string[]
  outputs: Record<string, string>
  summary: string
}

const UPLOADING = new Set(['preview', 'upload', 'submit'])

/**
 * `summaryFile`: the step summary of every in-process run of a test file. @actions/core remembers the
 * summary file of the first run in a process (one step per process on a runner), so the runs share one;
 * it is emptied before each run.
 */
export async function runInProcess(options: RunActionOptions, summaryFile: string): Promise<InProcessRun> {
  const command = options.inputs.command ?? ''
  if (UPLOADING.has(command))
    throw new Error(`${command} loads miniprogram-ci and ends the process: run it end to end (world.run)`)
  writeFileSync(summaryFile, '')
  const files = prepareRun({ ...options, env: { ...options.env, GITHUB_STEP_SUMMARY: summaryFile } })
  const saved = { env: process.env, exitCode: process.exitCode, write: process.stdout.write }
  let stdout = ''
  process.env = { ...files.env }
  process.exitCode = undefined
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof process.stdout.write
  let exitCode: number
  try {
    const { run } = await import('../src/main.js')
    await run()
  } finally {
    // run() hands new secrets to the runner (::add-mask::); after it, the test's own calls must not.
    setSecretSink(undefined)
    exitCode = Number(process.exitCode ?? 0)
    process.stdout.write = saved.write
    process.exitCode = saved.exitCode
    process.env = saved.env
  }
  const errors = stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) =>
      line
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    )
  return {
    exitCode,
    stdout,
    errors,
    outputs: files.collect().outputs,
    summary: readFileSync(summaryFile, 'utf8')
  }
}
