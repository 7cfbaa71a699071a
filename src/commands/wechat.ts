/** The WeChat client as commands use it, built from the validated credentials. */
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { WeChatClient } from '../wechat/client.js'
import { WeChatHttp } from '../wechat/http.js'
import {
  ComponentTokenProvider,
  StableTokenProvider,
  StaticTokenProvider,
  TokenServiceProvider,
  type TokenProvider
} from '../wechat/tokens.js'

export function wechatClientFor(inputs: Inputs, targets: string[]): WeChatClient {
  const http = new WeChatHttp({
    baseUrl: inputs.apiBaseUrl,
    timeoutMs: inputs.wechatTimeoutMs,
    log: (line) => log.debug(line)
  })
  const credentials = inputs.credentials
  let tokens: TokenProvider
  let componentTokens: ((options?: { refresh?: boolean }) => Promise<string>) | undefined
  if (credentials?.kind === 'authorizer-token') {
    tokens = new StaticTokenProvider(inputs.appid ?? targets[0] ?? '', credentials.token)
  } else if (credentials?.kind === 'token-url') {
    tokens = new TokenServiceProvider({
      http,
      url: credentials.url,
      ...(credentials.secret ? { secret: credentials.secret } : {})
    })
  } else if (credentials?.kind === 'component') {
    const provider = new ComponentTokenProvider({
      http,
      componentAppid: credentials.componentAppid,
      ...(credentials.componentAppsecret ? { componentAppsecret: credentials.componentAppsecret } : {}),
      ...(credentials.componentVerifyTicket
        ? { componentVerifyTicket: credentials.componentVerifyTicket }
        : {}),
      ...(credentials.componentAccessToken ? { componentAccessToken: credentials.componentAccessToken } : {}),
      refreshTokens: credentials.refreshTokens
    })
    tokens = provider
    componentTokens = (options) => provider.componentToken(options)
  } else {
    // Validated earlier: without a platform, sync has appsecret for read-only monitoring.
    tokens = new StableTokenProvider({ http, appid: targets[0] ?? '', appsecret: inputs.appsecret ?? '' })
  }
  return new WeChatClient({ http, tokens, ...(componentTokens ? { componentTokens } : {}) })
}

/**
 * "Now" by WeChat's clock (the Date header of its last reply), so the 15-day countdown and the schedule's
 * dwell times do not depend on the runner's clock.
 */
export function wechatNow(client: WeChatClient): number {
  return client.http.serverTime() ?? Math.floor(Date.now() / 1000)
}
