/**
 * The hidden parts of the dashboard body: the marker that identifies the issue, one marker per control
 * box, and the state block (target snapshots and the operations log). Everything read back from the body
 * is untrusted: parsers accept only well-formed, bounded values and give undefined for anything else.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import * as z from 'zod'
import {
  CONTROL_KINDS,
  DASHBOARD_MARKER,
  MARKER_PREFIX,
  OPERATIONS_KEPT,
  type ControlKind,
  type ControlMarker,
  type DashboardState
} from './model.js'

const APPID = /^wx[0-9a-f]{16}$/
const FINGERPRINT = /^[0-9a-f]{16}$/
/** WeChat's user_version is at most 64 characters; markers hold nothing longer. */
const MAX_VERSION = 64

const CONTROL_PREFIX = `${MARKER_PREFIX}:control`
const STATE_PREFIX = `${MARKER_PREFIX}:dashboard-state`
/** The state block's largest size; the renderer leaves snapshots out to stay below it. */
export const MAX_STATE_CHARS = 40_000
/** Inflated, the state is never larger than this (a guard against a planted compression bomb). */
const MAX_STATE_BYTES = 1_000_000

/** Whether the body carries the dashboard marker on its first line (where the action puts it). */
export function hasDashboardMarker(body: string | null | undefined): boolean {
  return (body ?? '').split('\n', 1)[0]?.trim() === DASHBOARD_MARKER
}

function isControlKind(value: string | null): value is ControlKind {
  return (CONTROL_KINDS as readonly string[]).includes(value ?? '')
}

/**
 * `control=gray-to&appid=wx…&version=1.2.3&percent=20&fp=…`: URL-encoded, so no value can contain "-->"
 * (">" is encoded) and end the comment early.
 */
export function serializeControlMarker(marker: ControlMarker): string {
  const params = new URLSearchParams()
  params.set('control', marker.control)
  params.set('appid', marker.appid)
  params.set('version', marker.version)
  if (marker.percent !== undefined) params.set('percent', String(marker.percent))
  if (marker.from !== undefined) params.set('from', marker.from)
  params.set('fp', marker.fingerprint)
  // URLSearchParams writes spaces as "+" and leaves "*" alone; neither can end a comment.
  return `<!-- ${CONTROL_PREFIX} ${params.toString()} -->`
}

const KNOWN_KEYS = new Set(['control', 'appid', 'version', 'percent', 'from', 'fp'])

/** The fields of a marker's text, or undefined when any field is missing, unknown, repeated or malformed. */
export function parseControlParams(text: string): ControlMarker | undefined {
  if (text.length > 400) return undefined
  const params = new URLSearchParams(text)
  const keys = [...params.keys()]
  if (new Set(keys).size !== keys.length || keys.some((key) => !KNOWN_KEYS.has(key))) return undefined
  const control = params.get('control')
  const appid = params.get('appid') ?? ''
  const version = params.get('version') ?? ''
  const fingerprint = params.get('fp') ?? ''
  if (!isControlKind(control) || !APPID.test(appid) || !FINGERPRINT.test(fingerprint)) return undefined
  if (version === '' || [...version].length > MAX_VERSION) return undefined
  const marker: ControlMarker = { control, appid, version, fingerprint }
  const percent = params.get('percent')
  if (control === 'gray-to') {
    if (percent === null || !/^(?:0|[1-9]\d?|100)$/.test(percent)) return undefined
    marker.percent = Number(percent)
  } else if (percent !== null) return undefined
  const from = params.get('from')
  if (control === 'rollback') {
    if (from === null || from === '' || [...from].length > MAX_VERSION) return undefined
    marker.from = from
  } else if (from !== null) return undefined
  return marker
}

export const CONTROL_MARKER_PATTERN = new RegExp(`<!--\\s*${CONTROL_PREFIX}\\s+([^\\s>]*)\\s*-->`)

// ---- the state block -------------------------------------------------------------------------------

const version = z.string().min(1).max(MAX_VERSION)
const unixSeconds = z.number().int().min(0).max(4_102_444_800)
const snapshotSchema = z
  .object({
    review: z
      .object({
        status: z.enum(['none', 'under_review', 'approved', 'rejected', 'withdrawn', 'delayed']),
        auditId: z.number().int().min(0).optional(),
        version: version.optional()
      })
      .strict()
      .optional(),
    gray: z
      .object({
        status: z.enum(['none', 'initial', 'running', 'paused', 'finished', 'reverted']),
        percentage: z.number().int().min(0).max(100),
        startedAt: unixSeconds.optional(),
        version: version.optional()
      })
      .strict()
      .optional(),
    online: version.optional(),
    healthHaltedPlan: unixSeconds.optional(),
    deadlineNoticePlan: unixSeconds.optional()
  })
  .strict()

const operationSchema = z
  .object({
    at: unixSeconds,
    actor: z.string().min(1).max(100),
    appid: z.string().regex(APPID),
    control: z.enum(CONTROL_KINDS),
    version,
    percent: z.number().int().min(0).max(100).optional(),
    from: version.optional(),
    result: z.enum(['done', 'refused', 'failed']),
    message: z.string().max(300).optional(),
    runId: z
      .string()
      .regex(/^\d{1,20}$/)
      .optional()
  })
  .strict()

const stateSchema = z
  .object({
    v: z.literal(1),
    targets: z.record(z.string().regex(APPID), snapshotSchema),
    operations: z.array(operationSchema).max(OPERATIONS_KEPT)
  })
  .strict()

/** Deflated base64url JSON: compact, opaque to people, and it cannot contain anything that ends the comment. */
export function serializeState(state: DashboardState): string {
  const json = JSON.stringify({ v: 1, targets: state.targets, operations: state.operations })
  return `<!-- ${STATE_PREFIX} ${deflateRawSync(Buffer.from(json, 'utf8')).toString('base64url')} -->`
}

const STATE_PATTERN = new RegExp(`<!--\\s*${STATE_PREFIX}\\s+([A-Za-z0-9_-]+)\\s*-->`, 'g')

/**
 * The state block of a body; undefined when it is missing, repeated, malformed or out of bounds (then the
 * dashboard starts afresh: no transition is announced for that run).
 */
export function parseState(body: string | null | undefined): DashboardState | undefined {
  const matches = [...(body ?? '').matchAll(STATE_PATTERN)]
  if (matches.length !== 1) return undefined
  const encoded = matches[0]?.[1] ?? ''
  if (encoded.length > MAX_STATE_CHARS) return undefined
  let value: unknown
  try {
    const json = inflateRawSync(Buffer.from(encoded, 'base64url'), { maxOutputLength: MAX_STATE_BYTES })
    value = JSON.parse(json.toString('utf8'))
  } catch {
    return undefined
  }
  const parsed = stateSchema.safeParse(value)
  if (!parsed.success) return undefined
  const { targets, operations } = parsed.data
  return { targets, operations } as DashboardState
}
