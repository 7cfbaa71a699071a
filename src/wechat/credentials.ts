/**
 * The platform credentials a workflow can give, as one value (read from the inputs in src/inputs.ts), and
 * the client built from them. See docs/credentials.md for the user's side of each.
 */
import { WeChatClient } from './client.js'
import { checkEndpointUrl } from './endpoint.js'
import { WeChatHttp } from './http.js'
import {
  RefreshTokenProvider,
  StableTokenProvider,
  StaticComponentToken,
  StaticTokenProvider,
  TokenServiceProvider,
  type ComponentTokenSource,
  type TokenProvider
} from './tokens.js'

/** Where authorizer_access_tokens come from, in the order the docs recommend them. */
export type AuthorizerCredentials =
  /** `token-url`: the platform server hands out the tokens it holds. */
  | { kind: 'token-url'; url: string; secret?: string }
  /** `authorizer-access-token`: one token for one mini program, fetched by an earlier step. */
  | { kind: 'authorizer-token'; token: string }
  /** `authorizer-refresh-tokens` with `component-appid`: the last resort (see RefreshTokenProvider). */
  | { kind: 'refresh-tokens'; componentAppid: string; refreshTokens: Record<string, string> }

/** Where the component_access_token (template library) comes from; the action never mints one. */
export type ComponentCredentials =
  { kind: 'token-url'; url: string; secret?: string } | { kind: 'component-token'; token: string }

export interface Credentials {
  authorizer: AuthorizerCredentials
  /** Only the template route needs it. */
  component?: ComponentCredentials
}

export interface WeChatClientSetup {
  /** `api-base-url`. */
  baseUrl: string
  timeoutMs: number
  credentials?: Credentials
  /** The mini program's own AppSecret (read-only monitoring without a platform). */
  appsecret?: string
  /** The mini program a single token or appsecret belongs to. */
  appid: string
  debug: (line: string) => void
  warning: (message: string) => void
  /** The runner's clock in epoch ms (tests inject it). */
  clock?: () => number
}

export const REFRESH_TOKENS_WARNING =
  '`authorizer-refresh-tokens` makes the action ask WeChat for authorizer tokens itself; when WeChat rotates a refresh token, the copy your platform server keeps stops working 5 minutes later. Prefer `token-url` (docs/credentials.md).'

/** The client for a command: transport, token sources and warnings about how they are configured. */
export function createWeChatClient(setup: WeChatClientSetup): WeChatClient {
  for (const [input, url] of [
    ['api-base-url', setup.baseUrl],
    ['token-url', tokenServiceUrl(setup.credentials)]
  ] as const) {
    if (!url) continue
    const check = checkEndpointUrl(input, url)
    if ('warning' in check && check.warning) setup.warning(check.warning)
  }
  const http = new WeChatHttp({
    baseUrl: setup.baseUrl,
    timeoutMs: setup.timeoutMs,
    log: setup.debug,
    warn: setup.warning,
    ...(setup.clock ? { clock: setup.clock } : {})
  })
  const now = setup.clock
  const credentials = setup.credentials
  let service: TokenServiceProvider | undefined
  const serviceFor = (url: string, secret: string | undefined): TokenServiceProvider =>
    (service ??= new TokenServiceProvider({
      http,
      url,
      ...(secret ? { secret } : {}),
      ...(now ? { now } : {})
    }))

  let component: ComponentTokenSource | undefined
  if (credentials?.component?.kind === 'component-token') {
    component = new StaticComponentToken(credentials.component.token)
  } else if (credentials?.component?.kind === 'token-url') {
    component = serviceFor(credentials.component.url, credentials.component.secret)
  }

  let tokens: TokenProvider
  const authorizer = credentials?.authorizer
  if (authorizer?.kind === 'token-url') {
    tokens = serviceFor(authorizer.url, authorizer.secret)
  } else if (authorizer?.kind === 'authorizer-token') {
    tokens = new StaticTokenProvider(setup.appid, authorizer.token)
  } else if (authorizer?.kind === 'refresh-tokens') {
    setup.warning(REFRESH_TOKENS_WARNING)
    const source = component
    tokens = new RefreshTokenProvider({
      http,
      componentAppid: authorizer.componentAppid,
      componentTokens: source ?? missingComponentToken,
      refreshTokens: authorizer.refreshTokens,
      ...(now ? { now } : {})
    })
  } else {
    // Validated with the inputs: without a platform, only appsecret (read-only monitoring) is left.
    tokens = new StableTokenProvider({
      http,
      appid: setup.appid,
      appsecret: setup.appsecret ?? '',
      ...(now ? { now } : {})
    })
  }
  const source = component
  return new WeChatClient({
    http,
    tokens,
    ...(source ? { componentTokens: (options) => source.componentToken(options) } : {})
  })
}

function tokenServiceUrl(credentials: Credentials | undefined): string | undefined {
  if (credentials?.authorizer.kind === 'token-url') return credentials.authorizer.url
  if (credentials?.component?.kind === 'token-url') return credentials.component.url
  return undefined
}

/** Refresh tokens without a component token source: the inputs refuse this, so this only guards. */
const missingComponentToken: ComponentTokenSource = {
  componentToken: () =>
    Promise.reject(
      new Error('`authorizer-refresh-tokens` needs `component-access-token` to reach api_authorizer_token')
    )
}
