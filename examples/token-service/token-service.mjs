/**
 * A minimal token endpoint for a WeChat third-party platform server: it hands out the tokens the server
 * already keeps, behind a bearer secret, so the server stays the only place that mints them.
 *
 * The contract (the action's `token-url`, see docs/credentials.md):
 *   GET <url>?appid=<appid>   → 200 {"authorizer_access_token": "...", "expires_in": 5400}
 *   GET <url>?component=1     → 200 {"component_access_token": "...", "expires_in": 5400}
 * with `Authorization: Bearer <secret>`. Errors: 400 (bad query), 401 (no or wrong secret), 404 (an appid
 * the server does not serve), 405 (not GET), 503 (the server holds no current token right now).
 *
 * Why the server must not mint on request: a new component_access_token makes the previous one fail after a
 * short overlap, and only the server receives the component_verify_ticket it is minted with. So this module
 * only reads from a store the server fills as it renews its tokens; it never calls WeChat.
 *
 * No framework: `createTokenService(options)` returns a `(request, response)` listener for node:http (or for
 * any server that passes Node's request and response objects).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { URL } from 'node:url'

const APPID = /^wx[0-9a-f]{16}$/

/**
 * @typedef {{ token: string, expiresAt?: number }} HeldToken  A token and, when known, its expiry (unix seconds).
 * @typedef {{
 *   componentToken(): Promise<HeldToken | undefined> | HeldToken | undefined,
 *   authorizerToken(appid: string): Promise<HeldToken | undefined> | HeldToken | undefined
 * }} TokenStore  Where the platform server keeps its current tokens (a database, Redis, memory).
 * @typedef {{ secret: string, store: TokenStore, now?: () => number, onError?: (error: unknown) => void }} TokenServiceOptions
 */

/** Compares secrets in constant time (hashes first, so lengths cannot be told apart either). */
function sameSecret(given, expected) {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function send(response, status, body, headers = {}) {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // Tokens must never be kept by a cache between the runner and the server.
    'cache-control': 'no-store',
    ...headers
  })
  response.end(text)
}

/**
 * @param {TokenServiceOptions} options
 * @returns {(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => Promise<void>}
 */
export function createTokenService(options) {
  if (typeof options?.secret !== 'string' || options.secret.length < 16) {
    throw new Error('createTokenService needs a secret of at least 16 characters')
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const onError = options.onError ?? ((error) => console.error('token service: the store failed', error))

  /** The reply for a held token, or undefined when there is none or it has expired. */
  const grant = (field, held) => {
    if (!held?.token) return undefined
    if (held.expiresAt === undefined) return { [field]: held.token }
    const left = held.expiresAt - now()
    return left > 0 ? { [field]: held.token, expires_in: left } : undefined
  }

  return async (request, response) => {
    try {
      if (request.method !== 'GET') return send(response, 405, { error: 'use GET' }, { allow: 'GET' })
      const header = request.headers.authorization ?? ''
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : ''
      if (!given || !sameSecret(given, options.secret)) {
        return send(response, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' })
      }
      const query = new URL(request.url ?? '/', 'http://token-service.invalid').searchParams
      const appid = query.get('appid')
      const component = query.get('component')
      if ((appid === null) === (component === null) || (component !== null && component !== '1')) {
        return send(response, 400, { error: 'give either appid=<appid> or component=1' })
      }
      if (component === '1') {
        const reply = grant('component_access_token', await options.store.componentToken())
        return reply
          ? send(response, 200, reply)
          : send(response, 503, { error: 'the server holds no current component token' })
      }
      if (!APPID.test(appid))
        return send(response, 400, { error: 'appid must be wx followed by 16 hex characters' })
      const held = await options.store.authorizerToken(appid)
      if (held === undefined) return send(response, 404, { error: 'this appid is not served here' })
      const reply = grant('authorizer_access_token', held)
      return reply
        ? send(response, 200, reply)
        : send(response, 503, { error: 'the server holds no current token for this appid' })
    } catch (error) {
      // The store failed: the caller learns only that; the details (which may name hosts or credentials) go to
      // the server's own log.
      onError(error)
      if (!response.headersSent) send(response, 500, { error: 'the token store failed' })
      else response.destroy()
    }
  }
}
