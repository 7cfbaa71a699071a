/** Collaborator permissions per user (GET …/collaborators/{username}/permission). */
import { userJson } from '../fake-github-json.js'
import type { FakeContext } from './context.js'
import { notFound } from './errors.js'
import type { Route } from './routing.js'
import type { FakeRole } from './state.js'

const ROLE_PERMISSION: Record<FakeRole, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none'
}

export function collaboratorRoutes(context: FakeContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/collaborators\/([^/]+)\/permission$/,
      handle: ([, login]) => {
        const granted = context.state.collaborators.get(login ?? '')
        if (granted === undefined) throw notFound()
        const role = typeof granted === 'string' ? granted : granted.base
        const roleName = typeof granted === 'string' ? granted : granted.name
        const permission = ROLE_PERMISSION[role]
        const user = userJson(context.json(), { login: login ?? '', type: 'User' })
        return {
          status: 200,
          body: {
            permission,
            role_name: roleName,
            user: {
              ...user,
              permissions: {
                admin: role === 'admin',
                maintain: ['admin', 'maintain'].includes(role),
                push: ['admin', 'maintain', 'write'].includes(role),
                triage: role !== 'read' && role !== 'none',
                pull: role !== 'none'
              },
              role_name: roleName
            }
          }
        }
      }
    }
  ]
}
