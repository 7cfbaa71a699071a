/**
 * Where miniprogram-ci comes from: the user's project first, then the runner's tool cache, then an
 * `npm ci` of the action's lockfile. A fake `npm` on PATH records its arguments and builds the tree.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CiError } from '../src/ci/errors.js'
import {
  COMPLETE_MARKER,
  loadMiniprogramCi,
  MINIPROGRAM_CI_VERSION,
  toolInstallDir
} from '../src/ci/loader.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'ci-loader-test-'))
const originalPath = process.env.PATH
let work: string
let caseNumber = 0

function fakePackage(dir: string, version: string, marker: string): void {
  const pkg = path.join(dir, 'node_modules', 'miniprogram-ci')
  mkdirSync(pkg, { recursive: true })
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'miniprogram-ci', version, main: 'index.js' })
  )
  writeFileSync(path.join(pkg, 'index.js'), `module.exports = { marker: ${JSON.stringify(marker)} }\n`)
}

/** A shell `npm` that records cwd and arguments, then behaves like a successful (or failing) `npm ci`. */
function installFakeNpm(mode: 'succeed' | 'fail'): string {
  const bin = path.join(work, 'bin')
  mkdirSync(bin, { recursive: true })
  const record = path.join(work, 'npm-calls.log')
  const script =
    mode === 'succeed'
      ? `#!/bin/sh
echo "$PWD|$*" >> "${record}"
test -f package.json && test -f package-lock.json || { echo "no lockfile in $PWD" >&2; exit 2; }
mkdir -p node_modules/miniprogram-ci
printf '{"name":"miniprogram-ci","version":"${MINIPROGRAM_CI_VERSION}","main":"index.js"}' > node_modules/miniprogram-ci/package.json
echo 'module.exports = { marker: "installed" }' > node_modules/miniprogram-ci/index.js
`
      : `#!/bin/sh
echo "$PWD|$*" >> "${record}"
echo "npm error code E404 - registry said no" >&2
exit 1
`
  writeFileSync(path.join(bin, 'npm'), script)
  chmodSync(path.join(bin, 'npm'), 0o755)
  process.env.PATH = `${bin}${path.delimiter}${originalPath ?? ''}`
  return record
}

function npmCalls(record: string): Array<{ cwd: string; args: string[] }> {
  if (!existsSync(record)) return []
  return readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [cwd, args] = line.split('|')
      return { cwd: cwd ?? '', args: (args ?? '').split(' ') }
    })
}

function recordingLog(): {
  info: (m: string) => void
  warning: (m: string) => void
  debug: () => void
  infos: string[]
  warnings: string[]
} {
  const infos: string[] = []
  const warnings: string[] = []
  return {
    infos,
    warnings,
    info: (m) => infos.push(m),
    warning: (m) => warnings.push(m),
    debug: () => undefined
  }
}

let repo: string
let projectPath: string
let lockfileDir: string
let toolCacheDir: string

beforeEach(() => {
  caseNumber += 1
  work = path.join(root, `case-${caseNumber}`)
  repo = path.join(work, 'repo')
  projectPath = path.join(repo, 'apps', 'shop')
  mkdirSync(path.join(repo, '.git'), { recursive: true })
  mkdirSync(projectPath, { recursive: true })
  writeFileSync(path.join(projectPath, 'project.config.json'), '{"appid":"wxd000000000000001"}')
  lockfileDir = path.join(work, 'lock')
  mkdirSync(lockfileDir)
  writeFileSync(
    path.join(lockfileDir, 'package.json'),
    JSON.stringify({ private: true, dependencies: { 'miniprogram-ci': MINIPROGRAM_CI_VERSION } })
  )
  writeFileSync(
    path.join(lockfileDir, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, case: caseNumber })
  )
  toolCacheDir = path.join(work, 'tool-cache')
})

afterEach(() => {
  process.env.PATH = originalPath
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('toolInstallDir', () => {
  it('is keyed by version and the lockfile content', () => {
    const first = toolInstallDir(toolCacheDir, lockfileDir)
    expect(first).toMatch(
      new RegExp(`miniprogram-ci[\\\\/]${MINIPROGRAM_CI_VERSION.replace(/\./g, '\\.')}[\\\\/][0-9a-f]{12}$`)
    )
    writeFileSync(path.join(lockfileDir, 'package-lock.json'), '{"changed":true}')
    expect(toolInstallDir(toolCacheDir, lockfileDir)).not.toBe(first)
  })
})

describe('loadMiniprogramCi', () => {
  it("uses the project's own miniprogram-ci, found up to the repository root, and warns on another version", async () => {
    fakePackage(repo, '2.1.40', 'project')
    const log = recordingLog()
    const record = installFakeNpm('succeed')
    const loaded = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log })
    expect(loaded.source).toBe('project')
    expect(loaded.version).toBe('2.1.40')
    expect(loaded.resolvedFrom).toBe(path.join(repo, 'node_modules', 'miniprogram-ci'))
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('project')
    expect(log.warnings.join('\n')).toContain(`tested with ${MINIPROGRAM_CI_VERSION}`)
    expect(npmCalls(record)).toEqual([])
  })

  it('does not warn when the project pins the same version', async () => {
    fakePackage(projectPath, MINIPROGRAM_CI_VERSION, 'project-exact')
    const log = recordingLog()
    const loaded = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log })
    expect(loaded.source).toBe('project')
    expect(log.warnings).toEqual([])
  })

  it('ignores a miniprogram-ci above the repository root and uses the tool cache', async () => {
    fakePackage(work, '1.0.0', 'outside-the-repo')
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    fakePackage(installDir, MINIPROGRAM_CI_VERSION, 'cache')
    writeFileSync(path.join(installDir, COMPLETE_MARKER), 'done\n')
    const record = installFakeNpm('succeed')
    const loaded = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log: recordingLog() })
    expect(loaded.source).toBe('cache')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('cache')
    expect(loaded.resolvedFrom).toBe(path.join(installDir, 'node_modules', 'miniprogram-ci'))
    expect(npmCalls(record)).toEqual([])
  })

  it('installs the lockfile with npm ci into a staging folder, marks it complete and renames it into place', async () => {
    const record = installFakeNpm('succeed')
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    const log = recordingLog()
    const loaded = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log })

    expect(loaded.source).toBe('installed')
    expect(loaded.version).toBe(MINIPROGRAM_CI_VERSION)
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('installed')
    const calls = npmCalls(record)
    expect(calls).toHaveLength(1)
    // Optional dependencies stay: SWC projects need the native binding.
    expect(calls[0]?.args).toEqual(['ci', '--no-audit', '--no-fund', '--loglevel=error'])
    expect(path.dirname(calls[0]?.cwd ?? '')).toBe(path.dirname(installDir))
    expect(path.basename(calls[0]?.cwd ?? '')).toMatch(
      new RegExp(`^${path.basename(installDir)}\\.tmp-[0-9a-f]+$`)
    )
    expect(existsSync(path.join(installDir, COMPLETE_MARKER))).toBe(true)
    expect(readFileSync(path.join(installDir, 'package-lock.json'), 'utf8')).toBe(
      readFileSync(path.join(lockfileDir, 'package-lock.json'), 'utf8')
    )
    // No staging folder is left next to the install.
    expect(readdirSync(path.dirname(installDir))).toEqual([path.basename(installDir)])
    expect(log.infos.join('\n')).toContain('Installing miniprogram-ci')

    // The next run finds it in the cache and does not install again.
    const again = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log: recordingLog() })
    expect(again.source).toBe('cache')
    expect(npmCalls(record)).toHaveLength(1)
  })

  it('reinstalls over an interrupted install that has no marker', async () => {
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    fakePackage(installDir, MINIPROGRAM_CI_VERSION, 'half-written')
    const record = installFakeNpm('succeed')
    const loaded = await loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log: recordingLog() })
    expect(loaded.source).toBe('installed')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('installed')
    expect(npmCalls(record)).toHaveLength(1)
    expect(existsSync(path.join(installDir, COMPLETE_MARKER))).toBe(true)
  })

  it('reports a failed npm ci with its output and leaves nothing behind', async () => {
    const record = installFakeNpm('fail')
    const error = await loadMiniprogramCi({
      projectPath,
      toolCacheDir,
      lockfileDir,
      log: recordingLog()
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CiError)
    expect((error as CiError).kind).toBe('setup')
    expect((error as CiError).message).toContain('E404')
    expect((error as CiError).message).toContain('devDependencies')
    expect(npmCalls(record)).toHaveLength(1)
    const versionDir = path.dirname(toolInstallDir(toolCacheDir, lockfileDir))
    expect(readdirSync(versionDir)).toEqual([])
  })

  it('says so when the action was packaged without its lockfile', async () => {
    rmSync(path.join(lockfileDir, 'package-lock.json'))
    await expect(
      loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, log: recordingLog() })
    ).rejects.toMatchObject({ kind: 'setup', message: expect.stringContaining('lockfile is missing') })
  })
})
