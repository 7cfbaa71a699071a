/**
 * WeChat sometimes leaves out a version's name: `get_latest_auditstatus` without `user_version`
 * (developer community C-0008e4194ecfc04869ad2c7ac5b400), `getversioninfo` with `release_time` but
 * `release_version: ""` (C-00064898180538e0c771f4b5c6b800). Where another reply settles the name it is
 * inferred, and the inference is said; otherwise it stays unknown, and a decision that needs it refuses
 * with a message that says what is unknown, instead of a misleading WeChat error.
 */
import type { TargetObservation } from './model.js'
import { formatUtc } from './time.js'

export function resolveVersionNames(obs: TargetObservation): TargetObservation {
  const inferences: string[] = [...(obs.inferences ?? [])]
  let review = obs.review
  const { trial, online } = obs.versions
  // The review is of the code that was the trial version when it was submitted.
  if (
    review.status !== 'none' &&
    review.userVersion === undefined &&
    trial?.version !== undefined &&
    trial.at !== undefined &&
    review.submittedAt !== undefined &&
    trial.at <= review.submittedAt
  ) {
    review = { ...review, userVersion: trial.version }
    inferences.push(
      `WeChat's latest review does not name its version; it is taken to be the trial version ${trial.version}, which was in place when the review was submitted (${formatUtc(review.submittedAt!)}).`
    )
  }
  let versions = obs.versions
  // Only the latest approved version can be released, so a release after this review's submission is of it.
  if (
    online &&
    online.version === undefined &&
    review.status === 'approved' &&
    review.userVersion !== undefined &&
    review.submittedAt !== undefined &&
    online.at !== undefined &&
    online.at >= review.submittedAt
  ) {
    versions = { ...versions, online: { ...online, version: review.userVersion } }
    inferences.push(
      `WeChat reports an online version without its name; it is taken to be ${review.userVersion}, the approved version, released after its review was submitted.`
    )
  } else if (online && online.version === undefined) {
    inferences.push(
      `WeChat reports an online version${online.at ? ` (released ${formatUtc(online.at)})` : ''} without its name; the name stays unknown.`
    )
  }
  if (inferences.length === (obs.inferences?.length ?? 0)) return obs
  return { ...obs, review, versions, inferences }
}

/** Whether WeChat reports an online version, named or not. */
export function hasOnlineVersion(obs: TargetObservation): boolean {
  return obs.versions.online !== undefined
}
