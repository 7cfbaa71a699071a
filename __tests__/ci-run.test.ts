/**
 * runMiniprogramCi with the real, pinned miniprogram-ci, each run in a process of its own as in the action
 * (test-support/ci-child.ts). Its requests to https://servicewechat.com go through the TLS-intercepting
 * proxy to the loopback fake, which verifies the signature and records the package in the WeChat
 * emulator: compile, signing, upload and preview run for real while nothing leaves the machine.
 * Time is the child's ManualClock: heartbeats and timeouts happen when a test moves it, while the fake
 * holds the upload, so no test races a timer.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startEmulator, type RunningEmulator } from '../emulator/index.js'
import {
  PREVIEW_QRCODE_JPEG_BASE64,
  startServiceWechatFake,
  subpackageInfo,
  type CiUpload,
  type ServiceWechatFake
} from '../emulator/servicewechat.js'
import { runMiniprogramCi, type CiLog } from '../src/ci/run.js'
import { InputError } from '../src/errors.js'
import {
  killCiChildren,
  startCiChild,
  type CiChildOptions,
  type CiChildRun
} from '../test-support/ci-child.js'
import { copySampleProject } from '../test-support/world.js'

const DEV_APPID = 'wxd000000000000001'
const HEX_FOLDER = /^[0-9a-f]{32}$/

// A hang guard above the child's own (ci-child.ts): a compile may wait for a free slot (cpu-slots.ts),
// and takes ten times as long on a starved machine.
jest.setTimeout(300_000)

let work: string
let projectPath: string
let toolCacheDir: string
let tempDir: string
let emulator: RunningEmulator
let fake: ServiceWechatFake
let devKey: string
const uploads: CiUpload[] = []

/** Key files under tempDir right now (the run writes exactly one while it is active). */
function keyFilesIn(dir: string): Array<{ file: string; mode: number }> {
  return readdirSync(dir)
    .filter((name) => name.startsWith('wechat-ci-'))
    .map((name) => path.join(dir, name, 'private.key'))
    .filter((file) => existsSync(file))
    .map((file) => ({ file, mode: statSync(file).mode & 0o777 }))
}

function options(overrides: Partial<CiChildOptions> = {}): CiChildOptions {
  return {
    command: 'upload',
    projectPath,
    privateKey: devKey,
    robot: 3,
    version: '1.2.3',
    description: 'Release 1.2.3 [abc1234]',
    proxy: fake.proxyUrl,
    tempDir,
    toolCacheDir,
    ...overrides
  }
}

/** Runs to the end without any cue from the test. */
function runToEnd(overrides: Partial<CiChildOptions> = {}): Promise<CiChildRun> {
  return startCiChild(options(overrides), { NODE_EXTRA_CA_CERTS: fake.caCertPath }).done
}

/** What every run leaves: nothing running, no key file, nothing in the folder it ran from. */
function expectCleanEnd(run: CiChildRun): void {
  expect(run.leftoverPids).toEqual([])
  expect(run.signal).toBeNull()
  expect(keyFilesIn(tempDir)).toEqual([])
  expect(
    readdirSync(tempDir).filter(
      (name) =>
        name.startsWith('wechat-ci-') || name.startsWith('miniprogram-ci-cwd-') || HEX_FOLDER.test(name)
    )
  ).toEqual([])
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ci-run-test-'))
  // A copy outside the repository with the repository's node_modules as the project's own: a tool-cache
  // folder must verify against the action's lockfile (ci-loader.test.ts), which the repository's tree does not.
  projectPath = path.join(work, 'project')
  copySampleProject(projectPath)
  toolCacheDir = path.join(work, 'tool-cache')
  emulator = await startEmulator()
  devKey = emulator.credentials.apps.find((app) => app.appid === DEV_APPID)?.uploadPrivateKeyPem as string
  fake = await startServiceWechatFake({
    onUpload: (upload) => {
      uploads.push(upload)
      return emulator.recordCiUpload(upload)
    },
    publicKeyFor: (appid) => emulator.uploadPublicKey(appid)
  })
})

beforeEach(() => {
  uploads.length = 0
  // A RUNNER_TEMP of each test's own: what one run leaves there does not count against the next.
  tempDir = mkdtempSync(path.join(work, 'runner-temp-'))
})

afterEach(() => {
  killCiChildren()
})

afterAll(async () => {
  await fake?.close()
  await emulator?.close()
  rmSync(work, { recursive: true, force: true })
  rmSync(toolCacheDir, { recursive: true, force: true })
})

describe('upload', () => {
  it('compiles, signs and uploads, says it is still working, and leaves no key file and no process behind', async () => {
    fake.failNext('/wxa/ci/upload', { hold: true })
    const child = startCiChild(options({ heartbeatMs: 15_000 }), { NODE_EXTRA_CA_CERTS: fake.caCertPath })
    await child.before(fake.held('/wxa/ci/upload'))
    // The key exists only as a 0600 file while the run is active.
    const keyFiles = keyFilesIn(tempDir)
    expect(keyFiles).toHaveLength(1)
    expect(keyFiles[0]?.mode).toBe(0o600)
    await child.advance(15_000)
    expect(child.lines.filter((line) => line.includes('still working'))).toEqual([
      expect.stringMatching(/^info … still working \(15 s elapsed; last step: .+\)$/)
    ])
    fake.releaseHeld()
    const run = await child.done

    expect(run.error).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(uploads).toHaveLength(1)
    const upload = uploads[0] as CiUpload
    expect(upload).toMatchObject({
      appid: DEV_APPID,
      version: '1.2.3',
      desc: 'Release 1.2.3 [abc1234]',
      robot: 3,
      kind: 'upload',
      extAppid: 'wxa000000000000001'
    })
    expect([...upload.files.keys()]).toEqual(
      expect.arrayContaining([
        'app.json',
        'pages/index/index.js',
        'pages/index/index.wxml',
        'packageOrder/pages/detail/detail.js'
      ])
    )
    // es6 + minify from project.config.json: the ES2015+ sources are transpiled (no arrow functions left).
    expect((upload.files.get('utils/util.js') as Buffer).toString()).not.toContain('=>')
    const request = fake.requests().find((candidate) => candidate.path === '/wxa/ci/upload')
    expect(request?.query).toMatchObject({ appid: DEV_APPID, type: 'miniProgram' })
    // Every call went through the proxy as a CONNECT to servicewechat.com, nothing else.
    expect(new Set(fake.connects())).toEqual(new Set(['servicewechat.com:443']))

    const expectedSizes = subpackageInfo(upload.files)
    expect(run.result).toMatchObject({
      appid: DEV_APPID,
      version: '1.2.3',
      description: 'Release 1.2.3 [abc1234]',
      robot: 3,
      sizes: {
        total: expectedSizes[0]?.size,
        main: expectedSizes[1]?.size,
        subpackages: [{ name: 'packageOrder', size: expectedSizes[2]?.size }],
        plugins: []
      },
      setup: { source: 'project', version: '2.1.42' },
      // The child's clock moved only when the test moved it.
      durationMs: 15_000
    })
    expect(run.result?.qrcodePath).toBeUndefined()
    expect(run.lines.filter((line) => line.startsWith('group') || line.startsWith('endgroup'))).toEqual([
      'group miniprogram-ci: compile and upload',
      'endgroup '
    ])
    expect(run.lines.some((line) => line.startsWith('info') && line.includes('pages/index/index.js'))).toBe(
      true
    )
    // Progress lines are deduplicated.
    const progress = run.lines.filter((line) => line.startsWith('info Compiling'))
    expect(new Set(progress).size).toBe(progress.length)
    // The uploaded code became the trial version of the authorized mini program named in ext.json.
    expect(
      (emulator.control.state() as { apps: Record<string, { trial?: { version: string } }> }).apps[
        'wxa000000000000001'
      ]?.trial?.version
    ).toBe('1.2.3')
    expectCleanEnd(run)
  })
})

describe('preview', () => {
  it('writes the QR image and opens the requested page', async () => {
    const qrcodeOutputPath = path.join(work, 'qr', 'preview.jpg')
    const run = await runToEnd({
      command: 'preview',
      qrcodeOutputPath,
      pagePath: 'pages/logs/logs',
      searchQuery: 'from=ci&n=2'
    })
    expect(run.error).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(uploads[0]).toMatchObject({
      kind: 'preview',
      appid: DEV_APPID,
      pagePath: 'pages/logs/logs?from=ci&n=2'
    })
    const request = fake.requests().find((candidate) => candidate.path === '/wxa/ci/testSourceURL')
    expect(JSON.parse(request?.query.debugLaunchInfo ?? '{}')).toEqual({
      scene: 1011,
      path: 'pages/logs/logs',
      query: { from: 'ci', n: '2' }
    })
    expect(run.result?.qrcodePath).toBe(qrcodeOutputPath)
    expect(readFileSync(qrcodeOutputPath)).toEqual(Buffer.from(PREVIEW_QRCODE_JPEG_BASE64, 'base64'))
    expect(run.result?.pagePath).toBe('pages/logs/logs?from=ci&n=2')
    expect(run.result?.sizes.total).toBeGreaterThan(0)
    expectCleanEnd(run)
  })
})

describe('input checks before anything runs', () => {
  const silent: CiLog = {
    info: () => undefined,
    warning: () => undefined,
    debug: () => undefined,
    startGroup: () => undefined,
    endGroup: () => undefined
  }
  // These fail before miniprogram-ci is loaded, so they run in this process.
  const direct = (overrides: Partial<CiChildOptions>) =>
    runMiniprogramCi({ ...options(overrides), lockfileDir: path.join(work, 'unused'), log: silent })

  it('rejects text that is not a PEM key, naming the input', async () => {
    const requestsBefore = fake.requests().length
    const error = await direct({ privateKey: 'this is not a key at all' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InputError)
    expect(error).toMatchObject({ input: 'private-key', message: expect.stringContaining('BEGIN') })
    expect(fake.requests()).toHaveLength(requestsBefore)
  })

  it('rejects a robot outside 1–30', async () => {
    await expect(direct({ robot: 31 })).rejects.toMatchObject({ input: 'robot' })
  })
})

describe('errors a user can act on', () => {
  it('rejects a well-formed key that is not the one registered', async () => {
    const { privateKey: otherKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' }
    })
    const run = await runToEnd({ privateKey: otherKey })
    expect(run.exitCode).toBe(1)
    expect(run.error?.kind).toBe('key-rejected')
    expect(run.error?.message).toContain('-80011')
    expect(run.error?.message).toContain(DEV_APPID)
    expect(uploads).toEqual([])
    expectCleanEnd(run)
  })

  it('turns an IP whitelist refusal into whitelist advice', async () => {
    const refusal = { errCode: -10008, errMsg: 'invalid ip: 203.0.113.7, reference: not in whitelist' }
    fake.failNext('/wxa/ci/upload', refusal)
    const run = await runToEnd()
    expect(run.exitCode).toBe(1)
    expect(run.error).toMatchObject({ name: 'CiError', kind: 'ip-whitelist', code: 20003, server: refusal })
    expect(run.error?.message).toContain('IP白名单')
    expect(run.error?.message).toContain('"proxy"')
    expect(uploads).toEqual([])
    // A failed upload leaves miniprogram-ci's compiler running; the run must have ended it.
    expectCleanEnd(run)
  })

  it('explains a dropped connection with proxy advice', async () => {
    fake.failNext('/wxa/ci/getrandstr', { dropConnection: true })
    const run = await runToEnd()
    expect(run.exitCode).toBe(1)
    expect(run.error?.kind).toBe('network')
    expect(run.error?.code).toBe(20001)
    expect(run.error?.message).toContain(fake.proxyUrl)
    expectCleanEnd(run)
  })

  it('names the file of a compile error and ends the compiler', async () => {
    const broken = path.join(work, 'broken')
    cpSync(projectPath, broken, { recursive: true })
    const appJsonPath = path.join(broken, 'miniprogram/app.json')
    const appJson = JSON.parse(readFileSync(appJsonPath, 'utf8')) as { pages: string[] }
    appJson.pages.push('pages/missing/missing')
    writeFileSync(appJsonPath, JSON.stringify(appJson))
    const run = await runToEnd({ projectPath: broken })
    expect(run.exitCode).toBe(1)
    expect(run.error?.kind).toBe('compile')
    expect(run.error?.message).toContain('app.json')
    expect(run.error?.message).toContain('pages/missing/missing')
    expect(uploads).toEqual([])
    expectCleanEnd(run)
  })

  it('times out with a clear error and ends the compiler', async () => {
    fake.failNext('/wxa/ci/upload', { hold: true })
    const child = startCiChild(options({ timeoutMs: 60_000 }), { NODE_EXTRA_CA_CERTS: fake.caCertPath })
    await child.before(fake.held('/wxa/ci/upload'))
    await child.advance(60_000)
    // The run gave up (its group closes once the compiler is ended); the answer comes only now, and the
    // process must still end by itself.
    await child.before(child.waitForLine(/^endgroup/))
    fake.releaseHeld()
    const run = await child.done
    expect(run.exitCode).toBe(1)
    expect(run.error?.kind).toBe('timeout')
    expect(run.error?.message).toMatch(/^miniprogram-ci upload did not finish within 60 s \(last step: .+\)/)
    expectCleanEnd(run)
  })
})
