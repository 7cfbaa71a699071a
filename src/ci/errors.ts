/**
 * miniprogram-ci's errors are terse (`20003 Error: {"errCode":-10008,...}`). This turns each class
 * into a message that says what happened and what the user can do about it.
 */
import { redact } from '../redact.js'

export type CiErrorKind =
  | 'parameter'
  | 'private-key'
  | 'network'
  | 'ip-whitelist'
  | 'key-rejected'
  | 'server'
  | 'compile'
  | 'timeout'
  | 'setup'
  | 'unknown'

export class CiError extends Error {
  override readonly name = 'CiError'
  constructor(
    readonly kind: CiErrorKind,
    /** miniprogram-ci's numeric code (10000, 20001, …) when it gave one. */
    readonly code: number | undefined,
    summary: string,
    readonly hint: string,
    readonly server?: { errCode: number; errMsg: string }
  ) {
    super(redact(hint ? `${summary}. ${hint}` : summary))
  }
}

/** miniprogram-ci's own codes (dist/config/config.js). */
export const CI_CODES = {
  PARAM_ERROR: 10000,
  GET_RAND_STRING: 20001,
  LOCAL_SIGNATURE: 20002,
  UPLOAD_CGI: 20003
} as const

const NETWORK_FAILURE =
  /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ESOCKETTIMEDOUT|socket hang up|tunneling socket|self[- ]signed certificate|unable to verify the first certificate/i
// The server's real wording is not documented; these are the words any IP whitelist message carries.
const IP_WHITELIST = /white\s*-?list|白名单|\bip\b/i
const KEY_REJECTED = /signature|签名|private\s*key|密钥|秘钥/i

export interface CiErrorContext {
  command: 'preview' | 'upload'
  appid: string
  proxy?: string | undefined
}

/** The `{errCode, errMsg}` a WeChat server reply carried, wherever miniprogram-ci put it in its message. */
export function parseServerError(message: string): { errCode: number; errMsg: string } | undefined {
  const json = /\{[^{}]*"errCode"\s*:\s*(-?\d+)[^{}]*\}/.exec(message)
  if (json) {
    try {
      const parsed = JSON.parse(json[0]) as { errCode?: unknown; errMsg?: unknown; errmsg?: unknown }
      return { errCode: Number(parsed.errCode), errMsg: String(parsed.errMsg ?? parsed.errmsg ?? '') }
    } catch {
      return { errCode: Number(json[1]), errMsg: '' }
    }
  }
  const text = /errCode:\s*(-?\d+);\s*errMsg:\s*([^\n]*)/.exec(message)
  if (text) return { errCode: Number(text[1]), errMsg: (text[2] ?? '').trim() }
  return undefined
}

function numericCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'number') return code
  if (typeof code === 'string' && /^-?\d+$/.test(code)) return Number(code)
  return undefined
}

function rawMessage(error: unknown): string {
  // Not `instanceof Error`: miniprogram-ci may run in another realm (a test VM context).
  const message = (error as { message?: unknown } | null)?.message
  if (typeof message === 'string') return message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}

/** Turns anything miniprogram-ci threw into a CiError with an actionable hint. */
export function toCiError(error: unknown, context: CiErrorContext): CiError {
  if (error instanceof CiError) return error
  const code = numericCode(error)
  const message = rawMessage(error).replace(/^Error:\s*/, '')
  const filePath = (error as { path?: unknown } | null)?.path

  if (code === CI_CODES.PARAM_ERROR) {
    const named = /"([^"]+)"/.exec(message)?.[1]
    const what = named ? `parameter "${named}"` : 'a parameter'
    return new CiError(
      'parameter',
      code,
      `miniprogram-ci rejected ${what}: ${message}`,
      /appid/.test(message)
        ? 'Set the appid input or put "appid" in project.config.json.'
        : 'Check the corresponding action input.'
    )
  }

  if (code === CI_CODES.LOCAL_SIGNATURE) {
    return new CiError(
      'private-key',
      code,
      `miniprogram-ci could not sign the ${context.command} request (${message})`,
      'The private key is not a valid PEM RSA key; paste the whole file content including BEGIN/END lines ' +
        '(the code upload key from mp.weixin.qq.com → 开发管理 → 开发设置 → 小程序代码上传).'
    )
  }

  if (NETWORK_FAILURE.test(message) && (code === undefined || code >= 20000)) {
    const via = context.proxy ? ` through the proxy ${context.proxy}` : ''
    return new CiError(
      'network',
      code,
      `miniprogram-ci could not reach servicewechat.com${via}: ${message}`,
      context.proxy
        ? 'Check that the proxy is running and allows CONNECT to servicewechat.com:443.'
        : 'Check the runner\'s network. If it needs a proxy, or you relay uploads through a host with a fixed egress IP, set the "proxy" input (miniprogram-ci only honours ci.proxy(), which that input sets).'
    )
  }

  const server = parseServerError(message)
  if (server) {
    const said = `WeChat answered errCode ${server.errCode}${server.errMsg ? ` (${server.errMsg})` : ''}`
    if (IP_WHITELIST.test(server.errMsg)) {
      return new CiError(
        'ip-whitelist',
        code,
        `The ${context.command} of ${context.appid} was refused: ${said}`,
        "This is the code upload IP whitelist: add the runner's egress IP in mp.weixin.qq.com → 开发管理 → 开发设置 → " +
          '小程序代码上传 → IP白名单, or turn the whitelist off (GitHub-hosted runners change IPs), or set the "proxy" input ' +
          'to a host with a fixed egress IP that is on the whitelist.',
        server
      )
    }
    if (KEY_REJECTED.test(server.errMsg)) {
      return new CiError(
        'key-rejected',
        code,
        `The ${context.command} of ${context.appid} was refused: ${said}`,
        `The private key is well formed but WeChat does not accept it for ${context.appid}: use the code upload key ` +
          'of this appid (resetting the key in mp.weixin.qq.com invalidates the previous one).',
        server
      )
    }
    return new CiError(
      'server',
      code,
      `The ${context.command} of ${context.appid} was refused: ${said}`,
      'Look up this errCode in the WeChat documentation; the request itself was sent correctly.',
      server
    )
  }

  if (typeof filePath === 'string' && filePath) {
    return new CiError(
      'compile',
      code,
      `Compiling the mini program failed in ${filePath}${code ? ` (code ${code})` : ''}: ${message}`,
      'Fix the file and push again; WeChat DevTools reports the same error when it compiles the project.'
    )
  }
  if (code !== undefined && code >= 10001 && code < 20000) {
    return new CiError(
      'compile',
      code,
      `Compiling the mini program failed (code ${code}): ${message}`,
      'Fix the project and push again; WeChat DevTools reports the same error when it compiles the project.'
    )
  }

  return new CiError(
    'unknown',
    code,
    `miniprogram-ci ${context.command} failed${code !== undefined ? ` (code ${code})` : ''}: ${message}`,
    ''
  )
}
