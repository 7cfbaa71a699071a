/**
 * Response schemas, tolerant where the platform is inconsistent: numeric ids as numbers or numeric
 * strings, `ScreenShot` or `screenshot`, optional fields missing, extra fields ignored (zod strips them).
 * Field names stay the platform's own, so the references can be read side by side with the types.
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

export interface LatestAuditResult extends AuditResult {
  auditid: number
  user_version: string
  user_desc: string
  /** Unix seconds. */
  submit_audit_time: number
}

export const latestAuditStatusResponse = z
  .object({
    ...auditFields,
    auditid: numeric,
    user_version: text,
    user_desc: text,
    submit_audit_time: numeric.default(0)
  })
  .transform((data): LatestAuditResult => ({
    auditid: data.auditid,
    status: data.status,
    ...(data.reason ? { reason: data.reason } : {}),
    screenshots: mediaIds(data.ScreenShot ?? data.screenshot),
    user_version: data.user_version,
    user_desc: data.user_desc,
    submit_audit_time: data.submit_audit_time
  }))

export const quotaResponse = z.object({
  rest: numeric,
  limit: numeric,
  speedup_rest: numeric.default(0),
  speedup_limit: numeric.default(0)
})
export type Quota = z.infer<typeof quotaResponse>

/** 0 initial, 1 running, 2 paused, 3 finished, 4 deleted. */
export type GrayPlanStatus = 0 | 1 | 2 | 3 | 4

export const grayReleasePlan = z.object({
  status: numeric.default(0) as unknown as z.ZodType<GrayPlanStatus>,
  /** Unix seconds; 0 when no plan was ever created. */
  create_timestamp: numeric.default(0),
  gray_percentage: numeric.default(0),
  support_debuger_first: flag.default(false),
  support_experiencer_first: flag.default(false)
})
export type GrayReleasePlan = z.infer<typeof grayReleasePlan>

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

export interface VersionInfo {
  /** The trial (体验版) version, when one exists. */
  exp_info?: { exp_time: number; exp_version: string; exp_desc: string }
  /** The online version, when one exists. */
  release_info?: { release_time: number; release_version: string; release_desc: string }
}

const expInfo = z.object({ exp_time: numeric.default(0), exp_version: text, exp_desc: text })
const releaseInfo = z.object({ release_time: numeric.default(0), release_version: text, release_desc: text })

export const versionInfoResponse = z
  .object({ exp_info: expInfo.nullish(), release_info: releaseInfo.nullish() })
  .transform((data): VersionInfo => {
    const info: VersionInfo = {}
    // An empty object or an empty version string means "none".
    if (data.exp_info?.exp_version) info.exp_info = data.exp_info
    if (data.release_info?.release_version) info.release_info = data.release_info
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
  /** The draft it was made from (newest docs; lets a caller map its upload to the template). */
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

export const componentTokenResponse = z.object({
  component_access_token: z.string().min(1),
  expires_in: numeric.default(7200)
})

export const authorizerTokenResponse = z.object({
  authorizer_access_token: z.string().min(1),
  expires_in: numeric.default(7200),
  authorizer_refresh_token: z.string().optional()
})

export const stableTokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: numeric.default(7200)
})

/** A user's token service: `{access_token | authorizer_access_token, expires_in?}`. */
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
