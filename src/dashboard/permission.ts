/**
 * Repository permission of the person who ticked a box, from
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`: `role_name` (admin, maintain, write,
 * triage, read, or a custom role's name) is preferred; `permission` (admin, write, read, none) is the
 * fallback, so a custom role counts as the base permission GitHub reports for it.
 */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number]

/** The default of the `control-permission` input. */
export const DEFAULT_CONTROL_PERMISSION: PermissionLevel = 'maintain'

export interface RepositoryPermission {
  permission?: string | null
  role_name?: string | null
}

function isLevel(value: string | null | undefined): value is PermissionLevel {
  return (PERMISSION_LEVELS as readonly string[]).includes(value ?? '')
}

/** The level that counts, or undefined for none / unknown (never enough). */
export function effectivePermission(reply: RepositoryPermission | undefined): PermissionLevel | undefined {
  if (!reply) return undefined
  const role = reply.role_name?.toLowerCase()
  if (isLevel(role)) return role
  const permission = reply.permission?.toLowerCase()
  return isLevel(permission) ? permission : undefined
}

export function permissionAtLeast(level: PermissionLevel | undefined, required: PermissionLevel): boolean {
  if (!level) return false
  return PERMISSION_LEVELS.indexOf(level) >= PERMISSION_LEVELS.indexOf(required)
}

/** Parses the `control-permission` input; throws an Error naming the allowed values. */
export function parseControlPermission(value: string | undefined): PermissionLevel {
  if (value === undefined || value.trim() === '') return DEFAULT_CONTROL_PERMISSION
  const level = value.trim().toLowerCase()
  if (!isLevel(level)) {
    throw new Error(`must be one of ${PERMISSION_LEVELS.join(', ')}, got "${value}"`)
  }
  return level
}
