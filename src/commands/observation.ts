/**
 * What a run knows of one mini program before it decides: WeChat's state, the action's own records on
 * GitHub, and the JS errors the health gate reads. The pipeline observes this way before it acts, and the
 * dashboard again after it acted, so the dashboard a run writes is the one the next run would render.
 */
import { grayVersionOf } from '../release/common.js'
import { isGrayActive, type TargetObservation } from '../release/model.js'
import { resolveVersionNames } from '../release/versions.js'
import type { CommitFinder } from './commits.js'
import { observeHealth, observeRollbackTargets, observeTarget, type ObserveNeeds } from './observe.js'
import type { Pipeline } from './pipeline.js'
import { readReviewRecord, readRolloutRecord } from './records.js'
import { wechatNow } from './wechat.js'

/** The dashboard is kept in this run: asked for, and there is a GitHub token to keep it with. */
export function keepsDashboard(pipeline: Pick<Pipeline, 'inputs' | 'github'>): boolean {
  return pipeline.inputs.dashboard && pipeline.github !== undefined
}

/**
 * The action's own records for what WeChat shows: the rollout record of the version in gray and the review
 * record of the latest review, each read only from the action's own check run for that version.
 */
export async function readRecords(
  pipeline: Pipeline,
  commits: CommitFinder,
  observation: TargetObservation,
  targetCount: number
): Promise<void> {
  const { github } = pipeline
  if (!github) return
  const appid = observation.appid
  if (
    isGrayActive(observation.gray) ||
    observation.gray.status === 'finished' ||
    observation.gray.status === 'reverted'
  ) {
    const candidate = observation.review.status === 'approved' ? observation.review.userVersion : undefined
    const sha = await commits.find(candidate)
    if (candidate && sha) {
      const recorded = await readRolloutRecord(github, { sha, appid, version: candidate, targetCount })
      if (recorded) observation.recorded = recorded
    }
  }
  const version = observation.review.userVersion
  if (observation.review.status !== 'none' && version) {
    const sha = await commits.find(version)
    if (sha) {
      const recorded = await readReviewRecord(github, { sha, appid, version, targetCount })
      if (recorded) observation.reviewRecord = recorded
    }
  }
}

export interface Observed {
  observation: TargetObservation
  /** Unix seconds by WeChat's clock, taken right after its replies (the GitHub reads after them do not move it). */
  now: number
}

export async function observeFully(
  pipeline: Pipeline,
  appid: string,
  targetCount: number,
  commits: CommitFinder,
  needs: ObserveNeeds
): Promise<Observed> {
  const { client, inputs } = pipeline
  const observation = resolveVersionNames(await observeTarget(client, appid, needs))
  commits.remember(observation.review.userVersion, observation.review.description)
  commits.remember(observation.versions.online?.version, observation.versions.online?.description)
  commits.remember(observation.versions.trial?.version, observation.versions.trial?.description)
  if (keepsDashboard(pipeline)) {
    // The dashboard's rollback box is rendered from WeChat's rollback list (and its fingerprint covers it).
    const history = await observeRollbackTargets(client, observation)
    if (history) observation.history = history
  }
  const now = wechatNow(client)
  await readRecords(pipeline, commits, observation, targetCount)
  if (inputs.healthGate && isGrayActive(observation.gray)) {
    const health = await observeHealth(client, observation, grayVersionOf(observation), now)
    if (health) observation.jsErrors = health
  }
  return { observation, now }
}
