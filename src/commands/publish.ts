/**
 * report, the GitHub half: check runs (one set per target, or one aggregated run for many targets) and the
 * "released in" comments on the pull requests a version releases. Every GitHub write here comes after the
 * WeChat writes, so a GitHub failure never fails silently and never loses the report: it is collected, and
 * the job summary and the outputs are written anyway (the step then fails with it).
 */
import { errorMessage } from '../errors.js'
import { GitHubPermissionError } from '../github/errors.js'
import { log } from '../log.js'
import { versionStages, type VersionStage } from '../release/outcome.js'
import type { CheckPlan, Decision, TargetObservation, TargetResult } from '../release/model.js'
import { renderCheck, type NamedCheck } from '../report/checks.js'
import { releaseCommentKey, renderReleaseComment } from '../report/comments.js'
import { renderFanOutCheck, type TargetReport } from '../report/summary.js'
import type { CommitFinder } from './commits.js'
import type { Pipeline } from './pipeline.js'
import { readReviewRecord } from './records.js'
import { MAX_RELEASED_PULLS, pullRequestsReleasedIn, type ReleasedPulls } from './released-pulls.js'

/** Above this many targets, one aggregated check run replaces the per-target ones. */
export const AGGREGATE_ABOVE = 3

/** Results that are themselves a transition of the version (its pull requests' comments follow). */
const TRANSITION_RESULTS: readonly TargetResult[] = [
  'submitted',
  'adopted',
  'released',
  'gray-started',
  'rolled-back',
  'withdrawn',
  'reverted'
]

export interface PublishResult {
  /** The first check run written (the `check-run-url` output). */
  checkRunUrl?: string
  checkRunUrls: Map<string, string[]>
  /** GitHub writes that failed after WeChat was written: the step fails, the report is still written. */
  failures: string[]
  /** Markdown lines for the summary's GitHub section (pull requests commented on, skipped checks). */
  lines: string[]
  /** Targets whose check runs (and with them the action's records) this run changed. */
  changedTargets: Set<string>
}

interface Published {
  result: PublishResult
  note(line: string): void
  fail(what: string, error: unknown): void
}

function published(): Published {
  const result: PublishResult = {
    checkRunUrls: new Map(),
    failures: [],
    lines: [],
    changedTargets: new Set()
  }
  return {
    result,
    note: (line) => result.lines.push(line),
    fail: (what, error) => {
      if (error instanceof GitHubPermissionError) {
        log.warning(`${what} not written (${error.message}); the job summary has the same report.`)
        result.lines.push(`${what} not written: the token lacks a permission (see the log).`)
        return
      }
      const message = `${what}: ${errorMessage(error)}`
      log.warning(`GitHub write failed after the WeChat writes were made. ${message}`)
      result.failures.push(message)
    }
  }
}

export interface TargetOutcome {
  decision: Decision
  run: TargetReport['run']
  observation?: TargetObservation
  /** When WeChat was observed (unix seconds, WeChat's clock). */
  observedAt?: number
}

export async function publish(
  pipeline: Pipeline,
  outcomes: TargetOutcome[],
  reports: TargetReport[],
  commits: CommitFinder
): Promise<PublishResult> {
  const state = published()
  const { github, inputs } = pipeline
  if (!github) return state.result
  if (inputs.checkRuns && outcomes.length > AGGREGATE_ABOVE) {
    await publishAggregate(pipeline, reports, commits, state)
    if (inputs.prComment) {
      state.note(
        `"Released in" comments on pull requests are left out for more than ${AGGREGATE_ABOVE} mini programs; the aggregated check run has the state.`
      )
    }
    return state.result
  }
  for (const outcome of outcomes) {
    // A failed write leaves WeChat as it was; the planned checks would describe a state that never came.
    if (outcome.run.status !== 'done' && outcome.run.status !== 'dry-run') continue
    if (!outcome.observation) continue
    try {
      await publishTarget(pipeline, outcome, outcome.observation, outcomes.length, commits, state)
    } catch (error) {
      state.fail(`GitHub report of ${outcome.decision.target}`, error)
    }
  }
  return state.result
}

async function publishAggregate(
  pipeline: Pipeline,
  reports: TargetReport[],
  commits: CommitFinder,
  state: Published
): Promise<void> {
  const { github, context } = pipeline
  if (!github) return
  try {
    const rendered = renderFanOutCheck(pipeline.command, reports)
    const version = pipeline.version ?? reports.find((report) => report.outputs.version)?.outputs.version
    const sha = (await commits.find(version)) ?? context.sha
    const result = await github.upsertCheckRun({
      sha,
      name: `WeChat release (${reports.length} mini programs)`,
      externalId: `wechat-fanout:${version ?? 'none'}`,
      status: rendered.status,
      ...(rendered.conclusion ? { conclusion: rendered.conclusion } : {}),
      title: rendered.title,
      summary: rendered.summary,
      text: rendered.text,
      detailsUrl: context.runUrl
    })
    if (result.url) state.result.checkRunUrl ??= result.url
    if (result.changed) for (const report of reports) state.result.changedTargets.add(report.decision.target)
  } catch (error) {
    state.fail('The aggregated check run', error)
  }
}

async function upsertCheck(pipeline: Pipeline, check: NamedCheck, sha: string) {
  return pipeline.github!.upsertCheckRun({
    sha,
    name: check.name,
    externalId: check.externalId,
    status: check.status,
    ...(check.conclusion ? { conclusion: check.conclusion } : {}),
    title: check.title,
    summary: check.summary,
    text: check.text,
    detailsUrl: pipeline.context.runUrl
  })
}

async function publishTarget(
  pipeline: Pipeline,
  outcome: TargetOutcome,
  observation: TargetObservation,
  targetCount: number,
  commits: CommitFinder,
  state: Published
): Promise<void> {
  const { inputs, context } = pipeline
  const { decision } = outcome
  const appid = decision.target
  const stages = inputs.prComment ? versionStages(decision, observation) : []
  const pulls = new Map<string, Promise<ReleasedPulls | undefined>>()
  const pullsOf = (stage: VersionStage) => {
    let found = pulls.get(stage.version)
    if (!found) {
      found = releasedPulls(pipeline, outcome, observation, stage, targetCount, commits)
      pulls.set(stage.version, found)
    }
    return found
  }
  // A submitted version's pull requests are worked out once and kept in its review check's record.
  const submitted = decision.outputs.result === 'submitted' || decision.outputs.result === 'adopted'
  if (submitted) {
    for (const plan of decision.checks) {
      const stage = stages.find((candidate) => candidate.version === plan.version)
      if (plan.kind !== 'review' || !stage || plan.state.record.pulls) continue
      const found = await pullsOf(stage)
      if (found) withPulls(plan, found)
    }
  }

  let changed = false
  if (inputs.checkRuns) {
    for (const plan of decision.checks) {
      const check = renderCheck(plan, { targetCount, runUrl: context.runUrl })
      const sha = (await commits.find(check.version)) ?? (check.version ? undefined : context.sha)
      if (!sha) {
        log.warning(
          `No commit found for version ${check.version} (no commit marker, no tag v${check.version}); the "${check.name}" check run is skipped, the job summary has it.`
        )
        state.note(`The "${check.name}" check run was skipped: no commit was found for its version.`)
        continue
      }
      try {
        const result = await upsertCheck(pipeline, check, sha)
        changed ||= result.changed
        if (result.changed) state.result.changedTargets.add(appid)
        if (result.url) {
          state.result.checkRunUrl ??= result.url
          state.result.checkRunUrls.set(appid, [...(state.result.checkRunUrls.get(appid) ?? []), result.url])
        }
      } catch (error) {
        state.fail(`The "${check.name}" check run of ${appid}`, error)
      }
    }
  }

  const transition = changed || TRANSITION_RESULTS.includes(decision.outputs.result ?? 'unchanged')
  if (!inputs.prComment || !transition) return
  for (const stage of stages) {
    const found = await pullsOf(stage)
    if (!found || found.pulls.length === 0) continue
    const commit = await commits.find(stage.version)
    const body = renderReleaseComment({
      appid,
      version: stage.version,
      stage: stage.stage,
      ...(stage.reason ? { reason: stage.reason } : {}),
      ...(commit ? { commit } : {})
    })
    const written: number[] = []
    for (const issueNumber of found.pulls) {
      try {
        const result = await pipeline.github!.upsertStickyComment({
          issueNumber,
          key: releaseCommentKey(appid),
          body
        })
        if (result.changed) written.push(issueNumber)
      } catch (error) {
        state.fail(`The "released in" comment on pull request #${issueNumber}`, error)
      }
    }
    if (written.length > 0) {
      state.note(
        `${appid} ${stage.stage}: "released in" comment on ${written.map((number) => `#${number}`).join(', ')}.`
      )
    }
    if (found.more) {
      state.note(
        `${appid}: more than ${MAX_RELEASED_PULLS} pull requests are in this version; only the newest ${MAX_RELEASED_PULLS} get a comment.`
      )
    }
  }
}

function withPulls(plan: CheckPlan, found: ReleasedPulls): void {
  if (plan.kind !== 'review') return
  plan.state.record = { ...plan.state.record, pulls: found.pulls, ...(found.more ? { morePulls: true } : {}) }
}

/**
 * The pull requests of a version: from the action's own review record when it has them, else worked out
 * (see released-pulls.ts) with the version online before it as the previous release.
 */
async function releasedPulls(
  pipeline: Pipeline,
  outcome: TargetOutcome,
  observation: TargetObservation,
  stage: VersionStage,
  targetCount: number,
  commits: CommitFinder
): Promise<ReleasedPulls | undefined> {
  const github = pipeline.github!
  const { decision } = outcome
  const fromRecord = (pulls: number[] | undefined, more: boolean | undefined) =>
    pulls ? { pulls, more: more === true } : undefined
  for (const plan of decision.checks) {
    if (plan.kind === 'review' && plan.version === stage.version && plan.state.record.pulls) {
      return fromRecord(plan.state.record.pulls, plan.state.record.morePulls)
    }
  }
  const head = await commits.find(stage.version)
  if (!head) return undefined
  if (observation.review.userVersion === stage.version && observation.reviewRecord?.pulls) {
    return fromRecord(observation.reviewRecord.pulls, observation.reviewRecord.morePulls)
  }
  if (observation.review.userVersion !== stage.version) {
    const recorded = await readReviewRecord(github, {
      sha: head,
      appid: decision.target,
      version: stage.version,
      targetCount
    })
    if (recorded?.pulls) return fromRecord(recorded.pulls, recorded.morePulls)
  }
  // The previous release: the rollback's target for a version rolled back from, else what was online.
  const previous =
    stage.stage === 'rolled-back' ? decision.outputs.onlineVersion : observation.versions.online?.version
  const base = previous && previous !== stage.version ? await commits.find(previous) : undefined
  return pullRequestsReleasedIn(github, head, base)
}
