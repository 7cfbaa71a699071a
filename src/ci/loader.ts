/**
 * Finds or installs the pinned miniprogram-ci and loads it. It is never bundled (it forks its compiler by
 * file path) and never fetched unpinned. In order:
 *
 * 1. the user's project (its own node_modules, up to the repository root): the user's choice;
 * 2. the runner's tool cache, when the folder verifies against the action's lockfile;
 * 3. the GitHub Actions cache (hosted runners start every job with an empty tool cache), verified the same way;
 * 4. `npm ci --ignore-scripts` of the lockfile shipped with the action, into the tool cache; the post step
 *    then saves it to the Actions cache for the next job.
 *
 * Nothing from 2–4 is loaded before verifyInstall has compared it with the lockfile.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { redact } from '../redact.js'
import { childEnvironment } from './child-env.js'
import { CiError } from './errors.js'
import type { InstallCache } from './install-cache.js'
import type { MiniprogramCi } from './types.js'
import { verifyInstall, type Verification } from './verify-install.js'

export const MINIPROGRAM_CI_VERSION = '2.1.42'

const INSTALL_TIMEOUT_MS = 10 * 60_000

/**
 * npm's arguments. Install scripts are not run: five packages of the tree have one (@parcel/watcher,
 * @swc/core, core-js, less, protobufjs), none changes a file miniprogram-ci uses, and the official demo
 * uploads byte for byte the same package either way (`npm run bench -- --only=scripts`). Optional
 * dependencies stay: SWC projects need the native binding.
 */
export const NPM_CI_ARGS = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']

export interface LoaderLog {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export interface LoadOptions {
  /** The folder with project.config.json. */
  projectPath: string
  /** Where installs are kept; defaults to RUNNER_TOOL_CACHE, else the OS temp folder. */
  toolCacheDir?: string | undefined
  /** The folder with the pinned package.json and package-lock.json (dist/miniprogram-ci in the action). */
  lockfileDir: string
  /** Stop looking for the user's own miniprogram-ci here; defaults to the nearest folder with .git. */
  repositoryRoot?: string | undefined
  /** The GitHub Actions cache; defaults to the runner's (loaded only when an install is missing). */
  installCache?: InstallCache | undefined
  log: LoaderLog
}

export type SetupSource = 'project' | 'cache' | 'restored' | 'installed'

export interface LoadedMiniprogramCi {
  ci: MiniprogramCi
  /** project: the user's; cache: the runner's tool cache; restored: the Actions cache; installed: npm ci. */
  source: SetupSource
  version: string
  /** The miniprogram-ci package folder that was loaded. */
  resolvedFrom: string
  setupMs: number
}

export function defaultToolCacheDir(): string {
  return process.env.RUNNER_TOOL_CACHE || os.tmpdir()
}

function readLockfile(lockfileDir: string): Buffer {
  const lockfile = path.join(lockfileDir, 'package-lock.json')
  try {
    return readFileSync(lockfile)
  } catch {
    throw new CiError(
      'setup',
      undefined,
      `The pinned miniprogram-ci lockfile is missing (${lockfile})`,
      'The action was packaged without dist/miniprogram-ci; use a released version of the action.'
    )
  }
}

function lockfileHash(lockfileDir: string, length: number): string {
  return createHash('sha256').update(readLockfile(lockfileDir)).digest('hex').slice(0, length)
}

/** `<toolCacheDir>/miniprogram-ci/<version>/<12 hex of sha256(lockfile)>`: one folder per exact tree. */
export function toolInstallDir(toolCacheDir: string, lockfileDir: string): string {
  return path.join(toolCacheDir, 'miniprogram-ci', MINIPROGRAM_CI_VERSION, lockfileHash(lockfileDir, 12))
}

/**
 * `miniprogram-ci-2.1.42-linux-x64-node20-<16 hex of sha256(lockfile)>`: one Actions cache entry per exact
 * tree on one OS, architecture and Node major (npm installs a different native binding for each platform).
 */
export function installCacheKey(
  lockfileDir: string,
  runtime: { platform: string; arch: string; nodeVersion: string } = {
    platform: process.platform,
    arch: process.arch,
    nodeVersion: process.versions.node
  }
): string {
  const nodeMajor = runtime.nodeVersion.split('.')[0] ?? '0'
  return `miniprogram-ci-${MINIPROGRAM_CI_VERSION}-${runtime.platform}-${runtime.arch}-node${nodeMajor}-${lockfileHash(lockfileDir, 16)}`
}

/** Verifies an install folder against the lockfile in `lockfileDir`. */
export function verifyAgainstLockfile(installDir: string, lockfileDir: string): Verification {
  let lockfile: unknown
  try {
    lockfile = JSON.parse(readLockfile(lockfileDir).toString('utf8')) as unknown
  } catch (error) {
    if (error instanceof CiError) throw error
    return { ok: false, reason: 'the shipped lockfile is not valid JSON' }
  }
  return verifyInstall(installDir, lockfile)
}

/** Folders from the project up to the repository root (inclusive), nearest first. */
function searchFolders(projectPath: string, repositoryRoot: string | undefined): string[] {
  const start = path.resolve(projectPath)
  let stop = repositoryRoot ? path.resolve(repositoryRoot) : undefined
  if (!stop) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, '.git'))) {
        stop = dir
        break
      }
      if (path.dirname(dir) === dir) break
    }
  }
  const folders = [start]
  if (!stop || path.relative(stop, start).startsWith('..')) return folders
  for (let dir = start; dir !== stop && path.dirname(dir) !== dir;) {
    dir = path.dirname(dir)
    folders.push(dir)
  }
  return folders
}

function packageVersion(packageDir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      version?: unknown
    }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

function requireFrom(folder: string): MiniprogramCi {
  return createRequire(path.join(folder, 'package.json'))('miniprogram-ci') as MiniprogramCi
}

function findInProject(projectPath: string, repositoryRoot: string | undefined): string | undefined {
  for (const folder of searchFolders(projectPath, repositoryRoot)) {
    if (existsSync(path.join(folder, 'node_modules', 'miniprogram-ci', 'package.json'))) return folder
  }
  return undefined
}

function runNpmCi(cwd: string, log: LoaderLog): Promise<void> {
  return new Promise((resolve, reject) => {
    // npm is npm.cmd on Windows, which only a shell can start.
    const child = spawn('npm', NPM_CI_ARGS, {
      cwd,
      // No inputs or tokens for npm and the install scripts it runs.
      env: childEnvironment(process.env, { npm: true }),
      shell: process.platform === 'win32',
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(
        new CiError(
          'setup',
          undefined,
          `Could not start npm to install miniprogram-ci ${MINIPROGRAM_CI_VERSION}: ${error.message}`,
          "npm must be on PATH (it is on GitHub-hosted runners), or add miniprogram-ci to the project's devDependencies."
        )
      )
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) {
        log.debug(redact(output.trim()))
        resolve()
        return
      }
      reject(
        new CiError(
          'setup',
          undefined,
          `npm ci of miniprogram-ci ${MINIPROGRAM_CI_VERSION} failed (${signal ? `killed by ${signal}` : `exit code ${code}`}): ${redact(output.trim().slice(-2000))}`,
          'Check the runner can reach the npm registry (or its configured mirror), or add miniprogram-ci@' +
            `${MINIPROGRAM_CI_VERSION} to the project's devDependencies and install it before this step.`
        )
      )
    })
  })
}

/** Installs the lockfile into a sibling temp folder, verifies it, then renames it into place. */
async function install(installDir: string, lockfileDir: string, log: LoaderLog): Promise<void> {
  const parent = path.dirname(installDir)
  await mkdir(parent, { recursive: true })
  const staging = `${installDir}.tmp-${randomBytes(6).toString('hex')}`
  await mkdir(staging, { recursive: true })
  try {
    for (const file of ['package.json', 'package-lock.json']) {
      await copyFile(path.join(lockfileDir, file), path.join(staging, file))
    }
    await runNpmCi(staging, log)
    const verified = verifyAgainstLockfile(staging, lockfileDir)
    if (!verified.ok) {
      throw new CiError(
        'setup',
        undefined,
        `npm ci finished but the installed tree does not match the action's lockfile: ${verified.reason}`,
        'Check the npm configuration of the runner (a registry mirror must serve the exact packages), or add ' +
          `miniprogram-ci@${MINIPROGRAM_CI_VERSION} to the project's devDependencies.`
      )
    }
    try {
      await rename(staging, installDir)
    } catch (error) {
      // Another job on the same runner finished first; its install is as good as ours if it verifies.
      if (!verifyAgainstLockfile(installDir, lockfileDir).ok) {
        await rm(installDir, { recursive: true, force: true })
        await rename(staging, installDir)
      } else {
        log.debug(`Using the install another run completed first (${(error as Error).message}).`)
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** A folder that does not verify is removed, with the reason, so that it is replaced. */
async function discardUnverified(
  installDir: string,
  where: string,
  reason: string,
  log: LoaderLog
): Promise<void> {
  log.warning(
    `The miniprogram-ci ${where} (${installDir}) is not used: ${reason}. It does not match the action's ` +
      'lockfile, so it is removed and miniprogram-ci is installed again.'
  )
  await rm(installDir, { recursive: true, force: true })
}

async function defaultInstallCache(): Promise<InstallCache> {
  return (await import('./install-cache.js')).actionsInstallCache
}

/** Resolves miniprogram-ci (project → tool cache → Actions cache → install) and loads it. Only preview/upload/submit call this. */
export async function loadMiniprogramCi(options: LoadOptions): Promise<LoadedMiniprogramCi> {
  const started = Date.now()
  const { log } = options

  const projectFolder = findInProject(options.projectPath, options.repositoryRoot)
  if (projectFolder) {
    const resolvedFrom = path.join(projectFolder, 'node_modules', 'miniprogram-ci')
    const version = packageVersion(resolvedFrom)
    if (version !== MINIPROGRAM_CI_VERSION) {
      log.warning(
        `Using miniprogram-ci ${version} from the project (${resolvedFrom}); this action is tested with ${MINIPROGRAM_CI_VERSION}. ` +
          `Pin "miniprogram-ci": "${MINIPROGRAM_CI_VERSION}" in the project, or remove it to let the action install its own.`
      )
    } else {
      log.info(`Using miniprogram-ci ${version} from the project (${resolvedFrom}).`)
    }
    const ci = requireFrom(projectFolder)
    return { ci, source: 'project', version, resolvedFrom, setupMs: Date.now() - started }
  }

  const { lockfileDir } = options
  const installDir = toolInstallDir(options.toolCacheDir || defaultToolCacheDir(), lockfileDir)
  const source = await provideInstall(installDir, lockfileDir, options)
  const resolvedFrom = path.join(installDir, 'node_modules', 'miniprogram-ci')
  const version = packageVersion(resolvedFrom)
  const ci = requireFrom(installDir)
  return { ci, source, version, resolvedFrom, setupMs: Date.now() - started }
}

/** Makes `installDir` hold a verified install and says where it came from. */
async function provideInstall(
  installDir: string,
  lockfileDir: string,
  options: LoadOptions
): Promise<Exclude<SetupSource, 'project'>> {
  const { log } = options
  const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`
  if (existsSync(installDir)) {
    const verifying = Date.now()
    const verified = verifyAgainstLockfile(installDir, lockfileDir)
    if (verified.ok) {
      log.info(
        `Using miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the tool cache (${installDir}; verified in ${seconds(verifying)}).`
      )
      return 'cache'
    }
    await discardUnverified(installDir, 'in the tool cache', verified.reason, log)
  }

  const key = installCacheKey(lockfileDir)
  let cache: InstallCache | undefined
  try {
    cache = options.installCache ?? (await defaultInstallCache())
    const restoring = Date.now()
    const outcome = await cache.restore(installDir, key)
    if (outcome === 'restored') {
      const restored = seconds(restoring)
      const verifying = Date.now()
      const verified = verifyAgainstLockfile(installDir, lockfileDir)
      if (verified.ok) {
        log.info(
          `Using miniprogram-ci ${MINIPROGRAM_CI_VERSION} restored from the GitHub Actions cache (${key}; ` +
            `downloaded and extracted in ${restored}, verified in ${seconds(verifying)}).`
        )
        return 'restored'
      }
      await discardUnverified(installDir, 'restored from the GitHub Actions cache', verified.reason, log)
    } else if (outcome === 'unavailable') {
      log.warning(
        'The GitHub Actions cache service is not available on this runner, so miniprogram-ci is installed ' +
          'with npm (about 30 s) and not cached for the next job.'
      )
      cache = undefined
    }
  } catch (error) {
    log.warning(
      `The GitHub Actions cache could not be read (${redact((error as Error).message)}); miniprogram-ci is installed with npm instead.`
    )
    cache = undefined
    // A partly extracted folder must not be mistaken for an install.
    await rm(installDir, { recursive: true, force: true })
  }

  log.info(
    `Installing miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the action's lockfile into ${installDir} ` +
      '(about 30 s; later jobs restore it from the cache).'
  )
  await install(installDir, lockfileDir, log)
  cache?.saveAtEnd(installDir, key)
  return 'installed'
}
