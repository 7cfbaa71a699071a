/**
 * A loopback fake of https://servicewechat.com, the host miniprogram-ci hard-codes. It is reached
 * through the TLS-intercepting proxy (mitm-proxy.ts), so the real, unmodified miniprogram-ci uploads
 * into it: rand string, signed project attributes, the upload package with its /ci.signature, the
 * preview QR code, and the telemetry miniprogram-ci sends after every call.
 * Reply shapes follow the pinned miniprogram-ci 2.1.42 (dist/ci/upload.js, dist/utils/sign.js).
 */
import { constants, createPublicKey, publicDecrypt, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { parseJsonOr } from './json.js'
import { startMitmProxy } from './mitm-proxy.js'
import { createTestCertificateAuthority } from './tls.js'

export const SERVICEWECHAT_HOST = 'servicewechat.com'

export interface CiUpload {
  appid: string
  version: string
  desc: string
  robot: number
  kind: 'upload' | 'preview'
  /** Compiled files by path without the leading slash (`app.json`, `pages/index/index.js`, …). */
  files: Map<string, Buffer>
  /** ext.json's extAppid when the package targets an authorized mini program (`extEnable`). */
  extAppid?: string
  /** Preview only: the page the QR code opens, with its query. */
  pagePath?: string
}

export interface ServiceWechatFakeOptions {
  /** Records the upload (the emulator's `recordCiUpload`). A thrown `{errCode, errMsg}` becomes the reply. */
  onUpload(upload: CiUpload): unknown
  /** The app's registered code upload public key (PEM), or undefined for an unknown appid. */
  publicKeyFor(appid: string): string | undefined
}

/**
 * `hold`: the request gets no answer until `releaseHeld()` (then it is answered as usual) or the fake closes,
 * which stalls the caller for as long as a test needs, without racing a timer.
 */
export type InjectedFailure = { errCode: number; errMsg: string } | { dropConnection: true } | { hold: true }

export interface RecordedRequest {
  method: string
  /** Path without the query, e.g. /wxa/ci/upload. */
  path: string
  query: Record<string, string>
  /** Parsed JSON body, or for packages the number of (gzipped) bytes. */
  body: unknown
}

export interface ServiceWechatFake {
  /** Give this to miniprogram-ci (`ci.proxy(url)` or HTTPS_PROXY). */
  proxyUrl: string
  /** The test CA; the client process needs NODE_EXTRA_CA_CERTS=<this> from its start. */
  caCertPath: string
  requests(): RecordedRequest[]
  /** Every CONNECT target the proxy saw (refused ones included). */
  connects(): string[]
  /** The next request to `path` fails with this reply, has its connection dropped, or is held. */
  failNext(path: string, failure: InjectedFailure): void
  /** Resolves once a request to `path` is being held (at once if one already is). */
  held(path: string): Promise<void>
  /** Answers every held request as if it had just arrived. */
  releaseHeld(): void
  close(): Promise<void>
}

/** A 24×24 JPEG standing in for the QR code WeChat returns (`qrcode_img`, base64). */
export const PREVIEW_QRCODE_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSgBBwcHCggKEwoKEygaFhooKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKP/AABEIABgAGAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AMnw9okkM1s8ltbafaWMOjxs8Xhl4LzSruN7KS5nmuZLQIu1BcSFnkZSrgkEGgD6Aljuvt99DPY202rywn+0tL2gW2uWwAjM8Ic4WUKVQqx4ysUhKGCYAHCaAfhvHe+Jb3V/C8t1aT6skdpd3vhi7uWk/c28DKZHgZjIblZlIY7mkLE5LZIB3cUl19vsZoL62m1eWEf2bqm4C21y2AMggmKDCyhSzhlHGWljBQzwgAqf6DDpX/LzZ6BaTf7KXXhm6Vf+BAQBX/2kVH/jtpP3YBbljuvt99DPY202rywn+0tL2gW2uWwAjM8Ic4WUKVQqx4ysUhKGCYAHCHRrmP4KeF9Tv/EviC5tLl9Hu7qzijh/eNNd27yMrQwi4MhZ2YMrmRm5JYk5AO7ikuvt9jNBfW02rywj+zdU3AW2uWwBkEExQYWUKWcMo4y0sYKGeEAFT/QYdK/5ebPQLSb/AGUuvDN0q/8AAgIAr/7SKj/x20n7sA//2Q=='

/** miniprogram-ci's own fallback attributes (config.DefaultProjectAttr): a plain, non-platform app. */
export const PROJECT_ATTR = {
  platform: false,
  appType: 0,
  isSandbox: false,
  released: false,
  setting: {
    MaxCodeSize: 2,
    MaxSubpackageSubCodeSize: 2,
    MaxSubpackageFullCodeSize: 12,
    NavigateMiniprogramLimit: 10,
    MaxSubPackageLimit: 100,
    MinTabbarCount: 2,
    MaxTabbarCount: 5,
    MaxCustomTabbarCount: 10,
    MaxTabbarIconSize: 40
  }
}

const WHITE_EXT_LIST = {
  miniProgram: [
    '.wxml',
    '.wxss',
    '.wxs',
    '.png',
    '.jpg',
    '.jpeg',
    '.gif',
    '.svg',
    '.js',
    '.json',
    '.cer',
    '.mp3'
  ],
  game: [
    '.png',
    '.jpg',
    '.jpeg',
    '.gif',
    '.svg',
    '.js',
    '.json',
    '.cer',
    '.mp3',
    '.wav',
    '.ttf',
    '.txt',
    '.bin'
  ]
}

/** Errors the fake gives for a package it cannot accept (the real wording is not public). */
export const SIGNATURE_ERROR = {
  errCode: -80011,
  errMsg: 'invalid signature: the code upload key does not match this appid'
}
export const UNKNOWN_APPID_ERROR = {
  errCode: -80011,
  errMsg: 'invalid signature: no code upload key is registered for this appid'
}

/**
 * Parses miniprogram-ci's package format (ci/utils/pack.js): 0xBE, int32 version, int32 file-table
 * length, int32 data length, 0xED; then int32 count and per file int32 name length, name, int32
 * absolute offset, int32 size; then the data.
 */
export function unpackCodePackage(buffer: Buffer): Map<string, Buffer> {
  if (buffer.length < 18 || buffer[0] !== 0xbe || buffer[13] !== 0xed) {
    throw new Error('not a code package (bad magic bytes)')
  }
  const files = new Map<string, Buffer>()
  let cursor = 14
  const count = buffer.readInt32BE(cursor)
  cursor += 4
  for (let index = 0; index < count; index++) {
    const nameLength = buffer.readInt32BE(cursor)
    cursor += 4
    const name = buffer.subarray(cursor, cursor + nameLength).toString('utf8')
    cursor += nameLength
    const offset = buffer.readInt32BE(cursor)
    const size = buffer.readInt32BE(cursor + 4)
    cursor += 8
    if (offset < 0 || offset + size > buffer.length) throw new Error(`file ${name} lies outside the package`)
    files.set(name, buffer.subarray(offset, offset + size))
  }
  return files
}

/** Sizes as WeChat reports them: the whole package, the main package, each subpackage by root. */
export function subpackageInfo(files: Map<string, Buffer>): Array<{ name: string; size: number }> {
  const appJson = files.get('app.json')
  const app = parseJson(appJson ?? Buffer.from('{}'))
  // A broken app.json is the compiler's problem; then everything counts as main package.
  const declared = app.subpackages ?? app.subPackages
  const roots = (Array.isArray(declared) ? (declared as unknown[]) : [])
    .map((entry) => {
      const root = typeof entry === 'object' && entry !== null ? (entry as { root?: unknown }).root : ''
      return (typeof root === 'string' ? root : '').replace(/^\/+|\/+$/g, '')
    })
    .filter(Boolean)
  let total = 0
  let main = 0
  const bySubpackage = new Map<string, number>(roots.map((root) => [root, 0]))
  for (const [name, data] of files) {
    // Like miniprogram-ci's own validSize, source maps do not count towards the package limits.
    if (name.endsWith('.js.map')) continue
    total += data.length
    const root = roots.find((candidate) => name === candidate || name.startsWith(`${candidate}/`))
    if (root) bySubpackage.set(root, (bySubpackage.get(root) ?? 0) + data.length)
    else main += data.length
  }
  return [
    { name: '__FULL__', size: total },
    { name: '__APP__', size: main },
    ...[...bySubpackage].map(([name, size]) => ({ name, size }))
  ]
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function parseJson(body: Buffer): Record<string, unknown> {
  const parsed = parseJsonOr(body.toString('utf8'), {})
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
}

function reply(response: ServerResponse, payload: unknown): void {
  const text = JSON.stringify(payload)
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

export async function startServiceWechatFake(options: ServiceWechatFakeOptions): Promise<ServiceWechatFake> {
  const ca = createTestCertificateAuthority()
  const recorded: RecordedRequest[] = []
  const failures = new Map<string, InjectedFailure[]>()
  /** The last rand string issued per appid; a signature must carry it and uses it up. */
  const rands = new Map<string, string>()
  let uploadSequence = 0
  const heldRequests: Array<{ path: string; answer: () => void }> = []
  const heldWaiters: Array<{ path: string; resolve: () => void }> = []

  /** Checks `{appid, rand_str}` signed with the app's private key; returns an error reply or undefined. */
  const verifySignature = (
    appid: string,
    signature: string
  ): { errCode: number; errMsg: string } | undefined => {
    const publicKeyPem = options.publicKeyFor(appid)
    if (!publicKeyPem) return UNKNOWN_APPID_ERROR
    let signed: { appid?: unknown; rand_str?: unknown }
    try {
      const plain = publicDecrypt(
        { key: createPublicKey(publicKeyPem), padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(signature, 'base64')
      )
      signed = JSON.parse(plain.toString('utf8')) as { appid?: unknown; rand_str?: unknown }
    } catch {
      // publicDecrypt throws for a signature not made with this key (an error of Node's realm, so no
      // instanceof test), JSON.parse for garbage: either way the signature is not valid, which is the answer.
      return SIGNATURE_ERROR
    }
    const expected = rands.get(appid)
    if (signed.appid !== appid || !expected || signed.rand_str !== expected) return SIGNATURE_ERROR
    rands.delete(appid)
    return undefined
  }

  const receivePackage = async (
    kind: 'upload' | 'preview',
    query: Record<string, string>,
    body: Buffer
  ): Promise<Record<string, unknown>> => {
    const appid = query.appid ?? ''
    let files: Map<string, Buffer>
    try {
      files = unpackCodePackage(gunzipSync(body))
    } catch (error) {
      return {
        errCode: -1,
        errMsg: `system error: cannot read the code package (${(error as Error).message})`
      }
    }
    const signatureFile = files.get('/ci.signature')
    files.delete('/ci.signature')
    const signature = String(parseJson(signatureFile ?? Buffer.from('{}')).signature ?? '')
    const refused = verifySignature(appid, signature)
    if (refused) return refused

    const robot = Number(query.robot ?? '1')
    if (!query.version) return { errCode: -10002, errMsg: 'invalid args: version is empty' }
    if (!Number.isInteger(robot) || robot < 1 || robot > 30) {
      return { errCode: -10002, errMsg: `invalid args: robot ${query.robot} is out of range 1-30` }
    }
    const byPath = new Map<string, Buffer>()
    for (const [name, data] of files) byPath.set(name.replace(/^\/+/, ''), data)
    const upload: CiUpload = {
      appid,
      version: query.version,
      desc: query.desc ?? '',
      robot,
      kind,
      files: byPath,
      ...(query.extAppId ? { extAppid: query.extAppId } : {}),
      ...(query.path ? { pagePath: query.path } : {})
    }
    try {
      await options.onUpload(upload)
    } catch (error) {
      const failure = error as { errCode?: unknown; errMsg?: unknown; message?: unknown }
      if (typeof failure.errCode === 'number') {
        return { errCode: failure.errCode, errMsg: String(failure.errMsg ?? failure.message ?? '') }
      }
      return { errCode: -1, errMsg: `system error: ${String(failure.message ?? error)}` }
    }
    uploadSequence += 1
    const bodyReply: Record<string, unknown> = {
      subpackage_info: subpackageInfo(byPath),
      ext_plugin_info: [],
      // Real values are 64-bit; only the form matters to miniprogram-ci.
      str_uint64version: String(1_700_000_000_000 + uploadSequence)
    }
    if (kind === 'preview') bodyReply.qrcode_img = PREVIEW_QRCODE_JPEG_BASE64
    return { errCode: 0, errMsg: 'ok', body: bodyReply }
  }

  const route = async (
    method: string,
    path: string,
    query: Record<string, string>,
    body: Buffer
  ): Promise<unknown> => {
    switch (path) {
      case '/wxa/ci/getrandstr': {
        const { appid } = parseJson(body)
        if (typeof appid !== 'string' || !appid) return { errCode: -10002, errMsg: 'invalid args: appid' }
        const randomString = randomBytes(16).toString('hex')
        rands.set(appid, randomString)
        return { errCode: 0, errMsg: 'ok', data: { randomString } }
      }
      case '/wxa/ci/getattr': {
        const { appid, signature } = parseJson(body)
        const refused = verifySignature(String(appid ?? ''), String(signature ?? ''))
        return refused ?? { errCode: 0, errMsg: 'ok', data: PROJECT_ATTR }
      }
      case '/wxa/ci/getwhiteextlist':
        return { errCode: 0, errMsg: 'ok', data: WHITE_EXT_LIST }
      case '/wxa/ci/upload':
        return receivePackage('upload', query, body)
      case '/wxa/ci/testSourceURL':
        return receivePackage('preview', query, body)
      case '/wxa-dev-logic/clientreportv2':
        return { errCode: 0, errMsg: 'ok' }
      default:
        return { errCode: -1, errMsg: `the fake servicewechat.com does not serve ${method} ${path}` }
    }
  }

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    void (async () => {
      const url = new URL(request.url ?? '/', `https://${SERVICEWECHAT_HOST}`)
      const query = Object.fromEntries(url.searchParams)
      delete query._r
      const body = await readBody(request)
      const isPackage = url.pathname === '/wxa/ci/upload' || url.pathname === '/wxa/ci/testSourceURL'
      recorded.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query,
        body: isPackage ? body.length : body.length > 0 ? parseJson(body) : undefined
      })
      const queued = failures.get(url.pathname)
      const failure = queued?.shift()
      if (failure && 'dropConnection' in failure) {
        request.socket.destroy()
        return
      }
      if (failure && 'hold' in failure) {
        const answer = (): void => {
          route(request.method ?? 'GET', url.pathname, query, body).then(
            (payload) => {
              if (!response.destroyed) reply(response, payload)
            },
            () => response.destroy()
          )
        }
        heldRequests.push({ path: url.pathname, answer })
        for (const waiter of heldWaiters.filter((candidate) => candidate.path === url.pathname)) {
          heldWaiters.splice(heldWaiters.indexOf(waiter), 1)
          waiter.resolve()
        }
        return
      }
      if (failure) {
        reply(response, failure)
        return
      }
      reply(response, await route(request.method ?? 'GET', url.pathname, query, body))
    })().catch((error: unknown) => {
      if (!response.headersSent) reply(response, { errCode: -1, errMsg: `system error: ${String(error)}` })
    })
  }

  const proxy = await startMitmProxy({ ca, intercept: { [SERVICEWECHAT_HOST]: handler } })

  return {
    proxyUrl: proxy.url,
    caCertPath: ca.certPath,
    requests: () => [...recorded],
    connects: () => proxy.connects(),
    failNext: (path, failure) => {
      const queue = failures.get(path) ?? []
      queue.push(failure)
      failures.set(path, queue)
    },
    held: (path) =>
      heldRequests.some((request) => request.path === path)
        ? Promise.resolve()
        : new Promise<void>((resolve) => heldWaiters.push({ path, resolve })),
    releaseHeld: () => {
      for (const request of heldRequests.splice(0)) request.answer()
    },
    close: async () => {
      heldRequests.length = 0
      await proxy.close()
      ca.dispose()
    }
  }
}
