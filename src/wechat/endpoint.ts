/**
 * Rules for the two addresses a workflow points the action at (`api-base-url`, `token-url`): https, or plain
 * http to loopback only; no credentials in the URL. Checked when inputs are read (before any network call) and
 * again by the transport before each request.
 */

export type EndpointInput = 'api-base-url' | 'token-url'

/** `localhost`, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export interface EndpointCheck {
  /** The URL to use: trailing slashes of a base URL removed. */
  url: string
  /** Set for plain http to loopback: allowed (a local emulator or relay), but worth a line in the log. */
  warning?: string
}

/**
 * Validates an endpoint URL. Returns an error message (the rule that was broken) or the accepted URL.
 * The message never repeats the URL itself, which may carry credentials.
 */
export function checkEndpointUrl(input: EndpointInput, value: string): EndpointCheck | { error: string } {
  if (!URL.canParse(value)) return { error: 'must be an absolute http(s) URL' }
  const url = new URL(value)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { error: `must be an https URL (got the scheme "${url.protocol.replace(/:$/, '')}")` }
  }
  if (url.username || url.password) {
    return {
      error:
        input === 'token-url'
          ? 'must not carry a user name or password; put the bearer secret in token-url-secret'
          : 'must not carry a user name or password'
    }
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return {
      error: `uses plain http to ${url.hostname}, which would send tokens unencrypted: use https (plain http is accepted for loopback addresses only)`
    }
  }
  const normalized = input === 'api-base-url' ? value.replace(/\/+$/, '') : value
  return url.protocol === 'http:'
    ? {
        url: normalized,
        warning: `\`${input}\` uses plain http (allowed because ${url.hostname} is a loopback address).`
      }
    : { url: normalized }
}

/** Removes `user:password@` from every URL in a text (error messages of the HTTP stack quote URLs). */
export function stripUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi, '$1')
}

/** Origin and path of a URL: no userinfo, no query (queries carry tokens). */
export function describeUrl(url: string | URL): string {
  // Not a URL (a garbled Location header, say): show nothing of it rather than something secret.
  if (typeof url === 'string' && !URL.canParse(url)) return '(an address that is not a URL)'
  const parsed = typeof url === 'string' ? new URL(url) : url
  return `${parsed.origin}${parsed.pathname}`
}
