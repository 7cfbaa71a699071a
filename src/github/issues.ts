/**
 * Issues the action keeps (the release dashboard): found by label, hidden marker and author, created on first
 * need with its label, and updated only when the body the action would send differs from GitHub's. An issue
 * someone else opened with the same label and marker is never taken for the action's own.
 */
import { redact, redactMarkdown } from '../redact.js'
import type { WriteResult } from './checks.js'
import { bodyWithMarker, BODY_LIMIT_CHARACTERS } from './comments.js'
import type { GitHubCore } from './core.js'
import { isUnanswered, unlessNotFound } from './core.js'
import { GitHubApiError } from './errors.js'
import { hiddenMarker } from './markers.js'
import { cutNotice, fitText } from './truncate.js'

export interface LabelSpec {
  name: string
  /** Six hex digits, without `#`. */
  color: string
  description?: string
}

export interface IssueRef {
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  htmlUrl: string
  author: { login: string; type: string } | null
  labels: string[]
  /** The author is the action's own login (see identity.ts). */
  ownedByAction: boolean
  createdAt: string
  updatedAt: string
}

export interface OwnIssueQuery {
  label: string
  /** The key of the hidden marker the issue's body carries. */
  markerKey: string
}

export interface IssueUpsert {
  label: LabelSpec
  markerKey: string
  title: string
  /** The body without the marker; the marker is appended. */
  body: string
  /** What to do when the action's issue was closed by someone: reopen it (default) or leave it closed. */
  whenClosed?: 'reopen' | 'leave'
}

export interface IssueWriteResult extends WriteResult {
  /** The issue's number; 0 when a dry run would have created it. */
  number: number
  created: boolean
}

interface RawIssue {
  number: number
  title: string
  body?: string | null
  state: string
  html_url: string
  user: { login: string; type: string } | null
  labels: Array<string | { name?: string }>
  pull_request?: unknown
  created_at: string
  updated_at: string
}

const LABEL_COLOR = /^[0-9a-fA-F]{6}$/

/** The issue body exactly as it is sent: redacted, within GitHub's limit, ending with the marker. */
export function issueBody(body: string, markerKey: string): string {
  return bodyWithMarker(body, hiddenMarker(markerKey))
}

export function createIssues(core: GitHubCore) {
  const { octokit, owner, repo, repoPath, identity } = core

  async function toIssueRef(raw: RawIssue): Promise<IssueRef> {
    const author = raw.user ? { login: raw.user.login, type: raw.user.type } : null
    return {
      number: raw.number,
      title: raw.title,
      body: raw.body ?? '',
      state: raw.state === 'closed' ? 'closed' : 'open',
      htmlUrl: raw.html_url,
      author,
      labels: raw.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))),
      ownedByAction: await identity.isOwnAuthor(author),
      createdAt: raw.created_at,
      updatedAt: raw.updated_at
    }
  }

  async function getIssue(issueNumber: number): Promise<IssueRef | undefined> {
    const response = await unlessNotFound(() =>
      core.call(`GET ${repoPath}/issues/${issueNumber}`, 'issues: read', false, () =>
        octokit.rest.issues.get({ owner, repo, issue_number: issueNumber })
      )
    )
    if (!response || (response.data as RawIssue).pull_request) return undefined
    return toIssueRef(response.data as RawIssue)
  }

  /** The action's own issue with that label and marker: an open one first, else the newest closed one. */
  async function findOwnIssue(query: OwnIssueQuery): Promise<IssueRef | undefined> {
    const marker = hiddenMarker(query.markerKey)
    const issues = await core.call(
      `GET ${repoPath}/issues?labels=${query.label}`,
      'issues: read',
      false,
      () =>
        octokit.paginate(octokit.rest.issues.listForRepo, {
          owner,
          repo,
          labels: query.label,
          state: 'all',
          sort: 'created',
          direction: 'asc',
          per_page: 100
        })
    )
    const own: IssueRef[] = []
    for (const raw of issues as RawIssue[]) {
      // The issues API lists pull requests too.
      if (raw.pull_request || !(raw.body ?? '').includes(marker)) continue
      const issue = await toIssueRef(raw)
      if (issue.ownedByAction) own.push(issue)
    }
    return own.find((issue) => issue.state === 'open') ?? own.at(-1)
  }

  async function ensureLabel(label: LabelSpec): Promise<{ changed: boolean }> {
    if (!LABEL_COLOR.test(label.color)) {
      throw new Error(`Label color "${label.color}" must be six hex digits without "#".`)
    }
    const existing = await unlessNotFound(() =>
      core.call(`GET ${repoPath}/labels/${label.name}`, 'issues: read', false, () =>
        octokit.rest.issues.getLabel({ owner, repo, name: label.name })
      )
    )
    if (existing) return { changed: false }
    if (!core.announce(`POST ${repoPath}/labels: "${label.name}"`)) return { changed: true }
    try {
      await core.call(`POST ${repoPath}/labels`, 'issues: write', true, () =>
        octokit.rest.issues.createLabel({
          owner,
          repo,
          name: label.name,
          color: label.color,
          ...(label.description ? { description: label.description.slice(0, 100) } : {})
        })
      )
    } catch (error) {
      // Another job created it in between.
      if (!(
        error instanceof GitHubApiError &&
        error.status === 422 &&
        /already_exists|already exists/i.test(error.message)
      )) {
        throw error
      }
    }
    return { changed: true }
  }

  async function createIssue(request: IssueUpsert): Promise<IssueWriteResult> {
    await ensureLabel(request.label)
    const body = issueBody(redactMarkdown(request.body), request.markerKey)
    const title = oneLine(request.title)
    if (
      !core.announce(
        `POST ${repoPath}/issues: "${title}" labelled ${request.label.name} (${body.length} characters)`
      )
    ) {
      return { id: 0, number: 0, url: '', changed: true, created: true }
    }
    try {
      const response = await core.call(`POST ${repoPath}/issues`, 'issues: write', true, () =>
        octokit.rest.issues.create({ owner, repo, title, body, labels: [request.label.name] })
      )
      identity.learnFromCreatedObject(response.data.user)
      return {
        id: response.data.id,
        number: response.data.number,
        url: response.data.html_url,
        changed: true,
        created: true
      }
    } catch (error) {
      if (!isUnanswered(error)) throw error
      // No answer: the issue may exist now. Read again instead of opening a second dashboard.
      const found = await findOwnIssue({ label: request.label.name, markerKey: request.markerKey })
      if (found?.body === body)
        return { id: 0, number: found.number, url: found.htmlUrl, changed: true, created: true }
      throw error
    }
  }

  /**
   * Sets the title and body of an issue of the action's; writes only when what would be sent differs from
   * what GitHub has (compared exactly, after redaction, cutting and the marker). `current` saves a read.
   */
  async function updateIssue(
    issueNumber: number,
    update: { title?: string; body?: string; markerKey?: string; state?: 'open' | 'closed' },
    current?: IssueRef
  ): Promise<IssueWriteResult> {
    const issue = current ?? (await getIssue(issueNumber))
    if (!issue) throw new GitHubApiError(`GET ${repoPath}/issues/${issueNumber}`, 404, 'Not Found')
    if (!issue.ownedByAction) {
      throw new Error(
        `Issue #${issueNumber} was not opened by the action's token (${issue.author?.login ?? 'unknown'}); it is left alone.`
      )
    }
    const body =
      update.body === undefined
        ? undefined
        : update.markerKey
          ? issueBody(update.body, update.markerKey)
          : fitText(redactMarkdown(update.body), {
              limit: BODY_LIMIT_CHARACTERS,
              unit: 'characters',
              notice: cutNotice(BODY_LIMIT_CHARACTERS, 'characters')
            })
    const title = update.title === undefined ? undefined : oneLine(update.title)
    const changes = {
      ...(title !== undefined && title !== issue.title ? { title } : {}),
      ...(body !== undefined && body !== issue.body ? { body } : {}),
      ...(update.state !== undefined && update.state !== issue.state ? { state: update.state } : {})
    }
    const result = { id: 0, number: issueNumber, url: issue.htmlUrl, created: false }
    if (Object.keys(changes).length === 0) {
      core.debug(`Issue #${issueNumber} is unchanged; no write.`)
      return { ...result, changed: false }
    }
    if (!core.announce(`PATCH ${repoPath}/issues/${issueNumber}: ${Object.keys(changes).join(', ')}`)) {
      return { ...result, changed: true }
    }
    const response = await core.call(`PATCH ${repoPath}/issues/${issueNumber}`, 'issues: write', true, () =>
      octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, ...changes })
    )
    return { ...result, id: response.data.id, url: response.data.html_url, changed: true }
  }

  /** Finds the action's issue and brings it to this title and body (reopened unless asked not to), or creates it. */
  async function upsertIssue(request: IssueUpsert): Promise<IssueWriteResult> {
    const existing = await findOwnIssue({ label: request.label.name, markerKey: request.markerKey })
    if (!existing) return createIssue(request)
    return updateIssue(
      existing.number,
      {
        title: request.title,
        body: request.body,
        markerKey: request.markerKey,
        ...(request.whenClosed === 'leave' ? {} : { state: 'open' as const })
      },
      existing
    )
  }

  return { getIssue, findOwnIssue, ensureLabel, createIssue, updateIssue, upsertIssue }
}

function oneLine(text: string): string {
  return redact(text).replace(/\s+/g, ' ').trim().slice(0, 256)
}
