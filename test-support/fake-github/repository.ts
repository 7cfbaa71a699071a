/** The repository itself (GET /repos/{owner}/{repo}). */
import { repositoryJson } from '../fake-github-json.js'
import type { FakeContext } from './context.js'
import type { Route } from './routing.js'

export function repositoryRoutes(context: FakeContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^$/,
      handle: () => ({
        status: 200,
        body: { ...repositoryJson(context.json()), network_count: 0, subscribers_count: 0 }
      })
    }
  ]
}
