/**
 * Comments on issues and pull requests (GitHub's issue-comments API serves both): one sticky comment per key,
 * updated in place only when its body changes, and keyed one-off comments (notifications) that a rerun does
 * not repeat. A comment is the action's own only when it carries the marker AND its author is the action's
 * own login: anyone can paste a marker.
 */
import { redactMarkdown } from '../redact.js'
import type { WriteResult } from './checks.js'
import type { GitHubCore } from './core.js'
import { isUnanswered } from './core.js'
import type { GitHubPermission } from './errors.js'
import { hiddenMarker } from './markers.js'
import { cutNotice, fitText } from './truncate.js'

/** GitHub's limit for a comment or issue body, in characters. */
export const BODY_LIMIT_CHARACTERS = 65536

export interface StickyCommentRequest {
  issueNumber: number
  key: string
  body: string
}

export interface IssueCommentRequest {
  issueNumber: number
  body: string
  /** When given, the comment carries this key's marker and is made only once per issue (reruns skip it). */
  onceKey?: string
}

interface RawComment {
  id: number
  body?: string
  html_url: string
  user: { login: string; type: string } | null
}

/** `body` within GitHub's limit, redacted, ending with `marker`. */
export function bodyWithMarker(body: string, marker: string): string {
  const room = BODY_LIMIT_CHARACTERS - marker.length - 2
  const fitted = fitText(redactMarkdown(body).replace(/\s+$/, ''), {
    limit: room,
    unit: 'characters',
    notice: cutNotice(BODY_LIMIT_CHARACTERS, 'characters')
  })
  return `${fitted}\n\n${marker}`
}

export function createComments(
  core: GitHubCore,
  permissions: { read: GitHubPermission; write: GitHubPermission }
) {
  const { octokit, owner, repo, repoPath, identity } = core

  async function listComments(issueNumber: number): Promise<RawComment[]> {
    return core.call(`GET ${repoPath}/issues/${issueNumber}/comments`, permissions.read, false, () =>
      octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100
      })
    )
  }

  /** The action's own comment carrying the marker, oldest first (the first one is kept current). */
  async function findOwnComment(issueNumber: number, marker: string): Promise<RawComment | undefined> {
    for (const comment of await listComments(issueNumber)) {
      if (comment.body?.includes(marker) && (await identity.isOwnAuthor(comment.user))) return comment
    }
    return undefined
  }

  /** `marker` finds the comment again after a lost answer; without one a retry cannot tell it from another. */
  async function createComment(
    issueNumber: number,
    body: string,
    marker: string | undefined,
    what: string
  ): Promise<WriteResult> {
    if (
      !core.announce(`POST ${repoPath}/issues/${issueNumber}/comments: ${what} (${body.length} characters)`)
    ) {
      return { id: 0, url: '', changed: true }
    }
    try {
      const response = await core.call(
        `POST ${repoPath}/issues/${issueNumber}/comments`,
        permissions.write,
        true,
        () => octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
      )
      identity.learnFromCreatedObject(response.data.user)
      return { id: response.data.id, url: response.data.html_url, changed: true }
    } catch (error) {
      if (!isUnanswered(error) || marker === undefined) throw error
      // No answer: the comment may exist now. Read again instead of posting it twice.
      const found = await findOwnComment(issueNumber, marker)
      if (found?.body === body) return { id: found.id, url: found.html_url, changed: true }
      throw error
    }
  }

  async function upsertStickyComment(request: StickyCommentRequest): Promise<WriteResult> {
    const marker = hiddenMarker(request.key)
    const body = bodyWithMarker(request.body, marker)
    const existing = await findOwnComment(request.issueNumber, marker)
    if (!existing) return createComment(request.issueNumber, body, marker, `sticky comment "${request.key}"`)
    if (existing.body === body) {
      core.debug(`Comment ${existing.id} on #${request.issueNumber} (${request.key}) is unchanged; no write.`)
      return { id: existing.id, url: existing.html_url, changed: false }
    }
    const line = `PATCH ${repoPath}/issues/comments/${existing.id}: sticky comment "${request.key}" on #${request.issueNumber} (${body.length} characters)`
    if (!core.announce(line)) return { id: existing.id, url: existing.html_url, changed: true }
    const response = await core.call(
      `PATCH ${repoPath}/issues/comments/${existing.id}`,
      permissions.write,
      true,
      () => octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
    )
    return { id: response.data.id, url: response.data.html_url, changed: true }
  }

  async function addIssueComment(request: IssueCommentRequest): Promise<WriteResult> {
    if (request.onceKey === undefined) {
      const body = fitText(redactMarkdown(request.body), {
        limit: BODY_LIMIT_CHARACTERS,
        unit: 'characters',
        notice: cutNotice(BODY_LIMIT_CHARACTERS, 'characters')
      })
      return createComment(request.issueNumber, body, undefined, 'comment')
    }
    const marker = hiddenMarker(`once:${request.onceKey}`)
    const existing = await findOwnComment(request.issueNumber, marker)
    if (existing) {
      core.debug(
        `Comment "${request.onceKey}" is already on #${request.issueNumber} (${existing.id}); no write.`
      )
      return { id: existing.id, url: existing.html_url, changed: false }
    }
    return createComment(
      request.issueNumber,
      bodyWithMarker(request.body, marker),
      marker,
      `comment "${request.onceKey}"`
    )
  }

  return { upsertStickyComment, addIssueComment }
}
