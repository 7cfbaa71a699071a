/** Building blocks shared by the decisions: versions, outputs, refusals and the states of the two checks. */
import { grayDeadline } from './deadline.js'
import type { HealthResult } from './health.js'
import {
  isGrayActive,
  PENDING_REVIEW,
  type CheckPlan,
  type Decision,
  type DeploymentOperation,
  type GrayCheckState,
  type GrayObservation,
  type PlannedWrite,
  type RecordedReview,
  type RecordedRollout,
  type ReviewCheckState,
  type ReviewObservation,
  type TargetObservation,
  type TargetOutputs,
  type TesterOutcome
} from './model.js'
import { nextStep } from './schedule.js'
import type { ReleaseSettings } from './settings.js'

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

/**
 * The approved version that is not online yet, if any. Undefined as well when it cannot be told: the
 * approved version's name is unknown, or an online version of unknown name may be it.
 */
export function approvedUnreleased(obs: TargetObservation): string | undefined {
  const { review } = obs
  if (review.status !== 'approved' || !review.userVersion) return undefined
  const online = obs.versions.online
  if (online?.version === review.userVersion) return undefined
  if (releasedThenRolledBack(obs)) return undefined
  if (online && online.version === undefined) {
    const releasedBefore =
      online.at !== undefined && review.submittedAt !== undefined && online.at < review.submittedAt
    if (!releasedBefore) return undefined
  }
  return review.userVersion
}

/**
 * A gray plan that finished after the approved version was submitted released that version to everyone; with
 * another version online now, it was rolled back. WeChat releases an approved version only once ("85052 app is
 * already released": a new approved review is needed first), so it is not offered or released again.
 */
/** The refusal for a version released once and rolled back since. */
export function rolledBackMessage(obs: TargetObservation): string {
  const version = obs.review.userVersion ?? 'The approved version'
  const online = obs.versions.online?.version
  return `${version} was released to everyone (its gray release finished) and ${online ? `${online} is online again` : 'has been rolled back since'}. WeChat releases an approved version only once (85052 "app is already released"): submit a new version for review.`
}

export function releasedThenRolledBack(obs: TargetObservation): boolean {
  const { gray, review } = obs
  return (
    review.status === 'approved' &&
    gray.status === 'finished' &&
    gray.startedAt !== undefined &&
    review.submittedAt !== undefined &&
    gray.startedAt >= review.submittedAt &&
    obs.versions.online?.version !== review.userVersion
  )
}

/** Why an approved version cannot be acted on although WeChat approved something, if that is the case. */
export function unknownApprovedVersion(obs: TargetObservation): string | undefined {
  const { review } = obs
  if (review.status !== 'approved') return undefined
  const audit = review.auditId !== undefined ? `audit ${review.auditId}` : 'its audit id not given either'
  if (!review.userVersion) {
    return `WeChat's latest review is approved (${audit}) but does not say which version it is (no user_version), and the trial version cannot stand in for it. Release it in the WeChat console, or run again once WeChat names the version.`
  }
  const online = obs.versions.online
  if (online && online.version === undefined && approvedUnreleased(obs) === undefined) {
    return `WeChat reports an online version without its name, so it cannot be told whether the approved version ${review.userVersion} is already online. Check it in the WeChat console.`
  }
  return undefined
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

/** The outputs that describe WeChat's state as observed, before any write. */
export function baseOutputs(obs: TargetObservation, version?: string): Partial<TargetOutputs> {
  const outputs: Partial<TargetOutputs> = {
    appid: obs.appid,
    reviewStatus: obs.review.status,
    // A finished plan reached everyone; WeChat's plan keeps the last percentage that was set.
    grayPercentage: obs.gray.status === 'finished' ? 100 : obs.gray.percentage,
    grayStatus: obs.gray.status
  }
  const shown = version ?? obs.review.userVersion
  if (shown !== undefined) outputs.version = shown
  if (obs.review.auditId !== undefined) outputs.auditId = obs.review.auditId
  if (obs.versions.online?.version !== undefined) outputs.onlineVersion = obs.versions.online.version
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
    afterWrites: [],
    outputs: { ...baseOutputs(obs, settings.version), result: 'refused', message },
    checks: []
  }
}

export function deploymentWrite(
  settings: ReleaseSettings,
  version: string,
  operation: DeploymentOperation
): PlannedWrite[] {
  if (!settings.deploymentEnvironment) return []
  return [
    { kind: 'deployment', environment: settings.deploymentEnvironment, version, operation, state: 'success' }
  ]
}

/**
 * The review record to keep: what the earlier record of the same audit says (expedited, pending since,
 * the version's pull requests), refreshed with what this decision knows.
 */
export function reviewRecordFor(
  obs: TargetObservation,
  review: ReviewObservation,
  now: number,
  patch: Partial<RecordedReview> = {}
): RecordedReview {
  // The record read is the one of the latest review's version; it says nothing about another version.
  const earlier = review.userVersion === obs.review.userVersion ? obs.reviewRecord : undefined
  const sameAudit = earlier !== undefined && earlier.auditId === review.auditId
  const pending = PENDING_REVIEW.includes(review.status)
  const since = pending ? (review.submittedAt ?? (sameAudit ? earlier.since : undefined) ?? now) : undefined
  return {
    ...(review.auditId !== undefined ? { auditId: review.auditId } : {}),
    spedUp: sameAudit ? earlier.spedUp : false,
    ...(since !== undefined ? { since } : {}),
    ...(earlier?.pulls ? { pulls: earlier.pulls } : {}),
    ...(earlier?.morePulls ? { morePulls: true } : {}),
    ...patch
  }
}

export function reviewCheck(
  obs: TargetObservation,
  settings: ReleaseSettings,
  review: ReviewObservation = obs.review,
  options: { notes?: string[]; uploadedOnly?: boolean; record?: Partial<RecordedReview> } = {}
): CheckPlan {
  const state: ReviewCheckState = {
    review,
    ...(obs.versions.online?.version !== undefined ? { onlineVersion: obs.versions.online.version } : {}),
    releaseOnApproval: settings.releaseOnApproval,
    inGray:
      isGrayActive(obs.gray) && review.userVersion !== undefined && grayVersionOf(obs) === review.userVersion,
    ...(options.uploadedOnly ? { uploadedOnly: true } : {}),
    notes: options.notes ?? [],
    record: reviewRecordFor(obs, review, settings.now, options.record),
    now: settings.now
  }
  return {
    kind: 'review',
    appid: obs.appid,
    ...(review.userVersion !== undefined ? { version: review.userVersion } : {}),
    state
  }
}

export interface GrayCheckFacts {
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

export function grayCheck(
  obs: TargetObservation,
  settings: ReleaseSettings,
  facts: GrayCheckFacts
): CheckPlan {
  const { gray } = facts
  const active = isGrayActive(gray)
  const schedule = settings.graySchedule
  const state: GrayCheckState = {
    gray,
    now: settings.now,
    deadlineAction: settings.grayDeadlineAction,
    marginHours: settings.grayDeadlineMarginHours,
    notes: facts.notes ?? []
  }
  const deadline = active ? grayDeadline(gray, settings.now, settings.grayDeadlineMarginHours) : undefined
  if (deadline) state.deadline = deadline
  if (schedule) {
    state.schedule = schedule.text
    if (active) {
      const next = nextStep(schedule, gray, facts.recorded, settings.now)
      if (next.step) {
        state.next = {
          percent: next.step.percent,
          number: next.index + 1,
          of: schedule.steps.length,
          ...(next.dueAt !== undefined ? { dueAt: next.dueAt } : {})
        }
      }
    }
  }
  if (facts.halted) state.halted = facts.halted
  if (facts.health) state.health = facts.health
  if (facts.finishedByWeChat) state.finishedByWeChat = true
  if (facts.whitelist && facts.whitelist.length > 0) state.whitelist = facts.whitelist
  if (facts.recorded) state.recorded = facts.recorded
  return {
    kind: 'gray',
    appid: obs.appid,
    ...(facts.version !== undefined ? { version: facts.version } : {}),
    state
  }
}

export function decision(
  obs: TargetObservation,
  parts: {
    writes?: PlannedWrite[]
    notes?: string[]
    afterWrites?: string[]
    outputs: Partial<TargetOutputs>
    checks?: CheckPlan[]
  }
): Decision {
  return {
    target: obs.appid,
    writes: parts.writes ?? [],
    notes: parts.notes ?? [],
    afterWrites: parts.afterWrites ?? [],
    outputs: parts.outputs,
    checks: parts.checks ?? []
  }
}
