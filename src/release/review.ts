/**
 * Decisions about the review: submit (or adopt), withdraw, speed up. The review items, feedback and their
 * limits are validated where the inputs are read (inputs.ts), before anything runs.
 */
import type { ReviewItem } from '../wechat/review-items.js'
import type { Category } from '../wechat/schemas.js'
import { baseOutputs, decision, refusal, reviewCheck } from './common.js'
import {
  PENDING_REVIEW,
  reviewStatusText,
  type Decision,
  type ReviewObservation,
  type SubmitAuditBody,
  type TargetObservation
} from './model.js'
import type { ReleaseSettings } from './settings.js'

/**
 * Submit the uploaded version for review, unless WeChat already reviews it (adopt: a retry never submits
 * twice). Feedback goes along only after a rejection, the one case WeChat reads it. Without review-items,
 * the item is the mini program's own first category and the first page of the uploaded code, as the
 * console fills it; the category is checked here, before anything is uploaded.
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
      checks: [reviewCheck(obs, settings, pending, { notes: [message], uploadedOnly: true })]
    })
  }

  if (obs.versions.online?.version === version) {
    const message = `Version ${version} is already online; nothing to submit.`
    return decision(obs, { notes: [message], outputs: { ...outputs, result: 'unchanged', message } })
  }

  const pending = PENDING_REVIEW.includes(review.status)
  if (review.userVersion === version && pending) {
    const message = `Version ${version} is already under review (audit ${review.auditId ?? 'id not given by WeChat'}); adopted instead of submitting again.`
    return decision(obs, {
      notes: [message],
      outputs: { ...outputs, result: 'adopted', message },
      checks: [reviewCheck(obs, settings)]
    })
  }
  if (review.userVersion === version && review.status === 'approved') {
    const message = `Version ${version} is already approved (audit ${review.auditId ?? 'id not given by WeChat'}); not submitted again.`
    return decision(obs, {
      notes: [message],
      outputs: { ...outputs, result: 'unchanged', message },
      checks: [reviewCheck(obs, settings)]
    })
  }
  if (pending) {
    return refusal(
      obs,
      settings,
      `Version ${review.userVersion ?? '(WeChat does not name it)'} is under review (audit ${review.auditId ?? 'id not given by WeChat'}), and WeChat reviews one version at a time (85009): wait for its result or withdraw it (command: withdraw) before submitting ${version}.`
    )
  }
  if (obs.quota?.known && obs.quota.rest <= 0) {
    return refusal(
      obs,
      settings,
      `The review quota is used up (0 of ${obs.quota.limit} left this month; WeChat would answer 85085 "submit audit reach limit"). Ask for temporary quota in 小程序服务商助手 or wait for next month.`
    )
  }

  const notes: string[] = []
  const afterWrites: string[] = []
  const body: SubmitAuditBody = {}
  let defaultItemCategory: Category | undefined
  if (settings.reviewItems && settings.reviewItems.length > 0) {
    body.item_list = settings.reviewItems.map((item) => ({ ...item }))
  } else {
    const category = obs.categories?.[0]
    if (!category) {
      return refusal(
        obs,
        settings,
        `review-items is not set and ${obs.appid} has no category configured (get_category lists none), so there is no category to submit for review (WeChat requires one per item). Add a category in the WeChat console, or set review-items.`
      )
    }
    defaultItemCategory = category
  }
  if (settings.reviewNotes) body.version_desc = settings.reviewNotes
  if (settings.privacy?.privacyApiNotUse !== undefined)
    body.privacy_api_not_use = settings.privacy.privacyApiNotUse
  if (settings.privacy?.ugcDeclare) body.ugc_declare = settings.privacy.ugcDeclare
  if (settings.privacy?.orderPath) body.order_path = settings.privacy.orderPath

  const media = settings.feedbackMedia ?? []
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
      `feedback and feedback-media are not sent: they are ignored by WeChat unless the previous review was rejected (it was ${reviewStatusText(review.status)}).`
    )
  }
  if (obs.quota?.known) {
    afterWrites.push(
      `Review quota: ${obs.quota.rest - 1} of ${obs.quota.limit} left this month after this submission.`
    )
  }

  const message = `Submitted ${version} for review.`
  const submitted: ReviewObservation = {
    status: 'under_review',
    userVersion: version,
    screenshots: [],
    submittedAt: settings.now
  }
  return decision(obs, {
    writes: [{ kind: 'submit_audit', body, ...(defaultItemCategory ? { defaultItemCategory } : {}) }],
    notes,
    afterWrites,
    outputs: { ...outputs, reviewStatus: 'under_review', result: 'submitted', message },
    checks: [reviewCheck(obs, settings, submitted, { record: { spedUp: false } })]
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
      check.kind === 'review' ? reviewCheck(obs, settings, review, { record: { spedUp: false } }) : check
    )
  }
}

/** The review item that was built and submitted, said in the job summary. */
export function withReviewItem(submitted: Decision, item: ReviewItem): Decision {
  const category = [item.first_class, item.second_class, item.third_class].filter(Boolean).join(' > ')
  const page = item.address ? `page ${item.address}` : 'no page (get_page listed none)'
  return {
    ...submitted,
    afterWrites: [
      `Review item built from the mini program's own first category and the first page of the uploaded code, as the WeChat console fills it: ${category}, ${page}.`,
      ...submitted.afterWrites
    ]
  }
}

function versionMismatch(
  obs: TargetObservation,
  settings: ReleaseSettings,
  verb: string
): Decision | undefined {
  const pending = obs.review.userVersion
  if (!settings.version) return undefined
  if (pending === undefined) {
    return refusal(
      obs,
      settings,
      `The review in progress is of a version WeChat does not name, so it cannot be confirmed to be ${settings.version}; leave version out to ${verb} whatever is under review.`
    )
  }
  if (settings.version !== pending) {
    return refusal(
      obs,
      settings,
      `The review in progress is for version ${pending}, not ${settings.version}; nothing to ${verb}.`
    )
  }
  return undefined
}

const WITHDRAW_LIMIT =
  'WeChat allows 5 withdrawals a day and 10 a month per mini program (87013 "no quota to undo code" beyond that), and no API tells how many are left.'

/** Withdraw the review in progress (undocodeaudit). */
export function decideWithdraw(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const { review } = obs
  if (!PENDING_REVIEW.includes(review.status)) {
    return refusal(
      obs,
      settings,
      `Only a review in progress can be withdrawn; the latest review${review.userVersion ? ` (${review.userVersion})` : ''} is ${reviewStatusText(review.status)}.`
    )
  }
  const mismatch = versionMismatch(obs, settings, 'withdraw')
  if (mismatch) return mismatch
  const message = `Withdrew the review of ${review.userVersion ?? 'the pending version'}.`
  const withdrawn: ReviewObservation = { ...review, status: 'withdrawn' }
  return decision(obs, {
    writes: [{ kind: 'undocodeaudit' }],
    notes: [WITHDRAW_LIMIT],
    outputs: { ...baseOutputs(obs), reviewStatus: 'withdrawn', result: 'withdrawn', message },
    checks: [reviewCheck(obs, settings, withdrawn, { notes: [WITHDRAW_LIMIT] })]
  })
}

/**
 * undocodeaudit answered that nothing is pending (87012, developer community
 * C-0002423c6b85c083bd7a318fd5b800; 85019 "no version is under auditing" means the same): the review ended
 * between the read and the write. Nothing was withdrawn, so nothing is reported as withdrawn.
 */
export function nothingToWithdraw(planned: Decision, obs: TargetObservation, errcode: number): Decision {
  const message = `WeChat says no review is pending (${errcode}): the review of ${obs.review.userVersion ?? 'the pending version'} ended before it could be withdrawn. Nothing was withdrawn; the next sync shows its result.`
  return {
    ...planned,
    notes: [message],
    afterWrites: [],
    outputs: { ...baseOutputs(obs), result: 'unchanged', message },
    checks: []
  }
}

/** Ask WeChat to expedite the review in progress (speedupaudit), once per review. */
/** The action already expedited the review in progress (its review record says so); WeChat allows it once. */
export function wasSpedUp(obs: TargetObservation): boolean {
  const record = obs.reviewRecord
  return record !== undefined && record.auditId === obs.review.auditId && record.spedUp
}

export function decideSpeedup(obs: TargetObservation, settings: ReleaseSettings): Decision {
  const { review } = obs
  if (review.status !== 'under_review') {
    return refusal(
      obs,
      settings,
      `Only a review waiting in WeChat's queue can be expedited (89402); the latest review${review.userVersion ? ` (${review.userVersion})` : ''} is ${reviewStatusText(review.status)}.`
    )
  }
  const mismatch = versionMismatch(obs, settings, 'speed up')
  if (mismatch) return mismatch
  if (review.auditId === undefined)
    return refusal(
      obs,
      settings,
      'WeChat does not give the audit id of the review in progress (no auditid in get_latest_auditstatus), and speedupaudit needs it; expedite it in the WeChat console.'
    )
  if (wasSpedUp(obs)) {
    return refusal(
      obs,
      settings,
      `Audit ${review.auditId} was already expedited; WeChat allows it once per review (89404).`
    )
  }
  if (obs.quota?.known && obs.quota.speedupRest <= 0) {
    return refusal(
      obs,
      settings,
      `The expedite quota is used up (0 of ${obs.quota.speedupLimit} left this month; WeChat would answer 89405).`
    )
  }
  const notes = ['An expedited review usually finishes within 2–12 hours.']
  const afterWrites = obs.quota?.known
    ? [
        `Expedite quota: ${obs.quota.speedupRest - 1} of ${obs.quota.speedupLimit} left this month after this request.`
      ]
    : []
  const message = `Asked WeChat to expedite audit ${review.auditId} (${review.userVersion ?? 'a version WeChat does not name'}).`
  return decision(obs, {
    writes: [{ kind: 'speedupaudit', auditId: review.auditId }],
    notes,
    afterWrites,
    outputs: { ...baseOutputs(obs), result: 'sped-up', message },
    checks: [reviewCheck(obs, settings, review, { notes, record: { spedUp: true } })]
  })
}
