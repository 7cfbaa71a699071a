/** Decisions that change what everyone gets: full release and rollback. */
import {
  baseOutputs,
  decision,
  deploymentWrite,
  grayCheck,
  grayVersionOf,
  recordedFor,
  refusal,
  releasedThenRolledBack,
  reviewCheck,
  rolledBackMessage,
  unknownApprovedVersion
} from './common.js'
import {
  isGrayActive,
  reviewStatusText,
  type CheckPlan,
  type Decision,
  type HistoryEntry,
  type TargetObservation
} from './model.js'
import type { ReleaseSettings } from './settings.js'
import { formatUtc } from './time.js'

/** Release the approved version to everyone, after checking it is the version the user means. */
export function decideRelease(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const { review } = obs
  const approved = review.status === 'approved' ? review.userVersion : undefined
  const version = settings.version
  if (!version) {
    return refusal(
      obs,
      settings,
      `Set version to the version you mean to release${approved ? ` (the approved version is ${approved})` : ''}; release never guesses.`
    )
  }
  if (obs.versions.online?.version === version) {
    const message = `Version ${version} is already online (WeChat: 85052 "app is already released"); nothing to do.`
    return decision(obs, {
      // A rerun after a crash between the release and its record still records it (no write when it exists).
      writes: deploymentWrite(settings, version, 'release'),
      notes: [message],
      outputs: { ...baseOutputs(obs, version), result: 'unchanged', message }
    })
  }
  if (releasedThenRolledBack(obs)) return refusal(obs, settings, rolledBackMessage(obs))
  if (review.status === 'none') {
    return refusal(obs, settings, `No version is approved, so ${version} cannot be released (WeChat: 85019).`)
  }
  const unknown = unknownApprovedVersion(obs)
  if (unknown) return refusal(obs, settings, unknown)
  if (!approved) {
    return refusal(
      obs,
      settings,
      `Version ${version} cannot be released: the latest review is of ${review.userVersion ?? 'a version WeChat does not name'} and it is ${reviewStatusText(review.status)}, while WeChat releases only the last approved version (85020).`
    )
  }
  if (approved !== version) {
    return refusal(
      obs,
      settings,
      `The approved version is ${approved}, not ${version}: WeChat releases only the last approved version. Set version: ${approved} to release it.`
    )
  }

  const notes: string[] = []
  const checks: CheckPlan[] = []
  let grayStatus = obs.gray.status
  if (isGrayActive(obs.gray)) {
    const inGray = grayVersionOf(obs)
    if (inGray !== version) {
      return refusal(
        obs,
        settings,
        `${inGray ? `Version ${inGray}` : 'Another version'} is in gray release (${obs.gray.percentage} %); no other version can be released while a gray plan runs. Finish it with release (version: ${inGray ?? 'the gray version'}) or revert-gray first.`
      )
    }
    notes.push(`This finishes the gray release of ${version} at ${obs.gray.percentage} %: everyone gets it.`)
    grayStatus = 'finished'
    const previous = recordedFor(obs)
    const recorded = {
      version,
      stepIndex: previous?.stepIndex ?? -1,
      percentage: 100,
      stepTakenAt: settings.now,
      ...(settings.graySchedule ? { schedule: settings.graySchedule.text } : {})
    }
    checks.push(
      grayCheck(obs, settings, {
        version,
        gray: { ...obs.gray, status: 'finished', percentage: 100 },
        recorded,
        notes
      })
    )
  }
  // The review check says the version is online, as the next sync will find it.
  const released: TargetObservation = {
    ...obs,
    versions: { ...obs.versions, online: { version, at: settings.now } },
    gray: grayStatus === 'finished' ? { ...obs.gray, status: 'finished', percentage: 100 } : obs.gray
  }
  checks.unshift(reviewCheck(released, settings))
  const message = `Released ${version} to everyone.`
  return decision(obs, {
    writes: [{ kind: 'release' }, ...deploymentWrite(settings, version, 'release')],
    notes,
    outputs: {
      ...baseOutputs(obs, version),
      onlineVersion: version,
      grayStatus,
      ...(grayStatus === 'finished' ? { grayPercentage: 100 } : {}),
      result: 'released',
      message
    },
    checks
  })
}

function describeHistory(entry: HistoryEntry): string {
  return `${entry.userVersion} (app_version ${entry.appVersion}, released ${formatUtc(entry.committedAt)})`
}

const NOTHING_TO_ROLL_BACK =
  'WeChat lists no version to roll back to (87012): it keeps only the last 5 versions released through the platform, a version already rolled back cannot be again, and versions released in the console before authorization are not listed.'

/** Roll back to the previous version, or to a chosen one from WeChat's rollback list. */
export function decideRollback(obs: TargetObservation, settings: ReleaseSettings): Decision {
  if (isGrayActive(obs.gray)) {
    const inGray = grayVersionOf(obs)
    return refusal(
      obs,
      settings,
      `A gray release${inGray ? ` of ${inGray}` : ''} is running (${obs.gray.percentage} %), and WeChat refuses a rollback meanwhile (87011). Finish it with release or revert-gray first.`
    )
  }
  const online = obs.versions.online
  if (!online) return refusal(obs, settings, 'No version is online, so there is nothing to roll back.')
  const onlineName = online.version
  // WeChat's list may include the version online (developer community C-0004e8c568cc00397cf463ed061000).
  const targets = (obs.history ?? [])
    .filter((entry) => entry.userVersion !== onlineName)
    .sort((a, b) => b.committedAt - a.committedAt)
  const listed = targets.map(describeHistory)
  const historyNote = listed.length > 0 ? `Rollback targets: ${listed.join('; ')}.` : NOTHING_TO_ROLL_BACK
  if (targets.length === 0) return refusal(obs, settings, NOTHING_TO_ROLL_BACK)
  const from = onlineName ?? 'the online version (WeChat does not report its name)'

  if (settings.rollbackTo) {
    if (settings.rollbackTo === onlineName) {
      // Already there (a rerun after the rollback went through): converge instead of failing.
      const message = `Version ${onlineName} is already online; nothing to roll back.`
      return decision(obs, {
        writes: deploymentWrite(settings, onlineName, 'rollback'),
        notes: [historyNote],
        outputs: { ...baseOutputs(obs, onlineName), onlineVersion: onlineName, result: 'unchanged', message }
      })
    }
    const chosen = targets.find((entry) => entry.userVersion === settings.rollbackTo)
    if (!chosen) {
      return refusal(
        obs,
        settings,
        `Version ${settings.rollbackTo} is not in WeChat's rollback list; choose one of ${targets.map((entry) => entry.userVersion).join(', ')}.`,
        [historyNote]
      )
    }
    return rollbackTo(obs, settings, chosen, from, historyNote, targets, true)
  }
  if (onlineName === undefined) {
    // Which entry is "previous" cannot be told without the online version's name: WeChat chooses.
    const message = `Rolled back from ${from} to the version before it, as WeChat chooses it; run sync to see which version is online now.`
    return decision(obs, {
      writes: [{ kind: 'revertcoderelease' }],
      notes: [historyNote],
      outputs: {
        ...baseOutputs(obs),
        rollbackTargets: targets.map((entry) => entry.userVersion),
        result: 'rolled-back',
        message
      }
    })
  }
  return rollbackTo(obs, settings, targets[0]!, from, historyNote, targets, false)
}

function rollbackTo(
  obs: TargetObservation,
  settings: ReleaseSettings,
  target: HistoryEntry,
  from: string,
  historyNote: string,
  targets: HistoryEntry[],
  chosen: boolean
): Decision {
  const message = `Rolled back from ${from} to ${target.userVersion}.`
  return decision(obs, {
    writes: [
      chosen
        ? { kind: 'revertcoderelease', appVersion: target.appVersion, userVersion: target.userVersion }
        : { kind: 'revertcoderelease', userVersion: target.userVersion },
      ...deploymentWrite(settings, target.userVersion, 'rollback')
    ],
    notes: [historyNote],
    outputs: {
      ...baseOutputs(obs, target.userVersion),
      onlineVersion: target.userVersion,
      rollbackTargets: targets.map((entry) => entry.userVersion),
      result: 'rolled-back',
      message
    }
  })
}
