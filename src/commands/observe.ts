/**
 * observe: read what WeChat says now for one mini program and map it into the release model.
 * Only the reads a command needs are made (an unchanged sync makes three WeChat calls per target).
 * A field WeChat leaves out stays unknown here; release/versions.ts decides what can be inferred.
 */
import {
  isGrayActive,
  type ErrorGroup,
  type GrayObservation,
  type GrayStatus,
  type HealthObservation,
  type HistoryEntry,
  type ReviewObservation,
  type ReviewStatus,
  type TargetObservation,
  type VersionState
} from '../release/model.js'
import { ERRCODE, WeChatApiError } from '../wechat/errors.js'
import type {
  GrayReleasePlan,
  HistoryVersion,
  JsErrorRow,
  LatestAuditResult,
  VersionInfo,
  WeChatClient
} from '../wechat/client.js'

const REVIEW_STATUS: Record<number, ReviewStatus> = {
  0: 'approved',
  1: 'rejected',
  2: 'under_review',
  3: 'withdrawn',
  4: 'delayed'
}
const GRAY_STATUS: Record<number, GrayStatus> = {
  0: 'initial',
  1: 'running',
  2: 'paused',
  3: 'finished',
  4: 'reverted'
}
/** get_latest_auditstatus errcodes that mean "this mini program has no review yet". */
const NO_REVIEW_ERRCODES: ReadonlySet<number> = new Set([ERRCODE.INVALID_AUDIT_ID, ERRCODE.NO_COMMITTED_CODE])

export interface ObserveNeeds {
  history?: boolean
  quota?: boolean
  /** The mini program's categories (submit without review-items). */
  categories?: boolean
}

/** Maps get_latest_auditstatus; fields the reply leaves out (seen in the wild) stay unknown. */
export function reviewFrom(latest: LatestAuditResult | undefined): ReviewObservation {
  if (!latest) return { status: 'none', screenshots: [] }
  const auditId: number | undefined = latest.auditid
  const userVersion: string | undefined = latest.user_version || undefined
  const description: string | undefined = latest.user_desc || undefined
  const submittedAt: number | undefined = latest.submit_audit_time || undefined
  return {
    ...(auditId !== undefined ? { auditId } : {}),
    status: REVIEW_STATUS[latest.status] ?? 'none',
    ...(userVersion ? { userVersion } : {}),
    ...(description ? { description } : {}),
    ...(latest.reason ? { reason: latest.reason } : {}),
    screenshots: latest.screenshots,
    ...(submittedAt ? { submittedAt } : {})
  }
}

export function grayFrom(plan: GrayReleasePlan): GrayObservation {
  const neverCreated = plan.status === 0 && !plan.create_timestamp
  const endsAt: number | undefined = plan.default_finish_timestamp || undefined
  return {
    status: neverCreated ? 'none' : (GRAY_STATUS[plan.status] ?? 'none'),
    percentage: plan.gray_percentage,
    ...(plan.create_timestamp ? { startedAt: plan.create_timestamp } : {}),
    ...(endsAt ? { endsAt } : {}),
    projectMembersFirst: plan.support_debuger_first,
    experienceMembersFirst: plan.support_experiencer_first
  }
}

function versionState(version: string | undefined, at: number, description: string): VersionState {
  return {
    ...(version ? { version } : {}),
    ...(at ? { at } : {}),
    ...(description ? { description } : {})
  }
}

/** getversioninfo: a part is present when WeChat reports it, named or not (an empty name stays unknown). */
export function versionsFrom(info: VersionInfo | undefined): TargetObservation['versions'] {
  const trial = info?.exp_info
  const online = info?.release_info
  return {
    ...(trial ? { trial: versionState(trial.exp_version, trial.exp_time, trial.exp_desc) } : {}),
    ...(online
      ? { online: versionState(online.release_version, online.release_time, online.release_desc) }
      : {})
  }
}

function errorGroups(rows: JsErrorRow[]): ErrorGroup[] {
  return rows.map((row) => ({
    message: row.errorMsg,
    ...(row.errorStack ? { stack: row.errorStack } : {}),
    uv: row.uv,
    pv: row.pv,
    key: `${row.errorMsgMd5}:${row.errorStackMd5}`
  }))
}

async function latestReview(client: WeChatClient, appid: string): Promise<LatestAuditResult | undefined> {
  try {
    return await client.getLatestAuditStatus(appid)
  } catch (error) {
    if (error instanceof WeChatApiError && NO_REVIEW_ERRCODES.has(error.errcode)) return undefined
    throw error
  }
}

/** A day as jserr_list takes it (China time, which WeChat's statistics use). */
function chinaDate(unixSeconds: number): string {
  return new Date((unixSeconds + 8 * 3600) * 1000).toISOString().slice(0, 10)
}

function historyFrom(entries: HistoryVersion[]): HistoryEntry[] {
  return entries.map((entry) => ({
    appVersion: entry.app_version,
    userVersion: entry.user_version,
    description: entry.user_desc,
    committedAt: entry.commit_time
  }))
}

/**
 * WeChat's rollback list, read only where a rollback could apply (a version online, no gray plan in force):
 * the dashboard offers its rollback box from it. Undefined without a platform token (the list needs one).
 */
export async function observeRollbackTargets(
  client: WeChatClient,
  observation: TargetObservation
): Promise<HistoryEntry[] | undefined> {
  if (client.tokenKind !== 'authorizer' || observation.history) return observation.history
  if (!observation.versions.online || isGrayActive(observation.gray)) return undefined
  return historyFrom(await client.getHistoryVersions(observation.appid))
}

export async function observeTarget(
  client: WeChatClient,
  appid: string,
  needs: ObserveNeeds
): Promise<TargetObservation> {
  // The mini program's own token reads only the gray plan; review and versions need a platform.
  const platform = client.tokenKind === 'authorizer'
  const [latest, plan, versionInfo, history, quota, categories] = await Promise.all([
    platform ? latestReview(client, appid) : Promise.resolve(undefined),
    client.getGrayReleasePlan(appid),
    platform ? client.getVersionInfo(appid) : Promise.resolve(undefined),
    platform && needs.history ? client.getHistoryVersions(appid) : Promise.resolve(undefined),
    platform && needs.quota ? client.queryQuota(appid) : Promise.resolve(undefined),
    platform && needs.categories ? client.getCategory(appid) : Promise.resolve(undefined)
  ])
  const observation: TargetObservation = {
    appid,
    review: reviewFrom(latest),
    gray: grayFrom(plan),
    versions: versionsFrom(versionInfo)
  }
  if (history) observation.history = historyFrom(history)
  // A quota reported as 0 of 0 says nothing (seen in the wild): no decision rests on it.
  if (quota?.known) {
    observation.quota = {
      rest: quota.rest,
      limit: quota.limit,
      speedupRest: quota.speedup_rest,
      speedupLimit: quota.speedup_limit,
      // A monthly limit of 0 has been seen in replies: the figures then say nothing.
      known: quota.limit > 0
    }
  }
  if (categories) observation.categories = categories
  return observation
}

/** The health gate's evidence: JS errors of the gray version and of the online version since the gray began. */
export async function observeHealth(
  client: WeChatClient,
  observation: TargetObservation,
  grayVersion: string | undefined,
  now: number
): Promise<HealthObservation | undefined> {
  const online = observation.versions.online?.version
  if (!grayVersion || !online || !isGrayActive(observation.gray)) return undefined
  const range = {
    startTime: chinaDate(observation.gray.startedAt ?? now),
    endTime: chinaDate(now),
    orderby: 'uv' as const
  }
  const [gray, base] = await Promise.all([
    client.jsErrList(observation.appid, { appVersion: grayVersion, ...range }),
    client.jsErrList(observation.appid, { appVersion: online, ...range })
  ])
  return { grayVersion, onlineVersion: online, gray: errorGroups(gray.rows), online: errorGroups(base.rows) }
}
