// Global setup of the e2e project: the e2e tests run dist/index.js, so dist/ is rebuilt first whenever it
// is not what the current sources build (see scripts/dist-stamp.mjs).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { distIsCurrent } from '../scripts/dist-stamp.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export default function buildDist() {
  if (distIsCurrent(root)) return
  process.stderr.write('\ndist/ is not what the sources build: running npm run build before the e2e tests.\n')
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' })
}
