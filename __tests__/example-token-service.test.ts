// The example token service a platform server adapts (examples/token-service): the contract of `token-url`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTokenService, type TokenStore } from '../examples/token-service/token-service.mjs'
import { WeChatHttp } from '../src/wechat/http.js'
import { TokenServiceProvider } from '../src/wechat/tokens.js'

const SECRET = 'a-bearer-secret-for-tests-0001'
const NOW = 1_767_225_600
const APPID = 'wxa000000000000001'

const held = {
  component: { token: 'component-token-held-1', expiresAt: NOW + 5400 } as
    { token: string; expiresAt?: number } | undefined,
  authorizers: new Map<string, { token: string; expiresAt?: number }>([
    [APPID, { token: 'authorizer-token-held-1', expiresAt: NOW + 3600 }],
    ['wxa000000000000002', { token: 'authorizer-token-expired', expiresAt: NOW - 1 }],
    ['wxa000000000000003', { token: 'authorizer-token-no-expiry' }]
  ])
}
let storeFails = false
const storeErrors: unknown[] = []
const store: TokenStore = {
  componentToken: () => held.component,
  authorizerToken: async (appid) => {
    if (storeFails) throw new Error('redis://user:password@cache.internal refused')
    return held.authorizers.get(appid)
  }
}

let server: Server
let url: string

beforeAll(async () => {
  server = createServer(
    createTokenService({ secret: SECRET, store, now: () => NOW, onError: (error) => storeErrors.push(error) })
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function ask(query: string, init: RequestInit = {}, secret: string | null = SECRET) {
  const response = await fetch(`${url}${query}`, {
    ...init,
    headers: secret === null ? {} : { authorization: `Bearer ${secret}` }
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>
  }
}

describe('example token service', () => {
  it('hands out the authorizer token the server holds, with the time it has left', async () => {
    const reply = await ask(`?appid=${APPID}`)
    expect(reply).toMatchObject({
      status: 200,
      body: { authorizer_access_token: 'authorizer-token-held-1', expires_in: 3600 }
    })
    expect(reply.headers.get('cache-control')).toBe('no-store')
    expect((await ask('?appid=wxa000000000000003')).body).toEqual({
      authorizer_access_token: 'authorizer-token-no-expiry'
    })
  })

  it('hands out the component token for component=1, and 503 when the server holds none', async () => {
    expect(await ask('?component=1')).toMatchObject({
      status: 200,
      body: { component_access_token: 'component-token-held-1', expires_in: 5400 }
    })
    const saved = held.component
    held.component = undefined
    expect((await ask('?component=1')).status).toBe(503)
    held.component = saved
  })

  it('refuses without the secret, with a wrong one, and for other methods', async () => {
    const missing = await ask(`?appid=${APPID}`, {}, null)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    expect((await ask(`?appid=${APPID}`, {}, 'not-the-secret')).status).toBe(401)
    expect((await ask(`?appid=${APPID}`, { method: 'POST' })).status).toBe(405)
  })

  it('answers 400 for a bad query, 404 for an appid it does not serve, 503 for an expired token', async () => {
    for (const query of ['', '?appid=shop', '?component=yes', `?appid=${APPID}&component=1`]) {
      expect([query, (await ask(query)).status]).toEqual([query, 400])
    }
    expect((await ask('?appid=wxa00000000000000f')).status).toBe(404)
    expect((await ask('?appid=wxa000000000000002')).status).toBe(503)
  })

  it('hides what the store said when it failed', async () => {
    storeFails = true
    const reply = await ask(`?appid=${APPID}`)
    storeFails = false
    expect(reply).toEqual(expect.objectContaining({ status: 500, body: { error: 'the token store failed' } }))
    expect(String(storeErrors[0])).toMatch(/redis:\/\/user:password@cache\.internal refused/)
  })

  it('refuses a short secret', () => {
    expect(() => createTokenService({ secret: 'short', store })).toThrow(/at least 16 characters/)
  })

  it("serves the action's token-url client: authorizer and component tokens", async () => {
    const http = new WeChatHttp({ baseUrl: 'http://127.0.0.1:9' })
    const provider = new TokenServiceProvider({ http, url, secret: SECRET })
    await expect(provider.token(APPID)).resolves.toBe('authorizer-token-held-1')
    await expect(provider.componentToken()).resolves.toBe('component-token-held-1')
    await expect(provider.token('wxa00000000000000f')).rejects.toThrow(/token-url.*HTTP 404/)
    await http.close()
  })
})
