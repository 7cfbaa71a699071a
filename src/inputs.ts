/**
 * Every input of action.yml is read and validated here, once, before anything touches the network.
 * A bad input fails with an InputError that names the input and the rule it broke.
 */
import { parse as parseYaml } from 'yaml'
import * as z from 'zod'
import { InputError } from './errors.js'
import { registerSecret } from './redact.js'
import { parseGraySchedule, type GraySchedule } from './release/schedule.js'

export const COMMANDS = [
  'preview',
  'upload',
  'submit',
  'sync',
  'release',
  'gray',
  'revert-gray',
  'rollback',
  'withdraw',
  'speedup'
] as const
export type Command = (typeof COMMANDS)[number]

/** Commands that compile and upload code, and so load miniprogram-ci. */
export const UPLOADING_COMMANDS: readonly Command[] = ['preview', 'upload', 'submit']

const APPID = /^wx[0-9a-f]{16}$/
const SEMVERISH = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/

/** Every input name of action.yml, so the type system catches a misspelt one. */
export const INPUT_NAMES = [
  'command',
  'project-path',
  'appid',
  'private-key',
  'private-key-path',
  'robot',
  'version',
  'description',
  'compile-settings',
  'pack-npm',
  'proxy',
  'ci-timeout-minutes',
  'preview-page-path',
  'preview-query',
  'qrcode-branch',
  'api-base-url',
  'wechat-timeout-seconds',
  'authorizer-access-token',
  'token-url',
  'token-url-secret',
  'component-appid',
  'component-appsecret',
  'component-verify-ticket',
  'component-access-token',
  'authorizer-refresh-tokens',
  'appsecret',
  'targets',
  'route',
  'ext-json',
  'concurrency',
  'review-items',
  'review-notes',
  'feedback',
  'feedback-media',
  'privacy-api-not-use',
  'gray-percent',
  'gray-whitelist',
  'gray-project-members',
  'gray-experience-members',
  'gray-schedule',
  'gray-deadline-action',
  'gray-deadline-margin-hours',
  'release-on-approval',
  'health-max-new-error-groups',
  'health-max-error-ratio',
  'health-min-baseline-uv',
  'health-action',
  'rollback-to',
  'deployment-environment',
  'github-token',
  'check-runs',
  'pr-comment',
  'dry-run'
] as const
export type InputName = (typeof INPUT_NAMES)[number]

/** Inputs that carry secrets: masked in the log and redacted from everything the action writes. */
const SECRET_INPUTS: readonly InputName[] = [
  'private-key',
  'authorizer-access-token',
  'token-url-secret',
  'component-appsecret',
  'component-verify-ticket',
  'component-access-token',
  'authorizer-refresh-tokens',
  'appsecret',
  'github-token'
]

const bool = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (/^(true|True|TRUE)$/.test(value)) return true
      if (/^(false|False|FALSE)$/.test(value)) return false
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${value}"`, path: [name] })
      return z.NEVER
    })

const int = (min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (!/^-?\d+$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max}, got "${value}"`
        })
        return z.NEVER
      }
      const n = Number(value)
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be from ${min} to ${max}, got ${n}` })
        return z.NEVER
      }
      return n
    })

const positiveNumber = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined
    const n = Number(value)
    if (!Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: `must be a number of at least 0, got "${value}"` })
      return z.NEVER
    }
    return n
  })

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (!(values as readonly string[]).includes(value)) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}, got "${value}"` })
        return z.NEVER
      }
      return value as T
    })

/** A list input: one item a line or comma-separated, blanks and `#` comments ignored. */
export function splitList(value: string | undefined): string[] {
  if (!value) return []
  return value
    .split(/[\n,]/)
    .map((item) => item.replace(/#.*$/, '').trim())
    .filter((item) => item.length > 0)
}

function structured(name: InputName, value: string | undefined): unknown {
  if (value === undefined) return undefined
  try {
    return parseYaml(value) as unknown
  } catch (error) {
    throw new InputError(name, `must be valid YAML or JSON (${(error as Error).message.split('\n')[0]})`)
  }
}

const reviewItemSchema = z
  .object({
    address: z.string().min(1, 'address (the page path) is required'),
    tag: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((tag) => (Array.isArray(tag) ? tag.join(' ') : tag)),
    first_class: z.string().optional(),
    second_class: z.string().optional(),
    third_class: z.string().optional(),
    first_id: z.coerce.number().int().optional(),
    second_id: z.coerce.number().int().optional(),
    third_id: z.coerce.number().int().optional(),
    title: z.string().optional()
  })
  .strict()
export type ReviewItem = z.infer<typeof reviewItemSchema>

const rawSchema = z.object({
  command: z
    .string({ message: `is required: one of ${COMMANDS.join(', ')}` })
    .refine((value) => (COMMANDS as readonly string[]).includes(value), {
      message: `must be one of ${COMMANDS.join(', ')}`
    }),
  'project-path': z.string().optional(),
  appid: z.string().regex(APPID, 'must look like wx followed by 16 hex characters').optional(),
  'private-key': z.string().optional(),
  'private-key-path': z.string().optional(),
  robot: int(1, 30),
  version: z.string().regex(SEMVERISH, 'must be 1–64 characters of letters, digits and . + _ -').optional(),
  description: z.string().max(2000, 'must be at most 2000 characters').optional(),
  'compile-settings': z.string().optional(),
  'pack-npm': oneOf(['auto', 'true', 'false']),
  proxy: z
    .string()
    .regex(/^(https?|socks[45]?):\/\/[^/\s]+/i, 'must be a URL such as http://proxy.example:3128')
    .optional(),
  'ci-timeout-minutes': int(1, 360),
  'preview-page-path': z.string().optional(),
  'preview-query': z.string().optional(),
  'qrcode-branch': z.string().optional(),
  'api-base-url': z
    .string()
    .regex(/^https?:\/\/[^/\s]+/i, 'must be a URL such as https://api.weixin.qq.com')
    .optional(),
  'wechat-timeout-seconds': int(1, 300),
  'authorizer-access-token': z.string().optional(),
  'token-url': z
    .string()
    .regex(/^https?:\/\/[^/\s]+/i, 'must be the http(s) URL of your token service')
    .optional(),
  'token-url-secret': z.string().optional(),
  'component-appid': z.string().regex(APPID, 'must look like wx followed by 16 hex characters').optional(),
  'component-appsecret': z.string().optional(),
  'component-verify-ticket': z.string().optional(),
  'component-access-token': z.string().optional(),
  'authorizer-refresh-tokens': z.string().optional(),
  appsecret: z.string().optional(),
  targets: z.string().optional(),
  route: oneOf(['direct', 'template', 'none']),
  'ext-json': z.string().optional(),
  concurrency: int(1, 32),
  'review-items': z.string().optional(),
  'review-notes': z.string().max(1000, 'must be at most 1000 characters').optional(),
  feedback: z.string().max(200, 'must be at most 200 characters (WeChat feedback_info limit)').optional(),
  'feedback-media': z.string().optional(),
  'privacy-api-not-use': bool('privacy-api-not-use'),
  'gray-percent': int(0, 100),
  'gray-whitelist': z.string().optional(),
  'gray-project-members': bool('gray-project-members'),
  'gray-experience-members': bool('gray-experience-members'),
  'gray-schedule': z.string().optional(),
  'gray-deadline-action': oneOf(['release', 'revert', 'warn']),
  'gray-deadline-margin-hours': int(1, 168),
  'release-on-approval': oneOf(['off', 'full', 'gray']),
  'health-max-new-error-groups': int(0, 10000),
  'health-max-error-ratio': positiveNumber,
  'health-min-baseline-uv': int(0, 100000000),
  'health-action': oneOf(['halt', 'revert']),
  'rollback-to': z.string().regex(SEMVERISH, 'must be a version name such as 1.2.2').optional(),
  'deployment-environment': z.string().max(255).optional(),
  'github-token': z.string().optional(),
  'check-runs': bool('check-runs'),
  'pr-comment': bool('pr-comment'),
  'dry-run': bool('dry-run')
})

export type Credentials =
  | { kind: 'authorizer-token'; token: string }
  | { kind: 'token-url'; url: string; secret?: string }
  | {
      kind: 'component'
      componentAppid: string
      componentAppsecret?: string
      componentVerifyTicket?: string
      componentAccessToken?: string
      refreshTokens: Record<string, string>
    }

export interface Inputs {
  command: Command
  projectPath: string
  appid?: string
  privateKey?: string
  privateKeyPath?: string
  robot: number
  version?: string
  description?: string
  compileSettings?: Record<string, unknown>
  packNpm: 'auto' | boolean
  proxy?: string
  ciTimeoutMs: number
  previewPagePath?: string
  previewQuery?: string
  qrcodeBranch?: string
  apiBaseUrl: string
  wechatTimeoutMs: number
  credentials?: Credentials
  appsecret?: string
  targets: string[]
  route: 'direct' | 'template' | 'none'
  extJson?: Record<string, unknown>
  concurrency: number
  reviewItems?: ReviewItem[]
  reviewNotes?: string
  feedback?: string
  feedbackMedia: string[]
  privacyApiNotUse?: boolean
  grayPercent?: number
  grayWhitelist: string[]
  grayProjectMembers: boolean
  grayExperienceMembers: boolean
  graySchedule?: GraySchedule
  grayScheduleText?: string
  grayDeadlineAction: 'release' | 'revert' | 'warn'
  grayDeadlineMarginHours: number
  releaseOnApproval: 'off' | 'full' | 'gray'
  healthGate?: {
    maxNewErrorGroups: number
    maxErrorUvRatio: number
    minOnlineBaseline: number
    action: 'halt' | 'revert'
  }
  rollbackTo?: string
  deploymentEnvironment?: string
  githubToken?: string
  checkRuns: boolean
  prComment: boolean
  dryRun: boolean
}

function firstIssue(error: z.ZodError): InputError {
  const issue = error.issues[0]
  const name = String(issue?.path[0] ?? 'inputs')
  let message = issue?.message ?? 'is invalid'
  if (issue?.code === 'invalid_type' && !message.startsWith('is required')) message = 'is invalid'
  return new InputError(name, message)
}

function parseRefreshTokens(
  value: string | undefined,
  fallbackAppid: string | undefined
): Record<string, string> {
  if (!value) return {}
  const trimmed = value.trim()
  // A single token for a single mini program is the common case.
  if (!/[:{\n=]/.test(trimmed)) {
    if (!fallbackAppid) {
      throw new InputError(
        'authorizer-refresh-tokens',
        'a single refresh token needs `appid` (or one entry in `targets`); otherwise give "appid: token" lines'
      )
    }
    return { [fallbackAppid]: trimmed }
  }
  const parsed = structured('authorizer-refresh-tokens', trimmed)
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(
      'authorizer-refresh-tokens',
      'must map each appid to its refresh token, e.g. "wx…: token"'
    )
  }
  const map: Record<string, string> = {}
  for (const [appid, token] of Object.entries(parsed as Record<string, unknown>)) {
    if (!APPID.test(appid)) throw new InputError('authorizer-refresh-tokens', `"${appid}" is not an appid`)
    if (typeof token !== 'string' || !token) {
      throw new InputError('authorizer-refresh-tokens', `the token for ${appid} must be a non-empty string`)
    }
    registerSecret(token)
    map[appid] = token
  }
  return map
}

function parseObject(name: InputName, value: string | undefined): Record<string, unknown> | undefined {
  const parsed = structured(name, value)
  if (parsed === undefined || parsed === null) return undefined
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError(name, 'must be an object (YAML or JSON)')
  return parsed as Record<string, unknown>
}

function parseReviewItems(value: string | undefined): ReviewItem[] | undefined {
  const parsed = structured('review-items', value)
  if (parsed === undefined || parsed === null) return undefined
  const list = Array.isArray(parsed) ? parsed : [parsed]
  if (list.length === 0) return undefined
  if (list.length > 5) {
    throw new InputError('review-items', `at most 5 groups are allowed by WeChat, got ${list.length}`)
  }
  return list.map((item, index) => {
    const result = reviewItemSchema.safeParse(item)
    if (!result.success) {
      const issue = result.error.issues[0]
      const where = issue?.path.length ? `.${issue.path.join('.')}` : ''
      throw new InputError('review-items', `item ${index + 1}${where}: ${issue?.message ?? 'is invalid'}`)
    }
    const review = result.data
    const tags = review.tag ? review.tag.split(/\s+/).filter(Boolean) : []
    if (tags.length > 10)
      throw new InputError('review-items', `item ${index + 1}: at most 10 tags, got ${tags.length}`)
    const longTag = tags.find((tag) => [...tag].length > 20)
    if (longTag)
      throw new InputError('review-items', `item ${index + 1}: tag "${longTag}" is longer than 20 characters`)
    if (review.title && [...review.title].length > 32) {
      throw new InputError('review-items', `item ${index + 1}: title is longer than 32 characters`)
    }
    return review
  })
}

function credentialsFrom(raw: z.infer<typeof rawSchema>, appid: string | undefined): Credentials | undefined {
  const given = [
    raw['authorizer-access-token'] && 'authorizer-access-token',
    raw['token-url'] && 'token-url',
    (raw['component-appid'] || raw['component-access-token']) && 'component-appid'
  ].filter(Boolean)
  if (given.length > 1) {
    throw new InputError(
      String(given[1]),
      `give only one kind of platform credentials, not both ${given.join(' and ')}`
    )
  }
  if (raw['authorizer-access-token'])
    return { kind: 'authorizer-token', token: raw['authorizer-access-token'] }
  if (raw['token-url']) {
    return {
      kind: 'token-url',
      url: raw['token-url'],
      ...(raw['token-url-secret'] ? { secret: raw['token-url-secret'] } : {})
    }
  }
  if (raw['component-appid'] || raw['component-access-token']) {
    if (!raw['component-appid'])
      throw new InputError('component-appid', 'is required with component-access-token')
    if (!raw['component-access-token'] && !(raw['component-appsecret'] && raw['component-verify-ticket'])) {
      throw new InputError(
        'component-appsecret',
        'component credentials need either component-access-token, or component-appsecret with component-verify-ticket'
      )
    }
    return {
      kind: 'component',
      componentAppid: raw['component-appid'],
      ...(raw['component-appsecret'] ? { componentAppsecret: raw['component-appsecret'] } : {}),
      ...(raw['component-verify-ticket'] ? { componentVerifyTicket: raw['component-verify-ticket'] } : {}),
      ...(raw['component-access-token'] ? { componentAccessToken: raw['component-access-token'] } : {}),
      refreshTokens: parseRefreshTokens(raw['authorizer-refresh-tokens'], appid)
    }
  }
  return undefined
}

/**
 * Reads and validates all inputs. `get` returns the raw input ('' when missing), like core.getInput.
 * Throws InputError on the first problem, before anything else runs.
 */
export function readInputs(get: (name: InputName) => string): Inputs {
  const values: Record<string, string | undefined> = {}
  for (const name of INPUT_NAMES) {
    const value = get(name)
    values[name] = value === '' ? undefined : value
    if (SECRET_INPUTS.includes(name) && value) registerSecret(value)
  }
  const result = rawSchema.safeParse(values)
  if (!result.success) throw firstIssue(result.error)
  const raw = result.data
  const command = raw.command as Command

  const targets = splitList(raw.targets)
  for (const target of targets) {
    if (!APPID.test(target))
      throw new InputError('targets', `"${target}" is not an appid (wx followed by 16 hex characters)`)
  }
  if (new Set(targets).size !== targets.length) throw new InputError('targets', 'lists an appid twice')

  const credentials = credentialsFrom(raw, raw.appid ?? (targets.length === 1 ? targets[0] : undefined))
  if (credentials?.kind === 'component' && targets.length > 0) {
    const missing = targets.filter((target) => !credentials.refreshTokens[target])
    if (missing.length > 0) {
      throw new InputError('authorizer-refresh-tokens', `has no refresh token for ${missing.join(', ')}`)
    }
  }

  if (raw['private-key'] && raw['private-key-path']) {
    throw new InputError('private-key', 'give either private-key or private-key-path, not both')
  }

  const grayWhitelist = splitList(raw['gray-whitelist'])
  for (const id of grayWhitelist) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{2,39}$/.test(id) && !/^\d{5,20}$/.test(id)) {
      throw new InputError(
        'gray-whitelist',
        `"${id}" is not a WeChat ID (letters, digits, _ and -, starting with a letter)`
      )
    }
  }
  if (grayWhitelist.length > 100) {
    throw new InputError('gray-whitelist', `at most 100 WeChat IDs, got ${grayWhitelist.length}`)
  }

  const grayDeadlineMarginHours = raw['gray-deadline-margin-hours'] ?? 24
  let graySchedule: GraySchedule | undefined
  if (raw['gray-schedule']) {
    try {
      graySchedule = parseGraySchedule(raw['gray-schedule'], {
        marginHours: grayDeadlineMarginHours,
        members: Boolean(
          raw['gray-project-members'] || raw['gray-experience-members'] || grayWhitelist.length > 0
        )
      })
    } catch (error) {
      throw new InputError('gray-schedule', (error as Error).message)
    }
  }

  const feedbackMedia = splitList(raw['feedback-media']?.replace(/\|/g, ','))
  if (feedbackMedia.length > 5)
    throw new InputError('feedback-media', `at most 5 media ids, got ${feedbackMedia.length}`)

  const healthGiven =
    raw['health-max-new-error-groups'] !== undefined ||
    raw['health-max-error-ratio'] !== undefined ||
    raw['health-action'] !== undefined
  const inputs: Inputs = {
    command,
    projectPath: raw['project-path'] ?? '.',
    robot: raw.robot ?? 1,
    packNpm:
      raw['pack-npm'] === undefined || raw['pack-npm'] === 'auto' ? 'auto' : raw['pack-npm'] === 'true',
    ciTimeoutMs: (raw['ci-timeout-minutes'] ?? 15) * 60_000,
    apiBaseUrl: (raw['api-base-url'] ?? 'https://api.weixin.qq.com').replace(/\/+$/, ''),
    wechatTimeoutMs: (raw['wechat-timeout-seconds'] ?? 15) * 1000,
    targets,
    route: raw.route ?? 'direct',
    concurrency: raw.concurrency ?? 4,
    feedbackMedia,
    grayWhitelist,
    grayProjectMembers: raw['gray-project-members'] ?? false,
    grayExperienceMembers: raw['gray-experience-members'] ?? false,
    grayDeadlineAction: raw['gray-deadline-action'] ?? 'warn',
    grayDeadlineMarginHours,
    releaseOnApproval: raw['release-on-approval'] ?? 'off',
    checkRuns: raw['check-runs'] ?? true,
    prComment: raw['pr-comment'] ?? true,
    dryRun: raw['dry-run'] ?? false,
    qrcodeBranch: raw['qrcode-branch'] === 'none' ? undefined : (raw['qrcode-branch'] ?? 'wechat-qrcodes'),
    deploymentEnvironment:
      raw['deployment-environment'] === 'none' ? undefined : (raw['deployment-environment'] ?? 'wechat'),
    ...(raw.appid ? { appid: raw.appid } : {}),
    ...(raw['private-key'] ? { privateKey: raw['private-key'] } : {}),
    ...(raw['private-key-path'] ? { privateKeyPath: raw['private-key-path'] } : {}),
    ...(raw.version ? { version: raw.version.replace(/^v(?=\d)/, '') } : {}),
    ...(raw.description ? { description: raw.description } : {}),
    ...(raw.proxy ? { proxy: raw.proxy } : {}),
    ...(raw['preview-page-path'] ? { previewPagePath: raw['preview-page-path'] } : {}),
    ...(raw['preview-query'] ? { previewQuery: raw['preview-query'] } : {}),
    ...(credentials ? { credentials } : {}),
    ...(raw.appsecret ? { appsecret: raw.appsecret } : {}),
    ...(raw['review-notes'] ? { reviewNotes: raw['review-notes'] } : {}),
    ...(raw.feedback ? { feedback: raw.feedback } : {}),
    ...(raw['privacy-api-not-use'] !== undefined ? { privacyApiNotUse: raw['privacy-api-not-use'] } : {}),
    ...(raw['gray-percent'] !== undefined ? { grayPercent: raw['gray-percent'] } : {}),
    ...(graySchedule ? { graySchedule, grayScheduleText: raw['gray-schedule'] } : {}),
    ...(raw['rollback-to'] ? { rollbackTo: raw['rollback-to'].replace(/^v(?=\d)/, '') } : {}),
    ...(raw['github-token'] ? { githubToken: raw['github-token'] } : {})
  }
  const compileSettings = parseObject('compile-settings', raw['compile-settings'])
  if (compileSettings) inputs.compileSettings = compileSettings
  const extJson = parseObject('ext-json', raw['ext-json'])
  if (extJson) inputs.extJson = extJson
  const reviewItems = parseReviewItems(raw['review-items'])
  if (reviewItems) inputs.reviewItems = reviewItems
  if (healthGiven) {
    inputs.healthGate = {
      maxNewErrorGroups: raw['health-max-new-error-groups'] ?? 0,
      maxErrorUvRatio: raw['health-max-error-ratio'] ?? 2,
      minOnlineBaseline: raw['health-min-baseline-uv'] ?? 50,
      action: raw['health-action'] ?? 'halt'
    }
  }
  checkCommandRules(inputs)
  return inputs
}

/** Rules that depend on the command; still checked before any network call. */
function checkCommandRules(inputs: Inputs): void {
  const { command } = inputs
  const needsPlatform: Command[] = [
    'submit',
    'release',
    'gray',
    'revert-gray',
    'rollback',
    'withdraw',
    'speedup'
  ]
  if (needsPlatform.includes(command) && !inputs.credentials) {
    throw new InputError(
      'authorizer-access-token',
      `command "${command}" needs third-party platform credentials: authorizer-access-token, token-url, or component-appid with its secret and authorizer-refresh-tokens (review, release, gray and rollback are only open to third-party platforms; without one, do them in the WeChat console)`
    )
  }
  if (command === 'sync' && !inputs.credentials && !inputs.appsecret) {
    throw new InputError(
      'authorizer-access-token',
      'command "sync" needs platform credentials (authorizer-access-token, token-url or component credentials), or appsecret for read-only gray monitoring'
    )
  }
  if (command === 'gray' && inputs.grayPercent === undefined && !inputs.graySchedule) {
    throw new InputError('gray-percent', 'command "gray" needs gray-percent (0–100) or gray-schedule')
  }
  if (command === 'gray' && inputs.grayPercent === 0) {
    if (!inputs.grayProjectMembers && !inputs.grayExperienceMembers && inputs.grayWhitelist.length === 0) {
      throw new InputError(
        'gray-percent',
        '0 % reaches nobody: set gray-project-members, gray-experience-members or gray-whitelist'
      )
    }
  }
  if (inputs.releaseOnApproval === 'gray' && !inputs.graySchedule && inputs.grayPercent === undefined) {
    throw new InputError(
      'release-on-approval',
      '"gray" needs gray-schedule (or gray-percent) to know where to start'
    )
  }
  if (command === 'submit' && inputs.route === 'template' && inputs.targets.length === 0) {
    throw new InputError('targets', 'route "template" needs the authorized appids to commit to')
  }
  if (command === 'submit' && inputs.route === 'template' && inputs.credentials?.kind !== 'component') {
    throw new InputError(
      'component-appid',
      'route "template" uses the template library, which only the component credentials (component-appid with component-appsecret and component-verify-ticket, or component-access-token) can reach'
    )
  }
  if (command === 'submit' && inputs.route === 'direct' && inputs.targets.length > 1) {
    throw new InputError(
      'targets',
      'route "direct" uploads to the one extAppid of ext.json; for several mini programs use route "template"'
    )
  }
  if (!inputs.credentials && inputs.appsecret) {
    // The mini program's own token reads the gray plan but cannot change anything.
    if (inputs.releaseOnApproval !== 'off') {
      throw new InputError(
        'release-on-approval',
        'needs platform credentials; appsecret only allows read-only monitoring'
      )
    }
    if (inputs.grayDeadlineAction !== 'warn') {
      throw new InputError(
        'gray-deadline-action',
        'release and revert need platform credentials; with appsecret only "warn" works'
      )
    }
  }
  if (inputs.healthGate && !inputs.credentials) {
    throw new InputError(
      'health-max-error-ratio',
      'the health gate reads jserr_list and needs appsecret or platform credentials'
    )
  }
  if (inputs.targets.length > 1 && inputs.credentials?.kind === 'authorizer-token') {
    throw new InputError(
      'authorizer-access-token',
      'one authorizer token belongs to one mini program; for several targets use token-url or component credentials'
    )
  }
}
