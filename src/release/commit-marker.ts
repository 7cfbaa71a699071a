/**
 * The marker the action puts at the end of every upload description so that a later run can find the commit
 * a WeChat version was built from: ` [wxrelease:<full commit SHA>]`. The full SHA is unambiguous, and only
 * the last marker counts: the action's own marker always comes last, so a marker (or any bracketed hex) in a
 * commit subject earlier in the description cannot redirect the review check or the pull-request comments.
 */

const MARKER = /\[wxrelease:([0-9a-f]{40})\]/g
const FULL_SHA = /^[0-9a-f]{40}$/

export function commitMarker(sha: string): string {
  return `[wxrelease:${sha}]`
}

/** The description with the commit marker appended (unchanged when `sha` is not a full SHA). */
export function withCommitMarker(description: string, sha: string): string {
  if (!FULL_SHA.test(sha)) return description
  const marker = commitMarker(sha)
  const trimmed = description.trimEnd()
  return trimmed.endsWith(marker) ? trimmed : `${trimmed} ${marker}`
}

/** The commit SHA of the description's last marker, or undefined when it has none. */
export function commitFromDescription(description: string | undefined): string | undefined {
  if (!description) return undefined
  const matches = [...description.matchAll(MARKER)]
  return matches.at(-1)?.[1]
}
