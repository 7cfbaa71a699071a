/**
 * Replays the CI job that runs the action with `uses: ./` (.github/workflows/ci.yml, job `action`) here, with the
 * same inputs against the same rehearsal world, so the job cannot rot unnoticed: every step after the one that
 * starts the world runs as the runner would run it. `uses: ./` steps run dist/index.js through the harness with
 * their `with:` and `env:`; `run:` steps run in bash with their `env:`. Expressions are resolved from the outputs
 * of earlier steps; any other expression fails the test, because the replay could not reproduce it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { startRehearsal, type Rehearsal } from '../../scripts/rehearsal-world.js'
import { expectSuccess, repoRoot } from '../../test-support/run-action.js'
import { OWNER, REPO } from '../../test-support/world.js'

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}

const WORKFLOW = '.github/workflows/ci.yml'
const JOB = 'action'
/** What the runner passes as `${{ github.token }}`, action.yml's default for github-token. */
const JOB_TOKEN = 'ghs_rehearsal_job_token'

const job = (
  parseYaml(readFileSync(path.join(repoRoot, WORKFLOW), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>
  }
).jobs[JOB]
const steps = job?.steps ?? []
const worldIndex = steps.findIndex((step) => step.id === 'world')
const replayed = steps.slice(worldIndex + 1)

const stepOutputs: Record<string, Record<string, string>> = {}

/** Resolves `${{ steps.<id>.outputs.<name> }}`; anything else cannot be replayed and fails. */
function resolve(value: unknown, where: string): string {
  return String(value).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const match = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression)
    if (!match) throw new Error(`${where}: the replay cannot resolve \${{ ${expression} }}`)
    const [, id, name] = match as unknown as [string, string, string]
    const value = stepOutputs[id]?.[name]
    if (value === undefined) throw new Error(`${where}: step "${id}" has no output "${name}" at this point`)
    return value
  })
}

function resolveAll(values: Record<string, unknown> | undefined, where: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, resolve(value, where)]))
}

/**
 * A `run:` step in bash, as the runner's default shell runs it. Asynchronous: the world answers in this process,
 * so a blocking spawn would never get its reply.
 */
function runShell(
  script: string,
  env: Record<string, string>
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolvePromise({ status, output })
    })
  })
}

let rehearsal: Rehearsal

/** The job's RUNNER_TEMP, shared by its steps as on a runner: the world step writes the upload key there. */
const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'self-test-runner-temp-'))

const runnerTempBefore = process.env.RUNNER_TEMP

beforeAll(async () => {
  process.env.RUNNER_TEMP = runnerTemp
  rehearsal = await startRehearsal()
  stepOutputs.world = rehearsal.outputs
}, 60_000)

afterAll(async () => {
  await rehearsal?.close()
  rmSync(runnerTemp, { recursive: true, force: true })
  if (runnerTempBefore === undefined) delete process.env.RUNNER_TEMP
  else process.env.RUNNER_TEMP = runnerTempBefore
})

describe(`${WORKFLOW} job "${JOB}", replayed against the same rehearsal world`, () => {
  it('starts the world with this repository script, then runs the action with uses: ./', () => {
    expect(steps[worldIndex]?.run).toMatch(
      /scripts\/rehearsal-world\.ts --background --outputs "\$GITHUB_OUTPUT"/
    )
    expect(replayed.filter((step) => step.uses === './').map((step) => step.with?.command)).toEqual([
      'preview',
      'submit',
      'sync'
    ])
  })

  it('every step after it succeeds as the runner would run it', async () => {
    for (const step of replayed) {
      const where = `step "${step.name ?? step.id}"`
      const env = resolveAll(step.env, where)
      if (step.uses === './') {
        const inputs = { 'github-token': JOB_TOKEN, ...resolveAll(step.with, where) }
        const run = await rehearsal.world.run({
          inputs,
          env: { ...env, RUNNER_TEMP: runnerTemp },
          eventName: 'push',
          ref: 'refs/heads/main',
          repository: `${OWNER}/${REPO}`
        })
        expectSuccess(run)
        expect(run.leftoverPids).toEqual([])
        if (step.id) stepOutputs[step.id] = run.outputs
      } else if (typeof step.run === 'string') {
        const result = await runShell(step.run, env)
        if (result.status !== 0) {
          throw new Error(`${where} exited with ${result.status}:\n${result.output}`)
        }
      } else {
        throw new Error(`${where}: the replay runs only "uses: ./" and "run:" steps after the world starts`)
      }
    }
    // The job's last step checked these in the shell; the same facts, stated here too.
    expect(stepOutputs.submit?.['review-status']).toBe('under_review')
    expect(stepOutputs.sync?.['review-status']).toBe('approved')
  }, 300_000)
})
