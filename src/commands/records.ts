/**
 * Reading the action's records back from GitHub. A record is trusted only in a check run the action itself
 * created (anyone with another app or token can create a run with the same name, external id and marker)
 * and only when the run's external id names the mini program and version it is about.
 */
import type { CheckRun, GitHubClient } from '../github/client.js'
import type { RecordedReview, RecordedRollout } from '../release/model.js'
import { parseRecorded, parseRecordedReview } from '../release/recorded.js'
import { checkExternalId, checkName } from '../report/checks.js'

/** Whether the action's own token created the run (the GitHub client matches the run's app with its own). */
export function isOwnRun(run: CheckRun): boolean {
  return run.ownedByAction
}

export interface RecordLocation {
  sha: string
  appid: string
  version: string
  targetCount: number
}

/** The record in the newest of the action's own runs of one check for one version that has one. */
async function readRecord<T>(
  github: GitHubClient,
  kind: 'review' | 'gray',
  where: RecordLocation,
  parse: (text: string) => T | undefined
): Promise<T | undefined> {
  const externalId = checkExternalId(kind, where.appid, where.version)
  const runs = await github.findCheckRuns(where.sha, checkName(kind, where.appid, where.targetCount))
  const own = runs.filter((run) => run.externalId === externalId && isOwnRun(run)).sort((a, b) => b.id - a.id)
  for (const run of own) {
    const recorded = parse(run.text)
    if (recorded !== undefined) return recorded
  }
  return undefined
}

/** The rollout record of the version's gray check, if the action's own run has one for that version. */
export function readRolloutRecord(
  github: GitHubClient,
  where: RecordLocation
): Promise<RecordedRollout | undefined> {
  return readRecord(github, 'gray', where, (text) => {
    const recorded = parseRecorded(text)
    return recorded?.version === where.version ? recorded : undefined
  })
}

/** The review record of the version's review check, if the action's own run has one. */
export function readReviewRecord(
  github: GitHubClient,
  where: RecordLocation
): Promise<RecordedReview | undefined> {
  return readRecord(github, 'review', where, parseRecordedReview)
}
