/**
 * What the release decisions need from the validated inputs, and the value sets those inputs take (defined
 * here once; inputs.ts validates against them). The command layer fills ReleaseSettings; the decisions
 * never read inputs, the environment or the clock themselves (`now` is passed in).
 */
import type { Command } from '../inputs.js'
import type { ReviewItem } from '../wechat/review-items.js'
import type { GraySchedule } from './schedule.js'

/** The commands that go through the release pipeline (preview and upload only compile). */
export type ReleaseCommand = Exclude<Command, 'preview' | 'upload'>

/** How code gets to review: the upload lands in the mini program, via the template library, or not at all. */
export const ROUTES = ['direct', 'template', 'none'] as const
export type Route = (typeof ROUTES)[number]

/** What sync does once a review is approved. */
export const RELEASE_ON_APPROVAL = ['off', 'full', 'gray'] as const
export type ReleaseOnApproval = (typeof RELEASE_ON_APPROVAL)[number]

/** What sync does inside the margin before WeChat's day-15 automatic release. */
export const GRAY_DEADLINE_ACTIONS = ['release', 'revert', 'warn'] as const
export type GrayDeadlineAction = (typeof GRAY_DEADLINE_ACTIONS)[number]

/** What a failing health gate does to the rollout. */
export const HEALTH_ACTIONS = ['halt', 'revert'] as const
export type HealthAction = (typeof HEALTH_ACTIONS)[number]

export interface HealthGate {
  /** More error groups than this that exist only in the gray version fail the gate. */
  maxNewErrorGroups: number
  /** Gray error users per percent of traffic ÷ online error users per percent; above this fails the gate. */
  maxErrorUvRatio: number
  /** Below this many online error users the ratio is too noisy to judge and is skipped. */
  minOnlineBaseline: number
  action: HealthAction
}

export interface PrivacySettings {
  /** submit_audit privacy_api_not_use: privacy APIs detected in the code are declared unused. */
  privacyApiNotUse?: boolean
  /** submit_audit ugc_declare, passed through as given. */
  ugcDeclare?: Record<string, unknown>
  orderPath?: string
}

export interface ReleaseSettings {
  command: ReleaseCommand
  /** The version the user means (input `version` or the tag). */
  version?: string
  route: Route
  releaseOnApproval: ReleaseOnApproval
  rollbackTo?: string
  /** Left out: submit builds one item from the mini program's own category and first page. */
  reviewItems?: ReviewItem[]
  reviewNotes?: string
  feedback?: string
  feedbackMedia?: string[]
  privacy?: PrivacySettings
  grayPercent?: number
  grayProjectMembers: boolean
  grayExperienceMembers: boolean
  grayWhitelist: string[]
  graySchedule?: GraySchedule
  grayDeadlineAction: GrayDeadlineAction
  /** Hours before WeChat's day-15 automatic release at which the deadline action is taken; default 24. */
  grayDeadlineMarginHours: number
  healthGate?: HealthGate
  /** GitHub environment for deployment records; none when undefined. */
  deploymentEnvironment?: string
  /** Unix seconds. */
  now: number
}
