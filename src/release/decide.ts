/**
 * The release logic as pure functions: (observation, settings) → Decision. Each command has one
 * decision; every refusal is decided here, before any write, with a message naming the rule.
 */
export { decideSubmit, decideWithdraw, decideSpeedup, validateReviewItems, withAuditId } from './review.js'
export { decideRelease, decideRollback } from './lifecycle.js'
export {
  decideGray,
  decideAdvance,
  decideRevertGray,
  planGray,
  describeTesterOutcome,
  withTesterOutcomes,
  actionForIdentifier,
  type ButtonCommand
} from './gray.js'
export { decideSync, finishedByWeChat } from './sync.js'
export {
  checkName,
  checkExternalId,
  grayVersionOf,
  recordedFor,
  GRAY_ACTION_IDS,
  REVIEW_CHECK,
  GRAY_CHECK
} from './common.js'
export { describeWrite } from './describe.js'

import type { Decision, TargetObservation } from './model.js'
import type { ReleaseCommand, ReleaseSettings } from './settings.js'
import { decideSubmit, decideWithdraw, decideSpeedup } from './review.js'
import { decideRelease, decideRollback } from './lifecycle.js'
import { decideGray, decideRevertGray } from './gray.js'
import { decideSync } from './sync.js'

const DECISIONS: Record<ReleaseCommand, (obs: TargetObservation, settings: ReleaseSettings) => Decision> = {
  submit: decideSubmit,
  sync: decideSync,
  release: decideRelease,
  gray: decideGray,
  'revert-gray': decideRevertGray,
  rollback: decideRollback,
  withdraw: decideWithdraw,
  speedup: decideSpeedup
}

/** The decision for `settings.command`. */
export function decide(obs: TargetObservation, settings: ReleaseSettings): Decision {
  return DECISIONS[settings.command](obs, settings)
}
