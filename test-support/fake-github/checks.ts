/**
 * Check runs: output limited in UTF-8 bytes, runs owned by the App that created them, and `stale` after 14
 * days incomplete.
 */
import { appJson, type FakeAppInfo } from '../fake-github-json.js'
import type { CommitGraph } from './commits.js'
import type { FakeContext } from './context.js'
import { HttpError, invalid, notFound, validationFailed } from './errors.js'
import type { Identities } from './identities.js'
import { newestFirst, optionalString, paginate, type ParsedRequest, type Route } from './routing.js'
import type { FakeCheckRun } from './state.js'

const OUTPUT_BYTES = 65535
const STALE_AFTER_MS = 14 * 24 * 3600 * 1000

/** Time: GitHub marks a run incomplete for 14 days `stale`. */
export function markStaleRuns(context: FakeContext): void {
  for (const run of context.state.checkRuns) {
    if (run.status !== 'completed' && context.clock() - run.created_ms > STALE_AFTER_MS) {
      run.status = 'completed'
      run.conclusion = 'stale'
      run.completed_at = context.now()
    }
  }
}

function checkRunJson(context: FakeContext, run: FakeCheckRun): Record<string, unknown> {
  const repoApi = context.repoApi()
  return {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.head_sha,
    external_id: run.external_id,
    url: `${repoApi}/check-runs/${run.id}`,
    html_url: `${context.serverUrl}/${context.owner}/${context.repo}/runs/${run.id}`,
    details_url: run.details_url,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${repoApi}/check-runs/${run.id}/annotations`
    },
    name: run.name,
    check_suite: { id: run.app.id * 1000 + 1 },
    app: appJson(context.json(), run.app),
    pull_requests: []
  }
}

function checkOutputSize(output: { summary?: string; text?: string }): void {
  for (const field of ['summary', 'text'] as const) {
    const value = output[field]
    // GitHub counts bytes, although its description says characters (github/docs#35252).
    if (value !== undefined && Buffer.byteLength(value, 'utf8') > OUTPUT_BYTES) {
      throw validationFailed(
        'CheckRun',
        field,
        'custom',
        `${field} exceeds a maximum bytesize of ${OUTPUT_BYTES}`
      )
    }
  }
}

/** Applies a check-run create/update body (already valid per the schema) to `run`. */
function applyCheckFields(
  context: FakeContext,
  body: Record<string, unknown>,
  run: FakeCheckRun,
  record: ParsedRequest['record']
): void {
  const status = optionalString(body, 'status')
  const conclusion = optionalString(body, 'conclusion')
  // Documented: "You cannot change a check run conclusion to stale, only GitHub can set this."
  if (conclusion === 'stale') throw invalid(`For 'conclusion', "stale" can only be set by GitHub.`)
  if (status === 'completed' && conclusion === undefined) throw invalid(`"conclusion" wasn't supplied.`)
  const output = body.output as { title?: string; summary?: string; text?: string } | undefined
  if (output) checkOutputSize(output)
  const reopens = run.status === 'completed' && ((status !== undefined && status !== 'completed') || false)
  if (reopens) {
    record({
      kind: 'undocumented',
      message: `Check run ${run.id} is completed${run.conclusion === 'stale' ? ' (stale)' : ''}; sending it back to "${status}" is not documented: create a new run.`
    })
  } else if (run.conclusion === 'stale') {
    record({
      kind: 'undocumented',
      message: `Check run ${run.id} is stale; updating a stale run is not documented: create a new run.`
    })
  }
  if (output)
    run.output = { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null }
  if (Array.isArray(body.actions)) run.actions = body.actions as FakeCheckRun['actions']
  if (status !== undefined) run.status = status
  if (body.external_id !== undefined) run.external_id = String(body.external_id ?? '')
  if (body.details_url !== undefined) run.details_url = optionalString(body, 'details_url') ?? null
  if (body.started_at !== undefined) run.started_at = optionalString(body, 'started_at') ?? null
  if (conclusion !== undefined) {
    // A conclusion completes the run, whatever the status says.
    run.conclusion = conclusion
    run.status = 'completed'
    run.completed_at = optionalString(body, 'completed_at') ?? context.now()
  } else if (status !== undefined && status !== 'completed') {
    run.conclusion = null
    run.completed_at = null
  }
}

/** A check run made by another App (planted, or by other CI). */
export function addCheckRunOfApp(
  context: FakeContext,
  graph: CommitGraph,
  app: FakeAppInfo,
  run: Partial<Omit<FakeCheckRun, 'app' | 'id'>> & { head_sha: string; name: string }
): FakeCheckRun {
  const created: FakeCheckRun = {
    id: context.newId(),
    external_id: '',
    status: 'completed',
    conclusion: 'success',
    started_at: context.now(),
    completed_at: context.now(),
    details_url: null,
    output: { title: run.name, summary: '', text: null },
    actions: [],
    created_ms: context.clock(),
    ...run,
    app
  }
  graph.addCommit(run.head_sha)
  context.state.checkRuns.push(created)
  return created
}

export function checkRoutes(context: FakeContext, identities: Identities, graph: CommitGraph): Route[] {
  const { state, owner, repo } = context
  const { requirePermission } = identities
  const json = (run: FakeCheckRun) => checkRunJson(context, run)
  const findCheckRun = (id: string): FakeCheckRun => {
    const run = state.checkRuns.find((candidate) => candidate.id === Number(id))
    if (!run) throw notFound()
    return run
  }
  return [
    {
      method: 'GET',
      pattern: /^\/commits\/(.+)\/check-runs$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'checks', 'read')
        const sha = graph.resolveCommitish(ref ?? '')
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`)
        let runs = state.checkRuns.filter((run) => run.head_sha === sha)
        if (request.query.check_name) runs = runs.filter((run) => run.name === request.query.check_name)
        if (request.query.status) runs = runs.filter((run) => run.status === request.query.status)
        if (request.query.app_id) runs = runs.filter((run) => run.app.id === Number(request.query.app_id))
        if ((request.query.filter ?? 'latest') === 'latest') {
          const newestByName = new Map<string, FakeCheckRun>()
          for (const run of runs) {
            const key = `${run.app.id}:${run.name}`
            const seen = newestByName.get(key)
            if (!seen || seen.id < run.id) newestByName.set(key, run)
          }
          runs = [...newestByName.values()]
        }
        const page = paginate(newestFirst(runs), request, `/repos/${owner}/${repo}/commits/${ref}/check-runs`)
        return { ...page, body: { total_count: runs.length, check_runs: page.body.map(json) } }
      }
    },
    {
      method: 'POST',
      pattern: /^\/check-runs$/,
      handle: (_match, request) => {
        const { actor, body } = request
        // "To create a check run, you must use a GitHub App."
        if (actor.kind !== 'app') throw new HttpError(403, 'You must authenticate via a GitHub App.')
        requirePermission(actor, 'checks', 'write')
        const headSha = String(body.head_sha)
        if (!state.commits.has(headSha)) throw new HttpError(422, `No commit found for SHA: ${headSha}`)
        const run: FakeCheckRun = {
          id: context.newId(),
          head_sha: headSha,
          name: String(body.name),
          external_id: '',
          status: 'queued',
          conclusion: null,
          started_at: context.now(),
          completed_at: null,
          details_url: null,
          output: { title: null, summary: null, text: null },
          actions: [],
          app: actor.app,
          created_ms: context.clock()
        }
        applyCheckFields(context, body, run, request.record)
        state.checkRuns.push(run)
        return { status: 201, body: json(run) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'checks', 'read')
        return { status: 200, body: json(findCheckRun(id ?? '')) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/check-runs\/(\d+)$/,
      handle: ([, id], request) => {
        const { actor } = request
        if (actor.kind !== 'app') throw new HttpError(403, 'You must authenticate via a GitHub App.')
        requirePermission(actor, 'checks', 'write')
        const run = findCheckRun(id ?? '')
        if (run.app.id !== actor.app.id) {
          throw new HttpError(
            403,
            `Invalid app_id \`${run.app.id}\` - check run can only be modified by the GitHub App that created it.`
          )
        }
        const updated: FakeCheckRun = structuredClone(run)
        if (request.body.name !== undefined) updated.name = optionalString(request.body, 'name') ?? run.name
        applyCheckFields(context, request.body, updated, request.record)
        Object.assign(run, updated)
        return { status: 200, body: json(run) }
      }
    }
  ]
}
