/**
 * Plain http is allowed only to loopback, and loopback is all of 127.0.0.0/8, ::1 and localhost
 * (src/wechat/endpoint.ts). With HTTP(S)_PROXY set (self-hosted runners behind a proxy), a request to such an
 * address must go direct, never through the proxy: over plain http the proxy would read the access token
 * (query) and the token-url bearer secret (header), and its own loopback would receive them. undici's
 * NO_PROXY matches exact names only, so the transport decides per request.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as z from 'zod'
import { checkEndpointUrl } from '../src/wechat/endpoint.js'
import { WeChatHttp } from '../src/wechat/http.js'
import { TokenServiceProvider } from '../src/wechat/tokens.js'

const REPLY = JSON.stringify({ errcode: 0, errmsg: 'ok', access_token: 'tok-from-service-123456' })
let proxy: http.Server
let relay: http.Server
const proxied: string[] = []
const tunnelled: string[] = []
const direct: string[] = []
const saved = { ...process.env }

beforeEach(async () => {
  proxied.length = 0
  tunnelled.length = 0
  direct.length = 0
  proxy = http.createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`)
    res.writeHead(502)
    res.end()
  })
  // A proxy (on another machine, in real life) reads the tunnel's bytes: plain http, the whole request.
  proxy.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    proxied.push(`CONNECT ${req.url}`)
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    socket.once('data', (chunk: Buffer) => {
      tunnelled.push(chunk.toString('utf8'))
      socket.end(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${REPLY.length}\r\nconnection: close\r\n\r\n${REPLY}`
      )
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  relay = http.createServer((req, res) => {
    direct.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    res.end(REPLY)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.2', resolve))
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  process.env.HTTP_PROXY = proxyUrl
  process.env.HTTPS_PROXY = proxyUrl
  delete process.env.NO_PROXY
  delete process.env.no_proxy
})

afterEach(async () => {
  process.env = { ...saved }
  proxy.closeAllConnections()
  relay.closeAllConnections()
  await new Promise<void>((resolve) => proxy.close(() => resolve()))
  await new Promise<void>((resolve) => relay.close(() => resolve()))
})

function relayUrl(): string {
  return `http://127.0.0.2:${(relay.address() as AddressInfo).port}`
}

describe('plain http to a loopback address other than 127.0.0.1, with HTTPS_PROXY set', () => {
  it('is accepted as loopback by the input rules', () => {
    expect(checkEndpointUrl('api-base-url', relayUrl())).not.toHaveProperty('error')
    expect(checkEndpointUrl('token-url', `${relayUrl()}/token`)).not.toHaveProperty('error')
  })

  it('api-base-url: the request and its access token never go through the proxy', async () => {
    const wechat = new WeChatHttp({ baseUrl: relayUrl(), retries: 0, timeoutMs: 5000 })
    try {
      await wechat.json({
        method: 'GET',
        path: '/wxa/getversioninfo',
        idempotent: true,
        auth: { token: async () => 'ACCESS-TOKEN-abcdef123456', invalidate: () => undefined },
        schema: z.unknown()
      })
    } finally {
      await wechat.close()
    }
    expect(tunnelled.join('')).not.toContain('ACCESS-TOKEN-abcdef123456')
    expect(proxied).toEqual([])
    expect(direct).toHaveLength(1)
  })

  it('token-url: the bearer secret never goes through the proxy', async () => {
    const wechat = new WeChatHttp({ retries: 0, timeoutMs: 5000 })
    const service = new TokenServiceProvider({
      http: wechat,
      url: `${relayUrl()}/token`,
      secret: 'token-url-secret-xyz-987654'
    })
    try {
      await service.token('wx0123456789abcdef')
    } finally {
      await wechat.close()
    }
    expect(tunnelled.join('')).not.toContain('token-url-secret-xyz-987654')
    expect(proxied).toEqual([])
    expect(direct).toHaveLength(1)
  })
})
