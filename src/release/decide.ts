/**
 * The release logic as pure functions: (observation, settings) → Decision. Each command has one
 * decision; every refusal is decided here, before any write, with a message naming the rule.
 */
export {
  decideSubmit,
  decideWithdraw,
  decideSpeedup,
  nothingToWithdraw,
  withAuditId,
  withReviewItem
} from './review.js'
export { decideRelease, decideRollback } from './full-release.js'
export {
  decideGray,
  decideAdvance,
  decideRevertGray,
  planGray,
  describeTesterOutcome,
  withTesterOutcomes
} from './gray.js'
export { decideSync, finishedByWeChat } from './sync.js'
export { grayVersionOf, recordedFor } from './common.js'
export { describeWrite } from './describe.js'

import type { Decision, TargetObservation } from './model.js'
import type { ReleaseCommand, ReleaseSettings } from './settings.js'
import { decideSubmit, decideWithdraw, decideSpeedup } from './review.js'
import { decideRelease, decideRollback } from './full-release.js'
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

/** The decision for `settings.command`; what the observation had to infer comes first among its notes. */
export function decide(obs: TargetObservation, settings: ReleaseSettings): Decision {
  return withInferences(obs, DECISIONS[settings.command](obs, settings))
}

/** Puts the observation's inferences (names WeChat left out) before the decision's own notes. */
export function withInferences(obs: TargetObservation, decision: Decision): Decision {
  const inferences = obs.inferences ?? []
  return inferences.length === 0 ? decision : { ...decision, notes: [...inferences, ...decision.notes] }
}
