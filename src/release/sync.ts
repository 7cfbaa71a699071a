/**
 * sync: bring GitHub up to date with WeChat, and move the rollout on where configured: release or start
 * the gray on approval, take due schedule steps, apply the health gate and the day-15 deadline guard.
 * A sync that runs twice in a row makes its writes once: every step is judged against WeChat's state.
 */
import {
  approvedUnreleased,
  baseOutputs,
  decision,
  deploymentWrite,
  grayCheck,
  grayVersionOf,
  recordedFor,
  reviewCheck,
  unknownApprovedVersion
} from './common.js'
import { countdownText, deadlineAction, grayDeadline, grayEndsAt } from './deadline.js'
import { decideRelease } from './full-release.js'
import { planGray } from './gray.js'
import { evaluateHealth, type HealthResult } from './health.js'
import {
  isGrayActive,
  reviewStatusText,
  type CheckPlan,
  type Decision,
  type GrayObservation,
  type PlannedWrite,
  type RecordedRollout,
  type TargetObservation,
  type TargetOutputs,
  type TargetResult
} from './model.js'
import { nextStep, stepIndexForPercentage } from './schedule.js'
import type { ReleaseSettings } from './settings.js'
import { formatUtc } from './time.js'

export function decideSync(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const part = decideSyncWithoutReview(obs, settings)
  // A release decided on the way already brings its own review check.
  if (obs.review.status === 'none' || part.checks.some((check) => check.kind === 'review')) return part
  // The review check describes the state after this sync's writes, so a rerun finds nothing to change.
  return withChecks(part, [reviewCheck(observationAfter(obs, part), settings)])
}

/** What WeChat will report once the decision's writes are made (used for the texts of this run's checks). */
export function observationAfter(obs: TargetObservation, part: Decision): TargetObservation {
  let after: TargetObservation = obs
  const plannedGray = part.checks.find((check) => check.kind === 'gray')
  for (const write of part.writes) {
    if (write.kind === 'grayrelease' && plannedGray?.kind === 'gray')
      after = { ...after, gray: plannedGray.state.gray }
    if (write.kind === 'revertgrayrelease') after = { ...after, gray: { ...after.gray, status: 'reverted' } }
    if (write.kind === 'release' && obs.review.userVersion) {
      after = {
        ...after,
        versions: { ...after.versions, online: { version: obs.review.userVersion, at: 0 } },
        gray: isGrayActive(after.gray) ? { ...after.gray, status: 'finished', percentage: 100 } : after.gray
      }
    }
  }
  return after
}

function decideSyncWithoutReview(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const checks: CheckPlan[] = []

  if (isGrayActive(obs.gray)) return withChecks(syncActiveGray(obs, settings), checks)

  const approved = approvedUnreleased(obs)
  if (approved && settings.releaseOnApproval !== 'off') {
    const started = releaseOnApproval(obs, settings, approved)
    if (started) return withChecks(started, checks)
  }

  const notes: string[] = []
  const unknown = settings.releaseOnApproval !== 'off' ? unknownApprovedVersion(obs) : undefined
  if (unknown) notes.push(`release-on-approval waits: ${unknown}`)
  if (obs.gray.status === 'finished' || obs.gray.status === 'reverted') {
    checks.push(endedGrayCheck(obs, settings, notes))
  }
  return decision(obs, {
    notes,
    outputs: { ...baseOutputs(obs), result: 'unchanged', message: syncMessage(obs) },
    checks
  })
}

/** The review check goes first, then whatever the gray part decided. */
function withChecks(part: Decision, leading: CheckPlan[]): Decision {
  return { ...part, checks: [...leading, ...part.checks] }
}

function syncMessage(obs: TargetObservation): string {
  const parts = [
    `review ${reviewStatusText(obs.review.status)}${obs.review.userVersion ? ` (${obs.review.userVersion})` : ''}`
  ]
  if (obs.gray.status !== 'none') parts.push(`gray ${obs.gray.status} at ${obs.gray.percentage} %`)
  const online = obs.versions.online
  parts.push(`online ${online ? (online.version ?? 'a version WeChat does not name') : 'none'}`)
  return `In sync: ${parts.join(', ')}.`
}

/**
 * Did the plan end because WeChat released it at the limit rather than by a release? Judged from the online
 * version's release time when WeChat gives it, else from the action's own record of a 100 % step.
 */
export function finishedByWeChat(obs: TargetObservation, now: number): boolean {
  const endsAt = grayEndsAt(obs.gray)
  if (obs.gray.status !== 'finished' || endsAt === undefined) return false
  const releasedAt = obs.versions.online?.at
  if (releasedAt !== undefined) return releasedAt >= endsAt - 3600
  const recorded = recordedFor(obs)
  if (recorded?.percentage === 100 && recorded.stepTakenAt < endsAt) return false
  return now >= endsAt
}

function endedGrayCheck(obs: TargetObservation, settings: ReleaseSettings, notes: string[]): CheckPlan {
  const recorded = recordedFor(obs)
  const byWeChat = finishedByWeChat(obs, settings.now)
  const endsAt = grayEndsAt(obs.gray)
  if (byWeChat && endsAt !== undefined) {
    notes.push(
      `WeChat released the gray version to everyone when the 15-day limit ran out (${formatUtc(endsAt)}); no sync ran in time to apply gray-deadline-action: ${settings.grayDeadlineAction}.`
    )
  }
  return grayCheck(obs, settings, {
    version: grayVersionOf(obs),
    gray: obs.gray,
    ...(recorded ? { recorded } : {}),
    ...(recorded?.haltedReason ? { halted: recorded.haltedReason } : {}),
    ...(byWeChat ? { finishedByWeChat: true } : {}),
    notes: [...notes]
  })
}

/** Whether the ended plan WeChat shows was this version's (so it must not be restarted). */
function planWasFor(obs: TargetObservation, version: string): boolean {
  if (obs.gray.status === 'none') return false
  const recorded = obs.recorded
  if (recorded?.version === version) return true
  const { submittedAt } = obs.review
  return submittedAt !== undefined && obs.gray.startedAt !== undefined && obs.gray.startedAt >= submittedAt
}

function releaseOnApproval(
  obs: TargetObservation,
  settings: ReleaseSettings,
  approved: string
): Decision | undefined {
  if (planWasFor(obs, approved)) {
    const why = obs.recorded?.haltedReason ? ` (${obs.recorded.haltedReason})` : ''
    const note = `The gray release of ${approved} was ${obs.gray.status}${why}; release-on-approval does not start it again. Use command: release or gray.`
    const checks = [endedGrayCheck(obs, settings, [note])]
    return decision(obs, {
      notes: [note],
      outputs: { ...baseOutputs(obs, approved), result: 'unchanged', message: note },
      checks
    })
  }
  const onApproval = `Version ${approved} was approved (release-on-approval: ${settings.releaseOnApproval}).`
  if (settings.releaseOnApproval === 'full') {
    const released = decideRelease(obs, { ...settings, version: approved })
    return { ...released, notes: [onApproval, ...released.notes] }
  }
  if (!obs.versions.online) {
    const note = `${onApproval} The first version of a mini program must be released in full, so the gray release waits: run command: release.`
    return decision(obs, {
      notes: [note],
      outputs: { ...baseOutputs(obs, approved), result: 'unchanged', message: note }
    })
  }
  const schedule = settings.graySchedule
  const first = schedule?.steps[0]
  const percent = first?.percent ?? settings.grayPercent
  if (percent === undefined) {
    const note = `${onApproval} Set gray-schedule or gray-percent to say how far the gray release starts.`
    return decision(obs, {
      notes: [note],
      outputs: { ...baseOutputs(obs, approved), result: 'unchanged', message: note }
    })
  }
  const planned = planGray(obs, settings, {
    percent,
    ...(first ? { stepIndex: 0 } : {}),
    notes: [onApproval]
  })
  return planned
}

interface GrayState {
  gray: GrayObservation
  recorded: RecordedRollout | undefined
  halted: string | undefined
  writes: PlannedWrite[]
  notes: string[]
  result: TargetResult
  messages: string[]
}

function syncActiveGray(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const version = grayVersionOf(obs)
  const schedule = settings.graySchedule
  const previous = recordedFor(obs)
  const state: GrayState = {
    gray: obs.gray,
    recorded: previous,
    halted: previous?.haltedReason,
    writes: [],
    notes: [],
    result: 'unchanged',
    messages: []
  }
  const base = (): RecordedRollout | undefined =>
    state.recorded ??
    (version
      ? {
          version,
          stepIndex: schedule ? stepIndexForPercentage(schedule, obs.gray.percentage) : -1,
          percentage: obs.gray.percentage,
          stepTakenAt: settings.now,
          ...(schedule ? { schedule: schedule.text } : {})
        }
      : undefined)

  if (!version) {
    state.notes.push(
      'The version in gray cannot be told apart from the approved one (it was submitted after the plan started and no record of the rollout exists); the schedule and the deadline release are not applied. Use release or revert-gray by hand.'
    )
  }

  // Health gate: a failing gate halts the rollout (and reverts it when configured). A halt stays until a person acts.
  let health: HealthResult | undefined
  if (settings.healthGate && obs.jsErrors) {
    health = evaluateHealth(obs.jsErrors, settings.healthGate, obs.gray.percentage)
    if (!health.pass && !state.halted) {
      state.halted = health.reason
      const recorded = base()
      state.recorded = recorded ? { ...recorded, haltedReason: health.reason } : undefined
      if (settings.healthGate.action === 'revert') {
        revert(state)
        state.messages.push(`Reverted the gray release of ${version ?? 'the gray version'}: ${health.reason}`)
      } else {
        state.result = 'halted'
        state.messages.push(
          `Halted the gray release of ${version ?? 'the gray version'} at ${obs.gray.percentage} %: ${health.reason}`
        )
      }
    }
  } else if (settings.healthGate) {
    state.notes.push(
      'Health gate: no JS error data was observed for this run, so the gate was not evaluated.'
    )
  }

  applyDeadline(obs, settings, state, version)
  if (schedule && version && isGrayActive(state.gray) && state.writes.length === 0 && !state.halted) {
    applySchedule(obs, settings, state, version)
  }
  if (state.halted && isGrayActive(state.gray) && state.result === 'unchanged') {
    state.notes.push(`The rollout is halted: ${state.halted} Advance, release or revert it by hand.`)
  }

  const check = grayCheck(obs, settings, {
    version,
    gray: state.gray,
    ...(state.recorded ? { recorded: state.recorded } : {}),
    ...(state.halted ? { halted: state.halted } : {}),
    ...(health ? { health } : {}),
    notes: state.notes
  })
  const outputs: Partial<TargetOutputs> = {
    ...baseOutputs(obs, version),
    grayPercentage: state.gray.percentage,
    grayStatus: state.gray.status,
    result: state.result,
    message: state.messages.length > 0 ? state.messages.join(' ') : syncMessage(obs)
  }
  if (state.gray.status === 'finished' && version) outputs.onlineVersion = version
  return decision(obs, { writes: state.writes, notes: state.notes, outputs, checks: [check] })
}

function revert(state: GrayState): void {
  state.writes.push({ kind: 'revertgrayrelease' })
  state.gray = { ...state.gray, status: 'reverted' }
  state.result = 'reverted'
}

function release(state: GrayState, settings: ReleaseSettings, version: string): void {
  state.writes.push({ kind: 'release' }, ...deploymentWrite(settings, version, 'release'))
  state.gray = { ...state.gray, status: 'finished', percentage: 100 }
  state.result = 'released'
}

function applyDeadline(
  obs: TargetObservation,
  settings: ReleaseSettings,
  state: GrayState,
  version: string | undefined
): void {
  if (!isGrayActive(state.gray)) return
  const deadline = grayDeadline(obs.gray, settings.now, settings.grayDeadlineMarginHours)
  if (!deadline || deadline.phase === 'ok') return
  const countdown = countdownText(deadline)
  if (deadline.phase === 'warn') {
    state.notes.push(`Gray deadline: ${countdown}.`)
    return
  }
  const action = deadlineAction(settings.grayDeadlineAction)
  if (action === 'warn') {
    state.notes.push(
      `Gray deadline: ${countdown}. gray-deadline-action is warn, so nothing is done: finish with release or revert-gray.`
    )
    return
  }
  if (action === 'revertgrayrelease') {
    revert(state)
    const reason = `Reverted ${settings.grayDeadlineMarginHours} h before the 15-day limit (gray-deadline-action: revert).`
    const recorded =
      state.recorded ??
      (version
        ? { version, stepIndex: -1, percentage: obs.gray.percentage, stepTakenAt: settings.now }
        : undefined)
    state.recorded = recorded ? { ...recorded, haltedReason: reason } : undefined
    state.halted = reason
    state.messages.push(`Reverted the gray release of ${version ?? 'the gray version'}: ${countdown}.`)
    return
  }
  if (state.halted) {
    state.notes.push(
      `Gray deadline: ${countdown}. gray-deadline-action is release, but the rollout is halted (${state.halted}), so it is not released by the action; WeChat releases it anyway at the limit unless it is reverted.`
    )
    return
  }
  if (!version) return
  release(state, settings, version)
  state.recorded = {
    version,
    stepIndex: state.recorded?.stepIndex ?? -1,
    percentage: 100,
    stepTakenAt: settings.now,
    ...(settings.graySchedule ? { schedule: settings.graySchedule.text } : {})
  }
  state.messages.push(
    `Released ${version} to everyone ${settings.grayDeadlineMarginHours} h before the 15-day limit (gray-deadline-action: release).`
  )
}

function applySchedule(
  obs: TargetObservation,
  settings: ReleaseSettings,
  state: GrayState,
  version: string
): void {
  const schedule = settings.graySchedule!
  if (obs.gray.status === 'paused') {
    state.notes.push('The gray plan is paused in WeChat; the schedule waits until it runs again.')
    return
  }
  if (state.recorded?.schedule && state.recorded.schedule !== schedule.text) {
    state.notes.push(
      `The gray schedule changed since the rollout started (was ${state.recorded.schedule}); steps are matched by percentage.`
    )
  }
  const next = nextStep(schedule, obs.gray, state.recorded, settings.now)
  // WeChat already shows a step the action has not recorded (raised by hand, or a run that crashed after the write): record it, never take it again.
  if (next.currentIndex >= 0 && state.recorded?.stepIndex !== next.currentIndex) {
    state.recorded = {
      version,
      stepIndex: next.currentIndex,
      percentage: obs.gray.percentage,
      stepTakenAt: next.currentSince ?? settings.now,
      schedule: schedule.text
    }
    // For this run's summary only: in the check text it would change again on the next sync.
    state.messages.push(
      `Recorded step ${next.currentIndex + 1} (${obs.gray.percentage} %), which WeChat already shows.`
    )
    // A run that crashed after the step may not have recorded its deployment either (idempotent on GitHub).
    state.writes.push(...deploymentWrite(settings, version, 'gray'))
  }
  if (!next.step) {
    state.notes.push(
      `The gray schedule is complete at ${obs.gray.percentage} %; finish with release or revert-gray.`
    )
    return
  }
  if (!next.due) return
  const stepLabel = `step ${next.index + 1} of ${schedule.steps.length}`
  if (next.step.percent >= 100) {
    release(state, settings, version)
    state.recorded = {
      version,
      stepIndex: next.index,
      percentage: 100,
      stepTakenAt: settings.now,
      schedule: schedule.text
    }
    state.messages.push(`Released ${version} to everyone (${stepLabel} of the gray schedule).`)
    return
  }
  const writes: PlannedWrite[] = [
    {
      kind: 'grayrelease',
      gray_percentage: next.step.percent,
      support_debuger_first: obs.gray.projectMembersFirst,
      support_experiencer_first: obs.gray.experienceMembersFirst
    },
    ...deploymentWrite(settings, version, 'gray')
  ]
  state.writes.push(...writes)
  state.gray = { ...state.gray, percentage: next.step.percent }
  state.recorded = {
    version,
    stepIndex: next.index,
    percentage: next.step.percent,
    stepTakenAt: settings.now,
    schedule: schedule.text
  }
  state.result = 'gray-advanced'
  state.messages.push(
    `Gray release of ${version}: ${obs.gray.percentage} % → ${next.step.percent} % (${stepLabel}).`
  )
}
