/**
 * The pipeline's own pieces, with time injected and GitHub replaced by small stubs: the privacy-check wait,
 * the fan-out deadline, the commit marker and finder, records read only from the action's own runs, the
 * pull requests a version releases, and the stages their comments follow.
 */
import { describe, expect, it } from '@jest/globals'
import {
  PRIVACY_DETECTION_POLL_MS,
  PRIVACY_DETECTION_WAIT_MS,
  submitWhenDetectionDone,
  writeAheadOrder
} from '../src/commands/act.js'
import { CommitFinder } from '../src/commands/commits.js'
import { mapUntilDeadline } from '../src/commands/fan-out.js'
import { isOwnRun, readReviewRecord, readRolloutRecord } from '../src/commands/records.js'
import { MAX_RELEASED_PULLS, pullRequestsReleasedIn } from '../src/commands/released-pulls.js'
import { tagNamesVersion, versionFromTag } from '../src/context.js'
import { InputError } from '../src/errors.js'
import type { CheckRun, Comparison, GitHubClient, PullRequestRef } from '../src/github/client.js'
import { commitFromDescription, withCommitMarker } from '../src/release/commit-marker.js'
import { decideRelease, decideRollback, decideSync } from '../src/release/decide.js'
import { versionStages } from '../src/release/outcome.js'
import { embedRecorded, embedRecordedReview } from '../src/release/recorded.js'
import { ERRCODE, WeChatApiError } from '../src/wechat/errors.js'
import { observation, releaseSettings, runningGray, T0 } from '../test-support/release-fixtures.js'

const SHA = 'c0ffee1'.padEnd(40, '0')
const APPID = 'wx0123456789abcdef'

/** A clock that moves only when the code sleeps. */
function fakeTime(start = 1_000_000) {
  let now = start
  const sleeps: number[] = []
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      now += ms
    },
    advance: (ms: number) => {
      now += ms
    },
    sleeps
  }
}

function stubGitHub(methods: Partial<GitHubClient>): GitHubClient {
  return methods as GitHubClient
}

describe('the privacy-check wait (61039)', () => {
  const checking = () =>
    new WeChatApiError('/wxa/submit_audit', ERRCODE.PRIVACY_CHECK_RUNNING, 'not finished')

  it('asks again every 15 s until WeChat accepts, without waiting for real', async () => {
    const time = fakeTime()
    let calls = 0
    const result = await submitWhenDetectionDone(
      async () => {
        calls += 1
        if (calls < 4) throw checking()
        return { auditid: 7 }
      },
      time.clock,
      time.sleep
    )
    expect(result).toEqual({ auditid: 7 })
    expect(time.sleeps).toEqual([
      PRIVACY_DETECTION_POLL_MS,
      PRIVACY_DETECTION_POLL_MS,
      PRIVACY_DETECTION_POLL_MS
    ])
  })

  /** Every call fails with `error`; how many calls were made, and how long was slept. */
  async function alwaysFailing(error: () => Error) {
    const time = fakeTime()
    let calls = 0
    const outcome = submitWhenDetectionDone(
      async () => {
        calls += 1
        throw error()
      },
      time.clock,
      time.sleep
    )
    await outcome.catch(() => undefined)
    return { outcome, calls, slept: time.sleeps.reduce((sum, ms) => sum + ms, 0) }
  }

  it('gives up with 61039 once the wait is over', async () => {
    const { outcome, calls, slept } = await alwaysFailing(checking)
    await expect(outcome).rejects.toMatchObject({ errcode: ERRCODE.PRIVACY_CHECK_RUNNING })
    expect(slept).toBeLessThanOrEqual(PRIVACY_DETECTION_WAIT_MS)
    expect(calls).toBe(PRIVACY_DETECTION_WAIT_MS / PRIVACY_DETECTION_POLL_MS + 1)
  })

  it('never asks again after another answer', async () => {
    const { outcome, calls, slept } = await alwaysFailing(
      () => new WeChatApiError('/wxa/submit_audit', ERRCODE.MUST_COMMIT_FIRST, 'must commit')
    )
    await expect(outcome).rejects.toMatchObject({ errcode: ERRCODE.MUST_COMMIT_FIRST })
    expect(calls).toBe(1)
    expect(slept).toBe(0)
  })
})

describe('the fan-out deadline', () => {
  it('starts no target once the deadline has passed; targets already running finish', async () => {
    const time = fakeTime(0)
    const started: string[] = []
    const settled = await mapUntilDeadline(['a', 'b', 'c', 'd'], 1, 100, time.clock, async (item) => {
      started.push(item)
      time.advance(60)
      return item.toUpperCase()
    })
    expect(started).toEqual(['a', 'b'])
    expect(settled.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'not-attempted',
      'not-attempted'
    ])
  })
})

describe('the rollback write-ahead', () => {
  it('records the rollback before WeChat is called, and keeps every other order', () => {
    const deployment = {
      kind: 'deployment' as const,
      environment: 'wechat',
      version: '1.0.0',
      operation: 'rollback' as const,
      state: 'success' as const
    }
    expect(writeAheadOrder([{ kind: 'revertcoderelease' }, deployment])).toEqual([
      deployment,
      { kind: 'revertcoderelease' }
    ])
    const release = [{ kind: 'release' as const }, { ...deployment, operation: 'release' as const }]
    expect(writeAheadOrder(release)).toBe(release)
  })
})

describe('versions from tags', () => {
  it('follow the version rule', () => {
    expect(versionFromTag('v1.2.3')).toBe('1.2.3')
    expect(versionFromTag('2024.05-rc_1')).toBe('2024.05-rc_1')
    expect(versionFromTag(undefined)).toBeUndefined()
    expect(() => versionFromTag('v1.2.3/../../x')).toThrow(InputError)
    expect(() => versionFromTag('release `x`')).toThrow(/tag "release `x`" gives the version/)
    expect(tagNamesVersion('v1.2.3', '1.2.3')).toBe(true)
    expect(tagNamesVersion('v1.2.3', '1.2.4')).toBe(false)
  })
})

describe('the commit marker', () => {
  it('is appended once, and only the last marker counts', () => {
    const description = withCommitMarker('Fix [abcdef0] and [wxrelease:1111111] (c0ffee1)', SHA)
    expect(description).toBe(`Fix [abcdef0] and [wxrelease:1111111] (c0ffee1) [wxrelease:${SHA}]`)
    expect(withCommitMarker(description, SHA)).toBe(description)
    expect(commitFromDescription(description)).toBe(SHA)
    const forged = `[wxrelease:${'d'.repeat(40)}] subject (c0ffee1) [wxrelease:${SHA}] #wechat-release-action`
    expect(commitFromDescription(forged)).toBe(SHA)
  })

  it('ignores bracketed hex that is not the marker', () => {
    expect(commitFromDescription('Fix [abcdef0] crash (abcdef0)')).toBeUndefined()
    expect(commitFromDescription(undefined)).toBeUndefined()
  })

  it('leads the commit finder before the tags; without it, the tags decide', async () => {
    const resolved: string[] = []
    const github = stubGitHub({
      resolveCommit: async (ref) => {
        resolved.push(ref)
        return ref === SHA ? SHA : undefined
      },
      resolveTag: async (tag) => (tag === 'v2.0.0' ? { sha: 'e'.repeat(40) } : undefined)
    })
    const finder = new CommitFinder(github, 'f'.repeat(40), '9.9.9')
    finder.remember('1.0.0', withCommitMarker('Fix [abcdef0]', SHA))
    finder.remember('2.0.0', 'Old upload [abcdef0]')
    expect(await finder.find('1.0.0')).toBe(SHA)
    expect(await finder.find('2.0.0')).toBe('e'.repeat(40))
    expect(await finder.find('3.0.0')).toBeUndefined()
    expect(await finder.find('9.9.9')).toBe('f'.repeat(40))
    expect(resolved).toEqual([SHA])
  })
})

/** A check run of the given app; the action's own when the app is `github-actions` (the default slug). */
function run(id: number, patch: Partial<Omit<CheckRun, 'app'>> & { app?: string } = {}): CheckRun {
  const { app, ...rest } = patch
  return {
    id,
    name: 'WeChat gray release',
    externalId: `wechat-gray:${APPID}:2.0.0`,
    status: 'completed',
    conclusion: 'neutral',
    title: '',
    summary: '',
    text: '',
    htmlUrl: '',
    startedAt: null,
    completedAt: null,
    headSha: SHA,
    app: app ? { id: app === 'github-actions' ? 15368 : 1, slug: app, name: app } : null,
    ownedByAction: app === 'github-actions',
    ...rest
  }
}

describe('records', () => {
  const rollout = (stepIndex: number) =>
    embedRecorded({ version: '2.0.0', stepIndex, percentage: 5, stepTakenAt: 100 })

  it("are the action's only when the GitHub client says its own app created the run", () => {
    expect(isOwnRun(run(1, { app: 'github-actions' }))).toBe(true)
    expect(isOwnRun(run(1, { app: 'someone-else' }))).toBe(false)
    expect(isOwnRun(run(1, {}))).toBe(false)
    expect(isOwnRun({ ...run(1, { app: 'my-release-app' }), ownedByAction: true })).toBe(true)
  })

  it("are read from the newest own run with the version's external id, never from a planted one", async () => {
    const github = stubGitHub({
      findCheckRuns: async () => [
        run(9, { app: 'someone-else', text: rollout(3) }),
        run(8, { app: 'github-actions', externalId: `wechat-gray:${APPID}:1.0.0`, text: rollout(2) }),
        run(5, { app: 'github-actions', text: rollout(1) }),
        run(4, { app: 'github-actions', text: rollout(0) })
      ]
    })
    const where = { sha: SHA, appid: APPID, version: '2.0.0', targetCount: 1 }
    expect((await readRolloutRecord(github, where))?.stepIndex).toBe(1)
    const none = stubGitHub({
      findCheckRuns: async () => [run(9, { app: 'someone-else', text: rollout(3) })]
    })
    expect(await readRolloutRecord(none, where)).toBeUndefined()
  })

  it('read the review record with its pull requests', async () => {
    const github = stubGitHub({
      findCheckRuns: async () => [
        run(3, {
          name: 'WeChat review',
          externalId: `wechat-review:${APPID}:2.0.0`,
          app: 'github-actions',
          text: embedRecordedReview({ auditId: 4, spedUp: true, pulls: [11, 12] })
        })
      ]
    })
    expect(
      await readReviewRecord(github, { sha: SHA, appid: APPID, version: '2.0.0', targetCount: 1 })
    ).toEqual({
      auditId: 4,
      spedUp: true,
      pulls: [11, 12]
    })
  })
})

describe('the pull requests a version releases', () => {
  const merged = (number: number, baseRef = 'main'): PullRequestRef => ({
    number,
    headSha: 'a'.repeat(40),
    state: 'closed',
    mergedAt: '2026-01-01T00:00:00Z',
    baseRef,
    title: `PR ${number}`,
    htmlUrl: `https://github.com/octo/shop/pull/${number}`
  })
  /** A compare answer as the GitHub client gives it (commits oldest first). */
  const comparison = (status: Comparison['status'], totalCommits: number, shas: string[]): Comparison => ({
    status,
    aheadBy: status === 'ahead' || status === 'diverged' ? totalCommits : 0,
    behindBy: status === 'behind' || status === 'diverged' ? 1 : 0,
    totalCommits,
    commits: shas.map((sha) => ({ sha, message: '' })),
    truncated: shas.length < totalCommits
  })

  it('are the merged pull requests of the commits since the previous release, on the default branch only', async () => {
    const pulls: Record<string, PullRequestRef[]> = {
      c1: [merged(11)],
      c2: [merged(12), merged(14, 'release/1.x')],
      c3: [{ ...merged(13), headSha: 'c3', state: 'open', mergedAt: null }],
      c4: [merged(12)]
    }
    const github = stubGitHub({
      getDefaultBranch: async () => 'main',
      compareCommits: async (base) =>
        base === 'main' ? comparison('behind', 0, []) : comparison('ahead', 4, ['c1', 'c2', 'c3', 'c4']),
      findPullRequestsForCommit: async (sha) => pulls[sha] ?? []
    })
    expect(await pullRequestsReleasedIn(github, 'c4', 'base')).toEqual({ pulls: [11, 12], more: false })
  })

  it("are the head commit's own without a previous release", async () => {
    const compared: string[] = []
    const github = stubGitHub({
      getDefaultBranch: async () => 'main',
      compareCommits: async (base) => {
        compared.push(base)
        return comparison('identical', 0, [])
      },
      findPullRequestsForCommit: async (sha) => (sha === 'head' ? [merged(21)] : [])
    })
    expect(await pullRequestsReleasedIn(github, 'head', undefined)).toEqual({ pulls: [21], more: false })
    expect(compared).toEqual(['main'])
  })

  it('are none for a version whose commit is not on the default branch', async () => {
    const github = stubGitHub({
      getDefaultBranch: async () => 'main',
      compareCommits: async () => comparison('diverged', 3, ['x']),
      findPullRequestsForCommit: async () => [merged(31)]
    })
    expect(await pullRequestsReleasedIn(github, 'head', 'base')).toEqual({ pulls: [], more: false })
  })

  it('stop at 50 and say there were more, keeping the newest', async () => {
    const commits = Array.from({ length: 80 }, (_, index) => `c${index + 1}`)
    const github = stubGitHub({
      getDefaultBranch: async () => 'main',
      compareCommits: async (base) =>
        base === 'main' ? comparison('behind', 0, []) : comparison('ahead', commits.length, commits),
      findPullRequestsForCommit: async (sha) => [merged(Number(sha.slice(1)))]
    })
    const found = await pullRequestsReleasedIn(github, 'c80', 'base')
    expect(found.more).toBe(true)
    expect(found.pulls).toHaveLength(MAX_RELEASED_PULLS)
    expect(found.pulls.at(-1)).toBe(80)
  })
})

describe('the stages "released in" comments follow', () => {
  const settings = releaseSettings()
  const observe = observation

  it('follow the review, the gray, the release and a rollback', () => {
    expect(versionStages(decideSync(observe(), settings), observe())).toEqual([
      { version: '2.0.0', stage: 'submitted' }
    ])
    const rejected = observe({
      review: { status: 'rejected', userVersion: '2.0.0', reason: 'No privacy page', screenshots: [] }
    })
    expect(versionStages(decideSync(rejected, settings), rejected)).toEqual([
      { version: '2.0.0', stage: 'rejected', reason: 'No privacy page' }
    ])
    const approved = observe({ review: { status: 'approved', userVersion: '2.0.0', screenshots: [] } })
    expect(versionStages(decideRelease(approved, { ...settings, version: '2.0.0' }), approved)).toEqual([
      { version: '2.0.0', stage: 'released' }
    ])
    const inGray = observe({
      review: { status: 'approved', userVersion: '2.0.0', screenshots: [] },
      gray: runningGray(5)
    })
    expect(versionStages(decideSync(inGray, settings), inGray)).toEqual([{ version: '2.0.0', stage: 'gray' }])
    const online = observe({
      versions: { online: { version: '2.0.0' } },
      history: [{ appVersion: 1, userVersion: '1.0.0', description: '', committedAt: T0 - 100 }]
    })
    expect(versionStages(decideRollback(online, { ...settings, command: 'rollback' }), online)).toEqual([
      { version: '2.0.0', stage: 'rolled-back' }
    ])
  })
})
