/**
 * Response schemas, tolerant where the platform is inconsistent: numeric ids as numbers or numeric
 * strings, `ScreenShot` or `screenshot`, optional fields missing, extra fields ignored (zod strips them).
 * Field names stay the platform's own, so the references can be read side by side with the types.
 * A field that replies seen in the wild leave out is optional in the type, never filled with a guess:
 * callers decide what an unknown value means (docs/platform-conformance.md lists each variant and source).
 */
import * as z from 'zod'

/** A number, or a string holding one (SKIT/SEN samples show `"auditid": "1234567"`). */
export const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
])

/** A boolean, or 0/1 (some SDK models type the gray flags as ints). */
const flag = z.union([z.boolean(), numeric.transform((value) => value !== 0)])

const text = z.string().default('')

export type AuditStatus = 0 | 1 | 2 | 3 | 4
export const AUDIT_STATUS_NAMES: Readonly<Record<AuditStatus, string>> = {
  0: 'approved',
  1: 'rejected',
  2: 'under review',
  3: 'withdrawn',
  4: 'delayed'
}

export const auditStatus = numeric.refine((value): value is AuditStatus => [0, 1, 2, 3, 4].includes(value), {
  message: 'expected an audit status 0–4'
}) as unknown as z.ZodType<AuditStatus>

/** `a|b|c` media ids → array. */
function mediaIds(value: string | undefined): string[] {
  return (value ?? '')
    .split('|')
    .map((id) => id.trim())
    .filter((id) => id)
}

export const submitAuditResponse = z.object({ auditid: numeric })
export type SubmitAuditResponse = z.infer<typeof submitAuditResponse>

const auditFields = {
  status: auditStatus,
  reason: z.string().optional(),
  screenshot: z.string().optional(),
  ScreenShot: z.string().optional()
}

export interface AuditResult {
  status: AuditStatus
  /** Rejection or delay reason. */
  reason?: string
  /** Media ids of the rejection screenshots (`screenshot` or `ScreenShot`, split on `|`). */
  screenshots: string[]
}

export const auditStatusResponse = z.object(auditFields).transform((data): AuditResult => ({
  status: data.status,
  ...(data.reason ? { reason: data.reason } : {}),
  screenshots: mediaIds(data.ScreenShot ?? data.screenshot)
}))

/**
 * The latest review. Replies without `user_version` (C-0008e4194ecfc04869ad2c7ac5b400) and without
 * `auditid` (C-000c06d08d01c83857cdad30056800) have been seen, so both are optional.
 */
export interface LatestAuditResult extends AuditResult {
  auditid?: number
  user_version?: string
  user_desc?: string
  /** Unix seconds. */
  submit_audit_time?: number
}

export const latestAuditStatusResponse = z
  .object({
    ...auditFields,
    auditid: numeric.nullish(),
    user_version: z.string().nullish(),
    user_desc: z.string().nullish(),
    submit_audit_time: numeric.nullish()
  })
  .transform((data): LatestAuditResult => ({
    status: data.status,
    ...(data.auditid ? { auditid: data.auditid } : {}),
    ...(data.reason ? { reason: data.reason } : {}),
    screenshots: mediaIds(data.ScreenShot ?? data.screenshot),
    ...(data.user_version ? { user_version: data.user_version } : {}),
    ...(data.user_desc ? { user_desc: data.user_desc } : {}),
    ...(data.submit_audit_time ? { submit_audit_time: data.submit_audit_time } : {})
  }))

export interface Quota {
  rest: number
  limit: number
  speedup_rest: number
  speedup_limit: number
  /**
   * False when the platform reported a monthly limit of 0 (replies answering 0/0 have been seen, and the
   * SKIT sample is all zeros): the figures say nothing, so no decision should rest on them.
   */
  known: boolean
}

export const quotaResponse = z
  .object({
    rest: numeric.default(0),
    limit: numeric.default(0),
    speedup_rest: numeric.default(0),
    speedup_limit: numeric.default(0)
  })
  .transform((data): Quota => ({ ...data, known: data.limit > 0 }))

/** 0 initial, 1 running, 2 paused, 3 finished, 4 deleted. */
export type GrayPlanStatus = 0 | 1 | 2 | 3 | 4

export interface GrayReleasePlan {
  status: GrayPlanStatus
  /** Unix seconds; 0 when no plan was ever created. */
  create_timestamp: number
  gray_percentage: number
  support_debuger_first: boolean
  support_experiencer_first: boolean
  /**
   * When WeChat will release the plan to everyone (预计全量时间, unix seconds), documented on the mini
   * program's own operation.getGrayReleasePlan page; absent from the third-party page. Prefer it over
   * "created + 15 days" when present.
   */
  default_finish_timestamp?: number
}

export const grayReleasePlan = z
  .object({
    status: numeric.default(0) as unknown as z.ZodType<GrayPlanStatus>,
    create_timestamp: numeric.default(0),
    gray_percentage: numeric.default(0),
    support_debuger_first: flag.default(false),
    support_experiencer_first: flag.default(false),
    default_finish_timestamp: numeric.nullish()
  })
  .transform(({ default_finish_timestamp: finish, ...plan }): GrayReleasePlan => ({
    ...plan,
    ...(finish ? { default_finish_timestamp: finish } : {})
  }))

const NO_PLAN: GrayReleasePlan = {
  status: 0,
  create_timestamp: 0,
  gray_percentage: 0,
  support_debuger_first: false,
  support_experiencer_first: false
}

/** No plan ever created: the reply shape is undocumented, so a missing plan reads as status 0 with zeros. */
export const grayReleasePlanResponse = z
  .object({ gray_release_plan: grayReleasePlan.optional() })
  .transform((data): GrayReleasePlan => data.gray_release_plan ?? { ...NO_PLAN })

export const historyVersion = z.object({
  app_version: numeric,
  user_version: text,
  user_desc: text,
  /** Unix seconds. */
  commit_time: numeric.default(0)
})
export type HistoryVersion = z.infer<typeof historyVersion>

/** The doc types version_list as "object", the samples show an array; an absent list means no targets. */
export const historyVersionsResponse = z
  .object({ version_list: z.array(historyVersion).nullish() })
  .transform((data): HistoryVersion[] => data.version_list ?? [])

/**
 * Trial and online versions. A part is present when the platform reports a version name or a time: a reply
 * with `release_time` but `release_version: ""` has been seen (C-00064898180538e0c771f4b5c6b800), and it
 * means "an online version exists, its name is unknown", so the name is optional.
 */
export interface VersionInfo {
  /** The trial (体验版) version, when one exists. */
  exp_info?: { exp_time: number; exp_version?: string; exp_desc: string }
  /** The online version, when one exists. */
  release_info?: { release_time: number; release_version?: string; release_desc: string }
}

const expInfo = z.object({ exp_time: numeric.default(0), exp_version: text, exp_desc: text })
const releaseInfo = z.object({ release_time: numeric.default(0), release_version: text, release_desc: text })

export const versionInfoResponse = z
  .object({ exp_info: expInfo.nullish(), release_info: releaseInfo.nullish() })
  .transform((data): VersionInfo => {
    const info: VersionInfo = {}
    // An empty object (no name, no time) means "none".
    const exp = data.exp_info
    if (exp && (exp.exp_version || exp.exp_time > 0)) {
      info.exp_info = {
        exp_time: exp.exp_time,
        exp_desc: exp.exp_desc,
        ...(exp.exp_version ? { exp_version: exp.exp_version } : {})
      }
    }
    const release = data.release_info
    if (release && (release.release_version || release.release_time > 0)) {
      info.release_info = {
        release_time: release.release_time,
        release_desc: release.release_desc,
        ...(release.release_version ? { release_version: release.release_version } : {})
      }
    }
    return info
  })

export const pageListResponse = z
  .object({ page_list: z.array(z.string()).nullish() })
  .transform((data) => [...new Set(data.page_list ?? [])]) // duplicates have been seen in the wild

export const category = z.object({
  first_class: text,
  second_class: text,
  third_class: z.string().optional(),
  first_id: numeric,
  second_id: numeric,
  third_id: numeric.optional()
})
export type Category = z.infer<typeof category>

export const categoryListResponse = z
  .object({ category_list: z.array(category).nullish() })
  .transform((data): Category[] => data.category_list ?? [])

export const bindTesterResponse = z.object({ userstr: z.string() })

export const testerListResponse = z
  .object({ members: z.array(z.object({ userstr: z.string() })).nullish() })
  .transform((data) => data.members ?? [])

export const templateDraft = z.object({
  draft_id: numeric,
  user_version: text,
  user_desc: text,
  /** Unix seconds. */
  create_time: numeric.default(0),
  source_miniprogram_appid: z.string().optional(),
  source_miniprogram: z.string().optional(),
  developer: z.string().optional()
})
export type TemplateDraft = z.infer<typeof templateDraft>

export const templateDraftListResponse = z
  .object({ draft_list: z.array(templateDraft).nullish() })
  .transform((data): TemplateDraft[] => data.draft_list ?? [])

export const template = z.object({
  template_id: numeric,
  /**
   * The draft it was made from (newest docs and SKIT; lets a caller map its upload to the template). Older
   * docs and PowerWeChat's model do not have it.
   */
  draft_id: numeric.optional(),
  user_version: text,
  user_desc: text,
  create_time: numeric.default(0),
  template_type: numeric.optional(),
  source_miniprogram_appid: z.string().optional(),
  source_miniprogram: z.string().optional(),
  developer: z.string().optional()
})
export type Template = z.infer<typeof template>

export const templateListResponse = z
  .object({ template_list: z.array(template).nullish() })
  .transform((data): Template[] => data.template_list ?? [])

export const jsErrorRow = z.object({
  errorMsg: text,
  errorMsgMd5: text,
  errorStack: text,
  errorStackMd5: text,
  uv: numeric.default(0),
  pv: numeric.default(0),
  uvPercent: z.string().optional(),
  pvPercent: z.string().optional()
})
export type JsErrorRow = z.infer<typeof jsErrorRow>

export const jsErrListResponse = z.object({
  data: z
    .array(jsErrorRow)
    .nullish()
    .transform((rows) => rows ?? []),
  totalCount: numeric.default(0)
})

/** A reply that carries nothing but errcode/errmsg. */
export const okResponse = z.object({}).transform(() => undefined)

// Token endpoints.

export const authorizerTokenResponse = z.object({
  authorizer_access_token: z.string().min(1),
  expires_in: numeric.default(7200),
  authorizer_refresh_token: z.string().optional()
})

export const stableTokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: numeric.default(7200)
})

/** A user's token service, component token: `{component_access_token, expires_in?}`. */
export const tokenServiceComponentResponse = z
  .object({ component_access_token: z.string().min(1), expires_in: numeric.optional() })
  .transform((data) => ({ token: data.component_access_token, expiresIn: data.expires_in }))

/** A user's token service, authorizer token: `{access_token | authorizer_access_token, expires_in?}`. */
export const tokenServiceResponse = z
  .object({
    access_token: z.string().optional(),
    authorizer_access_token: z.string().optional(),
    expires_in: numeric.optional()
  })
  .refine((data) => Boolean(data.access_token ?? data.authorizer_access_token), {
    message: 'expected access_token or authorizer_access_token'
  })
  .transform((data) => ({
    token: (data.authorizer_access_token ?? data.access_token) as string,
    expiresIn: data.expires_in
  }))
