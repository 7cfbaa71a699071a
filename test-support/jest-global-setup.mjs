// Remembers the repository's tree before any test runs; the global teardown fails the run when the
// tests left anything in it (every file a test writes belongs in a temp folder). Makes the run's own temp
// folder, memory-backed when the machine has room (test-temp.mjs), and the run's CPU queue
// (test-support/cpu-slots.ts), which the workers find through the environment.
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { listTree } from './repo-tree.mjs'
import { useRunTempFolder } from './test-temp.mjs'

export default function setUp() {
  globalThis.__repositoryTreeBeforeTests = listTree()
  useRunTempFolder()
  // CPU_QUEUE_ENV of cpu-slots.ts.
  process.env.WECHAT_ACTION_TEST_CPU_QUEUE = mkdtempSync(path.join(os.tmpdir(), 'cpu-queue-'))
}
