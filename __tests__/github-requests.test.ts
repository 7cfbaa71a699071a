/** The request core: retries, rate limits, permission errors, dry run, and the facade callers use. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  GitHubApiError,
  GitHubPermissionError,
  serverUrlFromApiUrl,
  type DesiredCheckRun,
  type GitHubClient
} from '../src/github/client.js'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'
import {
  assertFollowedDocumentsAndReset,
  clientFor,
  TEST_OWNER,
  TEST_REPO
} from '../test-support/github-client-harness.js'

const SHA = 'a'.repeat(40)
const REPO_PATH = `/repos/${TEST_OWNER}/${TEST_REPO}`
/** The recording clock starts here (see github-client-harness). */
const CLOCK_START_SECONDS = Date.UTC(2026, 0, 1) / 1000

const review: DesiredCheckRun = {
  sha: SHA,
  name: 'WeChat review',
  externalId: 'review:wx1:1.2.3',
  status: 'in_progress',
  title: 'Under review: 1.2.3',
  summary: 'Under review.'
}

describe('GitHub request core', () => {
  let github: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({ owner: TEST_OWNER, repo: TEST_REPO })
  })
  afterAll(async () => {
    await github.close()
  })
  beforeEach(() => {
    github.state.checkRuns.length = 0
    github.addCommit(SHA)
    github.resetLog()
  })
  afterEach(() => {
    assertFollowedDocumentsAndReset(github)
  })

  describe('retries', () => {
    it('retries a read answered with 502, waiting on the injected clock', async () => {
      github.failNext('GET', `${REPO_PATH}/commits/${SHA}/check-runs`, 502)
      github.failNext('GET', `${REPO_PATH}/commits/${SHA}/check-runs`, 502)
      const { client, sleeps, debugLines } = clientFor(github)
      expect(await client.findCheckRuns(SHA, 'WeChat review')).toEqual([])
      expect(sleeps).toEqual([1000, 4000])
      expect(github.requests()).toHaveLength(3)
      expect(debugLines[0]).toContain('answered 502')
    })

    it('gives up on a read after the bounded number of retries', async () => {
      for (let attempt = 0; attempt < 4; attempt++) github.failNext('GET', REPO_PATH, 503)
      const { client, sleeps } = clientFor(github)
      const error = await client.getDefaultBranch().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubApiError)
      expect((error as GitHubApiError).status).toBe(503)
      expect(sleeps).toEqual([1000, 4000, 9000])
    })

    it('never repeats a write GitHub did not answer; it reads again and reports the failure', async () => {
      github.failNext('POST', `${REPO_PATH}/check-runs`, 502)
      const { client, sleeps } = clientFor(github)
      const error = await client.upsertCheckRun(review).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubApiError)
      expect(github.writes()).toHaveLength(1)
      expect(github.state.checkRuns).toEqual([])
      expect(sleeps).toEqual([])
    })
  })

  describe('rate limits', () => {
    it('honours retry-after of a secondary rate limit on a read (403) and on a write (429)', async () => {
      github.rateLimitNext('GET', REPO_PATH, { kind: 'secondary', retryAfterSeconds: 7 })
      const { client, sleeps } = clientFor(github)
      expect(await client.getDefaultBranch()).toBe('main')
      expect(sleeps).toEqual([7000])

      // GitHub did not process a rate-limited write, so making it again is safe.
      github.rateLimitNext('POST', `${REPO_PATH}/check-runs`, {
        kind: 'secondary',
        status: 429,
        retryAfterSeconds: 30
      })
      await client.upsertCheckRun(review)
      expect(sleeps).toEqual([7000, 30000])
      expect(github.state.checkRuns).toHaveLength(1)
    })

    it('waits 60 s for a secondary rate limit without retry-after, as GitHub advises', async () => {
      github.rateLimitNext('GET', REPO_PATH, { kind: 'secondary' })
      const { client, sleeps } = clientFor(github)
      await client.getDefaultBranch()
      expect(sleeps).toEqual([60000])
    })

    it('waits for x-ratelimit-reset when the primary rate limit is used up', async () => {
      github.rateLimitNext('GET', REPO_PATH, { kind: 'primary', resetAtSeconds: CLOCK_START_SECONDS + 30 })
      const { client, sleeps } = clientFor(github)
      await client.getDefaultBranch()
      // Until the reset, and a second more.
      expect(sleeps).toEqual([31000])
    })

    it('fails instead of waiting longer than allowed, or after the bounded number of retries', async () => {
      github.rateLimitNext('GET', REPO_PATH, { kind: 'secondary', retryAfterSeconds: 3600 })
      const { client, sleeps } = clientFor(github, { limits: { maxRateLimitWaitMs: 600_000 } })
      const error = await client.getDefaultBranch().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubApiError)
      expect((error as Error).message).toContain('secondary rate limit')
      expect(sleeps).toEqual([])

      for (let attempt = 0; attempt < 3; attempt++) {
        github.rateLimitNext('GET', REPO_PATH, { kind: 'secondary', retryAfterSeconds: 1 })
      }
      await expect(client.getDefaultBranch()).rejects.toThrow('secondary rate limit')
      expect(sleeps).toEqual([1000, 1000])
    })
  })

  it('makes writes one at a time and, beyond the first ten of a run, one a second', async () => {
    github.addPullRequest({ number: 12, headSha: SHA })
    const { client, sleeps } = clientFor(github)
    for (let index = 0; index < 12; index++)
      await client.addIssueComment({ issueNumber: 12, body: `note ${index}` })
    expect(sleeps).toEqual([1000, 1000])
  })

  describe('permissions', () => {
    it('turns a refused write into GitHubPermissionError naming the permission, and writes nothing', async () => {
      const readOnly = await startFakeGitHub({
        owner: TEST_OWNER,
        repo: TEST_REPO,
        permissions: {
          checks: 'read',
          'pull-requests': 'read',
          issues: 'read',
          deployments: 'read',
          contents: 'read'
        }
      })
      try {
        readOnly.addCommit(SHA)
        readOnly.addPullRequest({ number: 1, headSha: SHA })
        const { client } = clientFor(readOnly)
        const attempts: Array<[() => Promise<unknown>, string]> = [
          [() => client.upsertCheckRun(review), 'checks: write'],
          [() => client.upsertStickyComment({ issueNumber: 1, key: 'k', body: 'b' }), 'pull-requests: write'],
          [
            () =>
              client.upsertIssue({
                label: { name: 'l', color: '000000' },
                markerKey: 'd',
                title: 't',
                body: 'b'
              }),
            'issues: write'
          ],
          [
            () =>
              client.recordDeployment({
                ref: SHA,
                environment: 'wechat',
                version: '1.2.3',
                description: 'Released 1.2.3',
                logUrl: 'https://example.com/run',
                state: 'success'
              }),
            'deployments: write'
          ],
          [
            () =>
              client.putFile({
                branch: 'previews',
                path: 'qr.jpg',
                content: Buffer.from('qr'),
                message: 'QR'
              }),
            'contents: write'
          ]
        ]
        for (const [attempt, permission] of attempts) {
          const error = await attempt().then(
            () => undefined,
            (caught: unknown) => caught
          )
          expect(error).toBeInstanceOf(GitHubPermissionError)
          expect(error).toMatchObject({ permission, status: 403 })
          expect((error as GitHubPermissionError).hint).toContain(`permissions: ${permission}`)
        }
        expect(readOnly.state.checkRuns).toEqual([])
        expect(readOnly.state.comments).toEqual([])
        expect(readOnly.state.issues.filter((issue) => !issue.pull_request)).toEqual([])
        expect(readOnly.state.deployments).toEqual([])
        readOnly.assertFollowedDocuments()
      } finally {
        await readOnly.close()
      }
    })

    it('explains that check runs refuse personal access tokens', async () => {
      const { client } = clientFor(github, { token: 'ghp_personal' })
      const personal = await startFakeGitHub({
        owner: TEST_OWNER,
        repo: TEST_REPO,
        userTokens: { ghp_personal: 'someone' }
      })
      try {
        personal.addCommit(SHA)
        const error = await clientFor(personal, { token: 'ghp_personal' })
          .client.upsertCheckRun(review)
          .catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(GitHubPermissionError)
        expect((error as GitHubPermissionError).hint).toContain('GitHub App token such as GITHUB_TOKEN')
      } finally {
        await personal.close()
      }
      expect(client.dryRun).toBe(false)
    })
  })

  it('in a dry run reads as usual, makes no write, and reports one line per write it would make', async () => {
    github.addPullRequest({ number: 11, headSha: SHA })
    github.addTag('v1.2.3', SHA)
    await clientFor(github).client.upsertCheckRun({
      ...review,
      name: 'WeChat gray release',
      externalId: 'gray:wx1:1.2.3'
    })
    github.resetLog()

    const { client: dry, writeLines } = clientFor(github, { dryRun: true })
    expect(dry.dryRun).toBe(true)
    const results = [
      await dry.upsertCheckRun(review),
      await dry.upsertCheckRun({ ...review, name: 'WeChat gray release', externalId: 'gray:wx1:1.2.3' }),
      await dry.upsertCheckRun({
        ...review,
        name: 'WeChat gray release',
        externalId: 'gray:wx1:1.2.3',
        status: 'completed',
        conclusion: 'success'
      }),
      await dry.upsertStickyComment({ issueNumber: 11, key: 'review', body: 'hello' }),
      await dry.upsertIssue({
        label: { name: 'wechat-release', color: '0e8a16' },
        markerKey: 'dashboard',
        title: 'Dashboard',
        body: 'b'
      }),
      await dry.recordDeployment({
        ref: 'v1.2.3',
        environment: 'wechat',
        version: '1.2.3',
        appid: 'wx1',
        operation: 'gray',
        description: 'Gray 5%',
        logUrl: 'https://example.com/run',
        state: 'success'
      }),
      await dry.putFile({ branch: 'previews', path: 'qr.jpg', content: Buffer.from('qr'), message: 'QR' })
    ]
    expect(github.writes()).toEqual([])
    expect(github.requests().length).toBeGreaterThan(0)
    expect(results.map((result) => result.changed)).toEqual([true, false, true, true, true, true, true])
    expect(results[0]).toEqual({ id: 0, url: '', changed: true })
    const runId = github.state.checkRuns[0]?.id
    expect(writeLines).toEqual([
      `would POST ${REPO_PATH}/check-runs: "WeChat review" on aaaaaaa (in_progress) "Under review: 1.2.3"`,
      `would PATCH ${REPO_PATH}/check-runs/${runId}: "WeChat gray release" (in_progress → completed/success; changes status, conclusion) "Under review: 1.2.3"`,
      expect.stringMatching(
        new RegExp(
          `^would POST ${REPO_PATH}/issues/11/comments: sticky comment "review" \\(\\d+ characters\\)$`
        )
      ),
      `would POST ${REPO_PATH}/labels: "wechat-release"`,
      expect.stringMatching(
        new RegExp(
          `^would POST ${REPO_PATH}/issues: "Dashboard" labelled wechat-release \\(\\d+ characters\\)$`
        )
      ),
      `would POST ${REPO_PATH}/deployments: wechat wx1 1.2.3 (gray) at v1.2.3, then status success`,
      `would POST ${REPO_PATH}/git/refs: create orphan branch previews holding qr.jpg (2 bytes)`
    ])
  })

  it('keeps the methods the release pipeline calls', () => {
    const { client } = clientFor(github)
    const methods: Array<keyof GitHubClient> = [
      'findCheckRuns',
      'upsertCheckRun',
      'upsertStickyComment',
      'findPullRequestsForCommit',
      'resolveTag',
      'resolveCommit',
      'recordDeployment',
      'listDeployments',
      'putFile',
      'getDefaultBranch'
    ]
    for (const method of methods) expect(typeof client[method]).toBe('function')
  })

  it('derives the web URL from the API URL', () => {
    expect(serverUrlFromApiUrl('https://api.github.com')).toBe('https://github.com')
    expect(serverUrlFromApiUrl('https://ghes.example.com/api/v3/')).toBe('https://ghes.example.com')
    expect(serverUrlFromApiUrl('https://api.acme.ghe.com')).toBe('https://acme.ghe.com')
  })
})
