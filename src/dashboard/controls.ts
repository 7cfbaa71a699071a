/**
 * Which controls the dashboard offers for a target, the text of each box, the fingerprint of the WeChat
 * state it was rendered from, and the command a granted tick runs.
 *
 * A control is offered exactly when the release decision for its command would act now (same rules as
 * the command, checked before WeChat is called), so a box never promises what the pipeline refuses.
 */
import { createHash } from 'node:crypto'
import { approvedUnreleased, grayVersionOf } from '../release/common.js'
import { decide } from '../release/decide.js'
import { wasSpedUp } from '../release/review.js'
import { isGrayActive, type Decision, type TargetObservation } from '../release/model.js'
import type { ReleaseCommand, ReleaseSettings } from '../release/settings.js'
import { inlineText } from '../report/markdown.js'
import type { Control, ControlCommand, ControlKind, ControlMarker } from './model.js'

/** Percentages offered when no gray-schedule is configured. */
export const GRAY_LADDER: readonly number[] = [1, 5, 10, 20, 50]
/** The version of a gray plan the action cannot name (WeChat's plan does not say). */
export const UNKNOWN_VERSION = '?'

type MarkerIdentity = Omit<ControlMarker, 'fingerprint'>

/**
 * The observation fields that matter for a control. Volatile fields that do not change what the control
 * does (the quota, the clock, JS error counts) stay out, so a box remains valid while nothing it depends
 * on has changed.
 */
function fingerprintFields(control: ControlKind, obs: TargetObservation): unknown {
  const review = [obs.review.auditId ?? null, obs.review.status, obs.review.userVersion ?? null]
  const gray = [obs.gray.status, obs.gray.percentage, obs.gray.startedAt ?? null]
  const online = obs.versions.online?.version ?? null
  switch (control) {
    case 'gray-to':
    case 'release':
      return { review, gray, online }
    case 'revert-gray':
      return { gray, online }
    case 'rollback':
      return {
        gray,
        online,
        history: (obs.history ?? []).map((entry) => [entry.appVersion, entry.userVersion])
      }
    case 'withdraw':
      return { review }
    case 'speedup':
      return { review, spedUp: wasSpedUp(obs) }
  }
}

export function fingerprint(identity: MarkerIdentity, obs: TargetObservation): string {
  const canonical = JSON.stringify([
    identity.control,
    identity.appid,
    identity.version,
    identity.percent ?? null,
    identity.from ?? null,
    fingerprintFields(identity.control, obs)
  ])
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16)
}

/** The box text, from the marker's fields only: a box whose text differs from this was edited by hand. */
export function controlLabel(marker: MarkerIdentity): string {
  const version = `**${inlineText(marker.version)}**`
  const target = `\`${marker.appid}\``
  switch (marker.control) {
    case 'gray-to':
      return marker.percent
        ? `Gray-release ${version} to ${marker.percent} % of users · ${target}`
        : `Gray-release ${version} to the members who get it first (0 %) · ${target}`
    case 'release':
      return `Release ${version} to everyone · ${target}`
    case 'revert-gray':
      return marker.version === UNKNOWN_VERSION
        ? `Revert the gray release · ${target}`
        : `Revert the gray release of ${version} · ${target}`
    case 'rollback':
      return `Roll back from **${inlineText(marker.from ?? '')}** to ${version} · ${target}`
    case 'withdraw':
      return `Withdraw the review of ${version} · ${target}`
    case 'speedup':
      return `Speed up the review of ${version} · ${target}`
  }
}

const COMMAND: Record<ControlKind, ControlCommand['command']> = {
  'gray-to': 'gray',
  release: 'release',
  'revert-gray': 'revert-gray',
  rollback: 'rollback',
  withdraw: 'withdraw',
  speedup: 'speedup'
}

/** The command (and the settings that name its target) a granted tick runs through the pipeline. */
export function commandFor(marker: MarkerIdentity): ControlCommand {
  const command: ControlCommand = { command: COMMAND[marker.control], appid: marker.appid }
  switch (marker.control) {
    case 'gray-to':
      return { ...command, version: marker.version, grayPercent: marker.percent ?? 0 }
    case 'rollback':
      return { ...command, rollbackTo: marker.version }
    case 'revert-gray':
      return command
    default:
      return { ...command, version: marker.version }
  }
}

/** The release settings of the command a control runs. */
export function settingsFor(marker: MarkerIdentity, base: ReleaseSettings): ReleaseSettings {
  const { command, version, grayPercent, rollbackTo } = commandFor(marker)
  const settings: ReleaseSettings = { ...base, command: command as ReleaseCommand }
  delete settings.version
  delete settings.grayPercent
  delete settings.rollbackTo
  if (version !== undefined && version !== UNKNOWN_VERSION) settings.version = version
  if (grayPercent !== undefined) settings.grayPercent = grayPercent
  if (rollbackTo !== undefined) settings.rollbackTo = rollbackTo
  return settings
}

/** What the command's decision would do now. */
export function decisionFor(marker: MarkerIdentity, obs: TargetObservation, base: ReleaseSettings): Decision {
  return decide(obs, settingsFor(marker, base))
}

/** The decision acts on WeChat (a deployment record alone, or a refusal, is not an action). */
function acts(decision: Decision): boolean {
  return !decision.refused && decision.writes.some((write) => write.kind !== 'deployment')
}

function offer(identity: MarkerIdentity, obs: TargetObservation, settings: ReleaseSettings): Control[] {
  if (!acts(decisionFor(identity, obs, settings))) return []
  return [{ ...identity, fingerprint: fingerprint(identity, obs), label: controlLabel(identity) }]
}

function grayPercents(obs: TargetObservation, settings: ReleaseSettings): number[] {
  const candidates = settings.graySchedule
    ? settings.graySchedule.steps.map((step) => step.percent)
    : [...GRAY_LADDER]
  const floor = isGrayActive(obs.gray) ? obs.gray.percentage : -1
  return candidates.filter((percent) => percent > floor && percent < 100)
}

/** The controls that apply to the target now, in the order the dashboard shows them. */
export function availableControls(obs: TargetObservation, settings: ReleaseSettings): Control[] {
  const appid = obs.appid
  const controls: Control[] = []
  const approved = approvedUnreleased(obs)
  if (approved) {
    for (const percent of grayPercents(obs, settings)) {
      controls.push(...offer({ control: 'gray-to', appid, version: approved, percent }, obs, settings))
    }
    controls.push(...offer({ control: 'release', appid, version: approved }, obs, settings))
  }
  if (isGrayActive(obs.gray)) {
    const version = grayVersionOf(obs) ?? UNKNOWN_VERSION
    controls.push(...offer({ control: 'revert-gray', appid, version }, obs, settings))
  }
  const online = obs.versions.online?.version
  if (online && obs.history) {
    // The rollback decision without a chosen version names the previous one; the box then chooses it explicitly.
    const rollback: ReleaseSettings = { ...settings, command: 'rollback' }
    delete rollback.rollbackTo
    const previous = decide(obs, rollback)
    const target = acts(previous) ? previous.outputs.version : undefined
    if (target && target !== online) {
      controls.push(...offer({ control: 'rollback', appid, version: target, from: online }, obs, settings))
    }
  }
  const pending = obs.review.userVersion ?? UNKNOWN_VERSION
  controls.push(...offer({ control: 'withdraw', appid, version: pending }, obs, settings))
  controls.push(...offer({ control: 'speedup', appid, version: pending }, obs, settings))
  return controls
}

/** Two markers name the same control (fingerprints aside). */
export function sameControl(a: MarkerIdentity, b: MarkerIdentity): boolean {
  return (
    a.control === b.control &&
    a.appid === b.appid &&
    a.version === b.version &&
    a.percent === b.percent &&
    a.from === b.from
  )
}
