/**
 * The rollout state the action keeps on GitHub, not anywhere else: a hidden JSON marker in the gray check
 * run's text. The next sync reads it back to know which schedule step was taken and when.
 */
import type { RecordedRollout } from './model.js'

const MARKER = 'wechat-miniprogram-release:state'
const PATTERN = /<!--\s*wechat-miniprogram-release:state\s+([\s\S]*?)\s*-->/

export function embedRecorded(recorded: RecordedRollout): string {
  const ordered: RecordedRollout = {
    version: recorded.version,
    stepIndex: recorded.stepIndex,
    percentage: recorded.percentage,
    stepTakenAt: recorded.stepTakenAt,
    ...(recorded.haltedReason !== undefined ? { haltedReason: recorded.haltedReason } : {}),
    ...(recorded.schedule !== undefined ? { schedule: recorded.schedule } : {})
  }
  // "--" and ">" would end the HTML comment early. Both can only occur inside JSON strings (a number has
  // one minus at most), where the escapes read back unchanged.
  const json = JSON.stringify(ordered).replace(/--/g, '-\\u002d').replace(/>/g, '\\u003e')
  return `<!-- ${MARKER} ${json} -->`
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Reads the marker back; anything missing, malformed or of the wrong type gives undefined. */
export function parseRecorded(text: string | undefined | null): RecordedRollout | undefined {
  if (!text) return undefined
  const match = PATTERN.exec(text)
  if (!match?.[1]) return undefined
  let value: unknown
  try {
    value = JSON.parse(match[1])
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const data = value as Record<string, unknown>
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

const REVIEW_MARKER = 'wechat-miniprogram-release:review'
const REVIEW_PATTERN = /<!--\s*wechat-miniprogram-release:review\s+([\s\S]*?)\s*-->/

/** What the review check remembers: which audit was already expedited (WeChat allows it once). */
export interface RecordedReview {
  auditId: number
  spedUp: boolean
}

export function embedRecordedReview(recorded: RecordedReview): string {
  return `<!-- ${REVIEW_MARKER} ${JSON.stringify({ auditId: recorded.auditId, spedUp: recorded.spedUp })} -->`
}

export function parseRecordedReview(text: string | undefined | null): RecordedReview | undefined {
  if (!text) return undefined
  const match = REVIEW_PATTERN.exec(text)
  if (!match?.[1]) return undefined
  try {
    const data = JSON.parse(match[1]) as Record<string, unknown>
    if (!isFiniteNumber(data.auditId) || typeof data.spedUp !== 'boolean') return undefined
    return { auditId: data.auditId, spedUp: data.spedUp }
  } catch {
    return undefined
  }
}
