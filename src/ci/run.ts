/**
 * preview and upload through the pinned miniprogram-ci. Importing this module is cheap: miniprogram-ci
 * (about 2 s and 1,600 modules) is loaded inside runMiniprogramCi, so commands that never compile
 * never pay for it.
 */
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { format } from 'node:util'
import { InputError } from '../errors.js'
import { endingBySignal, exitAfterOutput } from '../log.js'
import { redact, registerProxySecrets } from '../redact.js'
import { enterChildEnvironment } from './child-env.js'
import { systemClock, type CiClock } from './clock.js'
import { CiError, toCiError } from './errors.js'
import { loadMiniprogramCi, type SetupSource } from './loader.js'
import { listDescendants, terminateChildProcesses } from './processes.js'
import {
  removeKeyFoldersNow,
  removeLeftoverKeyFolders,
  resolvePrivateKey,
  writePrivateKeyFile
} from './private-key.js'
import { miniprogramRootPath, readProjectConfig } from './project-config.js'
import type {
  CiProgress,
  CiProject,
  CiUploadResult,
  CompileSettings,
  MiniprogramCi,
  ProjectType
} from './types.js'

export { terminateChildProcesses } from './processes.js'
export { CiError } from './errors.js'
export { MINIPROGRAM_CI_VERSION } from './loader.js'

export interface CiLog {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

export interface CiRunOptions {
  command: 'preview' | 'upload'
  /** The folder with project.config.json. */
  projectPath: string
  /** Defaults to project.config.json's appid. */
  appid?: string
  /** Defaults to project.config.json's compileType. */
  projectType?: ProjectType
  /** PEM text of the code upload key (takes precedence over privateKeyPath). */
  privateKey?: string
  privateKeyPath?: string
  /** CI robot 1–30; uploads under the same robot replace the same development version. */
  robot: number
  version: string
  description: string
  /** Overrides merged over project.config.json's `setting` (as DevTools compiles). */
  compileSettings?: Record<string, unknown>
  /** Build miniprogram_npm first; defaults to true when the mini program root has a package.json. */
  packNpm?: boolean
  proxy?: string
  threads?: number
  /** Preview: where the QR image goes; defaults to `<tempDir>/wechat-preview-<appid>.jpg`. */
  qrcodeOutputPath?: string
  pagePath?: string
  searchQuery?: string
  scene?: number
  /** Default 15 minutes. */
  timeoutMs?: number
  /** Interval of the "still compiling" line; default 15 s. */
  heartbeatMs?: number
  /** RUNNER_TEMP: the private key file and the default QR path live here. */
  tempDir?: string
  toolCacheDir?: string
  lockfileDir: string
  log: CiLog
  /** Time for the timeout, the heartbeat and the duration; the system clock by default. */
  clock?: CiClock
}

export interface CiSizes {
  total?: number
  main?: number
  subpackages: Array<{ name: string; size: number }>
  plugins: Array<{ appid: string; version: string; size: number }>
}

export interface CiResult {
  appid: string
  version: string
  description: string
  robot: number
  sizes: CiSizes
  qrcodePath?: string
  pagePath?: string
  durationMs: number
  setup: { source: SetupSource; version: string; setupMs: number }
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000
const DEFAULT_HEARTBEAT_MS = 15_000
// Names miniprogram-ci gives the whole package and the main package in subpackage_info.
const FULL_PACKAGE = '__FULL__'
const MAIN_PACKAGES = new Set(['__APP__', '__GAME__'])

function validate(options: CiRunOptions): void {
  if (!Number.isInteger(options.robot) || options.robot < 1 || options.robot > 30) {
    throw new InputError('robot', `must be an integer from 1 to 30 (got ${String(options.robot)})`)
  }
  if (options.command === 'upload' && !options.version.trim()) {
    throw new InputError('version', 'must not be empty for upload')
  }
  if (options.proxy !== undefined) {
    registerProxySecrets(options.proxy)
    try {
      new URL(options.proxy)
    } catch {
      throw new InputError('proxy', 'must be a URL such as http://proxy.example:3128')
    }
  }
}

export function mapSizes(result: CiUploadResult): CiSizes {
  const sizes: CiSizes = { subpackages: [], plugins: [] }
  for (const entry of result.subPackageInfo ?? []) {
    if (entry.name === FULL_PACKAGE) sizes.total = entry.size
    else if (MAIN_PACKAGES.has(entry.name)) sizes.main = entry.size
    else sizes.subpackages.push({ name: entry.name, size: entry.size })
  }
  for (const plugin of result.pluginInfo ?? []) {
    sizes.plugins.push({ appid: plugin.pluginProviderAppid, version: plugin.version, size: plugin.size })
  }
  return sizes
}

/** Compile settings as DevTools uses them: the project's own, with explicit overrides on top. */
export function compileSettingsFor(overrides: Record<string, unknown> | undefined): CompileSettings {
  return { useProjectConfig: true, ...(overrides ?? {}) }
}

/**
 * miniprogram-ci prints its own chatter (`[info] …`, `[summer-compiler] …`) with console.*. While a
 * run is active it goes to the debug log, redacted; its warnings stay visible.
 */
/* eslint-disable no-console -- this is the one place that takes over console, on purpose */
function captureConsole(log: CiLog): () => void {
  const methods = ['log', 'info', 'debug', 'warn', 'error'] as const
  const originals = methods.map((name) => console[name])
  let forwarding = false
  methods.forEach((name, index) => {
    const original = originals[index] as (...args: unknown[]) => void
    console[name] = (...args: unknown[]) => {
      // A log sink that itself writes through console must not loop back here.
      if (forwarding) return original(...args)
      forwarding = true
      try {
        // eslint-disable-next-line no-control-regex
        const line = format(...args).replace(/\u001b\[[0-9;]*m/g, '')
        if (line.startsWith('[warn]')) log.info(redact(line))
        else log.debug(redact(line))
      } finally {
        forwarding = false
      }
    }
  })
  return () => {
    methods.forEach((name, index) => {
      console[name] = originals[index] as (typeof console)[typeof name]
    })
  }
}
/* eslint-enable no-console */

class ProgressLog {
  private readonly seen = new Set<string>()
  lastStep = ''

  constructor(private readonly log: CiLog) {}

  readonly update = (progress: CiProgress | string): void => {
    const { message, status } =
      typeof progress === 'string'
        ? { message: progress, status: 'info' }
        : { ...progress, status: progress.status ?? 'info' }
    const text = (message ?? '').trim()
    if (!text) return
    const key = `${status}\u0000${text}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    if (status === 'warn') {
      this.log.warning(redact(`miniprogram-ci: ${text}`))
      return
    }
    // "done" repeats the "doing" line of the same step; only failures add information.
    if (status === 'done') return
    this.lastStep = text
    this.log.info(redact(status === 'fail' ? `failed: ${text}` : text))
  }
}

/**
 * miniprogram-ci starts its compiler in promises nobody awaits: when that start fails (for example
 * the network call inside it), the rejection is unhandled, which would crash the process, and the
 * upload call never settles. During a run such a rejection is the run's failure; after it, the same
 * failure echoing through other promise chains only goes to the debug log.
 */
let activeRun: { fail?: (reason: unknown) => void; log: CiLog } | undefined
let watchingRejections = false

function watchUnhandledRejections(): void {
  if (watchingRejections) return
  watchingRejections = true
  process.on('unhandledRejection', (reason: unknown) => {
    if (activeRun?.fail) {
      activeRun.fail(reason)
      return
    }
    const text = (reason as { message?: unknown } | null)?.message ?? String(reason)
    activeRun?.log.debug(redact(`miniprogram-ci reported after the run ended: ${String(text)}`))
  })
}

function withTimeout<T>(
  work: Promise<T>,
  clock: CiClock,
  timeoutMs: number,
  onTimeout: () => CiError
): Promise<T> {
  // After a timeout the abandoned call may still reject; that must not become an unhandled rejection.
  work.catch(() => undefined)
  let cancel: (() => void) | undefined
  const timeout = new Promise<never>((_, reject) => {
    cancel = clock.after(timeoutMs, () => reject(onTimeout()))
  })
  return Promise.race([work, timeout]).finally(() => cancel?.())
}

/**
 * miniprogram-ci creates its compile cache as a folder named by a hash, relative to the working directory
 * (createSummer.js, ensureCacheDir): in the workspace it would leave an empty folder behind. The compile
 * runs from a folder of its own under the temp dir instead, removed afterwards.
 */
async function enterScratchDirectory(tempDir: string): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(path.join(tempDir, SCRATCH_FOLDER_PREFIX))
  const previous = process.cwd()
  process.chdir(scratch)
  activeScratch = scratch
  return async () => {
    process.chdir(previous)
    activeScratch = undefined
    await rm(scratch, { recursive: true, force: true })
  }
}

/** The compile's working folder (not a key folder: those are `wechat-ci-*`). */
export const SCRATCH_FOLDER_PREFIX = 'miniprogram-ci-cwd-'
let activeScratch: string | undefined

/** Removes the compile's working folder now, synchronously: for the signal handler. */
function removeScratchNow(): void {
  if (activeScratch === undefined) return
  try {
    process.chdir(os.tmpdir())
    rmSync(activeScratch, { recursive: true, force: true })
  } catch {
    // Exiting anyway; RUNNER_TEMP is emptied at the end of the job.
  }
  activeScratch = undefined
}

async function packNpmIfNeeded(
  ci: MiniprogramCi,
  project: CiProject,
  rootPath: string,
  requested: boolean | undefined,
  log: CiLog
): Promise<void> {
  const hasPackageJson = existsSync(path.join(rootPath, 'package.json'))
  const enabled = requested ?? hasPackageJson
  if (!enabled) return
  if (!hasPackageJson) {
    throw new InputError(
      'pack-npm',
      `is on but ${rootPath} has no package.json to build miniprogram_npm from`
    )
  }
  if (!existsSync(path.join(rootPath, 'node_modules'))) {
    throw new InputError(
      'pack-npm',
      `needs the mini program's dependencies installed: run npm ci in ${rootPath} before this step (or set pack-npm: false)`
    )
  }
  log.info('Building miniprogram_npm from the installed npm dependencies (构建 npm).')
  const warnings = await ci.packNpm(project, {
    reporter: (message) => log.debug(redact(typeof message === 'string' ? message : JSON.stringify(message)))
  })
  for (const warning of warnings.slice(0, 20)) {
    log.warning(
      redact(
        `pack-npm: ${warning.jsPath ?? ''}${warning.startLine ? `:${warning.startLine}` : ''} ${warning.msg ?? ''}`.trim()
      )
    )
  }
}

/**
 * A cancelled job gets SIGINT, then SIGTERM (the runner's cancellation). The first one during a run
 * removes the key file at once, ends miniprogram-ci's processes and exits with 128 + the signal's number;
 * from then on the handlers stay, so a second signal cannot cut the clean-up short.
 * Returns the function that takes the handlers off again (after a run that was not stopped).
 */
function stopOnSignal(log: CiLog, except: Set<number>): () => void {
  let stopping = false
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    removeKeyFoldersNow()
    removeScratchNow()
    const code = endingBySignal(os.constants.signals[signal] ?? os.constants.signals.SIGTERM)
    log.warning(`Stopped by ${signal}: the upload key is removed; ending miniprogram-ci's processes.`)
    void terminateChildProcesses({ except, graceMs: 1000 })
      .catch(() => undefined)
      .then(() => exitAfterOutput(code))
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']
  for (const signal of signals) process.on(signal, handler)
  return () => {
    if (stopping) return
    for (const signal of signals) process.off(signal, handler)
  }
}

/** Compiles the project with miniprogram-ci and uploads it (upload) or gets a preview QR code (preview). */
export async function runMiniprogramCi(options: CiRunOptions): Promise<CiResult> {
  const clock = options.clock ?? systemClock
  const started = clock.now()
  const { log, command } = options
  validate(options)
  const projectPath = path.resolve(options.projectPath)
  const config = readProjectConfig(projectPath)
  const appid = options.appid ?? config.appid
  if (!appid) {
    throw new InputError('appid', 'is required: set it or put "appid" in project.config.json')
  }
  const projectType = options.projectType ?? config.projectType
  if (config.packIgnore.length > 0) {
    log.debug(
      `project.config.json packOptions.ignore: ${config.packIgnore.length} rule(s), applied by miniprogram-ci`
    )
  }
  const pem = await resolvePrivateKey({
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    ...(options.privateKeyPath !== undefined ? { privateKeyPath: options.privateKeyPath } : {})
  })
  const tempDir = path.resolve(options.tempDir || process.env.RUNNER_TEMP || os.tmpdir())
  const errorContext = { command, appid, proxy: options.proxy ? redact(options.proxy) : undefined }

  let loaded: Awaited<ReturnType<typeof loadMiniprogramCi>>
  try {
    loaded = await loadMiniprogramCi({
      projectPath,
      toolCacheDir: options.toolCacheDir,
      lockfileDir: options.lockfileDir,
      log
    })
  } catch (error) {
    throw toCiError(error, errorContext)
  }
  const { ci } = loaded
  watchUnhandledRejections()
  const setup = { source: loaded.source, version: loaded.version, setupMs: loaded.setupMs }
  log.info(
    `miniprogram-ci ${loaded.version} ready (${loaded.source}, ${(loaded.setupMs / 1000).toFixed(1)} s).`
  )

  const qrcodePath =
    command === 'preview'
      ? path.resolve(options.qrcodeOutputPath ?? path.join(tempDir, `wechat-preview-${appid}.jpg`))
      : undefined
  const pagePath = options.pagePath
    ? `${options.pagePath}${options.searchQuery ? `?${options.searchQuery}` : ''}`
    : undefined

  const existingChildren = new Set(await listDescendants())
  const leftovers = await removeLeftoverKeyFolders(tempDir)
  if (leftovers.length > 0) {
    log.info(
      `Removed ${leftovers.length} upload key folder(s) that an earlier, killed run left in ${tempDir}.`
    )
  }
  const stopSignals = stopOnSignal(log, existingChildren)
  let keyFile: Awaited<ReturnType<typeof writePrivateKeyFile>>
  try {
    keyFile = await writePrivateKeyFile(pem, tempDir)
  } catch (error) {
    stopSignals()
    throw error
  }
  const progress = new ProgressLog(log)
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const insideFailure = new Promise<never>((_, reject) => {
    activeRun = { fail: reject, log }
  })
  insideFailure.catch(() => undefined)
  let restoreConsole: (() => void) | undefined
  let restoreEnvironment: (() => void) | undefined
  let stopHeartbeat: (() => void) | undefined
  let leaveScratchDirectory: (() => Promise<void>) | undefined
  let groupOpen = false
  try {
    log.startGroup(`miniprogram-ci: compile and ${command}`)
    groupOpen = true
    stopHeartbeat = clock.every(heartbeatMs, () => {
      const elapsed = Math.round((clock.now() - started) / 1000)
      log.info(
        redact(
          `… still working (${elapsed} s elapsed${progress.lastStep ? `; last step: ${progress.lastStep}` : ''})`
        )
      )
    })
    restoreConsole = captureConsole(log)
    leaveScratchDirectory = await enterScratchDirectory(tempDir)
    if (options.proxy) ci.proxy(options.proxy)

    // The compiler is forked from process.env: it gets the child environment, without inputs or tokens.
    restoreEnvironment = enterChildEnvironment()
    const work = (async () => {
      const project = new ci.Project({
        projectPath,
        type: projectType,
        appid,
        privateKeyPath: keyFile.path
      })
      // The compiler would fetch these inside a promise nobody awaits; fetched here first, a network
      // or key failure surfaces as this call's error and the compiler reuses the cached value.
      await project.attr()
      await packNpmIfNeeded(ci, project, miniprogramRootPath(projectPath, config), options.packNpm, log)
      const common = {
        project,
        version: options.version,
        desc: options.description,
        robot: options.robot,
        setting: compileSettingsFor(options.compileSettings),
        onProgressUpdate: progress.update,
        ...(options.threads ? { threads: options.threads } : {})
      }
      if (command === 'upload') return ci.upload(common)
      if (qrcodePath) await mkdir(path.dirname(qrcodePath), { recursive: true })
      return ci.preview({
        ...common,
        qrcodeFormat: 'image',
        qrcodeOutputDest: qrcodePath as string,
        ...(options.pagePath ? { pagePath: options.pagePath } : {}),
        ...(options.searchQuery ? { searchQuery: options.searchQuery } : {}),
        ...(options.scene ? { scene: options.scene } : {})
      })
    })()

    let result: CiUploadResult
    try {
      result = await withTimeout(
        Promise.race([work, insideFailure]),
        clock,
        timeoutMs,
        () =>
          new CiError(
            'timeout',
            undefined,
            `miniprogram-ci ${command} did not finish within ${Math.round(timeoutMs / 1000)} s` +
              (progress.lastStep ? ` (last step: ${progress.lastStep})` : ''),
            'Large projects compile for minutes on two cores: raise ci-timeout-minutes, or check the network to servicewechat.com if the compile had finished.'
          )
      )
    } catch (error) {
      if (error instanceof InputError) throw error
      throw toCiError(error, errorContext)
    }

    const sizes = mapSizes(result)
    return {
      appid,
      version: options.version,
      description: options.description,
      robot: options.robot,
      sizes,
      ...(qrcodePath ? { qrcodePath } : {}),
      ...(pagePath ? { pagePath } : {}),
      durationMs: clock.now() - started,
      setup
    }
  } finally {
    restoreEnvironment?.()
    activeRun = { log }
    stopHeartbeat?.()
    // The compiler outlives failures and timeouts; end it (and its workers) whatever happened.
    const ended = await terminateChildProcesses({ except: existingChildren })
    if (ended.length > 0) log.debug(`Ended ${ended.length} miniprogram-ci process(es): ${ended.join(', ')}`)
    await leaveScratchDirectory?.()
    restoreConsole?.()
    if (groupOpen) log.endGroup()
    await keyFile.dispose()
    stopSignals()
  }
}
