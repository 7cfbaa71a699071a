/**
 * Transitions people must know about, announced as comments on the dashboard (GitHub notifies its
 * subscribers): review approved, rejected or delayed; the health gate halted the gray; 24 h left of the
 * 15-day limit; released to everyone; rolled back.
 *
 * A transition is found by comparing the snapshot kept in the body's hidden state with WeChat's state
 * now, so each is announced once. The hidden state is only a memory of what was announced: a person who
 * edits it can at most repeat or skip an announcement; it never decides a write.
 */
import { createHash } from 'node:crypto'
import { grayVersionOf } from '../release/common.js'
import { grayDeadline } from '../release/deadline.js'
import { isGrayActive, type TargetObservation } from '../release/model.js'
import { finishedByWeChat } from '../release/sync.js'
import { formatUtc } from '../release/time.js'
import { inlineText } from '../report/markdown.js'
import { controlLabel } from './controls.js'
import { MARKER_PREFIX, type Control, type DashboardState, type TargetSnapshot } from './model.js'

/** One target as the dashboard shows it: WeChat's state now and what the pipeline found beyond it. */
export interface DashboardTarget {
  appid: string
  /** Undefined when WeChat could not be read in this run (then `error` says why). */
  observation?: TargetObservation
  error?: string
  /** The health gate's verdict in this run, when it was evaluated. */
  health?: { pass: boolean; reason: string }
  /** Why the rollout is stopped; `byHealthGate` when the gate stopped it. */
  halted?: { reason: string; byHealthGate: boolean }
}

export type TransitionKind =
  | 'review-approved'
  | 'review-rejected'
  | 'review-delayed'
  | 'health-halted'
  | 'deadline-24h'
  | 'released'
  | 'rolled-back'

export interface Transition {
  kind: TransitionKind
  appid: string
  /** Stable identity of the event (goes into the comment's hidden marker, so a retry can find it). */
  key: string
  version?: string
  /** The version that was online before (released, rolled-back). */
  from?: string
  auditId?: number
  /** Rejection or delay reason, or the health gate's reason (untrusted text). */
  reason?: string
  percentage?: number
  /** Unix seconds of WeChat's automatic release (deadline-24h). */
  endsAt?: number
  /** released: WeChat released the gray version itself when the 15-day limit ran out. */
  byWeChat?: boolean
}

/** The last 24 h of the 15-day limit are announced. */
export const DEADLINE_NOTICE_SECONDS = 24 * 3600

function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12)
}

function transitionKey(kind: TransitionKind, appid: string, identity: unknown): string {
  return `${appid}:${kind}:${shortHash(identity)}`
}

/** What the dashboard remembers of a target (the announcement flags are set by detectTransitions). */
export function snapshotOf(obs: TargetObservation): TargetSnapshot {
  const snapshot: TargetSnapshot = {}
  const { review, gray } = obs
  if (review.status !== 'none' || review.userVersion !== undefined) {
    snapshot.review = {
      status: review.status,
      ...(review.auditId !== undefined ? { auditId: review.auditId } : {}),
      ...(review.userVersion !== undefined ? { version: review.userVersion } : {})
    }
  }
  if (gray.status !== 'none') {
    const version = grayVersionOf(obs)
    snapshot.gray = {
      status: gray.status,
      percentage: gray.percentage,
      ...(gray.startedAt !== undefined ? { startedAt: gray.startedAt } : {}),
      ...(version !== undefined ? { version } : {})
    }
  }
  if (obs.versions.online?.version) snapshot.online = obs.versions.online.version
  return snapshot
}

function reviewTransition(obs: TargetObservation, before: TargetSnapshot): Transition | undefined {
  const { review } = obs
  const kinds: Partial<Record<typeof review.status, TransitionKind>> = {
    approved: 'review-approved',
    rejected: 'review-rejected',
    delayed: 'review-delayed'
  }
  const kind = kinds[review.status]
  if (!kind) return undefined
  const earlier = before.review
  if (
    earlier?.status === review.status &&
    earlier.auditId === review.auditId &&
    earlier.version === review.userVersion
  ) {
    return undefined
  }
  return {
    kind,
    appid: obs.appid,
    key: transitionKey(kind, obs.appid, [review.auditId ?? null, review.userVersion ?? null]),
    ...(review.userVersion !== undefined ? { version: review.userVersion } : {}),
    ...(review.auditId !== undefined ? { auditId: review.auditId } : {}),
    ...(review.reason ? { reason: review.reason } : {})
  }
}

function onlineTransition(
  obs: TargetObservation,
  before: TargetSnapshot,
  now: number
): Transition | undefined {
  const online = obs.versions.online?.version
  if (!online || online === before.online) return undefined
  const released =
    online === obs.review.userVersion || online === before.gray?.version || online === before.review?.version
  // Nothing was known to be online before: only the approved version going online is news (the first release);
  // anything else is WeChat answering without the version earlier, not a rollback.
  if (before.online === undefined && !released) return undefined
  const kind: TransitionKind = released ? 'released' : 'rolled-back'
  return {
    kind,
    appid: obs.appid,
    key: transitionKey(kind, obs.appid, [before.online ?? null, online]),
    version: online,
    ...(before.online !== undefined ? { from: before.online } : {}),
    ...(released && finishedByWeChat(obs, now) ? { byWeChat: true } : {})
  }
}

export interface DetectedTransitions {
  transitions: Transition[]
  /** The snapshots to keep in the body, announcement flags included. */
  targets: Record<string, TargetSnapshot>
}

/**
 * Compares the remembered snapshots with WeChat's state now. Without a remembered state (a new dashboard,
 * or one whose hidden state was removed or damaged) and for a target seen for the first time, the state
 * now becomes the baseline and nothing is announced.
 */
export function detectTransitions(
  previous: DashboardState | undefined,
  targets: DashboardTarget[],
  now: number
): DetectedTransitions {
  const transitions: Transition[] = []
  const snapshots: Record<string, TargetSnapshot> = {}
  for (const target of targets) {
    const before = previous?.targets[target.appid]
    const obs = target.observation
    if (!obs) {
      // Not read in this run: keep what was known, so nothing is announced twice once it is read again.
      if (before) snapshots[target.appid] = before
      continue
    }
    const snapshot = snapshotOf(obs)
    const startedAt = obs.gray.startedAt
    const active = isGrayActive(obs.gray) && startedAt !== undefined
    const baseline = !before
    const found: Transition[] = []

    if (!baseline) {
      const review = reviewTransition(obs, before)
      if (review) found.push(review)
    }

    if (before?.healthHaltedPlan !== undefined && before.healthHaltedPlan === startedAt) {
      snapshot.healthHaltedPlan = before.healthHaltedPlan
    } else if (target.halted?.byHealthGate && startedAt !== undefined) {
      snapshot.healthHaltedPlan = startedAt
      if (!baseline) {
        found.push({
          kind: 'health-halted',
          appid: obs.appid,
          key: transitionKey('health-halted', obs.appid, startedAt),
          ...versionField(grayVersionOf(obs)),
          percentage: obs.gray.percentage,
          reason: target.halted.reason
        })
      }
    }

    if (before?.deadlineNoticePlan !== undefined && before.deadlineNoticePlan === startedAt) {
      snapshot.deadlineNoticePlan = before.deadlineNoticePlan
    } else if (active) {
      const deadline = grayDeadline(obs.gray, now, 24)
      if (deadline && deadline.remainingSeconds > 0 && deadline.remainingSeconds <= DEADLINE_NOTICE_SECONDS) {
        snapshot.deadlineNoticePlan = startedAt
        if (!baseline) {
          const version = grayVersionOf(obs)
          found.push({
            kind: 'deadline-24h',
            appid: obs.appid,
            key: transitionKey('deadline-24h', obs.appid, startedAt),
            ...(version !== undefined ? { version } : {}),
            percentage: obs.gray.percentage,
            endsAt: deadline.endsAt
          })
        }
      }
    }

    if (!baseline) {
      const online = onlineTransition(obs, before, now)
      if (online) found.push(online)
    }
    transitions.push(...found)
    snapshots[target.appid] = snapshot
  }
  return { transitions, targets: snapshots }
}

// ---- comments ---------------------------------------------------------------------------------------

export function noticeMarker(key: string): string {
  return `<!-- ${MARKER_PREFIX}:notice ${key} -->`
}

function version(text: string | undefined): string {
  return text === undefined ? 'an unknown version' : `**${inlineText(text)}**`
}

function quoted(reason: string | undefined): string[] {
  if (!reason?.trim()) return []
  const text = reason.trim()
  const cut = text.length > 1500 ? `${text.slice(0, 1500)}…` : text
  return ['', `> ${inlineText(cut)}`]
}

/** The comment for one transition. It mentions nobody: GitHub notifies the dashboard's subscribers. */
export function renderNotification(transition: Transition): string {
  const target = `\`${transition.appid}\``
  const audit = transition.auditId !== undefined ? ` (audit ${transition.auditId})` : ''
  const lines: string[] = []
  switch (transition.kind) {
    case 'review-approved':
      lines.push(
        `✅ WeChat approved ${version(transition.version)} of ${target}${audit}. Release it or start a gray release from the dashboard.`
      )
      break
    case 'review-rejected':
      lines.push(`❌ WeChat rejected ${version(transition.version)} of ${target}${audit}.`)
      lines.push(...quoted(transition.reason))
      lines.push('', 'Fix the problem and submit again; `feedback` reaches the reviewer on the resubmission.')
      break
    case 'review-delayed':
      lines.push(`⏳ WeChat delayed the review of ${version(transition.version)} of ${target}${audit}.`)
      lines.push(...quoted(transition.reason))
      break
    case 'health-halted':
      lines.push(
        `🛑 The health gate halted the gray release of ${version(transition.version)} of ${target} at ${transition.percentage ?? 0} %.`
      )
      lines.push(...quoted(transition.reason))
      lines.push('', 'Advance, release or revert it from the dashboard once you have looked at the errors.')
      break
    case 'deadline-24h': {
      const at = transition.endsAt !== undefined ? formatUtc(transition.endsAt) : 'within 24 h'
      lines.push(
        `⏰ Less than 24 h are left of WeChat's 15-day gray limit for ${version(transition.version)} of ${target} (at ${transition.percentage ?? 0} %): WeChat releases it to everyone at ${at} unless it is released or reverted first.`
      )
      break
    }
    case 'released':
      lines.push(
        transition.byWeChat
          ? `🚀 WeChat released ${version(transition.version)} of ${target} to everyone when the 15-day gray limit ran out${transition.from !== undefined ? ` (was ${version(transition.from)})` : ''}.`
          : `🚀 ${version(transition.version)} of ${target} is online for everyone${transition.from !== undefined ? ` (was ${version(transition.from)})` : ''}.`
      )
      break
    case 'rolled-back':
      lines.push(
        `↩️ ${target} was rolled back from ${version(transition.from)} to ${version(transition.version)}.`
      )
      break
  }
  lines.push('', noticeMarker(transition.key))
  return lines.join('\n')
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/** `@login` for a person; anything that is not a plain GitHub login (bots included) is written inert. */
export function mention(login: string): string {
  return LOGIN.test(login) ? `@${login}` : inlineText(login)
}

export interface OutcomeCommentInput {
  /** The login of the person who ticked the box: the only mention in the comment. */
  sender: string
  /** The box that was ticked (its text is re-rendered from the marker, never copied from the body). */
  control: Omit<Control, 'label' | 'fingerprint'>
  outcome: 'done' | 'refused' | 'failed'
  /** What happened, or why not (untrusted parts are made inert here). */
  message: string
  runUrl: string
}

/** The reply to a tick: done, refused (nothing happened in WeChat) or failed. */
export function renderOutcomeComment(input: OutcomeCommentInput): string {
  const what = controlLabel(input.control)
  const message = inlineText(input.message.trim())
  const lead = mention(input.sender)
  const lines =
    input.outcome === 'done'
      ? [`${lead} ✅ Done: ${what}`, '', message]
      : input.outcome === 'refused'
        ? [
            `${lead} 🚫 Not done: ${what}`,
            '',
            `Refused because ${message}`,
            '',
            'Nothing was changed in WeChat.'
          ]
        : [`${lead} ❌ Failed: ${what}`, '', message]
  lines.push('', `[Workflow run](${input.runUrl})`)
  return lines.join('\n')
}

/** `{ version }` when there is one: an optional field is left out rather than set to undefined. */
function versionField(version: string | undefined): { version?: string } {
  return version === undefined ? {} : { version }
}
