/**
 * Hidden markers: HTML comments the action puts in the texts it writes (comments, issue bodies, check-run
 * output) to find them again. Anyone can paste a marker, so a marker alone never makes an object the
 * action's own: the author or App must be the action's too (see identity.ts).
 */

const MARKER_PREFIX = 'wechat-miniprogram-release'

/** Every marker of the action's, whatever its key. */
export const HIDDEN_MARKER = /<!--\s*wechat-miniprogram-release:[\s\S]*?-->/g

/** Keys go inside an HTML comment: letters, digits and `. : / @ - _` only, so no key can close it. */
export function hiddenMarker(key: string): string {
  if (!/^[\w.:/@-]+$/.test(key)) {
    throw new Error(
      `Marker key "${key}" may hold only letters, digits and . : / @ - _ (it goes into an HTML comment).`
    )
  }
  return `<!-- ${MARKER_PREFIX}:${key} -->`
}

/** The marker of a sticky comment. */
export function stickyMarker(key: string): string {
  return hiddenMarker(key)
}
