/**
 * Every secret the action touches is registered here once. `redact` is applied to every text that
 * leaves the process (log lines, errors, job summary, check runs, comments, outputs), because the
 * WeChat access token travels in the query string and would otherwise show up in URLs and errors.
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
  /((?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)=)[^&\s"'#]+/gi
const TOKEN_FIELD =
  /("(?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)"\s*:\s*")[^"]*"/gi

export function redact(text: string): string {
  let out = text.replace(TOKEN_PARAM, '$1***').replace(TOKEN_FIELD, '$1***"')
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('***')
  }
  return out
}
