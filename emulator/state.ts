/**
 * The emulated platform's state and its rules: tokens, the code-management state machine (trial →
 * review → release / gray → rollback), testers, the template library and operations data. Every rule
 * breach throws a WxError carrying the code the real platform returns; the HTTP layer turns it into
 * `{errcode, errmsg}`. Time comes only from the EmulatedClock.
 */
import { beijingDay, beijingMonth, type EmulatedClock } from './clock.js'
import { parseJsonOr } from './json.js'
import {
  AUTHORIZED_APPS,
  CATEGORIES,
  COMPONENT_APPID,
  COMPONENT_APPSECRET,
  COMPONENT_TOKEN_OVERLAP_SECONDS,
  DEFAULT_AUDIT_QUOTA,
  DEFAULT_SPEEDUP_QUOTA,
  DEFAULT_TESTER_LIMIT,
  DEV_APP_NAME,
  DEV_APPID,
  GRAY_AUTO_RELEASE_SECONDS,
  HISTORY_LIMIT,
  JSERR_PAGE_LIMIT,
  PRIVACY_DETECTION_SECONDS,
  STANDALONE_APP_NAME,
  STANDALONE_APPID,
  TEMPLATE_LIBRARY_LIMIT,
  TOKEN_LIFETIME_SECONDS,
  VERIFY_TICKET_LIFETIME_SECONDS,
  VERIFY_TICKET_PUSH_SECONDS,
  WITHDRAW_PER_DAY,
  WITHDRAW_PER_MONTH,
  appSecretFor,
  extraAppid,
  issuedToken,
  md5Hex,
  refreshTokenFor,
  userstrFor,
  verifyTicket,
  type Category
} from './seed.js'

/** A platform error: becomes `{errcode, errmsg}` with HTTP 200. */
export class WxError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string
  ) {
    super(`${errcode} ${errmsg}`)
    this.name = 'WxError'
  }
}

/**
 * Replies seen in the wild where the documented shape varies, each switchable per test through the control
 * API (`setReplyVariants`). The defaults are the documented shapes.
 */
export interface ReplyVariants {
  /** get_latest_auditstatus without user_version (C-0008e4194ecfc04869ad2c7ac5b400). */
  latestAuditWithoutUserVersion: boolean
  /** get_latest_auditstatus without auditid (C-000c06d08d01c83857cdad30056800). */
  latestAuditWithoutAuditid: boolean
  /** getversioninfo with release_time set but release_version "" (C-00064898180538e0c771f4b5c6b800). */
  releaseVersionEmpty: boolean
  /** gettemplatelist without draft_id (the older template doc and PowerWeChat's model have none). */
  templateListWithoutDraftId: boolean
  /**
   * undocodeaudit with no review pending: 87012, as answered in the wild (C-0002423c6b85c083bd7a318fd5b800);
   * the doc lists only 87013 for it, so any other code can be set here.
   */
  undoNothingPendingErrcode: number
  /** queryquota answering 0 of 0 (SKIT's sample is all zeros; seen in the wild). */
  quotaZero: boolean
  /**
   * getgrayreleaseplan without default_finish_timestamp: the mini program's own operation.getGrayReleasePlan
   * page documents it, the third-party page does not.
   */
  grayPlanWithoutFinishTimestamp: boolean
  /** Seconds added to the Date header of every reply: a server or relay whose clock is wrong. */
  dateSkewSeconds: number
}

export const DEFAULT_REPLY_VARIANTS: Readonly<ReplyVariants> = {
  latestAuditWithoutUserVersion: false,
  latestAuditWithoutAuditid: false,
  releaseVersionEmpty: false,
  templateListWithoutDraftId: false,
  undoNothingPendingErrcode: 87012,
  quotaZero: false,
  grayPlanWithoutFinishTimestamp: false,
  dateSkewSeconds: 0
}

export type TokenKind = 'component' | 'authorizer' | 'own'
type TokenSource = 'component' | 'authorizer' | 'cgi-token' | 'stable-token' | 'token-service'

export interface TokenRecord {
  token: string
  kind: TokenKind
  /** The mini program the token acts for; the component appid for component tokens. */
  appid: string
  source: TokenSource
  issuedAt: number
  expiresAt: number
}

export type AuditStatus = 0 | 1 | 2 | 3 | 4
export type UploadRoute = 'direct' | 'template' | 'dev'

export interface CiUpload {
  appid: string
  version: string
  desc: string
  robot: number
  files: Map<string, Buffer>
  kind: 'upload' | 'preview'
  /** miniprogram-ci's `extAppId` query parameter: sent when the project's ext.json has extEnable. */
  extAppid?: string
  /** Preview only: the page the QR code opens. */
  pagePath?: string
}

export interface JsErrorRow {
  errorMsg: string
  errorStack: string
  uv: number
  pv: number
}

/** Code that became a trial version, by commit or by a directCommit upload. */
interface CodeVersion {
  version: string
  desc: string
  time: number
  route: 'commit' | 'direct'
  templateId?: number
  extJson?: string
  pages: string[]
}

interface Feedback {
  info?: string
  stuff?: string
  /** Honoured only when the previous review was rejected; otherwise the platform ignores it. */
  honoured: boolean
}

interface Audit {
  auditid: number
  status: AuditStatus
  reason: string
  screenshot: string
  code: CodeVersion
  submitTime: number
  outcomeTime?: number
  spedUp: boolean
  /** Fully released (by release, gray 100 %, or the 15-day automatic release). */
  released: boolean
  itemList?: unknown[]
  versionDesc?: string
  feedback?: Feedback
}

interface ReleasedVersion {
  appVersion: number
  userVersion: string
  userDesc: string
  commitTime: number
  releaseTime: number
  auditid?: number
}

interface GrayPlan {
  status: 0 | 1 | 2 | 3 | 4
  createTimestamp: number
  /** When the platform releases the plan to everyone (default_finish_timestamp): created + 15 days. */
  finishTimestamp: number
  percentage: number
  debugerFirst: boolean
  experiencerFirst: boolean
  auditid: number
  userVersion: string
  endTime?: number
  endedBy?: 'release' | 'percentage-100' | 'auto-15-days' | 'revert' | undefined
}

interface Tester {
  wechatid?: string
  userstr: string
  boundAt: number
}

interface UploadRecord {
  version: string
  desc: string
  robot: number
  kind: 'upload' | 'preview'
  route: UploadRoute
  targetAppid: string
  time: number
  files: Map<string, Buffer>
}

interface AppState {
  appid: string
  name: string
  /** Authorized to the third-party platform (has a refresh token). */
  authorized: boolean
  appsecret: string
  refreshToken?: string
  trial?: CodeVersion
  /** Development versions set by miniprogram-ci uploads, per robot; never submittable. */
  devVersions: Map<number, { version: string; desc: string; time: number }>
  audits: Audit[]
  online?: ReleasedVersion
  /** Rollback targets: earlier online versions, newest first, at most five. */
  history: ReleasedVersion[]
  gray?: GrayPlan
  testers: Tester[]
  visitStatus: 0 | 1
  lastUpload?: UploadRecord
  previews: Array<{ version: string; desc: string; robot: number; time: number; pagePath?: string }>
  withdrawals: { day: string; dayCount: number; month: string; monthCount: number }
  nextAppVersion: number
  jsErrors: Map<string, JsErrorRow[]>
}

interface Draft {
  draftId: number
  userVersion: string
  userDesc: string
  createTime: number
  sourceAppid: string
  sourceName: string
  developer: string
  pages: string[]
}

interface Template extends Omit<Draft, 'draftId'> {
  templateId: number
  draftId: number
  templateType: number
}

export interface StateOptions {
  extraApps: number
  testerLimit: number
  auditQuota: number
  speedupQuota: number
  autoApproveAfterSeconds?: number
  privacyDetectionSeconds: number
}

type Body = Record<string, unknown>

export function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Accepts a number or a numeric string (clients send ids both ways). */
function integerField(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim())
  return undefined
}

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new WxError(47001, `data format error: ${field} must be a string`)
  return value
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%'
}

export class EmulatorState {
  readonly apps = new Map<string, AppState>()
  readonly tokens = new Map<string, TokenRecord>()
  readonly quota: { rest: number; limit: number; speedupRest: number; speedupLimit: number; month: string }
  readonly drafts: Draft[] = []
  readonly templates: Template[] = []
  readonly unsearchable = new Set<string>()
  readonly tooManyMemberships = new Set<string>()
  /** Push time of every verify ticket WeChat pushed, by index (ticket n is `verifyTicket(n)`). */
  private readonly ticketPushes: number[] = []
  /** Ticket text → index, for the tickets pushed so far. */
  private readonly ticketIndexes = new Map<string, number>()
  /** The component token the platform server (the token-service stand-in) holds. */
  private serverComponentToken: string | undefined
  /** The last component token minted through api_component_token: a new one cuts it short. */
  private lastComponentToken: string | undefined
  /** How the emulator answers where real replies vary (see ReplyVariants). */
  variants: ReplyVariants = { ...DEFAULT_REPLY_VARIANTS }
  private tokenSequence = 0
  private nextAuditId = 420000001
  private nextDraftId = 1
  private nextTemplateId = 1001
  private readonly cgiTokens = new Map<string, string>()
  private readonly stableTokens = new Map<string, string>()
  private readonly serviceTokens = new Map<string, string>()

  constructor(
    readonly clock: EmulatedClock,
    readonly options: StateOptions
  ) {
    this.quota = {
      rest: options.auditQuota,
      limit: options.auditQuota,
      speedupRest: options.speedupQuota,
      speedupLimit: options.speedupQuota,
      month: beijingMonth(clock.now())
    }
    this.pushVerifyTicket(clock.now())
    for (const seeded of AUTHORIZED_APPS) this.addApp(seeded.appid, seeded.name, true)
    for (let n = 1; n <= options.extraApps; n++) this.addApp(extraAppid(n), `Sample Store ${n}`, true)
    this.addApp(DEV_APPID, DEV_APP_NAME, true)
    this.addApp(STANDALONE_APPID, STANDALONE_APP_NAME, false)
  }

  static defaults(): StateOptions {
    return {
      extraApps: 0,
      testerLimit: DEFAULT_TESTER_LIMIT,
      auditQuota: DEFAULT_AUDIT_QUOTA,
      speedupQuota: DEFAULT_SPEEDUP_QUOTA,
      privacyDetectionSeconds: PRIVACY_DETECTION_SECONDS
    }
  }

  private addApp(appid: string, name: string, authorized: boolean): void {
    const now = this.clock.now()
    this.apps.set(appid, {
      appid,
      name,
      authorized,
      appsecret: appSecretFor(appid),
      ...(authorized ? { refreshToken: refreshTokenFor(appid) } : {}),
      devVersions: new Map(),
      audits: [],
      history: [],
      testers: [],
      visitStatus: 1,
      previews: [],
      withdrawals: { day: beijingDay(now), dayCount: 0, month: beijingMonth(now), monthCount: 0 },
      nextAppVersion: 1,
      jsErrors: new Map()
    })
  }

  app(appid: string): AppState {
    const app = this.apps.get(appid)
    if (!app) throw new Error(`unknown appid ${appid}`)
    return app
  }

  // ---------------------------------------------------------------- time-driven effects

  /**
   * Applies everything that happens by itself as time passes: the monthly quota reset, reviews that
   * approve themselves (when configured) and the platform's full release 15 days into a gray plan.
   * Called before every request and control operation, so the state is always current for the clock.
   */
  tick(): void {
    const now = this.clock.now()
    // WeChat pushes a new verify ticket to the platform every 10 minutes.
    for (
      let next = (this.ticketPushes.at(-1) ?? now) + VERIFY_TICKET_PUSH_SECONDS;
      next <= now;
      next += VERIFY_TICKET_PUSH_SECONDS
    ) {
      this.pushVerifyTicket(next)
    }
    const month = beijingMonth(now)
    if (month !== this.quota.month) {
      this.quota.month = month
      this.quota.rest = this.quota.limit
      this.quota.speedupRest = this.quota.speedupLimit
    }
    for (const app of this.apps.values()) {
      const autoApprove = this.options.autoApproveAfterSeconds
      if (autoApprove !== undefined) {
        for (const audit of app.audits) {
          if (audit.status === 2 && audit.submitTime + autoApprove <= now) {
            audit.status = 0
            audit.outcomeTime = audit.submitTime + autoApprove
          }
        }
      }
      const gray = app.gray
      if (gray?.status === 1 && gray.finishTimestamp <= now) {
        this.finishGray(app, gray, gray.finishTimestamp, 'auto-15-days')
      }
    }
  }

  // ---------------------------------------------------------------- tokens

  private issue(kind: TokenKind, appid: string, source: TokenSource): TokenRecord {
    const now = this.clock.now()
    const record: TokenRecord = {
      token: issuedToken(kind, ++this.tokenSequence),
      kind,
      appid,
      source,
      issuedAt: now,
      expiresAt: now + TOKEN_LIFETIME_SECONDS
    }
    this.tokens.set(record.token, record)
    return record
  }

  private remaining(record: TokenRecord): number {
    return record.expiresAt - this.clock.now()
  }

  /** Validates a token taken from the query string: 41001 missing, 40001 unknown, 42001 expired. */
  checkToken(token: string | null | undefined): TokenRecord {
    if (!token) throw new WxError(41001, 'access_token missing')
    const record = this.tokens.get(token)
    if (!record) throw new WxError(40001, 'invalid credential, access_token is invalid or not latest')
    if (this.remaining(record) <= 0) throw new WxError(42001, 'access_token expired')
    return record
  }

  private pushVerifyTicket(at: number): string {
    const index = this.ticketPushes.length
    const ticket = verifyTicket(index)
    this.ticketPushes.push(at)
    this.ticketIndexes.set(ticket, index)
    return ticket
  }

  /** The ticket WeChat pushed last: what the platform server uses to mint. */
  currentVerifyTicket(): string {
    return verifyTicket(this.ticketPushes.length - 1)
  }

  /**
   * POST /cgi-bin/component/api_component_token. The ticket must be one WeChat pushed in the last 12 hours
   * (61005 when older, 61006 when unknown). Minting cuts the previous component token to a short overlap.
   */
  componentToken(body: Body): { component_access_token: string; expires_in: number } {
    const appid = optionalString(body, 'component_appid')
    if (appid !== COMPONENT_APPID) throw new WxError(61011, 'invalid component')
    const secret = optionalString(body, 'component_appsecret')
    if (!secret) throw new WxError(41004, 'appsecret missing')
    if (secret !== COMPONENT_APPSECRET) throw new WxError(40125, 'invalid appsecret')
    const ticket = optionalString(body, 'component_verify_ticket') ?? ''
    const index = this.ticketIndexes.get(ticket)
    if (index === undefined) throw new WxError(61006, 'component ticket is invalid')
    const pushedAt = this.ticketPushes[index] ?? 0
    if (pushedAt + VERIFY_TICKET_LIFETIME_SECONDS <= this.clock.now())
      throw new WxError(61005, 'component ticket is expired')
    return this.mintComponentToken()
  }

  private mintComponentToken(): { component_access_token: string; expires_in: number } {
    const previous = this.tokens.get(this.lastComponentToken ?? '')
    if (previous) {
      previous.expiresAt = Math.min(previous.expiresAt, this.clock.now() + COMPONENT_TOKEN_OVERLAP_SECONDS)
    }
    const record = this.issue('component', COMPONENT_APPID, 'component')
    this.lastComponentToken = record.token
    return { component_access_token: record.token, expires_in: TOKEN_LIFETIME_SECONDS }
  }

  /** A new verify ticket pushed now (besides the one every 10 minutes). */
  rotateVerifyTicket(): string {
    return this.pushVerifyTicket(this.clock.now())
  }

  authorizerToken(
    componentToken: TokenRecord,
    body: Body
  ): { authorizer_access_token: string; expires_in: number; authorizer_refresh_token: string } {
    if (componentToken.kind !== 'component') throw new WxError(48001, 'api unauthorized')
    if (optionalString(body, 'component_appid') !== COMPONENT_APPID)
      throw new WxError(61011, 'invalid component')
    const appid = optionalString(body, 'authorizer_appid') ?? ''
    const app = this.apps.get(appid)
    if (!app?.authorized) throw new WxError(61003, 'component is not authorized by this account')
    const refresh = optionalString(body, 'authorizer_refresh_token')
    if (!refresh || refresh !== app.refreshToken) throw new WxError(61023, 'refresh_token is invalid')
    const record = this.issue('authorizer', appid, 'authorizer')
    return {
      authorizer_access_token: record.token,
      expires_in: TOKEN_LIFETIME_SECONDS,
      authorizer_refresh_token: refresh
    }
  }

  private checkOwnSecret(grantType: unknown, appid: unknown, secret: unknown): AppState {
    if (grantType !== 'client_credential') throw new WxError(40002, 'invalid grant_type')
    const app = typeof appid === 'string' ? this.apps.get(appid) : undefined
    if (!app) throw new WxError(40013, 'invalid appid')
    if (typeof secret !== 'string' || secret !== app.appsecret) throw new WxError(40125, 'invalid appsecret')
    return app
  }

  /** GET /cgi-bin/token: a new token each call; the previous one keeps working for five minutes. */
  cgiToken(query: URLSearchParams): { access_token: string; expires_in: number } {
    const app = this.checkOwnSecret(query.get('grant_type'), query.get('appid'), query.get('secret'))
    const previous = this.tokens.get(this.cgiTokens.get(app.appid) ?? '')
    if (previous) previous.expiresAt = Math.min(previous.expiresAt, this.clock.now() + 300)
    const record = this.issue('own', app.appid, 'cgi-token')
    this.cgiTokens.set(app.appid, record.token)
    return { access_token: record.token, expires_in: TOKEN_LIFETIME_SECONDS }
  }

  /** POST /cgi-bin/stable_token: the same token until five minutes before expiry, unless forced. */
  stableToken(body: Body): { access_token: string; expires_in: number } {
    const app = this.checkOwnSecret(body.grant_type, body.appid, body.secret)
    const current = this.tokens.get(this.stableTokens.get(app.appid) ?? '')
    if (current && body.force_refresh !== true && this.remaining(current) > 300) {
      return { access_token: current.token, expires_in: this.remaining(current) }
    }
    if (current) current.expiresAt = Math.min(current.expiresAt, this.clock.now() + 300)
    const record = this.issue('own', app.appid, 'stable-token')
    this.stableTokens.set(app.appid, record.token)
    return { access_token: record.token, expires_in: TOKEN_LIFETIME_SECONDS }
  }

  /** The token-service stand-in: a cached authorizer token per appid, renewed near expiry. */
  serviceToken(appid: string): { access_token: string; expires_in: number } | undefined {
    const app = this.apps.get(appid)
    if (!app?.authorized) return undefined
    const current = this.tokens.get(this.serviceTokens.get(appid) ?? '')
    if (current && this.remaining(current) > 300)
      return { access_token: current.token, expires_in: this.remaining(current) }
    const record = this.issue('authorizer', appid, 'token-service')
    this.serviceTokens.set(appid, record.token)
    return { access_token: record.token, expires_in: TOKEN_LIFETIME_SECONDS }
  }

  /**
   * The token-service stand-in's component token: the platform server mints with the latest pushed ticket
   * only when the one it holds is gone or near expiry, and otherwise hands out the one it holds.
   */
  serviceComponentToken(): { component_access_token: string; expires_in: number } {
    const held = this.tokens.get(this.serverComponentToken ?? '')
    if (held && this.remaining(held) > 300) {
      return { component_access_token: held.token, expires_in: this.remaining(held) }
    }
    const minted = this.componentToken({
      component_appid: COMPONENT_APPID,
      component_appsecret: COMPONENT_APPSECRET,
      component_verify_ticket: this.currentVerifyTicket()
    })
    this.serverComponentToken = minted.component_access_token
    return minted
  }

  /** Whether the component token the platform server holds still works (a re-mint elsewhere breaks it). */
  serverComponentTokenValid(): boolean {
    const held = this.tokens.get(this.serverComponentToken ?? '')
    return held !== undefined && this.remaining(held) > 0
  }

  // ---------------------------------------------------------------- code: commit, pages, categories

  private latestAudit(app: AppState): Audit | undefined {
    return app.audits[app.audits.length - 1]
  }

  commit(app: AppState, body: Body): void {
    const templateId = integerField(body.template_id)
    const template = this.templates.find((candidate) => candidate.templateId === templateId)
    if (!template) throw new WxError(85014, 'template not exist')
    const extJson = body.ext_json ?? '{}'
    const ext = typeof extJson === 'string' ? parseJsonOr(extJson, undefined) : undefined
    if (!isPlainObject(ext)) throw new WxError(85048, 'parse ext_json fail')
    const userVersion = optionalString(body, 'user_version')
    if (!userVersion || userVersion.length > 64)
      throw new WxError(40097, 'invalid args: user_version must be 1 to 64 characters')
    const userDesc = optionalString(body, 'user_desc') ?? ''
    let pages = template.pages
    if (ext.pages !== undefined) {
      const extPages = ext.pages
      if (!Array.isArray(extPages) || extPages.some((page) => !template.pages.includes(String(page))))
        throw new WxError(85045, 'some path in ext_json not exist')
      pages = extPages.map(String)
    }
    app.trial = {
      version: userVersion,
      desc: userDesc,
      time: this.clock.now(),
      route: 'commit',
      templateId: template.templateId,
      extJson: typeof extJson === 'string' ? extJson : '{}',
      pages
    }
  }

  pages(app: AppState): { page_list: string[] } {
    if (!app.trial) throw new WxError(86001, 'component experience version not exists')
    return { page_list: [...app.trial.pages] }
  }

  categories(): { category_list: Category[] } {
    return { category_list: CATEGORIES.map((category) => ({ ...category })) }
  }

  // ---------------------------------------------------------------- review

  submitAudit(app: AppState, body: Body): { auditid: number } {
    const now = this.clock.now()
    const trial = app.trial
    if (!trial) throw new WxError(85086, 'must commit before submit audit')
    // Detection follows /wxa/commit; a directCommit upload arrives already checked (see index.ts).
    if (trial.route === 'commit' && now - trial.time < this.options.privacyDetectionSeconds)
      throw new WxError(61039, 'privacy interface check is not finished, please retry in about a minute')
    const latest = this.latestAudit(app)
    if (latest && (latest.status === 2 || latest.status === 4))
      throw new WxError(85009, 'already submit a version under auditing')
    const itemList = body.item_list
    if (itemList !== undefined) validateItemList(itemList, trial.pages)
    if (this.quota.rest <= 0) throw new WxError(85085, 'submit audit reach limit please try later')

    const feedbackInfo = optionalString(body, 'feedback_info')
    const feedbackStuff = optionalString(body, 'feedback_stuff')
    const audit: Audit = {
      auditid: this.nextAuditId++,
      status: 2,
      reason: '',
      screenshot: '',
      code: { ...trial, pages: [...trial.pages] },
      submitTime: now,
      spedUp: false,
      released: false,
      ...(Array.isArray(itemList) ? { itemList } : {}),
      ...(typeof body.version_desc === 'string' ? { versionDesc: body.version_desc } : {})
    }
    if (feedbackInfo !== undefined || feedbackStuff !== undefined) {
      audit.feedback = {
        ...(feedbackInfo !== undefined ? { info: feedbackInfo } : {}),
        ...(feedbackStuff !== undefined ? { stuff: feedbackStuff } : {}),
        honoured: latest?.status === 1
      }
    }
    app.audits.push(audit)
    this.quota.rest -= 1
    return { auditid: audit.auditid }
  }

  private auditById(app: AppState, value: unknown): Audit | undefined {
    const auditid = integerField(value)
    return app.audits.find((audit) => audit.auditid === auditid)
  }

  auditStatus(app: AppState, body: Body): { status: AuditStatus; reason: string; screenshot: string } {
    const audit = this.auditById(app, body.auditid)
    if (!audit) throw new WxError(85012, 'invalid audit id')
    return { status: audit.status, reason: audit.reason, screenshot: audit.screenshot }
  }

  latestAuditStatus(app: AppState): Record<string, unknown> {
    const audit = this.latestAudit(app)
    if (!audit) throw new WxError(85012, 'invalid audit id: no audit was submitted')
    return {
      ...(this.variants.latestAuditWithoutAuditid ? {} : { auditid: audit.auditid }),
      status: audit.status,
      reason: audit.reason,
      ScreenShot: audit.screenshot,
      ...(this.variants.latestAuditWithoutUserVersion ? {} : { user_version: audit.code.version }),
      user_desc: audit.code.desc,
      submit_audit_time: audit.submitTime
    }
  }

  undoAudit(app: AppState): void {
    const latest = this.latestAudit(app)
    if (!latest || (latest.status !== 2 && latest.status !== 4))
      throw this.variants.undoNothingPendingErrcode === 85019
        ? new WxError(85019, 'no version is under auditing')
        : new WxError(this.variants.undoNothingPendingErrcode, 'forbid revert this version release')
    const now = this.clock.now()
    const counter = app.withdrawals
    const day = beijingDay(now)
    const month = beijingMonth(now)
    if (counter.day !== day) Object.assign(counter, { day, dayCount: 0 })
    if (counter.month !== month) Object.assign(counter, { month, monthCount: 0 })
    if (counter.dayCount >= WITHDRAW_PER_DAY || counter.monthCount >= WITHDRAW_PER_MONTH)
      throw new WxError(87013, 'no quota to undo code')
    counter.dayCount += 1
    counter.monthCount += 1
    latest.status = 3
    latest.outcomeTime = now
  }

  speedupAudit(app: AppState, body: Body): void {
    const audit = this.auditById(app, body.auditid)
    if (!audit || audit.status !== 2) throw new WxError(89402, 'the audit is not in the pending queue')
    if (audit.spedUp) throw new WxError(89404, 'the audit has already been sped up')
    if (this.quota.speedupRest <= 0) throw new WxError(89405, 'speedup quota of this month is used up')
    this.quota.speedupRest -= 1
    audit.spedUp = true
  }

  /** Overrides the provider's quota (for example `rest: 0` to rehearse an exhausted month). */
  setQuota(values: { rest?: number; limit?: number; speedupRest?: number; speedupLimit?: number }): void {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue
      if (!(key in this.quota) || key === 'month') throw new Error(`unknown quota field ${key}`)
      if (!Number.isInteger(value) || value < 0)
        throw new Error(`quota ${key} must be a non-negative integer`)
      Object.assign(this.quota, { [key]: value })
    }
  }

  /** queryquota as answered (the quotaZero variant answers 0 of 0). */
  quotaReply(): { rest: number; limit: number; speedup_rest: number; speedup_limit: number } {
    if (this.variants.quotaZero) return { rest: 0, limit: 0, speedup_rest: 0, speedup_limit: 0 }
    return this.queryQuota()
  }

  queryQuota(): { rest: number; limit: number; speedup_rest: number; speedup_limit: number } {
    return {
      rest: this.quota.rest,
      limit: this.quota.limit,
      speedup_rest: this.quota.speedupRest,
      speedup_limit: this.quota.speedupLimit
    }
  }

  /** Review outcomes, driven by the control API (the emulated reviewer). */
  decide(appid: string, status: 0 | 1 | 4, reason = '', screenshots: string[] = []): number {
    const app = this.app(appid)
    const audit = this.latestAudit(app)
    if (!audit || (audit.status !== 2 && audit.status !== 4))
      throw new Error(`${appid} has no review in progress`)
    audit.status = status
    audit.reason = status === 0 ? '' : reason
    audit.screenshot = status === 1 ? screenshots.join('|') : ''
    audit.outcomeTime = this.clock.now()
    return audit.auditid
  }

  // ---------------------------------------------------------------- release, gray, rollback

  private fullRelease(app: AppState, audit: Audit, at: number): void {
    if (app.online) this.pushHistory(app, app.online)
    app.online = {
      appVersion: app.nextAppVersion++,
      userVersion: audit.code.version,
      userDesc: audit.code.desc,
      commitTime: audit.code.time,
      releaseTime: at,
      auditid: audit.auditid
    }
    audit.released = true
  }

  private pushHistory(app: AppState, version: ReleasedVersion): void {
    app.history.unshift(version)
    if (app.history.length > HISTORY_LIMIT) app.history.length = HISTORY_LIMIT
  }

  private finishGray(app: AppState, gray: GrayPlan, at: number, endedBy: GrayPlan['endedBy']): void {
    const audit = app.audits.find((candidate) => candidate.auditid === gray.auditid)
    if (audit && !audit.released) this.fullRelease(app, audit, at)
    gray.status = 3
    gray.endTime = at
    gray.endedBy = endedBy
  }

  private runningGray(app: AppState): GrayPlan | undefined {
    return app.gray?.status === 1 ? app.gray : undefined
  }

  release(app: AppState): void {
    const latest = this.latestAudit(app)
    if (!latest) throw new WxError(85019, 'no version is under auditing')
    const gray = this.runningGray(app)
    if (gray) {
      // Releasing the version that is in gray means "release to everyone": it finishes the plan.
      if (gray.auditid === latest.auditid && latest.status === 0) {
        this.finishGray(app, gray, this.clock.now(), 'release')
        return
      }
      throw new WxError(85020, 'status not allowed: a gray release of another version is in progress')
    }
    if (latest.status !== 0) throw new WxError(85020, 'status not allowed')
    if (latest.released) throw new WxError(85052, 'app is already released')
    this.fullRelease(app, latest, this.clock.now())
  }

  grayRelease(app: AppState, body: Body): void {
    if (!app.online) throw new WxError(85079, 'miniprogram has no online release')
    const latest = this.latestAudit(app)
    if (!latest || latest.status !== 0) throw new WxError(85080, 'miniprogram commit not approved')
    const running = this.runningGray(app)
    if (running && running.auditid !== latest.auditid)
      throw new WxError(85020, 'status not allowed: a gray release of another version is in progress')
    if (!running && latest.released) throw new WxError(85052, 'app is already released')

    const percentage = body.gray_percentage
    if (typeof percentage !== 'number' || !Number.isInteger(percentage) || percentage < 0 || percentage > 100)
      throw new WxError(85081, 'invalid gray percentage')
    for (const flag of ['support_debuger_first', 'support_experiencer_first']) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        throw new WxError(40097, `invalid args: ${flag} must be a boolean`)
    }
    // A flag left out keeps the plan's current setting.
    const debugerFirst = (body.support_debuger_first as boolean | undefined) ?? running?.debugerFirst ?? false
    const experiencerFirst =
      (body.support_experiencer_first as boolean | undefined) ?? running?.experiencerFirst ?? false
    if (percentage === 0 && !debugerFirst && !experiencerFirst)
      throw new WxError(
        85081,
        'invalid gray percentage: 0 needs support_debuger_first or support_experiencer_first'
      )
    if (running && percentage <= running.percentage) throw new WxError(85082, 'gray percentage too low')

    const plan: GrayPlan = running ?? {
      status: 1,
      createTimestamp: this.clock.now(),
      finishTimestamp: this.clock.now() + GRAY_AUTO_RELEASE_SECONDS,
      percentage,
      debugerFirst,
      experiencerFirst,
      auditid: latest.auditid,
      userVersion: latest.code.version
    }
    Object.assign(plan, { percentage, debugerFirst, experiencerFirst })
    app.gray = plan
    if (percentage === 100) this.finishGray(app, plan, this.clock.now(), 'percentage-100')
  }

  grayReleasePlan(app: AppState): { gray_release_plan: Record<string, unknown> } {
    const plan = app.gray
    return {
      gray_release_plan: {
        status: plan?.status ?? 0,
        create_timestamp: plan?.createTimestamp ?? 0,
        gray_percentage: plan?.percentage ?? 0,
        support_debuger_first: plan?.debugerFirst ?? false,
        support_experiencer_first: plan?.experiencerFirst ?? false,
        ...(plan && !this.variants.grayPlanWithoutFinishTimestamp
          ? { default_finish_timestamp: plan.finishTimestamp }
          : {})
      }
    }
  }

  revertGrayRelease(app: AppState): void {
    const gray = this.runningGray(app)
    if (!gray) throw new WxError(-1, 'no gray release plan')
    gray.status = 4
    gray.endTime = this.clock.now()
    gray.endedBy = 'revert'
  }

  historyVersions(app: AppState): { version_list: Array<Record<string, unknown>> } {
    return {
      version_list: app.history.map((version) => ({
        app_version: version.appVersion,
        user_version: version.userVersion,
        user_desc: version.userDesc,
        commit_time: version.commitTime
      }))
    }
  }

  rollback(app: AppState, appVersionParam: string | null): void {
    if (this.runningGray(app))
      throw new WxError(87011, 'gray release in progress, can not revert code release')
    let target: ReleasedVersion | undefined
    if (appVersionParam !== null && appVersionParam !== '') {
      if (!/^\d+$/.test(appVersionParam)) throw new WxError(40097, 'invalid args: app_version')
      target = app.history.find((version) => version.appVersion === Number(appVersionParam))
    } else {
      target = app.history[0]
    }
    if (!app.online || !target) throw new WxError(87012, 'forbid revert this version release')
    // The target leaves the list (it is online again); the version rolled away from never enters it.
    app.history = app.history.filter((version) => version !== target)
    app.online = { ...target, releaseTime: this.clock.now() }
  }

  versionInfo(app: AppState): Record<string, unknown> {
    return {
      ...(app.trial
        ? { exp_info: { exp_time: app.trial.time, exp_version: app.trial.version, exp_desc: app.trial.desc } }
        : {}),
      ...(app.online
        ? {
            release_info: {
              release_time: app.online.releaseTime,
              release_version: this.variants.releaseVersionEmpty ? '' : app.online.userVersion,
              release_desc: app.online.userDesc
            }
          }
        : {})
    }
  }

  changeVisitStatus(app: AppState, body: Body): void {
    const action = body.action
    if (action !== 'open' && action !== 'close') throw new WxError(85022, 'invalid action')
    if (!app.online) throw new WxError(85021, 'status not allowed')
    app.visitStatus = action === 'open' ? 1 : 0
  }

  /** Moves the instant the platform releases a running gray plan to everyone (default_finish_timestamp). */
  setGrayFinish(appid: string, finishTimestamp: number): void {
    const gray = this.runningGray(this.app(appid))
    if (!gray) throw new Error(`${appid} has no running gray release plan`)
    if (!Number.isInteger(finishTimestamp)) throw new Error('finishTimestamp must be whole unix seconds')
    gray.finishTimestamp = finishTimestamp
  }

  setReplyVariants(values: Partial<ReplyVariants>): ReplyVariants {
    for (const [key, value] of Object.entries(values)) {
      if (!(key in DEFAULT_REPLY_VARIANTS)) throw new Error(`unknown reply variant ${key}`)
      const expected = typeof DEFAULT_REPLY_VARIANTS[key as keyof ReplyVariants]
      if (typeof value !== expected) throw new Error(`reply variant ${key} must be a ${expected}`)
    }
    this.variants = { ...this.variants, ...values }
    return { ...this.variants }
  }

  /** Seeds a prior full release, as if it had been released before the scenario began. */
  setOnline(appid: string, version: string): void {
    const app = this.app(appid)
    const now = this.clock.now()
    if (app.online) this.pushHistory(app, app.online)
    app.online = {
      appVersion: app.nextAppVersion++,
      userVersion: version,
      userDesc: `${version} (seeded)`,
      commitTime: now,
      releaseTime: now
    }
  }

  // ---------------------------------------------------------------- testers

  bindTester(app: AppState, body: Body): { userstr: string } {
    const wechatid = optionalString(body, 'wechatid')
    if (!wechatid) throw new WxError(47001, 'data format error: wechatid is required')
    if (wechatid.startsWith('unknown') || this.unsearchable.has(wechatid))
      throw new WxError(85001, 'wechatid does not exist or is not searchable')
    if (app.testers.some((tester) => tester.wechatid === wechatid))
      throw new WxError(85004, 'wechatid is already bound')
    if (app.testers.length >= this.options.testerLimit)
      throw new WxError(85002, 'the number of experience members has reached the limit')
    if (this.tooManyMemberships.has(wechatid))
      throw new WxError(85003, 'wechatid is an experience member of too many mini programs')
    const tester = { wechatid, userstr: userstrFor(app.appid, wechatid), boundAt: this.clock.now() }
    app.testers.push(tester)
    return { userstr: tester.userstr }
  }

  unbindTester(app: AppState, body: Body): void {
    const wechatid = optionalString(body, 'wechatid')
    const userstr = optionalString(body, 'userstr')
    if (!wechatid && !userstr) throw new WxError(47001, 'data format error: wechatid or userstr is required')
    const index = app.testers.findIndex((tester) =>
      userstr ? tester.userstr === userstr : tester.wechatid === wechatid
    )
    if (index < 0) throw new WxError(-1, 'system error')
    app.testers.splice(index, 1)
  }

  members(app: AppState, body: Body): { members: Array<{ userstr: string }> } {
    if (body.action !== 'get_experiencer') throw new WxError(40097, 'invalid args: action')
    return { members: app.testers.map((tester) => ({ userstr: tester.userstr })) }
  }

  // ---------------------------------------------------------------- template library

  draftList(): { draft_list: Array<Record<string, unknown>> } {
    return {
      draft_list: this.drafts.map((draft) => ({
        create_time: draft.createTime,
        user_version: draft.userVersion,
        user_desc: draft.userDesc,
        draft_id: draft.draftId,
        source_miniprogram_appid: draft.sourceAppid,
        source_miniprogram: draft.sourceName,
        developer: draft.developer,
        category_list: []
      }))
    }
  }

  addToTemplate(body: Body): void {
    const draftId = integerField(body.draft_id)
    const draft = this.drafts.find((candidate) => candidate.draftId === draftId)
    if (!draft) throw new WxError(85064, 'template not found')
    if (this.templates.length >= TEMPLATE_LIBRARY_LIMIT) throw new WxError(85065, 'template list is full')
    const templateType = body.template_type === undefined ? 0 : integerField(body.template_type)
    if (templateType !== 0 && templateType !== 1) throw new WxError(40097, 'invalid args: template_type')
    this.templates.push({
      ...draft,
      pages: [...draft.pages],
      templateId: this.nextTemplateId++,
      templateType,
      createTime: this.clock.now()
    })
  }

  /** gettemplatelist as answered (the templateListWithoutDraftId variant leaves draft_id out). */
  templateListReply(query: URLSearchParams): { template_list: Array<Record<string, unknown>> } {
    const list = this.templateList(query)
    if (!this.variants.templateListWithoutDraftId) return list
    return {
      template_list: list.template_list.map(({ draft_id: _draftId, ...template }) => template)
    }
  }

  templateList(query: URLSearchParams): { template_list: Array<Record<string, unknown>> } {
    const typeFilter = query.get('template_type')
    const wanted = typeFilter === null || typeFilter === '' ? undefined : integerField(typeFilter)
    return {
      template_list: this.templates
        .filter((template) => wanted === undefined || template.templateType === wanted)
        .map((template) => ({
          create_time: template.createTime,
          user_version: template.userVersion,
          user_desc: template.userDesc,
          template_id: template.templateId,
          draft_id: template.draftId,
          template_type: template.templateType,
          source_miniprogram_appid: template.sourceAppid,
          source_miniprogram: template.sourceName,
          developer: template.developer,
          category_list: []
        }))
    }
  }

  deleteTemplate(body: Body): void {
    const templateId = integerField(body.template_id)
    const index = this.templates.findIndex((template) => template.templateId === templateId)
    if (index < 0) throw new WxError(85064, 'template not found')
    this.templates.splice(index, 1)
  }

  // ---------------------------------------------------------------- operations: JS errors

  setJsErrors(appid: string, version: string, rows: JsErrorRow[]): void {
    this.app(appid).jsErrors.set(
      version,
      rows.map((row) => ({ ...row }))
    )
  }

  jsErrorList(app: AppState, body: Body): { data: Array<Record<string, unknown>>; totalCount: number } {
    for (const field of ['startTime', 'endTime']) {
      const value = body[field]
      if (value !== undefined && (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)))
        throw new WxError(40097, `invalid args: ${field} must be a date like 2026-01-31`)
    }
    const limit = body.limit === undefined ? JSERR_PAGE_LIMIT : integerField(body.limit)
    if (limit === undefined || limit < 1 || limit > JSERR_PAGE_LIMIT)
      throw new WxError(40097, `invalid args: limit must be 1 to ${JSERR_PAGE_LIMIT}`)
    const offset = body.offset === undefined ? 0 : integerField(body.offset)
    if (offset === undefined || offset < 0) throw new WxError(40097, 'invalid args: offset')
    const appVersion = body.appVersion === undefined ? '0' : String(body.appVersion)
    const keyword = typeof body.keyword === 'string' ? body.keyword : ''
    const orderBy = body.orderby === 'pv' ? 'pv' : 'uv'
    const ascending = String(body.desc ?? '1') === '2'

    // With appVersion "0" the same error seen in several versions is one group, as on the platform.
    const groups = new Map<string, JsErrorRow>()
    for (const [version, rows] of app.jsErrors) {
      if (appVersion !== '0' && version !== appVersion) continue
      for (const row of rows) {
        if (keyword && !row.errorMsg.includes(keyword) && !row.errorStack.includes(keyword)) continue
        const key = `${row.errorMsg}\n${row.errorStack}`
        const group = groups.get(key)
        if (group) {
          group.uv += row.uv
          group.pv += row.pv
        } else groups.set(key, { ...row })
      }
    }
    const all = [...groups.values()].sort((a, b) =>
      ascending ? a[orderBy] - b[orderBy] : b[orderBy] - a[orderBy]
    )
    const totalUv = all.reduce((sum, row) => sum + row.uv, 0)
    const totalPv = all.reduce((sum, row) => sum + row.pv, 0)
    return {
      data: all.slice(offset, offset + limit).map((row) => ({
        errorMsg: row.errorMsg,
        errorMsgMd5: md5Hex(row.errorMsg),
        errorStack: row.errorStack,
        errorStackMd5: md5Hex(row.errorStack),
        uv: row.uv,
        pv: row.pv,
        uvPercent: percent(row.uv, totalUv),
        pvPercent: percent(row.pv, totalPv)
      })),
      totalCount: all.length
    }
  }

  // ---------------------------------------------------------------- miniprogram-ci uploads

  /** Where a verified miniprogram-ci upload lands; see the module doc of emulator/index.ts. */
  recordCiUpload(upload: CiUpload): { route: UploadRoute; targetAppid: string } {
    const source = this.apps.get(upload.appid)
    if (!source) throw new Error(`upload for unknown appid ${upload.appid}`)
    const files = normalizeFiles(upload.files)
    const packaged = readJsonFile(files, 'ext.json')
    // miniprogram-ci packs the real ext.json only when the project attributes say `platform`; otherwise
    // the packed file holds just a warning and only the extAppId parameter tells where the code goes.
    // Such an upload is taken as the directCommit it almost always is.
    const ext: unknown =
      isPlainObject(packaged) && 'extEnable' in packaged
        ? packaged
        : upload.extAppid
          ? { extEnable: true, directCommit: true, extAppid: upload.extAppid }
          : undefined
    const extAppid = isPlainObject(ext) && typeof ext.extAppid === 'string' ? ext.extAppid : undefined
    const direct =
      isPlainObject(ext) &&
      ext.extEnable === true &&
      ext.directCommit === true &&
      extAppid !== undefined &&
      this.apps.get(extAppid)?.authorized === true
    const route: UploadRoute = direct ? 'direct' : upload.appid === DEV_APPID ? 'template' : 'dev'
    const targetAppid = direct && extAppid ? extAppid : upload.appid
    const now = this.clock.now()
    const target = this.app(targetAppid)

    if (upload.kind === 'preview') {
      target.previews.push({
        version: upload.version,
        desc: upload.desc,
        robot: upload.robot,
        time: now,
        ...(upload.pagePath ? { pagePath: upload.pagePath } : {})
      })
      return { route, targetAppid }
    }
    target.lastUpload = { ...upload, files, route, targetAppid, time: now }
    const pages = pagesOf(files)
    if (route === 'direct') {
      target.trial = {
        version: upload.version,
        desc: upload.desc,
        time: now,
        route: 'direct',
        extJson: JSON.stringify(ext),
        pages
      }
    } else if (route === 'template') {
      // The draft box keeps only the newest upload of each development mini program.
      const kept = this.drafts.filter((draft) => draft.sourceAppid !== source.appid)
      this.drafts.length = 0
      this.drafts.push(...kept, {
        draftId: this.nextDraftId++,
        userVersion: upload.version,
        userDesc: upload.desc,
        createTime: now,
        sourceAppid: source.appid,
        sourceName: source.name,
        developer: `ci robot ${upload.robot}`,
        pages
      })
    } else {
      target.devVersions.set(upload.robot, { version: upload.version, desc: upload.desc, time: now })
    }
    return { route, targetAppid }
  }

  // ---------------------------------------------------------------- snapshot

  auditCount(appid: string): number {
    return this.app(appid).audits.length
  }

  snapshot(): EmulatorSnapshot {
    const apps: Record<string, AppSnapshot> = {}
    for (const app of this.apps.values()) {
      apps[app.appid] = {
        appid: app.appid,
        name: app.name,
        authorized: app.authorized,
        ...(app.trial ? { trial: { ...app.trial, pages: [...app.trial.pages] } } : {}),
        devVersions: Object.fromEntries(
          [...app.devVersions].map(([robot, version]) => [String(robot), { ...version }])
        ),
        audits: app.audits.map((audit) => ({
          auditid: audit.auditid,
          status: audit.status,
          reason: audit.reason,
          screenshot: audit.screenshot,
          version: audit.code.version,
          desc: audit.code.desc,
          submitTime: audit.submitTime,
          ...(audit.outcomeTime !== undefined ? { outcomeTime: audit.outcomeTime } : {}),
          spedUp: audit.spedUp,
          released: audit.released,
          ...(audit.itemList ? { itemList: structuredClone(audit.itemList) } : {}),
          ...(audit.versionDesc !== undefined ? { versionDesc: audit.versionDesc } : {}),
          ...(audit.feedback ? { feedback: { ...audit.feedback } } : {})
        })),
        ...(app.online ? { online: releasedSnapshot(app.online) } : {}),
        history: app.history.map(releasedSnapshot),
        ...(app.gray ? { gray: { ...app.gray } } : {}),
        testers: app.testers.map((tester) => ({ ...tester })),
        visitStatus: app.visitStatus,
        ...(app.lastUpload
          ? {
              uploads: {
                version: app.lastUpload.version,
                desc: app.lastUpload.desc,
                robot: app.lastUpload.robot,
                route: app.lastUpload.route,
                time: app.lastUpload.time,
                files: Object.fromEntries(
                  [...app.lastUpload.files].map(([name, data]) => [name, data.length])
                )
              }
            }
          : {}),
        previews: app.previews.map((preview) => ({ ...preview })),
        submittedFeedback: app.audits
          .filter((audit) => audit.feedback)
          .map((audit) => ({ auditid: audit.auditid, ...(audit.feedback as Feedback) })),
        withdrawals: { ...app.withdrawals },
        jsErrors: Object.fromEntries(
          [...app.jsErrors].map(([version, rows]) => [version, rows.map((row) => ({ ...row }))])
        )
      }
    }
    return {
      now: this.clock.now(),
      componentAppid: COMPONENT_APPID,
      quota: this.queryQuota(),
      apps,
      drafts: this.draftList().draft_list,
      templates: this.templateList(new URLSearchParams()).template_list
    }
  }
}

// Type aliases, not interfaces: callers may view a snapshot as a plain Record<string, unknown>.
export type AppSnapshot = {
  appid: string
  name: string
  authorized: boolean
  trial?: {
    version: string
    desc: string
    time: number
    route: 'commit' | 'direct'
    templateId?: number
    extJson?: string
    pages: string[]
  }
  devVersions: Record<string, { version: string; desc: string; time: number }>
  audits: Array<{
    auditid: number
    status: AuditStatus
    reason: string
    screenshot: string
    version: string
    desc: string
    submitTime: number
    outcomeTime?: number
    spedUp: boolean
    released: boolean
    itemList?: unknown[]
    versionDesc?: string
    feedback?: Feedback
  }>
  online?: ReleasedSnapshot
  /** Rollback targets, newest first. */
  history: ReleasedSnapshot[]
  gray?: GrayPlan
  testers: Tester[]
  visitStatus: 0 | 1
  /** The last miniprogram-ci upload that landed on this app: file names with their sizes in bytes. */
  uploads?: {
    version: string
    desc: string
    robot: number
    route: UploadRoute
    time: number
    files: Record<string, number>
  }
  previews: Array<{ version: string; desc: string; robot: number; time: number; pagePath?: string }>
  submittedFeedback: Array<Feedback & { auditid: number }>
  withdrawals: { day: string; dayCount: number; month: string; monthCount: number }
  jsErrors: Record<string, JsErrorRow[]>
}

/** A released version; `version` is its user_version. */
export type ReleasedSnapshot = ReleasedVersion & { version: string; desc: string }

function releasedSnapshot(version: ReleasedVersion): ReleasedSnapshot {
  return { version: version.userVersion, desc: version.userDesc, ...version }
}

export type EmulatorSnapshot = {
  now: number
  componentAppid: string
  quota: { rest: number; limit: number; speedup_rest: number; speedup_limit: number }
  apps: Record<string, AppSnapshot>
  drafts: Array<Record<string, unknown>>
  templates: Array<Record<string, unknown>>
}

function validateItemList(itemList: unknown, pages: string[]): void {
  if (!Array.isArray(itemList) || itemList.length < 1 || itemList.length > 5)
    throw new WxError(85023, 'item list is invalid, it must hold 1 to 5 items')
  for (const item of itemList) {
    if (!isPlainObject(item) || Object.keys(item).length === 0) throw new WxError(85010, 'item list is empty')
    const address = item.address
    if (
      address !== undefined &&
      (typeof address !== 'string' || (pages.length > 0 && !pages.includes(address)))
    )
      throw new WxError(85007, 'page path is invalid')
    const tag = item.tag
    if (tag !== undefined) {
      const tags = typeof tag === 'string' ? tag.split(/\s+/).filter(Boolean) : undefined
      if (!tags || tags.length > 10 || tags.some((one) => one.length > 20))
        throw new WxError(85006, 'tags format error')
    }
    const title = item.title
    if (title !== undefined && (typeof title !== 'string' || title.length > 32))
      throw new WxError(85011, 'title is invalid')
    // "类目是必填的": the category is required on every item (api_submitaudit).
    const missing = REQUIRED_CATEGORY_FIELDS.find((field) => item[field] === undefined || item[field] === '')
    if (missing) throw new WxError(85008, `category is invalid: ${missing} is required`)
    if (!matchesCategory(item)) throw new WxError(85008, 'category is invalid')
  }
}

const REQUIRED_CATEGORY_FIELDS = ['first_class', 'second_class', 'first_id', 'second_id'] as const

/** The item's category must be a configured one: first and second level (and third, when given). */
function matchesCategory(item: Body): boolean {
  const level = (category: Category, name: 'first' | 'second' | 'third'): boolean => {
    const id = integerField(item[`${name}_id`])
    const label = item[`${name}_class`]
    if (id === undefined && label === undefined) return name === 'third'
    if (id !== undefined && id !== category[`${name}_id`]) return false
    if (label !== undefined && label !== category[`${name}_class`]) return false
    return true
  }
  return CATEGORIES.some(
    (category) => level(category, 'first') && level(category, 'second') && level(category, 'third')
  )
}

/** Package paths without a leading `/` or `./`, so `/app.json` and `app.json` are the same file. */
function normalizeFiles(files: Map<string, Buffer>): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const [name, data] of files) out.set(name.replace(/^(\.\/|\/)+/, ''), data)
  return out
}

function readJsonFile(files: Map<string, Buffer>, name: string): unknown {
  const data = files.get(name)
  if (!data) return undefined
  return parseJsonOr(data.toString('utf8'), undefined)
}

/** Main-package and subpackage pages from the package's app.json (or the compiled app-config.json). */
function pagesOf(files: Map<string, Buffer>): string[] {
  const config = readJsonFile(files, 'app.json') ?? readJsonFile(files, 'app-config.json')
  if (!isPlainObject(config)) return []
  const pages = Array.isArray(config.pages) ? config.pages.map(String) : []
  const subpackages = config.subpackages ?? config.subPackages
  if (Array.isArray(subpackages)) {
    for (const sub of subpackages) {
      if (!isPlainObject(sub) || typeof sub.root !== 'string' || !Array.isArray(sub.pages)) continue
      const root = sub.root.replace(/\/+$/, '')
      for (const page of sub.pages) pages.push(`${root}/${String(page)}`)
    }
  }
  return pages
}
