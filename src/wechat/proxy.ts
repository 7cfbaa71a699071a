/**
 * WeChat requests through a proxy. This module (and undici with it, about half a megabyte of JavaScript)
 * is loaded only when HTTP(S)_PROXY is set or a dispatcher is injected; otherwise Node's own fetch is
 * used, so runs without a proxy start faster and never print undici's "EnvHttpProxyAgent is
 * experimental" warning.
 */
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici'

export { fetch } from 'undici'

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/** A dispatcher that never uses a proxy: for loopback addresses, whatever the environment says. */
export function createDirectDispatcher(): Dispatcher {
  return new Agent()
}

/**
 * Proxy settings from the environment, with loopback always direct: a local emulator, relay or token
 * service must not be sent to a corporate proxy (the same rule @actions/http-client applies).
 */
export function createDispatcher(env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const fromEnv = env.no_proxy ?? env.NO_PROXY ?? ''
  const noProxy =
    fromEnv.trim() === '*' ? '*' : [fromEnv, ...LOOPBACK_HOSTS].filter((entry) => entry).join(',')
  return new EnvHttpProxyAgent({
    noProxy,
    ...definedOnly({
      httpProxy: env.http_proxy ?? env.HTTP_PROXY,
      httpsProxy: env.https_proxy ?? env.HTTPS_PROXY
    })
  })
}

/** The entries whose value is set: undici's options take a missing key, not an undefined one. */
function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined)
  )
}
