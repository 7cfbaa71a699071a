// Fails the run when the tests left files or folders in the repository (see jest-global-setup.mjs), and
// removes the run's CPU queue and temp folder.
import { rmSync } from 'node:fs'
import { strayEntries } from './repo-tree.mjs'
import { removeRunTempFolder } from './test-temp.mjs'

export default function tearDown() {
  const queue = process.env.WECHAT_ACTION_TEST_CPU_QUEUE
  if (queue) rmSync(queue, { recursive: true, force: true })
  removeRunTempFolder()
  const before = globalThis.__repositoryTreeBeforeTests
  if (!before) return
  const stray = strayEntries(before)
  if (stray.length > 0) {
    throw new Error(
      `The tests left ${stray.length} file(s) or folder(s) in the repository; every file a test writes belongs in a temp folder:\n  ${stray.join('\n  ')}`
    )
  }
}
