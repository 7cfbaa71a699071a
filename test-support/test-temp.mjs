// The test run's temp folder. The tests create and delete tens of thousands of files (workspaces, tool
// caches, the 23,000 files of a miniprogram-ci install that the Actions cache tests archive and extract).
// On a disk-backed /tmp that is mostly kernel time: extracting the cache archive takes 14 s on an ext4
// volume and under 1 s in memory. So on Linux, when /dev/shm is a memory filesystem with room to spare
// where this user can write and run a script, the run points TMPDIR at a folder of its own there;
// everywhere else, at one under the usual temp folder. The workers and the processes they start with the
// inherited environment get TMPDIR, so their os.tmpdir() is that folder (an action run gets the
// environment run-action.ts builds for it). WECHAT_ACTION_TEST_TMPDIR chooses the parent folder instead.
// Files meant to outlive the run (the prepared miniprogram-ci install) go under the machine's temp folder,
// kept in PERSISTENT_TMPDIR_ENV.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { processAlive } from './process-alive.mjs'

const RUN_TMPDIR_ENV = 'WECHAT_ACTION_TEST_RUN_TMPDIR'
const PERSISTENT_TMPDIR_ENV = 'WECHAT_ACTION_TEST_PERSISTENT_TMPDIR'
const TMPDIR_BEFORE_ENV = 'WECHAT_ACTION_TEST_TMPDIR_BEFORE'
const MEMORY_FOLDER = '/dev/shm'
// Two Actions cache round trips at once hold about 1.5 GiB; Docker's default /dev/shm is 64 MiB.
const MEMORY_NEEDED = 4 * 1024 ** 3
// A tmpfs's pages are memory: its free space may exceed what the machine or the container (cgroup) has left,
// and the Jest workers and compilers need theirs too.
const FREE_MEMORY_NEEDED = 2 * MEMORY_NEEDED
const TMPFS_MAGIC = 0x01021994
const PREFIX = 'wechat-action-tests-'

/** The tests write scripts to the temp folder and run them (a fake npm): a `noexec` mount would not do. */
function canWriteAndRun(folder) {
  let probe
  try {
    probe = mkdtempSync(path.join(folder, `${PREFIX}probe-`))
    const script = path.join(probe, 'probe.sh')
    writeFileSync(script, '#!/bin/sh\nexit 0\n')
    chmodSync(script, 0o755)
    execFileSync(script, { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    if (probe) rmSync(probe, { recursive: true, force: true })
  }
}

function memoryFolderWithRoom() {
  if (process.platform !== 'linux') return undefined
  try {
    const stats = statfsSync(MEMORY_FOLDER)
    // A /dev/shm that is a plain folder on disk gains nothing.
    if (stats.type !== TMPFS_MAGIC || stats.bavail * stats.bsize < MEMORY_NEEDED) return undefined
  } catch {
    return undefined
  }
  // constrainedMemory(): the cgroup's limit, 0 or a huge number when there is none.
  const limit = process.constrainedMemory?.() ?? 0
  const constrained = limit > 0 && limit < os.totalmem()
  if (os.freemem() < FREE_MEMORY_NEEDED || (constrained && limit < FREE_MEMORY_NEEDED)) return undefined
  return canWriteAndRun(MEMORY_FOLDER) ? MEMORY_FOLDER : undefined
}

/**
 * Removes this user's folders of earlier runs that ended without their teardown (killed): their pid is
 * gone. Another user's folders, and any that cannot be removed, are left alone.
 */
function removeAbandoned(parent) {
  let names
  try {
    names = readdirSync(parent)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue
    const pid = Number(name.slice(PREFIX.length).split('-')[0])
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue
    const folder = path.join(parent, name)
    try {
      if (process.getuid && statSync(folder).uid !== process.getuid()) continue
      rmSync(folder, { recursive: true, force: true })
    } catch {
      // Not ours to remove after all, or already gone.
    }
  }
}

export function useRunTempFolder() {
  // Jest's watch mode runs the global setup again in the same process: start from the first run's folders.
  if (!(TMPDIR_BEFORE_ENV in process.env)) process.env[TMPDIR_BEFORE_ENV] = process.env.TMPDIR ?? ''
  // Absolute: a relative TMPDIR would put the run's files in the repository and move with each cwd.
  const persistent = path.resolve(process.env[PERSISTENT_TMPDIR_ENV] || os.tmpdir())
  removeAbandoned(MEMORY_FOLDER)
  removeAbandoned(persistent)
  const chosen = process.env.WECHAT_ACTION_TEST_TMPDIR
  const parent = chosen ? path.resolve(chosen) : memoryFolderWithRoom() || persistent
  mkdirSync(parent, { recursive: true })
  if (chosen) removeAbandoned(parent)
  const runFolder = mkdtempSync(path.join(parent, `${PREFIX}${process.pid}-`))
  process.env[PERSISTENT_TMPDIR_ENV] = persistent
  process.env[RUN_TMPDIR_ENV] = runFolder
  process.env.TMPDIR = runFolder
}

export function removeRunTempFolder() {
  const runFolder = process.env[RUN_TMPDIR_ENV]
  if (runFolder) rmSync(runFolder, { recursive: true, force: true, maxRetries: 3 })
  delete process.env[RUN_TMPDIR_ENV]
  const before = process.env[TMPDIR_BEFORE_ENV]
  if (before) process.env.TMPDIR = before
  else delete process.env.TMPDIR
}
