/**
 * A real install of the action's pinned miniprogram-ci lockfile (`npm ci --ignore-scripts`, the command the
 * action runs), made once per machine and lockfile under the OS temp folder, for the tests and benchmark
 * rows that need a tree that verifies: the Actions cache round trip and setup from a tool cache. npm takes
 * the packages from its cache when it has them (the repository's own `npm ci` fetched the same tarballs).
 *
 * `fakeNpm` puts an `npm` first on PATH that answers `npm ci` by hard-linking that tree into the folder it
 * is run in (about a second instead of half a minute) and records its arguments.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { NPM_CI_ARGS, verifyAgainstLockfile } from '../src/ci/loader.js'
import { repoRoot } from './run-action.js'

/** Set by the test run's global setup (test-temp.mjs) to the machine's temp folder. */
const PERSISTENT_TMPDIR_ENV = 'WECHAT_ACTION_TEST_PERSISTENT_TMPDIR'

export const ACTION_LOCKFILE_DIR = path.join(repoRoot, 'tools/miniprogram-ci')

function installRoot(): string {
  const hash = createHash('sha256')
    .update(readFileSync(path.join(ACTION_LOCKFILE_DIR, 'package-lock.json')))
    .digest('hex')
    .slice(0, 16)
  // The machine's temp folder, not the test run's own (test-temp.mjs): the install outlives the run.
  const persistent = process.env[PERSISTENT_TMPDIR_ENV] || os.tmpdir()
  return path.join(persistent, 'wechat-action-miniprogram-ci', hash)
}

function npmCi(cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', [...NPM_CI_ARGS, '--prefer-offline'], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`npm ci of the action's lockfile failed (${code}): ${stderr.slice(-1000)}`))
    )
  })
}

/** Places of the install: the first, then others after ones left broken (e.g. half removed by a temp cleaner). */
const PLACES = 4

function place(root: string, index: number): string {
  return index === 0 ? root : `${root}-${index}`
}

function verifiedPlace(root: string): string | undefined {
  for (let index = 0; index < PLACES; index++) {
    const candidate = place(root, index)
    if (existsSync(candidate) && verifyAgainstLockfile(candidate, ACTION_LOCKFILE_DIR).ok) return candidate
  }
  return undefined
}

/**
 * The folder holding the verified install (its node_modules); installs it on first use (about 30 s). An
 * install is never removed or replaced once in place, since other test processes may be copying it: the
 * new one is renamed (atomically) into the first free place, and a broken place is skipped, not repaired.
 */
export async function preparedInstall(): Promise<string> {
  const root = installRoot()
  const ready = verifiedPlace(root)
  if (ready) return ready
  const staging = `${root}.tmp-${randomBytes(6).toString('hex')}`
  mkdirSync(staging, { recursive: true })
  try {
    for (const file of ['package.json', 'package-lock.json']) {
      cpSync(path.join(ACTION_LOCKFILE_DIR, file), path.join(staging, file))
    }
    await npmCi(staging)
    const verified = verifyAgainstLockfile(staging, ACTION_LOCKFILE_DIR)
    if (!verified.ok) throw new Error(`the prepared install does not verify: ${verified.reason}`)
    for (let index = 0; index < PLACES; index++) {
      const candidate = place(root, index)
      if (!existsSync(candidate)) {
        try {
          renameSync(staging, candidate)
          return candidate
        } catch {
          // Another test process put its install there first: it is checked below.
        }
      }
      if (verifyAgainstLockfile(candidate, ACTION_LOCKFILE_DIR).ok) return candidate
    }
    throw new Error(`no place for the prepared miniprogram-ci install: ${root} and the next ones are broken`)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

export interface FakeNpm {
  /** Put this first on PATH. */
  binDir: string
  /** Each call: the folder it ran in and its arguments. */
  calls(): Array<{ cwd: string; args: string[] }>
}

/** An `npm` that installs `installed` by hard links (same bytes, new folder) and records each call. */
export function fakeNpm(workDir: string, installed: string): FakeNpm {
  const binDir = path.join(workDir, 'fake-npm-bin')
  const record = path.join(workDir, 'fake-npm-calls.log')
  mkdirSync(binDir, { recursive: true })
  writeFileSync(
    path.join(binDir, 'npm'),
    `#!/bin/sh
echo "$PWD|$*" >> '${record}'
[ "$1" = ci ] || { echo "fake npm: only ci" >&2; exit 2; }
cp -al '${path.join(installed, 'node_modules')}' ./node_modules
`
  )
  chmodSync(path.join(binDir, 'npm'), 0o755)
  return {
    binDir,
    calls: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .trim()
            .split('\n')
            .map((line) => {
              const [cwd, args] = line.split('|')
              return { cwd: cwd ?? '', args: (args ?? '').split(' ') }
            })
        : []
  }
}
