/**
 * runMiniprogramCi on the sources with the real, pinned miniprogram-ci. Its HTTP (all of it happens
 * in this process) is answered by nock as servicewechat.com would, so compile, signing, upload and
 * preview run for real while nothing leaves the machine.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { constants, generateKeyPairSync, publicDecrypt } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import {
  PREVIEW_QRCODE_JPEG_BASE64,
  PROJECT_ATTR,
  subpackageInfo,
  unpackCodePackage
} from '../emulator/servicewechat.js'
import { CiError } from '../src/ci/errors.js'
import { listDescendants } from '../src/ci/processes.js'
import { runMiniprogramCi, type CiLog, type CiRunOptions } from '../src/ci/run.js'
import { InputError } from '../src/errors.js'
import { clearSecrets, redact } from '../src/redact.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const lockfileDir = path.join(repoRoot, 'tools/miniprogram-ci')
const APPID = 'wxd000000000000001'
const HOST = 'https://servicewechat.com'

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
})

let work: string
let projectPath: string
let toolCacheDir: string
let tempDir: string

interface Upload {
  path: string
  query: URLSearchParams
  files: Map<string, Buffer>
  signed: { appid: string; rand_str: string }
  keyFiles: Array<{ file: string; mode: number }>
}

/** Key files under tempDir right now (the run writes exactly one while it is active). */
function keyFilesIn(dir: string): Array<{ file: string; mode: number }> {
  return readdirSync(dir)
    .filter((name) => name.startsWith('wechat-ci-'))
    .map((name) => path.join(dir, name, 'private.key'))
    .filter((file) => existsSync(file))
    .map((file) => ({ file, mode: statSync(file).mode & 0o777 }))
}

function bodyBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body
  const text = String(body)
  // nock hands binary request bodies over hex-encoded.
  return /^[0-9a-f]+$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'binary')
}

/** servicewechat.com as miniprogram-ci sees it; `uploadReply` decides the upload/testSourceURL answer. */
function serveWechat(uploadReply?: (upload: Upload) => Record<string, unknown>): {
  uploads: Upload[]
  rands: string[]
} {
  const uploads: Upload[] = []
  const rands: string[] = []
  nock(HOST)
    .persist()
    .post('/wxa/ci/getrandstr')
    .query(true)
    .reply(200, () => {
      const randomString = `RAND_${rands.length}_${Math.random().toString(16).slice(2, 10)}`
      rands.push(randomString)
      return { errCode: 0, errMsg: 'ok', data: { randomString } }
    })
  nock(HOST).persist().post('/wxa/ci/getattr').query(true).reply(200, { errCode: 0, data: PROJECT_ATTR })
  nock(HOST).persist().get('/wxa/ci/getwhiteextlist').query(true).reply(200, { errCode: 0, data: {} })
  nock(HOST).persist().post('/wxa-dev-logic/clientreportv2').query(true).reply(200, { errCode: 0 })
  const receive = (uri: string, body: unknown): Record<string, unknown> => {
    const url = new URL(uri, HOST)
    const files = unpackCodePackage(gunzipSync(bodyBuffer(body)))
    const signature = JSON.parse((files.get('/ci.signature') as Buffer).toString('utf8')) as {
      signature: string
    }
    const signed = JSON.parse(
      publicDecrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(signature.signature, 'base64')
      ).toString('utf8')
    ) as Upload['signed']
    const named = new Map([...files].map(([name, data]) => [name.replace(/^\//, ''), data]))
    const upload = {
      path: url.pathname,
      query: url.searchParams,
      files: named,
      signed,
      keyFiles: keyFilesIn(tempDir)
    }
    uploads.push(upload)
    if (uploadReply) return uploadReply(upload)
    const body2: Record<string, unknown> = {
      subpackage_info: subpackageInfo(named),
      ext_plugin_info: [{ provider: 'wxplugin000000001', version: '1.0.3', size: 2048 }],
      str_uint64version: '1700000000123'
    }
    if (url.pathname === '/wxa/ci/testSourceURL') body2.qrcode_img = PREVIEW_QRCODE_JPEG_BASE64
    return { errCode: 0, errMsg: 'ok', body: body2 }
  }
  nock(HOST)
    .persist()
    .post('/wxa/ci/upload')
    .query(true)
    .reply(200, (uri, body) => receive(uri, body))
  nock(HOST)
    .persist()
    .post('/wxa/ci/testSourceURL')
    .query(true)
    .reply(200, (uri, body) => receive(uri, body))
  return { uploads, rands }
}

function recordingLog(): CiLog & { lines: string[]; warnings: string[]; groups: string[] } {
  const lines: string[] = []
  const warnings: string[] = []
  const groups: string[] = []
  return {
    lines,
    warnings,
    groups,
    info: (message) => lines.push(message),
    warning: (message) => warnings.push(message),
    debug: () => undefined,
    startGroup: (name) => groups.push(name),
    endGroup: () => groups.push('(end)')
  }
}

function options(overrides: Partial<CiRunOptions> = {}): CiRunOptions {
  return {
    command: 'upload',
    projectPath,
    privateKey,
    robot: 3,
    version: '1.2.3',
    description: 'Release 1.2.3 [abc1234]',
    tempDir,
    toolCacheDir,
    lockfileDir,
    log: recordingLog(),
    ...overrides
  }
}

/** The error a run failed with; a run that succeeds fails the test. */
async function failure(run: Promise<unknown>): Promise<CiError> {
  const outcome = await run.then(
    () => new Error('the run succeeded'),
    (caught: unknown) => caught
  )
  expect(outcome).toBeInstanceOf(CiError)
  return outcome as CiError
}

async function expectNoNewChildren(before: Set<number>): Promise<void> {
  const now = (await listDescendants()).filter((pid) => !before.has(pid))
  expect(now).toEqual([])
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ci-run-test-'))
  // A copy outside the repository with the repository's node_modules as the project's own: a tool-cache
  // folder must verify against the action's lockfile (ci-loader.test.ts), which the repository's tree does not.
  projectPath = path.join(work, 'project')
  cpSync(path.join(repoRoot, 'sample/miniprogram-project'), projectPath, { recursive: true })
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(projectPath, 'node_modules'), 'dir')
  toolCacheDir = path.join(work, 'tool-cache')
  tempDir = path.join(work, 'runner-temp')
  mkdirSync(tempDir)
  nock.disableNetConnect()
})

afterEach(() => {
  nock.cleanAll()
  clearSecrets()
})

afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
  rmSync(work, { recursive: true, force: true })
})

describe('upload', () => {
  it('compiles, signs and uploads the project, maps the sizes and leaves no key file and no process behind', async () => {
    const before = new Set(await listDescendants())
    const server = serveWechat()
    const log = recordingLog()
    // A key pasted with literal \n sequences, a common secret-pasting mistake, is repaired.
    const result = await runMiniprogramCi(options({ privateKey: privateKey.replace(/\n/g, '\\n'), log }))

    expect(server.uploads).toHaveLength(1)
    const upload = server.uploads[0] as Upload
    expect(upload.path).toBe('/wxa/ci/upload')
    expect(upload.query.get('appid')).toBe(APPID)
    expect(upload.query.get('version')).toBe('1.2.3')
    expect(upload.query.get('desc')).toBe('Release 1.2.3 [abc1234]')
    expect(upload.query.get('robot')).toBe('3')
    expect(upload.query.get('type')).toBe('miniProgram')
    expect(upload.query.get('extAppId')).toBe('wxa000000000000001')
    // Signed with our key over the rand string the server issued last.
    expect(upload.signed).toEqual({ appid: APPID, rand_str: server.rands.at(-1) })
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

    // The key existed only as a 0600 file during the upload, and is gone afterwards.
    expect(upload.keyFiles).toHaveLength(1)
    expect(upload.keyFiles[0]?.mode).toBe(0o600)
    expect(keyFilesIn(tempDir)).toEqual([])
    expect(readdirSync(tempDir).filter((name) => name.startsWith('wechat-ci-'))).toEqual([])

    const expectedSizes = subpackageInfo(upload.files)
    expect(result).toMatchObject({
      appid: APPID,
      version: '1.2.3',
      description: 'Release 1.2.3 [abc1234]',
      robot: 3,
      sizes: {
        total: expectedSizes[0]?.size,
        main: expectedSizes[1]?.size,
        subpackages: [{ name: 'packageOrder', size: expectedSizes[2]?.size }],
        plugins: [{ appid: 'wxplugin000000001', version: '1.0.3', size: 2048 }]
      },
      setup: { source: 'project', version: '2.1.42' }
    })
    expect(result.qrcodePath).toBeUndefined()
    expect(log.groups).toEqual(['miniprogram-ci: compile and upload', '(end)'])
    expect(log.lines.some((line) => line.includes('pages/index/index.js'))).toBe(true)
    // Progress lines are deduplicated.
    const progress = log.lines.filter((line) => line.startsWith('Compiling'))
    expect(new Set(progress).size).toBe(progress.length)
    // The key is a registered secret from now on.
    const bodyLine = privateKey.split('\n')[1] as string
    expect(redact(`key line ${bodyLine}`)).toBe('key line ***')
    await expectNoNewChildren(before)
  }, 180_000)

  it('prints a heartbeat while it works', async () => {
    serveWechat()
    const log = recordingLog()
    await runMiniprogramCi(options({ heartbeatMs: 300, log }))
    expect(log.lines.some((line) => /still working \(\d+ s elapsed/.test(line))).toBe(true)
  }, 180_000)
})

describe('preview', () => {
  it('writes the QR image and opens the requested page', async () => {
    const before = new Set(await listDescendants())
    const server = serveWechat()
    const qrcodeOutputPath = path.join(tempDir, 'qr', 'preview.jpg')
    const result = await runMiniprogramCi(
      options({
        command: 'preview',
        qrcodeOutputPath,
        pagePath: 'pages/logs/logs',
        searchQuery: 'from=ci&n=2'
      })
    )
    const upload = server.uploads[0] as Upload
    expect(upload.path).toBe('/wxa/ci/testSourceURL')
    expect(upload.query.get('path')).toBe('pages/logs/logs?from=ci&n=2')
    expect(JSON.parse(upload.query.get('debugLaunchInfo') as string)).toEqual({
      scene: 1011,
      path: 'pages/logs/logs',
      query: { from: 'ci', n: '2' }
    })
    expect(result.qrcodePath).toBe(qrcodeOutputPath)
    expect(readFileSync(qrcodeOutputPath)).toEqual(Buffer.from(PREVIEW_QRCODE_JPEG_BASE64, 'base64'))
    expect(result.pagePath).toBe('pages/logs/logs?from=ci&n=2')
    expect(result.sizes.total).toBeGreaterThan(0)
    await expectNoNewChildren(before)
  }, 180_000)
})

describe('input checks before anything runs', () => {
  it('rejects text that is not a PEM key, naming the input', async () => {
    const server = serveWechat()
    await expect(
      runMiniprogramCi(options({ privateKey: 'this is not a key at all' }))
    ).rejects.toBeInstanceOf(InputError)
    await expect(runMiniprogramCi(options({ privateKey: 'this is not a key at all' }))).rejects.toMatchObject(
      {
        input: 'private-key',
        message: expect.stringContaining('BEGIN')
      }
    )
    expect(server.rands).toEqual([])
  })

  it('rejects a robot outside 1–30', async () => {
    await expect(runMiniprogramCi(options({ robot: 31 }))).rejects.toMatchObject({ input: 'robot' })
  })
})

describe('errors a user can act on', () => {
  async function failingUpload(
    reply: Record<string, unknown>,
    overrides: Partial<CiRunOptions> = {}
  ): Promise<CiError> {
    const before = new Set(await listDescendants())
    serveWechat(() => reply)
    const error = await runMiniprogramCi(options(overrides)).then(
      () => undefined,
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(CiError)
    // A failed upload leaves miniprogram-ci's compiler running; the run must have ended it.
    await expectNoNewChildren(before)
    return error as CiError
  }

  it('turns an IP whitelist refusal into whitelist advice', async () => {
    const error = await failingUpload({
      errCode: -10008,
      errMsg: 'invalid ip: 203.0.113.7, reference: not in whitelist'
    })
    expect(error.kind).toBe('ip-whitelist')
    expect(error.code).toBe(20003)
    expect(error.server).toEqual({
      errCode: -10008,
      errMsg: 'invalid ip: 203.0.113.7, reference: not in whitelist'
    })
    expect(error.message).toContain('IP白名单')
    expect(error.message).toContain('"proxy"')
  }, 180_000)

  it('explains a network failure with proxy advice', async () => {
    nock(HOST)
      .persist()
      .post('/wxa/ci/getrandstr')
      .query(true)
      .replyWithError(
        Object.assign(new Error('getaddrinfo ENOTFOUND servicewechat.com'), { code: 'ENOTFOUND' })
      )
    const error = await failure(runMiniprogramCi(options()))
    expect(error).toBeInstanceOf(CiError)
    expect(error.kind).toBe('network')
    expect(error.code).toBe(20001)
    expect(error.message).toContain('ENOTFOUND')
    expect(error.message).toContain('set the "proxy" input')
  }, 180_000)

  it('names the file of a compile error and ends the compiler', async () => {
    const broken = path.join(work, 'broken')
    cpSync(projectPath, broken, { recursive: true })
    const appJsonPath = path.join(broken, 'miniprogram/app.json')
    const appJson = JSON.parse(readFileSync(appJsonPath, 'utf8')) as { pages: string[] }
    appJson.pages.push('pages/missing/missing')
    writeFileSync(appJsonPath, JSON.stringify(appJson))
    const before = new Set(await listDescendants())
    serveWechat()
    const error = await failure(runMiniprogramCi(options({ projectPath: broken })))
    expect(error).toBeInstanceOf(CiError)
    expect(error.kind).toBe('compile')
    expect(error.message).toContain('app.json')
    expect(error.message).toContain('pages/missing/missing')
    await expectNoNewChildren(before)
  }, 180_000)

  it('times out with a clear error and ends the compiler', async () => {
    const before = new Set(await listDescendants())
    serveWechat()
    const started = Date.now()
    const error = await failure(runMiniprogramCi(options({ timeoutMs: 2000 })))
    expect(error).toBeInstanceOf(CiError)
    expect(error.kind).toBe('timeout')
    expect(error.message).toMatch(/did not finish within 2 s/)
    expect(Date.now() - started).toBeLessThan(10_000)
    await expectNoNewChildren(before)
    // Let the abandoned call settle so it does not write into the next test.
    await new Promise((resolve) => setTimeout(resolve, 500))
  }, 180_000)
})
