/**
 * The emulator's fixed, documented seed: appids, names, secrets and category lists. Every secret is a
 * distinctive string derived from a fixed seed, so two runs (and two emulators in one process) hand out
 * the same credentials and redaction tests can look for them.
 */
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto'

export const COMPONENT_APPID = 'wxcafe000000000001'
/** The platform's development mini program: template-route uploads land in the draft box from here. */
export const DEV_APPID = 'wxd000000000000001'
export const DEV_APP_NAME = 'Platform Dev Program'
export const AUTHORIZED_APPS: ReadonlyArray<{ appid: string; name: string }> = [
  { appid: 'wxa000000000000001', name: 'Sample Shop' },
  { appid: 'wxa000000000000002', name: 'Sample Cafe' },
  { appid: 'wxa000000000000003', name: 'Sample Bookstore' }
]
/** A mini program outside the platform: it has only its own appsecret and upload key. */
export const STANDALONE_APPID = 'wxb000000000000001'
export const STANDALONE_APP_NAME = 'Standalone Notes'

export const DEFAULT_TESTER_LIMIT = 15
export const DEFAULT_AUDIT_QUOTA = 20
export const DEFAULT_SPEEDUP_QUOTA = 5
export const TOKEN_LIFETIME_SECONDS = 7200
/** A submit this soon after a commit finds the privacy-detection task still running (61039). */
export const PRIVACY_DETECTION_SECONDS = 60
export const GRAY_AUTO_RELEASE_SECONDS = 15 * 86400
/** WeChat pushes a new component_verify_ticket every 10 minutes; each is valid for 12 hours (ComponentAccessToken.md). */
export const VERIFY_TICKET_PUSH_SECONDS = 600
export const VERIFY_TICKET_LIFETIME_SECONDS = 12 * 3600
/**
 * How long a component_access_token keeps working after a new one is minted. WeChat's support says only that
 * frequent refreshes make the old token fail; five minutes follows the documented overlap of /cgi-bin/token.
 */
export const COMPONENT_TOKEN_OVERLAP_SECONDS = 300
export const TEMPLATE_LIBRARY_LIMIT = 200
export const HISTORY_LIMIT = 5
export const WITHDRAW_PER_DAY = 5
export const WITHDRAW_PER_MONTH = 10
export const JSERR_PAGE_LIMIT = 30

const SEED = 'wechat-miniprogram-release-emulator/v1'

/** Deterministic hex for a label: the same label gives the same digits in every run. */
export function seededHex(label: string, length = 8): string {
  let out = ''
  for (let block = 0; out.length < length; block++) {
    out += createHmac('sha256', SEED).update(`${label}#${block}`).digest('hex')
  }
  return out.slice(0, length)
}

/** `wxa100000000000001`… for the n-th (1-based) extra authorized mini program. */
export function extraAppid(n: number): string {
  return `wxa1${String(n).padStart(14, '0')}`
}

export function appSecretFor(appid: string): string {
  return `emu-secret-${appid}-${seededHex(`appsecret:${appid}`)}`
}

export function refreshTokenFor(appid: string): string {
  return `emu-refresh-${appid}-${seededHex(`refresh:${appid}`, 16)}`
}

export const COMPONENT_APPSECRET = `emu-secret-${COMPONENT_APPID}-${seededHex('component-secret')}`
export const COMPONENT_VERIFY_TICKET = `ticket@@@emu-${seededHex('ticket:0', 24)}`
export const TOKEN_SERVICE_SECRET = `emu-token-service-${seededHex('token-service', 16)}`

/** The n-th verify ticket the platform pushes (n=0 at the start, then one every 10 minutes). */
export function verifyTicket(n: number): string {
  return n === 0 ? COMPONENT_VERIFY_TICKET : `ticket@@@emu-${seededHex(`ticket:${n}`, 24)}`
}

/** An issued access token: `emu-token-<kind>-<hex>`, unique per sequence number. */
export function issuedToken(kind: string, sequence: number): string {
  return `emu-token-${kind}-${seededHex(`token:${kind}:${sequence}`, 32)}`
}

/** The opaque per-member id WeChat returns from bind_tester. */
export function userstrFor(appid: string, wechatid: string): string {
  return seededHex(`userstr:${appid}:${wechatid}`, 32)
}

/** The request id WeChat appends to error messages: `rid: 8hex-8hex-8hex`. */
export function requestId(sequence: number): string {
  const hex = seededHex(`rid:${sequence}`, 24)
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex')
}

export interface UploadKeyPair {
  privateKeyPem: string
  publicKeyPem: string
}

// Generating a 2048-bit key costs tens of milliseconds, so each appid gets one key pair per process and
// every emulator started in that process (a whole test suite) reuses it.
const keyCache = new Map<string, UploadKeyPair>()

/** The miniprogram-ci upload key pair of an appid, generated on first use. */
export function uploadKeyPair(appid: string): UploadKeyPair {
  let pair = keyCache.get(appid)
  if (!pair) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
    })
    pair = { privateKeyPem: privateKey, publicKeyPem: publicKey }
    keyCache.set(appid, pair)
  }
  return pair
}

export interface Category {
  first_class: string
  second_class: string
  third_class?: string
  first_id: number
  second_id: number
  third_id?: number
}

/** The categories every seeded mini program has configured (what get_category returns). */
export const CATEGORIES: readonly Category[] = [
  { first_class: '商家自营', second_class: '百货', first_id: 304, second_id: 305 },
  { first_class: '餐饮', second_class: '餐饮服务场所/餐饮服务管理企业', first_id: 220, second_id: 221 },
  { first_class: '工具', second_class: '效率', first_id: 287, second_id: 612 },
  {
    first_class: '教育',
    second_class: '在线视频课程',
    third_class: '语言学习',
    first_id: 1,
    second_id: 8,
    third_id: 1039
  }
]

/** A small valid JPEG (a QR-like pattern) served by get_qrcode. */
export const QR_CODE_JPEG: Buffer = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//AABEIAD8APwMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AMnw7oGkXnh641XVrq5gSCfyyYiMAYXHG0nq1AFq30fwVc3EVvDq980srhEXaRkk4A5joA0PC+mw6R4/1Gxt2kaKK0+UyEFufLPOAPWgCS/0ZdFs5NMfzF8OTYlurtmBljkyAAoHbKx/wnqefQA0PBWstqP22zj8trOw2RW0gUhnj+YAtnvhR2HfigDFu9Ette+Imp2t28qIkCSAxEA5CxjuD60AUf7O8Df9Bm+/74P/AMboAp+LNC0/SLfTrjTZp5orxGcNKR0wpBHAx97vQBoaLBNc/DTVIbeKSaVrsbUjUsx5iPAFAGToei6rFrunySaZeIiXMbMzQMAoDDJJxQB2Wm/8lQ1b/r0X+UVADdO8XprjCK+0ZY9NYlZrmaTfChAyAxKheu3qepFAHUWFpYW8fmafb20STANugRVDjscjr1/WgDmdN/5Khq3/AF6L/KKgDz/+wtY/6BV9/wCA7/4UAdF44jeLQvDUciMjpbFWVhgqQseQRQBpaZ4a8W6Rbtb2Gp2MMTOXK43c4Azyh9BQBc/s7xz/ANBmx/74H/xugCbw7oGr2fiG41XVrq2neeDyyYick5XHG0DotAFfWdIi0S3chFHhsANd2aMTJJITgEE89fL/AIh90/iASeBNXl1KTUog7fYrYotpGygGOP5gASOTwF6k9KAG6l4e17/hJrvVtIvbS389FT95ktgKoIIKkdVoAP7O8c/9Bmx/74H/AMboAz9V8J+KdZ8r+0NRsZvKzs6rjOM9EHoKAO00zVLLV7driwm86JXKFtpXnAOOQPUUAcvF4o1qbWb6KO0tDp+n3BW5lwd0cQY5b73J2qTwD06UAdZYX1vqNnHd2cnmQSZ2ttIzgkHg89QaAOP0Txfq12v2/ULa0i0iJyk9xGrbkOOABuJPLKOh60AdVeagE0KfUrQrIFtmniLA4b5dwyODQBzejeLL9rdNQ12G2tdLlBWKeJWJaQHGMAsegbt2oA3vEupTaRoVzfW6xtLFt2iQErywHOCPWgDH0zxVcW9utx4mWCyiuUV7RokZvMGMsTgtjqvXHWgDP0afUrjxZZPFo13pGnhGEsCoyxM21vmYbQM/dHI7CgDc13RN3+m2P7nyt8txbQx4+3d9j465wRyG+8ePUAy/CkupTeJbmSXTrvTtPNufKtWVlijbKfdGAMn5jwO5oAua3o/2Jv7QsrfzrOJAH0iGLEdwxONxAyMjIP3T9wfgAQ+DBf3EmrLqdpcw2shUQ21wrbEQ78ooYYwBgYAxjFABrOmvpNw97DZNqtlIRHHpSRfu4DjJkAww6g/wj7559QCbwZBeXOgXEOvRTzM1wfkvVLErtUjhu2c/jQBT1Ozm0S4Z30yTxBBcOxhgMRK2Sg8KowwAIIHAH3B+ABR0K68Y69ZvdWmrWyIkhjIljUHIAPZD60AaX9neOf8AoM2P/fA/+N0AHhvUNb/4Su70nV7yO48i33/u0ULklCCCFB6NQBm6F4g1xrN9b1G9WbS7aQxzQpGgkYkADHygdXXuOhoA7C81Av4an1K0LRlrNp4iwGV+TcMjkUAcrpPiLVbHTYta1y6+06fcZijihjUSCTJ5PCjGEbv3HHoAdJ4tvrjTvDl3d2cnlzx7NrbQcZdQeDx0JoAwbPxJfaJZwXXiOdrtL+NZLUW8a5QYy27hf7y+vQ0AYum/8kv1b/r7X+cVAHP+H/8AkYdM/wCvuL/0MUAegab/AMlQ1b/r0X+UVAGlrukSteJrenI02qW0YjhhdgI2BJBz0PR27joKAKfgzTdUs7zVrrVbZYHvJFkAV1YE5cnGCcfeHWgCbVtLvbHUpda0OH7TqFxiKSKZgIxHgcjlTnKL37nj0ADwLpd7pGjTW9/D5MrXDOF3BuNqjPBPoaAIbzTdU0S8nuvDlst29/I0l0Lh1whzldvK/wB5vXoKAON0DxTDpGkTadcaXHfRSymRhJIAvReCCpz93NAF6PxnpUUiyR+FbNHQhlZWUFSOhB2UAXvB+p/2z45v7/yfJ820+5u3YwYx1wPSgCnoF5qVvpE3iO41O7uorOUxtZySttkyFGSxJxjfnoelAHbXl69x4Rnv490LyWDTLtblCY8jB9vWgDj9L1K/0TQ7fxDd3tzqKXRaAWssrAIdx+bcSc/c9P4qAOq8aTzW3ha9mt5ZIZV2bXjYqw+dRwRQBzcOsXnhTTrO7vLifVv7UiWRVllK+RgAkAndnO8en3aAP//Z',
  'base64'
)
