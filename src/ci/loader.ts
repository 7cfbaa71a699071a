/**
 * Finds or installs the pinned miniprogram-ci and loads it. It is never bundled (it forks its
 * compiler by file path) and never fetched unpinned: it comes from the user's project, from the
 * runner's tool cache, or from `npm ci` of the lockfile shipped with the action.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { redact } from '../redact.js'
import { childEnvironment } from './child-env.js'
import { CiError } from './errors.js'
import type { MiniprogramCi } from './types.js'

export const MINIPROGRAM_CI_VERSION = '2.1.42'

/** Written last into an install folder: without it the folder is an interrupted install. */
export const COMPLETE_MARKER = '.complete'

const INSTALL_TIMEOUT_MS = 10 * 60_000

export interface LoaderLog {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export interface LoadOptions {
  /** The folder with project.config.json. */
  projectPath: string
  /** Where installs are cached; defaults to RUNNER_TOOL_CACHE, else the OS temp folder. */
  toolCacheDir?: string | undefined
  /** The folder with the pinned package.json and package-lock.json (dist/miniprogram-ci in the action). */
  lockfileDir: string
  /** Stop looking for the user's own miniprogram-ci here; defaults to the nearest folder with .git. */
  repositoryRoot?: string | undefined
  log: LoaderLog
}

export interface LoadedMiniprogramCi {
  ci: MiniprogramCi
  source: 'project' | 'cache' | 'installed'
  version: string
  /** The miniprogram-ci package folder that was loaded. */
  resolvedFrom: string
  setupMs: number
}

export function defaultToolCacheDir(): string {
  return process.env.RUNNER_TOOL_CACHE || os.tmpdir()
}

function lockfileHash(lockfileDir: string): string {
  const lockfile = path.join(lockfileDir, 'package-lock.json')
  let content: Buffer
  try {
    content = readFileSync(lockfile)
  } catch {
    throw new CiError(
      'setup',
      undefined,
      `The pinned miniprogram-ci lockfile is missing (${lockfile})`,
      'The action was packaged without dist/miniprogram-ci; use a released version of the action.'
    )
  }
  return createHash('sha256').update(content).digest('hex').slice(0, 12)
}

/** `<toolCacheDir>/miniprogram-ci/<version>/<12 hex of sha256(lockfile)>`: one folder per exact tree. */
export function toolInstallDir(toolCacheDir: string, lockfileDir: string): string {
  return path.join(toolCacheDir, 'miniprogram-ci', MINIPROGRAM_CI_VERSION, lockfileHash(lockfileDir))
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

function isComplete(installDir: string): boolean {
  return (
    existsSync(path.join(installDir, COMPLETE_MARKER)) &&
    existsSync(path.join(installDir, 'node_modules', 'miniprogram-ci', 'package.json'))
  )
}

function runNpmCi(cwd: string, log: LoaderLog): Promise<void> {
  const args = ['ci', '--no-audit', '--no-fund', '--loglevel=error']
  return new Promise((resolve, reject) => {
    // npm is npm.cmd on Windows, which only a shell can start.
    const child = spawn('npm', args, {
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

/** Installs the lockfile into a sibling temp folder, marks it complete, then renames it into place. */
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
    if (!existsSync(path.join(staging, 'node_modules', 'miniprogram-ci', 'package.json'))) {
      throw new CiError(
        'setup',
        undefined,
        `npm ci finished but node_modules/miniprogram-ci is missing in ${staging}`,
        'The shipped lockfile does not list miniprogram-ci; use a released version of the action.'
      )
    }
    await writeFile(path.join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`)
    try {
      await rename(staging, installDir)
    } catch (error) {
      // Another job on the same runner finished first; its complete install is as good as ours.
      if (!isComplete(installDir)) {
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

/** Resolves miniprogram-ci (project → tool cache → install) and loads it. Only preview/upload/submit call this. */
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

  const installDir = toolInstallDir(options.toolCacheDir || defaultToolCacheDir(), options.lockfileDir)
  let source: 'cache' | 'installed' = 'cache'
  if (isComplete(installDir)) {
    log.info(`Using miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the tool cache (${installDir}).`)
  } else {
    source = 'installed'
    log.info(
      `Installing miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the action's lockfile into ${installDir} ` +
        '(about 30 s; later runs on this runner reuse it).'
    )
    await install(installDir, options.lockfileDir, log)
  }
  const resolvedFrom = path.join(installDir, 'node_modules', 'miniprogram-ci')
  const version = packageVersion(resolvedFrom)
  const ci = requireFrom(installDir)
  return { ci, source, version, resolvedFrom, setupMs: Date.now() - started }
}
