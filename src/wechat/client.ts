/**
 * Typed client of the WeChat mini program code-management, template-library and operations APIs.
 * One method per endpoint; every call goes through WeChatHttp (retries, token refresh, redaction).
 */
import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { InputError } from '../errors.js'
import {
  ERRCODE,
  WeChatApiError,
  WeChatMalformedResponseError,
  WeChatTokenError,
  WeChatUnknownOutcomeError
} from './errors.js'
import { WeChatHttp, type FetchFunction, type RequestAuth } from './http.js'
import { reviewItemProblems, type ReviewItem } from './review-items.js'
import {
  AUDIT_STATUS_NAMES,
  auditStatusResponse,
  bindTesterResponse,
  categoryListResponse,
  grayReleasePlanResponse,
  historyVersionsResponse,
  jsErrListResponse,
  latestAuditStatusResponse,
  okResponse,
  pageListResponse,
  quotaResponse,
  submitAuditResponse,
  templateDraftListResponse,
  templateListResponse,
  testerListResponse,
  versionInfoResponse,
  type AuditResult,
  type AuditStatus,
  type Category,
  type GrayReleasePlan,
  type HistoryVersion,
  type JsErrorRow,
  type LatestAuditResult,
  type Quota,
  type Template,
  type TemplateDraft,
  type VersionInfo
} from './schemas.js'
import type { ComponentTokenSource, TokenProvider } from './tokens.js'

export type {
  AuditResult,
  AuditStatus,
  Category,
  GrayReleasePlan,
  HistoryVersion,
  JsErrorRow,
  LatestAuditResult,
  Quota,
  Template,
  TemplateDraft,
  VersionInfo
}

export type { ReviewItem }

export interface UgcDeclare {
  /** 0 none, 1 profile, 2 image, 3 video, 4 text, 5 audio. */
  scene?: number[]
  other_scene_desc?: string
  /** 1 content-security API, 2 other moderation, 3 manual review, 4 none. */
  method?: number[]
  has_audit_team?: 0 | 1
  audit_desc?: string
}

export interface PreviewInfo {
  video_id_list?: string[]
  pic_id_list?: string[]
}

export interface SubmitAuditRequest {
  /** 1 to 5 items, each with its category; left out when empty (an empty list gives 85023). */
  item_list?: ReviewItem[]
  /** Honoured only after a rejection. */
  feedback_info?: string
  /** `|`-separated media ids, at most 5. */
  feedback_stuff?: string
  version_desc?: string
  preview_info?: PreviewInfo
  ugc_declare?: UgcDeclare
  privacy_api_not_use?: boolean
  order_path?: string
}

export interface GrayReleaseRequest {
  /** Integer 0–100, only ever higher than the current plan's. 0 needs one of the two flags. */
  gray_percentage: number
  support_debuger_first?: boolean
  support_experiencer_first?: boolean
}

export interface CommitRequest {
  template_id: number | string
  /** An object is stringified once; a string is sent as is (it must be JSON). */
  ext_json: Record<string, unknown> | string
  /** At most 64 characters. */
  user_version: string
  user_desc: string
}

export interface JsErrListQuery {
  /** "0" for every version, else the version string, e.g. "1.2.3". */
  appVersion: string
  /** A date (`YYYY-MM-DD`, China time); a Date is converted to its China (UTC+8) calendar day. */
  startTime: string | Date
  endTime: string | Date
  /** "0" all, "1" business code, "2" plugin, "3" framework. */
  errType?: '0' | '1' | '2' | '3'
  keyword?: string
  openid?: string
  orderby?: 'uv' | 'pv'
  /** "1" descending, "2" ascending. */
  desc?: '1' | '2'
  /** Rows per page; the platform allows at most 30. */
  pageSize?: number
  /** Stop paging after this many rows (default 1,000). */
  maxRows?: number
}

export interface JsErrList {
  rows: JsErrorRow[]
  /** Error groups the platform reports in total (may exceed rows.length when maxRows cut the paging). */
  totalCount: number
}

export interface WeChatClientOptions {
  /** `api-base-url` (default https://api.weixin.qq.com); a relay's path prefix is kept. */
  baseUrl?: string
  tokens: TokenProvider
  /** component_access_token for the template-library APIs; `refresh` after the platform rejected one. */
  componentTokens?: ComponentTokenSource['componentToken']
  timeoutMs?: number
  retries?: number
  log?: (debugLine: string) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  dispatcher?: Dispatcher
  clock?: () => number
  warn?: (message: string) => void
  fetch?: FetchFunction
  /** Share one transport with the token providers; built from the options above when absent. */
  http?: WeChatHttp
}

export interface SubmitOnceOptions {
  /** The user_version the submitted code was committed or uploaded with. */
  userVersion: string
  /** When this run started; a finished review is adopted only if submitted at most 5 minutes before it. */
  startedAt: Date | number
}

export interface SubmitOnceResult {
  auditid: number
  /** True when the review already existed (earlier run, or a submit whose reply was lost) and was taken over. */
  adopted: boolean
}

/** submit_audit was not sent again and the existing review could not be taken over. */
export class WeChatSubmitConflictError extends Error {
  override readonly name = 'WeChatSubmitConflictError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

const ADOPTION_WINDOW_MS = 5 * 60 * 1000
const JSERR_PAGE_MAX = 30

export class WeChatClient {
  readonly http: WeChatHttp
  private readonly tokens: TokenProvider
  private readonly componentTokens: WeChatClientOptions['componentTokens']

  constructor(options: WeChatClientOptions) {
    this.http =
      options.http ??
      new WeChatHttp({
        ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.retries !== undefined ? { retries: options.retries } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.warn ? { warn: options.warn } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {})
      })
    this.tokens = options.tokens
    this.componentTokens = options.componentTokens
  }

  get tokenKind(): TokenProvider['kind'] {
    return this.tokens.kind
  }

  /**
   * "Now" by WeChat's clock, in unix seconds: the Date header of its last reply when that is within 5 minutes
   * of the runner's clock, else the runner's clock (a warning says why). Deadlines (the 15-day gray limit,
   * schedule dwell times) are measured with it.
   */
  now(): number {
    return this.http.now()
  }

  close(): Promise<void> {
    return this.http.close()
  }

  // Review.

  async submitAudit(appid: string, body: SubmitAuditRequest): Promise<{ auditid: number }> {
    const request = normalizeSubmitAudit(body)
    return this.write(appid, 'POST', '/wxa/submit_audit', submitAuditResponse, request)
  }

  getAuditStatus(appid: string, auditid: number): Promise<AuditResult> {
    return this.read(appid, 'POST', '/wxa/get_auditstatus', auditStatusResponse, { auditid })
  }

  getLatestAuditStatus(appid: string): Promise<LatestAuditResult> {
    return this.read(appid, 'GET', '/wxa/get_latest_auditstatus', latestAuditStatusResponse)
  }

  /** Withdraw the running review (5 a day, 10 a month). A GET, but a write: never repeated blindly. */
  undoCodeAudit(appid: string): Promise<void> {
    return this.write(appid, 'GET', '/wxa/undocodeaudit', okResponse)
  }

  speedupAudit(appid: string, auditid: number): Promise<void> {
    return this.write(appid, 'POST', '/wxa/speedupaudit', okResponse, { auditid })
  }

  /** The provider's monthly review and speed-up quota (any authorized mini program's token works). */
  queryQuota(appid: string): Promise<Quota> {
    return this.read(appid, 'GET', '/wxa/queryquota', quotaResponse)
  }

  /**
   * Submit for review without ever submitting twice. On 85009 (a review is running) or a lost reply, the
   * latest review is read back and taken over when it is this version; submit_audit is never sent again.
   */
  async submitAuditOnce(
    appid: string,
    body: SubmitAuditRequest,
    options: SubmitOnceOptions
  ): Promise<SubmitOnceResult> {
    try {
      const { auditid } = await this.submitAudit(appid, body)
      return { auditid, adopted: false }
    } catch (error) {
      const running = error instanceof WeChatApiError && error.errcode === ERRCODE.REVIEW_RUNNING
      const unknown =
        error instanceof WeChatUnknownOutcomeError || error instanceof WeChatMalformedResponseError
      if (!running && !unknown) throw error

      let latest: LatestAuditResult
      try {
        latest = await this.getLatestAuditStatus(appid)
      } catch (readError) {
        throw new WeChatSubmitConflictError(
          `${appid}: submit_audit ${running ? 'answered 85009 (a review is already running)' : 'got no usable reply'}, and the latest review could not be read back (${(readError as Error).message}). submit_audit was not sent again; run \`sync\` to see the review state.`,
          { cause: error }
        )
      }
      if (adoptable(latest, options) && latest.auditid !== undefined) {
        return { auditid: latest.auditid, adopted: true }
      }

      const found = describeLatest(latest)
      if (running) {
        throw new WeChatSubmitConflictError(
          `${appid}: a review is already running and it is not one of "${options.userVersion}" from this run: ${found}. Withdraw it (command \`withdraw\`) or wait for its result, then submit again.`,
          { cause: error }
        )
      }
      throw new WeChatSubmitConflictError(
        `${appid}: submit_audit got no usable reply (${(error as Error).message}) and ${found}, so the submission of "${options.userVersion}" is not confirmed. It was not sent again; run \`submit\` again to retry.`,
        { cause: error }
      )
    }
  }

  // Release, gray, rollback.

  release(appid: string): Promise<void> {
    return this.write(appid, 'POST', '/wxa/release', okResponse, {})
  }

  grayRelease(appid: string, request: GrayReleaseRequest): Promise<void> {
    const { gray_percentage: percentage } = request
    if (!Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
      throw new InputError('gray-percent', 'must be an integer from 0 to 100')
    }
    if (percentage === 0 && !request.support_debuger_first && !request.support_experiencer_first) {
      throw new InputError('gray-percent', '0 needs project members or experience members first')
    }
    const body: GrayReleaseRequest = { gray_percentage: percentage }
    if (request.support_debuger_first !== undefined)
      body.support_debuger_first = request.support_debuger_first
    if (request.support_experiencer_first !== undefined) {
      body.support_experiencer_first = request.support_experiencer_first
    }
    return this.write(appid, 'POST', '/wxa/grayrelease', okResponse, body)
  }

  getGrayReleasePlan(appid: string): Promise<GrayReleasePlan> {
    return this.read(appid, 'GET', '/wxa/getgrayreleaseplan', grayReleasePlanResponse)
  }

  /** Cancel the gray plan. A GET, but a write. */
  revertGrayRelease(appid: string): Promise<void> {
    return this.write(appid, 'GET', '/wxa/revertgrayrelease', okResponse)
  }

  /**
   * Roll back to the previous online version, or to `appVersion` from getHistoryVersions. A GET, but a
   * write: a repeat after a lost reply would roll back one step further, so it is never repeated blindly.
   */
  revertCodeRelease(appid: string, appVersion?: number): Promise<void> {
    return this.write(appid, 'GET', '/wxa/revertcoderelease', okResponse, undefined, {
      app_version: appVersion
    })
  }

  /** Rollback targets (at most the 5 latest); empty when nothing can be rolled back to. */
  getHistoryVersions(appid: string): Promise<HistoryVersion[]> {
    return this.read(appid, 'GET', '/wxa/revertcoderelease', historyVersionsResponse, undefined, {
      action: 'get_history_version'
    })
  }

  /** Trial and online versions; `release_version` may be missing while `release_info` says one is online. */
  getVersionInfo(appid: string): Promise<VersionInfo> {
    return this.read(appid, 'POST', '/wxa/getversioninfo', versionInfoResponse, {})
  }

  /** The trial version's QR code (JPEG bytes). `path` is encoded once, e.g. `pages/index?x=1`. */
  async getTrialQrCode(appid: string, path?: string): Promise<Buffer> {
    const endpoint = '/wxa/get_qrcode'
    const reply = await this.http.binary({
      method: 'GET',
      path: endpoint,
      query: { path },
      idempotent: true,
      auth: this.appAuth(appid)
    })
    if (/json|text\/plain/i.test(reply.contentType) || reply.body.length === 0) {
      throw new WeChatMalformedResponseError(
        endpoint,
        `expected an image, got ${reply.contentType || 'no content-type'} (${reply.body.length} bytes)`
      )
    }
    return reply.body
  }

  // Code and its metadata.

  /** Page paths of the trial version's code, duplicates removed (for review items' `address`). */
  getPage(appid: string): Promise<string[]> {
    return this.read(appid, 'GET', '/wxa/get_page', pageListResponse)
  }

  /** The categories a review item may name (getAllCategoryName); may be empty with errcode 0. */
  getCategory(appid: string): Promise<Category[]> {
    return this.read(appid, 'GET', '/wxa/get_category', categoryListResponse)
  }

  /** Commit a template to the mini program; this creates its trial version and starts privacy detection. */
  commit(appid: string, request: CommitRequest): Promise<void> {
    if (request.user_version.length > 64) {
      throw new InputError('version', 'must be at most 64 characters (WeChat user_version)')
    }
    let extJson: string
    if (typeof request.ext_json === 'string') {
      if (!isJson(request.ext_json)) throw new InputError('ext-json', 'must be valid JSON')
      extJson = request.ext_json
    } else {
      extJson = JSON.stringify(request.ext_json)
    }
    const templateId = Number(request.template_id)
    return this.write(appid, 'POST', '/wxa/commit', okResponse, {
      template_id: Number.isSafeInteger(templateId) ? templateId : request.template_id,
      ext_json: extJson,
      user_version: request.user_version,
      user_desc: request.user_desc
    })
  }

  // Experience members.

  bindTester(appid: string, wechatid: string): Promise<{ userstr: string }> {
    return this.write(appid, 'POST', '/wxa/bind_tester', bindTesterResponse, { wechatid })
  }

  unbindTester(appid: string, member: { wechatid: string } | { userstr: string }): Promise<void> {
    const body = 'userstr' in member ? { userstr: member.userstr } : { wechatid: member.wechatid }
    return this.write(appid, 'POST', '/wxa/unbind_tester', okResponse, body)
  }

  /** Experience members; only their opaque userstr comes back. */
  listTesters(appid: string): Promise<Array<{ userstr: string }>> {
    return this.read(appid, 'POST', '/wxa/memberauth', testerListResponse, { action: 'get_experiencer' })
  }

  // Template library (component_access_token).

  getTemplateDraftList(): Promise<TemplateDraft[]> {
    return this.component('GET', '/wxa/gettemplatedraftlist', templateDraftListResponse, true)
  }

  /** Turns a draft into a template; the reply carries no template_id (find it in getTemplateList by draft_id). */
  addToTemplate(draftId: number, templateType: 0 | 1 = 0): Promise<void> {
    return this.component('POST', '/wxa/addtotemplate', okResponse, false, {
      draft_id: draftId,
      template_type: templateType
    })
  }

  getTemplateList(templateType?: 0 | 1): Promise<Template[]> {
    return this.component('GET', '/wxa/gettemplatelist', templateListResponse, true, undefined, {
      template_type: templateType
    })
  }

  /**
   * Adds a draft to the template library and finds the template it became. addtotemplate answers no
   * template_id, and older replies of gettemplatelist carry no draft_id, so the template is matched by
   * draft_id when the list has it, else as the one new template with the draft's user_version and
   * user_desc. `before` is the list read before adding. When no single template matches, the error says so
   * (the template may exist: a later run's pruning removes only templates the action marked as its own).
   */
  async addToTemplateAndFind(draft: TemplateDraft, before: readonly Template[]): Promise<Template> {
    await this.addToTemplate(draft.draft_id)
    const after = await this.getTemplateList()
    const byDraft = after.filter((template) => template.draft_id === draft.draft_id)
    if (byDraft.length > 0) {
      return byDraft.sort((a, b) => b.create_time - a.create_time)[0] as Template
    }
    const known = new Set(before.map((template) => template.template_id))
    const fresh = after.filter(
      (template) =>
        !known.has(template.template_id) &&
        template.draft_id === undefined &&
        template.user_version === draft.user_version &&
        template.user_desc === draft.user_desc
    )
    if (fresh.length === 1) return fresh[0] as Template
    throw new WeChatMalformedResponseError(
      '/wxa/gettemplatelist',
      fresh.length === 0
        ? `draft ${draft.draft_id} was added to the template library, but no new template of version "${draft.user_version}" is listed`
        : `draft ${draft.draft_id} was added to the template library, and ${fresh.length} new templates of version "${draft.user_version}" are listed without draft_id, so it is not known which one to commit`
    )
  }

  deleteTemplate(templateId: number): Promise<void> {
    return this.component('POST', '/wxa/deletetemplate', okResponse, false, { template_id: templateId })
  }

  // Operations.

  /** JS error groups of one version, paging (≤ 30 a page) until totalCount or maxRows. */
  async jsErrList(appid: string, query: JsErrListQuery): Promise<JsErrList> {
    const pageSize = Math.min(Math.max(1, Math.floor(query.pageSize ?? JSERR_PAGE_MAX)), JSERR_PAGE_MAX)
    const maxRows = query.maxRows ?? 1000
    const base = {
      appVersion: query.appVersion,
      errType: query.errType ?? '0',
      startTime: chinaDate(query.startTime, 'startTime'),
      endTime: chinaDate(query.endTime, 'endTime'),
      keyword: query.keyword ?? '',
      openid: query.openid ?? '',
      orderby: query.orderby ?? 'uv',
      desc: query.desc ?? '1'
    }
    const rows: JsErrorRow[] = []
    let totalCount = 0
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.read(appid, 'POST', '/wxaapi/log/jserr_list', jsErrListResponse, {
        ...base,
        offset,
        limit: pageSize
      })
      totalCount = page.totalCount
      rows.push(...page.data)
      if (page.data.length === 0 || rows.length >= totalCount || rows.length >= maxRows) break
    }
    return { rows: rows.slice(0, maxRows), totalCount }
  }

  // Plumbing.

  private appAuth(appid: string): RequestAuth {
    return { token: () => this.tokens.token(appid), invalidate: () => this.tokens.invalidate(appid) }
  }

  private read<T>(
    appid: string,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    query?: Record<string, string | number | undefined>
  ): Promise<T> {
    return this.http.json({ method, path, body, query, schema, idempotent: true, auth: this.appAuth(appid) })
  }

  private write<T>(
    appid: string,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    query?: Record<string, string | number | undefined>
  ): Promise<T> {
    return this.http.json({ method, path, body, query, schema, idempotent: false, auth: this.appAuth(appid) })
  }

  private component<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    idempotent: boolean,
    body?: unknown,
    query?: Record<string, string | number | undefined>
  ): Promise<T> {
    const source = this.componentTokens
    if (!source) {
      return Promise.reject(
        new WeChatTokenError(
          `${path} needs a component_access_token: give \`token-url\` (your token service answers \`?component=1\`) or \`component-access-token\`.`
        )
      )
    }
    let refresh = false
    const auth: RequestAuth = {
      token: () => {
        const token = source(refresh ? { refresh: true } : {})
        refresh = false
        return token
      },
      invalidate: () => {
        refresh = true
      }
    }
    return this.http.json({ method, path, body, query, schema, idempotent, auth })
  }
}

function describeLatest(latest: LatestAuditResult): string {
  const version = latest.user_version
    ? `version "${latest.user_version}"`
    : 'of a version WeChat did not name (no user_version in the reply)'
  const id = latest.auditid !== undefined ? `auditid ${latest.auditid}` : 'no auditid in the reply'
  return `the latest review is ${version} (${id}, ${AUDIT_STATUS_NAMES[latest.status]})`
}

function adoptable(latest: LatestAuditResult, options: SubmitOnceOptions): boolean {
  // Without a version name the review cannot be shown to be this run's: it is not taken over.
  if (latest.user_version === undefined || latest.user_version !== options.userVersion) return false
  // A running (or delayed, i.e. still running) review of this version is the one to follow, whenever it
  // was submitted: that is how a rerun after a crash converges.
  if (latest.status === 2 || latest.status === 4) return true
  if (latest.status === 3) return false
  // Already decided (approved / rejected): only a submission from this run may be taken over.
  const startedAt = typeof options.startedAt === 'number' ? options.startedAt : options.startedAt.getTime()
  if (latest.submit_audit_time === undefined) return false
  return latest.submit_audit_time * 1000 >= startedAt - ADOPTION_WINDOW_MS
}

/** Checks the review items before the write: categories present, at most 5 (85023), tags and title in bounds. */
function normalizeSubmitAudit(body: SubmitAuditRequest): SubmitAuditRequest {
  const items = body.item_list ?? []
  const request: SubmitAuditRequest = { ...body }
  if (items.length === 0) {
    delete request.item_list
    return request
  }
  const problem = reviewItemProblems(items)[0]
  if (problem !== undefined) throw new InputError('review-items', problem)
  return request
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch (error) {
    // JSON.parse throws only SyntaxError for text that is not JSON.
    if (error instanceof SyntaxError) return false
    throw error
  }
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000

/** jserr_list takes calendar days in China time. */
function chinaDate(value: string | Date, field: string): string {
  if (typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InputError(field, 'must be a date YYYY-MM-DD')
    return value
  }
  return new Date(value.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}
