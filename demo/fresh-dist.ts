/**
 * The demo and the benchmark run the bundled action (dist/index.js) as GitHub does. On a fresh clone, or
 * after editing src/, the bundle is rebuilt first so that what runs is what the sources say.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { distIsCurrent } from '../scripts/dist-stamp.mjs'
import { repoRoot } from '../test-support/run-action.js'

/** Why dist/ needs a rebuild, or undefined when it is what the sources build (the build's stamp matches). */
export function staleDistReason(): string | undefined {
  // The stamp lives under node_modules/.cache: a fresh install has none yet, so it rebuilds once to be sure.
  return distIsCurrent(repoRoot) ? undefined : 'no build stamp for these sources yet'
}

/** Rebuilds dist/ with `node scripts/build.mjs` when it is stale; throws when the build fails. */
export function ensureFreshDist(log: (line: string) => void): void {
  const reason = staleDistReason()
  if (!reason) return
  log(`Building dist/ (${reason}): node scripts/build.mjs`)
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs')], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit']
  })
  if (build.status !== 0)
    throw new Error(`node scripts/build.mjs failed (exit code ${build.status ?? build.signal})`)
}
