/**
 * Where miniprogram-ci comes from: the user's project first, then the runner's tool cache, then the GitHub
 * Actions cache, then `npm ci --ignore-scripts` of the action's lockfile. Nothing but the project's own is
 * loaded before it verifies against the lockfile. A fake `npm` on PATH records its arguments and
 * environment and lays out a small synthetic tree; the Actions cache is a recording fake.
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
import type { InstallCache, RestoreOutcome } from '../src/ci/install-cache.js'
import {
  installCacheKey,
  loadMiniprogramCi,
  MINIPROGRAM_CI_VERSION,
  NPM_CI_ARGS,
  toolInstallDir
} from '../src/ci/loader.js'
import {
  samplePackages,
  writeInstall,
  writeLockfile,
  type LockedPackages
} from '../test-support/install-trees.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'ci-loader-test-'))
const originalPath = process.env.PATH
const OTHER_PLATFORM = ['node_modules/@swc/core-darwin-arm64']
let work: string
let caseNumber = 0
let packages: LockedPackages

function projectPackage(dir: string, version: string, marker: string): void {
  const pkg = path.join(dir, 'node_modules', 'miniprogram-ci')
  mkdirSync(pkg, { recursive: true })
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'miniprogram-ci', version, main: 'index.js' })
  )
  writeFileSync(path.join(pkg, 'index.js'), `module.exports = { marker: ${JSON.stringify(marker)} }\n`)
}

/**
 * A shell `npm` that records cwd, arguments and whether the environment held inputs or tokens, then lays
 * out the synthetic tree (from a template made with writeInstall) or fails.
 */
function installFakeNpm(mode: 'succeed' | 'fail' | 'plant-extra'): string {
  const bin = path.join(work, 'bin')
  mkdirSync(bin, { recursive: true })
  const record = path.join(work, 'npm-calls.log')
  const template = path.join(work, 'npm-template')
  writeInstall(template, packages, { skip: OTHER_PLATFORM, marker: 'installed' })
  const script =
    mode === 'fail'
      ? `#!/bin/sh
echo "$PWD|$*|$(env | grep -c -E '^(INPUT_|ACTIONS_RUNTIME_TOKEN|GITHUB_TOKEN)')" >> "${record}"
echo "npm error code E404 - registry said no" >&2
exit 1
`
      : `#!/bin/sh
echo "$PWD|$*|$(env | grep -c -E '^(INPUT_|ACTIONS_RUNTIME_TOKEN|GITHUB_TOKEN)')" >> "${record}"
test -f package.json && test -f package-lock.json || { echo "no lockfile in $PWD" >&2; exit 2; }
cp -R "${template}/node_modules" ./node_modules
${mode === 'plant-extra' ? 'mkdir -p node_modules/electron' : ''}
`
  writeFileSync(path.join(bin, 'npm'), script)
  chmodSync(path.join(bin, 'npm'), 0o755)
  process.env.PATH = `${bin}${path.delimiter}${originalPath ?? ''}`
  return record
}

function npmCalls(record: string): Array<{ cwd: string; args: string[]; secretsInEnv: number }> {
  if (!existsSync(record)) return []
  return readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [cwd, args, secrets] = line.split('|')
      return { cwd: cwd ?? '', args: (args ?? '').split(' '), secretsInEnv: Number(secrets) }
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

/** An Actions cache that answers `outcome`, laying out `restoredTree` on a restore, and records the rest. */
function fakeCache(
  outcome: RestoreOutcome | 'throws',
  restoredTree?: (dir: string) => void
): InstallCache & {
  restores: Array<{ dir: string; key: string }>
  saves: Array<{ dir: string; key: string }>
} {
  const restores: Array<{ dir: string; key: string }> = []
  const saves: Array<{ dir: string; key: string }> = []
  return {
    restores,
    saves,
    restore: async (dir, key) => {
      restores.push({ dir, key })
      if (outcome === 'throws') throw new Error('Key Validation Error: bad key')
      if (outcome === 'restored') restoredTree?.(dir)
      return outcome
    },
    saveAtEnd: (dir, key) => saves.push({ dir, key })
  }
}

let repo: string
let projectPath: string
let lockfileDir: string
let toolCacheDir: string

/** The loader for this case's project, lockfile and tool cache. */
function load(installCache: InstallCache, log = recordingLog()): ReturnType<typeof loadMiniprogramCi> {
  return loadMiniprogramCi({ projectPath, toolCacheDir, lockfileDir, installCache, log })
}

beforeEach(() => {
  caseNumber += 1
  work = path.join(root, `case-${caseNumber}`)
  repo = path.join(work, 'repo')
  projectPath = path.join(repo, 'apps', 'shop')
  mkdirSync(path.join(repo, '.git'), { recursive: true })
  mkdirSync(projectPath, { recursive: true })
  writeFileSync(path.join(projectPath, 'project.config.json'), '{"appid":"wxd000000000000001"}')
  packages = samplePackages(MINIPROGRAM_CI_VERSION)
  lockfileDir = path.join(work, 'lock')
  writeLockfile(lockfileDir, packages)
  toolCacheDir = path.join(work, 'tool-cache')
})

afterEach(() => {
  process.env.PATH = originalPath
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('keys', () => {
  it('keys the tool-cache folder by version and lockfile content', () => {
    const first = toolInstallDir(toolCacheDir, lockfileDir)
    expect(first).toMatch(
      new RegExp(`miniprogram-ci[\\\\/]${MINIPROGRAM_CI_VERSION.replace(/\./g, '\\.')}[\\\\/][0-9a-f]{12}$`)
    )
    writeFileSync(path.join(lockfileDir, 'package-lock.json'), '{"changed":true}')
    expect(toolInstallDir(toolCacheDir, lockfileDir)).not.toBe(first)
  })

  it('keys the Actions cache entry by version, OS, architecture, Node major and lockfile content', () => {
    const key = installCacheKey(lockfileDir, { platform: 'linux', arch: 'x64', nodeVersion: '20.20.2' })
    expect(key).toMatch(
      new RegExp(
        `^miniprogram-ci-${MINIPROGRAM_CI_VERSION.replace(/\./g, '\\.')}-linux-x64-node20-[0-9a-f]{16}$`
      )
    )
    expect(installCacheKey(lockfileDir, { platform: 'linux', arch: 'x64', nodeVersion: '24.1.0' })).toContain(
      '-node24-'
    )
    expect(
      installCacheKey(lockfileDir, { platform: 'darwin', arch: 'arm64', nodeVersion: '20.1.0' })
    ).toContain('-darwin-arm64-node20-')
    writeFileSync(path.join(lockfileDir, 'package-lock.json'), '{"changed":true}')
    expect(installCacheKey(lockfileDir, { platform: 'linux', arch: 'x64', nodeVersion: '20.20.2' })).not.toBe(
      key
    )
  })
})

describe('the project', () => {
  it("uses the project's own miniprogram-ci, found up to the repository root, and warns on another version", async () => {
    projectPackage(repo, '2.1.40', 'project')
    const log = recordingLog()
    const record = installFakeNpm('succeed')
    const cache = fakeCache('not-found')
    const loaded = await load(cache, log)
    expect(loaded.source).toBe('project')
    expect(loaded.version).toBe('2.1.40')
    expect(loaded.resolvedFrom).toBe(path.join(repo, 'node_modules', 'miniprogram-ci'))
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('project')
    expect(log.warnings.join('\n')).toContain(`tested with ${MINIPROGRAM_CI_VERSION}`)
    expect(npmCalls(record)).toEqual([])
    expect(cache.restores).toEqual([])
  })

  it('does not warn when the project pins the same version', async () => {
    projectPackage(projectPath, MINIPROGRAM_CI_VERSION, 'project-exact')
    const log = recordingLog()
    const loaded = await load(fakeCache('not-found'), log)
    expect(loaded.source).toBe('project')
    expect(log.warnings).toEqual([])
  })
})

describe('the tool cache', () => {
  it('ignores a miniprogram-ci above the repository root and uses a tool-cache folder that verifies', async () => {
    projectPackage(work, '1.0.0', 'outside-the-repo')
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    writeInstall(installDir, packages, { skip: OTHER_PLATFORM, marker: 'cache' })
    const record = installFakeNpm('succeed')
    const cache = fakeCache('not-found')
    const log = recordingLog()
    const loaded = await load(cache, log)
    expect(loaded.source).toBe('cache')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('cache')
    expect(loaded.resolvedFrom).toBe(path.join(installDir, 'node_modules', 'miniprogram-ci'))
    expect(npmCalls(record)).toEqual([])
    expect(cache.restores).toEqual([])
    expect(log.warnings).toEqual([])
  })

  it.each([
    [
      'a folder with a complete-marker file only',
      (dir: string) => {
        mkdirSync(dir, { recursive: true })
        writeFileSync(path.join(dir, '.complete'), 'done\n')
      },
      /node_modules is missing/
    ],
    [
      'an interrupted install',
      (dir: string) => {
        writeInstall(dir, packages, { skip: OTHER_PLATFORM, marker: 'half' })
        rmSync(path.join(dir, 'node_modules/request'), { recursive: true })
      },
      /node_modules\/request is missing or not a real folder/
    ],
    [
      'a planted package',
      (dir: string) => {
        writeInstall(dir, packages, { skip: OTHER_PLATFORM, marker: 'planted' })
        mkdirSync(path.join(dir, 'node_modules/electron'))
      },
      /node_modules\/electron is not in the lockfile/
    ]
  ])('replaces %s with a verified install and warns', async (_label, prepare, reason) => {
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    prepare(installDir)
    const record = installFakeNpm('succeed')
    const log = recordingLog()
    const loaded = await load(fakeCache('not-found'), log)
    expect(log.warnings.join('\n')).toMatch(reason)
    expect(log.warnings.join('\n')).toContain('is removed and miniprogram-ci is installed again')
    expect(loaded.source).toBe('installed')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('installed')
    expect(npmCalls(record)).toHaveLength(1)
    expect(existsSync(path.join(installDir, 'node_modules/electron'))).toBe(false)
  })
})

describe('the GitHub Actions cache', () => {
  it('restores into the tool-cache folder, verifies and loads it without installing', async () => {
    const record = installFakeNpm('succeed')
    const cache = fakeCache('restored', (dir) =>
      writeInstall(dir, packages, { skip: OTHER_PLATFORM, marker: 'restored' })
    )
    const log = recordingLog()
    const loaded = await load(cache, log)
    expect(loaded.source).toBe('restored')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('restored')
    expect(cache.restores).toEqual([
      { dir: toolInstallDir(toolCacheDir, lockfileDir), key: installCacheKey(lockfileDir) }
    ])
    expect(cache.saves).toEqual([])
    expect(npmCalls(record)).toEqual([])
    expect(log.warnings).toEqual([])
  })

  it('does not load a restored tree that does not verify: warns, installs and asks for a save', async () => {
    const record = installFakeNpm('succeed')
    const cache = fakeCache('restored', (dir) => {
      writeInstall(dir, packages, { skip: OTHER_PLATFORM, marker: 'tampered' })
      mkdirSync(path.join(dir, 'node_modules/electron'))
    })
    const log = recordingLog()
    const loaded = await load(cache, log)
    expect(log.warnings.join('\n')).toMatch(
      /restored from the GitHub Actions cache .* node_modules\/electron is not in the lockfile/
    )
    expect(loaded.source).toBe('installed')
    expect((loaded.ci as unknown as { marker: string }).marker).toBe('installed')
    expect(npmCalls(record)).toHaveLength(1)
    expect(cache.saves).toHaveLength(1)
  })

  it('installs on a miss and asks the post step to save the install under the key', async () => {
    const record = installFakeNpm('succeed')
    const cache = fakeCache('not-found')
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    const log = recordingLog()
    const loaded = await load(cache, log)

    expect(loaded.source).toBe('installed')
    expect(loaded.version).toBe(MINIPROGRAM_CI_VERSION)
    expect(cache.saves).toEqual([{ dir: installDir, key: installCacheKey(lockfileDir) }])
    expect(log.warnings).toEqual([])
    expect(log.infos.join('\n')).toContain('Installing miniprogram-ci')

    // The next run on this runner finds it in the tool cache: no restore, no install, no save.
    const again = fakeCache('not-found')
    const next = await load(again, recordingLog())
    expect(next.source).toBe('cache')
    expect(again.restores).toEqual([])
    expect(again.saves).toEqual([])
    expect(npmCalls(record)).toHaveLength(1)
  })

  it('warns when the runner has no cache service, installs, and asks for no save', async () => {
    installFakeNpm('succeed')
    const cache = fakeCache('unavailable')
    const log = recordingLog()
    const loaded = await load(cache, log)
    expect(loaded.source).toBe('installed')
    expect(log.warnings).toEqual([expect.stringContaining('cache service is not available on this runner')])
    expect(cache.saves).toEqual([])
  })

  it('warns when the cache cannot be read, installs, and asks for no save', async () => {
    installFakeNpm('succeed')
    const cache = fakeCache('throws')
    const log = recordingLog()
    const loaded = await load(cache, log)
    expect(loaded.source).toBe('installed')
    expect(log.warnings).toEqual([
      expect.stringContaining('could not be read (Key Validation Error: bad key)')
    ])
    expect(cache.saves).toEqual([])
  })
})

describe('the install', () => {
  it('runs npm ci without install scripts, inputs or tokens in a staging folder, verifies it and renames it into place', async () => {
    const record = installFakeNpm('succeed')
    const installDir = toolInstallDir(toolCacheDir, lockfileDir)
    process.env.INPUT_PROXY = 'http://user:secret@proxy.example:8080'
    process.env.ACTIONS_RUNTIME_TOKEN = 'runtime-token'
    try {
      await load(fakeCache('not-found'), recordingLog())
    } finally {
      delete process.env.INPUT_PROXY
      delete process.env.ACTIONS_RUNTIME_TOKEN
    }
    const calls = npmCalls(record)
    expect(calls).toHaveLength(1)
    expect(calls[0]?.args).toEqual(NPM_CI_ARGS)
    expect(NPM_CI_ARGS).toContain('--ignore-scripts')
    // Optional dependencies stay: SWC projects need the native binding.
    expect(NPM_CI_ARGS.join(' ')).not.toMatch(/omit|no-optional/)
    expect(calls[0]?.secretsInEnv).toBe(0)
    expect(path.dirname(calls[0]?.cwd ?? '')).toBe(path.dirname(installDir))
    expect(path.basename(calls[0]?.cwd ?? '')).toMatch(
      new RegExp(`^${path.basename(installDir)}\\.tmp-[0-9a-f]+$`)
    )
    expect(readFileSync(path.join(installDir, 'package-lock.json'), 'utf8')).toBe(
      readFileSync(path.join(lockfileDir, 'package-lock.json'), 'utf8')
    )
    // No staging folder is left next to the install.
    expect(readdirSync(path.dirname(installDir))).toEqual([path.basename(installDir)])
  })

  it('refuses an install that does not match the lockfile and leaves nothing behind', async () => {
    installFakeNpm('plant-extra')
    const error = await load(fakeCache('not-found'), recordingLog()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CiError)
    expect((error as CiError).message).toMatch(/does not match the action's lockfile: node_modules\/electron/)
    expect(readdirSync(path.dirname(toolInstallDir(toolCacheDir, lockfileDir)))).toEqual([])
  })

  it('reports a failed npm ci with its output and leaves nothing behind', async () => {
    const record = installFakeNpm('fail')
    const cache = fakeCache('not-found')
    const error = await load(cache, recordingLog()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CiError)
    expect((error as CiError).kind).toBe('setup')
    expect((error as CiError).message).toContain('E404')
    expect((error as CiError).message).toContain('devDependencies')
    expect(npmCalls(record)).toHaveLength(1)
    expect(cache.saves).toEqual([])
    expect(readdirSync(path.dirname(toolInstallDir(toolCacheDir, lockfileDir)))).toEqual([])
  })

  it('says so when the action was packaged without its lockfile', async () => {
    rmSync(path.join(lockfileDir, 'package-lock.json'))
    await expect(load(fakeCache('not-found'), recordingLog())).rejects.toMatchObject({
      kind: 'setup',
      message: expect.stringContaining('lockfile is missing')
    })
  })
})
