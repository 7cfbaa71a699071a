/**
 * The real miniprogram-ci, driven by runMiniprogramCi in a child process, uploads the sample project
 * through the loopback servicewechat.com fake (TLS-intercepting proxy + test CA) into the WeChat
 * emulator. The child must trust the CA from its start (NODE_EXTRA_CA_CERTS), hence the child process;
 * it must also exit by itself, which proves the compiler process was ended.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startEmulator, type RunningEmulator } from '../emulator/index.js'
import {
  PREVIEW_QRCODE_JPEG_BASE64,
  startServiceWechatFake,
  type CiUpload,
  type ServiceWechatFake
} from '../emulator/servicewechat.js'
import type { CiRunOptions } from '../src/ci/run.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SAMPLE = path.join(repoRoot, 'sample/miniprogram-project')
const DEV_APPID = 'wxd000000000000001'

let work: string
let emulator: RunningEmulator
let fake: ServiceWechatFake
const uploads: CiUpload[] = []

interface ChildRun {
  exitCode: number | null
  result?: {
    appid: string
    version: string
    sizes: { total?: number; main?: number; subpackages: unknown[] }
    qrcodePath?: string
    durationMs: number
    setup: { source: string; setupMs: number }
  }
  error?: { name: string; kind?: string; message: string }
  stderr: string
  wallMs: number
}

/** Runs runMiniprogramCi in a fresh node (with tsx for the TypeScript sources) and returns what it printed. */
async function runInChild(options: Omit<CiRunOptions, 'log' | 'lockfileDir'>): Promise<ChildRun> {
  const driver = path.join(work, `driver-${Math.random().toString(16).slice(2)}.mts`)
  writeFileSync(
    driver,
    `import { runMiniprogramCi } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'src/ci/run.ts')).href)}
const write = (level) => (message) => process.stderr.write(level + ' ' + message + '\\n')
const log = { info: write('info'), warning: write('warning'), debug: () => {}, startGroup: write('group'), endGroup: () => {} }
const options = JSON.parse(process.env.CI_RUN_OPTIONS)
runMiniprogramCi({ ...options, log, lockfileDir: ${JSON.stringify(path.join(repoRoot, 'tools/miniprogram-ci'))} }).then(
  (result) => process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n'),
  (error) => {
    process.stdout.write('ERROR ' + JSON.stringify({ name: error.name, kind: error.kind, message: error.message }) + '\\n')
    process.exitCode = 1
  }
)
// No process.exit: the child has to end by itself once the run is over.
`
  )
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', driver], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_EXTRA_CA_CERTS: fake.caCertPath,
      CI_RUN_OPTIONS: JSON.stringify(options)
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  clearTimeout(killer)
  const run: ChildRun = { exitCode, stderr, wallMs: Date.now() - started }
  for (const line of stdout.split('\n')) {
    if (line.startsWith('RESULT ')) run.result = JSON.parse(line.slice(7)) as ChildRun['result']
    if (line.startsWith('ERROR ')) run.error = JSON.parse(line.slice(6)) as ChildRun['error']
  }
  return run
}

function baseOptions(overrides: Partial<CiRunOptions> = {}): Omit<CiRunOptions, 'log' | 'lockfileDir'> {
  const devApp = emulator.credentials.apps.find((app) => app.appid === DEV_APPID)
  if (!devApp) throw new Error('the emulator has no development mini program')
  return {
    command: 'upload',
    projectPath: SAMPLE,
    privateKey: devApp.uploadPrivateKeyPem,
    robot: 5,
    version: '2.0.0',
    description: 'Release 2.0.0 [0a1b2c3]',
    proxy: fake.proxyUrl,
    tempDir: work,
    toolCacheDir: path.join(work, 'tool-cache'),
    ...overrides
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ci-servicewechat-test-'))
  emulator = await startEmulator()
  fake = await startServiceWechatFake({
    onUpload: (upload) => {
      uploads.push(upload)
      return emulator.recordCiUpload(upload)
    },
    publicKeyFor: (appid) => emulator.uploadPublicKey(appid)
  })
})

afterAll(async () => {
  await fake.close()
  await emulator.close()
  rmSync(work, { recursive: true, force: true })
})

describe('miniprogram-ci against the servicewechat.com fake', () => {
  it('uploads the compiled sample with a verified signature, and the process ends by itself', async () => {
    uploads.length = 0
    const run = await runInChild(baseOptions())
    expect(run.error).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(uploads).toHaveLength(1)
    const upload = uploads[0] as CiUpload
    expect(upload).toMatchObject({
      appid: DEV_APPID,
      version: '2.0.0',
      desc: 'Release 2.0.0 [0a1b2c3]',
      robot: 5,
      kind: 'upload',
      extAppid: 'wxa000000000000001'
    })
    expect([...upload.files.keys()]).toEqual(
      expect.arrayContaining([
        'app.json',
        'app.js',
        'pages/index/index.js',
        'pages/index/index.wxml',
        'pages/logs/logs.js',
        'pages/about/about.wxss',
        'packageOrder/pages/detail/detail.js',
        'ext.json'
      ])
    )
    const appJson = JSON.parse((upload.files.get('app.json') as Buffer).toString()) as { pages: string[] }
    expect(appJson.pages).toEqual(['pages/index/index', 'pages/logs/logs', 'pages/about/about'])
    expect(run.result?.sizes.total).toBeGreaterThan(run.result?.sizes.main ?? Infinity)
    expect(run.result?.sizes.subpackages).toEqual([{ name: 'packageOrder', size: expect.any(Number) }])
    // Every call went through the proxy as a CONNECT to servicewechat.com, nothing else.
    expect(new Set(fake.connects())).toEqual(new Set(['servicewechat.com:443']))
    const paths = fake.requests().map((request) => request.path)
    expect(paths).toEqual(expect.arrayContaining(['/wxa/ci/getrandstr', '/wxa/ci/getattr', '/wxa/ci/upload']))
    process.stdout.write(
      `upload in a child: wall ${run.wallMs} ms, setup ${run.result?.setup.setupMs} ms (${run.result?.setup.source}), run ${run.result?.durationMs} ms\n`
    )
  }, 120_000)

  it('previews: the QR image is written and the page recorded', async () => {
    uploads.length = 0
    const qrcodeOutputPath = path.join(work, 'preview.jpg')
    const run = await runInChild(
      baseOptions({
        command: 'preview',
        qrcodeOutputPath,
        pagePath: 'pages/about/about',
        searchQuery: 'ref=pr-7'
      })
    )
    expect(run.error).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(uploads[0]).toMatchObject({
      kind: 'preview',
      appid: DEV_APPID,
      pagePath: 'pages/about/about?ref=pr-7'
    })
    expect(existsSync(qrcodeOutputPath)).toBe(true)
    expect(readFileSync(qrcodeOutputPath)).toEqual(Buffer.from(PREVIEW_QRCODE_JPEG_BASE64, 'base64'))
  }, 120_000)

  it('rejects a well-formed key that is not the one registered, and the process still ends', async () => {
    uploads.length = 0
    const { privateKey: otherKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' }
    })
    const run = await runInChild(baseOptions({ privateKey: otherKey }))
    expect(run.exitCode).toBe(1)
    expect(run.error?.kind).toBe('key-rejected')
    expect(run.error?.message).toContain('-80011')
    expect(run.error?.message).toContain(DEV_APPID)
    expect(uploads).toEqual([])
  }, 120_000)

  it('injected failures: an IP whitelist refusal and a dropped connection', async () => {
    fake.failNext('/wxa/ci/upload', { errCode: -10008, errMsg: 'invalid ip 198.51.100.4, not in whitelist' })
    const refused = await runInChild(baseOptions())
    expect(refused.exitCode).toBe(1)
    expect(refused.error?.kind).toBe('ip-whitelist')

    fake.failNext('/wxa/ci/getrandstr', { dropConnection: true })
    const dropped = await runInChild(baseOptions())
    expect(dropped.exitCode).toBe(1)
    expect(dropped.error?.kind).toBe('network')
    expect(dropped.error?.message).toContain(fake.proxyUrl)
  }, 180_000)
})
