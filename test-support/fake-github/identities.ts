/**
 * Who a token acts as: GitHub Actions' installation (GITHUB_TOKEN, with the job's permissions), another App's
 * installation, or a user (personal access token); and GET /user, which only a user may read.
 */
import { timestamp, userJson, type FakeAppInfo, type FakeUser } from '../fake-github-json.js'
import type { FakeContext, FakeLevel, FakeScope } from './context.js'
import { HttpError } from './errors.js'
import type { Reply } from './routing.js'

/** GitHub Actions' App: the App of GITHUB_TOKEN. */
export const GITHUB_ACTIONS_APP: FakeAppInfo = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }

export type Actor = { kind: 'app'; app: FakeAppInfo; bot: FakeUser } | { kind: 'user'; user: FakeUser }

export function authorOf(actor: Actor): FakeUser {
  return actor.kind === 'app' ? actor.bot : actor.user
}

export interface Identities {
  actorFor(token: string): Actor
  requirePermission(actor: Actor, scope: FakeScope | FakeScope[], level: 'read' | 'write'): void
}

export function createIdentities({ options }: FakeContext): Identities {
  const permissions: Record<FakeScope, FakeLevel> = {
    checks: 'write',
    'pull-requests': 'write',
    issues: 'write',
    deployments: 'write',
    contents: 'write',
    ...options.permissions
  }
  const appsByToken = new Map<string, FakeAppInfo>()
  for (const [token, app] of Object.entries(options.appTokens ?? {})) {
    appsByToken.set(token, {
      slug: app.slug,
      id: app.id ?? 500_000 + appsByToken.size,
      name: app.name ?? app.slug
    })
  }

  function actorFor(token: string): Actor {
    const login = options.userTokens?.[token]
    if (login) return { kind: 'user', user: { login, type: 'User' } }
    const app = appsByToken.get(token) ?? GITHUB_ACTIONS_APP
    return { kind: 'app', app, bot: { login: `${app.slug}[bot]`, type: 'Bot' } }
  }

  function requirePermission(actor: Actor, scope: FakeScope | FakeScope[], level: 'read' | 'write'): void {
    // Other Apps' tokens and personal tokens are granted everything here; GITHUB_TOKEN has the job's permissions.
    if (actor.kind !== 'app' || actor.app.id !== GITHUB_ACTIONS_APP.id) return
    const scopes = Array.isArray(scope) ? scope : [scope]
    const allowed = scopes.some((name) => {
      const granted = permissions[name]
      return level === 'read' ? granted !== 'none' : granted === 'write'
    })
    if (!allowed) throw new HttpError(403, 'Resource not accessible by integration')
  }

  return { actorFor, requirePermission }
}

/** GET /user: installation tokens cannot read it; a personal access token reads its user. */
export function authenticatedUser(context: FakeContext, actor: Actor): Reply {
  if (actor.kind !== 'user') throw new HttpError(403, 'Resource not accessible by integration')
  return {
    status: 200,
    body: {
      ...userJson(context.json(), actor.user),
      name: null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: timestamp(0),
      updated_at: timestamp(0)
    }
  }
}
