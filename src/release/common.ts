/** Building blocks shared by the decisions: names, versions, outputs, refusals and the two checks. */
import { renderGrayCheck, renderReviewCheck, type GrayCheckInput } from '../report/checks.js'
import { deadlineStatus } from './deadline.js'
import type { HealthResult } from './health.js'
import {
  isGrayActive,
  type CheckAction,
  type Decision,
  type DesiredCheck,
  type GrayObservation,
  type PlannedWrite,
  type RecordedRollout,
  type ReviewObservation,
  type TargetObservation,
  type TargetOutputs,
  type TesterOutcome
} from './model.js'
import { nextStep } from './schedule.js'
import type { ReleaseSettings } from './settings.js'

export const REVIEW_CHECK = 'WeChat review'
export const GRAY_CHECK = 'WeChat gray release'

/** Check-run names carry the appid when a run acts on several mini programs. */
export function checkName(kind: 'review' | 'gray', appid: string, targetCount = 1): string {
  const base = kind === 'review' ? REVIEW_CHECK : GRAY_CHECK
  return targetCount > 1 ? `${base} (${appid})` : base
}

/** Ties a check run to the mini program and the version it is about; stable across resubmissions. */
export function checkExternalId(kind: 'review' | 'gray', appid: string, version: string | undefined): string {
  return `wechat-${kind}:${appid}:${version ?? 'none'}`
}

/**
 * The recorded rollout, if it belongs to the plan WeChat shows now. A record taken before this plan
 * started belongs to an earlier plan and is ignored, so an old schedule never drives a new gray.
 */
export function recordedFor(obs: TargetObservation): RecordedRollout | undefined {
  const recorded = obs.recorded
  if (!recorded) return undefined
  const startedAt = obs.gray.startedAt
  // Clocks of GitHub and WeChat differ a little; five minutes of slack.
  if (startedAt !== undefined && startedAt > 0 && recorded.stepTakenAt < startedAt - 300) return undefined
  return recorded
}

/** The approved version that is not online yet, if any. */
export function approvedUnreleased(obs: TargetObservation): string | undefined {
  if (obs.review.status !== 'approved' || !obs.review.userVersion) return undefined
  return obs.review.userVersion === obs.versions.online?.version ? undefined : obs.review.userVersion
}

/**
 * The version a gray plan is about; WeChat's plan does not name it. A running plan's version is what the
 * action recorded for it, else the approved, not-yet-online version, unless that version was submitted
 * after the plan started (then it cannot be the one in gray, and the version is unknown).
 */
export function grayVersionOf(obs: TargetObservation): string | undefined {
  const recorded = recordedFor(obs)
  if (isGrayActive(obs.gray)) {
    if (recorded) return recorded.version
    const approved = approvedUnreleased(obs)
    const { submittedAt } = obs.review
    const { startedAt } = obs.gray
    if (approved && submittedAt !== undefined && startedAt !== undefined && submittedAt > startedAt)
      return undefined
    return approved
  }
  if (obs.gray.status === 'finished') return recorded?.version ?? obs.versions.online?.version
  if (obs.gray.status === 'reverted') return recorded?.version ?? approvedUnreleased(obs)
  return undefined
}

export function baseOutputs(obs: TargetObservation, version?: string): Partial<TargetOutputs> {
  const outputs: Partial<TargetOutputs> = {
    appid: obs.appid,
    reviewStatus: obs.review.status,
    grayPercentage: obs.gray.percentage,
    grayStatus: obs.gray.status
  }
  const shown = version ?? obs.review.userVersion
  if (shown !== undefined) outputs.version = shown
  if (obs.review.auditId !== undefined) outputs.auditId = obs.review.auditId
  if (obs.versions.online) outputs.onlineVersion = obs.versions.online.version
  return outputs
}

export function refusal(
  obs: TargetObservation,
  settings: ReleaseSettings,
  message: string,
  notes: string[] = []
): Decision {
  return {
    target: obs.appid,
    writes: [],
    refused: message,
    notes,
    outputs: { ...baseOutputs(obs, settings.version), result: 'refused', message },
    checks: []
  }
}

export function deploymentWrite(
  settings: ReleaseSettings,
  version: string,
  operation: 'release' | 'gray' | 'rollback'
): PlannedWrite[] {
  if (!settings.deploymentEnvironment) return []
  return [
    { kind: 'deployment', environment: settings.deploymentEnvironment, version, operation, state: 'success' }
  ]
}

export function reviewCheck(
  obs: TargetObservation,
  settings: ReleaseSettings,
  review: ReviewObservation = obs.review,
  notes: string[] = []
): DesiredCheck {
  const rendered = renderReviewCheck({
    appid: obs.appid,
    review,
    ...(obs.versions.online ? { onlineVersion: obs.versions.online.version } : {}),
    releaseOnApproval: settings.releaseOnApproval,
    inGray:
      isGrayActive(obs.gray) && review.userVersion !== undefined && grayVersionOf(obs) === review.userVersion,
    notes,
    runUrl: settings.runUrl
  })
  return {
    kind: 'review',
    name: checkName('review', obs.appid, settings.targetCount),
    externalId: checkExternalId('review', obs.appid, review.userVersion),
    ...(review.userVersion !== undefined ? { version: review.userVersion } : {}),
    ...rendered
  }
}

export const GRAY_ACTION_IDS = {
  advance: 'gray-advance',
  release: 'gray-release',
  revert: 'gray-revert'
} as const

export interface GrayCheckState {
  version: string | undefined
  /** The plan as it will be once the writes are made. */
  gray: GrayObservation
  recorded?: RecordedRollout
  halted?: string
  health?: HealthResult
  finishedByWeChat?: boolean
  whitelist?: Array<{ wechatid: string; outcome?: TesterOutcome }>
  notes?: string[]
}

/** A DesiredCheck with the input it was rendered from, so outcomes known only after the writes can be added. */
export interface GrayDesiredCheck extends DesiredCheck {
  kind: 'gray'
  source: GrayCheckInput
}

export function grayCheckInput(
  obs: TargetObservation,
  settings: ReleaseSettings,
  state: GrayCheckState
): GrayCheckInput {
  const { gray } = state
  const active = isGrayActive(gray)
  const schedule = settings.graySchedule
  const input: GrayCheckInput = {
    appid: obs.appid,
    ...(state.version !== undefined ? { version: state.version } : {}),
    gray,
    now: settings.now,
    deadlineAction: settings.grayDeadlineAction,
    marginHours: settings.grayDeadlineMarginHours,
    runUrl: settings.runUrl,
    notes: state.notes ?? []
  }
  if (active && gray.startedAt !== undefined) {
    input.deadline = deadlineStatus(gray.startedAt, settings.now, settings.grayDeadlineMarginHours)
  }
  if (schedule) {
    input.schedule = schedule.text
    if (active) {
      const next = nextStep(schedule, gray, state.recorded, settings.now)
      if (next.step) {
        input.next = {
          percent: next.step.percent,
          number: next.index + 1,
          of: schedule.steps.length,
          ...(next.dueAt !== undefined ? { dueAt: next.dueAt } : {})
        }
      }
    }
  }
  if (state.halted) input.halted = state.halted
  if (state.health) input.health = state.health
  if (state.finishedByWeChat) input.finishedByWeChat = true
  if (state.whitelist && state.whitelist.length > 0) input.whitelist = state.whitelist
  if (state.recorded) input.recorded = state.recorded
  return input
}

/** The buttons valid for the plan: advance (only with a schedule step below 100 % left), release, revert. */
export function grayActions(input: GrayCheckInput): CheckAction[] {
  if (!isGrayActive(input.gray)) return []
  const actions: CheckAction[] = []
  if (input.next && input.next.percent < 100) {
    actions.push({
      label: `Advance to ${input.next.percent} %`,
      description: 'Take the next gray step now',
      identifier: GRAY_ACTION_IDS.advance
    })
  }
  actions.push({
    label: 'Release to everyone',
    description: 'Finish the gray with a full release',
    identifier: GRAY_ACTION_IDS.release
  })
  actions.push({
    label: 'Revert gray',
    description: 'Cancel the gray release',
    identifier: GRAY_ACTION_IDS.revert
  })
  return actions
}

export function grayCheckFromInput(
  input: GrayCheckInput,
  settings: ReleaseSettings,
  recorded: RecordedRollout | undefined
): GrayDesiredCheck {
  const rendered = renderGrayCheck(input)
  const actions = grayActions(input)
  return {
    kind: 'gray',
    name: checkName('gray', input.appid, settings.targetCount),
    externalId: checkExternalId('gray', input.appid, input.version),
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...rendered,
    ...(actions.length > 0 ? { actions } : {}),
    ...(recorded ? { recorded } : {}),
    source: input
  }
}

export function grayCheck(
  obs: TargetObservation,
  settings: ReleaseSettings,
  state: GrayCheckState
): GrayDesiredCheck {
  return grayCheckFromInput(grayCheckInput(obs, settings, state), settings, state.recorded)
}

export function decision(
  obs: TargetObservation,
  parts: {
    writes?: PlannedWrite[]
    notes?: string[]
    outputs: Partial<TargetOutputs>
    checks?: DesiredCheck[]
  }
): Decision {
  return {
    target: obs.appid,
    writes: parts.writes ?? [],
    notes: parts.notes ?? [],
    outputs: parts.outputs,
    checks: parts.checks ?? []
  }
}
