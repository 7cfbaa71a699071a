// A stamp of what dist/ was built from: a hash of everything the build reads, and a hash of dist/ as the
// build left it. The test suite rebuilds dist/ when either no longer matches, so it always tests what ships.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** What the bundle is made from (paths relative to the repository root). */
export const BUILD_INPUTS = [
  'src',
  'scripts/build.mjs',
  'scripts/licenses.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tools/miniprogram-ci'
]

// Under node_modules: a fresh install (npm ci) forgets it, and it is never committed.
const STAMP = 'node_modules/.cache/wechat-release-action/dist-stamp.json'

function filesUnder(root, relative) {
  const full = path.join(root, relative)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [relative]
  return readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(root, path.join(relative, name)))
}

function hashFiles(root, relatives) {
  const hash = createHash('sha256')
  for (const relative of relatives.flatMap((entry) => filesUnder(root, entry)).sort()) {
    hash.update(`${relative.split(path.sep).join('/')}\0`)
    hash.update(readFileSync(path.join(root, relative)))
    hash.update('\0')
  }
  return hash.digest('hex')
}

function currentStamp(root) {
  return { inputs: hashFiles(root, BUILD_INPUTS), dist: hashFiles(root, ['dist']) }
}

/** Records that dist/ is what the build inputs produce right now (called at the end of a build). */
export function writeDistStamp(root) {
  const file = path.join(root, STAMP)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(currentStamp(root))}\n`)
}

/** Whether dist/ was built from the current build inputs and has not changed since. */
export function distIsCurrent(root) {
  let recorded
  try {
    recorded = JSON.parse(readFileSync(path.join(root, STAMP), 'utf8'))
  } catch {
    return false
  }
  const now = currentStamp(root)
  return recorded.inputs === now.inputs && recorded.dist === now.dist
}
