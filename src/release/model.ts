/**
 * Plain data the release decisions read (what WeChat and GitHub say now) and return (what to write).
 * Nothing here performs I/O: `observe` fills a TargetObservation, `decide` turns it into a Decision,
 * `act` performs the Decision's writes, and `report` renders both.
 */
import type { ReviewItem } from '../wechat/review-items.js'

export type ReviewStatus = 'none' | 'under_review' | 'approved' | 'rejected' | 'withdrawn' | 'delayed'

export interface ReviewObservation {
  auditId?: number
  status: ReviewStatus
  userVersion?: string
  /** The version's description (user_desc); the action puts the commit's short SHA in it. */
  description?: string
  reason?: string
  /** Media ids of the reviewer's screenshots (WeChat sends them `|`-separated). */
  screenshots: string[]
  /** Unix seconds. */
  submittedAt?: number
  /** The action already expedited this review (recorded in the review check); WeChat allows it once. */
  spedUp?: boolean
}

/** WeChat plan status 0..4 → initial/running/paused/finished/reverted; no plan ever → 'none'. */
export type GrayStatus = 'none' | 'initial' | 'running' | 'paused' | 'finished' | 'reverted'

export interface GrayObservation {
  status: GrayStatus
  percentage: number
  /** Unix seconds when the plan was created; the 15-day limit counts from here. */
  startedAt?: number
  projectMembersFirst: boolean
  experienceMembersFirst: boolean
}

export interface VersionsObservation {
  trial?: { version: string; at?: number }
  online?: { version: string; at?: number }
}

/** One rollback target from `revertcoderelease?action=get_history_version`. */
export interface HistoryEntry {
  appVersion: number
  userVersion: string
  description: string
  committedAt: number
}

/** The provider's review and expedite quota (`queryquota`). */
export interface QuotaObservation {
  rest: number
  limit: number
  speedupRest: number
  speedupLimit: number
}

/** What the action itself recorded on GitHub earlier (parsed from a hidden JSON marker in a check run's text). */
export interface RecordedRollout {
  version: string
  /** Index into the gray schedule of the step last taken; -1 when the gray was set by hand outside a schedule. */
  stepIndex: number
  percentage: number
  /** Unix seconds when that step was taken (or first seen, when someone else took it). */
  stepTakenAt: number
  /** Set when the health gate or a revert stopped the rollout; sync does not advance a halted rollout. */
  haltedReason?: string
  /** The schedule text the rollout follows, so a changed schedule is noticed. */
  schedule?: string
}

export interface ErrorGroup {
  message: string
  stack?: string
  uv: number
  pv: number
  /** errorMsgMd5 + errorStackMd5: the same error in both versions has the same key. */
  key: string
}

/** JS errors of the gray version and of the online version over the same dates (`jserr_list`). */
export interface HealthObservation {
  grayVersion: string
  onlineVersion: string
  gray: ErrorGroup[]
  online: ErrorGroup[]
}

export interface TargetObservation {
  appid: string
  review: ReviewObservation
  gray: GrayObservation
  versions: VersionsObservation
  history?: HistoryEntry[]
  quota?: QuotaObservation
  recorded?: RecordedRollout
  jsErrors?: HealthObservation
  testers?: { bound: string[] }
}

/** The submit_audit body, in WeChat's field names. */
export interface SubmitAuditBody {
  item_list?: ReviewItem[]
  version_desc?: string
  feedback_info?: string
  feedback_stuff?: string
  privacy_api_not_use?: boolean
  ugc_declare?: Record<string, unknown>
  order_path?: string
}

export type DeploymentOperation = 'release' | 'gray' | 'rollback'

/** One write to WeChat or GitHub, in the order it must be made. */
export type PlannedWrite =
  | { kind: 'submit_audit'; body: SubmitAuditBody }
  | { kind: 'release' }
  | {
      kind: 'grayrelease'
      gray_percentage: number
      support_debuger_first: boolean
      support_experiencer_first: boolean
    }
  | { kind: 'revertgrayrelease' }
  | { kind: 'revertcoderelease'; appVersion?: number; userVersion?: string }
  | { kind: 'undocodeaudit' }
  | { kind: 'speedupaudit'; auditId: number }
  | { kind: 'bind_tester'; wechatid: string }
  | {
      kind: 'deployment'
      environment: string
      version: string
      operation: DeploymentOperation
      state: 'success' | 'failure' | 'inactive'
    }

export type CheckStatus = 'queued' | 'in_progress' | 'completed'
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required'

/** A check-run button (GitHub limits: label ≤ 20, description ≤ 40, identifier ≤ 20 characters; ≤ 3 buttons). */
export interface CheckAction {
  label: string
  description: string
  identifier: string
}

/** The state a check run should have after the decision's writes; the GitHub client skips unchanged ones. */
export interface DesiredCheck {
  kind: 'review' | 'gray'
  name: string
  externalId: string
  /** The WeChat version the run is about; the lead finds its commit from it (tag or description marker). */
  version?: string
  status: CheckStatus
  conclusion?: CheckConclusion
  title: string
  summary: string
  text: string
  actions?: CheckAction[]
  recorded?: RecordedRollout
}

export type TargetResult =
  | 'submitted'
  | 'adopted'
  | 'uploaded'
  | 'unchanged'
  | 'released'
  | 'gray-started'
  | 'gray-advanced'
  | 'halted'
  | 'reverted'
  | 'rolled-back'
  | 'withdrawn'
  | 'sped-up'
  | 'refused'
  | 'failed'

/** What bind_tester's reply means for one whitelisted WeChat ID. */
export type TesterOutcome =
  | 'bound'
  | 'already a member'
  | 'not found or not searchable'
  | 'over the limit'
  | 'member of too many mini programs'
  | 'failed'

export interface TargetOutputs {
  appid: string
  version: string
  auditId: number
  reviewStatus: ReviewStatus
  grayPercentage: number
  grayStatus: GrayStatus
  onlineVersion: string
  result: TargetResult
  message: string
  /** Versions WeChat can roll back to, newest first (rollback). */
  rollbackTargets: string[]
}

export interface Decision {
  target: string
  writes: PlannedWrite[]
  /** Why nothing is done; set only together with an empty `writes`. */
  refused?: string
  notes: string[]
  outputs: Partial<TargetOutputs>
  checks: DesiredCheck[]
}

/**
 * Whether WeChat has a gray plan in force (it blocks rollback and the release of other versions).
 * WeChat answers "status 0, all zeros" when no plan ever existed, so an initial plan counts only with a start time.
 */
export function isGrayActive(gray: GrayObservation): boolean {
  if (gray.status === 'initial') return (gray.startedAt ?? 0) > 0
  return gray.status === 'running' || gray.status === 'paused'
}
