/**
 * What the release decisions need from the validated inputs. The command layer fills it; the decisions
 * never read inputs, the environment or the clock themselves (`now` is passed in).
 */
import type { ReviewItem } from '../wechat/review-items.js'
import type { GraySchedule } from './schedule.js'

export type { ReviewItem }

export type ReleaseCommand =
  'submit' | 'sync' | 'release' | 'gray' | 'revert-gray' | 'rollback' | 'withdraw' | 'speedup'

export interface HealthGate {
  /** More error groups than this that exist only in the gray version fail the gate. */
  maxNewErrorGroups: number
  /** Gray error users per percent of traffic ÷ online error users per percent; above this fails the gate. */
  maxErrorUvRatio: number
  /** Below this many online error users the ratio is too noisy to judge and is skipped. */
  minOnlineBaseline: number
  action: 'halt' | 'revert'
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
  route: 'direct' | 'template' | 'none'
  releaseOnApproval: 'off' | 'full' | 'gray'
  rollbackTo?: string
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
  grayDeadlineAction: 'release' | 'revert' | 'warn'
  /** Hours before WeChat's day-15 automatic release at which the deadline action is taken; default 24. */
  grayDeadlineMarginHours: number
  healthGate?: HealthGate
  /** GitHub environment for deployment records; none when undefined. */
  deploymentEnvironment?: string
  /** More than one target puts the appid into check-run names. */
  targetCount?: number
  runUrl: string
  /** Unix seconds. */
  now: number
}
