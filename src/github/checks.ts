/**
 * Check runs: status reports on a commit. The action's runs are matched by name, external_id and the App
 * that created them; runs of other Apps are never returned as the action's own and never modified (GitHub
 * refuses: "can only be modified by the GitHub App that created it"). A completed run is never sent back to
 * queued/in_progress, and a `stale` run (GitHub's conclusion for a run left incomplete for 14 days) counts
 * as completed: a new run replaces it. Output is cut to GitHub's byte limits.
 */
import { redact, redactMarkdown } from '../redact.js'
import { GitHubApiError } from './errors.js'
import type { GitHubCore } from './core.js'
import { isUnanswered } from './core.js'
import type { AppRef } from './identity.js'
import { cutNotice, fitText } from './truncate.js'

/** GitHub's documented limits for check runs. */
export const CHECK_LIMITS = {
  /** output.summary and output.text, in UTF-8 bytes (GitHub counts bytes, its description says characters). */
  outputBytes: 65535,
  /** Not a documented limit: a title is one line in GitHub's UI, so the action keeps it short. */
  titleCharacters: 255
} as const

export type CheckStatus = 'queued' | 'in_progress' | 'completed'
/** The conclusions the action sets. */
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required'
/** What GitHub may report besides: `stale` (set by GitHub alone) and GitHub Actions' own `startup_failure`. */
export type ObservedConclusion = CheckConclusion | 'stale' | 'startup_failure'
/** GitHub Actions' own runs may also be `requested`, `waiting` or `pending`. */
export type ObservedStatus = CheckStatus | 'requested' | 'waiting' | 'pending'

export interface DesiredCheckRun {
  sha: string
  name: string
  externalId: string
  status: CheckStatus
  conclusion?: CheckConclusion
  title: string
  summary: string
  text?: string
  /** Not compared: a link to the current workflow run would otherwise make every sync a write. */
  detailsUrl?: string
  /** ISO 8601; sent on create only. */
  startedAt?: string
  /** ISO 8601; sent when the run is completed. */
  completedAt?: string
}

export interface CheckRun {
  id: number
  name: string
  externalId: string
  status: ObservedStatus
  conclusion: ObservedConclusion | null
  title: string
  summary: string
  text: string
  htmlUrl: string
  startedAt: string | null
  completedAt: string | null
  headSha: string
  /** The App that created the run (null when GitHub does not say). */
  app: AppRef | null
  /** Created by the App whose token the action uses: only such runs are read as the action's records. */
  ownedByAction: boolean
}

export interface WriteResult {
  /** 0 when a dry run would have created the object. */
  id: number
  /** Empty when a dry run would have created the object. */
  url: string
  changed: boolean
}

export interface FindCheckRunsOptions {
  /** Also return runs of other Apps (marked `ownedByAction: false`); never use them as records. */
  includeOtherApps?: boolean
}

interface RawCheckRun {
  id: number
  name: string
  external_id: string | null
  status: string
  conclusion: string | null
  head_sha: string
  html_url: string | null
  started_at: string | null
  completed_at: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  app: { id: number; slug?: string; name: string } | null
}

/** The check run exactly as it will be sent: redacted and within GitHub's limits. */
interface PreparedCheckRun {
  status: CheckStatus
  conclusion: CheckConclusion | null
  title: string
  summary: string
  text: string
}

function appOf(raw: RawCheckRun): AppRef | null {
  return raw.app ? { id: raw.app.id, slug: raw.app.slug ?? '', name: raw.app.name } : null
}

function isCompleted(run: { status: string }): boolean {
  return run.status === 'completed'
}

function shortSha(sha: string): string {
  return sha.slice(0, 7)
}

function quoteLine(text: string, max = 80): string {
  const line = text.split('\n')[0] ?? ''
  return JSON.stringify(line.length > max ? `${line.slice(0, max - 1)}…` : line)
}

function describeState(state: { status: string; conclusion: string | null }): string {
  return state.conclusion ? `${state.status}/${state.conclusion}` : state.status
}

function fitOutput(text: string): string {
  return fitText(text, {
    limit: CHECK_LIMITS.outputBytes,
    unit: 'bytes',
    notice: cutNotice(CHECK_LIMITS.outputBytes, 'bytes'),
    keepMarkers: true
  })
}

export function prepareCheckRun(desired: DesiredCheckRun): PreparedCheckRun {
  if (!desired.name.trim()) throw new Error('A check run needs a name.')
  if (!desired.title.trim())
    throw new Error(`Check run "${desired.name}" needs a title (GitHub requires one).`)
  if (desired.status === 'completed' && !desired.conclusion) {
    throw new Error(`Check run "${desired.name}" is completed but has no conclusion.`)
  }
  if (desired.status !== 'completed' && desired.conclusion) {
    throw new Error(
      `Check run "${desired.name}" has conclusion "${desired.conclusion}" but status "${desired.status}"; a conclusion completes the run.`
    )
  }
  let title = redact(desired.title).replace(/\s+/g, ' ').trim()
  if (title.length > CHECK_LIMITS.titleCharacters)
    title = `${[...title].slice(0, CHECK_LIMITS.titleCharacters - 1).join('')}…`
  return {
    status: desired.status,
    conclusion: desired.conclusion ?? null,
    title,
    summary: fitOutput(redactMarkdown(desired.summary)),
    text: fitOutput(redactMarkdown(desired.text ?? ''))
  }
}

function differences(existing: RawCheckRun, prepared: PreparedCheckRun): string[] {
  const changed: string[] = []
  if (existing.status !== prepared.status) changed.push('status')
  if ((existing.conclusion ?? null) !== prepared.conclusion) changed.push('conclusion')
  if ((existing.output.title ?? '') !== prepared.title) changed.push('title')
  if ((existing.output.summary ?? '') !== prepared.summary) changed.push('summary')
  if ((existing.output.text ?? '') !== prepared.text) changed.push('text')
  return changed
}

/** Why an existing run of the action's cannot be updated in place, or undefined when it can. */
function replacementReason(existing: RawCheckRun, prepared: PreparedCheckRun): string | undefined {
  if (!isCompleted(existing)) return undefined
  if (existing.conclusion === 'stale') return 'it went stale (incomplete for 14 days)'
  if (prepared.status !== 'completed') return `it is completed and is never reopened as ${prepared.status}`
  return undefined
}

/** GitHub's answer when a run of another App is modified. */
function isOtherAppsRun(error: unknown): boolean {
  return (
    error instanceof GitHubApiError &&
    error.status === 403 &&
    /modified by the GitHub App that created it/i.test(error.message)
  )
}

export function createChecks(core: GitHubCore) {
  const { octokit, owner, repo, repoPath, identity } = core

  function toCheckRun(raw: RawCheckRun): CheckRun {
    const app = appOf(raw)
    return {
      id: raw.id,
      name: raw.name,
      externalId: raw.external_id ?? '',
      status: raw.status as ObservedStatus,
      conclusion: (raw.conclusion as ObservedConclusion | null) ?? null,
      title: raw.output.title ?? '',
      summary: raw.output.summary ?? '',
      text: raw.output.text ?? '',
      htmlUrl: raw.html_url ?? '',
      startedAt: raw.started_at,
      completedAt: raw.completed_at,
      headSha: raw.head_sha,
      app,
      ownedByAction: identity.isOwnApp(app)
    }
  }

  /** Every run of that name on the commit, newest first. */
  async function listRaw(sha: string, name: string): Promise<RawCheckRun[]> {
    const runs = await core.call(`GET ${repoPath}/commits/${sha}/check-runs`, 'checks: read', false, () =>
      octokit.paginate(octokit.rest.checks.listForRef, {
        owner,
        repo,
        ref: sha,
        check_name: name,
        filter: 'all',
        per_page: 100
      })
    )
    return (runs as unknown as RawCheckRun[]).sort((a, b) => b.id - a.id)
  }

  /** The runs of that name on the commit, newest first: the action's own unless `includeOtherApps`. */
  async function findCheckRuns(
    sha: string,
    name: string,
    options: FindCheckRunsOptions = {}
  ): Promise<CheckRun[]> {
    const runs = (await listRaw(sha, name)).map(toCheckRun)
    return options.includeOtherApps ? runs : runs.filter((run) => run.ownedByAction)
  }

  async function getCheckRun(id: number): Promise<CheckRun> {
    const response = await core.call(`GET ${repoPath}/check-runs/${id}`, 'checks: read', false, () =>
      octokit.rest.checks.get({ owner, repo, check_run_id: id })
    )
    return toCheckRun(response.data as unknown as RawCheckRun)
  }

  async function ownMatching(desired: DesiredCheckRun): Promise<RawCheckRun[]> {
    return (await listRaw(desired.sha, desired.name)).filter(
      (run) => identity.isOwnApp(appOf(run)) && (run.external_id ?? '') === desired.externalId
    )
  }

  async function create(
    desired: DesiredCheckRun,
    prepared: PreparedCheckRun,
    why: string
  ): Promise<WriteResult> {
    const line = `POST ${repoPath}/check-runs: "${desired.name}" on ${shortSha(desired.sha)} (${describeState(prepared)})${why} ${quoteLine(prepared.title)}`
    if (!core.announce(line)) return { id: 0, url: '', changed: true }
    try {
      const response = await core.call(`POST ${repoPath}/check-runs`, 'checks: write', true, () =>
        octokit.rest.checks.create({
          owner,
          repo,
          name: desired.name,
          head_sha: desired.sha,
          ...(desired.startedAt ? { started_at: desired.startedAt } : {}),
          ...stateFields(desired, prepared, false)
        })
      )
      const created = response.data as unknown as RawCheckRun
      identity.learnFromCreatedRun(appOf(created))
      return { id: created.id, url: created.html_url ?? '', changed: true }
    } catch (error) {
      if (!isUnanswered(error)) throw error
      // No answer: the run may exist now. Read again instead of creating a second one.
      const [found] = await ownMatching(desired)
      if (found && differences(found, prepared).length === 0) {
        core.debug(`Check run "${desired.name}" was created although GitHub did not answer (${found.id}).`)
        return { id: found.id, url: found.html_url ?? '', changed: true }
      }
      throw error
    }
  }

  async function upsertCheckRun(desired: DesiredCheckRun): Promise<WriteResult> {
    const prepared = prepareCheckRun(desired)
    // Several runs can share name and external id (reruns, replaced runs): the newest is the current one.
    const [existing] = await ownMatching(desired)
    if (!existing) return create(desired, prepared, '')
    const reason = replacementReason(existing, prepared)
    if (reason) return create(desired, prepared, `, replacing run ${existing.id}: ${reason}`)
    const changed = differences(existing, prepared)
    if (changed.length === 0) {
      core.debug(`Check run "${desired.name}" (${existing.id}) is unchanged; no write.`)
      return { id: existing.id, url: existing.html_url ?? '', changed: false }
    }
    const line = `PATCH ${repoPath}/check-runs/${existing.id}: "${desired.name}" (${describeState(existing)} → ${describeState(prepared)}; changes ${changed.join(', ')}) ${quoteLine(prepared.title)}`
    if (!core.announce(line)) return { id: existing.id, url: existing.html_url ?? '', changed: true }
    try {
      const response = await core.call(
        `PATCH ${repoPath}/check-runs/${existing.id}`,
        'checks: write',
        true,
        () =>
          octokit.rest.checks.update({
            owner,
            repo,
            check_run_id: existing.id,
            // An empty text is sent only to clear the text an earlier state had.
            ...stateFields(desired, prepared, Boolean(existing.output.text))
          })
      )
      return { id: response.data.id, url: response.data.html_url ?? '', changed: true }
    } catch (error) {
      // The run was not ours after all (github-app-slug names another App): leave it, make our own.
      if (!isOtherAppsRun(error)) throw error
      core.warn(
        `Check run ${existing.id} belongs to another GitHub App than github-token's; it is left alone and a new run is created.`
      )
      return create(desired, prepared, `, leaving run ${existing.id} of another App alone`)
    }
  }

  return { findCheckRuns, getCheckRun, upsertCheckRun }
}

/** What create and update both send: the run's identity, state and output. */
function stateFields(desired: DesiredCheckRun, prepared: PreparedCheckRun, clearText: boolean) {
  return {
    external_id: desired.externalId,
    status: prepared.status,
    ...(prepared.conclusion ? { conclusion: prepared.conclusion } : {}),
    ...(prepared.status === 'completed' && desired.completedAt ? { completed_at: desired.completedAt } : {}),
    ...(desired.detailsUrl ? { details_url: desired.detailsUrl } : {}),
    output: {
      title: prepared.title,
      summary: prepared.summary,
      ...(prepared.text || clearText ? { text: prepared.text } : {})
    }
  }
}

export type ChecksApi = ReturnType<typeof createChecks>
