/**
 * A loopback HTTP proxy that intercepts TLS for chosen hosts. miniprogram-ci sends every request to
 * https://servicewechat.com through its proxy as `CONNECT servicewechat.com:443`; this proxy accepts
 * that tunnel, terminates TLS with a certificate from the test CA and hands the decrypted requests to
 * a local handler. Any other CONNECT target, and plain proxied HTTP, is refused with 403.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TestCertificateAuthority } from './tls.js'

export type InterceptHandler = (request: IncomingMessage, response: ServerResponse) => void

export interface MitmProxyOptions {
  ca: TestCertificateAuthority
  /** hostname → handler for the decrypted requests. Port 443 only. */
  intercept: Record<string, InterceptHandler>
}

export interface MitmProxy {
  /** http://127.0.0.1:<port> */
  url: string
  /** Every CONNECT target seen, in order, including refused ones. */
  connects(): string[]
  close(): Promise<void>
}

export async function startMitmProxy(options: MitmProxyOptions): Promise<MitmProxy> {
  const seen: string[] = []
  const sockets = new Set<Duplex>()
  const track = (socket: Duplex): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }

  const tlsServers = new Map<string, https.Server>()
  for (const [hostname, handler] of Object.entries(options.intercept)) {
    const { certPem, keyPem } = options.ca.issue(hostname)
    const server = https.createServer({ cert: certPem, key: keyPem }, handler)
    server.on('tlsClientError', (_error, socket) => socket.destroy())
    tlsServers.set(hostname, server)
  }

  const proxy = http.createServer((request, response) => {
    // miniprogram-ci only speaks https; a plain proxied request means something unexpected is calling out.
    response.writeHead(403, { 'content-type': 'text/plain' })
    response.end(`The test proxy only intercepts CONNECT to ${Object.keys(options.intercept).join(', ')}\n`)
  })
  proxy.on('connection', (socket: Socket) => track(socket))
  proxy.on('connect', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = request.url ?? ''
    seen.push(target)
    const [hostname, port] = target.split(':')
    const server = hostname ? tlsServers.get(hostname) : undefined
    if (!server || port !== '443') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
      return
    }
    socket.on('error', () => socket.destroy())
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n', () => {
      if (head.length > 0) socket.unshift(head)
      // The TLS server does the handshake on the tunnel as if the client had connected to it.
      server.emit('connection', socket)
    })
  })

  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => [...seen],
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
      for (const server of tlsServers.values()) server.closeAllConnections()
    }
  }
}
