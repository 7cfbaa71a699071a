/**
 * The action's GitHub client pointed at a fake GitHub for in-process tests: a clock that records the waits
 * it is asked for instead of waiting, and the lines the client reports collected.
 */
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../src/github/client.js'
import type { Clock } from '../src/github/octokit.js'
import type { FakeGitHub } from './fake-github.js'

/** After each test: the requests followed GitHub's documents (throws otherwise); the record starts afresh. */
export function assertFollowedDocumentsAndReset(fake: FakeGitHub): void {
  try {
    fake.assertFollowedDocuments()
  } finally {
    fake.clearViolations()
  }
}

export const TEST_OWNER = 'octo-org'
export const TEST_REPO = 'mini-app'
/** An installation token: the fake treats it as GitHub Actions' (GITHUB_TOKEN). */
export const INSTALLATION_TOKEN = 'ghs_fakeinstallationtoken000'

export interface ClientHarness {
  client: GitHubClient
  /** Waits the client asked for, in ms. */
  sleeps: number[]
  /** Lines reported through onWrite. */
  writeLines: string[]
  warnings: string[]
  debugLines: string[]
}

/** A clock frozen at `startMs` that moves on by each wait it is asked for, without waiting. */
export function recordingClock(sleeps: number[], startMs = Date.UTC(2026, 0, 1)): Clock {
  let nowMs = startMs
  return {
    now: () => nowMs,
    sleep: async (ms) => {
      sleeps.push(ms)
      nowMs += ms
    }
  }
}

export function clientFor(fake: FakeGitHub, overrides: Partial<GitHubClientOptions> = {}): ClientHarness {
  const harness = { sleeps: [], writeLines: [], warnings: [], debugLines: [] } as Omit<
    ClientHarness,
    'client'
  >
  const client = createGitHubClient({
    token: INSTALLATION_TOKEN,
    apiUrl: fake.url,
    owner: TEST_OWNER,
    repo: TEST_REPO,
    clock: recordingClock(harness.sleeps),
    onWrite: (line) => harness.writeLines.push(line),
    warn: (line) => harness.warnings.push(line),
    log: (line) => harness.debugLines.push(line),
    ...overrides
  })
  return { ...harness, client }
}
