/**
 * The two check runs, "WeChat review" and "WeChat gray release", rendered from the state the decisions
 * return. The same state always gives the same text, so the GitHub client can skip a write when nothing
 * changed. Every text that came from WeChat (versions, reasons, media ids, JS error messages) and every
 * plain-text note goes through the inert renderer.
 *
 * Check states. Check runs report status only (no buttons: GitHub starts no workflow from `check_run`
 * events of runs GitHub Actions created, and sends `requested_action` only to the app that made the run).
 * GitHub marks a run that stays incomplete for 14 days `stale`, and reopening a completed run is not
 * documented, so:
 * - The gray check is always `completed`: `neutral` while the plan runs or is paused (the title and text
 *   carry the percentage, the next step and the countdown), `failure` when the health gate halted it or a
 *   failing gate reverted it, `neutral` when it was reverted otherwise or WeChat released it at the limit,
 *   `success` when the action released it. A rollout may last 15 days; its run is never incomplete.
 * - The review check is `in_progress` while WeChat reviews the version, for at most 13 days from the
 *   submission (WeChat's submit time, else the time the record first saw it pending); after that it is
 *   completed `neutral` "still under review" one day before GitHub would mark it stale. The outcome
 *   completes it: `success` approved, `failure` rejected, `neutral` withdrawn or uploaded for the console
 *   (route none).
 * - A completed run may get a new text or conclusion (a completed run that stays completed). A state that
 *   needs an incomplete run after a completed one (a resubmission of the same version after a rejection)
 *   gets a new run: the GitHub client never sends a completed run back to `in_progress`, and treats a
 *   `stale` run as completed.
 * - The aggregated fan-out check is always completed (see summary.ts).
 */
import type { CheckConclusion, CheckStatus } from '../github/client.js'
import { countdownText } from '../release/deadline.js'
import {
  isGrayActive,
  reviewStatusText,
  type CheckPlan,
  type GrayCheckState,
  type GrayObservation,
  type ReviewCheckState
} from '../release/model.js'
import { embedRecorded, embedRecordedReview } from '../release/recorded.js'
import { formatUtc } from '../release/time.js'
import { redact, redactMarkdown } from '../redact.js'
import { progressBar, shortTitle, table } from './format.js'
import { inlineCode, inlineText } from './markdown.js'

export const REVIEW_CHECK = 'WeChat review'
export const GRAY_CHECK = 'WeChat gray release'
/** How long a review check stays `in_progress`: one day less than GitHub's 14 days before `stale`. */
export const REVIEW_RUN_OPEN_SECONDS = 13 * 86_400

/** Check-run names carry the appid when a run acts on several mini programs. */
export function checkName(kind: CheckPlan['kind'], appid: string, targetCount = 1): string {
  const base = kind === 'review' ? REVIEW_CHECK : GRAY_CHECK
  return targetCount > 1 ? `${base} (${appid})` : base
}

/** Ties a check run to the mini program and the version it is about; stable across resubmissions. */
export function checkExternalId(kind: CheckPlan['kind'], appid: string, version: string | undefined): string {
  return `wechat-${kind}:${appid}:${version ?? 'none'}`
}

export interface RenderedCheck {
  status: CheckStatus
  conclusion?: CheckConclusion
  title: string
  summary: string
  text: string
}

export interface NamedCheck extends RenderedCheck {
  kind: CheckPlan['kind']
  name: string
  externalId: string
  version?: string
}

export interface CheckContext {
  /** More than one target puts the appid into check-run names. */
  targetCount: number
  runUrl?: string
}

/** The check run a plan describes: its name, external id and rendered state. */
export function renderCheck(plan: CheckPlan, context: CheckContext): NamedCheck {
  const rendered =
    plan.kind === 'review'
      ? renderReviewCheck(plan.appid, plan.state, context.runUrl)
      : renderGrayCheck(plan.appid, plan.version, plan.state, context.runUrl)
  return {
    kind: plan.kind,
    name: checkName(plan.kind, plan.appid, context.targetCount),
    externalId: checkExternalId(plan.kind, plan.appid, plan.version),
    ...(plan.version !== undefined ? { version: plan.version } : {}),
    ...rendered
  }
}

function finish(check: RenderedCheck): RenderedCheck {
  return {
    ...check,
    title: redact(shortTitle(check.title)),
    summary: redactMarkdown(check.summary),
    text: redactMarkdown(check.text)
  }
}

function notesBlock(notes: string[] | undefined): string[] {
  if (!notes || notes.length === 0) return []
  return ['', '**Notes**', '', ...notes.map((note) => `- ${inlineText(note)}`)]
}

function runLink(runUrl: string | undefined): string[] {
  return runUrl ? ['', `[Workflow run](${runUrl})`] : []
}

/** Whether a pending review's run has been open long enough that it must be completed now. */
export function reviewRunExpired(state: ReviewCheckState): boolean {
  const since = state.record.since ?? state.review.submittedAt
  return since !== undefined && state.now - since >= REVIEW_RUN_OPEN_SECONDS
}

export function renderReviewCheck(appid: string, state: ReviewCheckState, runUrl?: string): RenderedCheck {
  const { review } = state
  const version = review.userVersion ?? 'a version WeChat does not name'
  const shown = inlineText(version)
  const subject = `Version **${shown}** of ${inlineCode(appid)}`
  const audit = review.auditId !== undefined ? `audit ${review.auditId}` : 'audit id not given by WeChat'
  const submitted = review.submittedAt !== undefined ? `, submitted ${formatUtc(review.submittedAt)}` : ''
  let status: CheckStatus = 'completed'
  let conclusion: CheckConclusion | undefined = 'neutral'
  let title: string
  const summary: string[] = []

  switch (review.status) {
    case 'none':
      title = state.uploadedOnly ? `Uploaded for the console: ${version}` : 'Not submitted for review'
      summary.push(
        state.uploadedOnly
          ? `${subject} was uploaded. Submit it for review in the WeChat console (route: none); this check does not follow that review.`
          : `No review of ${inlineCode(appid)} is known to WeChat yet.`
      )
      break
    case 'under_review':
    case 'delayed': {
      const delayed = review.status === 'delayed'
      if (reviewRunExpired(state)) {
        const days = Math.floor(
          (state.now - (state.record.since ?? review.submittedAt ?? state.now)) / 86_400
        )
        title = `Still under review after ${days} days: ${version}`
        summary.push(
          `${subject} is still under review after ${days} days (${audit}${submitted}). This check is completed so that GitHub does not mark it stale; the review's outcome completes it again.`
        )
      } else {
        status = 'in_progress'
        conclusion = undefined
        title = `${delayed ? 'Review delayed' : 'Under review'}: ${version}`
        summary.push(
          delayed
            ? `${subject} is still under review, but WeChat delayed it (${audit}${submitted}).`
            : `${subject} is under review (${audit}${submitted}).`
        )
      }
      if (delayed && review.reason) summary.push('', `> ${inlineText(review.reason)}`)
      if (state.record.spedUp) summary.push('', 'An expedited review was requested.')
      break
    }
    case 'approved': {
      conclusion = 'success'
      title = `Approved: ${version}`
      summary.push(`${subject} was approved (${audit}).`)
      if (state.onlineVersion !== undefined && state.onlineVersion === review.userVersion) {
        summary.push('', 'It is online.')
      } else if (state.inGray) {
        summary.push('', 'It is in gray release; see the gray release check.')
      } else if (state.releaseOnApproval === 'full') {
        summary.push('', 'It is released to everyone by the next sync (release-on-approval: full).')
      } else if (state.releaseOnApproval === 'gray') {
        summary.push('', 'The gray schedule starts with the next sync (release-on-approval: gray).')
      } else if (review.userVersion !== undefined) {
        summary.push(
          '',
          `Release it with ${inlineCode('command: release')} and version ${shown}, or start a gray release with ${inlineCode('command: gray')}.`
        )
      }
      break
    }
    case 'rejected': {
      conclusion = 'failure'
      title = `Rejected: ${version}`
      summary.push(`${subject} was rejected (${audit}${submitted}).`)
      summary.push('', `> ${inlineText(review.reason?.trim() || 'WeChat gave no reason.')}`)
      if (review.screenshots.length > 0) {
        summary.push(
          '',
          `Reviewer screenshots (${review.screenshots.length}; media ids, fetched with the permanent-media API and the authorizer token):`,
          '',
          ...review.screenshots.map((id) => `- ${inlineText(id)}`)
        )
      }
      summary.push(
        '',
        `Fix the problem and submit again; ${inlineCode('feedback')} and ${inlineCode('feedback-media')} reach the reviewer only on a resubmission after a rejection.`
      )
      break
    }
    case 'withdrawn':
      title = `Withdrawn: ${version}`
      summary.push(`The review of version **${shown}** of ${inlineCode(appid)} was withdrawn (${audit}).`)
      break
  }

  const details = table(
    ['Mini program', 'Version', 'Audit id', 'Status', 'Submitted'],
    [
      [
        inlineCode(appid),
        review.userVersion !== undefined ? inlineText(review.userVersion) : undefined,
        review.auditId,
        reviewStatusText(review.status),
        review.submittedAt !== undefined ? formatUtc(review.submittedAt) : undefined
      ]
    ]
  )
  const text = [
    details,
    ...notesBlock(state.notes),
    ...runLink(runUrl),
    '',
    embedRecordedReview(state.record)
  ]
  return finish({
    status,
    ...(conclusion ? { conclusion } : {}),
    title,
    summary: summary.join('\n'),
    text: text.join('\n')
  })
}

function audience(gray: GrayObservation, whitelistCount: number): string {
  const first: string[] = []
  if (gray.projectMembersFirst) first.push('project members')
  if (gray.experienceMembersFirst) {
    first.push(
      whitelistCount > 0
        ? `experience members (incl. ${whitelistCount} whitelisted ID${whitelistCount === 1 ? '' : 's'})`
        : 'experience members'
    )
  }
  const share = `${gray.percentage} % of users`
  return first.length === 0 ? share : `${first.join(' and ')} first, then ${share}`
}

const PLAN_STATUS: Record<GrayObservation['status'], string> = {
  none: 'no plan',
  initial: 'created',
  running: 'running',
  paused: 'paused',
  finished: 'finished',
  reverted: 'reverted'
}

function deadlineLine(state: GrayCheckState): string | undefined {
  const { deadline } = state
  if (!deadline) return undefined
  const countdown = countdownText(deadline)
  const onAct =
    state.deadlineAction === 'release'
      ? 'the action releases to everyone'
      : state.deadlineAction === 'revert'
        ? 'the action reverts the gray'
        : 'the action only warns'
  const configured = `(gray-deadline-action: ${state.deadlineAction})`
  switch (deadline.phase) {
    case 'ok':
      return `${countdown}; ${state.marginHours} h before it ${onAct} ${configured}.`
    case 'warn':
      return `⚠️ ${countdown}; ${state.marginHours} h before it ${onAct} ${configured}.`
    case 'act':
      return `⚠️ ${countdown}: inside the ${state.marginHours} h margin, ${onAct} ${configured}.`
    case 'passed':
      return `⚠️ ${countdown}.`
  }
}

/** A gray check is always completed (see the check states above); its conclusion says how the plan stands. */
export function renderGrayCheck(
  appid: string,
  version: string | undefined,
  state: GrayCheckState,
  runUrl?: string
): RenderedCheck {
  const { gray } = state
  const plain = version ?? 'unknown version'
  const shown = inlineText(plain)
  const active = isGrayActive(gray)
  const whitelistCount = state.whitelist?.length ?? 0
  let conclusion: CheckConclusion = 'neutral'
  let title: string
  const summary: string[] = []

  if (state.halted && active) {
    conclusion = 'failure'
    title = `Halted at ${gray.percentage} %: ${plain}`
    summary.push(
      `The gray release of **${shown}** is halted at ${gray.percentage} %: ${inlineText(state.halted)}`
    )
  } else if (active) {
    title = `${gray.status === 'paused' ? 'Paused' : 'Gray'} at ${gray.percentage} %: ${plain}`
    summary.push(`**${shown}** reaches ${audience(gray, whitelistCount)}.`)
  } else if (gray.status === 'finished') {
    conclusion = state.finishedByWeChat ? 'neutral' : 'success'
    title = state.finishedByWeChat
      ? `Released to everyone by WeChat at the 15-day limit: ${plain}`
      : `Released to everyone: ${plain}`
    summary.push(
      state.finishedByWeChat
        ? `WeChat ended the gray plan of **${shown}** by releasing it to everyone when the 15-day limit ran out; no sync ran in time to act on the deadline.`
        : `The gray release of **${shown}** is finished: everyone has it.`
    )
  } else if (gray.status === 'reverted') {
    // Reverted by a failing health gate is a red check; reverted by hand or by the deadline guard is neutral.
    conclusion = state.health && !state.health.pass ? 'failure' : 'neutral'
    title = `Reverted: ${plain}`
    summary.push(`The gray release of **${shown}** was reverted; users are back on the online version.`)
    if (state.halted) summary.push('', inlineText(state.halted))
  } else {
    title = 'No gray release'
    summary.push(`${inlineCode(appid)} has no gray release plan.`)
  }

  summary.push('', progressBar(active ? gray.percentage : gray.status === 'finished' ? 100 : 0))
  const countdown = active ? deadlineLine(state) : undefined
  if (countdown) summary.push('', inlineText(countdown))
  if (active && state.next && !state.halted) {
    const when =
      state.next.dueAt === undefined
        ? ''
        : state.next.dueAt <= state.now
          ? ' now'
          : ` from ${formatUtc(state.next.dueAt)}`
    summary.push('', `Next step ${state.next.number} of ${state.next.of}: ${state.next.percent} %${when}.`)
  } else if (active && state.schedule && !state.next && !state.halted) {
    summary.push('', 'The gray schedule is complete; finish with a release or revert.')
  }
  if (state.health && !state.health.pass) summary.push('', inlineText(state.health.reason))

  const rows: Array<[string, string | number | undefined]> = [
    ['Mini program', inlineCode(appid)],
    ['Version', shown],
    ['Percentage', `${gray.percentage} %`],
    [
      'Who gets it first',
      [
        gray.projectMembersFirst ? 'project members' : '',
        gray.experienceMembersFirst ? 'experience members' : ''
      ]
        .filter(Boolean)
        .join(', ') || 'nobody before the percentage'
    ],
    ['Plan status', PLAN_STATUS[gray.status]],
    ['Started', gray.startedAt !== undefined ? formatUtc(gray.startedAt) : undefined]
  ]
  if (active && state.deadline) {
    rows.push(['Days left of 15', `${state.deadline.daysLeft}`])
    rows.push(['Released to everyone by WeChat at', formatUtc(state.deadline.endsAt)])
  }
  if (state.schedule) rows.push(['Schedule', inlineCode(state.schedule)])
  const text: string[] = [
    table(
      ['', ''],
      rows.map(([key, value]) => [`**${key}**`, value])
    )
  ]

  if (state.whitelist && state.whitelist.length > 0) {
    text.push(
      '',
      '**Whitelisted WeChat IDs** (bound as experience members)',
      '',
      table(
        ['WeChat ID', 'Outcome'],
        state.whitelist.map((entry) => [inlineCode(entry.wechatid), entry.outcome ?? 'pending'])
      )
    )
  }
  if (state.health) {
    text.push('', '**Health gate**', '', inlineText(state.health.reason))
    if (state.health.newGroups.length > 0) {
      text.push(
        '',
        table(
          ['New error', 'Users', 'Occurrences'],
          state.health.newGroups
            .slice(0, 20)
            .map((group) => [inlineText(group.message.slice(0, 200)), group.uv, group.pv])
        )
      )
      if (state.health.newGroups.length > 20)
        text.push('', `…and ${state.health.newGroups.length - 20} more.`)
    }
  }
  text.push(...notesBlock(state.notes), ...runLink(runUrl))
  if (state.recorded) text.push('', embedRecorded(state.recorded))
  return finish({
    status: 'completed',
    conclusion,
    title,
    summary: summary.join('\n'),
    text: text.join('\n')
  })
}
