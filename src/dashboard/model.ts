/**
 * The release dashboard as plain data: one issue per repository whose body shows every target's state
 * and offers task-list checkboxes as controls. Nothing here performs I/O.
 *
 * Trust: the body can be edited by people. Its hidden state and operations log are history for display
 * and for announcing each transition once; no decision reads them. A tick is acted on only after the
 * sender's permission, the configured targets and WeChat's current state (the box's fingerprint) agree.
 */
import type { GrayStatus, ReviewStatus } from '../release/model.js'

export const DASHBOARD_LABEL = 'wechat-release'
export const DASHBOARD_TITLE = 'WeChat release dashboard'
/** GitHub's limit for an issue body, in characters. */
export const BODY_LIMIT = 65_536
/** Operations kept in the body (the newest first). */
export const OPERATIONS_KEPT = 10

export const MARKER_PREFIX = 'wechat-miniprogram-release'
export const DASHBOARD_MARKER = `<!-- ${MARKER_PREFIX}:dashboard -->`

export const CONTROL_KINDS = ['gray-to', 'release', 'revert-gray', 'rollback', 'withdraw', 'speedup'] as const
export type ControlKind = (typeof CONTROL_KINDS)[number]

/** What a box's hidden marker says: the control, the target, and the WeChat state it was rendered from. */
export interface ControlMarker {
  control: ControlKind
  appid: string
  /** The version the control acts on (for rollback: the version rolled back to). */
  version: string
  /** gray-to: the percentage the gray release is raised to (or starts at). */
  percent?: number
  /** rollback: the online version rolled back from. */
  from?: string
  /** Hash of the observation fields that matter for this control (see fingerprint.ts). */
  fingerprint: string
}

/** A control the dashboard offers now, with the text of its box. */
export interface Control extends ControlMarker {
  label: string
}

/** What the pipeline runs for a granted tick: a command and the settings that name its target. */
export interface ControlCommand {
  command: 'gray' | 'release' | 'revert-gray' | 'rollback' | 'withdraw' | 'speedup'
  appid: string
  /** The version the user means (the `version` input of the command). */
  version?: string
  /** gray: the percentage (the `gray-percent` input). */
  grayPercent?: number
  /** rollback: the version to go back to (the `rollback-to` input). */
  rollbackTo?: string
}

export type OperationResult = 'done' | 'refused' | 'failed'

/** One line of the operations log (who, when, what, result, which run). */
export interface OperationEntry {
  /** Unix seconds. */
  at: number
  actor: string
  appid: string
  control: ControlKind
  version: string
  percent?: number
  from?: string
  result: OperationResult
  /** One sentence on the outcome. */
  message?: string
  /** GITHUB_RUN_ID of the run that acted; the link is rebuilt from the repository, never read from the body. */
  runId?: string
}

/** What the dashboard remembers of a target to announce each transition once. */
export interface TargetSnapshot {
  review?: { status: ReviewStatus; auditId?: number; version?: string }
  gray?: { status: GrayStatus; percentage: number; startedAt?: number; version?: string }
  online?: string
  /** startedAt of the plan the health gate halted (so one halt is announced once). */
  healthHaltedPlan?: number
  /** startedAt of the plan whose last 24 h were announced. */
  deadlineNoticePlan?: number
}

/** The hidden block at the end of the body. */
export interface DashboardState {
  targets: Record<string, TargetSnapshot>
  /** Newest first, at most OPERATIONS_KEPT. */
  operations: OperationEntry[]
}
