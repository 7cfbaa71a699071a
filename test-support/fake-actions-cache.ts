/**
 * A loopback fake of the GitHub Actions cache service, speaking what @actions/cache 6.3.0 (the pinned
 * client) sends, so the bundled action restores and saves through its real cache client:
 *
 * - v2 (hosted runners: ACTIONS_CACHE_SERVICE_V2 + ACTIONS_RESULTS_URL): Twirp JSON over POST
 *   `/twirp/github.actions.results.api.v1.CacheService/{GetCacheEntryDownloadURL, CreateCacheEntry,
 *   FinalizeCacheEntryUpload}` with the runtime token as a bearer (lib/internal/shared/cacheTwirpClient.js,
 *   lib/generated/results/api/v1/cache.js); the archive goes to and comes from Azure Blob Storage at the
 *   signed URLs the service hands out (lib/internal/uploadUtils.js uploadCacheArchiveSDK,
 *   lib/internal/downloadUtils.js downloadCacheStorageSDK).
 * - v1 (GHES, or no V2 flag: ACTIONS_CACHE_URL): REST under `_apis/artifactcache/` — GET `cache?keys&version`,
 *   POST `caches` to reserve, PATCH `caches/{id}` with Content-Range chunks, POST `caches/{id}` to commit,
 *   and a plain GET of the archive location (lib/internal/cacheHttpClient.js).
 *
 * The blob store answers the Azure Storage calls the SDK makes (@azure/storage-blob 12.31: Put Blob, Put
 * Block + Put Block List, Get Blob Properties, ranged Get Blob) and checks the SAS signature. With
 * `blobHost: 'azure'` the signed URLs name `<account>.blob.core.windows.net`, reached through a
 * TLS-intercepting loopback proxy (HTTPS_PROXY and NODE_EXTRA_CA_CERTS in `env()`), because the client takes
 * its Azure SDK download path only for that host; with 'loopback' they point at this server directly.
 *
 * Entries are matched as the service documents: exact key first, then the restore keys as prefixes,
 * newest first, always within the same version (the hash of paths and compression the client sends).
 * Not modelled: scopes (branch isolation), eviction, size limits, cache-mode policies.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { buffer } from 'node:stream/consumers'
import { startMitmProxy, type MitmProxy } from '../emulator/mitm-proxy.js'
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../emulator/tls.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const BLOB_ACCOUNT = 'fakeactionscache'
export const AZURE_BLOB_HOST = `${BLOB_ACCOUNT}.blob.core.windows.net`

export interface CacheEntry {
  id: number
  key: string
  version: string
  archive?: Buffer
  /** Set by Finalize (v2) or commit (v1); only finalized entries are found. */
  finalized: boolean
  createdAt: number
}

/**
 * The entry version the client sends for `paths`: sha256 of the paths, the compression method and a salt
 * (lib/internal/cacheUtils.js getCacheVersion; zstd is always "zstd-without-long" since @actions/cache 4).
 */
export function cacheVersion(paths: string[], compressionMethod = 'zstd-without-long'): string {
  return createHash('sha256')
    .update([...paths, compressionMethod, '1.0'].join('|'))
    .digest('hex')
}

/**
 * An archive of `paths` as @actions/cache makes one (lib/internal/tar.js): GNU tar, names relative to the
 * workspace (GITHUB_WORKSPACE), compressed with zstdmt.
 */
export function archiveLikeTheClient(workspace: string, paths: string[]): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cache-archive-'))
  try {
    const manifest = path.join(dir, 'manifest.txt')
    writeFileSync(manifest, paths.map((entry) => path.relative(workspace, entry)).join('\n'))
    const archive = path.join(dir, 'cache.tzst')
    execFileSync('tar', [
      '--posix',
      '-cf',
      archive,
      '-P',
      '-C',
      workspace,
      '--files-from',
      manifest,
      '--use-compress-program',
      'zstdmt'
    ])
    return readFileSync(archive)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface RecordedCacheRequest {
  method: string
  /** Path without the query, e.g. `/twirp/…/GetCacheEntryDownloadURL` or `/blob/…`. */
  path: string
  /** Twirp method, v1 operation or blob operation, e.g. `GetCacheEntryDownloadURL`, `v1:reserve`, `blob:get-range`. */
  operation: string
  authorized: boolean
}

export interface FakeActionsCacheOptions {
  protocol: 'v2' | 'v1'
  /** Where the v2 signed URLs point (default 'azure'). v1 archive locations are always this server. */
  blobHost?: 'azure' | 'loopback'
  /** CA files the client must trust besides this fake's (e.g. the servicewechat.com fake's). */
  trustAlso?: string[]
}

export interface FakeActionsCache {
  url: string
  /** The runner environment that points @actions/cache here. */
  env(): Record<string, string>
  entries(): CacheEntry[]
  requests(): RecordedCacheRequest[]
  /** Every request to an operation answers this HTTP status until cleared (undefined). */
  failOperation(operation: string, status: number | undefined): void
  /**
   * Adds a finalized entry for `paths` (as the client names them) holding `archive`, as if a job had saved
   * it; see archiveLikeTheClient.
   */
  seedEntry(key: string, paths: string[], archive: Buffer): void
  close(): Promise<void>
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  response.end(text)
}

/** `bytes=a-b` (Range or x-ms-range) → [start, end] inclusive, clamped to the size. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header ?? '')
  if (!match) return undefined
  const start = Number(match[1])
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1
  return start <= end ? [start, end] : undefined
}

export async function startFakeActionsCache(options: FakeActionsCacheOptions): Promise<FakeActionsCache> {
  const runtimeToken = `fake-runtime-token-${randomBytes(8).toString('hex')}`
  const sasSignature = randomBytes(24).toString('base64')
  const blobHost = options.protocol === 'v2' ? (options.blobHost ?? 'azure') : 'loopback'
  const entries: CacheEntry[] = []
  const recorded: RecordedCacheRequest[] = []
  const failures = new Map<string, number>()
  /** Blob name → staged blocks (Put Block) and the committed content. */
  const blobs = new Map<string, { blocks: Map<string, Buffer>; content?: Buffer; etag: string }>()
  let nextId = 1
  let serverUrl = ''

  const blobPath = (entry: CacheEntry): string => `/${BLOB_ACCOUNT}/actions-cache/entry-${entry.id}`
  const signedUrl = (entry: CacheEntry, access: 'r' | 'w'): string => {
    const query = `sv=2024-11-04&sr=b&sp=${access}&se=2099-01-01T00%3A00%3A00Z&sig=${encodeURIComponent(sasSignature)}`
    return blobHost === 'azure'
      ? `https://${AZURE_BLOB_HOST}/actions-cache/entry-${entry.id}?${query}`
      : `${serverUrl}${blobPath(entry)}?${query}`
  }
  const entryForBlob = (pathname: string): CacheEntry | undefined => {
    const match = /\/entry-(\d+)$/.exec(pathname)
    return match ? entries.find((entry) => entry.id === Number(match[1])) : undefined
  }

  function find(key: string, restoreKeys: string[], version: string): CacheEntry | undefined {
    const candidates = entries
      .filter((entry) => entry.finalized && entry.version === version)
      .sort((a, b) => b.createdAt - a.createdAt)
    const exact = candidates.find((entry) => entry.key === key)
    if (exact) return exact
    for (const prefix of [key, ...restoreKeys]) {
      const match = candidates.find((entry) => entry.key.startsWith(prefix))
      if (match) return match
    }
    return undefined
  }

  async function twirp(
    method: string,
    body: Record<string, unknown>,
    response: ServerResponse
  ): Promise<void> {
    const key = String(body.key ?? '')
    const version = String(body.version ?? '')
    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : []
      const entry = find(key, restoreKeys, version)
      // proto3 JSON: default values are left out, so a miss is `{}`.
      json(
        response,
        200,
        entry ? { ok: true, signed_download_url: signedUrl(entry, 'r'), matched_key: entry.key } : {}
      )
      return
    }
    if (method === 'CreateCacheEntry') {
      if (entries.some((entry) => entry.key === key && entry.version === version)) {
        json(response, 409, {
          code: 'already_exists',
          msg: 'cache entry with the same key, version, and scope already exists'
        })
        return
      }
      const entry: CacheEntry = { id: nextId++, key, version, finalized: false, createdAt: Date.now() }
      entries.push(entry)
      json(response, 200, { ok: true, signed_upload_url: signedUrl(entry, 'w') })
      return
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find(
        (candidate) => candidate.key === key && candidate.version === version && !candidate.finalized
      )
      const content = entry ? blobs.get(blobPath(entry))?.content : undefined
      if (!entry || !content || String(content.length) !== String(body.size_bytes)) {
        json(response, 200, { ok: false, message: 'no upload of that size for this cache entry' })
        return
      }
      entry.archive = content
      entry.finalized = true
      json(response, 200, { ok: true, entry_id: String(entry.id) })
      return
    }
    json(response, 404, { code: 'bad_route', msg: `no method ${method}` })
  }

  async function v1(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    const resource = url.pathname.replace(/^\/_apis\/artifactcache\//, '')
    if (request.method === 'GET' && resource === 'cache') {
      const keys = (url.searchParams.get('keys') ?? '').split(',')
      const entry = find(keys[0] ?? '', keys.slice(1), url.searchParams.get('version') ?? '')
      if (!entry) {
        response.writeHead(204).end()
        return
      }
      json(response, 200, {
        cacheKey: entry.key,
        scope: 'refs/heads/main',
        creationTime: new Date(entry.createdAt).toISOString(),
        archiveLocation: `${serverUrl}/v1-archive/${entry.id}?sig=${encodeURIComponent(sasSignature)}`
      })
      return
    }
    if (request.method === 'POST' && resource === 'caches') {
      const body = JSON.parse((await buffer(request)).toString('utf8')) as { key: string; version: string }
      if (entries.some((entry) => entry.key === body.key && entry.version === body.version)) {
        json(response, 409, {
          message: `Cache already exists. Scope: refs/heads/main, Key: ${body.key}, Version: ${body.version}`
        })
        return
      }
      const entry: CacheEntry = {
        id: nextId++,
        key: body.key,
        version: body.version,
        finalized: false,
        createdAt: Date.now()
      }
      entries.push(entry)
      json(response, 201, { cacheId: entry.id })
      return
    }
    const idMatch = /^caches\/(\d+)$/.exec(resource)
    const entry = idMatch ? entries.find((candidate) => candidate.id === Number(idMatch[1])) : undefined
    if (entry && request.method === 'PATCH') {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(request.headers['content-range'] ?? '')
      const chunk = await buffer(request)
      if (!range || Number(range[2]) - Number(range[1]) + 1 !== chunk.length) {
        json(response, 400, { message: 'bad Content-Range' })
        return
      }
      const staged = blobs.get(`v1:${entry.id}`) ?? { blocks: new Map<string, Buffer>(), etag: '' }
      staged.blocks.set(range[1] as string, chunk)
      blobs.set(`v1:${entry.id}`, staged)
      response.writeHead(204).end()
      return
    }
    if (entry && request.method === 'POST') {
      const { size } = JSON.parse((await buffer(request)).toString('utf8')) as { size: number }
      const staged = blobs.get(`v1:${entry.id}`)
      const parts = [...(staged?.blocks.entries() ?? [])].sort(([a], [b]) => Number(a) - Number(b))
      const archive = Buffer.concat(parts.map(([, chunk]) => chunk))
      if (archive.length !== size) {
        json(response, 400, { message: `size ${size} does not match the ${archive.length} bytes uploaded` })
        return
      }
      entry.archive = archive
      entry.finalized = true
      response.writeHead(204).end()
      return
    }
    json(response, 404, { message: `no route ${request.method} ${url.pathname}` })
  }

  /** Azure Blob Storage, the calls the SDK makes for one block blob. */
  async function blob(request: IncomingMessage, url: URL, response: ServerResponse): Promise<string> {
    const name = url.pathname.startsWith(`/${BLOB_ACCOUNT}/`)
      ? url.pathname
      : `/${BLOB_ACCOUNT}${url.pathname}`
    const entry = entryForBlob(name)
    const comp = url.searchParams.get('comp')
    const fail = (status: number, code: string): void => {
      response.writeHead(status, { 'x-ms-error-code': code, 'content-type': 'application/xml' })
      response.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`
      )
    }
    if (url.searchParams.get('sig') !== sasSignature || !entry) {
      await buffer(request)
      fail(403, 'AuthenticationFailed')
      return 'blob:refused'
    }
    const stored = blobs.get(name) ?? {
      blocks: new Map<string, Buffer>(),
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`
    }
    blobs.set(name, stored)
    const common = {
      etag: stored.etag,
      'last-modified': new Date(entry.createdAt).toUTCString(),
      'x-ms-request-id': randomBytes(8).toString('hex'),
      'x-ms-version': '2024-11-04'
    }
    if (request.method === 'PUT' && !comp) {
      stored.content = await buffer(request)
      response.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' }).end()
      return 'blob:put'
    }
    if (request.method === 'PUT' && comp === 'block') {
      stored.blocks.set(url.searchParams.get('blockid') ?? '', await buffer(request))
      response.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' }).end()
      return 'blob:put-block'
    }
    if (request.method === 'PUT' && comp === 'blocklist') {
      const xml = (await buffer(request)).toString('utf8')
      const ids = [...xml.matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map(
        (match) => match[1] as string
      )
      if (ids.some((id) => !stored.blocks.has(id))) {
        fail(400, 'InvalidBlockList')
        return 'blob:put-block-list'
      }
      stored.content = Buffer.concat(ids.map((id) => stored.blocks.get(id) as Buffer))
      response.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' }).end()
      return 'blob:put-block-list'
    }
    const content = entry.finalized ? entry.archive : undefined
    if (!content) {
      await buffer(request)
      fail(404, 'BlobNotFound')
      return 'blob:missing'
    }
    if (request.method === 'HEAD') {
      response
        .writeHead(200, {
          ...common,
          'content-length': content.length,
          'content-type': 'application/octet-stream',
          'accept-ranges': 'bytes',
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-creation-time': new Date(entry.createdAt).toUTCString()
        })
        .end()
      return 'blob:properties'
    }
    if (request.method === 'GET') {
      const rangeHeader = request.headers['x-ms-range'] ?? request.headers.range
      const range = parseRange(Array.isArray(rangeHeader) ? rangeHeader[0] : rangeHeader, content.length)
      if (!range) {
        response.writeHead(200, {
          ...common,
          'content-length': content.length,
          'x-ms-blob-type': 'BlockBlob'
        })
        response.end(content)
        return 'blob:get'
      }
      const [start, end] = range
      response.writeHead(206, {
        ...common,
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${content.length}`,
        'accept-ranges': 'bytes',
        'x-ms-blob-type': 'BlockBlob'
      })
      response.end(content.subarray(start, end + 1))
      return 'blob:get-range'
    }
    fail(405, 'UnsupportedHttpVerb')
    return 'blob:unsupported'
  }

  function operationOf(request: IncomingMessage, url: URL): string {
    if (url.pathname.startsWith(TWIRP_PREFIX)) return url.pathname.slice(TWIRP_PREFIX.length)
    if (url.pathname.startsWith('/_apis/artifactcache/')) {
      const resource = url.pathname.slice('/_apis/artifactcache/'.length)
      if (resource === 'cache') return 'v1:lookup'
      if (resource === 'caches') return 'v1:reserve'
      return request.method === 'PATCH' ? 'v1:upload-chunk' : 'v1:commit'
    }
    if (url.pathname.startsWith('/v1-archive/')) return 'v1:download'
    return 'blob'
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    viaBlobHost: boolean
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-actions-cache')
    const operation = viaBlobHost ? 'blob' : operationOf(request, url)
    const authorized = request.headers.authorization === `Bearer ${runtimeToken}`
    const record: RecordedCacheRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      operation,
      authorized
    }
    recorded.push(record)
    const injected = failures.get(operation)
    if (injected !== undefined) {
      await buffer(request)
      json(response, injected, { code: 'internal', msg: `injected failure ${injected}` })
      return
    }
    if (operation === 'blob') {
      record.operation = await blob(request, url, response)
      return
    }
    if (operation === 'v1:download') {
      const entry = entries.find((candidate) => candidate.id === Number(url.pathname.split('/').pop()))
      if (url.searchParams.get('sig') !== sasSignature || !entry?.archive) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': entry.archive.length
      })
      response.end(entry.archive)
      return
    }
    if (!authorized) {
      await buffer(request)
      json(response, 401, { code: 'unauthenticated', msg: 'missing or wrong runtime token' })
      return
    }
    if (operation.startsWith('v1:')) {
      await v1(request, url, response)
      return
    }
    const body = JSON.parse((await buffer(request)).toString('utf8') || '{}') as Record<string, unknown>
    await twirp(operation, body, response)
  }

  const sockets = new Set<Socket>()
  const server = http.createServer((request, response) => {
    handle(request, response, false).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { code: 'internal', msg: String(error) })
      else response.destroy()
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let ca: TestCertificateAuthority | undefined
  let proxy: MitmProxy | undefined
  let caBundleDir: string | undefined
  let caBundle: string | undefined
  if (blobHost === 'azure') {
    ca = createTestCertificateAuthority('fake actions cache test CA')
    proxy = await startMitmProxy({
      ca,
      intercept: {
        [AZURE_BLOB_HOST]: (request, response) => {
          handle(request, response, true).catch(() => response.destroy())
        }
      }
    })
    caBundleDir = mkdtempSync(path.join(os.tmpdir(), 'fake-actions-cache-ca-'))
    caBundle = path.join(caBundleDir, 'ca-bundle.pem')
    writeFileSync(
      caBundle,
      [ca.certPem, ...(options.trustAlso ?? []).map((file) => readFileSync(file, 'utf8'))].join('\n')
    )
  }

  return {
    url: serverUrl,
    env: () => ({
      ACTIONS_RUNTIME_TOKEN: runtimeToken,
      ...(options.protocol === 'v2'
        ? { ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_RESULTS_URL: `${serverUrl}/` }
        : { ACTIONS_CACHE_URL: `${serverUrl}/` }),
      ...(proxy && caBundle
        ? {
            // Only the blob host goes through the proxy: loopback is always direct for every client here.
            HTTPS_PROXY: proxy.url,
            NO_PROXY: 'localhost,127.0.0.1',
            NODE_EXTRA_CA_CERTS: caBundle
          }
        : {})
    }),
    entries: () => entries.map((entry) => ({ ...entry })),
    requests: () => recorded.map((request) => ({ ...request })),
    failOperation: (operation, status) => {
      if (status === undefined) failures.delete(operation)
      else failures.set(operation, status)
    },
    seedEntry: (key, paths, archive) => {
      entries.push({
        id: nextId++,
        key,
        version: cacheVersion(paths),
        archive,
        finalized: true,
        createdAt: Date.now()
      })
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await proxy?.close()
      ca?.dispose()
      if (caBundleDir) rmSync(caBundleDir, { recursive: true, force: true })
    }
  }
}
