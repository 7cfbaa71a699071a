/**
 * The per-target pipeline every lifecycle command runs: observe → decide → act → report.
 * `decide` is pure (src/release) and `report/` renders; this file does the I/O around them. Dry-run runs
 * the same pipeline and prints the writes instead of making them, so what it prints is exactly what a real
 * run would do. What the run reports (outputs, summary, check runs) is what was observed and what was
 * actually done (release/outcome.ts), and it is written even when a GitHub write fails.
 */
import type { RunContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { GitHubClient } from '../github/client.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { countdownText } from '../release/deadline.js'
import { refusal } from '../release/common.js'
import { decide, decideAdvance, withInferences } from '../release/decide.js'
import type { ActResult, Decision, TargetObservation } from '../release/model.js'
import { reportedOutputs } from '../release/outcome.js'
import type { ReleaseCommand, ReleaseSettings } from '../release/settings.js'
import { renderJobSummary, type TargetReport } from '../report/summary.js'
import type { WeChatClient } from '../wechat/client.js'
import { act } from './act.js'
import { CommitFinder } from './commits.js'
import { FAN_OUT_DEADLINE_MS, mapUntilDeadline } from './fan-out.js'
import { refreshDashboard } from './dashboard.js'
import { observeFully } from './observation.js'
import { publish, type TargetOutcome } from './publish.js'
import type { CommandResult } from './types.js'

export interface Pipeline {
  inputs: Inputs
  context: RunContext
  client: WeChatClient
  github: GitHubClient | undefined
  command: ReleaseCommand
  /** `gray`: take the schedule's next step now (decideAdvance), whatever its dwell. */
  advance?: boolean
  /** The version the user means: input `version` or the tag. */
  version?: string
  /** The version whose commit is this run's commit (submit builds it; a tag push names it). */
  versionAtRunCommit?: string
  /** Runs before the writes of a decision that submits (submit uploads the code only when it will be submitted). */
  beforeSubmit?: (appid: string) => Promise<void>
  /**
   * A dashboard tick's check against the observation the decision is made from (the box still applies, with
   * the fingerprint it was rendered with); a message refuses the target before anything is written.
   */
  guard?: (observation: TargetObservation, settings: ReleaseSettings) => string | undefined
  /** A dashboard tick: its refusal is answered on the dashboard and does not fail the step. */
  tick?: boolean
  /** Milliseconds; when the run started. */
  startedAt: number
  /** Milliseconds since the epoch; injected so that tests never wait. */
  clock: () => number
  sleep: (ms: number) => Promise<void>
}

/** The clock and sleep of a real run. */
export const realTime = {
  clock: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
}

export function releaseSettings(pipeline: Pipeline, now: number): ReleaseSettings {
  const { inputs } = pipeline
  return {
    command: pipeline.command,
    ...(pipeline.version ? { version: pipeline.version } : {}),
    route: inputs.route,
    releaseOnApproval: inputs.releaseOnApproval,
    ...(inputs.rollbackTo ? { rollbackTo: inputs.rollbackTo } : {}),
    ...(inputs.reviewItems ? { reviewItems: inputs.reviewItems } : {}),
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
    now
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

async function runTarget(
  pipeline: Pipeline,
  appid: string,
  targetCount: number,
  commits: CommitFinder
): Promise<TargetOutcome> {
  const { inputs } = pipeline
  const { observation, now } = await observeFully(pipeline, appid, targetCount, commits, {
    history: pipeline.command === 'rollback',
    quota: pipeline.command === 'submit' || pipeline.command === 'speedup',
    categories: pipeline.command === 'submit' && inputs.route !== 'none' && !inputs.reviewItems?.length
  })
  const settings = releaseSettings(pipeline, now)
  const guarded = pipeline.guard?.(observation, settings)
  if (guarded) {
    log.warning(`${appid}: ${guarded}`)
    const decision = refusal(observation, settings, guarded)
    return { decision, run: { target: appid, status: 'done', writesMade: 0 }, observation, observedAt: now }
  }
  if (pipeline.command === 'rollback' && !settings.rollbackTo)
    await guardRollbackRerun(pipeline, observation, settings)
  const planned = pipeline.advance
    ? withInferences(observation, decideAdvance(observation, settings))
    : decide(observation, settings)
  if (planned.refused) {
    // An explicit command's refusal fails the step with this text (below); sync and ticks only warn.
    if (pipeline.command === 'sync' || pipeline.tick) log.warning(`${appid}: ${planned.refused}`)
    return {
      decision: planned,
      run: { target: appid, status: 'done', writesMade: 0 },
      observation,
      observedAt: now
    }
  }
  const { decision, run } = await act(pipeline, observation, settings, planned, commits)
  return { decision, run, observation, observedAt: now }
}

function failedDecision(appid: string, message: string): Decision {
  return {
    target: appid,
    writes: [],
    notes: [],
    afterWrites: [],
    outputs: { appid, result: 'failed', message },
    checks: []
  }
}

function notAttempted(appid: string): TargetOutcome {
  const message = `Not attempted: the run's ${FAN_OUT_DEADLINE_MS / 60_000}-minute deadline for starting targets had passed.`
  return {
    decision: { ...failedDecision(appid, message), outputs: { appid, result: 'not-attempted', message } },
    run: { target: appid, status: 'not-attempted', writesMade: 0, error: message }
  }
}

/** The 15-day limit nearing (or passed) is a warning annotation on the run, not only a line in a check. */
function warnAboutDeadlines(outcomes: TargetOutcome[]): void {
  for (const { decision, run } of outcomes) {
    if (run.status !== 'done') continue
    for (const check of decision.checks) {
      const deadline = check.kind === 'gray' ? check.state.deadline : undefined
      if (deadline && deadline.phase !== 'ok') log.warning(`${decision.target}: ${countdownText(deadline)}`)
    }
  }
}

function failuresOf(pipeline: Pipeline, reports: TargetReport[]): string[] {
  const failures: string[] = []
  for (const { decision, run, outputs } of reports) {
    if (run.status === 'failed' || run.status === 'not-attempted')
      failures.push(`${decision.target}: ${run.error ?? 'failed'}`)
    // A refused explicit command fails the step; sync only reports, and a tick is answered on the dashboard.
    else if (decision.refused && pipeline.command !== 'sync' && !pipeline.tick)
      failures.push(`${decision.target}: ${outputs.message ?? decision.refused}`)
  }
  return failures
}

/** Runs the pipeline over every target (bounded concurrency, one deadline for the run) and reports. */
export async function runPipeline(pipeline: Pipeline, targets: string[]): Promise<CommandResult> {
  return (await runPipelineReports(pipeline, targets)).result
}

/** runPipeline, with each target's report (what a dashboard tick answers from). */
export async function runPipelineReports(
  pipeline: Pipeline,
  targets: string[]
): Promise<{ result: CommandResult; reports: TargetReport[] }> {
  const commits = new CommitFinder(pipeline.github, pipeline.context.sha, pipeline.versionAtRunCommit)
  const deadlineAt = pipeline.startedAt + FAN_OUT_DEADLINE_MS
  const settled = await mapUntilDeadline(
    targets,
    pipeline.inputs.concurrency,
    deadlineAt,
    pipeline.clock,
    (appid) => runTarget(pipeline, appid, targets.length, commits)
  )
  const outcomes: TargetOutcome[] = settled.map((result, index) => {
    const appid = targets[index] as string
    if (result.status === 'fulfilled') return result.value
    if (result.status === 'not-attempted') return notAttempted(appid)
    const message = errorMessage(result.reason)
    return {
      decision: failedDecision(appid, message),
      run: { target: appid, status: 'failed', writesMade: 0, error: message } satisfies ActResult
    }
  })
  warnAboutDeadlines(outcomes)
  const reports: TargetReport[] = outcomes.map((outcome) => ({
    decision: outcome.decision,
    run: outcome.run,
    outputs: reportedOutputs(outcome.decision, outcome.run, outcome.observation),
    ...(outcome.observation ? { observation: outcome.observation } : {})
  }))
  const published = await publish(pipeline, outcomes, reports, commits)
  for (const report of reports) {
    const urls = published.checkRunUrls.get(report.decision.target)
    if (urls) report.checkRunUrls = urls
  }
  // A tick's run leaves the dashboard to the tick, which renders it once for all its boxes.
  const dashboardLines = pipeline.tick
    ? []
    : await refreshDashboard(pipeline, targets, outcomes, published.changedTargets, commits, (now) =>
        releaseSettings(pipeline, now)
      )
  const githubFailures = [
    ...outcomes.flatMap((outcome) => outcome.run.githubFailures ?? []),
    ...published.failures
  ]
  const first = reports[0]?.outputs ?? {}
  const result: CommandResult = {
    outputs: {
      ...(first.version ? { version: first.version } : {}),
      ...(first.auditId !== undefined ? { 'audit-id': first.auditId } : {}),
      ...(first.reviewStatus ? { 'review-status': first.reviewStatus } : {}),
      ...(first.grayPercentage !== undefined ? { 'gray-percentage': first.grayPercentage } : {}),
      ...(first.grayStatus ? { 'gray-status': first.grayStatus } : {}),
      ...(first.onlineVersion ? { 'online-version': first.onlineVersion } : {}),
      ...(published.checkRunUrl ? { 'check-run-url': published.checkRunUrl } : {}),
      result: JSON.stringify(
        reports.map(({ decision, outputs }) => ({
          ...outputs,
          appid: decision.target,
          message: outputs.message ?? '',
          notes: decision.notes
        }))
      )
    },
    summary: renderJobSummary(pipeline.command, reports, {
      targetCount: targets.length,
      githubFailures,
      githubLines: [...published.lines, ...dashboardLines]
    }),
    failures: [...failuresOf(pipeline, reports), ...githubFailures.map((failure) => `GitHub: ${failure}`)]
  }
  return { result, reports }
}
