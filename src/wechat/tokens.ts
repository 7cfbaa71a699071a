/**
 * Where access tokens come from. Every token and credential is registered as a secret the moment it is
 * known, and tokens are cached in memory for the run (renewed 5 minutes before they expire).
 *
 * The action never mints a component_access_token: a new one makes the previous one fail after a short
 * overlap (WeChat open-platform support, C-000eaa8c848d48ff3b4de9c5c51c00), which would break the platform
 * server that holds it. The component token comes from that server (`token-url`) or from the workflow
 * (`component-access-token`). stable_token is called in normal mode only: a forced refresh invalidates the
 * token every other holder uses (doc/service/api/base/api_getstableaccesstoken).
 */
import { registerSecret } from '../redact.js'
import { WeChatTokenError } from './errors.js'
import type { WeChatHttp } from './http.js'
import type { z } from 'zod'
import {
  authorizerTokenResponse,
  stableTokenResponse,
  tokenServiceComponentResponse,
  tokenServiceResponse
} from './schemas.js'

export interface TokenProvider {
  /** A current token for the mini program `appid`. */
  token(appid: string): Promise<string>
  /** The platform rejected the last token for `appid` (40001/42001/40014): fetch a new one next time. */
  invalidate(appid: string): void
  /**
   * `authorizer`: a third-party platform's authorizer_access_token (every code-management API).
   * `own`: the mini program's own access_token (operations APIs, getgrayreleaseplan, get_qrcode only).
   */
  readonly kind: 'authorizer' | 'own'
}

/** The third-party platform's component_access_token, for the template-library APIs. */
export interface ComponentTokenSource {
  /** `refresh: true` after the platform rejected the last one: ask the source again. */
  componentToken(options?: { refresh?: boolean }): Promise<string>
}

/** Renew this long before the platform's expiry, as the platform itself does for stable tokens. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000
/** A token service that does not say how long its token lives: reuse it until rejected, at most this long. */
const UNKNOWN_LIFETIME_MS = 60 * 60 * 1000
const COMPONENT_KEY = 'component'

interface CachedToken {
  value: string
  /** Epoch ms after which the token is fetched again. */
  renewAt: number
}

/** In-memory cache with one in-flight fetch per key, so a fan-out asks the source once per appid. */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>()
  private readonly inFlight = new Map<string, Promise<string>>()

  constructor(private readonly now: () => number = Date.now) {}

  async get(
    key: string,
    fetchToken: () => Promise<{ value: string; expiresInSeconds?: number }>
  ): Promise<string> {
    const cached = this.entries.get(key)
    if (cached && this.now() < cached.renewAt) return cached.value
    const pending = this.inFlight.get(key)
    if (pending) return pending
    const promise = (async () => {
      const { value, expiresInSeconds } = await fetchToken()
      registerSecret(value)
      const lifetime =
        expiresInSeconds === undefined ? UNKNOWN_LIFETIME_MS : expiresInSeconds * 1000 - REFRESH_MARGIN_MS
      // A very short lifetime still gets used once rather than never cached at all.
      this.entries.set(key, { value, renewAt: this.now() + Math.max(lifetime, 0) })
      return value
    })()
    this.inFlight.set(key, promise)
    try {
      return await promise
    } finally {
      this.inFlight.delete(key)
    }
  }

  invalidate(key: string): void {
    this.entries.delete(key)
  }
}

/** `authorizer-access-token`: one token for one mini program; it cannot be renewed. */
export class StaticTokenProvider implements TokenProvider {
  readonly kind: 'authorizer' | 'own'

  constructor(
    private readonly appid: string,
    private readonly accessToken: string,
    kind: 'authorizer' | 'own' = 'authorizer'
  ) {
    registerSecret(accessToken)
    this.kind = kind
  }

  async token(appid: string): Promise<string> {
    if (appid !== this.appid) {
      throw new WeChatTokenError(
        `The access token given in \`authorizer-access-token\` is for ${this.appid}, not ${appid}; use \`token-url\` for several mini programs.`
      )
    }
    return this.accessToken
  }

  /** Nothing to renew; the HTTP layer sees the same token come back and reports the rejection. */
  invalidate(): void {}
}

/** `component-access-token`: a component token fetched by an earlier step; it cannot be renewed. */
export class StaticComponentToken implements ComponentTokenSource {
  constructor(private readonly value: string) {
    registerSecret(value)
  }

  /** The same token even after a rejection: the HTTP layer then reports it instead of repeating the call. */
  async componentToken(): Promise<string> {
    return this.value
  }
}

export interface TokenServiceOptions {
  http: WeChatHttp
  /**
   * `token-url`: `GET <url>?appid=<appid>` answers the authorizer token of that mini program,
   * `GET <url>?component=1` the platform's component token (docs/credentials.md).
   */
  url: string
  /** `token-url-secret`: sent as `Authorization: Bearer <secret>`. */
  secret?: string
  kind?: 'authorizer' | 'own'
  now?: () => number
}

/**
 * The user's own token service: the platform server hands out the tokens it already holds, so it stays the
 * only place that mints them. Answers `{authorizer_access_token | access_token, expires_in?}` per appid and
 * `{component_access_token, expires_in?}` for `component=1`.
 */
export class TokenServiceProvider implements TokenProvider, ComponentTokenSource {
  readonly kind: 'authorizer' | 'own'
  private readonly cache: TokenCache

  constructor(private readonly options: TokenServiceOptions) {
    registerSecret(options.secret)
    this.kind = options.kind ?? 'authorizer'
    this.cache = new TokenCache(options.now)
  }

  token(appid: string): Promise<string> {
    return this.cache.get(`authorizer:${appid}`, () =>
      this.ask({ appid }, tokenServiceResponse, `a token for ${appid}`)
    )
  }

  invalidate(appid: string): void {
    this.cache.invalidate(`authorizer:${appid}`)
  }

  componentToken(options: { refresh?: boolean } = {}): Promise<string> {
    if (options.refresh) this.cache.invalidate(COMPONENT_KEY)
    return this.cache.get(COMPONENT_KEY, () =>
      this.ask({ component: 1 }, tokenServiceComponentResponse, 'the component_access_token')
    )
  }

  private async ask(
    query: Record<string, string | number>,
    schema: z.ZodType<{ token: string; expiresIn?: number | undefined }>,
    what: string
  ): Promise<{ value: string; expiresInSeconds?: number }> {
    try {
      const reply = await this.options.http.json({
        method: 'GET',
        path: this.options.url,
        query,
        headers: this.options.secret ? { authorization: `Bearer ${this.options.secret}` } : {},
        idempotent: true,
        schema,
        endpoint: 'token service',
        input: 'token-url'
      })
      return {
        value: reply.token,
        ...(reply.expiresIn !== undefined ? { expiresInSeconds: reply.expiresIn } : {})
      }
    } catch (error) {
      throw new WeChatTokenError(`Could not get ${what} from \`token-url\`: ${(error as Error).message}`, {
        cause: error
      })
    }
  }
}

export interface RefreshTokenOptions {
  http: WeChatHttp
  componentAppid: string
  /** Where the component token for api_authorizer_token comes from; never minted here. */
  componentTokens: ComponentTokenSource
  /** appid → authorizer_refresh_token. */
  refreshTokens: Record<string, string> | Map<string, string>
  now?: () => number
}

/**
 * `authorizer-refresh-tokens`, the last resort: authorizer tokens obtained with each mini program's refresh
 * token and a component token from elsewhere. A refresh token WeChat rotates here keeps working for the
 * platform server only 5 more minutes (C-refresh), hence the warning in docs/credentials.md.
 */
export class RefreshTokenProvider implements TokenProvider {
  readonly kind = 'authorizer' as const
  private readonly cache: TokenCache
  private readonly refreshTokens: Map<string, string>
  private componentRefresh = false

  constructor(private readonly options: RefreshTokenOptions) {
    this.cache = new TokenCache(options.now)
    this.refreshTokens = new Map(
      options.refreshTokens instanceof Map ? options.refreshTokens : Object.entries(options.refreshTokens)
    )
    for (const secret of this.refreshTokens.values()) registerSecret(secret)
  }

  token(appid: string): Promise<string> {
    return this.cache.get(`authorizer:${appid}`, async () => {
      const refreshToken = this.refreshTokens.get(appid)
      if (!refreshToken) {
        throw new WeChatTokenError(
          `No authorizer refresh token for ${appid}: add "${appid}: <refresh token>" to \`authorizer-refresh-tokens\`, or use \`token-url\`.`
        )
      }
      const reply = await this.options.http.json({
        method: 'POST',
        path: '/cgi-bin/component/api_authorizer_token',
        body: {
          component_appid: this.options.componentAppid,
          authorizer_appid: appid,
          authorizer_refresh_token: refreshToken
        },
        // A rotated refresh token leaves the old one usable for 5 minutes, so a repeat is harmless.
        idempotent: true,
        auth: {
          param: 'component_access_token',
          token: () => {
            const refresh = this.componentRefresh
            this.componentRefresh = false
            return this.options.componentTokens.componentToken(refresh ? { refresh } : {})
          },
          invalidate: () => {
            this.componentRefresh = true
          }
        },
        schema: authorizerTokenResponse
      })
      if (reply.authorizer_refresh_token && reply.authorizer_refresh_token !== refreshToken) {
        registerSecret(reply.authorizer_refresh_token)
        this.refreshTokens.set(appid, reply.authorizer_refresh_token)
      }
      return { value: reply.authorizer_access_token, expiresInSeconds: reply.expires_in }
    })
  }

  invalidate(appid: string): void {
    this.cache.invalidate(`authorizer:${appid}`)
  }

  /** The current refresh token of `appid` (it may have been rotated during the run). */
  refreshToken(appid: string): string | undefined {
    return this.refreshTokens.get(appid)
  }
}

export interface StableTokenOptions {
  http: WeChatHttp
  appid: string
  appsecret: string
  now?: () => number
}

/**
 * The mini program's own token from `appsecret` via `/cgi-bin/stable_token`, in normal mode only: every
 * caller gets the current token, renewed by the platform 5 minutes before it expires. `force_refresh` is
 * never sent: it would invalidate the token every other holder uses and is meant for a leaked token.
 */
export class StableTokenProvider implements TokenProvider {
  readonly kind = 'own' as const
  private readonly cache: TokenCache

  constructor(private readonly options: StableTokenOptions) {
    registerSecret(options.appsecret)
    this.cache = new TokenCache(options.now)
  }

  token(appid: string): Promise<string> {
    if (appid !== this.options.appid) {
      return Promise.reject(
        new WeChatTokenError(
          `\`appsecret\` belongs to ${this.options.appid}; it gives no token for ${appid}.`
        )
      )
    }
    return this.cache.get(appid, async () => {
      const reply = await this.options.http.json({
        method: 'POST',
        path: '/cgi-bin/stable_token',
        body: { grant_type: 'client_credential', appid, secret: this.options.appsecret },
        // Normal mode returns the same token on every call, so a repeat is harmless.
        idempotent: true,
        schema: stableTokenResponse
      })
      return { value: reply.access_token, expiresInSeconds: reply.expires_in }
    })
  }

  /**
   * Asked again next time; normal mode then hands back the same token if it is still current, and the HTTP
   * layer reports the rejection rather than repeating the call with it.
   */
  invalidate(appid: string): void {
    this.cache.invalidate(appid)
  }
}
