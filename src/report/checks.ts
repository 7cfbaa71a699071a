/**
 * The two check runs, "WeChat review" and "WeChat gray release", rendered from plain state. The same input
 * always gives the same text, so the GitHub client can skip a write when nothing changed.
 */
import type { DeadlineStatus } from '../release/deadline.js'
import type { HealthResult } from '../release/health.js'
import {
  isGrayActive,
  type CheckConclusion,
  type CheckStatus,
  type GrayObservation,
  type RecordedRollout,
  type ReviewObservation,
  type TesterOutcome
} from '../release/model.js'
import { embedRecorded, embedRecordedReview } from '../release/recorded.js'
import { redact } from '../redact.js'
import { code, formatUtc, progressBar, shortTitle, table } from './format.js'

export interface RenderedCheck {
  status: CheckStatus
  conclusion?: CheckConclusion
  title: string
  summary: string
  text: string
}

export interface ReviewCheckInput {
  appid: string
  review: ReviewObservation
  onlineVersion?: string
  releaseOnApproval?: 'off' | 'full' | 'gray'
  /** The approved version is in gray release now. */
  inGray?: boolean
  notes?: string[]
  runUrl?: string
}

function finish(check: RenderedCheck): RenderedCheck {
  return {
    ...check,
    title: redact(shortTitle(check.title)),
    summary: redact(check.summary),
    text: redact(check.text)
  }
}

function notesBlock(notes: string[] | undefined): string[] {
  if (!notes || notes.length === 0) return []
  return ['', '**Notes**', '', ...notes.map((note) => `- ${note}`)]
}

function runLink(runUrl: string | undefined): string[] {
  return runUrl ? ['', `[Workflow run](${runUrl})`] : []
}

function quote(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join('\n')
}

export function renderReviewCheck(input: ReviewCheckInput): RenderedCheck {
  const { review, appid } = input
  const version = review.userVersion ?? 'unknown version'
  const subject = `Version **${version}** of ${code(appid)}`
  const audit = review.auditId !== undefined ? `audit ${review.auditId}` : 'audit id not known yet'
  const submitted = review.submittedAt !== undefined ? `, submitted ${formatUtc(review.submittedAt)}` : ''
  let status: CheckStatus = 'in_progress'
  let conclusion: CheckConclusion | undefined
  let title: string
  const summary: string[] = []

  switch (review.status) {
    case 'none':
      status = 'queued'
      title = 'Not submitted for review'
      summary.push(`No review of ${code(appid)} is known to WeChat yet.`)
      break
    case 'under_review':
      title = `Under review: ${version}`
      summary.push(`${subject} is under review (${audit}${submitted}).`)
      if (review.spedUp) summary.push('', 'An expedited review was requested.')
      break
    case 'delayed':
      title = `Review delayed: ${version}`
      summary.push(`${subject} is still under review, but WeChat delayed it (${audit}${submitted}).`)
      if (review.reason) summary.push('', quote(review.reason))
      break
    case 'approved': {
      status = 'completed'
      conclusion = 'success'
      title = `Approved: ${version}`
      summary.push(`${subject} was approved (${audit}).`)
      if (input.onlineVersion !== undefined && input.onlineVersion === review.userVersion) {
        summary.push('', 'It is online.')
      } else if (input.inGray) {
        summary.push('', 'It is in gray release; see the gray release check.')
      } else if (input.releaseOnApproval === 'full') {
        summary.push('', 'It is released to everyone by the next sync (release-on-approval: full).')
      } else if (input.releaseOnApproval === 'gray') {
        summary.push('', 'The gray schedule starts with the next sync (release-on-approval: gray).')
      } else {
        summary.push(
          '',
          `Release it with ${code('command: release')} and ${code(`version: ${version}`)}, or start a gray release with ${code('command: gray')}.`
        )
      }
      break
    }
    case 'rejected': {
      status = 'completed'
      conclusion = 'failure'
      title = `Rejected: ${version}`
      summary.push(`${subject} was rejected (${audit}${submitted}).`)
      summary.push('', quote(review.reason?.trim() || 'WeChat gave no reason.'))
      if (review.screenshots.length > 0) {
        summary.push(
          '',
          `Reviewer screenshots (${review.screenshots.length}; media ids, fetched with the permanent-media API and the authorizer token):`,
          '',
          ...review.screenshots.map((id) => `- ${code(id)}`)
        )
      }
      summary.push(
        '',
        `Fix the problem and submit again; ${code('feedback')} and ${code('feedback-media')} reach the reviewer only on a resubmission after a rejection.`
      )
      break
    }
    case 'withdrawn':
      status = 'completed'
      conclusion = 'neutral'
      title = `Withdrawn: ${version}`
      summary.push(
        `The review of ${subject.charAt(0).toLowerCase()}${subject.slice(1)} was withdrawn (${audit}).`
      )
      break
  }

  const details = table(
    ['Mini program', 'Version', 'Audit id', 'Status', 'Submitted'],
    [
      [
        appid,
        review.userVersion,
        review.auditId,
        review.status.replace('_', ' '),
        review.submittedAt !== undefined ? formatUtc(review.submittedAt) : undefined
      ]
    ]
  )
  const text = [details, ...notesBlock(input.notes), ...runLink(input.runUrl)]
  if (review.auditId !== undefined) {
    text.push('', embedRecordedReview({ auditId: review.auditId, spedUp: review.spedUp === true }))
  }
  return finish({
    status,
    ...(conclusion ? { conclusion } : {}),
    title,
    summary: summary.join('\n'),
    text: text.join('\n')
  })
}

export interface GrayNextStep {
  percent: number
  /** 1-based step number and the schedule's length, for "step 3 of 5". */
  number: number
  of: number
  dueAt?: number
}

export interface GrayCheckInput {
  appid: string
  version?: string
  /** The plan as it will be once the decision's writes are made. */
  gray: GrayObservation
  now: number
  deadline?: DeadlineStatus
  deadlineAction: 'release' | 'revert' | 'warn'
  marginHours: number
  schedule?: string
  next?: GrayNextStep
  /** Why the rollout is stopped (health gate, revert). */
  halted?: string
  /** The plan finished because WeChat released it on day 15, not because of a release. */
  finishedByWeChat?: boolean
  health?: HealthResult
  whitelist?: Array<{ wechatid: string; outcome?: TesterOutcome }>
  notes?: string[]
  recorded?: RecordedRollout
  runUrl?: string
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

/**
 * The 15-day countdown. Whole days while more than two are left and whole hours after that, so the check
 * text changes at most hourly and an unchanged plan does not rewrite the check run on every sync.
 */
export function countdownText(deadline: DeadlineStatus): string {
  const at = formatUtc(deadline.endsAt)
  if (deadline.remainingSeconds <= 0) return `the 15-day limit passed at ${at}`
  const hours = Math.floor(deadline.remainingSeconds / 3600)
  const left = deadline.remainingSeconds >= 2 * 86_400 ? `${deadline.daysLeft} days` : `${hours} h`
  return `${left} left of the 15-day limit (WeChat releases to everyone at ${at})`
}

function deadlineLine(input: GrayCheckInput): string | undefined {
  const { deadline } = input
  if (!deadline) return undefined
  const countdown = countdownText(deadline)
  const onAct =
    input.deadlineAction === 'release'
      ? 'the action releases to everyone'
      : input.deadlineAction === 'revert'
        ? 'the action reverts the gray'
        : 'the action only warns'
  switch (deadline.phase) {
    case 'ok':
      return `${countdown}; ${input.marginHours} h before it ${onAct} (gray-deadline-action: ${input.deadlineAction}).`
    case 'warn':
      return `⚠️ ${countdown}; ${input.marginHours} h before it ${onAct} (gray-deadline-action: ${input.deadlineAction}).`
    case 'act':
      return `⚠️ ${countdown}: inside the ${input.marginHours} h margin, ${onAct} (gray-deadline-action: ${input.deadlineAction}).`
    case 'passed':
      return `⚠️ ${countdown}.`
  }
}

export function renderGrayCheck(input: GrayCheckInput): RenderedCheck {
  const { gray, appid } = input
  const version = input.version ?? 'unknown version'
  const active = isGrayActive(gray)
  const whitelistCount = input.whitelist?.length ?? 0
  let status: CheckStatus = active ? 'in_progress' : 'completed'
  let conclusion: CheckConclusion | undefined
  let title: string
  const summary: string[] = []

  if (input.halted && active) {
    status = 'completed'
    conclusion = 'failure'
    title = `Halted at ${gray.percentage} %: ${version}`
    summary.push(`The gray release of **${version}** is halted at ${gray.percentage} %: ${input.halted}`)
  } else if (active) {
    title = `${gray.status === 'paused' ? 'Paused' : 'Gray'} at ${gray.percentage} %: ${version}`
    summary.push(`**${version}** reaches ${audience(gray, whitelistCount)}.`)
  } else if (gray.status === 'finished') {
    conclusion = input.finishedByWeChat ? 'neutral' : 'success'
    title = input.finishedByWeChat
      ? `Released to everyone by WeChat on day 15: ${version}`
      : `Released to everyone: ${version}`
    summary.push(
      input.finishedByWeChat
        ? `WeChat ended the gray plan of **${version}** by releasing it to everyone when the 15-day limit ran out; no sync ran in time to act on the deadline.`
        : `The gray release of **${version}** is finished: everyone has it.`
    )
  } else if (gray.status === 'reverted') {
    // Reverted by a failing health gate is a red check; reverted by hand is neutral.
    conclusion = input.health && !input.health.pass ? 'failure' : 'neutral'
    title = `Reverted: ${version}`
    summary.push(`The gray release of **${version}** was reverted; users are back on the online version.`)
    if (input.halted) summary.push('', input.halted)
  } else {
    conclusion = 'neutral'
    title = 'No gray release'
    summary.push(`${code(appid)} has no gray release plan.`)
  }

  summary.push('', progressBar(active ? gray.percentage : gray.status === 'finished' ? 100 : 0))
  const countdown = active ? deadlineLine(input) : undefined
  if (countdown) summary.push('', countdown)
  if (active && input.next && !input.halted) {
    const when =
      input.next.dueAt === undefined
        ? ''
        : input.next.dueAt <= input.now
          ? ' now'
          : ` from ${formatUtc(input.next.dueAt)}`
    summary.push('', `Next step ${input.next.number} of ${input.next.of}: ${input.next.percent} %${when}.`)
  } else if (active && input.schedule && !input.next && !input.halted) {
    summary.push('', 'The gray schedule is complete; finish with a release or revert.')
  }
  if (input.health && !input.health.pass) {
    summary.push('', input.health.reason)
  }

  const rows: Array<[string, string | number | undefined]> = [
    ['Mini program', appid],
    ['Version', input.version],
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
  if (active && input.deadline) {
    rows.push(['Days left of 15', `${input.deadline.daysLeft}`])
  }
  if (input.schedule) rows.push(['Schedule', input.schedule])
  const text: string[] = [
    table(
      ['', ''],
      rows.map(([key, value]) => [`**${key}**`, value])
    )
  ]

  if (input.whitelist && input.whitelist.length > 0) {
    text.push(
      '',
      '**Whitelisted WeChat IDs** (bound as experience members)',
      '',
      table(
        ['WeChat ID', 'Outcome'],
        input.whitelist.map((entry) => [entry.wechatid, entry.outcome ?? 'pending'])
      )
    )
  }
  if (input.health) {
    text.push('', '**Health gate**', '', input.health.reason)
    if (input.health.newGroups.length > 0) {
      text.push(
        '',
        table(
          ['New error', 'Users', 'Occurrences'],
          input.health.newGroups
            .slice(0, 20)
            .map((group) => [group.message.slice(0, 200), group.uv, group.pv])
        )
      )
      if (input.health.newGroups.length > 20)
        text.push('', `…and ${input.health.newGroups.length - 20} more.`)
    }
  }
  text.push(...notesBlock(input.notes), ...runLink(input.runUrl))
  if (input.recorded) text.push('', embedRecorded(input.recorded))
  return finish({
    status,
    ...(conclusion ? { conclusion } : {}),
    title,
    summary: summary.join('\n'),
    text: text.join('\n')
  })
}
