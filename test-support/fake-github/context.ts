/**
 * What every part of the fake shares: the options, the repository state, the clock, the id counter and the
 * URLs (known once the server listens).
 */
import { timestamp, type JsonContext } from '../fake-github-json.js'
import { createState, type FakeGitHubState } from './state.js'

export type FakeScope = 'checks' | 'pull-requests' | 'issues' | 'deployments' | 'contents'
export type FakeLevel = 'write' | 'read' | 'none'

export interface FakeGitHubOptions {
  owner: string
  repo: string
  defaultBranch?: string
  /** What GITHUB_TOKEN may do; every scope defaults to write. */
  permissions?: Partial<Record<FakeScope, FakeLevel>>
  /** Installation tokens of other GitHub Apps: token → App (id and name are derived when absent). */
  appTokens?: Record<string, { slug: string; id?: number; name?: string }>
  /** Tokens that act as a user (personal access tokens): token → login. */
  userTokens?: Record<string, string>
  /** The clock in ms since the epoch (default: the real one); `advance()` moves the fake's time on. */
  now?: () => number
  /**
   * Check requests and answers against GitHub's description (default). Only a benchmark that times the
   * action's own work may turn it off; tests never do.
   */
  validate?: boolean
}

/** The API root below the server, as on GitHub Enterprise Server. */
export const API_PREFIX = '/api/v3'

export interface FakeContext {
  readonly options: FakeGitHubOptions
  readonly owner: string
  readonly repo: string
  readonly defaultBranch: string
  readonly state: FakeGitHubState
  /** The fake's time in ms: the options' clock (or the real one) moved on by `advance`. */
  clock(): number
  /** The fake's time as GitHub's timestamp. */
  now(): string
  advance(ms: number): void
  /** One counter for every id (check runs, issues, comments, request ids…). */
  newId(): number
  /** Web root; empty until the server listens. */
  serverUrl: string
  json(): JsonContext
  /** API URL of the repository. */
  repoApi(): string
}

export function createContext(options: FakeGitHubOptions): FakeContext {
  const { owner, repo } = options
  const defaultBranch = options.defaultBranch ?? 'main'
  let offsetMs = 0
  let nextId = 1_000_001
  const context: FakeContext = {
    options,
    owner,
    repo,
    defaultBranch,
    state: createState(owner),
    clock: () => (options.now?.() ?? Date.now()) + offsetMs,
    now: () => timestamp(context.clock()),
    advance(ms) {
      offsetMs += ms
    },
    newId: () => nextId++,
    serverUrl: '',
    json: () => ({
      serverUrl: context.serverUrl,
      apiUrl: `${context.serverUrl}${API_PREFIX}`,
      owner,
      repo,
      defaultBranch
    }),
    repoApi: () => `${context.serverUrl}${API_PREFIX}/repos/${owner}/${repo}`
  }
  return context
}
