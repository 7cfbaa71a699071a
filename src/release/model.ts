/**
 * Plain data the release decisions read (what WeChat and GitHub say now) and return (what to write, and the
 * state GitHub should show afterwards). Nothing here performs I/O or renders text for GitHub: `observe`
 * fills a TargetObservation, `decide` turns it into a Decision, `act` performs the Decision's writes, and
 * `report/` alone renders check runs, comments and the job summary from this state.
 */
import type { DeploymentState } from '../github/client.js'
import type { Category } from '../wechat/schemas.js'
import type { ReviewItem } from '../wechat/review-items.js'
import type { DeadlineStatus } from './deadline.js'
import type { HealthResult } from './health.js'
import type { GrayDeadlineAction, ReleaseOnApproval } from './settings.js'

/** WeChat audit status 0..4 → approved/rejected/under_review/withdrawn/delayed; no review ever → 'none'. */
export type ReviewStatus = 'none' | 'under_review' | 'approved' | 'rejected' | 'withdrawn' | 'delayed'

/** Reviews WeChat still works on: only one can run at a time, and it can be withdrawn. */
export const PENDING_REVIEW: readonly ReviewStatus[] = ['under_review', 'delayed']

export interface ReviewObservation {
  /** Unknown when WeChat's reply leaves `auditid` out (seen in the wild). */
  auditId?: number
  status: ReviewStatus
  /** Unknown when WeChat's reply leaves `user_version` out (seen in the wild). */
  userVersion?: string
  /** The version's description (user_desc); the action puts its commit marker in it. */
  description?: string
  reason?: string
  /** Media ids of the reviewer's screenshots (WeChat sends them `|`-separated). */
  screenshots: string[]
  /** Unix seconds. */
  submittedAt?: number
}

/** WeChat plan status 0..4 → initial/running/paused/finished/reverted; no plan ever → 'none'. */
export type GrayStatus = 'none' | 'initial' | 'running' | 'paused' | 'finished' | 'reverted'

export interface GrayObservation {
  status: GrayStatus
  percentage: number
  /** Unix seconds when the plan was created; the 15-day limit counts from here. */
  startedAt?: number
  /** Unix seconds when WeChat will release the plan to everyone (`default_finish_timestamp`), when it says. */
  endsAt?: number
  projectMembersFirst: boolean
  experienceMembersFirst: boolean
}

/** A trial or online version; `version` is unknown when WeChat reports the time but an empty name. */
export interface VersionState {
  version?: string
  /** Unix seconds. */
  at?: number
  /** The version's description (exp_desc / release_desc), with the action's commit marker. */
  description?: string
}

export interface VersionsObservation {
  trial?: VersionState
  online?: VersionState
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
  /** False when WeChat answered a monthly limit of 0 (seen in the wild): the figures then say nothing. */
  known: boolean
}

/**
 * The rollout record the action keeps on GitHub (a hidden marker in its own gray check run). It may refine
 * timing; it never puts the rollout above what WeChat reports.
 */
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

/** The review record (a hidden marker in the action's own review check run). */
export interface RecordedReview {
  auditId?: number
  /** The action already expedited this review; WeChat allows it once. */
  spedUp: boolean
  /** Unix seconds since when the review is known to be pending (when WeChat gives no submit time). */
  since?: number
  /** Pull requests released in this version (their "released in" comments follow it). */
  pulls?: number[]
  /** More pull requests were merged than the comment limit. */
  morePulls?: boolean
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
  /** The action's rollout record for the version in gray, from its own gray check run. */
  recorded?: RecordedRollout
  /** The action's record of the latest review, from its own review check run. */
  reviewRecord?: RecordedReview
  jsErrors?: HealthObservation
  testers?: { bound: string[] }
  /** The mini program's own categories (get_category), read when submit builds the default review item. */
  categories?: Category[]
  /** What the observation had to infer because WeChat left a field out. */
  inferences?: string[]
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
  | {
      kind: 'submit_audit'
      body: SubmitAuditBody
      /**
       * No review-items were given: the item is built from this category (the mini program's first) and the
       * first page of the code as uploaded, read right before submitting.
       */
      defaultItemCategory?: Category
    }
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
      state: DeploymentState
    }

/** What bind_tester's reply means for one whitelisted WeChat ID. */
export type TesterOutcome =
  | 'bound'
  | 'already a member'
  | 'not found or not searchable'
  | 'over the limit'
  | 'member of too many mini programs'
  | 'failed'

/** What the review check run shows: the review as it is once the decision's writes are made. */
export interface ReviewCheckState {
  review: ReviewObservation
  onlineVersion?: string
  releaseOnApproval: ReleaseOnApproval
  /** The approved version is in gray release now. */
  inGray: boolean
  /** Uploaded with route none: the review is submitted in the WeChat console, not by the action. */
  uploadedOnly?: boolean
  notes: string[]
  /** What the check run's hidden marker keeps for the next run. */
  record: RecordedReview
  /** Unix seconds (WeChat's clock). */
  now: number
}

export interface GrayNextStep {
  percent: number
  /** 1-based step number and the schedule's length, for "step 3 of 5". */
  number: number
  of: number
  dueAt?: number
}

/** What the gray check run shows: the plan as it is once the decision's writes are made. */
export interface GrayCheckState {
  gray: GrayObservation
  /** Unix seconds (WeChat's clock). */
  now: number
  deadline?: DeadlineStatus
  deadlineAction: GrayDeadlineAction
  marginHours: number
  schedule?: string
  next?: GrayNextStep
  /** Why the rollout is stopped (health gate, revert). */
  halted?: string
  /** The plan finished because WeChat released it at the limit, not because of a release. */
  finishedByWeChat?: boolean
  health?: HealthResult
  whitelist?: Array<{ wechatid: string; outcome?: TesterOutcome }>
  notes: string[]
  /** What the check run's hidden marker keeps for the next run. */
  recorded?: RecordedRollout
}

/** A check run the report should show, as state; report/ names it and renders it. */
export type CheckPlan =
  | { kind: 'review'; appid: string; version?: string; state: ReviewCheckState }
  | { kind: 'gray'; appid: string; version?: string; state: GrayCheckState }

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
  | 'dry-run'
  | 'not-attempted'

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
  /** Plain text (report/ makes it inert): what the decision saw and why it chose so. */
  notes: string[]
  /** Plain text that holds only once every write was made (quota left afterwards, the item submitted). */
  afterWrites: string[]
  /** The state once every write is made: what the outputs say when the writes went through. */
  outputs: Partial<TargetOutputs>
  checks: CheckPlan[]
}

/** What happened when a decision's writes were made. */
export interface ActResult {
  target: string
  /**
   * done: every write made; dry-run: none made on purpose; failed: stopped at a failed write (the rest were
   * not attempted); not-attempted: the run's deadline passed before this target started.
   */
  status: 'done' | 'dry-run' | 'failed' | 'not-attempted'
  /** How many of the decision's writes were made, in order. */
  writesMade: number
  error?: string
  /** bind_tester errcode per WeChat ID. */
  testerOutcomes?: Record<string, number>
  /** GitHub records (deployments) that failed after their WeChat write: the step fails, the report stands. */
  githubFailures?: string[]
}

/**
 * Whether WeChat has a gray plan in force (it blocks rollback and the release of other versions).
 * WeChat answers "status 0, all zeros" when no plan ever existed, so an initial plan counts only with a start time.
 */
export function isGrayActive(gray: GrayObservation): boolean {
  if (gray.status === 'initial') return (gray.startedAt ?? 0) > 0
  return gray.status === 'running' || gray.status === 'paused'
}

/** `under_review` → `under review`, for plain-text messages. */
export function reviewStatusText(status: ReviewStatus): string {
  return status.replace('_', ' ')
}
