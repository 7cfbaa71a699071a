/**
 * The records the action keeps on GitHub, not anywhere else: hidden JSON markers in the text of its own
 * check runs. The gray check keeps the rollout (which schedule step was taken and when); the review check
 * keeps what WeChat does not say (whether the review was expedited, since when it is known to be pending,
 * which pull requests the version releases). Anyone can write such a marker into a run of another app, so
 * these are read only from the action's own runs, and a record never outranks what WeChat reports.
 */
import { redactDeep } from '../redact.js'
import type { RecordedReview, RecordedRollout } from './model.js'

const ROLLOUT_MARKER = 'wechat-miniprogram-release:state'
const ROLLOUT_PATTERN = /<!--\s*wechat-miniprogram-release:state\s+([\s\S]*?)\s*-->/
const REVIEW_MARKER = 'wechat-miniprogram-release:review'
const REVIEW_PATTERN = /<!--\s*wechat-miniprogram-release:review\s+([\s\S]*?)\s*-->/
/** More pull requests than this are not recorded; the record says there were more. */
export const MAX_RECORDED_PULLS = 50

/**
 * JSON inside an HTML comment: "--" and ">" would end it early, "<" could open markup, and "#" could start
 * the runner's `##[command]` form should the text ever reach a log.
 */
function hiddenJson(marker: string, value: unknown): string {
  // All four can only occur inside JSON strings, where the escapes read back unchanged.
  // Redacted before it is serialised: the check's text is redacted again as a whole, which then finds nothing
  // to cut inside the JSON (a cut through an escape would make the record unreadable).
  const json = JSON.stringify(redactDeep(value))
    .replace(/--/g, '-\\u002d')
    .replace(/>/g, '\\u003e')
    .replace(/</g, '\\u003c')
    .replace(/#/g, '\\u0023')
  return `<!-- ${marker} ${json} -->`
}

/** The marker's JSON object, or undefined when the text has none or it is not a JSON object. */
function readHiddenJson(
  pattern: RegExp,
  text: string | undefined | null
): Record<string, unknown> | undefined {
  const match = text ? pattern.exec(text) : null
  if (!match?.[1]) return undefined
  let value: unknown
  try {
    value = JSON.parse(match[1])
  } catch (error) {
    // A marker that is not JSON is no record (edited by hand, or cut); the caller works without one.
    if (error instanceof SyntaxError) return undefined
    throw error
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

export function embedRecorded(recorded: RecordedRollout): string {
  return hiddenJson(ROLLOUT_MARKER, {
    version: recorded.version,
    stepIndex: recorded.stepIndex,
    percentage: recorded.percentage,
    stepTakenAt: recorded.stepTakenAt,
    ...(recorded.haltedReason !== undefined ? { haltedReason: recorded.haltedReason } : {}),
    ...(recorded.schedule !== undefined ? { schedule: recorded.schedule } : {})
  })
}

/** Reads the rollout marker back; anything missing, malformed or of the wrong type gives undefined. */
export function parseRecorded(text: string | undefined | null): RecordedRollout | undefined {
  const data = readHiddenJson(ROLLOUT_PATTERN, text)
  if (!data) return undefined
  if (typeof data.version !== 'string' || data.version === '') return undefined
  if (
    !isFiniteNumber(data.stepIndex) ||
    !isFiniteNumber(data.percentage) ||
    !isFiniteNumber(data.stepTakenAt)
  ) {
    return undefined
  }
  return {
    version: data.version,
    stepIndex: Math.trunc(data.stepIndex),
    percentage: data.percentage,
    stepTakenAt: data.stepTakenAt,
    ...(typeof data.haltedReason === 'string' ? { haltedReason: data.haltedReason } : {}),
    ...(typeof data.schedule === 'string' ? { schedule: data.schedule } : {})
  }
}

export function embedRecordedReview(recorded: RecordedReview): string {
  const pulls = recorded.pulls?.slice(0, MAX_RECORDED_PULLS)
  return hiddenJson(REVIEW_MARKER, {
    ...(recorded.auditId !== undefined ? { auditId: recorded.auditId } : {}),
    spedUp: recorded.spedUp,
    ...(recorded.since !== undefined ? { since: recorded.since } : {}),
    ...(pulls ? { pulls } : {}),
    ...(recorded.morePulls || (recorded.pulls?.length ?? 0) > MAX_RECORDED_PULLS ? { morePulls: true } : {})
  })
}

export function parseRecordedReview(text: string | undefined | null): RecordedReview | undefined {
  const data = readHiddenJson(REVIEW_PATTERN, text)
  if (!data || typeof data.spedUp !== 'boolean') return undefined
  const pulls = Array.isArray(data.pulls)
    ? data.pulls.filter((pull): pull is number => Number.isSafeInteger(pull) && (pull as number) > 0)
    : undefined
  return {
    ...(isFiniteNumber(data.auditId) ? { auditId: data.auditId } : {}),
    spedUp: data.spedUp,
    ...(isFiniteNumber(data.since) ? { since: data.since } : {}),
    ...(pulls ? { pulls: pulls.slice(0, MAX_RECORDED_PULLS) } : {}),
    ...(data.morePulls === true ? { morePulls: true } : {})
  }
}
