/**
 * The demo and the benchmark run the bundled action (dist/index.js) as GitHub does. On a fresh clone, or
 * after editing src/, the bundle is rebuilt first so that what runs is what the sources say.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from '../test-support/run-action.js'

/** Everything the bundle is made from: when any of it is newer than dist/index.js, dist is stale. */
const BUNDLE_INPUTS = ['src', 'scripts/build.mjs', 'tools/miniprogram-ci', 'package-lock.json']

function newestModification(target: string): number {
  if (!existsSync(target)) return 0
  const stat = statSync(target)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(target))
    newest = Math.max(newest, newestModification(path.join(target, entry)))
  return newest
}

/** Why dist/ needs a rebuild, or undefined when it is up to date. */
export function staleDistReason(): string | undefined {
  const bundle = path.join(repoRoot, 'dist/index.js')
  if (!existsSync(bundle)) return 'dist/index.js is missing'
  if (!existsSync(path.join(repoRoot, 'dist/miniprogram-ci/package-lock.json')))
    return 'dist/miniprogram-ci (the pinned lockfile) is missing'
  const built = statSync(bundle).mtimeMs
  for (const input of BUNDLE_INPUTS) {
    if (newestModification(path.join(repoRoot, input)) > built) return `${input} changed after the last build`
  }
  return undefined
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
