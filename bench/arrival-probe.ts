/**
 * A loopback relay that notes the wall-clock moment (performance.now()) each request reaches it, then passes
 * the request on unchanged. Put in front of the WeChat emulator (plain HTTP) and of the servicewechat.com
 * proxy (CONNECT tunnels), it tells when a spawned action made its first call: the emulator's own request
 * log runs on the emulated clock and notes a request only once answered.
 */
import http, { type IncomingMessage } from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface Arrival {
  /** performance.now() when the request line and headers had arrived. */
  at: number
  /** `GET /wxa/…` for relayed HTTP, `CONNECT host:port` for a tunnel. */
  what: string
}

export interface ArrivalProbe {
  /** http://127.0.0.1:<port>: use in place of the upstream's address (or as the HTTP proxy). */
  url: string
  arrivals(): Arrival[]
  /** The first arrival at or after `since` (a performance.now() value). */
  firstSince(since: number): Arrival | undefined
  reset(): void
  close(): Promise<void>
}

export interface ArrivalProbeOptions {
  /** Where plain HTTP requests go, e.g. the emulator's http://127.0.0.1:<port>. */
  httpUpstream?: string
  /** The HTTP proxy that CONNECT tunnels go through, e.g. the servicewechat.com fake's proxy. */
  connectUpstream?: string
}

export async function startArrivalProbe(options: ArrivalProbeOptions): Promise<ArrivalProbe> {
  let arrivals: Arrival[] = []
  const sockets = new Set<Duplex>()
  const track = (socket: Duplex): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const httpUpstream = options.httpUpstream ? new URL(options.httpUpstream) : undefined
  const connectUpstream = options.connectUpstream ? new URL(options.connectUpstream) : undefined

  const server = http.createServer((request, response) => {
    arrivals.push({ at: performance.now(), what: `${request.method ?? 'GET'} ${request.url ?? '/'}` })
    if (!httpUpstream) {
      response.writeHead(502).end('this probe relays no plain HTTP\n')
      return
    }
    const relayed = http.request(
      {
        host: httpUpstream.hostname,
        port: httpUpstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: httpUpstream.host }
      },
      (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers)
        upstream.pipe(response)
      }
    )
    relayed.on('error', () => response.destroy())
    request.pipe(relayed)
  })
  server.on('connection', (socket: Socket) => track(socket))
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    arrivals.push({ at: performance.now(), what: `CONNECT ${request.url ?? ''}` })
    if (!connectUpstream) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n')
      return
    }
    // The upstream proxy answers the CONNECT itself; from then on both sides are one byte stream.
    const upstream = net.connect(Number(connectUpstream.port), connectUpstream.hostname, () => {
      upstream.write(`CONNECT ${request.url ?? ''} HTTP/1.1\r\nhost: ${request.url ?? ''}\r\n\r\n`)
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    track(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals: () => [...arrivals],
    firstSince: (since) => arrivals.find((arrival) => arrival.at >= since),
    reset: () => {
      arrivals = []
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
