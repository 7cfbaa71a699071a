// The test run's temp folder. The tests create and delete tens of thousands of files (workspaces, tool
// caches, the 23,000 files of a miniprogram-ci install that the Actions cache tests archive and extract).
// On a disk-backed /tmp that is mostly kernel time: extracting the cache archive takes 14 s on an ext4
// volume and under 1 s in memory. So on Linux, when /dev/shm is a writable memory filesystem with room to
// spare, the run points TMPDIR at a folder of its own there; everywhere else, at one under the usual temp
// folder. The workers and the processes they start with the inherited environment get TMPDIR, so their
// os.tmpdir() is that folder (an action run gets the environment run-action.ts builds for it).
// WECHAT_ACTION_TEST_TMPDIR chooses the parent folder instead. Files meant to outlive the run (the
// prepared miniprogram-ci install) go under the machine's temp folder, kept in PERSISTENT_TMPDIR_ENV.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const RUN_TMPDIR_ENV = 'WECHAT_ACTION_TEST_RUN_TMPDIR'
export const PERSISTENT_TMPDIR_ENV = 'WECHAT_ACTION_TEST_PERSISTENT_TMPDIR'
const MEMORY_FOLDER = '/dev/shm'
// Two Actions cache round trips at once hold about 1.5 GiB; Docker's default /dev/shm is 64 MiB.
const MEMORY_NEEDED = 4 * 1024 ** 3
const PREFIX = 'wechat-action-tests-'

function memoryFolderWithRoom() {
  if (process.platform !== 'linux') return undefined
  try {
    const stats = statfsSync(MEMORY_FOLDER)
    // 0x01021994 is tmpfs's magic number: a /dev/shm that is a plain folder on disk gains nothing.
    if (stats.type !== 0x01021994 || stats.bavail * stats.bsize < MEMORY_NEEDED) return undefined
    return MEMORY_FOLDER
  } catch {
    return undefined
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

/** Removes the folders of earlier runs that ended without their teardown (killed, or the machine slept). */
function removeAbandoned(parent) {
  for (const name of readdirSync(parent)) {
    const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('-')[0] : NaN)
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      rmSync(path.join(parent, name), { recursive: true, force: true })
    }
  }
}

export function useRunTempFolder() {
  const persistent = os.tmpdir()
  const parent = process.env.WECHAT_ACTION_TEST_TMPDIR || memoryFolderWithRoom() || persistent
  mkdirSync(parent, { recursive: true })
  removeAbandoned(parent)
  const runFolder = mkdtempSync(path.join(parent, `${PREFIX}${process.pid}-`))
  process.env[PERSISTENT_TMPDIR_ENV] = persistent
  process.env[RUN_TMPDIR_ENV] = runFolder
  process.env.TMPDIR = runFolder
}

export function removeRunTempFolder() {
  const runFolder = process.env[RUN_TMPDIR_ENV]
  if (runFolder) rmSync(runFolder, { recursive: true, force: true })
}
