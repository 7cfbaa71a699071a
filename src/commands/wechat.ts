/** The WeChat client as commands use it, built from the validated credentials. */
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import type { WeChatClient } from '../wechat/client.js'
import { createWeChatClient } from '../wechat/credentials.js'

export function wechatClientFor(inputs: Inputs, targets: string[]): WeChatClient {
  return createWeChatClient({
    baseUrl: inputs.apiBaseUrl,
    timeoutMs: inputs.wechatTimeoutMs,
    ...(inputs.credentials ? { credentials: inputs.credentials } : {}),
    ...(inputs.appsecret ? { appsecret: inputs.appsecret } : {}),
    appid: inputs.appid ?? targets[0] ?? '',
    debug: (line) => log.debug(line),
    warning: (message) => log.warning(message)
  })
}

/**
 * "Now" by WeChat's clock (the Date header of its last reply, trusted within 5 minutes of the runner's
 * clock), so the 15-day countdown and the schedule's dwell times follow the platform.
 */
export function wechatNow(client: WeChatClient): number {
  return client.now()
}
