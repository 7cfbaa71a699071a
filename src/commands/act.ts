/**
 * act: make a decision's writes in order, stopping at the first failed WeChat write (the rest are not
 * attempted). A GitHub record that fails after its WeChat write is a warning, never a failed target: WeChat
 * already changed, and the report must say so.
 */
import { errorMessage } from '../errors.js'
import { GitHubPermissionError } from '../github/errors.js'
import { log } from '../log.js'
import {
  describeWrite,
  nothingToWithdraw,
  withAuditId,
  withReviewItem,
  withTesterOutcomes
} from '../release/decide.js'
import type { ActResult, Decision, PlannedWrite, TargetObservation } from '../release/model.js'
import type { ReleaseSettings } from '../release/settings.js'
import { ERRCODE, WeChatApiError } from '../wechat/errors.js'
import { defaultReviewItem } from '../wechat/review-items.js'
import type { Pipeline } from './pipeline.js'
import type { CommitFinder } from './commits.js'

/** WeChat checks new code for privacy APIs for about a minute; submit_audit answers 61039 until it is done. */
export const PRIVACY_DETECTION_WAIT_MS = 180_000
export const PRIVACY_DETECTION_POLL_MS = 15_000

/**
 * Calls `submit` until WeChat's privacy check is done, for at most PRIVACY_DETECTION_WAIT_MS. 61039 is a
 * refusal (nothing was submitted), so asking again is safe; any other answer ends the wait.
 */
export async function submitWhenDetectionDone<T>(
  submit: () => Promise<T>,
  clock: () => number,
  sleep: (ms: number) => Promise<void>
): Promise<T> {
  const deadline = clock() + PRIVACY_DETECTION_WAIT_MS
  for (;;) {
    try {
      return await submit()
    } catch (error) {
      const checking = error instanceof WeChatApiError && error.errcode === ERRCODE.PRIVACY_CHECK_RUNNING
      if (!checking || clock() + PRIVACY_DETECTION_POLL_MS > deadline) throw error
      log.info(
        `WeChat is still checking the new code for privacy APIs (61039); asking again in ${PRIVACY_DETECTION_POLL_MS / 1000} s.`
      )
      await sleep(PRIVACY_DETECTION_POLL_MS)
    }
  }
}

/** A rollback's deployment goes first (write-ahead, see guardRollbackRerun); every other write keeps its order. */
export function writeAheadOrder(writes: PlannedWrite[]): PlannedWrite[] {
  const ahead = writes.filter((write) => write.kind === 'deployment' && write.operation === 'rollback')
  if (ahead.length === 0 || !writes.some((write) => write.kind === 'revertcoderelease')) return writes
  return [...ahead, ...writes.filter((write) => !ahead.includes(write))]
}

function testerErrcode(error: unknown): number {
  if (error instanceof WeChatApiError) return error.errcode
  throw error
}

/** WeChat refused the rollback: the deployment recorded ahead of it must not say it happened. */
async function recordFailedRollback(pipeline: Pipeline, appid: string, planned: Decision): Promise<void> {
  const record = planned.writes.find((write) => write.kind === 'deployment' && write.operation === 'rollback')
  if (!pipeline.github || record?.kind !== 'deployment') return
  try {
    await pipeline.github.recordDeployment({
      ref: pipeline.context.sha,
      environment: record.environment,
      version: record.version,
      operation: 'rollback',
      description: `rollback ${record.version} (${appid}) failed`,
      payload: { appid, version: record.version, operation: 'rollback', runId: pipeline.context.runId },
      logUrl: pipeline.context.runUrl,
      state: 'failure'
    })
  } catch (error) {
    log.warning(`The failed rollback was not recorded on GitHub: ${errorMessage(error)}`)
  }
}

/**
 * Records a deployment after its WeChat write. A failure does not stop the writes (WeChat already changed):
 * it is returned, and fails the step once the report is written. A missing permission is only a warning.
 */
async function recordDeployment(
  pipeline: Pipeline,
  appid: string,
  write: Extract<PlannedWrite, { kind: 'deployment' }>,
  commits: CommitFinder
): Promise<string | undefined> {
  const { github, context } = pipeline
  if (!github) return undefined
  try {
    const ref = (await commits.find(write.version)) ?? context.sha
    await github.recordDeployment({
      ref,
      environment: write.environment,
      version: write.version,
      description: `${write.operation} ${write.version} (${appid})`,
      payload: { appid, version: write.version, operation: write.operation, runId: context.runId },
      logUrl: context.runUrl,
      state: write.state
    })
    return undefined
  } catch (error) {
    if (error instanceof GitHubPermissionError) {
      log.warning(`The deployment was not recorded on GitHub: ${error.message}`)
      return undefined
    }
    const message = `The ${write.operation} deployment of ${write.version} (${appid}) was not recorded: ${errorMessage(error)}`
    log.warning(message)
    return message
  }
}

export async function act(
  pipeline: Pipeline,
  observation: TargetObservation,
  settings: ReleaseSettings,
  planned: Decision,
  commits: CommitFinder
): Promise<{ decision: Decision; run: ActResult }> {
  const { client, inputs } = pipeline
  const appid = observation.appid
  let decision = planned
  if (inputs.dryRun) {
    for (const write of planned.writes) log.info(`[dry-run] ${appid}: would ${describeWrite(write)}`)
    return { decision, run: { target: appid, status: 'dry-run', writesMade: 0 } }
  }
  const run: ActResult = { target: appid, status: 'done', writesMade: 0 }
  const testerErrcodes: Record<string, number> = {}
  const writes = writeAheadOrder(planned.writes)
  for (const write of writes) {
    try {
      log.info(`${appid}: ${describeWrite(write)}`)
      switch (write.kind) {
        case 'submit_audit': {
          await pipeline.beforeSubmit?.(appid)
          let body = write.body
          if (write.defaultItemCategory) {
            // The first page of the code just uploaded (get_page reads the trial version).
            const item = defaultReviewItem([write.defaultItemCategory], await client.getPage(appid))
            if (item) {
              body = { ...body, item_list: [item] }
              decision = withReviewItem(decision, item)
            }
          }
          const submitted = await submitWhenDetectionDone(
            () =>
              client.submitAuditOnce(appid, body, {
                userVersion: settings.version ?? '',
                startedAt: pipeline.startedAt
              }),
            pipeline.clock,
            pipeline.sleep
          )
          decision = withAuditId(decision, observation, settings, submitted.auditid)
          if (submitted.adopted) {
            decision.outputs.result = 'adopted'
            decision.notes.push(
              `Review ${submitted.auditid} already existed; it was adopted, not submitted again.`
            )
          }
          break
        }
        case 'release':
          try {
            await client.release(appid)
          } catch (error) {
            // Already released (a rerun after the release went through): nothing left to do.
            if (!(error instanceof WeChatApiError && error.errcode === ERRCODE.ALREADY_RELEASED)) throw error
            decision.notes.push('WeChat says this version is already released.')
          }
          break
        case 'grayrelease':
          await client.grayRelease(appid, {
            gray_percentage: write.gray_percentage,
            support_debuger_first: write.support_debuger_first,
            support_experiencer_first: write.support_experiencer_first
          })
          break
        case 'revertgrayrelease':
          await client.revertGrayRelease(appid)
          break
        case 'revertcoderelease':
          await client.revertCodeRelease(appid, write.appVersion)
          break
        case 'undocodeaudit':
          try {
            await client.undoCodeAudit(appid)
          } catch (error) {
            const nothingPending =
              error instanceof WeChatApiError &&
              (error.errcode === ERRCODE.NOTHING_TO_WITHDRAW ||
                error.errcode === ERRCODE.NOTHING_UNDER_REVIEW)
            if (!nothingPending) throw error
            decision = nothingToWithdraw(decision, observation, error.errcode)
          }
          break
        case 'speedupaudit':
          await client.speedupAudit(appid, write.auditId)
          break
        case 'bind_tester':
          try {
            await client.bindTester(appid, write.wechatid)
            testerErrcodes[write.wechatid] = 0
          } catch (error) {
            // One ID that cannot be bound does not stop the others; the report lists each outcome.
            testerErrcodes[write.wechatid] = testerErrcode(error)
          }
          break
        case 'deployment': {
          const failure = await recordDeployment(pipeline, appid, write, commits)
          if (
            failure &&
            writes.indexOf(write) < writes.findIndex((next) => next.kind === 'revertcoderelease')
          ) {
            // The write-ahead record is what keeps a rerun from rolling back twice: without it, no rollback.
            throw new Error(`${failure}; the rollback was not made, so that a rerun cannot roll back twice.`)
          }
          if (failure) run.githubFailures = [...(run.githubFailures ?? []), failure]
          break
        }
      }
      run.writesMade += 1
    } catch (error) {
      run.status = 'failed'
      run.error = errorMessage(error)
      if (write.kind === 'revertcoderelease') await recordFailedRollback(pipeline, appid, planned)
      break
    }
  }
  // The summary lists the writes in the order they were made.
  if (writes !== planned.writes) decision = { ...decision, writes }
  if (Object.keys(testerErrcodes).length > 0) {
    run.testerOutcomes = testerErrcodes
    decision = withTesterOutcomes(decision, testerErrcodes)
  }
  return { decision, run }
}
