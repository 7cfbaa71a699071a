/**
 * Every secret the action touches is registered here once. `redact` is applied to every text that
 * leaves the process (log lines, errors, job summary, check runs, comments, outputs), because the
 * WeChat access token travels in the query string and would otherwise show up in URLs and errors.
 * It also strips the userinfo from every URL, so a proxy or relay address with credentials never
 * shows them, whatever their length or encoding.
 */

const secrets = new Set<string>()
let onRegister: ((value: string) => void) | undefined

/** Called once by main with core.setSecret so the runner masks the value in the raw log as well. */
export function setSecretSink(sink: ((value: string) => void) | undefined): void {
  onRegister = sink
}

export function registerSecret(value: string | undefined | null): void {
  if (!value) return
  const trimmed = value.trim()
  // Very short values would redact ordinary words; tokens and keys are never this short.
  if (trimmed.length < 6 || secrets.has(trimmed)) return
  secrets.add(trimmed)
  onRegister?.(trimmed)
  // Multi-line secrets (PEM keys) are also masked line by line, as the runner masks per line.
  if (trimmed.includes('\n')) {
    for (const line of trimmed.split(/\r?\n/)) {
      if (line.trim().length >= 16) registerSecret(line)
    }
  }
}

/** Test helper: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear()
}

const TOKEN_PARAM =
  /((?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)=)[^&\s"'#\\]+/gi
const TOKEN_FIELD =
  /("(?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)"\s*:\s*")[^"]*"/gi

/**
 * The userinfo of a URL (`scheme://user:password@`), up to the last `@` before the path: an unencoded
 * `@` in a password still ends up inside the match.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi

/** Every URL in the text without its userinfo (`https://user:pass@host` → `https://***@host`). */
export function stripUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1***@')
}

/**
 * The ways a password shows up in text: as typed in the URL, decoded, and encoded the ways libraries
 * re-encode it (encodeURIComponent leaves `!'()*` as they are; WHATWG URL serialisation and RFC 3986
 * strict encoding do not agree on them).
 */
function passwordForms(password: string): string[] {
  let decoded = password
  try {
    decoded = decodeURIComponent(password)
  } catch {
    // Not valid percent-encoding: the text as it is is the only form.
  }
  const component = encodeURIComponent(decoded)
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return [...new Set([password, decoded, component, strict, strict.toLowerCase(), component.toLowerCase()])]
}

/**
 * Registers a proxy URL with credentials: the whole URL as given and as URL parsers print it, the
 * userinfo, and the password in every encoding. A URL without credentials registers nothing (a proxy
 * address is no secret). Text that is no URL is registered whole, in case it holds a password anyway.
 */
export function registerProxySecrets(proxy: string | undefined): void {
  if (!proxy?.trim()) return
  let url: URL
  try {
    url = new URL(proxy.trim())
  } catch {
    registerSecret(proxy)
    return
  }
  if (!url.username && !url.password) return
  registerSecret(proxy)
  registerSecret(url.href)
  registerSecret(`${url.username}:${url.password}`)
  if (url.password) for (const form of passwordForms(url.password)) registerSecret(form)
}

/** The proxy variables that tools read from the environment, in any case. */
const PROXY_VARIABLES = new Set(['http_proxy', 'https_proxy', 'all_proxy'])

/** Registers the credentials of every proxy variable in the environment (HTTPS_PROXY, http_proxy, …). */
export function registerProxyEnvironment(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (PROXY_VARIABLES.has(name.toLowerCase())) registerProxySecrets(value)
  }
}

export function redact(text: string): string {
  let out = stripUrlUserinfo(text).replace(TOKEN_PARAM, '$1***').replace(TOKEN_FIELD, '$1***"')
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('***')
  }
  return out
}

/** The action's own hidden markers in Markdown it writes to GitHub. */
const OWN_MARKER = /<!-- wechat-miniprogram-release:[\s\S]*?-->/g

/**
 * Markdown for GitHub redacted everywhere except inside the action's own hidden markers. A marker holds
 * only what the action put there: ids, hashes, encoded fields, and records whose strings were redacted
 * before they were serialised (redactDeep). A secret that happens to spell part of a marker (a proxy
 * password "release") must not break the record or key the next run reads back. Untrusted text cannot
 * form a marker: the Markdown helpers escape `<`.
 */
export function redactMarkdown(text: string): string {
  let out = ''
  let last = 0
  for (const match of text.matchAll(OWN_MARKER)) {
    out += redact(text.slice(last, match.index)) + match[0]
    last = match.index + match[0].length
  }
  return out + redact(text.slice(last))
}

/**
 * Every string inside `value` redacted, for text that is serialised afterwards (JSON records, the `result`
 * output): redacting the serialised text instead could cut through an escape and leave JSON that no longer
 * parses.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T
  }
  return value
}

/** An output redacted: a JSON array or object field by field (it stays JSON), any other text as text. */
export function redactOutput(value: string): string {
  const trimmed = value.trimStart()
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.stringify(redactDeep(JSON.parse(value) as unknown))
    } catch {
      // Not JSON after all: redacted as text below.
    }
  }
  return redact(value)
}
