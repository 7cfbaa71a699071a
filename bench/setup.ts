/**
 * miniprogram-ci's setup as runners see it, for the benchmark rows:
 *
 * - kept tool cache (self-hosted runners): a verified install already in RUNNER_TOOL_CACHE;
 * - restored from the Actions cache (GitHub-hosted runners, every job starts empty): a loopback fake of the
 *   cache service (v2, the archive in "Azure Blob Storage" behind a TLS proxy) holds the install a first job
 *   saved through the post step; each measured job restores it, verifies it and loads it.
 *
 * The first job installs with a fake npm that hard-links a real `npm ci --ignore-scripts` of the lockfile,
 * so the archive is the real tree (about 1,100 packages).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { toolInstallDir } from '../src/ci/loader.js'
import { startFakeActionsCache } from '../test-support/fake-actions-cache.js'
import { fakeNpm, preparedInstall } from '../test-support/miniprogram-ci-install.js'
import { repoRoot, type ActionRun, type RunActionOptions } from '../test-support/run-action.js'
import { median, ms, note, type Row } from './stats.js'

const SETUP_LINE = /miniprogram-ci \S+ ready \((project|cache|restored|installed), ([\d.]+) s\)/
const SAVED_LINE = /Saved miniprogram-ci to the cache as \S+ \(([\d.]+) s\)/
const RESTORED_LINE = /downloaded and extracted in ([\d.]+) s, verified in ([\d.]+) s/

export interface SetupJob {
  run: ActionRun
  /** From the action's "miniprogram-ci … ready (<source>, <s> s)" line. */
  setup?: { source: string; ms: number }
  /** From its "restored from the GitHub Actions cache (…)" line. */
  restore?: { downloadAndExtractMs: number; verifyMs: number }
}

export function setupOf(run: ActionRun): SetupJob['setup'] {
  const match = SETUP_LINE.exec(run.stdout)
  return match ? { source: match[1] as string, ms: Number(match[2]) * 1000 } : undefined
}

/** Runs one job of the action with these options merged into its own (`world.run({ ...base, ...job })`). */
export type JobRunner = (job: Pick<RunActionOptions, 'env' | 'toolCache' | 'runPost'>) => Promise<ActionRun>

/** A tool cache that already holds a verified install, as on a self-hosted runner after its first job. */
export async function keptToolCache(): Promise<{ toolCache: string; dispose: () => void }> {
  const installed = await preparedInstall()
  const toolCache = mkdtempSync(path.join(os.tmpdir(), 'bench-kept-tool-cache-'))
  const target = toolInstallDir(toolCache, path.join(repoRoot, 'dist/miniprogram-ci'))
  mkdirSync(path.dirname(target), { recursive: true })
  execFileSync('cp', ['-al', installed, target])
  return { toolCache, dispose: () => rmSync(toolCache, { recursive: true, force: true }) }
}

export interface CachedSetup {
  /** The job that installed (fake npm) and saved through its post step. */
  seed: SetupJob & { saveMs?: number }
  archiveBytes: number
  restores: SetupJob[]
  /** The floor on this machine: the same archive extracted by tar alone, at the same place. */
  plainExtractMs?: number
}

/**
 * One seeding job, then `runs` jobs that each start with an empty tool cache and restore; then the same
 * archive extracted by tar alone (in `workspace`, the jobs' GITHUB_WORKSPACE), the filesystem's share.
 */
export async function measureCachedSetup(
  runJob: JobRunner,
  runs: number,
  trustAlso: string[],
  workspace: string
): Promise<CachedSetup> {
  const installed = await preparedInstall()
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-cached-setup-'))
  const cache = await startFakeActionsCache({ protocol: 'v2', trustAlso })
  const npm = fakeNpm(work, installed)
  // The same path every job, as RUNNER_TOOL_CACHE is on hosted runners (the cache entry is tied to it).
  const toolCache = path.join(work, 'tool-cache')
  const freshJob = async (): Promise<SetupJob> => {
    rmSync(toolCache, { recursive: true, force: true })
    mkdirSync(toolCache, { recursive: true })
    const run = await runJob({
      env: { ...cache.env(), PATH: `${npm.binDir}${path.delimiter}${process.env.PATH ?? ''}` },
      toolCache,
      runPost: true
    })
    const setup = setupOf(run)
    const restored = RESTORED_LINE.exec(run.stdout)
    return {
      run,
      ...(setup ? { setup } : {}),
      ...(restored
        ? {
            restore: {
              downloadAndExtractMs: Number(restored[1]) * 1000,
              verifyMs: Number(restored[2]) * 1000
            }
          }
        : {})
    }
  }
  try {
    const seed = await freshJob()
    const saved = SAVED_LINE.exec(seed.run.post?.stdout ?? '')
    const restores: SetupJob[] = []
    for (let i = 0; i < runs; i++) restores.push(await freshJob())
    const archive = cache.entries()[0]?.archive
    return {
      seed: { ...seed, ...(saved ? { saveMs: Number(saved[1]) * 1000 } : {}) },
      archiveBytes: archive?.length ?? 0,
      restores,
      ...(archive ? { plainExtractMs: plainExtract(archive, workspace, toolCache, work) } : {})
    }
  } finally {
    await cache.close()
    rmSync(work, { recursive: true, force: true })
  }
}

/** Extracts the archive as @actions/cache does (tar, unzstd, names relative to the workspace), timed. */
function plainExtract(archive: Buffer, workspace: string, toolCache: string, work: string): number {
  rmSync(toolCache, { recursive: true, force: true })
  const file = path.join(work, 'cache.tzst')
  writeFileSync(file, archive)
  const started = performance.now()
  execFileSync('tar', ['-xf', file, '-P', '-C', workspace, '--use-compress-program', 'unzstd'])
  return performance.now() - started
}

/** The benchmark row for a cached setup: median setup of the restoring jobs, against the 5 s target. */
export function cachedSetupRow(label: string, result: CachedSetup): Row {
  const setups = result.restores.flatMap((job) => (job.setup ? [job.setup.ms] : []))
  const sources = [...new Set(result.restores.flatMap((job) => (job.setup ? [job.setup.source] : [])))]
  const failed = [result.seed, ...result.restores].filter((job) => job.run.exitCode !== 0).length
  return {
    measure: `miniprogram-ci setup: ${label}`,
    value: ms(median(setups)),
    n: setups.length,
    notes: note(
      'target ≤ 5 s',
      `source reported: ${sources.join(', ') || 'none'}`,
      'download, extract, verify against the lockfile and load (require)',
      `of which download and extract ${ms(median(result.restores.flatMap((job) => job.restore?.downloadAndExtractMs ?? [])))}, verify ${ms(median(result.restores.flatMap((job) => job.restore?.verifyMs ?? [])))}`,
      result.plainExtractMs !== undefined
        ? `tar alone extracts the same archive here in ${ms(result.plainExtractMs)} (the filesystem's share)`
        : '',
      `archive ${(result.archiveBytes / 1024 / 1024).toFixed(1)} MiB`,
      result.seed.saveMs !== undefined
        ? `saved by the first job's post step in ${ms(result.seed.saveMs)}`
        : 'not saved',
      `whole job ${ms(median(result.restores.map((job) => job.run.durationMs)))}`,
      failed > 0 ? `${failed} jobs failed` : ''
    )
  }
}

/** What bench-results.json keeps of a cached setup. */
export function summarizeCachedSetup(result: CachedSetup): unknown {
  return {
    archiveBytes: result.archiveBytes,
    plainExtractMs: result.plainExtractMs,
    saveMs: result.seed.saveMs,
    seed: {
      setup: result.seed.setup,
      wallMs: result.seed.run.durationMs,
      exitCode: result.seed.run.exitCode
    },
    restores: result.restores.map((job) => ({
      setup: job.setup,
      wallMs: job.run.durationMs,
      exitCode: job.run.exitCode
    }))
  }
}
