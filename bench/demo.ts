/**
 * The official demo (wechat-miniprogram/miniprogram-demo: about 4,000 files uploaded, miniprogram_npm
 * built from its npm dependencies) through the action, when MP_DEMO_DIR points at a prepared checkout:
 *
 * - `demo`: setup restored from the Actions cache as a hosted runner does it, and the upload through the
 *   action against miniprogram-ci called directly with the same project, proxy and settings;
 * - `scripts`: the upload made with an install of the lockfile without install scripts (what the action
 *   runs) against one made with them (npm 10, as GitHub-hosted runners' npm runs them), package by package.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CiUpload } from '../emulator/servicewechat.js'
import { toolInstallDir, verifyAgainstLockfile } from '../src/ci/loader.js'
import { ACTION_LOCKFILE_DIR, preparedInstall } from '../test-support/miniprogram-ci-install.js'
import { repoRoot, type ActionRun, type RunActionOptions } from '../test-support/run-action.js'
import { startWorld, type World } from '../test-support/world.js'
import { cachedSetupRow, keptToolCache, measureCachedSetup, setupOf, summarizeCachedSetup } from './setup.js'
import { median, ms, note, type Row } from './stats.js'

export const DEMO_PREPARATION = [
  'MP_DEMO_DIR is not set, so the official-demo rows are skipped. To prepare a checkout outside this repository:',
  '  git clone --recurse-submodules https://github.com/wechat-miniprogram/miniprogram-demo.git ../mp-demo',
  '  (cd ../mp-demo/miniprogram && npm install --omit=dev)',
  'then: MP_DEMO_DIR=../mp-demo npm run bench -- --only=demo   (add ,scripts for the install-scripts comparison)'
].join('\n')

/** Why `dir` is not a prepared checkout of the demo, or undefined when it is. */
export function demoCheckoutProblem(dir: string): string | undefined {
  if (!existsSync(path.join(dir, 'project.config.json'))) return `${dir} has no project.config.json`
  if (!existsSync(path.join(dir, 'miniprogram', 'node_modules'))) {
    return `${dir}/miniprogram has no node_modules: run npm install --omit=dev there`
  }
  if (!path.relative(repoRoot, path.resolve(dir)).startsWith('..'))
    return `${dir} must be outside this repository`
  return undefined
}

interface DemoWorld {
  world: World
  devKey: string
  /** Every package the servicewechat.com fake received, in order. */
  uploads: CiUpload[]
  close(): Promise<void>
}

async function demoWorld(): Promise<DemoWorld> {
  const uploads: CiUpload[] = []
  const world = await startWorld({ onCiUpload: (upload) => uploads.push(upload) })
  const credentials = world.emulator.credentials
  const devKey = credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem ?? ''
  return { world, devKey, uploads, close: () => world.close() }
}

function uploadInputs(demo: DemoWorld, version: string): Record<string, string> {
  return {
    command: 'upload',
    'project-path': '.',
    // The emulator's development mini program stands in for the demo's own appid.
    appid: demo.world.emulator.credentials.devAppid,
    'private-key': demo.devKey,
    proxy: demo.world.servicewechat.proxyUrl,
    version,
    'github-token': 'ghs_bench_token_0123456789'
  }
}

function uploadThroughAction(
  demo: DemoWorld,
  dir: string,
  version: string,
  job: Partial<RunActionOptions>
): Promise<ActionRun> {
  return demo.world.run({
    inputs: uploadInputs(demo, version),
    eventName: 'push',
    ref: 'refs/heads/main',
    workspace: dir,
    timeoutMs: 20 * 60_000,
    ...job
  })
}

/** miniprogram-ci called directly on the demo (bench/direct-ci.mjs), spawn to exit. */
async function uploadDirectly(
  demo: DemoWorld,
  dir: string,
  version: string,
  scratch: string
): Promise<{ ms: number; ok: boolean }> {
  const keyFile = path.join(scratch, 'upload.key')
  writeFileSync(keyFile, demo.devKey, { mode: 0o600 })
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bench/direct-ci.mjs'),
      JSON.stringify({
        command: 'upload',
        projectPath: dir,
        appid: demo.world.emulator.credentials.devAppid,
        privateKeyPath: keyFile,
        proxy: demo.world.servicewechat.proxyUrl,
        version,
        desc: `bench direct ${version}`,
        packNpm: true
      })
    ],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_EXTRA_CA_CERTS: demo.world.servicewechat.caCertPath
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { ms: performance.now() - started, ok: code === 0 && output.includes('"ok":true') }
}

function fileCount(upload: CiUpload | undefined): string {
  if (!upload) return 'no upload'
  const bytes = [...upload.files.values()].reduce((total, data) => total + data.length, 0)
  return `${upload.files.size.toLocaleString('en-US')} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB uploaded`
}

export async function benchDemo(
  dir: string,
  runs: number,
  rows: Row[],
  raw: Record<string, unknown>
): Promise<void> {
  const demo = await demoWorld()
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-demo-'))
  try {
    let version = 0
    const cached = await measureCachedSetup(
      (job) => uploadThroughAction(demo, dir, `1.0.${version++}`, job),
      runs,
      [demo.world.servicewechat.caCertPath],
      dir
    )
    rows.push(cachedSetupRow('official demo, restored from the Actions cache (hosted runners)', cached))

    const kept = await keptToolCache()
    const throughAction: ActionRun[] = []
    const direct: Array<{ ms: number; ok: boolean }> = []
    try {
      for (let i = 0; i < runs; i++) {
        throughAction.push(await uploadThroughAction(demo, dir, `1.1.${i}`, { toolCache: kept.toolCache }))
        direct.push(await uploadDirectly(demo, dir, `1.2.${i}`, scratch))
      }
    } finally {
      kept.dispose()
    }
    const actionMs = median(throughAction.map((run) => run.durationMs))
    const directMs = median(direct.map((run) => run.ms))
    const failed =
      throughAction.filter((run) => run.exitCode !== 0).length + direct.filter((run) => !run.ok).length
    rows.push({
      measure: 'Official demo: upload through the action vs miniprogram-ci directly',
      value: `${ms(actionMs)} vs ${ms(directMs)} (×${(actionMs / directMs).toFixed(2)})`,
      n: runs,
      notes: note(
        fileCount(demo.uploads.at(-1)),
        'action with miniprogram-ci in a kept tool cache (verified each run); both build miniprogram_npm',
        `setup ${ms(median(throughAction.flatMap((run) => setupOf(run)?.ms ?? [])))}`,
        failed > 0 ? `${failed} runs failed` : ''
      )
    })
    raw.demo = {
      cachedSetup: summarizeCachedSetup(cached),
      throughAction: throughAction.map((run) => ({
        wallMs: run.durationMs,
        exitCode: run.exitCode,
        setup: setupOf(run)
      })),
      direct
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
    await demo.close()
  }
}

/** `npm ci` of the lockfile with its install scripts run, as npm 10 (GitHub-hosted runners' npm) does; made once. */
async function installWithScripts(): Promise<{ dir: string; scriptsRun: string[] }> {
  const hash = createHash('sha256')
    .update(readFileSync(path.join(ACTION_LOCKFILE_DIR, 'package-lock.json')))
    .digest('hex')
    .slice(0, 16)
  const dir = path.join(os.tmpdir(), 'wechat-action-miniprogram-ci', `${hash}-with-scripts`)
  const logFile = path.join(dir, 'install-scripts.log')
  if (!existsSync(logFile) || !verifyAgainstLockfile(dir, ACTION_LOCKFILE_DIR).ok) {
    const staging = `${dir}.tmp-${randomBytes(6).toString('hex')}`
    mkdirSync(staging, { recursive: true })
    for (const file of ['package.json', 'package-lock.json'])
      cpSync(path.join(ACTION_LOCKFILE_DIR, file), path.join(staging, file))
    const output = execFileSync(
      'npx',
      ['-y', 'npm@10.8.2', 'ci', '--no-audit', '--no-fund', '--foreground-scripts'],
      {
        cwd: staging,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024
      }
    )
    writeFileSync(path.join(staging, 'install-scripts.log'), output)
    rmSync(dir, { recursive: true, force: true })
    renameSync(staging, dir)
  }
  // npm prints "> <package>@<version> <script>" before each script it runs.
  const scriptsRun = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => /^> \S+@\S+ (preinstall|install|postinstall)$/.test(line))
    .map((line) => line.slice(2))
  return { dir, scriptsRun }
}

/** Relative path → sha256 of every file under `dir`, npm's own record excepted. */
function treeDigest(dir: string): Map<string, string> {
  const digests = new Map<string, string>()
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (entry.isFile() && child !== path.join('node_modules', '.package-lock.json')) {
        digests.set(
          child,
          createHash('sha256')
            .update(readFileSync(path.join(dir, child)))
            .digest('hex')
        )
      }
    }
  }
  walk('node_modules')
  return digests
}

/**
 * miniprogram-ci's npm build numbers the modules of a multi-file package from the clock
 * (`__DEFINE__(1795961662702, …)`, in the uploaded, minified file `(e={})[1795961662702]=`), so two builds
 * of the same sources differ there; numbered from the file's first id they compare equal.
 */
function withStableModuleIds(name: string, data: Buffer): Buffer {
  if (!/^miniprogram_npm\/.*\.js$/.test(name)) return data
  const text = data.toString('utf8')
  const ids = [...text.matchAll(/\b\d{13}\b/g)].map((match) => Number(match[0]))
  if (ids.length === 0) return data
  const first = Math.min(...ids)
  return Buffer.from(text.replace(/\b\d{13}\b/g, (id) => `module${Number(id) - first}`))
}

function comparable(files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].map(([name, data]) => [name, withStableModuleIds(name, data)]))
}

function differences(
  a: Map<string, string | Buffer>,
  b: Map<string, string | Buffer>,
  ignore: (name: string) => boolean
): string[] {
  const names = new Set([...a.keys(), ...b.keys()])
  return [...names].filter((name) => !ignore(name) && !equal(a.get(name), b.get(name))).sort()
}

function equal(a: string | Buffer | undefined, b: string | Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b
}

/** Where two versions of a file first differ, with a little of each around it. */
function firstDifference(
  name: string,
  a: Buffer | undefined,
  b: Buffer | undefined
): Record<string, unknown> {
  if (!a || !b) return { name, missing: a ? 'with scripts' : 'without scripts' }
  let at = 0
  while (at < a.length && at < b.length && a[at] === b[at]) at++
  const around = (data: Buffer): string => data.subarray(Math.max(0, at - 60), at + 60).toString('utf8')
  return { name, at, sizes: [a.length, b.length], withoutScripts: around(a), withScripts: around(b) }
}

export async function benchIgnoreScripts(
  dir: string,
  rows: Row[],
  raw: Record<string, unknown>
): Promise<void> {
  const withoutScripts = await preparedInstall()
  const withScripts = await installWithScripts()
  const treeDiff = differences(treeDigest(withoutScripts), treeDigest(withScripts.dir), () => false)

  const demo = await demoWorld()
  const uploads: Record<'withoutScripts' | 'withScripts', CiUpload | undefined> = {
    withoutScripts: undefined,
    withScripts: undefined
  }
  const runs: ActionRun[] = []
  try {
    for (const [label, tree] of [
      ['withoutScripts', withoutScripts],
      ['withScripts', withScripts.dir]
    ] as const) {
      const toolCache = mkdtempSync(path.join(os.tmpdir(), 'bench-scripts-tool-cache-'))
      try {
        const target = toolInstallDir(toolCache, path.join(repoRoot, 'dist/miniprogram-ci'))
        mkdirSync(path.dirname(target), { recursive: true })
        execFileSync('cp', ['-al', tree, target])
        const before = demo.uploads.length
        runs.push(
          await uploadThroughAction(demo, dir, label === 'withScripts' ? '2.0.1' : '2.0.0', { toolCache })
        )
        uploads[label] = demo.uploads[before]
      } finally {
        rmSync(toolCache, { recursive: true, force: true })
      }
    }
  } finally {
    await demo.close()
  }
  // /ci.signature signs a fresh random string per upload; everything else must be the same bytes.
  const packageDiff =
    uploads.withoutScripts && uploads.withScripts
      ? differences(comparable(uploads.withoutScripts.files), comparable(uploads.withScripts.files), (name) =>
          /(^|\/)ci\.signature$/.test(name)
        )
      : ['(an upload is missing)']
  const failed = runs.filter((run) => run.exitCode !== 0).length
  rows.push({
    measure:
      'Official demo: upload with `npm ci --ignore-scripts` vs an install that ran the install scripts (npm 10)',
    value:
      failed === 0 && packageDiff.length === 0 ? 'identical package' : `${packageDiff.length} files differ`,
    n: 1,
    notes: note(
      fileCount(uploads.withoutScripts),
      "/ci.signature excepted (a fresh signature per upload); miniprogram_npm module ids numbered from each file's first (miniprogram-ci takes them from the clock)",
      `scripts run by npm 10: ${withScripts.scriptsRun.join(', ') || 'none'}`,
      `installed trees: ${treeDiff.length === 0 ? 'identical files' : `${treeDiff.length} files differ (${treeDiff.slice(0, 5).join(', ')})`}`,
      failed > 0 ? `${failed} uploads failed` : ''
    )
  })
  raw.ignoreScripts = {
    scriptsRun: withScripts.scriptsRun,
    treeDiff,
    packageDiff,
    firstDifferences: packageDiff
      .slice(0, 5)
      .map((name) =>
        firstDifference(name, uploads.withoutScripts?.files.get(name), uploads.withScripts?.files.get(name))
      ),
    exitCodes: runs.map((run) => run.exitCode)
  }
}
