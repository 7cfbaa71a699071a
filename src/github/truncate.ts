/**
 * GitHub rejects texts over its limits, and not all limits count the same thing: check-run output is limited
 * to 65,535 UTF-8 BYTES ("summary exceeds a maximum bytesize of 65535"), comment and issue bodies to 65,536
 * characters, the job summary to 1 MiB. A text over its limit is cut at a line boundary (inside a very long
 * line rather than dropping it; never inside a UTF-8 sequence or a surrogate pair) and ends with a visible
 * notice, so a reader knows something is missing; hidden markers the action reads back survive the cut.
 */
import { HIDDEN_MARKER } from './markers.js'

/** What a limit counts: UTF-8 bytes, or UTF-16 code units (never fewer than GitHub's characters). */
export type LimitUnit = 'bytes' | 'characters'

export interface FitOptions {
  limit: number
  unit: LimitUnit
  /** The visible notice that ends a cut text. */
  notice: string
  /** Texts that must survive the cut whole, appended after the notice. */
  keep?: string[]
  /** Also keep the action's hidden markers (`<!-- wechat-miniprogram-release:… -->`) the cut would lose. */
  keepMarkers?: boolean
}

export function sizeOf(text: string, unit: LimitUnit): number {
  return unit === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length
}

/** The longest prefix of `text` within `room`, ending on a whole code point. */
function prefixWithin(text: string, room: number, unit: LimitUnit): string {
  if (room <= 0) return ''
  let used = 0
  let end = 0
  for (const char of text) {
    const size = sizeOf(char, unit)
    if (used + size > room) break
    used += size
    end += char.length
  }
  return text.slice(0, end)
}

/** Cuts `text` to its limit (see the module comment); a text within the limit is returned unchanged. */
export function fitText(text: string, options: FitOptions): string {
  const { limit, unit } = options
  if (sizeOf(text, unit) <= limit) return text
  const keep = [...(options.keep ?? [])]
  let tail = [options.notice, ...keep].join('\n')
  let head = cutHead(text, limit - sizeOf(tail, unit) - 1, unit)
  if (options.keepMarkers) {
    const lost = (text.match(HIDDEN_MARKER) ?? []).filter(
      (marker) => !head.includes(marker) && !keep.includes(marker)
    )
    if (lost.length > 0) {
      tail = [options.notice, ...keep, ...lost].join('\n')
      head = cutHead(text, limit - sizeOf(tail, unit) - 1, unit)
    }
  }
  if (sizeOf(tail, unit) >= limit) {
    // Nothing of the text fits beside the notice; the notice alone is still better than a refused write.
    return prefixWithin(tail, limit, unit)
  }
  return head ? `${head}\n${tail}` : tail
}

function cutHead(text: string, room: number, unit: LimitUnit): string {
  const head = prefixWithin(text, room, unit)
  const lastNewline = head.lastIndexOf('\n')
  // At a line boundary when that keeps at least half the room; a very long line (a rejection reason, a
  // stack) is cut inside instead of being dropped whole.
  const atLine = lastNewline > 0 && sizeOf(head.slice(0, lastNewline), unit) >= room / 2
  return (atLine ? head.slice(0, lastNewline) : head).replace(/\s+$/, '')
}

/** The notice GitHub readers see at the end of a cut text. */
export function cutNotice(limit: number, unit: LimitUnit): string {
  return `… (cut to fit GitHub's limit of ${limit} ${unit === 'bytes' ? 'bytes' : 'characters'})`
}
