/**
 * GitHub rejects texts over its documented limits (65535 characters for check-run output, 65536 for
 * comments, 1 MiB for a job summary). Texts are cut at a line boundary and end with a visible notice, so a
 * reader knows something is missing instead of seeing a silently broken table.
 */

export interface TruncateOptions {
  /**
   * Texts appended after the notice, always kept whole (hidden markers the action reads back, such as
   * `<!-- wechat-miniprogram-release:… -->`, must survive a cut at the end of the text).
   */
  keep?: string[]
}

/** Cuts `text` to at most `limit` UTF-16 code units, which never exceeds GitHub's character count. */
export function truncateForGitHub(
  text: string,
  limit: number,
  notice: string,
  options: TruncateOptions = {}
): string {
  if (text.length <= limit) return text
  const tail = [notice, ...(options.keep ?? [])].join('\n')
  const room = limit - tail.length - 1
  if (room <= 0) {
    // Nothing of the text fits next to the notice; the notice alone is still better than a rejected write.
    return tail.slice(0, limit)
  }
  let head = text.slice(0, room)
  const lastNewline = head.lastIndexOf('\n')
  if (lastNewline > 0) {
    head = head.slice(0, lastNewline)
  } else if (isHighSurrogate(head.charCodeAt(head.length - 1))) {
    // One very long line: cut inside it, but never between the two halves of a surrogate pair.
    head = head.slice(0, -1)
  }
  return `${head.replace(/\s+$/, '')}\n${tail}`
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

/** The notice GitHub readers see at the end of a cut text. */
export function cutNotice(limit: number): string {
  return `… (cut to fit GitHub's ${limit}-character limit)`
}
