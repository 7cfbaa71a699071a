/**
 * The HTTP server on loopback: reads a request, records it, checks it against GitHub's description, applies
 * injected failures, routes it and answers with GitHub's headers.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { API_PREFIX, type FakeContext } from './context.js'
import { errorReply, HttpError, notFound } from './errors.js'
import { authenticatedUser, type Identities } from './identities.js'
import type { Faults } from './faults.js'
import type { Recorder } from './recorder.js'
import type { ParsedRequest, Reply, Route } from './routing.js'
import { checkAgainstDescription, checkAnswer, enforceFindings } from './validation.js'

export interface ServerParts {
  identities: Identities
  recorder: Recorder
  faults: Faults
  routes: Route[]
  /** Runs before a request reaches its route (the clock's effects, such as stale check runs). */
  beforeRoute: () => void
}

interface IncomingRequest {
  method: string
  url: URL
  /** Path below the API root, as sent. */
  rawPath: string
  /** `rawPath` decoded. */
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  rawBody: string
  body: unknown
  parseFailed: boolean
}

function readRequest(incoming: http.IncomingMessage, chunks: Buffer[]): IncomingRequest {
  const method = (incoming.method ?? 'GET').toUpperCase()
  const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
  const rawPath = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname
  // Octokit encodes "/" inside a parameter (refs, file paths) as %2F; GitHub decodes it.
  let path: string
  try {
    path = decodeURIComponent(rawPath)
  } catch {
    path = rawPath
  }
  const query = Object.fromEntries(url.searchParams)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (name !== 'authorization' && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const rawBody = Buffer.concat(chunks).toString('utf8')
  let body: unknown = undefined
  let parseFailed = false
  if (rawBody) {
    try {
      body = JSON.parse(rawBody)
    } catch {
      body = rawBody
      parseFailed = true
    }
  }
  return { method, url, rawPath, path, query, headers, rawBody, body, parseFailed }
}

/** GET /user, or a route below /repos/{owner}/{repo}. */
function dispatch(
  context: FakeContext,
  routes: Route[],
  method: string,
  path: string,
  request: ParsedRequest
): Reply {
  if (path === '/user' && method === 'GET') return authenticatedUser(context, request.actor)
  const repoPrefix = `/repos/${context.owner}/${context.repo}`
  if (path !== repoPrefix && !path.startsWith(`${repoPrefix}/`)) throw notFound()
  const rest = path.slice(repoPrefix.length)
  for (const candidate of routes) {
    const match = candidate.method === method ? candidate.pattern.exec(rest) : null
    if (match)
      return candidate.handle(
        [...match].map((part) => part ?? ''),
        request
      )
  }
  // Documented routes the fake does not model answer 501, so a test cannot mistake them for GitHub's answer.
  throw new HttpError(501, `The fake GitHub does not model ${method} ${path}.`)
}

function send(context: FakeContext, response: http.ServerResponse, reply: Reply): void {
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body)
  response.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-request-id': `FAKE:${context.newId()}`,
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(context.clock() / 1000) + 3600),
    ...reply.headers
  })
  response.end(text)
}

/** Records, validates, routes (or fails as injected) one request; returns the answer. */
function answer(
  context: FakeContext,
  parts: ServerParts,
  incoming: http.IncomingMessage,
  request: IncomingRequest
): Reply {
  const { method, url, rawPath, path, query, headers, rawBody, body } = request
  parts.recorder.log.push({ method, path, query, headers, body })
  const record: ParsedRequest['record'] = (violation) =>
    parts.recorder.violations.push({ method, path, ...violation })
  let reply: Reply
  let operation: { template: string } | undefined
  try {
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw notFound()
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(incoming.headers.authorization ?? '')
    if (!auth?.[1]) throw new HttpError(401, 'Requires authentication')
    if (request.parseFailed) throw new HttpError(400, 'Problems parsing JSON')
    const validate = context.options.validate !== false
    const check = checkAgainstDescription(validate, method, rawPath, query, body, rawBody.length > 0)
    operation = check.operation
    enforceFindings(check, record)
    const next = parts.faults.take(method, path)
    if (next && !next.afterProcessing) {
      reply = next.reply()
    } else {
      parts.beforeRoute()
      const parsedBody =
        typeof body === 'object' && body !== null && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {}
      const origin = `http://${incoming.headers.host ?? '127.0.0.1'}`
      const actor = parts.identities.actorFor(auth[1])
      reply = dispatch(context, parts.routes, method, path, {
        query,
        body: parsedBody,
        actor,
        origin,
        record
      })
      if (next) reply = next.reply()
    }
  } catch (error) {
    reply = errorReply(error)
  }
  if (operation && reply.status < 500) checkAnswer(parts.recorder, method, rawPath, operation.template, reply)
  return reply
}

/** Listens on 127.0.0.1 (port 0) and sets `context.serverUrl`; resolves to the server. */
export async function startServer(context: FakeContext, parts: ServerParts): Promise<http.Server> {
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () =>
      send(context, response, answer(context, parts, incoming, readRequest(incoming, chunks)))
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  context.serverUrl = `http://127.0.0.1:${port}`
  return server
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections()
    server.close((error) => (error ? reject(error) : resolve()))
  })
}
