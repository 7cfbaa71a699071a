/**
 * A person's permission on the repository, for deciding whether a dashboard tick may act.
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers `permission` (the legacy base roles
 * admin / write / read / none, with maintain mapped to write and triage to read) and `role_name` (admin,
 * maintain, write, triage, read, or a custom role's name).
 */
import type { GitHubCore } from './core.js'
import { unlessNotFound } from './core.js'

export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface CollaboratorPermission {
  /** GitHub's `permission`: admin, write, read or none. */
  permission: string
  /** GitHub's `role_name`, possibly a custom role. */
  roleName: string
  /** The standard role this grants at least: a custom role counts as its `permission` (fail safe). */
  role: RepositoryRole
}

const RANK: Record<RepositoryRole, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

function standardRole(name: string): RepositoryRole | undefined {
  return name in RANK ? (name as RepositoryRole) : undefined
}

/** The role a permission answer proves; unknown words prove nothing. */
export function roleOf(permission: string, roleName: string): RepositoryRole {
  return standardRole(roleName) ?? standardRole(permission) ?? 'none'
}

export function hasRoleAtLeast(granted: RepositoryRole, required: RepositoryRole): boolean {
  return RANK[granted] >= RANK[required]
}

export function createCollaborators(core: GitHubCore) {
  const { octokit, owner, repo, repoPath } = core

  /** A user GitHub does not know, or who has no access, has role `none`. */
  async function getCollaboratorPermission(username: string): Promise<CollaboratorPermission> {
    const response = await unlessNotFound(() =>
      core.call(`GET ${repoPath}/collaborators/${username}/permission`, undefined, false, () =>
        octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username })
      )
    )
    if (!response) return { permission: 'none', roleName: 'none', role: 'none' }
    const { permission, role_name: roleName } = response.data
    return { permission, roleName, role: roleOf(permission, roleName) }
  }

  return { getCollaboratorPermission }
}
