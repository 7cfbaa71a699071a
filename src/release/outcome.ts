/**
 * What a run reports for each target: built from what was observed and what was actually done, never from
 * the plan. A refused decision reports WeChat's state as it is; a failed write reports the state as it was
 * before it (WeChat made no change, or the change is unknown and the message says so); a dry run reports the
 * state as observed and what it would have done; only a target whose every write was made reports the
 * planned state, which is then the real one.
 */
import { baseOutputs } from './common.js'
import {
  isGrayActive,
  type ActResult,
  type Decision,
  type ReviewStatus,
  type TargetObservation,
  type TargetOutputs
} from './model.js'

export function reportedOutputs(
  decision: Decision,
  run: ActResult,
  obs: TargetObservation | undefined
): Partial<TargetOutputs> {
  const appid = decision.target
  if (run.status === 'not-attempted' || !obs) {
    return {
      appid,
      result: run.status === 'not-attempted' ? 'not-attempted' : 'failed',
      message: run.error ?? decision.outputs.message ?? ''
    }
  }
  if (decision.refused) return decision.outputs
  const observed = baseOutputs(obs, decision.outputs.version)
  if (run.status === 'failed') return { ...observed, result: 'failed', message: run.error ?? 'failed' }
  if (run.status === 'dry-run' && decision.writes.length > 0) {
    const planned = decision.outputs.message ? ` Planned: ${decision.outputs.message}` : ''
    return { ...observed, result: 'dry-run', message: `Dry run: nothing was written.${planned}` }
  }
  return decision.outputs
}

/** The transitions a pull request's "released in" comment follows. */
export type ReleaseStage =
  'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'gray' | 'released' | 'rolled-back'

export interface VersionStage {
  version: string
  stage: ReleaseStage
  /** The rejection reason (untrusted WeChat text). */
  reason?: string
}

const REVIEW_STAGE: Partial<Record<ReviewStatus, ReleaseStage>> = {
  under_review: 'submitted',
  delayed: 'submitted',
  approved: 'approved',
  rejected: 'rejected',
  withdrawn: 'withdrawn'
}

/**
 * Where each version this decision is about stands once its writes are made: the stage its pull requests'
 * comments show. A version rolled back from is `rolled-back`; a version online is `released`; a version in
 * a running gray plan is `gray`; otherwise its review decides.
 */
export function versionStages(decision: Decision, obs: TargetObservation): VersionStage[] {
  if (decision.outputs.result === 'rolled-back') {
    const from = obs.versions.online?.version
    return from ? [{ version: from, stage: 'rolled-back' }] : []
  }
  const stages = new Map<string, VersionStage>()
  const online = decision.outputs.onlineVersion
  for (const check of decision.checks) {
    const version = check.version
    if (!version || stages.has(version)) continue
    if (version === online) {
      stages.set(version, { version, stage: 'released' })
    } else if (check.kind === 'gray') {
      if (isGrayActive(check.state.gray)) stages.set(version, { version, stage: 'gray' })
      else if (check.state.gray.status === 'finished') stages.set(version, { version, stage: 'released' })
    } else {
      const { review } = check.state
      const stage = check.state.inGray ? 'gray' : REVIEW_STAGE[review.status]
      if (stage) {
        stages.set(version, {
          version,
          stage,
          ...(stage === 'rejected' && review.reason ? { reason: review.reason } : {})
        })
      }
    }
  }
  if (online && !stages.has(online) && decision.outputs.result === 'released') {
    stages.set(online, { version: online, stage: 'released' })
  }
  return [...stages.values()]
}
