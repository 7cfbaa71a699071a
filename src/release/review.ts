/** Decisions about the review: submit (or adopt), withdraw, speed up. */
import { baseOutputs, decision, refusal, reviewCheck } from './common.js'
import type { Decision, ReviewObservation, SubmitAuditBody, TargetObservation } from './model.js'
import { reviewItemProblems } from '../wechat/review-items.js'
import type { ReleaseSettings, ReviewItem } from './settings.js'

export const MAX_FEEDBACK_LENGTH = 200
export const MAX_FEEDBACK_MEDIA = 5

/** Characters as WeChat counts them (code points, so one Chinese character is one). */
function length(text: string): number {
  return [...text].length
}

/** submit_audit's item_list rules (categories, 1 to 5 items, tags, title); empty when the items are valid. */
export function validateReviewItems(items: ReviewItem[]): string[] {
  return reviewItemProblems(items).map((problem) => `review-items: ${problem}`)
}

function itemList(items: ReviewItem[]): ReviewItem[] {
  return items.map((item) => ({ ...item }))
}

const PENDING: ReadonlyArray<ReviewObservation['status']> = ['under_review', 'delayed']

/**
 * Submit the uploaded version for review, unless WeChat already reviews it (adopt: a retry never submits
 * twice). Feedback goes along only after a rejection, the one case WeChat reads it.
 */
export function decideSubmit(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const version = settings.version
  if (!version)
    return refusal(
      obs,
      settings,
      'A version is needed to submit for review (input version, or a v1.2.3 tag).'
    )
  const { review } = obs
  const outputs = baseOutputs(obs, version)

  if (settings.route === 'none') {
    const message = `Uploaded ${version}; with route: none the review is submitted in the WeChat console (mp.weixin.qq.com → 版本管理).`
    const pending: ReviewObservation = { status: 'none', userVersion: version, screenshots: [] }
    return decision(obs, {
      notes: [message],
      outputs: { ...outputs, result: 'uploaded', message },
      checks: [reviewCheck(obs, settings, pending, [message])]
    })
  }

  const errors = settings.reviewItems ? validateReviewItems(settings.reviewItems) : []
  if (settings.feedback !== undefined && length(settings.feedback) > MAX_FEEDBACK_LENGTH) {
    errors.push(
      `feedback: at most ${MAX_FEEDBACK_LENGTH} characters (WeChat feedback_info), got ${length(settings.feedback)}`
    )
  }
  const media = settings.feedbackMedia ?? []
  if (media.length > MAX_FEEDBACK_MEDIA) {
    errors.push(
      `feedback-media: at most ${MAX_FEEDBACK_MEDIA} media ids (WeChat feedback_stuff), got ${media.length}`
    )
  }
  if (errors.length > 0) return refusal(obs, settings, errors.join('; '))

  if (obs.versions.online?.version === version) {
    const message = `Version ${version} is already online; nothing to submit.`
    return decision(obs, { notes: [message], outputs: { ...outputs, result: 'unchanged', message } })
  }

  if (review.userVersion === version && PENDING.includes(review.status)) {
    const message = `Version ${version} is already under review (audit ${review.auditId ?? 'unknown'}); adopted instead of submitting again.`
    return decision(obs, {
      notes: [message],
      outputs: { ...outputs, result: 'adopted', message },
      checks: [reviewCheck(obs, settings)]
    })
  }
  if (review.userVersion === version && review.status === 'approved') {
    const message = `Version ${version} is already approved (audit ${review.auditId ?? 'unknown'}); not submitted again.`
    return decision(obs, {
      notes: [message],
      outputs: { ...outputs, result: 'unchanged', message },
      checks: [reviewCheck(obs, settings)]
    })
  }
  if (PENDING.includes(review.status)) {
    return refusal(
      obs,
      settings,
      `Version ${review.userVersion ?? 'unknown'} is under review (audit ${review.auditId ?? 'unknown'}), and WeChat reviews one version at a time (85009): wait for its result or withdraw it (command: withdraw) before submitting ${version}.`
    )
  }
  if (obs.quota && obs.quota.rest <= 0) {
    return refusal(
      obs,
      settings,
      `The review quota is used up (0 of ${obs.quota.limit} left this month; WeChat would answer 85085 "submit audit reach limit"). Ask for temporary quota in 小程序服务商助手 or wait for next month.`
    )
  }

  const notes: string[] = []
  const body: SubmitAuditBody = {}
  if (settings.reviewItems && settings.reviewItems.length > 0) body.item_list = itemList(settings.reviewItems)
  if (settings.reviewNotes) body.version_desc = settings.reviewNotes
  if (settings.privacy?.privacyApiNotUse !== undefined)
    body.privacy_api_not_use = settings.privacy.privacyApiNotUse
  if (settings.privacy?.ugcDeclare) body.ugc_declare = settings.privacy.ugcDeclare
  if (settings.privacy?.orderPath) body.order_path = settings.privacy.orderPath

  const feedbackGiven = Boolean(settings.feedback) || media.length > 0
  if (review.status === 'rejected') {
    notes.push(
      `Resubmitting after the rejection of ${review.userVersion ?? 'the previous version'}${review.reason ? `: ${review.reason.trim()}` : ''}`
    )
    if (settings.feedback) body.feedback_info = settings.feedback
    if (media.length > 0) body.feedback_stuff = media.join('|')
    if (feedbackGiven) notes.push('Feedback for the reviewer is sent with this submission.')
  } else if (feedbackGiven) {
    notes.push(
      `feedback and feedback-media are not sent: they are ignored by WeChat unless the previous review was rejected (it was ${review.status.replace('_', ' ')}).`
    )
  }
  if (obs.quota)
    notes.push(
      `Review quota: ${obs.quota.rest - 1} of ${obs.quota.limit} left this month after this submission.`
    )

  const message = `Submitted ${version} for review.`
  const submitted: ReviewObservation = {
    status: 'under_review',
    userVersion: version,
    screenshots: [],
    submittedAt: settings.now
  }
  return decision(obs, {
    writes: [{ kind: 'submit_audit', body }],
    notes,
    outputs: { ...outputs, reviewStatus: 'under_review', result: 'submitted', message },
    checks: [reviewCheck(obs, settings, submitted)]
  })
}

/** After submit_audit answered: the same decision with the audit id in its outputs and review check. */
export function withAuditId(
  submitted: Decision,
  obs: TargetObservation,
  settings: ReleaseSettings,
  auditId: number
): Decision {
  const version = submitted.outputs.version ?? settings.version
  const review: ReviewObservation = {
    status: 'under_review',
    ...(version !== undefined ? { userVersion: version } : {}),
    auditId,
    screenshots: [],
    submittedAt: settings.now
  }
  return {
    ...submitted,
    outputs: { ...submitted.outputs, auditId },
    checks: submitted.checks.map((check) =>
      check.kind === 'review' ? reviewCheck(obs, settings, review) : check
    )
  }
}

function versionMismatch(
  obs: TargetObservation,
  settings: ReleaseSettings,
  verb: string
): Decision | undefined {
  const pending = obs.review.userVersion
  if (settings.version && pending && settings.version !== pending) {
    return refusal(
      obs,
      settings,
      `The review in progress is for version ${pending}, not ${settings.version}; nothing to ${verb}.`
    )
  }
  return undefined
}

/** Withdraw the review in progress (undocodeaudit). */
export function decideWithdraw(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const { review } = obs
  if (!PENDING.includes(review.status)) {
    return refusal(
      obs,
      settings,
      `Only a review in progress can be withdrawn; the latest review${review.userVersion ? ` (${review.userVersion})` : ''} is ${review.status.replace('_', ' ')}.`
    )
  }
  const mismatch = versionMismatch(obs, settings, 'withdraw')
  if (mismatch) return mismatch
  const limit =
    'WeChat allows 5 withdrawals a day and 10 a month per mini program (87013 "no quota to undo code" beyond that), and no API tells how many are left.'
  const message = `Withdrew the review of ${review.userVersion ?? 'the pending version'}.`
  const withdrawn: ReviewObservation = { ...review, status: 'withdrawn' }
  return decision(obs, {
    writes: [{ kind: 'undocodeaudit' }],
    notes: [limit],
    outputs: { ...baseOutputs(obs), reviewStatus: 'withdrawn', result: 'withdrawn', message },
    checks: [reviewCheck(obs, settings, withdrawn, [limit])]
  })
}

/** Ask WeChat to expedite the review in progress (speedupaudit), once per review. */
export function decideSpeedup(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const { review } = obs
  if (review.status !== 'under_review') {
    return refusal(
      obs,
      settings,
      `Only a review waiting in WeChat's queue can be expedited (89402); the latest review${review.userVersion ? ` (${review.userVersion})` : ''} is ${review.status.replace('_', ' ')}.`
    )
  }
  const mismatch = versionMismatch(obs, settings, 'speed up')
  if (mismatch) return mismatch
  if (review.auditId === undefined)
    return refusal(obs, settings, 'The audit id of the review is not known, so it cannot be expedited.')
  if (review.spedUp) {
    return refusal(
      obs,
      settings,
      `Audit ${review.auditId} was already expedited; WeChat allows it once per review (89404).`
    )
  }
  if (obs.quota && obs.quota.speedupRest <= 0) {
    return refusal(
      obs,
      settings,
      `The expedite quota is used up (0 of ${obs.quota.speedupLimit} left this month; WeChat would answer 89405).`
    )
  }
  const notes = ['An expedited review usually finishes within 2–12 hours.']
  if (obs.quota)
    notes.push(
      `Expedite quota: ${obs.quota.speedupRest - 1} of ${obs.quota.speedupLimit} left this month after this request.`
    )
  const message = `Asked WeChat to expedite audit ${review.auditId} (${review.userVersion ?? 'unknown version'}).`
  return decision(obs, {
    writes: [{ kind: 'speedupaudit', auditId: review.auditId }],
    notes,
    outputs: { ...baseOutputs(obs), result: 'sped-up', message },
    checks: [reviewCheck(obs, settings, { ...review, spedUp: true }, notes)]
  })
}
