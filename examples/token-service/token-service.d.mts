import type { IncomingMessage, ServerResponse } from 'node:http'

/** A token and, when known, its expiry in unix seconds. */
export interface HeldToken {
  token: string
  expiresAt?: number
}

/** Where the platform server keeps its current tokens. `undefined` from authorizerToken: not served here. */
export interface TokenStore {
  componentToken(): Promise<HeldToken | undefined> | HeldToken | undefined
  authorizerToken(appid: string): Promise<HeldToken | undefined> | HeldToken | undefined
}

export interface TokenServiceOptions {
  /** The bearer secret (the action's `token-url-secret`), at least 16 characters. */
  secret: string
  store: TokenStore
  /** Unix seconds; injectable for tests. */
  now?: () => number
  /** Where a failing store's error goes (the caller gets only a 500); default console.error. */
  onError?: (error: unknown) => void
}

export function createTokenService(
  options: TokenServiceOptions
): (request: IncomingMessage, response: ServerResponse) => Promise<void>
