/**
 * The per-target pipeline every lifecycle command runs: observe → decide → act → report.
 * `decide` is pure (src/release); this file does the I/O around it. Dry-run runs the same pipeline and
 * prints the writes instead of making them, so what it prints is exactly what a real run would do.
 */
import type { RunContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { GitHubClient } from '../github/client.js'
import { GitHubPermissionError } from '../github/errors.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { mapSettled } from '../concurrency.js'
import {
  decide,
  describeWrite,
  checkName,
  grayVersionOf,
  withAuditId,
  withTesterOutcomes,
  decideAdvance
} from '../release/decide.js'
import {
  isGrayActive,
  type Decision,
  type DesiredCheck,
  type PlannedWrite,
  type TargetObservation
} from '../release/model.js'
import { parseRecorded, parseRecordedReview } from '../release/recorded.js'
import type { ReleaseCommand, ReleaseSettings } from '../release/settings.js'
import { renderFanOutCheck, renderJobSummary, type TargetRunResult } from '../report/summary.js'
import { renderReviewComment } from '../report/comments.js'
import { countdownText } from '../report/checks.js'
import type { GrayDesiredCheck } from '../release/common.js'
import { WeChatApiError } from '../wechat/errors.js'
import type { WeChatClient } from '../wechat/client.js'
import { observeHealth, observeTarget } from './observe.js'
import type { CommandResult } from './types.js'
import { wechatNow } from './wechat.js'

/** Above this many targets, one aggregated check run replaces the per-target ones. */
export const AGGREGATE_ABOVE = 3

export interface Pipeline {
  inputs: Inputs
  context: RunContext
  client: WeChatClient
  github: GitHubClient | undefined
  command: ReleaseCommand
  /** `gray` from a check-run button: take the schedule's next step now. */
  advance?: boolean
  /** The version the user means: input `version`, the tag, or the check run a button was pressed on. */
  version?: string
  /**
   * The version whose commit is this run's commit (submit builds it; a button is pressed on its check run).
   * Other versions are found by their tag.
   */
  versionAtRunCommit?: string
  /** Names checks as for this many targets (a button pressed on "WeChat gray release (wx…)" keeps that name). */
  nameTargetCount?: number
  /** Runs before the writes of a decision that submits (submit uploads the code only when it will be submitted). */
  beforeSubmit?: (appid: string) => Promise<void>
  startedAt: number
}

export interface TargetOutcome {
  decision: Decision
  run: TargetRunResult
  observation?: TargetObservation
}

export function releaseSettings(pipeline: Pipeline, now: number, targetCount: number): ReleaseSettings {
  const { inputs } = pipeline
  return {
    command: pipeline.command,
    ...(pipeline.version ? { version: pipeline.version } : {}),
    route: inputs.route,
    releaseOnApproval: inputs.releaseOnApproval,
    ...(inputs.rollbackTo ? { rollbackTo: inputs.rollbackTo } : {}),
    ...(inputs.reviewItems ? { reviewItems: inputs.reviewItems.map((item) => ({ ...item })) } : {}),
    ...(inputs.reviewNotes ? { reviewNotes: inputs.reviewNotes } : {}),
    ...(inputs.feedback ? { feedback: inputs.feedback } : {}),
    ...(inputs.feedbackMedia.length > 0 ? { feedbackMedia: inputs.feedbackMedia } : {}),
    ...(inputs.privacyApiNotUse !== undefined
      ? { privacy: { privacyApiNotUse: inputs.privacyApiNotUse } }
      : {}),
    ...(inputs.grayPercent !== undefined ? { grayPercent: inputs.grayPercent } : {}),
    grayProjectMembers: inputs.grayProjectMembers,
    grayExperienceMembers: inputs.grayExperienceMembers,
    grayWhitelist: inputs.grayWhitelist,
    ...(inputs.graySchedule ? { graySchedule: inputs.graySchedule } : {}),
    grayDeadlineAction: inputs.grayDeadlineAction,
    grayDeadlineMarginHours: inputs.grayDeadlineMarginHours,
    ...(inputs.healthGate ? { healthGate: inputs.healthGate } : {}),
    ...(inputs.deploymentEnvironment ? { deploymentEnvironment: inputs.deploymentEnvironment } : {}),
    targetCount,
    runUrl: pipeline.context.runUrl,
    now
  }
}

/** Finds the commit a WeChat version came from: its tag (v1.2.3 or 1.2.3), else this run's commit. */
export class CommitFinder {
  private readonly cache = new Map<string, Promise<string | undefined>>()
  constructor(
    private readonly github: GitHubClient | undefined,
    private readonly fallbackSha: string,
    private readonly fallbackVersion: string | undefined
  ) {}

  find(version: string | undefined): Promise<string | undefined> {
    if (!version) return Promise.resolve(undefined)
    if (version === this.fallbackVersion) return Promise.resolve(this.fallbackSha)
    let found = this.cache.get(version)
    if (!found) {
      found = this.lookup(version)
      this.cache.set(version, found)
    }
    return found
  }

  private readonly descriptions = new Map<string, string>()

  /** The version's description, whose `[abc1234]` marker names its commit when no tag does. */
  remember(version: string | undefined, description: string | undefined): void {
    if (version && description) this.descriptions.set(version, description)
  }

  private async lookup(version: string): Promise<string | undefined> {
    if (!this.github) return undefined
    for (const tag of [`v${version}`, version]) {
      const resolved = await this.github.resolveTag(tag)
      if (resolved) return resolved.sha
    }
    const marker = /\[([0-9a-f]{7,40})\]/.exec(this.descriptions.get(version) ?? '')
    return marker ? this.github.resolveCommit(marker[1] as string) : undefined
  }
}

async function recordedRollout(
  pipeline: Pipeline,
  commits: CommitFinder,
  observation: TargetObservation,
  targetCount: number
): Promise<void> {
  if (!pipeline.github || !isGrayActive(observation.gray)) return
  const candidate = observation.review.status === 'approved' ? observation.review.userVersion : undefined
  const sha = await commits.find(candidate)
  if (!sha) return
  const name = checkName('gray', observation.appid, targetCount)
  const runs = await pipeline.github.findCheckRuns(sha, name)
  for (const run of runs) {
    const recorded = parseRecorded(run.text)
    if (recorded && recorded.version === candidate) {
      observation.recorded = recorded
      return
    }
  }
}

/** WeChat does not say whether a review was expedited; the review check run remembers it. */
async function recordedReview(
  pipeline: Pipeline,
  commits: CommitFinder,
  observation: TargetObservation,
  targetCount: number
): Promise<void> {
  if (!pipeline.github || observation.review.status !== 'under_review') return
  const sha = await commits.find(observation.review.userVersion)
  if (!sha) return
  const name = checkName('review', observation.appid, targetCount)
  for (const run of await pipeline.github.findCheckRuns(sha, name)) {
    const recorded = parseRecordedReview(run.text)
    if (recorded && recorded.auditId === observation.review.auditId && recorded.spedUp) {
      observation.review.spedUp = true
    }
  }
}

/** WeChat checks new code for privacy APIs for about a minute; submit_audit answers 61039 until it is done. */
export const PRIVACY_DETECTION_WAIT_MS = 180_000
const PRIVACY_DETECTION_POLL_MS = 15_000

async function submitWhenDetectionDone<T>(submit: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PRIVACY_DETECTION_WAIT_MS
  for (;;) {
    try {
      return await submit()
    } catch (error) {
      // 61039 is a refusal (nothing was submitted), so asking again is safe.
      if (!(error instanceof WeChatApiError && error.errcode === 61039) || Date.now() > deadline) throw error
      log.info(
        `WeChat is still checking the new code for privacy APIs (61039); asking again in ${PRIVACY_DETECTION_POLL_MS / 1000} s.`
      )
      await new Promise((resolve) => setTimeout(resolve, PRIVACY_DETECTION_POLL_MS))
    }
  }
}

/**
 * "Roll back to the previous version" is not idempotent: run twice, it goes two versions back, and WeChat keeps
 * no trace of a rollback. So the rollback's deployment is recorded before WeChat is called, with this workflow
 * run's id: a rerun of the same run (after a crash) finds it and goes to the same version instead of further.
 */
async function guardRollbackRerun(
  pipeline: Pipeline,
  observation: TargetObservation,
  settings: ReleaseSettings
): Promise<void> {
  const environment = settings.deploymentEnvironment
  if (!pipeline.github || !environment) return
  const deployments = await pipeline.github.listDeployments(environment, { limit: 5 })
  const earlier = deployments.find(
    (deployment) =>
      deployment.payload.appid === observation.appid &&
      deployment.operation === 'rollback' &&
      deployment.payload.runId === pipeline.context.runId
  )
  if (earlier?.version) {
    log.info(
      `${observation.appid}: this workflow run already started a rollback to ${earlier.version}; the rerun goes to the same version.`
    )
    settings.rollbackTo = earlier.version
  }
}

function testerErrcode(error: unknown): number {
  if (error instanceof WeChatApiError) return error.errcode
  throw error
}

/** A rollback's deployment goes first (write-ahead, see guardRollbackRerun); every other write keeps its order. */
function writeAheadOrder(writes: PlannedWrite[]): PlannedWrite[] {
  const ahead = writes.filter((write) => write.kind === 'deployment' && write.operation === 'rollback')
  if (ahead.length === 0 || !writes.some((write) => write.kind === 'revertcoderelease')) return writes
  return [...ahead, ...writes.filter((write) => !ahead.includes(write))]
}

/** WeChat refused the rollback: the deployment recorded ahead of it must not say it happened. */
async function recordFailedRollback(pipeline: Pipeline, appid: string, planned: Decision): Promise<void> {
  const record = planned.writes.find((write) => write.kind === 'deployment' && write.operation === 'rollback')
  if (!pipeline.github || record?.kind !== 'deployment') return
  try {
    await pipeline.github.recordDeployment({
      ref: pipeline.context.sha,
      environment: record.environment,
      version: record.version,
      operation: 'rollback',
      description: `rollback ${record.version} (${appid}) failed`,
      payload: { appid, version: record.version, operation: 'rollback', runId: pipeline.context.runId },
      logUrl: pipeline.context.runUrl,
      state: 'failure'
    })
  } catch (error) {
    log.warning(`The failed rollback was not recorded on GitHub: ${errorMessage(error)}`)
  }
}

/** act: make the decision's writes in order; stops at the first failed write (the rest are not attempted). */
async function act(
  pipeline: Pipeline,
  observation: TargetObservation,
  settings: ReleaseSettings,
  planned: Decision,
  commits: CommitFinder
): Promise<{ decision: Decision; run: TargetRunResult }> {
  const { client, github, inputs } = pipeline
  const appid = observation.appid
  let decision = planned
  const run: TargetRunResult = { target: appid, status: inputs.dryRun ? 'dry-run' : 'done', writesMade: 0 }
  if (inputs.dryRun) {
    for (const write of planned.writes) log.info(`[dry-run] ${appid}: would ${describeWrite(write)}`)
    return { decision, run }
  }
  const testerErrcodes: Record<string, number> = {}
  for (const write of writeAheadOrder(planned.writes)) {
    try {
      log.info(`${appid}: ${describeWrite(write)}`)
      switch (write.kind) {
        case 'submit_audit': {
          await pipeline.beforeSubmit?.(appid)
          const submitted = await submitWhenDetectionDone(() =>
            client.submitAuditOnce(appid, write.body, {
              userVersion: settings.version ?? '',
              startedAt: pipeline.startedAt
            })
          )
          decision = withAuditId(decision, observation, settings, submitted.auditid)
          if (submitted.adopted) {
            decision.outputs.result = 'adopted'
            decision.notes.push(
              `Review ${submitted.auditid} already existed; it was adopted, not submitted again.`
            )
          }
          break
        }
        case 'release':
          try {
            await client.release(appid)
          } catch (error) {
            // 85052: already released (a rerun after the release went through); nothing left to do.
            if (!(error instanceof WeChatApiError && error.errcode === 85052)) throw error
            decision.notes.push('WeChat says this version is already released.')
          }
          break
        case 'grayrelease':
          await client.grayRelease(appid, {
            gray_percentage: write.gray_percentage,
            support_debuger_first: write.support_debuger_first,
            support_experiencer_first: write.support_experiencer_first
          })
          break
        case 'revertgrayrelease':
          await client.revertGrayRelease(appid)
          break
        case 'revertcoderelease':
          await client.revertCodeRelease(appid, write.appVersion)
          break
        case 'undocodeaudit':
          await client.undoCodeAudit(appid)
          break
        case 'speedupaudit':
          await client.speedupAudit(appid, write.auditId)
          break
        case 'bind_tester':
          try {
            await client.bindTester(appid, write.wechatid)
            testerErrcodes[write.wechatid] = 0
          } catch (error) {
            // One ID that cannot be bound does not stop the others; the report lists each outcome.
            testerErrcodes[write.wechatid] = testerErrcode(error)
          }
          break
        case 'deployment':
          if (github) {
            const ref = (await commits.find(write.version)) ?? pipeline.context.sha
            try {
              await github.recordDeployment({
                ref,
                environment: write.environment,
                version: write.version,
                description: `${write.operation} ${write.version} (${appid})`,
                payload: {
                  appid,
                  version: write.version,
                  operation: write.operation,
                  runId: pipeline.context.runId
                },
                logUrl: pipeline.context.runUrl,
                state: write.state
              })
            } catch (error) {
              // WeChat already did the release or rollback; a missing record must not fail the run.
              log.warning(`The deployment was not recorded on GitHub: ${errorMessage(error)}`)
            }
          }
          break
      }
      run.writesMade = (run.writesMade ?? 0) + 1
    } catch (error) {
      run.status = 'failed'
      run.error = errorMessage(error)
      if (write.kind === 'revertcoderelease') await recordFailedRollback(pipeline, appid, planned)
      break
    }
  }
  if (Object.keys(testerErrcodes).length > 0) {
    run.testerOutcomes = testerErrcodes
    decision = withTesterOutcomes(decision, settings, testerErrcodes)
  }
  return { decision, run }
}

async function runTarget(
  pipeline: Pipeline,
  appid: string,
  targetCount: number,
  commits: CommitFinder
): Promise<TargetOutcome> {
  const { client, inputs } = pipeline
  const needs = {
    history: pipeline.command === 'rollback',
    quota: pipeline.command === 'submit' || pipeline.command === 'speedup'
  }
  const observation = await observeTarget(client, appid, needs)
  commits.remember(observation.review.userVersion, observation.review.description)
  const now = wechatNow(client)
  const settings = releaseSettings(pipeline, now, targetCount)
  await recordedRollout(pipeline, commits, observation, targetCount)
  if (pipeline.command === 'speedup') await recordedReview(pipeline, commits, observation, targetCount)
  if (inputs.healthGate && isGrayActive(observation.gray)) {
    const health = await observeHealth(client, observation, grayVersionOf(observation), now)
    if (health) observation.jsErrors = health
  }
  if (pipeline.command === 'rollback' && !settings.rollbackTo)
    await guardRollbackRerun(pipeline, observation, settings)
  const planned = pipeline.advance ? decideAdvance(observation, settings) : decide(observation, settings)
  if (planned.refused) {
    log.warning(`${appid}: ${planned.refused}`)
    return { decision: planned, run: { target: appid, status: 'done', writesMade: 0 }, observation }
  }
  const { decision, run } = await act(pipeline, observation, settings, planned, commits)
  return { decision, run, observation }
}

function failedDecision(appid: string, error: unknown): Decision {
  const message = errorMessage(error)
  return {
    target: appid,
    writes: [],
    notes: [],
    outputs: { appid, result: 'failed', message },
    checks: []
  }
}

/** report: check runs (one per target, or one table for many), PR comments, and the job summary. */
async function report(
  pipeline: Pipeline,
  outcomes: TargetOutcome[],
  commits: CommitFinder
): Promise<{ checkRunUrl?: string }> {
  const { github, inputs, context } = pipeline
  if (!github || !inputs.checkRuns) return {}
  let checkRunUrl: string | undefined
  const upsert = async (check: DesiredCheck | (DesiredCheck & { version?: string }), sha: string) => {
    const result = await github.upsertCheckRun({
      sha,
      name: check.name,
      externalId: check.externalId,
      status: check.status,
      ...(check.conclusion ? { conclusion: check.conclusion } : {}),
      title: check.title,
      summary: check.summary,
      text: check.text,
      detailsUrl: context.runUrl
    })
    checkRunUrl ??= result.url
    return result
  }
  try {
    if (outcomes.length > AGGREGATE_ABOVE) {
      const decisions = outcomes.map((outcome) => outcome.decision)
      const rendered = renderFanOutCheck(
        pipeline.command,
        decisions,
        outcomes.map((outcome) => outcome.run)
      )
      const version =
        pipeline.version ?? decisions.find((decision) => decision.outputs.version)?.outputs.version
      const sha = (await commits.find(version)) ?? context.sha
      await upsert(
        {
          kind: 'review',
          name: `WeChat release (${outcomes.length} mini programs)`,
          externalId: `wechat-fanout:${version ?? 'none'}`,
          ...rendered,
          text: rendered.text
        },
        sha
      )
      return checkRunUrl ? { checkRunUrl } : {}
    }
    for (const outcome of outcomes) {
      // A failed write leaves WeChat as it was; the planned checks would describe a state that never came.
      if (outcome.run.status === 'failed') continue
      for (const check of outcome.decision.checks) {
        const sha = (await commits.find(check.version)) ?? (check.version ? undefined : context.sha)
        if (!sha) {
          log.warning(
            `No commit found for version ${check.version} (no tag v${check.version}); the "${check.name}" check run is skipped, the job summary has it.`
          )
          continue
        }
        const result = await upsert(check, sha)
        if (result.changed && check.kind === 'review' && inputs.prComment && outcome.observation) {
          await commentOnPullRequests(pipeline, outcome, sha, result.url)
        }
      }
    }
  } catch (error) {
    if (!(error instanceof GitHubPermissionError)) throw error
    log.warning(`Check runs were not written (${error.message}); the job summary has the same report.`)
  }
  return checkRunUrl ? { checkRunUrl } : {}
}

async function commentOnPullRequests(
  pipeline: Pipeline,
  outcome: TargetOutcome,
  sha: string,
  checkUrl: string
): Promise<void> {
  const { github, context } = pipeline
  const observation = outcome.observation
  if (!github || !observation) return
  const numbers = context.prNumber
    ? [context.prNumber]
    : (await github.findPullRequestsForCommit(sha)).filter((pr) => pr.state === 'open').map((pr) => pr.number)
  const review = outcome.decision.outputs.auditId
    ? { ...observation.review, auditId: outcome.decision.outputs.auditId }
    : observation.review
  for (const issueNumber of numbers) {
    await github.upsertStickyComment({
      issueNumber,
      key: `review:${observation.appid}`,
      body: renderReviewComment({
        appid: observation.appid,
        review,
        commit: sha,
        runUrl: context.runUrl,
        checkUrl,
        ...(observation.versions.online ? { onlineVersion: observation.versions.online.version } : {}),
        gray: observation.gray,
        releaseOnApproval: pipeline.inputs.releaseOnApproval
      })
    })
  }
}

/** The 15-day limit nearing (or passed) is a warning annotation on the run, not only a line in a check. */
function warnAboutDeadlines(outcomes: TargetOutcome[]): void {
  for (const { decision } of outcomes) {
    for (const check of decision.checks) {
      const deadline = (check as Partial<GrayDesiredCheck>).source?.deadline
      if (check.kind === 'gray' && deadline && deadline.phase !== 'ok') {
        log.warning(`${decision.target}: ${countdownText(deadline)}`)
      }
    }
  }
}

/** Runs the pipeline over every target (bounded concurrency; every target completes) and reports. */
export async function runPipeline(pipeline: Pipeline, targets: string[]): Promise<CommandResult> {
  const commits = new CommitFinder(pipeline.github, pipeline.context.sha, pipeline.versionAtRunCommit)
  const settled = await mapSettled(targets, pipeline.inputs.concurrency, (appid) =>
    runTarget(pipeline, appid, pipeline.nameTargetCount ?? targets.length, commits)
  )
  const outcomes: TargetOutcome[] = settled.map((result, index) => {
    const appid = targets[index] as string
    if (result.status === 'fulfilled') return result.value
    return {
      decision: failedDecision(appid, result.reason),
      run: { target: appid, status: 'failed', writesMade: 0, error: errorMessage(result.reason) }
    }
  })
  warnAboutDeadlines(outcomes)
  const { checkRunUrl } = await report(pipeline, outcomes, commits)
  const decisions = outcomes.map((outcome) => outcome.decision)
  const results = outcomes.map((outcome) => outcome.run)
  const failures: string[] = []
  for (const outcome of outcomes) {
    const { decision, run } = outcome
    if (run.status === 'failed') failures.push(`${decision.target}: ${run.error ?? 'failed'}`)
    // A refused explicit command fails the step; sync only reports.
    else if (decision.refused && pipeline.command !== 'sync')
      failures.push(`${decision.target}: ${decision.refused}`)
  }
  const first = decisions[0]?.outputs ?? {}
  return {
    outputs: {
      ...(first.version ? { version: first.version } : {}),
      ...(first.auditId !== undefined ? { 'audit-id': first.auditId } : {}),
      ...(first.reviewStatus ? { 'review-status': first.reviewStatus } : {}),
      ...(first.grayPercentage !== undefined ? { 'gray-percentage': first.grayPercentage } : {}),
      ...(first.grayStatus ? { 'gray-status': first.grayStatus } : {}),
      ...(first.onlineVersion ? { 'online-version': first.onlineVersion } : {}),
      ...(checkRunUrl ? { 'check-run-url': checkRunUrl } : {}),
      result: JSON.stringify(
        outcomes.map(({ decision, run }) => ({
          ...decision.outputs,
          appid: decision.target,
          result: run.status === 'failed' ? 'failed' : decision.outputs.result,
          message: run.status === 'failed' ? run.error : (decision.outputs.message ?? decision.refused ?? ''),
          notes: decision.notes
        }))
      )
    },
    summary: renderJobSummary(pipeline.command, decisions, results),
    failures
  }
}
