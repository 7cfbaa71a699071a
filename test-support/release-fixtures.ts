/** Plain release state for unit tests of decisions and renderers: settings, observations, gray plans. */
import type { GrayObservation, TargetObservation } from '../src/release/model.js'
import type { ReleaseSettings } from '../src/release/settings.js'

/** 2026-01-01T00:00:00Z, the emulator's default start. */
export const T0 = 1_767_225_600
export const HOUR = 3600
export const DAY = 86_400
export const APPID = 'wx0123456789abcdef'

/** Settings to change; a key set to undefined removes that optional setting. */
export type SettingsPatch = { [K in keyof ReleaseSettings]?: ReleaseSettings[K] | undefined }

/** `base` with `patch` applied, leaving out the keys the patch sets to undefined. */
export function patched<T extends object>(base: T, patch: { [K in keyof T]?: T[K] | undefined }): T {
  const result = { ...base, ...patch } as Record<string, unknown>
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete result[key]
  return result as T
}

export function releaseSettings(patch: SettingsPatch = {}): ReleaseSettings {
  return patched<ReleaseSettings>(
    {
      command: 'sync',
      route: 'direct',
      releaseOnApproval: 'off',
      grayProjectMembers: false,
      grayExperienceMembers: false,
      grayWhitelist: [],
      grayDeadlineAction: 'warn',
      grayDeadlineMarginHours: 24,
      now: T0
    },
    patch
  )
}

/** A running gray plan at `percentage`, started at `startedAt`. */
export function runningGray(percentage: number, startedAt = T0): GrayObservation {
  return {
    status: 'running',
    percentage,
    startedAt,
    projectMembersFirst: false,
    experienceMembersFirst: false
  }
}

/** A mini program with 1.0.0 online, version 2.0.0 under review and no gray plan, unless patched. */
export function observation(patch: Partial<TargetObservation> = {}): TargetObservation {
  return {
    appid: APPID,
    review: { status: 'under_review', userVersion: '2.0.0', auditId: 3, screenshots: [] },
    gray: { status: 'none', percentage: 0, projectMembersFirst: false, experienceMembersFirst: false },
    versions: { online: { version: '1.0.0' } },
    ...patch
  }
}
