/**
 * Errors raised by the WeChat client. Every message is redacted: the access token travels in the query
 * string, and errmsg texts sometimes echo request data back.
 */
import { redact } from '../redact.js'
import { stripUserinfo } from './endpoint.js'

/**
 * The errcodes the action's control flow depends on, by name. The meaning of each (and its source) is in
 * ERRCODES below and in docs/platform-conformance.md.
 */
export const ERRCODE = {
  SYSTEM_ERROR: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_ACCESS_TOKEN: 40014,
  ACCESS_TOKEN_EXPIRED: 42001,
  MINUTE_QUOTA_REACHED: 45011,
  API_UNAUTHORIZED: 48001,
  IP_NOT_REGISTERED: 61004,
  PRIVACY_CHECK_RUNNING: 61039,
  WECHAT_ID_NOT_FOUND: 85001,
  TESTER_LIMIT_REACHED: 85002,
  TESTER_OF_TOO_MANY_APPS: 85003,
  TESTER_ALREADY_BOUND: 85004,
  CATEGORY_PROBLEM: 85008,
  REVIEW_RUNNING: 85009,
  INVALID_AUDIT_ID: 85012,
  NOTHING_UNDER_REVIEW: 85019,
  RELEASE_NOT_ALLOWED: 85020,
  ALREADY_RELEASED: 85052,
  DRAFT_OR_TEMPLATE_NOT_FOUND: 85064,
  TEMPLATE_LIBRARY_FULL: 85065,
  NO_ONLINE_VERSION: 85079,
  NOT_APPROVED: 85080,
  INVALID_GRAY_PERCENTAGE: 85081,
  GRAY_PERCENTAGE_TOO_LOW: 85082,
  REVIEW_QUOTA_USED_UP: 85085,
  MUST_COMMIT_FIRST: 85086,
  THIRD_PARTY_ONLY: 86000,
  NO_COMMITTED_CODE: 86001,
  GRAY_RELEASE_RUNNING: 87011,
  /** revertcoderelease: this version cannot be rolled back to. */
  ROLLBACK_FORBIDDEN: 87012,
  /** undocodeaudit answers the same code when no review is pending (developer community C-0002423c6b85c083bd7a318fd5b800). */
  NOTHING_TO_WITHDRAW: 87012,
  WITHDRAW_QUOTA_USED_UP: 87013,
  SYSTEM_UNSTABLE: 89401,
  REVIEW_NOT_PENDING: 89402,
  ALREADY_SPED_UP: 89404,
  SPEEDUP_QUOTA_USED_UP: 89405,
  CONCURRENT_LIMIT: 9402202
} as const

export interface ErrcodeExplanation {
  /** What the platform means by the code, in plain words. */
  meaning: string
  /** What the user can do about it. */
  advice: string
}

const RETRY_LATER = 'The platform is busy; the action retries reads automatically, so run it again later.'
const TOKEN_ADVICE =
  'The token was rejected; the action fetched a fresh one and tried once more. Check that the token source (token-url, authorizer-access-token or component-access-token) returns a current token for this mini program.'
const IP_WHITELIST_THIRD_PARTY =
  "The runner's IP is not in the third-party platform's IP whitelist (开放平台 → 第三方平台 → 开发资料 → 白名单IP地址列表). GitHub-hosted runners change IP on every run: route the calls through a relay with a fixed egress IP via `api-base-url`, or use a self-hosted runner whose IP is listed. After editing the list, publish the platform again."
const TICKET_ADVICE =
  'The action never mints a component_access_token; this code comes from your platform server. Let the server that receives the component_verify_ticket (pushed every 10 minutes, valid 12 hours) mint the token, and give it to the action through `token-url` or `component-access-token`.'

/**
 * errcode → explanation, for every code the platform references list for the endpoints this client calls.
 * Meanings are the documented ones; the advice is what the action's user can do.
 */
export const ERRCODES: Readonly<Record<number, ErrcodeExplanation>> = {
  [-1]: { meaning: 'system error', advice: RETRY_LATER },
  40001: {
    meaning: 'invalid credential: the access token is invalid or not the latest',
    advice: TOKEN_ADVICE
  },
  40002: { meaning: 'invalid grant_type', advice: 'The token request is malformed; report this as a bug.' },
  40013: {
    meaning: 'invalid appid',
    advice: 'Check the appid (and component-appid): it must be wx followed by 16 hex characters and exist.'
  },
  40014: { meaning: 'invalid access token', advice: TOKEN_ADVICE },
  40097: {
    meaning: 'invalid arguments',
    advice: 'A parameter was rejected (for example an app_version that is not in the rollback list).'
  },
  40125: {
    meaning: 'invalid appsecret',
    advice: 'Check `appsecret`; it may have been reset in the console.'
  },
  40164: {
    meaning: "the caller's IP is not in the mini program's API IP whitelist",
    advice:
      "Add the runner's egress IP to the mini program's API IP whitelist (mp.weixin.qq.com → 开发管理 → 开发设置 → API IP白名单, up to 10 entries). GitHub-hosted runners change IP: use a relay with a fixed egress IP via `api-base-url`, or a self-hosted runner."
  },
  40243: {
    meaning: 'the AppSecret is frozen',
    advice: 'Unfreeze or reset the AppSecret in the mini program console, then update `appsecret`.'
  },
  41001: { meaning: 'access token missing', advice: TOKEN_ADVICE },
  41004: {
    meaning: 'appsecret missing',
    advice: 'Provide `appsecret` for the mini program’s own token.'
  },
  42001: { meaning: 'access token expired', advice: TOKEN_ADVICE },
  43002: { meaning: 'this API requires POST', advice: 'This is a client bug; please report it.' },
  44002: {
    meaning: 'empty post data',
    advice: 'The request had no JSON body. This is a client bug (it always sends `{}`); please report it.'
  },
  45009: {
    meaning: 'daily API quota reached',
    advice:
      'The daily call limit of this API is used up. Wait until tomorrow or clear the quota (clear_quota) in the console.'
  },
  45011: {
    meaning: 'API minute quota reached',
    advice: 'Too many calls per minute; the action backs off and retries.'
  },
  47001: {
    meaning: 'data format error: the JSON body is not valid',
    advice: 'This is a client bug; please report it with the debug log.'
  },
  48001: {
    meaning: 'API unauthorized: the token is not allowed to call this API',
    advice:
      'Usually the wrong kind of token: code-management APIs need an authorizer_access_token, template APIs a component_access_token. Also check that the mini program granted the permission set to the platform.'
  },
  61004: {
    meaning: 'the calling IP is not registered (third-party platform IP whitelist)',
    advice: IP_WHITELIST_THIRD_PARTY
  },
  61005: { meaning: 'component_verify_ticket expired', advice: TICKET_ADVICE },
  61006: { meaning: 'component_verify_ticket invalid', advice: TICKET_ADVICE },
  61007: {
    meaning: 'the API is not authorized to the third-party platform',
    advice:
      'The mini program has not granted the needed permission set (18: 小程序开发与数据分析) to your platform; re-authorize it.'
  },
  61011: { meaning: 'invalid component', advice: 'Check `component-appid`.' },
  61023: {
    meaning: 'the authorizer refresh token is invalid',
    advice:
      'Update `authorizer-refresh-tokens` with the current refresh token of this mini program (it changes when the mini program re-authorizes), or better, switch to `token-url` so your platform server stays the only holder.'
  },
  61039: {
    meaning: 'the privacy-interface detection of the committed code is not finished',
    advice:
      'Wait about a minute after commit and submit again. Do not commit again: every commit restarts the detection.'
  },
  61040: {
    meaning: 'a privacy API is used without permission or without configuration',
    advice:
      'Declare requiredPrivateInfos in ext_json and obtain the permission, or declare non-use with privacy_api_not_use.'
  },
  80067: { meaning: 'plugin not found', advice: 'Check the plugins in ext_json.' },
  80082: {
    meaning: 'no permission to use the plugin',
    advice: 'Apply for the plugin in the mini program console.'
  },
  85001: {
    meaning: 'the WeChat ID does not exist or cannot be searched',
    advice: 'Use the WeChat account name (微信号), not a nickname or openid, and make sure it is searchable.'
  },
  85002: {
    meaning: 'the mini program has reached its experience-member limit',
    advice: 'Unbind experience members you no longer need, then try again.'
  },
  85003: {
    meaning: 'this WeChat ID is already an experience member of too many mini programs (50)',
    advice: 'The user must leave another mini program’s experience list first.'
  },
  85004: { meaning: 'the WeChat ID is already bound as an experience member', advice: 'Nothing to do.' },
  85006: {
    meaning: 'tag format wrong',
    advice: 'Tags are space-separated, at most 10, each at most 20 characters.'
  },
  85007: { meaning: 'page path wrong', advice: 'Use a page from get_page (the committed code’s page_list).' },
  85008: {
    meaning: 'category problem: no approved category is configured',
    advice: 'Configure and get approval for a service category in the mini program console.'
  },
  85009: {
    meaning: 'a version is already under review',
    advice:
      'Run `sync` to follow that review, or `withdraw` it first if a different version must be reviewed.'
  },
  85010: {
    meaning: 'an item_list entry is empty',
    advice: 'Fill every review item (address, tag, categories, title).'
  },
  85011: { meaning: 'title wrong', advice: 'A review item title has at most 32 characters.' },
  85012: {
    meaning: 'invalid audit id',
    advice: 'Check the auditid; it must come from submit_audit for this mini program.'
  },
  85013: { meaning: 'invalid custom configuration', advice: 'Check ext_json.' },
  85014: {
    meaning: 'invalid template id',
    advice: 'The template does not exist; check the template_id (a number).'
  },
  85019: {
    meaning: 'no version is under review or approved',
    advice: 'There is nothing to release: submit a version and wait for approval first.'
  },
  85020: {
    meaning: 'the review status does not allow a release',
    advice: 'Only an approved review (status 0) can be released; run `sync` to see the review state.'
  },
  85021: { meaning: 'status not allowed', advice: 'The visit status cannot be changed now.' },
  85022: { meaning: 'invalid action', advice: 'This is a client bug; please report it.' },
  85023: { meaning: 'item_list must hold 1 to 5 entries', advice: 'Give at most 5 review items (or none).' },
  85043: { meaning: 'template error', advice: 'Check the template in the template library.' },
  85044: {
    meaning: 'the code package exceeds the size limit',
    advice: 'Reduce the package size or use subpackages.'
  },
  85045: {
    meaning: 'ext_json contains a path that does not exist',
    advice: 'pages / extPages / tabBar paths in ext_json must exist in the template.'
  },
  85046: { meaning: 'a tabBar item has no path', advice: 'Give every tabBar item a pagePath.' },
  85047: {
    meaning: 'the pages field is empty',
    advice: 'ext_json pages must list at least one page of the template.'
  },
  85048: {
    meaning: 'ext_json could not be parsed',
    advice: 'ext_json must be a JSON string encoded once (the client stringifies an object for you).'
  },
  85051: {
    meaning: 'version_desc or preview_info too large',
    advice: 'Shorten the review notes or the preview media.'
  },
  85052: {
    meaning: 'the approved version is already released',
    advice: 'A new approved review is needed before the next release.'
  },
  85064: {
    meaning: 'draft or template not found',
    advice: 'The draft or template id does not exist (anymore); list them again.'
  },
  85065: {
    meaning: 'the template library is full (200 templates)',
    advice: 'Delete old templates (the action prunes the ones it made) and try again.'
  },
  85077: {
    meaning: 'the category was invalidated (an official category was taken down)',
    advice: 'Pick a current category from get_category.'
  },
  85079: {
    meaning: 'the mini program has no online version, so no gray release is possible',
    advice: 'The first version must be released in full.'
  },
  85080: {
    meaning: 'the submitted review is not approved',
    advice: 'Wait for approval before a gray release.'
  },
  85081: {
    meaning: 'invalid gray percentage',
    advice: 'Use an integer from 0 to 100; 0 needs project members or experience members first.'
  },
  85082: {
    meaning: 'gray percentage too low',
    advice: 'The percentage only goes up: give a value higher than the current plan’s.'
  },
  85085: {
    meaning: 'the monthly review quota is used up',
    advice:
      'Ask for temporary quota in the 小程序服务商助手 mini program, or wait for next month’s quota (queryquota shows what is left).'
  },
  85086: {
    meaning: 'code must be committed before submitting for review',
    advice: 'Commit (or upload) the version first.'
  },
  85087: {
    meaning: 'navigateToMiniProgram is used without declaring the target appid list',
    advice: 'Declare navigateToMiniProgramAppIdList in app.json / ext_json.'
  },
  85092: { meaning: 'preview_info format wrong', advice: 'Check the preview media ids.' },
  85093: { meaning: 'preview_info holds too many items', advice: 'Give fewer preview pictures or videos.' },
  85094: {
    meaning: 'a UGC declaration is required for this category',
    advice: 'Add ugc_declare to the review request.'
  },
  86000: {
    meaning: 'this API must be called by a third-party platform',
    advice:
      'It needs an authorizer_access_token of a third-party platform (token-url, authorizer-access-token or authorizer-refresh-tokens). With only the mini program’s own token, review and release stay in the mp console.'
  },
  86001: {
    meaning: 'no third-party code was committed (no experience version)',
    advice: 'Commit code to the mini program first (template route) or upload with directCommit.'
  },
  86002: {
    meaning: 'the mini program has not completed its initial setup',
    advice: 'Set the nickname, avatar and introduction in the mini program console.'
  },
  86007: {
    meaning: 'this mini program may not submit for review',
    advice: 'See the notice in the mini program console.'
  },
  86008: { meaning: 'the provider is penalized', advice: 'See the notice in the open platform console.' },
  86009: {
    meaning: 'the provider may not submit new mini programs',
    advice: 'See the notice in the open platform console.'
  },
  86010: {
    meaning: 'the provider may not submit updated mini programs',
    advice: 'See the notice in the open platform console.'
  },
  87006: {
    meaning: 'mini games cannot be submitted through this API',
    advice: 'Submit mini games in the console.'
  },
  87011: {
    meaning: 'a gray release is running, so no rollback or new release is possible',
    advice: 'Finish the gray release with `release` or cancel it with `revert-gray` first.'
  },
  87012: {
    meaning: 'this version cannot be rolled back',
    advice:
      'There is no earlier online version in the rollback list (only the 5 latest are kept; a version reverted once or released before authorization cannot be a target).'
  },
  87013: {
    meaning: 'no withdrawal quota left',
    advice:
      'A review can be withdrawn at most 5 times a day and 10 times a month; wait for the quota to reset.'
  },
  89019: { meaning: 'the business domain is unchanged', advice: 'Nothing to do.' },
  89401: { meaning: 'system unstable', advice: RETRY_LATER },
  89402: {
    meaning: 'the review is not in the pending queue',
    advice: 'Only a review that is still pending (status 2) can be sped up.'
  },
  89403: { meaning: 'this review cannot be sped up', advice: 'Wait for the normal review.' },
  89404: { meaning: 'the review was already sped up', advice: 'Nothing to do.' },
  89405: {
    meaning: 'the monthly speed-up quota is used up',
    advice: 'queryquota shows speedup_rest; wait for next month.'
  },
  9400001: {
    meaning: 'the development mini program has live streaming enabled, so it cannot release',
    advice: 'Disable live streaming on the development mini program.'
  },
  9402202: {
    meaning: 'concurrent operation limit',
    advice: 'Another operation on this mini program is still running; the action waits and retries.'
  },
  9402203: {
    meaning: 'standard template ext_json error',
    advice: 'A standard template’s ext_json may only hold extAppid, ext and window.'
  }
}

/**
 * Codes whose meaning depends on the endpoint. undocodeaudit answers 87012 when no review is pending
 * (developer community C-0002423c6b85c083bd7a318fd5b800), while its documented table lists only 87013.
 */
export const ENDPOINT_ERRCODES: Readonly<Record<string, Readonly<Record<number, ErrcodeExplanation>>>> = {
  '/wxa/undocodeaudit': {
    [ERRCODE.NOTHING_TO_WITHDRAW]: {
      meaning: 'no review is pending, so there is nothing to withdraw',
      advice: 'Run `sync` to see the review state; a review that already ended cannot be withdrawn.'
    },
    [ERRCODE.NOTHING_UNDER_REVIEW]: {
      meaning: 'no review is pending, so there is nothing to withdraw',
      advice: 'Run `sync` to see the review state; a review that already ended cannot be withdrawn.'
    }
  }
}

export function explainErrcode(errcode: number, endpoint?: string): ErrcodeExplanation {
  return (
    (endpoint ? ENDPOINT_ERRCODES[endpoint]?.[errcode] : undefined) ??
    ERRCODES[errcode] ?? {
      meaning: 'unknown error code',
      advice: 'See the WeChat documentation of this API for the code.'
    }
  )
}

/** The platform answered with a non-zero errcode. */
export class WeChatApiError extends Error {
  override readonly name: string = 'WeChatApiError'
  readonly meaning: string
  readonly advice: string

  constructor(
    /** The API path, for example `/wxa/submit_audit`. */
    readonly endpoint: string,
    readonly errcode: number,
    /** errmsg as the platform sent it, redacted. */
    readonly errmsg: string
  ) {
    const { meaning, advice } = explainErrcode(errcode, endpoint)
    super(
      redact(`${endpoint} failed: errcode ${errcode} ${meaning}. ${advice} (errmsg: ${cleanErrmsg(errmsg)})`)
    )
    this.errmsg = cleanErrmsg(errmsg)
    this.meaning = meaning
    this.advice = advice
  }
}

/** The platform answered, but not in the documented shape. The call is not retried past this point. */
export class WeChatMalformedResponseError extends Error {
  override readonly name = 'WeChatMalformedResponseError'
  constructor(
    readonly endpoint: string,
    /** What did not match, for the debug log. */
    readonly detail: string
  ) {
    super(
      redact(
        stripUserinfo(`${endpoint} failed: the platform's reply is not in the documented shape (${detail})`)
      )
    )
  }
}

export type TransportFailure =
  | 'timeout'
  | 'connection'
  | 'http-status'
  | 'malformed-body'
  /** The server answered with a redirect; redirects are never followed. */
  | 'redirect'
  /** The reply was larger than the cap; it was not read to the end. */
  | 'too-large'
  /** Plain http to a host that is not loopback; nothing was sent. */
  | 'insecure'

/** errmsg as quoted in errors: one line, bounded, redacted, no URL userinfo. */
function cleanErrmsg(errmsg: string): string {
  return redact(stripUserinfo(errmsg.replace(/[\r\n]+/g, ' ').slice(0, 300)))
}

/**
 * No usable reply: timeout, connection failure, an HTTP error status, a redirect, a reply too large, or a
 * body that is not JSON.
 */
export class WeChatTransportError extends Error {
  override readonly name: string = 'WeChatTransportError'
  constructor(
    readonly endpoint: string,
    readonly failure: TransportFailure,
    detail: string,
    readonly status?: number
  ) {
    super(redact(stripUserinfo(`${endpoint} failed: ${detail}`)))
  }
}

/**
 * A write got no usable reply, so it may or may not have been applied. Never retried blindly: the caller
 * reads the state back (submitAuditOnce does) or reports that the state must be checked.
 */
export class WeChatUnknownOutcomeError extends WeChatTransportError {
  override readonly name = 'WeChatUnknownOutcomeError'
  constructor(endpoint: string, failure: TransportFailure, detail: string, status?: number) {
    super(
      endpoint,
      failure,
      `${detail}. The write may or may not have been applied; it was not repeated. Run \`sync\` to read the current state.`,
      status
    )
  }
}

/** The token source could not produce a token (token service, component token, stable_token). */
export class WeChatTokenError extends Error {
  override readonly name = 'WeChatTokenError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(stripUserinfo(message)), options)
  }
}
