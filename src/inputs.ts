/**
 * Every input of action.yml is read and validated here, once, before anything touches the network.
 * A bad input fails with an InputError that names the input and the rule it broke.
 *
 * One source of truth: INPUT_FIELDS has one schema per input of action.yml (names, defaults and required
 * inputs are checked against action.yml by __tests__/inputs-action-yml.test.ts), and `Inputs` is the type the
 * schema produces: there is no hand-written parallel interface.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import * as z from 'zod'
import { InputError } from './errors.js'
import { registerSecret } from './redact.js'
import { parseGraySchedule } from './release/schedule.js'
import { GRAY_DEADLINE_ACTIONS, HEALTH_ACTIONS, RELEASE_ON_APPROVAL, ROUTES } from './release/settings.js'
import { DEFAULT_TOTAL_LIMIT, parseSize, parseSizeBudget, type SizePolicy } from './report/package-size.js'
import type { Credentials } from './wechat/credentials.js'
import { checkEndpointUrl, type EndpointInput } from './wechat/endpoint.js'
import { reviewItemListSchema } from './wechat/review-items.js'

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

/**
 * Who may act through the dashboard. Read and triage are left out on purpose: everyone can read a public
 * repository, and a tick must come from someone who could change the release another way too.
 */
export const CONTROL_PERMISSIONS = ['write', 'maintain', 'admin'] as const

/**
 * What a version name may be, from any source (the `version` input, a tag, `rollback-to`): 1–64 letters,
 * digits and `. + _ -`, starting with a letter or digit. WeChat's user_version takes at most 64 characters.
 */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/
const VERSION_RULE = '1–64 characters of letters, digits and . + _ -, starting with a letter or digit'

/** Where a version name came from, for the error when it breaks the pattern. */
export type VersionSource = 'version' | 'rollback-to' | 'tag'

/**
 * A version name from any source, checked against VERSION_PATTERN; `v1.2.3` gives `1.2.3`. A tag may be
 * given with or without `refs/tags/`. Throws an InputError naming the input (for a tag: `version`, the input
 * that would override it).
 */
export function parseVersion(source: VersionSource, text: string): string {
  const candidate = source === 'tag' ? text.replace(/^refs\/tags\//, '') : text.trim()
  if (!VERSION_PATTERN.test(candidate)) {
    if (source === 'tag') {
      const shown = JSON.stringify([...candidate].slice(0, 80).join(''))
      throw new InputError(
        'version',
        `is not set, and the tag ${shown} does not give a version (${VERSION_RULE}): set the version input`
      )
    }
    throw new InputError(source, `must be ${VERSION_RULE}`)
  }
  return candidate.replace(/^v(?=\d)/, '')
}

/** A list input: one item a line or comma-separated, blanks and `#` comments ignored. */
export function splitList(value: string | undefined): string[] {
  if (!value) return []
  return value
    .split(/[\n,]/)
    .map((item) => item.replace(/#.*$/, '').trim())
    .filter((item) => item.length > 0)
}

// Field schemas. Each takes the raw input (undefined when empty) and yields its value, default applied.

function issue(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message })
  return z.NEVER as never
}

const text = () => z.string().optional()

const textOr = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => value ?? fallback)

const optionalBool = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (/^(true|True|TRUE)$/.test(value)) return true
      if (/^(false|False|FALSE)$/.test(value)) return false
      return issue(ctx, `must be true or false, got "${value}"`)
    })

const bool = (fallback: boolean) => optionalBool().transform((value) => value ?? fallback)

const optionalInt = (min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (!/^-?\d+$/.test(value))
        return issue(ctx, `must be a whole number from ${min} to ${max}, got "${value}"`)
      const n = Number(value)
      if (n < min || n > max) return issue(ctx, `must be from ${min} to ${max}, got ${n}`)
      return n
    })

const int = (min: number, max: number, fallback: number) =>
  optionalInt(min, max).transform((value) => value ?? fallback)

const optionalNonNegative = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      const n = Number(value)
      if (!Number.isFinite(n) || n < 0) return issue(ctx, `must be a number of at least 0, got "${value}"`)
      return n
    })

const optionalOneOf = <const T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (!(values as readonly string[]).includes(value)) {
        return issue(ctx, `must be one of ${values.join(', ')}, got "${value}"`)
      }
      return value as T
    })

const oneOf = <const T extends string>(values: readonly [T, ...T[]], fallback: T) =>
  optionalOneOf(values).transform((value) => value ?? fallback)

const appid = () =>
  z.string().regex(APPID, { error: 'must look like wx followed by 16 hex characters' }).optional()

const version = (source: 'version' | 'rollback-to') =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      if (!VERSION_PATTERN.test(value.trim())) return issue(ctx, `must be ${VERSION_RULE}`)
      return parseVersion(source, value)
    })

const endpoint = (input: EndpointInput) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined
      const check = checkEndpointUrl(input, value.trim())
      if ('error' in check) return issue(ctx, check.error)
      return check.url
    })

/** Turns an input like `none` into "off" and leaves its default in place otherwise. */
const textOrNone = (fallback: string) =>
  textOr(fallback).transform((value) => (value === 'none' ? undefined : value))

/** YAML or JSON text, parsed (a list or mapping). */
const structured = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): unknown => {
      if (value === undefined) return undefined
      try {
        return parseYaml(value) as unknown
      } catch (error) {
        return issue(ctx, `must be valid YAML or JSON (${(error as Error).message.split('\n')[0]})`)
      }
    })

const mapping = () =>
  structured().transform((value, ctx) => {
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'object' || Array.isArray(value))
      return issue(ctx, 'must be an object (YAML or JSON)')
    return value as Record<string, unknown>
  })

const reviewItems = () =>
  structured().transform((value, ctx) => {
    if (value === undefined || value === null) return undefined
    if (Array.isArray(value) && value.length === 0) return undefined
    const result = reviewItemListSchema.safeParse(value)
    if (!result.success) return issue(ctx, result.error.issues[0]?.message ?? 'is invalid')
    return result.data
  })

/** One schema per input of action.yml, in its order; each applies the default action.yml declares. */
export const INPUT_FIELDS = {
  command: z
    .string({ error: `is required: one of ${COMMANDS.join(', ')}` })
    .refine((value) => (COMMANDS as readonly string[]).includes(value), {
      error: (issue) => `must be one of ${COMMANDS.join(', ')}; got "${String(issue.input).slice(0, 40)}"`
    })
    .transform((value) => value as Command),
  // build
  'project-path': textOr('.'),
  appid: appid(),
  'private-key': text(),
  'private-key-path': text(),
  'allow-paths-outside-workspace': bool(false),
  robot: int(1, 30, 1),
  version: version('version'),
  description: z.string().max(2000, { error: 'must be at most 2000 characters' }).optional(),
  'compile-settings': mapping(),
  'pack-npm': oneOf(['auto', 'true', 'false'], 'auto').transform((value) =>
    value === 'auto' ? ('auto' as const) : value === 'true'
  ),
  proxy: z
    .string()
    .regex(/^(https?|socks[45]?):\/\/[^/\s]+/i, { error: 'must be a URL such as http://proxy.example:3128' })
    .optional(),
  'ci-timeout-minutes': int(1, 360, 15),
  'preview-page-path': text(),
  'preview-query': text(),
  'qrcode-branch': textOrNone('wechat-qrcodes'),
  'package-size-budget': textOr('90%'),
  'package-size-budget-action': oneOf(['warn', 'fail'], 'warn'),
  'package-size-total-limit': textOr('20MB'),
  // platform
  'api-base-url': endpoint('api-base-url').transform((value) => value ?? 'https://api.weixin.qq.com'),
  'wechat-timeout-seconds': int(1, 300, 15),
  'token-url': endpoint('token-url'),
  'token-url-secret': text(),
  'authorizer-access-token': text(),
  'component-access-token': text(),
  'component-appid': appid(),
  'authorizer-refresh-tokens': text(),
  appsecret: text(),
  targets: text(),
  route: oneOf(ROUTES, 'direct'),
  'ext-json': mapping(),
  concurrency: int(1, 32, 4),
  // review
  'review-items': reviewItems(),
  'review-notes': z.string().max(1000, { error: 'must be at most 1000 characters' }).optional(),
  feedback: z
    .string()
    .max(200, { error: 'must be at most 200 characters (WeChat feedback_info limit)' })
    .optional(),
  'feedback-media': text(),
  'privacy-api-not-use': optionalBool(),
  // gray
  'gray-percent': optionalInt(0, 100),
  'gray-whitelist': text(),
  'gray-project-members': bool(false),
  'gray-experience-members': bool(false),
  'gray-schedule': text(),
  'gray-deadline-action': oneOf(GRAY_DEADLINE_ACTIONS, 'warn'),
  'gray-deadline-margin-hours': int(1, 168, 24),
  'release-on-approval': oneOf(RELEASE_ON_APPROVAL, 'off'),
  'health-max-new-error-groups': optionalInt(0, 10000),
  'health-max-error-ratio': optionalNonNegative(),
  'health-min-baseline-uv': optionalInt(0, 100000000),
  'health-action': optionalOneOf(HEALTH_ACTIONS),
  // release / rollback
  'rollback-to': version('rollback-to'),
  'deployment-environment': textOrNone('wechat').pipe(
    z.string().max(255, { error: 'must be at most 255 characters' }).optional()
  ),
  // GitHub
  'github-token': text(),
  'github-app-slug': z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, {
      error: 'must be a GitHub App slug such as github-actions (the name in github.com/apps/<slug>)'
    })
    .optional()
    .transform((value) => value ?? 'github-actions'),
  'check-runs': bool(true),
  'pr-comment': bool(true),
  dashboard: bool(true),
  'control-permission': oneOf(CONTROL_PERMISSIONS, 'maintain'),
  'dry-run': bool(false)
} satisfies Record<string, z.ZodType>

export type InputName = keyof typeof INPUT_FIELDS
/** Every input of action.yml. */
export const INPUT_NAMES = Object.keys(INPUT_FIELDS) as InputName[]

/**
 * Inputs the action no longer takes. The runner passes every `with:` key to the action, so a workflow that
 * still sets one is refused with what to use instead rather than silently ignored.
 */
export const REMOVED_INPUTS: Readonly<Record<string, string>> = {
  'component-appsecret':
    'is no longer taken: the action never mints a component_access_token, because a new one makes the token your platform server holds fail. Give `token-url` (your token service answers `?component=1` with the component token) or `component-access-token` instead (docs/credentials.md).',
  'component-verify-ticket':
    'is no longer taken: WeChat pushes a new ticket every 10 minutes and each lives 12 hours, so a stored one fails within hours, and the action never mints a component_access_token. Give `token-url` or `component-access-token` instead (docs/credentials.md).'
}

/** Inputs that carry secrets: masked in the log and redacted from everything the action writes. */
const SECRET_INPUTS: readonly InputName[] = [
  'private-key',
  'authorizer-access-token',
  'token-url-secret',
  'component-access-token',
  'authorizer-refresh-tokens',
  'appsecret',
  'github-token'
]

const fieldsSchema = z.object(INPUT_FIELDS)
type Raw = z.output<typeof fieldsSchema>

function parseRefreshTokens(value: string, fallbackAppid: string | undefined): Record<string, string> {
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
  let parsed: unknown
  try {
    parsed = parseYaml(trimmed)
  } catch (error) {
    throw new InputError(
      'authorizer-refresh-tokens',
      `must be valid YAML or JSON (${(error as Error).message.split('\n')[0]})`
    )
  }
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

/** The platform credentials: one source of authorizer tokens, and a component token source when there is one. */
function credentialsFrom(raw: Raw, defaultAppid: string | undefined): Credentials | undefined {
  const tokenUrl = raw['token-url']
  const service = tokenUrl
    ? {
        kind: 'token-url' as const,
        url: tokenUrl,
        ...(raw['token-url-secret'] ? { secret: raw['token-url-secret'] } : {})
      }
    : undefined
  const given = (['token-url', 'authorizer-access-token', 'authorizer-refresh-tokens'] as const).filter(
    (name) => raw[name]
  )
  if (given.length > 1) {
    throw new InputError(
      given[1] as string,
      `give one source of authorizer tokens, not both ${given[0]} and ${given[1]}`
    )
  }
  const componentToken = raw['component-access-token']
  const component = componentToken ? { kind: 'component-token' as const, token: componentToken } : service
  if (service) return { authorizer: service, ...(component ? { component } : {}) }
  if (raw['authorizer-access-token']) {
    return {
      authorizer: { kind: 'authorizer-token', token: raw['authorizer-access-token'] },
      ...(component ? { component } : {})
    }
  }
  const refreshTokens = raw['authorizer-refresh-tokens']
  if (refreshTokens) {
    if (!raw['component-appid']) {
      throw new InputError(
        'component-appid',
        'is required with authorizer-refresh-tokens (WeChat names the platform in api_authorizer_token)'
      )
    }
    if (!componentToken) {
      throw new InputError(
        'component-access-token',
        'is required with authorizer-refresh-tokens: the action never mints a component_access_token. Better, give `token-url` and let your platform server hand out the tokens it holds (docs/credentials.md)'
      )
    }
    return {
      authorizer: {
        kind: 'refresh-tokens',
        componentAppid: raw['component-appid'],
        refreshTokens: parseRefreshTokens(refreshTokens, defaultAppid)
      },
      component: { kind: 'component-token', token: componentToken }
    }
  }
  if (componentToken) {
    throw new InputError(
      'component-access-token',
      'reaches only the template library; the mini programs need authorizer tokens too: give token-url, authorizer-access-token or authorizer-refresh-tokens'
    )
  }
  return undefined
}

function packageSizePolicy(raw: Raw): SizePolicy {
  let budget: Pick<SizePolicy, 'percent' | 'budgets'>
  try {
    budget = parseSizeBudget(raw['package-size-budget'])
  } catch (error) {
    throw new InputError('package-size-budget', (error as Error).message)
  }
  let totalLimit = DEFAULT_TOTAL_LIMIT
  try {
    totalLimit = parseSize(raw['package-size-total-limit'])
  } catch (error) {
    throw new InputError('package-size-total-limit', (error as Error).message)
  }
  if (totalLimit <= 0) throw new InputError('package-size-total-limit', 'must be more than 0 bytes')
  return { ...budget, totalLimit, action: raw['package-size-budget-action'] }
}

/** Cross-field rules and the final shape: what the schema produces is `Inputs`. */
function toInputs(raw: Raw) {
  const targets = splitList(raw.targets)
  for (const target of targets) {
    if (!APPID.test(target))
      throw new InputError('targets', `"${target}" is not an appid (wx followed by 16 hex characters)`)
  }
  if (new Set(targets).size !== targets.length) throw new InputError('targets', 'lists an appid twice')

  const credentials = credentialsFrom(raw, raw.appid ?? (targets.length === 1 ? targets[0] : undefined))
  if (credentials?.authorizer.kind === 'refresh-tokens' && targets.length > 0) {
    const tokens = credentials.authorizer.refreshTokens
    const missing = targets.filter((target) => !tokens[target])
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

  const grayScheduleText = raw['gray-schedule']
  let graySchedule: ReturnType<typeof parseGraySchedule> | undefined
  if (grayScheduleText) {
    try {
      graySchedule = parseGraySchedule(grayScheduleText, {
        marginHours: raw['gray-deadline-margin-hours'],
        members: raw['gray-project-members'] || raw['gray-experience-members'] || grayWhitelist.length > 0
      })
    } catch (error) {
      throw new InputError('gray-schedule', (error as Error).message)
    }
  }

  const feedbackMedia = splitList(raw['feedback-media']?.replace(/\|/g, ','))
  if (feedbackMedia.length > 5)
    throw new InputError('feedback-media', `at most 5 media ids, got ${feedbackMedia.length}`)

  // The first health input given: errors about the gate name the input the workflow actually sets.
  const healthInput = (
    ['health-max-new-error-groups', 'health-max-error-ratio', 'health-action'] as const
  ).find((name) => raw[name] !== undefined)
  const healthGiven = healthInput !== undefined

  return {
    command: raw.command,
    projectPath: raw['project-path'],
    appid: raw.appid,
    privateKey: raw['private-key'],
    privateKeyPath: raw['private-key-path'],
    allowPathsOutsideWorkspace: raw['allow-paths-outside-workspace'],
    robot: raw.robot,
    version: raw.version,
    description: raw.description,
    compileSettings: raw['compile-settings'],
    packNpm: raw['pack-npm'],
    proxy: raw.proxy,
    ciTimeoutMs: raw['ci-timeout-minutes'] * 60_000,
    previewPagePath: raw['preview-page-path'],
    previewQuery: raw['preview-query'],
    qrcodeBranch: raw['qrcode-branch'],
    /** WeChat's package limits, the budget and what exceeding it does (preview and upload). */
    packageSizePolicy: packageSizePolicy(raw),
    apiBaseUrl: raw['api-base-url'],
    wechatTimeoutMs: raw['wechat-timeout-seconds'] * 1000,
    credentials,
    appsecret: raw.appsecret,
    targets,
    route: raw.route,
    extJson: raw['ext-json'],
    concurrency: raw.concurrency,
    reviewItems: raw['review-items'],
    reviewNotes: raw['review-notes'],
    feedback: raw.feedback,
    feedbackMedia,
    privacyApiNotUse: raw['privacy-api-not-use'],
    grayPercent: raw['gray-percent'],
    grayWhitelist,
    grayProjectMembers: raw['gray-project-members'],
    grayExperienceMembers: raw['gray-experience-members'],
    graySchedule,
    grayScheduleText: graySchedule ? grayScheduleText : undefined,
    grayDeadlineAction: raw['gray-deadline-action'],
    grayDeadlineMarginHours: raw['gray-deadline-margin-hours'],
    releaseOnApproval: raw['release-on-approval'],
    healthGate: healthGiven
      ? {
          maxNewErrorGroups: raw['health-max-new-error-groups'] ?? 0,
          maxErrorUvRatio: raw['health-max-error-ratio'] ?? 2,
          minOnlineBaseline: raw['health-min-baseline-uv'] ?? 50,
          action: raw['health-action'] ?? ('halt' as const)
        }
      : undefined,
    healthGateInput: healthInput,
    rollbackTo: raw['rollback-to'],
    deploymentEnvironment: raw['deployment-environment'],
    githubToken: raw['github-token'],
    /** The App whose installation token github-token is: its check runs, comments and issues are the action's own. */
    githubAppSlug: raw['github-app-slug'],
    checkRuns: raw['check-runs'],
    prComment: raw['pr-comment'],
    /** Keep the release dashboard issue and act on its ticked boxes (issues: edited). */
    dashboard: raw.dashboard,
    /** The repository permission a person needs for a dashboard tick to act. */
    controlPermission: raw['control-permission'],
    dryRun: raw['dry-run']
  }
}

/** The validated inputs: exactly what INPUT_FIELDS and toInputs produce. */
export const inputsSchema = fieldsSchema.transform(toInputs)
export type Inputs = z.output<typeof inputsSchema>
export type { Credentials }

function firstIssue(error: z.ZodError): InputError {
  const found = error.issues[0]
  const name = String(found?.path[0] ?? 'inputs')
  let message = found?.message ?? 'is invalid'
  // A library's generic wording ("expected string, received number") never reaches the user.
  if (found?.code === 'invalid_type' && !message.startsWith('is required')) message = 'is invalid'
  return new InputError(name, message)
}

/**
 * Reads and validates all inputs. `get` returns the raw input ('' when missing), like core.getInput.
 * Throws InputError on the first problem, before anything else runs.
 */
export function readInputs(get: (name: string) => string): Inputs {
  for (const [name, rule] of Object.entries(REMOVED_INPUTS)) {
    const value = get(name)
    if (value) {
      registerSecret(value)
      throw new InputError(name, rule)
    }
  }
  const values: Record<string, string | undefined> = {}
  for (const name of INPUT_NAMES) {
    const value = get(name)
    values[name] = value === '' ? undefined : value
    if (SECRET_INPUTS.includes(name) && value) registerSecret(value)
  }
  const result = inputsSchema.safeParse(values)
  if (!result.success) throw firstIssue(result.error)
  checkCommandRules(result.data)
  return result.data
}

/**
 * Rules that depend on the command; still checked before any network call. Exported for a dashboard tick,
 * which runs another command than the workflow's with the same inputs.
 */
export function checkCommandRules(inputs: Inputs): void {
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
      'token-url',
      `command "${command}" needs third-party platform credentials: token-url, authorizer-access-token or authorizer-refresh-tokens (review, release, gray and rollback are only open to third-party platforms; without one, do them in the WeChat console)`
    )
  }
  if (command === 'sync' && !inputs.credentials && !inputs.appsecret) {
    throw new InputError(
      'token-url',
      'command "sync" needs platform credentials (token-url, authorizer-access-token or authorizer-refresh-tokens), or appsecret for read-only gray monitoring'
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
  if (command === 'submit' && inputs.route === 'template' && !inputs.credentials?.component) {
    throw new InputError(
      'token-url',
      'route "template" uses the template library, which needs a component_access_token: give token-url (your token service answers ?component=1 with the token your platform server holds) or component-access-token'
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
      inputs.healthGateInput ?? 'health-max-error-ratio',
      'the health gate compares the JS errors of the gray version with the online one, and only platform credentials (token-url, authorizer-access-token or authorizer-refresh-tokens) tell which version is in gray; appsecret alone cannot'
    )
  }
  if (inputs.targets.length > 1 && inputs.credentials?.authorizer.kind === 'authorizer-token') {
    throw new InputError(
      'authorizer-access-token',
      'one authorizer token belongs to one mini program; for several targets use token-url'
    )
  }
}

/** Whether `target` is `root` or below it. */
function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** The real path (symbolic links resolved), or undefined when nothing is there yet. */
function realPath(file: string): string | undefined {
  try {
    return realpathSync(file)
  } catch (error) {
    // Only "nothing there" is expected; the compile step reports a missing project or key itself.
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    )
      return undefined
    throw error
  }
}

/**
 * `project-path` and `private-key-path` must stay inside the workspace (GITHUB_WORKSPACE), also through
 * symbolic links, unless `allow-paths-outside-workspace` says otherwise. Called where the inputs meet the
 * run's context, before any network call.
 */
export function checkPathsInWorkspace(
  inputs: Pick<Inputs, 'projectPath' | 'privateKeyPath' | 'allowPathsOutsideWorkspace'>,
  workspace: string,
  runnerTemp?: string
): void {
  if (inputs.allowPathsOutsideWorkspace) return
  const root = path.resolve(workspace)
  // The key may also sit in RUNNER_TEMP, where a workflow writes a secret to a file: the runner empties it
  // at the start and end of every job (GitHub Docs, "Variables reference", RUNNER_TEMP).
  const keyRoots = runnerTemp ? [root, path.resolve(runnerTemp)] : [root]
  const paths: Array<[InputName, string | undefined, string[]]> = [
    ['project-path', inputs.projectPath, [root]],
    ['private-key-path', inputs.privateKeyPath, keyRoots]
  ]
  for (const [name, value, roots] of paths) {
    if (!value) continue
    const resolved = path.resolve(root, value)
    const where = roots.length > 1 ? `the workspace (${root}) or RUNNER_TEMP` : `the workspace (${root})`
    const within = roots.find((candidate) => isInside(candidate, resolved))
    if (within === undefined) {
      throw new InputError(
        name,
        `points outside ${where}; keep it inside, or set allow-paths-outside-workspace: true if that is intended`
      )
    }
    const real = realPath(resolved)
    const realWithin = realPath(within) ?? within
    if (real && !isInside(realWithin, real)) {
      throw new InputError(
        name,
        `leads outside ${where} through a symbolic link; keep it inside, or set allow-paths-outside-workspace: true if that is intended`
      )
    }
  }
}

// --- Which commands read each input: the README's "used by" column (scripts/docs.mjs) ---

/** Commands that compile with miniprogram-ci. */
const BUILDING: readonly Command[] = UPLOADING_COMMANDS
/** Commands that call the third-party platform API (the review and release lifecycle). */
const PLATFORM: readonly Command[] = COMMANDS.filter(
  (command) => command !== 'preview' && command !== 'upload'
)
/** Commands that take a version you name, or the tag's. */
const VERSIONED: readonly Command[] = [...BUILDING, 'release', 'gray', 'withdraw', 'speedup']
/** Commands that move or follow a gray release. */
const GRAY: readonly Command[] = ['sync', 'gray']
/** Commands that record releases, gray steps and rollbacks as GitHub deployments. */
const DEPLOYING: readonly Command[] = ['sync', 'release', 'gray', 'revert-gray', 'rollback']

/**
 * The commands that read each input. Typed by InputName, so a new input cannot be added without saying
 * who reads it; the README's inputs table is generated from this and action.yml.
 */
export const INPUT_USAGE: Record<InputName, readonly Command[]> = {
  command: COMMANDS,
  'project-path': COMMANDS,
  appid: COMMANDS,
  'private-key': BUILDING,
  'private-key-path': BUILDING,
  'allow-paths-outside-workspace': BUILDING,
  robot: BUILDING,
  version: VERSIONED,
  description: BUILDING,
  'compile-settings': BUILDING,
  'pack-npm': BUILDING,
  proxy: BUILDING,
  'ci-timeout-minutes': BUILDING,
  'preview-page-path': ['preview'],
  'preview-query': ['preview'],
  'qrcode-branch': ['preview'],
  'package-size-budget': ['preview', 'upload'],
  'package-size-budget-action': ['preview', 'upload'],
  'package-size-total-limit': ['preview', 'upload'],
  'api-base-url': PLATFORM,
  'wechat-timeout-seconds': PLATFORM,
  'authorizer-access-token': PLATFORM,
  'token-url': PLATFORM,
  'token-url-secret': PLATFORM,
  'component-appid': PLATFORM,
  'component-access-token': PLATFORM,
  'authorizer-refresh-tokens': PLATFORM,
  appsecret: ['sync'],
  targets: PLATFORM,
  route: ['submit'],
  'ext-json': ['submit'],
  concurrency: PLATFORM,
  'review-items': ['submit'],
  'review-notes': ['submit'],
  feedback: ['submit'],
  'feedback-media': ['submit'],
  'privacy-api-not-use': ['submit'],
  'gray-percent': GRAY,
  'gray-whitelist': GRAY,
  'gray-project-members': GRAY,
  'gray-experience-members': GRAY,
  'gray-schedule': GRAY,
  'gray-deadline-action': ['sync'],
  'gray-deadline-margin-hours': ['sync'],
  'release-on-approval': ['sync'],
  'health-max-new-error-groups': ['sync'],
  'health-max-error-ratio': ['sync'],
  'health-min-baseline-uv': ['sync'],
  'health-action': ['sync'],
  'rollback-to': ['rollback'],
  'deployment-environment': DEPLOYING,
  'github-token': COMMANDS,
  'github-app-slug': COMMANDS,
  'check-runs': PLATFORM,
  'pr-comment': ['preview', ...PLATFORM],
  dashboard: PLATFORM,
  'control-permission': PLATFORM,
  'dry-run': COMMANDS
}
