/**
 * Runs the token service on its own, reading the tokens from a JSON file the platform server keeps current
 * (replace `fileStore` with your server's own storage: the database or cache it already writes tokens to).
 *
 *   TOKEN_SERVICE_SECRET=...  TOKEN_STORE_FILE=/var/lib/platform/tokens.json  PORT=8443  node server.mjs
 *
 * The file: {"component": {"token": "...", "expiresAt": 1767232800},
 *            "authorizers": {"wx0123456789abcdef": {"token": "...", "expiresAt": 1767232800}}}
 *
 * It listens on 127.0.0.1 unless HOST says otherwise: put it behind your HTTPS reverse proxy, so the runner
 * reaches it over TLS (the action accepts plain http only for loopback addresses).
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createTokenService } from './token-service.mjs'

const secret = process.env.TOKEN_SERVICE_SECRET ?? ''
const file = process.env.TOKEN_STORE_FILE ?? ''
if (!secret || !file) {
  console.error('Set TOKEN_SERVICE_SECRET and TOKEN_STORE_FILE.')
  process.exit(1)
}

async function readTokens() {
  return JSON.parse(await readFile(file, 'utf8'))
}

/** @type {import('./token-service.mjs').TokenStore} */
const fileStore = {
  componentToken: async () => (await readTokens()).component,
  authorizerToken: async (appid) => (await readTokens()).authorizers?.[appid]
}

const server = createServer(createTokenService({ secret, store: fileStore }))
server.listen(Number(process.env.PORT ?? 8443), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address()
  console.log(
    `token service on ${typeof address === 'string' ? address : `${address.address}:${address.port}`}`
  )
})
