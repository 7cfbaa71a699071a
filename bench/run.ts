/**
 * `npm run bench`: the action's costs in numbers, measured with the bundled action against the WeChat
 * emulator, the servicewechat.com fake and the fake GitHub, and printed as a Markdown table (also written
 * to bench-results.json). Options: `--skip-fresh` (no `npm ci` of miniprogram-ci into an empty tool
 * cache; that row needs the npm registry), `--runs=<n>` (compiling runs per row, default 3),
 * `--start-runs=<n>` (runs per command for start times, default 5), `--startup-runs=<n>` (pairs for the
 * start-up ratio, default 9), `--demo-runs=<n>` (official demo uploads, default 1), `--only=<sections>`
 * (startup, single, setup, fanout, demo, scripts; default all but scripts).
 *
 * The official-demo rows need MP_DEMO_DIR: a checkout of wechat-miniprogram/miniprogram-demo outside this
 * repository with its npm dependencies installed (bench/demo.ts says how). The first run that needs a real
 * install of miniprogram-ci makes one with npm (about 30 s) and keeps it under the OS temp folder.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ensureFreshDist } from '../demo/fresh-dist.js'
import { maskedValues } from '../demo/view.js'
import { redact, registerSecret } from '../src/redact.js'
import { processesWithMarker, repoRoot, type ActionRun } from '../test-support/run-action.js'
import { seedApprovedVersion } from '../test-support/seed-version.js'
import { SAMPLE_PROJECT, startWorld, type World } from '../test-support/world.js'
import { startArrivalProbe, type ArrivalProbe } from './arrival-probe.js'
import { median, ms, note, spread, type Row } from './stats.js'
import { FIRST_REQUEST_HOOK, measureStartup } from './startup.js'
import { benchDemo, benchIgnoreScripts, DEMO_PREPARATION, demoCheckoutProblem } from './demo.js'
import { cachedSetupRow, keptToolCache, measureCachedSetup, setupOf, summarizeCachedSetup } from './setup.js'

const APP = 'wxa000000000000001'
const PULL_REQUEST = 7
const PR_HEAD = 'c0ffee1'.padEnd(40, '0')
const BRANCH_HEAD = 'f'.repeat(40)
const GITHUB_TOKEN = 'ghs_bench_token_0123456789'
const RESULTS_FILE = 'bench-results.json'
const NON_UPLOADING = ['sync', 'release', 'gray', 'revert-gray', 'rollback', 'withdraw', 'speedup'] as const

const SECTIONS = ['startup', 'single', 'setup', 'fanout', 'demo', 'scripts'] as const
type Section = (typeof SECTIONS)[number]

interface Options {
  skipFresh: boolean
  runs: number
  startRuns: number
  startupRuns: number
  demoRuns: number
  only: Set<Section>
}

interface TimedRun {
  run: ActionRun
  /** Spawn → first request at the probe, in ms; undefined when no request came. */
  firstRequestMs: number | undefined
  setup?: { source: string; ms: number }
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    skipFresh: false,
    runs: 3,
    startRuns: 5,
    startupRuns: 9,
    demoRuns: 1,
    // The demo rows run when MP_DEMO_DIR names a checkout; the install-scripts comparison only on request.
    only: new Set<Section>([
      'startup',
      'single',
      'fanout',
      ...(process.env.MP_DEMO_DIR ? (['demo'] as const) : [])
    ])
  }
  for (const arg of argv) {
    const [name, value] = arg.split('=') as [string, string | undefined]
    const count = Number(value)
    if (name === '--skip-fresh') options.skipFresh = true
    else if (name === '--runs' && Number.isInteger(count) && count > 0) options.runs = count
    else if (name === '--start-runs' && Number.isInteger(count) && count > 0) options.startRuns = count
    else if (name === '--startup-runs' && Number.isInteger(count) && count > 0) options.startupRuns = count
    else if (name === '--demo-runs' && Number.isInteger(count) && count > 0) options.demoRuns = count
    else if (name === '--only' && value && value.split(',').every((part) => isSection(part)))
      options.only = new Set(value.split(',') as Section[])
    else
      throw new Error(
        `unknown option ${arg} (use --skip-fresh, --runs=<n>, --start-runs=<n>, --startup-runs=<n>, --demo-runs=<n>, ` +
          `--only=<${SECTIONS.join('|')}>[,…])`
      )
  }
  return options
}

function isSection(value: string): value is Section {
  return (SECTIONS as readonly string[]).includes(value)
}

function directorySize(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    const stat = statSync(full)
    total += stat.isDirectory() ? directorySize(full) : stat.size
  }
  return total
}

function failures(runs: TimedRun[]): string {
  const leftovers = runs.filter((timed) => timed.run.leftoverPids.length > 0).length
  const leftoverNote = leftovers > 0 ? `${leftovers} of ${runs.length} runs left processes running` : ''
  const failed = runs.filter((timed) => timed.run.exitCode !== 0)
  if (failed.length === 0) return leftoverNote
  const first = failed[0]?.run
  const output = `${first?.stdout ?? ''}\n${first?.stderr ?? ''}`
  const error =
    output
      .split('\n')
      .find((line) => line.startsWith('::error'))
      ?.replace(/^::error[^:]*::/, '')
      .replace(/%0A/g, ' ') ??
    output.trim().split('\n').at(-1) ??
    ''
  return note(
    `${failed.length} of ${runs.length} runs exited ${first?.exitCode ?? first?.signal} (${redact(error).slice(0, 200)})`,
    leftoverNote
  )
}

/** Runs the action and notes when its first request reached the probe. */
async function timedRun(
  world: World,
  probe: ArrivalProbe,
  options: Parameters<World['run']>[0]
): Promise<TimedRun> {
  const spawnedAt = performance.now()
  const run = await world.run(options)
  for (const value of maskedValues(run)) registerSecret(value)
  const first = probe.firstSince(spawnedAt)
  const setup = setupOf(run)
  return { run, firstRequestMs: first ? first.at - spawnedAt : undefined, ...(setup ? { setup } : {}) }
}

/** A copy of the sample project outside any repository: miniprogram-ci is found only where the row puts it. */
function isolatedProject(withNodeModules: boolean): { workspace: string; dispose: () => void } {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'bench-workspace-'))
  cpSync(SAMPLE_PROJECT, path.join(workspace, 'project'), { recursive: true })
  if (withNodeModules)
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(workspace, 'project/node_modules'), 'dir')
  return { workspace, dispose: () => rmSync(workspace, { recursive: true, force: true }) }
}

interface DirectRun {
  wallMs: number
  firstRequestMs: number | undefined
  ok: boolean
  output: string
}

/** miniprogram-ci called directly (bench/direct-ci.mjs) in a child process, timed from spawn to exit. */
async function directCi(
  world: World,
  probe: ArrivalProbe,
  options: Record<string, string>
): Promise<DirectRun> {
  const marker = randomUUID()
  const spawnedAt = performance.now()
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bench/direct-ci.mjs'), JSON.stringify(options)],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_EXTRA_CA_CERTS: world.servicewechat.caCertPath,
        BENCH_DIRECT_CI_MARKER: marker
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const wallMs = performance.now() - spawnedAt
  for (const pid of processesWithMarker(marker)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const first = probe.firstSince(spawnedAt)
  return { wallMs, firstRequestMs: first ? first.at - spawnedAt : undefined, ok: code === 0, output }
}

function countRequests(world: World): {
  wechat: number
  github: number
  githubWrites: number
  wechatPaths: string[]
} {
  const wechat = world.emulator.control.requests()
  return {
    wechat: wechat.length,
    github: world.github.requests().length,
    githubWrites: world.github.writes().length,
    wechatPaths: wechat.map((request) => request.path)
  }
}

function resetLogs(world: World): void {
  world.emulator.control.resetRequests()
  world.github.resetLog()
}

async function benchSingleApp(options: Options, rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const world = await startWorld()
  const wechatProbe = await startArrivalProbe({ httpUpstream: world.emulator.url })
  const servicewechatProbe = await startArrivalProbe({ connectUpstream: world.servicewechat.proxyUrl })
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-scratch-'))
  try {
    const credentials = world.emulator.credentials
    const devKey =
      credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem ?? ''
    for (const secret of [devKey, credentials.tokenServiceSecret, GITHUB_TOKEN]) registerSecret(secret)
    const platform = {
      'api-base-url': wechatProbe.url,
      'token-url': credentials.tokenServiceUrl.replace(world.emulator.url, wechatProbe.url),
      'token-url-secret': credentials.tokenServiceSecret,
      'github-token': GITHUB_TOKEN
    }
    const build = { 'private-key': devKey, proxy: servicewechatProbe.url }
    world.github.addCommit(BRANCH_HEAD)
    world.github.addCommit(PR_HEAD)
    world.github.addPullRequest({ number: PULL_REQUEST, headSha: PR_HEAD })
    world.emulator.control.setOnline(APP, '1.0.0')
    await seedApprovedVersion(world, APP, '1.1.0', '1a2b3c4'.padEnd(40, 'd'), { approve: false })

    const sync = () =>
      timedRun(world, wechatProbe, {
        inputs: { command: 'sync', ...platform, appid: APP },
        eventName: 'schedule',
        ref: 'refs/heads/main',
        sha: BRANCH_HEAD
      })

    // --- calls per sync --------------------------------------------------------------------------
    await sync() // the first sync opens the review check run
    resetLogs(world)
    const unchanged = await sync()
    const unchangedCalls = countRequests(world)
    world.emulator.control.approve(APP)
    resetLogs(world)
    const changed = await sync()
    const changedCalls = countRequests(world)
    for (const [label, timed, calls] of [
      ['unchanged sync (1.1.0 under review, nothing new)', unchanged, unchangedCalls],
      ['changed sync (1.1.0 approved: the check turns green)', changed, changedCalls]
    ] as const) {
      rows.push({
        measure: `Calls per ${label}`,
        value: `${calls.wechat} WeChat · ${calls.github} GitHub (${calls.githubWrites} writes)`,
        n: 1,
        notes: note(`WeChat: ${calls.wechatPaths.join(', ')}`, failures([timed]))
      })
    }
    raw.callsPerSync = { unchanged: unchangedCalls, changed: changedCalls }

    // --- start time of the commands that do not upload -------------------------------------------
    // dry-run: every run reads the same state and writes nothing, so the runs are alike.
    const commandInputs: Record<(typeof NON_UPLOADING)[number], Record<string, string>> = {
      sync: {},
      release: { version: '1.1.0' },
      gray: { version: '1.1.0', 'gray-percent': '5' },
      'revert-gray': {},
      rollback: {},
      withdraw: { version: '1.1.0' },
      speedup: {}
    }
    const startTimes: Record<string, TimedRun[]> = {}
    for (const command of NON_UPLOADING) {
      const runs: TimedRun[] = []
      for (let i = 0; i < options.startRuns; i++) {
        runs.push(
          await timedRun(world, wechatProbe, {
            inputs: { command, ...platform, appid: APP, 'dry-run': 'true', ...commandInputs[command] },
            eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
            ref: 'refs/heads/main',
            sha: BRANCH_HEAD
          })
        )
      }
      startTimes[command] = runs
      const firsts = runs.flatMap((timed) =>
        timed.firstRequestMs === undefined ? [] : [timed.firstRequestMs]
      )
      const walls = runs.map((timed) => timed.run.durationMs)
      rows.push({
        measure: `Start → first WeChat call: ${command}`,
        value: ms(median(firsts)),
        n: runs.length,
        notes: note(
          spread(firsts),
          `whole run ${ms(median(walls))}`,
          firsts.length < runs.length ? `${runs.length - firsts.length} runs made no call` : '',
          failures(runs.filter((timed) => timed.firstRequestMs === undefined))
        )
      })
    }
    raw.startTimes = Object.fromEntries(
      Object.entries(startTimes).map(([command, runs]) => [
        command,
        runs.map((timed) => ({
          firstRequestMs: timed.firstRequestMs,
          wallMs: timed.run.durationMs,
          exitCode: timed.run.exitCode
        }))
      ])
    )

    // --- preview / upload / submit through the action ---------------------------------------------
    const compiling: Record<'preview' | 'upload' | 'submit', TimedRun[]> = {
      preview: [],
      upload: [],
      submit: []
    }
    for (let i = 0; i < options.runs; i++) {
      servicewechatProbe.reset()
      compiling.preview.push(
        await timedRun(world, servicewechatProbe, {
          inputs: {
            command: 'preview',
            ...build,
            'github-token': GITHUB_TOKEN,
            'project-path': 'sample/miniprogram-project'
          },
          eventName: 'pull_request',
          ref: `refs/pull/${PULL_REQUEST}/merge`,
          sha: 'd'.repeat(40),
          payload: { pull_request: { number: PULL_REQUEST, head: { sha: PR_HEAD } } }
        })
      )
      compiling.upload.push(
        await timedRun(world, servicewechatProbe, {
          inputs: {
            command: 'upload',
            ...build,
            'github-token': GITHUB_TOKEN,
            'project-path': 'sample/miniprogram-project',
            version: `1.2.${i}`
          },
          eventName: 'push',
          ref: 'refs/heads/main',
          sha: BRANCH_HEAD
        })
      )
      const tagCommit = `5${String(i).padStart(6, '0')}`.padEnd(40, 'e')
      world.github.addCommit(tagCommit)
      world.github.addTag(`v1.3.${i}`, tagCommit)
      compiling.submit.push(
        await timedRun(world, servicewechatProbe, {
          inputs: { command: 'submit', ...platform, ...build, 'project-path': 'sample/miniprogram-project' },
          eventName: 'push',
          ref: `refs/tags/v1.3.${i}`,
          sha: tagCommit
        })
      )
      // The next submit needs no review in progress.
      try {
        world.emulator.control.approve(APP)
      } catch {
        // The submit failed; its row says so.
      }
    }
    for (const [command, runs] of Object.entries(compiling)) {
      const firsts = runs.flatMap((timed) =>
        timed.firstRequestMs === undefined ? [] : [timed.firstRequestMs]
      )
      rows.push({
        measure: `Start → first servicewechat.com call: ${command}`,
        value: ms(median(firsts)),
        n: runs.length,
        notes: note(
          spread(firsts),
          `whole run ${ms(median(runs.map((timed) => timed.run.durationMs)))}`,
          failures(runs)
        )
      })
    }

    // --- the same preview and upload with miniprogram-ci called directly -------------------------
    const keyFile = path.join(scratch, 'upload.key')
    writeFileSync(keyFile, devKey, { mode: 0o600 })
    const direct: Record<'preview' | 'upload', DirectRun[]> = { preview: [], upload: [] }
    for (let i = 0; i < options.runs; i++) {
      for (const command of ['preview', 'upload'] as const) {
        direct[command].push(
          await directCi(world, servicewechatProbe, {
            command,
            projectPath: SAMPLE_PROJECT,
            appid: credentials.devAppid,
            privateKeyPath: keyFile,
            proxy: servicewechatProbe.url,
            version: command === 'upload' ? `1.4.${i}` : '0.0.1',
            desc: `bench direct ${command} ${i}`,
            qrcodeOutputDest: path.join(scratch, `direct-${i}.jpg`)
          })
        )
      }
    }
    for (const command of ['preview', 'upload'] as const) {
      const throughAction = median(compiling[command].map((timed) => timed.run.durationMs))
      const directWalls = direct[command].map((run) => run.wallMs)
      const directFirsts = direct[command].flatMap((run) =>
        run.firstRequestMs === undefined ? [] : [run.firstRequestMs]
      )
      const failedDirect = direct[command].filter((run) => !run.ok)
      const ratio = throughAction / median(directWalls)
      rows.push({
        measure: `${command} wall time: action vs miniprogram-ci directly`,
        value: `${ms(throughAction)} vs ${ms(median(directWalls))} (×${ratio.toFixed(2)})`,
        n: options.runs,
        notes: note(
          `direct: first servicewechat.com call after ${ms(median(directFirsts))}`,
          'both from spawn to exit, same project, proxy and options',
          failedDirect.length > 0
            ? `${failedDirect.length} direct runs failed: ${failedDirect[0]?.output.trim().slice(0, 160) ?? ''}`
            : ''
        )
      })
    }
    raw.compiling = Object.fromEntries(
      Object.entries(compiling).map(([command, runs]) => [
        command,
        runs.map((timed) => ({
          firstRequestMs: timed.firstRequestMs,
          wallMs: timed.run.durationMs,
          exitCode: timed.run.exitCode,
          setup: timed.setup,
          ...(timed.run.exitCode === 0 ? {} : { stderrTail: redact(timed.run.stderr.slice(-1500)) })
        }))
      ])
    )
    raw.direct = Object.fromEntries(
      Object.entries(direct).map(([command, runs]) => [
        command,
        runs.map((run) => ({ wallMs: run.wallMs, firstRequestMs: run.firstRequestMs, ok: run.ok }))
      ])
    )
  } finally {
    await Promise.all([wechatProbe.close(), servicewechatProbe.close()])
    await world.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** miniprogram-ci's setup, from each place it can come from (a preview of the sample project each). */
async function benchSetup(options: Options, rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const world = await startWorld()
  const servicewechatProbe = await startArrivalProbe({ connectUpstream: world.servicewechat.proxyUrl })
  try {
    const credentials = world.emulator.credentials
    const devKey =
      credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem ?? ''
    registerSecret(devKey)
    const build = { 'private-key': devKey, proxy: servicewechatProbe.url }
    world.github.addCommit(PR_HEAD)
    world.github.addPullRequest({ number: PULL_REQUEST, headSha: PR_HEAD })
    const setupRuns = async (label: string, withNodeModules: boolean, toolCache: string, count: number) => {
      const runs: TimedRun[] = []
      for (let i = 0; i < count; i++) {
        const project = isolatedProject(withNodeModules)
        try {
          runs.push(
            await timedRun(world, servicewechatProbe, {
              inputs: {
                command: 'preview',
                ...build,
                'github-token': GITHUB_TOKEN,
                'project-path': 'project'
              },
              eventName: 'pull_request',
              ref: `refs/pull/${PULL_REQUEST}/merge`,
              sha: 'd'.repeat(40),
              payload: { pull_request: { number: PULL_REQUEST, head: { sha: PR_HEAD } } },
              workspace: project.workspace,
              toolCache,
              timeoutMs: 10 * 60_000
            })
          )
        } finally {
          project.dispose()
        }
      }
      const setups = runs.flatMap((timed) => (timed.setup ? [timed.setup.ms] : []))
      const sources = [...new Set(runs.flatMap((timed) => (timed.setup ? [timed.setup.source] : [])))]
      rows.push({
        measure: `miniprogram-ci setup: ${label}`,
        value: ms(median(setups)),
        n: runs.length,
        notes: note(
          `source reported: ${sources.join(', ') || 'none'}`,
          'includes loading miniprogram-ci (require)',
          `whole preview ${ms(median(runs.map((timed) => timed.run.durationMs)))}`,
          failures(runs)
        )
      })
      return runs.map((timed) => ({
        setup: timed.setup,
        wallMs: timed.run.durationMs,
        exitCode: timed.run.exitCode
      }))
    }
    const emptyToolCache = mkdtempSync(path.join(os.tmpdir(), 'bench-empty-tool-cache-'))
    const kept = await keptToolCache()
    try {
      raw.setup = {
        project: await setupRuns('(a) the project has it', true, world.toolCache, options.runs),
        cache: await setupRuns(
          "(b) the runner's tool cache, kept from an earlier job",
          false,
          kept.toolCache,
          options.runs
        ),
        restored: await cachedSetupRows(world, build, options, rows),
        ...(options.skipFresh
          ? {}
          : {
              installed: await setupRuns(
                '(d) fresh: npm ci --ignore-scripts of the shipped lockfile (npm registry)',
                false,
                emptyToolCache,
                1
              )
            })
      }
    } finally {
      kept.dispose()
      rmSync(emptyToolCache, { recursive: true, force: true })
    }
    if (options.skipFresh) {
      rows.push({ measure: 'miniprogram-ci setup: (d) fresh', value: 'skipped', n: 0, notes: '--skip-fresh' })
    }
  } finally {
    await servicewechatProbe.close()
    await world.close()
  }
}

/**
 * (c) GitHub-hosted runners: every job starts with an empty tool cache and restores miniprogram-ci from the
 * Actions cache (a loopback fake of the service), as saved by a first job's post step.
 */
async function cachedSetupRows(
  world: World,
  build: Record<string, string>,
  options: Options,
  rows: Row[]
): Promise<unknown> {
  const project = isolatedProject(false)
  try {
    const result = await measureCachedSetup(
      (job) =>
        world.run({
          inputs: { command: 'preview', ...build, 'github-token': GITHUB_TOKEN, 'project-path': 'project' },
          eventName: 'pull_request',
          ref: `refs/pull/${PULL_REQUEST}/merge`,
          sha: 'd'.repeat(40),
          payload: { pull_request: { number: PULL_REQUEST, head: { sha: PR_HEAD } } },
          workspace: project.workspace,
          timeoutMs: 10 * 60_000,
          ...job
        }),
      options.runs,
      [world.servicewechat.caCertPath],
      project.workspace
    )
    rows.push(cachedSetupRow('(c) restored from the Actions cache (hosted runners)', result))
    return summarizeCachedSetup(result)
  } finally {
    project.dispose()
  }
}

async function benchStartup(options: Options, rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const world = await startWorld()
  const probe = await startArrivalProbe({ httpUpstream: world.emulator.url })
  try {
    const credentials = world.emulator.credentials
    registerSecret(credentials.tokenServiceSecret)
    world.github.addCommit(BRANCH_HEAD)
    world.emulator.control.setOnline(APP, '1.0.0')
    const inputs = {
      command: 'sync',
      'api-base-url': probe.url,
      'token-url': credentials.tokenServiceUrl.replace(world.emulator.url, probe.url),
      'token-url-secret': credentials.tokenServiceSecret,
      'github-token': GITHUB_TOKEN,
      appid: APP,
      'dry-run': 'true'
    }
    const result = await measureStartup(
      probe,
      () =>
        world.run({
          inputs,
          eventName: 'schedule',
          ref: 'refs/heads/main',
          sha: BRANCH_HEAD,
          env: { NODE_OPTIONS: FIRST_REQUEST_HOOK }
        }),
      options.startupRuns
    )
    const failed = result.samples.filter((sample) => sample.actionExitCode !== 0).length
    rows.push({
      measure: 'Start-up: spawn → first WeChat request, sync vs a bare `node -e "fetch(url)"`',
      value: `${ms(result.actionMedianMs)} vs ${ms(result.bareFetchMedianMs)} (×${result.ratio.toFixed(2)})`,
      n: result.samples.length,
      notes: note(
        'target ≤ ×1.5',
        'pairs run alternately, so load affects both alike',
        `CPU time to the first request ${ms(result.actionCpuMedianMs)} vs ${ms(result.bareFetchCpuMedianMs)} (×${result.cpuRatio.toFixed(2)})`,
        failed > 0 ? `${failed} action runs failed` : ''
      )
    })
    raw.startup = result
  } finally {
    await probe.close()
    await world.close()
  }
}

async function benchFanOut(rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const latencyMs = 100
  const world = await startWorld({ extraApps: 200, latencyMs })
  try {
    const credentials = world.emulator.credentials
    const extra = credentials.apps.map((app) => app.appid).filter((appid) => appid.startsWith('wxa1'))
    for (const appid of extra) world.emulator.control.setOnline(appid, '1.0.0')
    world.github.addCommit(BRANCH_HEAD)
    const fanOut: Record<string, unknown> = {}
    for (const count of [50, 200]) {
      const targets = extra.slice(0, count)
      resetLogs(world)
      const run = await world.run({
        inputs: {
          command: 'sync',
          'api-base-url': world.emulator.url,
          'token-url': credentials.tokenServiceUrl,
          'token-url-secret': credentials.tokenServiceSecret,
          'github-token': GITHUB_TOKEN,
          targets: targets.join('\n')
        },
        eventName: 'schedule',
        ref: 'refs/heads/main',
        sha: BRANCH_HEAD,
        timeoutMs: 5 * 60_000
      })
      const calls = countRequests(world)
      let reported = 0
      try {
        reported = (JSON.parse(run.outputs.result ?? '[]') as unknown[]).length
      } catch {
        reported = 0
      }
      rows.push({
        measure: `Fan-out sync of ${count} targets (${latencyMs} ms per WeChat call)`,
        value: `${ms(run.durationMs)} · ${calls.wechat} WeChat · ${calls.github} GitHub calls`,
        n: 1,
        notes: note(
          `${(calls.wechat / count).toFixed(1)} WeChat calls per target`,
          `${reported} targets in the result output`,
          'concurrency input at its default',
          failures([{ run, firstRequestMs: undefined }])
        )
      })
      fanOut[String(count)] = {
        wallMs: run.durationMs,
        ...calls,
        wechatPaths: undefined,
        exitCode: run.exitCode,
        reported
      }
    }
    raw.fanOut = fanOut
  } finally {
    await world.close()
  }
}

function renderTable(command: string, options: Options, rows: Row[], totalMs: number): string {
  const cpus = os.cpus()
  return [
    `Reproduce: \`${command}\``,
    '',
    `Node ${process.version} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'} · load average at start ` +
      `${os.loadavg()[0]?.toFixed(2) ?? '?'} · bench wall time ${ms(totalMs)} · values are medians of N runs`,
    '',
    '| Measure | Value | N | Notes |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.measure} | ${row.value} | ${row.n} | ${row.notes.replace(/\|/g, '\\|')} |`),
    ''
  ].join('\n')
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const options = parseOptions(argv)
  const started = performance.now()
  const loadAtStart = os.loadavg()[0]
  ensureFreshDist((line) => console.log(line))
  const rows: Row[] = []
  const raw: Record<string, unknown> = {}

  const dist = path.join(repoRoot, 'dist')
  const distBytes = directorySize(dist)
  const entryBytes = statSync(path.join(dist, 'index.js')).size
  rows.push({
    measure: 'dist/ size',
    value: `${distBytes.toLocaleString('en-US')} bytes`,
    n: 1,
    notes: `dist/index.js alone: ${entryBytes.toLocaleString('en-US')} bytes (what sync and friends load first)`
  })
  raw.dist = { bytes: distBytes, indexJsBytes: entryBytes }

  if (options.only.has('startup')) {
    console.log(`Measuring start-up against a bare node fetch (${options.startupRuns} pairs) …`)
    await benchStartup(options, rows, raw)
  }
  if (options.only.has('single')) {
    console.log('Measuring one mini program: calls per sync, start times, preview/upload/submit …')
    await benchSingleApp(options, rows, raw)
  }
  if (options.only.has('setup')) {
    console.log('Measuring miniprogram-ci setup: project, kept tool cache, Actions cache, fresh install …')
    await benchSetup(options, rows, raw)
  }
  if (options.only.has('fanout')) {
    console.log('Measuring fan-out to 50 and 200 targets …')
    await benchFanOut(rows, raw)
  }
  const demoDir = process.env.MP_DEMO_DIR
  const demoProblem = demoDir ? demoCheckoutProblem(demoDir) : DEMO_PREPARATION
  for (const section of ['demo', 'scripts'] as const) {
    if (!options.only.has(section)) continue
    if (demoProblem || !demoDir) {
      console.log(demoProblem)
      rows.push({
        measure: `Official demo (${section})`,
        value: 'skipped',
        n: 0,
        notes:
          'set MP_DEMO_DIR to a prepared checkout of wechat-miniprogram/miniprogram-demo (see the bench output)'
      })
      continue
    }
    if (section === 'demo') {
      console.log(`Measuring the official demo in ${demoDir} (${options.demoRuns} runs) …`)
      await benchDemo(demoDir, options.demoRuns, rows, raw)
    } else {
      console.log('Comparing the demo uploaded with and without install scripts …')
      await benchIgnoreScripts(demoDir, rows, raw)
    }
  }

  const totalMs = performance.now() - started
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ')
  const table = renderTable(command, options, rows, totalMs)
  console.log(`\n${table}`)
  writeFileSync(
    path.join(repoRoot, RESULTS_FILE),
    `${JSON.stringify(
      {
        command,
        node: process.version,
        cpus: os.cpus().length,
        loadAverageAtStart: loadAtStart,
        options,
        wallMs: totalMs,
        rows,
        raw
      },
      null,
      2
    )}\n`
  )
  console.log(`Written to ${RESULTS_FILE}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
