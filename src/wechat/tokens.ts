/**
 * Where access tokens come from. Every token and credential is registered as a secret the moment it is
 * known, and tokens are cached in memory for the run (renewed 5 minutes before they expire).
 */
import { registerSecret } from '../redact.js'
import { WeChatTokenError } from './errors.js'
import type { WeChatHttp } from './http.js'
import {
  authorizerTokenResponse,
  componentTokenResponse,
  stableTokenResponse,
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
        `The access token given in \`authorizer-access-token\` is for ${this.appid}, not ${appid}; use \`token-url\` or component credentials for several mini programs.`
      )
    }
    return this.accessToken
  }

  /** Nothing to renew; the HTTP layer sees the same token come back and reports the rejection. */
  invalidate(): void {}
}

export interface TokenServiceOptions {
  http: WeChatHttp
  /** `token-url`: called as `GET <url>?appid=<appid>`. */
  url: string
  /** `token-url-secret`: sent as `Authorization: Bearer <secret>`. */
  secret?: string
  kind?: 'authorizer' | 'own'
  now?: () => number
}

/** The user's own token service, which answers `{access_token | authorizer_access_token, expires_in?}`. */
export class TokenServiceProvider implements TokenProvider {
  readonly kind: 'authorizer' | 'own'
  private readonly cache: TokenCache

  constructor(private readonly options: TokenServiceOptions) {
    registerSecret(options.secret)
    this.kind = options.kind ?? 'authorizer'
    this.cache = new TokenCache(options.now)
  }

  token(appid: string): Promise<string> {
    return this.cache.get(appid, async () => {
      try {
        const reply = await this.options.http.json({
          method: 'GET',
          path: this.options.url,
          query: { appid },
          headers: this.options.secret ? { authorization: `Bearer ${this.options.secret}` } : {},
          idempotent: true,
          schema: tokenServiceResponse,
          endpoint: 'token service'
        })
        return {
          value: reply.token,
          ...(reply.expiresIn !== undefined ? { expiresInSeconds: reply.expiresIn } : {})
        }
      } catch (error) {
        throw new WeChatTokenError(
          `Could not get a token for ${appid} from \`token-url\`: ${(error as Error).message}`,
          { cause: error }
        )
      }
    })
  }

  invalidate(appid: string): void {
    this.cache.invalidate(appid)
  }
}

export interface ComponentTokenOptions {
  http: WeChatHttp
  componentAppid: string
  componentAppsecret?: string
  componentVerifyTicket?: string
  /** A ready component_access_token; used as long as it is accepted. */
  componentAccessToken?: string
  /** appid → authorizer_refresh_token. */
  refreshTokens: Record<string, string> | Map<string, string>
  now?: () => number
}

/**
 * Third-party platform: component credentials → component_access_token → one authorizer_access_token per
 * authorized mini program (via its refresh token).
 */
export class ComponentTokenProvider implements TokenProvider {
  readonly kind = 'authorizer' as const
  private readonly cache: TokenCache
  private readonly refreshTokens: Map<string, string>
  private givenComponentToken: string | undefined

  constructor(private readonly options: ComponentTokenOptions) {
    this.cache = new TokenCache(options.now)
    this.refreshTokens = new Map(
      options.refreshTokens instanceof Map ? options.refreshTokens : Object.entries(options.refreshTokens)
    )
    this.givenComponentToken = options.componentAccessToken
    for (const secret of [
      options.componentAppsecret,
      options.componentVerifyTicket,
      options.componentAccessToken,
      ...this.refreshTokens.values()
    ]) {
      registerSecret(secret)
    }
  }

  /**
   * The component_access_token, for the template-library APIs. `refresh: true` after the platform rejected
   * it: a given token is dropped in favour of the app secret and ticket, when those exist.
   */
  async componentToken(options: { refresh?: boolean } = {}): Promise<string> {
    if (options.refresh) {
      this.cache.invalidate(COMPONENT_KEY)
      if (this.canFetchComponentToken()) this.givenComponentToken = undefined
    }
    if (this.givenComponentToken) return this.givenComponentToken
    if (!this.canFetchComponentToken()) {
      throw new WeChatTokenError(
        'No component_access_token: give `component-access-token`, or `component-appsecret` with `component-verify-ticket`.'
      )
    }
    return this.cache.get(COMPONENT_KEY, async () => {
      const reply = await this.options.http.json({
        method: 'POST',
        path: '/cgi-bin/component/api_component_token',
        body: {
          component_appid: this.options.componentAppid,
          component_appsecret: this.options.componentAppsecret,
          component_verify_ticket: this.options.componentVerifyTicket
        },
        // A new component token leaves the previous one valid for a while, so asking twice is harmless.
        idempotent: true,
        schema: componentTokenResponse
      })
      return { value: reply.component_access_token, expiresInSeconds: reply.expires_in }
    })
  }

  token(appid: string): Promise<string> {
    return this.cache.get(`authorizer:${appid}`, async () => {
      const refreshToken = this.refreshTokens.get(appid)
      if (!refreshToken) {
        throw new WeChatTokenError(
          `No authorizer refresh token for ${appid}: add "${appid}: <refresh token>" to \`authorizer-refresh-tokens\`.`
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
          token: () => this.componentToken(),
          invalidate: () => this.invalidateComponentToken()
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

  private invalidateComponentToken(): void {
    this.cache.invalidate(COMPONENT_KEY)
    if (this.canFetchComponentToken()) this.givenComponentToken = undefined
  }

  private canFetchComponentToken(): boolean {
    return Boolean(this.options.componentAppsecret && this.options.componentVerifyTicket)
  }
}

export interface StableTokenOptions {
  http: WeChatHttp
  appid: string
  appsecret: string
  now?: () => number
}

/** The mini program's own token from `appsecret` via `/cgi-bin/stable_token`. */
export class StableTokenProvider implements TokenProvider {
  readonly kind = 'own' as const
  private readonly cache: TokenCache
  /** After a rejection, normal mode would hand back the same token: force a new one (20 a day allowed). */
  private forceRefresh = false

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
      const force = this.forceRefresh
      const reply = await this.options.http.json({
        method: 'POST',
        path: '/cgi-bin/stable_token',
        body: {
          grant_type: 'client_credential',
          appid,
          secret: this.options.appsecret,
          force_refresh: force
        },
        // Normal mode returns the same token on every call; a forced refresh is not repeated.
        idempotent: !force,
        schema: stableTokenResponse
      })
      this.forceRefresh = false
      return { value: reply.access_token, expiresInSeconds: reply.expires_in }
    })
  }

  invalidate(appid: string): void {
    this.cache.invalidate(appid)
    this.forceRefresh = true
  }
}
