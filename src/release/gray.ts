/** Decisions about the gray (phased) release: start or raise it, advance the schedule by hand, revert it. */
import { ERRCODE } from '../wechat/errors.js'
import {
  approvedUnreleased,
  releasedThenRolledBack,
  rolledBackMessage,
  baseOutputs,
  decision,
  deploymentWrite,
  grayCheck,
  grayVersionOf,
  recordedFor,
  refusal,
  unknownApprovedVersion
} from './common.js'
import { decideRelease } from './full-release.js'
import {
  isGrayActive,
  reviewStatusText,
  type Decision,
  type GrayObservation,
  type PlannedWrite,
  type RecordedRollout,
  type TargetObservation,
  type TesterOutcome
} from './model.js'
import { nextStep, stepIndexForPercentage } from './schedule.js'
import type { ReleaseSettings } from './settings.js'

/** What bind_tester's errcode means for one WeChat ID. */
export function describeTesterOutcome(errcode: number): TesterOutcome {
  switch (errcode) {
    case 0:
      return 'bound'
    case ERRCODE.TESTER_ALREADY_BOUND:
      return 'already a member'
    case ERRCODE.WECHAT_ID_NOT_FOUND:
      return 'not found or not searchable'
    case ERRCODE.TESTER_LIMIT_REACHED:
      return 'over the limit'
    case ERRCODE.TESTER_OF_TOO_MANY_APPS:
      return 'member of too many mini programs'
    default:
      return 'failed'
  }
}

export interface GrayPlanOptions {
  percent: number
  /** Schedule step this percentage is; derived from the schedule when left out. */
  stepIndex?: number
  /** Extra notes (why this step is taken). */
  notes?: string[]
}

/**
 * Start or raise a gray plan to `percent`, with every rule WeChat enforces checked first. Shared by the
 * gray command, the schedule (sync) and advancing by hand (decideAdvance).
 */
export function planGray(
  obs: TargetObservation,
  settings: ReleaseSettings,
  options: GrayPlanOptions
): Decision {
  const { percent } = options
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    return refusal(
      obs,
      settings,
      `gray-percent must be an integer from 0 to 100, got ${percent} (WeChat: 85081).`
    )
  }
  if (!obs.versions.online) {
    return refusal(
      obs,
      settings,
      `${obs.appid} has no online version yet: the first version must be released in full (command: release); WeChat would answer 85079.`
    )
  }
  const approved = approvedUnreleased(obs)
  const unknown = unknownApprovedVersion(obs)
  if (unknown) return refusal(obs, settings, unknown)
  if (!approved) {
    const { review } = obs
    if (releasedThenRolledBack(obs)) return refusal(obs, settings, rolledBackMessage(obs))
    if (review.status === 'approved') {
      return refusal(
        obs,
        settings,
        `The approved version ${review.userVersion ?? ''} is already online; there is nothing to release in gray.`
      )
    }
    return refusal(
      obs,
      settings,
      `Only an approved version can be released in gray; the latest review${review.userVersion ? ` (${review.userVersion})` : ''} is ${reviewStatusText(review.status)} (WeChat: 85080).`
    )
  }
  if (settings.version && settings.version !== approved) {
    return refusal(
      obs,
      settings,
      `The approved version is ${approved}, not ${settings.version}: only the last approved version can be released in gray.`
    )
  }
  const active = isGrayActive(obs.gray)
  if (active) {
    const inGray = grayVersionOf(obs)
    if (inGray !== approved) {
      return refusal(
        obs,
        settings,
        `${inGray ? `Version ${inGray}` : 'Another version'} is in gray release (${obs.gray.percentage} %), not ${approved}; finish it with release or revert-gray first.`
      )
    }
    if (percent === obs.gray.percentage && (settings.command === 'gray' || settings.command === 'sync')) {
      // Already there (a rerun after the write went through): bring GitHub up to date, move nothing.
      const recorded = recordedFor(obs) ?? {
        version: approved,
        stepIndex: settings.graySchedule ? stepIndexForPercentage(settings.graySchedule, percent) : -1,
        percentage: percent,
        stepTakenAt: settings.now,
        ...(settings.graySchedule ? { schedule: settings.graySchedule.text } : {})
      }
      const message = `The gray release of ${approved} is already at ${percent} %; nothing to change.`
      return decision(obs, {
        writes: deploymentWrite(settings, approved, 'gray'),
        notes: [message],
        outputs: {
          ...baseOutputs(obs, approved),
          grayPercentage: percent,
          grayStatus: obs.gray.status,
          result: 'unchanged',
          message
        },
        checks: [grayCheck(obs, settings, { version: approved, gray: obs.gray, recorded, notes: [] })]
      })
    }
    if (percent <= obs.gray.percentage) {
      return refusal(
        obs,
        settings,
        percent === obs.gray.percentage
          ? `The gray release of ${approved} is already at ${percent} %; a gray percentage only goes up (WeChat: 85082).`
          : `A gray percentage only goes up: ${approved} is at ${obs.gray.percentage} % now, so ${percent} % is refused (WeChat: 85082).`
      )
    }
  }
  const whitelist = settings.grayWhitelist
  const projectFirst = settings.grayProjectMembers || (active && obs.gray.projectMembersFirst)
  const experienceFirst =
    settings.grayExperienceMembers || whitelist.length > 0 || (active && obs.gray.experienceMembersFirst)
  if (percent === 0 && !projectFirst && !experienceFirst) {
    return refusal(
      obs,
      settings,
      'A gray release at 0 % reaches nobody: set gray-project-members, gray-experience-members or gray-whitelist (WeChat: 85081).'
    )
  }
  if (percent === 100) {
    const released = decideRelease(obs, { ...settings, version: approved })
    const note = '100 % is a full release, so release is called instead of grayrelease.'
    return { ...released, notes: [note, ...released.notes] }
  }

  const notes = [...(options.notes ?? [])]
  const bound = new Set(obs.testers?.bound ?? [])
  const writes: PlannedWrite[] = whitelist
    .filter((id) => !bound.has(id))
    .map((wechatid) => ({ kind: 'bind_tester', wechatid }))
  if (whitelist.length > 0) {
    notes.push(
      `Whitelisted WeChat IDs are bound as experience members first (${writes.length} to bind, ${whitelist.length - writes.length} already members), then reach the version before the percentage.`
    )
  }
  writes.push({
    kind: 'grayrelease',
    gray_percentage: percent,
    support_debuger_first: projectFirst,
    support_experiencer_first: experienceFirst
  })
  writes.push(...deploymentWrite(settings, approved, 'gray'))

  const previous = recordedFor(obs)
  if (previous?.haltedReason && active) notes.push(`This clears the earlier halt: ${previous.haltedReason}`)
  const schedule = settings.graySchedule
  const stepIndex = options.stepIndex ?? (schedule ? stepIndexForPercentage(schedule, percent) : -1)
  const recorded: RecordedRollout = {
    version: approved,
    stepIndex,
    percentage: percent,
    stepTakenAt: settings.now,
    ...(schedule ? { schedule: schedule.text } : {})
  }
  const gray: GrayObservation = {
    status: 'running',
    percentage: percent,
    startedAt: active && obs.gray.startedAt ? obs.gray.startedAt : settings.now,
    projectMembersFirst: projectFirst,
    experienceMembersFirst: experienceFirst
  }
  const message = active
    ? `Gray release of ${approved}: ${obs.gray.percentage} % → ${percent} %.`
    : `Started the gray release of ${approved} at ${percent} %.`
  const check = grayCheck(obs, settings, {
    version: approved,
    gray,
    recorded,
    whitelist: whitelist.map((wechatid) =>
      bound.has(wechatid) ? { wechatid, outcome: 'already a member' } : { wechatid }
    ),
    // Why sync took a step belongs to this run's summary; in the check it would change on every rerun.
    notes: settings.command === 'sync' ? [] : notes
  })
  return decision(obs, {
    writes,
    notes,
    outputs: {
      ...baseOutputs(obs, approved),
      grayPercentage: percent,
      grayStatus: 'running',
      result: active ? 'gray-advanced' : 'gray-started',
      message
    },
    checks: [check]
  })
}

/** The gray command: `gray-percent` (0 with members or a whitelist), only upwards. */
export function decideGray(obs: TargetObservation, settings: ReleaseSettings): Decision {
  let percent = settings.grayPercent
  if (percent === undefined && settings.graySchedule) {
    // gray with only a schedule: start at its first step, or take the next one when a plan runs.
    if (isGrayActive(obs.gray)) return decideAdvance(obs, settings)
    const first = settings.graySchedule.steps[0]
    if (first) return planGray(obs, settings, { percent: first.percent, stepIndex: 0 })
  }
  if (percent === undefined) {
    const members =
      settings.grayProjectMembers || settings.grayExperienceMembers || settings.grayWhitelist.length > 0
    if (!members)
      return refusal(obs, settings, 'gray needs gray-percent (0–100), or members or a whitelist for 0 %.')
    percent = 0
  }
  return planGray(obs, settings, { percent })
}

/**
 * Advance by hand: take the schedule's next step now, even before its dwell has passed. The dashboard's
 * "advance" control runs this decision.
 */
export function decideAdvance(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const schedule = settings.graySchedule
  if (!schedule)
    return refusal(
      obs,
      settings,
      'Advancing needs a gray-schedule; use command: gray with gray-percent instead.'
    )
  if (!isGrayActive(obs.gray)) {
    return refusal(
      obs,
      settings,
      `No gray plan is running (plan status: ${obs.gray.status}); nothing to advance.`
    )
  }
  const next = nextStep(schedule, obs.gray, recordedFor(obs), settings.now)
  if (!next.step) {
    return refusal(
      obs,
      settings,
      `The gray schedule (${schedule.text}) is complete; finish with release or revert-gray.`
    )
  }
  const early = next.due ? [] : ['Advanced by hand before the step was due.']
  return planGray(obs, settings, { percent: next.step.percent, stepIndex: next.index, notes: early })
}

/** Cancel the running gray plan; users on the gray version go back to the online version. */
export function decideRevertGray(obs: TargetObservation, settings: ReleaseSettings): Decision {
  if (!isGrayActive(obs.gray)) {
    return refusal(
      obs,
      settings,
      `No gray plan is running (plan status: ${obs.gray.status}); nothing to revert.`
    )
  }
  const version = grayVersionOf(obs)
  const previous = recordedFor(obs)
  const reason = 'Reverted by command revert-gray.'
  const recorded: RecordedRollout | undefined = version
    ? {
        version,
        stepIndex: previous?.stepIndex ?? -1,
        percentage: obs.gray.percentage,
        stepTakenAt: previous?.stepTakenAt ?? settings.now,
        haltedReason: reason,
        ...(previous?.schedule ? { schedule: previous.schedule } : {})
      }
    : undefined
  const message = `Reverted the gray release${version ? ` of ${version}` : ''} at ${obs.gray.percentage} %; users are back on ${obs.versions.online?.version ?? 'the online version'}.`
  return decision(obs, {
    writes: [
      { kind: 'revertgrayrelease' },
      ...(version && settings.deploymentEnvironment
        ? [
            {
              kind: 'deployment' as const,
              environment: settings.deploymentEnvironment,
              version,
              operation: 'gray' as const,
              state: 'inactive' as const
            }
          ]
        : [])
    ],
    outputs: { ...baseOutputs(obs, version), grayStatus: 'reverted', result: 'reverted', message },
    checks: [
      grayCheck(obs, settings, {
        version,
        gray: { ...obs.gray, status: 'reverted' },
        ...(recorded ? { recorded } : {}),
        halted: reason
      })
    ]
  })
}

/**
 * After the bind_tester writes: the same decision with each ID's outcome in the gray check and a note
 * naming the IDs that failed. `errcodes` maps WeChat ID → bind_tester errcode.
 */
export function withTesterOutcomes(planned: Decision, errcodes: Record<string, number>): Decision {
  const failed = Object.entries(errcodes)
    .map(([wechatid, errcode]) => ({ wechatid, outcome: describeTesterOutcome(errcode) }))
    .filter((entry) => entry.outcome !== 'bound' && entry.outcome !== 'already a member')
  const notes = [...planned.notes]
  if (failed.length > 0) {
    notes.push(
      `Not bound as experience members: ${failed.map((entry) => `${entry.wechatid} (${entry.outcome})`).join(', ')}.`
    )
  }
  const checks = planned.checks.map((check) => {
    if (check.kind !== 'gray' || !check.state.whitelist) return check
    const whitelist = check.state.whitelist.map((entry) => {
      const errcode = errcodes[entry.wechatid]
      return errcode !== undefined
        ? { wechatid: entry.wechatid, outcome: describeTesterOutcome(errcode) }
        : entry
    })
    return { ...check, state: { ...check.state, whitelist, notes } }
  })
  return { ...planned, notes, checks }
}
