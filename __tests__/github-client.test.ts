import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  createGitHubClient,
  gitBlobSha,
  GitHubApiError,
  GitHubPermissionError,
  serverUrlFromApiUrl,
  stickyMarker,
  type DesiredCheckRun,
  type GitHubClientOptions
} from '../src/github/client.js'
import { clearSecrets, registerSecret } from '../src/redact.js'
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../test-support/fake-github.js'

const OWNER = 'octo-org'
const REPO = 'mini-app'
const SHA = 'a'.repeat(40)
const OTHER_SHA = 'b'.repeat(40)
const TOKEN = 'ghs_fakeinstallationtoken000'

function desired(overrides: Partial<DesiredCheckRun> = {}): DesiredCheckRun {
  return {
    sha: SHA,
    name: 'WeChat review',
    externalId: 'review:wx1234567890abcdef:1.2.3',
    status: 'in_progress',
    title: 'Under review: 1.2.3',
    summary: 'Version **1.2.3** is under review.',
    text: 'Submitted 2026-01-01 08:00 UTC',
    ...overrides
  }
}

describe('GitHub client against the fake GitHub API', () => {
  let github: FakeGitHub
  const sleeps: number[] = []
  const writeLines: string[] = []

  function client(overrides: Partial<GitHubClientOptions> = {}) {
    return createGitHubClient({
      token: TOKEN,
      apiUrl: github.url,
      owner: OWNER,
      repo: REPO,
      onWrite: (line) => writeLines.push(line),
      retry: { sleep: async (ms) => void sleeps.push(ms) },
      ...overrides
    })
  }

  async function withFake(options: Partial<FakeGitHubOptions>, run: (fake: FakeGitHub) => Promise<void>) {
    const fake = await startFakeGitHub({ owner: OWNER, repo: REPO, ...options })
    try {
      await run(fake)
    } finally {
      await fake.close()
    }
  }

  beforeAll(async () => {
    github = await startFakeGitHub({ owner: OWNER, repo: REPO })
  })
  afterAll(async () => {
    await github.close()
  })
  beforeEach(() => {
    github.state.checkRuns.length = 0
    github.state.comments.length = 0
    github.state.deployments.length = 0
    github.state.deploymentStatuses.length = 0
    github.addCommit(SHA)
    github.addCommit(OTHER_SHA)
    github.resetLog()
    sleeps.length = 0
    writeLines.length = 0
  })
  afterEach(() => clearSecrets())

  describe('check runs', () => {
    it('creates, updates only what changed, and makes no write when nothing changed', async () => {
      const gh = client()
      const created = await gh.upsertCheckRun(desired({ detailsUrl: 'https://example.com/run/1' }))
      expect(created.changed).toBe(true)
      expect(created.url).toBe(`${github.serverUrl}/${OWNER}/${REPO}/runs/${created.id}`)
      expect(github.writes().map((request) => `${request.method} ${request.path}`)).toEqual([
        `POST /repos/${OWNER}/${REPO}/check-runs`
      ])
      expect(github.writes()[0]?.body).toMatchObject({
        name: 'WeChat review',
        head_sha: SHA,
        external_id: 'review:wx1234567890abcdef:1.2.3',
        status: 'in_progress',
        details_url: 'https://example.com/run/1',
        output: { title: 'Under review: 1.2.3', summary: 'Version **1.2.3** is under review.' }
      })

      github.resetLog()
      const completed = desired({ status: 'completed', conclusion: 'success', title: 'Approved: 1.2.3' })
      const updated = await gh.upsertCheckRun(completed)
      expect(updated).toEqual({ id: created.id, url: created.url, changed: true })
      expect(github.writes().map((request) => `${request.method} ${request.path}`)).toEqual([
        `PATCH /repos/${OWNER}/${REPO}/check-runs/${created.id}`
      ])
      expect(writeLines.at(-1)).toContain(
        'in_progress → completed/success; changes status, conclusion, title'
      )

      github.resetLog()
      // A new details URL (every workflow run has its own) is not a reason to write.
      const again = await gh.upsertCheckRun({ ...completed, detailsUrl: 'https://example.com/run/2' })
      expect(again).toEqual({ id: created.id, url: created.url, changed: false })
      expect(github.writes()).toEqual([])
      expect(github.state.checkRuns).toHaveLength(1)
      expect(github.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' })

      const [found] = await gh.findCheckRuns(SHA, 'WeChat review')
      expect(found).toMatchObject({
        id: created.id,
        externalId: 'review:wx1234567890abcdef:1.2.3',
        status: 'completed',
        conclusion: 'success',
        title: 'Approved: 1.2.3',
        text: 'Submitted 2026-01-01 08:00 UTC',
        headSha: SHA
      })
      expect(found?.completedAt).toEqual(expect.any(String))
      expect(await gh.getCheckRun(created.id)).toEqual(found)
    })

    it('pages through more than 100 runs of one name', async () => {
      const gh = client({ onWrite: () => undefined })
      for (let index = 0; index < 130; index++) {
        github.state.checkRuns.push({
          id: 5000 + index,
          head_sha: OTHER_SHA,
          name: 'WeChat gray release',
          external_id: `gray:wx${index}`,
          status: 'queued',
          conclusion: null,
          started_at: null,
          completed_at: null,
          details_url: null,
          output: { title: `run ${index}`, summary: '', text: null },
          actions: []
        })
      }
      const runs = await gh.findCheckRuns(OTHER_SHA, 'WeChat gray release')
      expect(runs).toHaveLength(130)
      expect(new Set(runs.map((run) => run.externalId)).size).toBe(130)
      expect(github.requests().map((request) => request.query.page ?? '1')).toEqual(['1', '2'])
    })

    it('matches by external_id among runs of the same name on the same commit', async () => {
      const gh = client()
      const first = await gh.upsertCheckRun(desired({ externalId: 'review:wxaaaaaaaaaaaaaaaa:1.2.3' }))
      const second = await gh.upsertCheckRun(desired({ externalId: 'review:wxbbbbbbbbbbbbbbbb:1.2.3' }))
      expect(second.id).not.toBe(first.id)
      github.resetLog()

      await gh.upsertCheckRun(
        desired({ externalId: 'review:wxbbbbbbbbbbbbbbbb:1.2.3', status: 'completed', conclusion: 'failure' })
      )
      expect(github.writes().map((request) => request.path)).toEqual([
        `/repos/${OWNER}/${REPO}/check-runs/${second.id}`
      ])
      const runs = await gh.findCheckRuns(SHA, 'WeChat review')
      expect(runs.map((run) => [run.externalId, run.status])).toEqual(
        expect.arrayContaining([
          ['review:wxaaaaaaaaaaaaaaaa:1.2.3', 'in_progress'],
          ['review:wxbbbbbbbbbbbbbbbb:1.2.3', 'completed']
        ])
      )
      // The list is asked for every run of that name (filter=all), 100 a page.
      const list = github.requests().find((request) => request.path.endsWith('/check-runs'))
      expect(list?.query).toMatchObject({ check_name: 'WeChat review', filter: 'all', per_page: '100' })
    })

    it('cuts summary and text to 65535 characters with a notice, keeps hidden markers, and compares the cut text', async () => {
      const gh = client()
      const line = 'x'.repeat(99)
      const summary = Array.from({ length: 800 }, () => line).join('\n')
      const marker = '<!-- wechat-miniprogram-release:state {"version":"1.2.3"} -->'
      const text = `${summary}\n${marker}`
      await gh.upsertCheckRun(desired({ summary, text }))
      const stored = github.state.checkRuns[0]?.output
      expect(stored?.summary?.length).toBeLessThanOrEqual(65535)
      expect(stored?.summary).toMatch(/\n… \(cut to fit GitHub's 65535-character limit\)$/)
      expect(stored?.text?.length).toBeLessThanOrEqual(65535)
      expect(stored?.text?.endsWith(marker)).toBe(true)
      expect(stored?.text).toContain("cut to fit GitHub's 65535-character limit")

      github.resetLog()
      expect((await gh.upsertCheckRun(desired({ summary, text }))).changed).toBe(false)
      expect(github.writes()).toEqual([])
    })

    it('redacts secrets from every text it sends', async () => {
      registerSecret('wechat-authorizer-token-123')
      await client().upsertCheckRun(
        desired({ summary: 'GET /wxa/get_auditstatus?access_token=wechat-authorizer-token-123 failed' })
      )
      expect(github.state.checkRuns[0]?.output.summary).toBe(
        'GET /wxa/get_auditstatus?access_token=*** failed'
      )
    })

    it('validates actions against GitHub limits before any request, and treats changed actions as a change', async () => {
      const gh = client()
      const release = {
        label: 'Release now',
        description: 'Release the approved version',
        identifier: 'release'
      }
      await expect(
        gh.upsertCheckRun(desired({ actions: [{ ...release, label: 'A label that is far too long' }] }))
      ).rejects.toThrow(
        'Check run action label "A label that is far too long" has 28 characters; GitHub allows 20.'
      )
      await expect(
        gh.upsertCheckRun(desired({ actions: [release, release, release, release] }))
      ).rejects.toThrow('at most 3 actions')
      await expect(gh.upsertCheckRun(desired({ status: 'completed' }))).rejects.toThrow('has no conclusion')
      await expect(gh.upsertCheckRun(desired({ title: ' ' }))).rejects.toThrow('needs a title')
      expect(github.requests()).toEqual([])

      const created = await gh.upsertCheckRun(desired({ actions: [release] }))
      expect(github.state.checkRuns[0]?.actions).toEqual([release])
      github.resetLog()
      expect((await gh.upsertCheckRun(desired({ actions: [release] }))).changed).toBe(false)
      expect((await gh.upsertCheckRun(desired({ actions: [] }))).changed).toBe(true)
      expect(github.state.checkRuns[0]?.actions).toEqual([])
      // The fingerprint that makes actions comparable is not part of the summary callers read back.
      const [run] = await gh.findCheckRuns(SHA, 'WeChat review')
      expect(run?.id).toBe(created.id)
      expect(run?.summary).toBe('Version **1.2.3** is under review.')
    })
  })

  describe('sticky comment', () => {
    it('finds its comment on page 3 of 250 and updates it in place, then skips an unchanged body', async () => {
      github.addPullRequest({ number: 7, headSha: SHA })
      const marker = stickyMarker('preview:wx1234567890abcdef')
      let ours = 0
      for (let index = 0; index < 250; index++) {
        const isOurs = index === 230
        const comment = github.addComment(7, {
          body: isOurs ? `old preview\n\n${marker}` : `comment ${index}`,
          login: isOurs ? 'github-actions[bot]' : `user${index % 5}`,
          type: isOurs ? 'Bot' : 'User'
        })
        if (isOurs) ours = comment.id
      }
      const gh = client()
      const result = await gh.upsertStickyComment({
        issueNumber: 7,
        key: 'preview:wx1234567890abcdef',
        body: 'new preview'
      })
      expect(result).toMatchObject({ id: ours, changed: true })
      expect(result.url).toContain(`/pull/7#issuecomment-${ours}`)
      const pages = github
        .requests()
        .filter((request) => request.method === 'GET' && request.path.endsWith('/issues/7/comments'))
        .map((request) => request.query.page ?? '1')
      expect(pages).toEqual(['1', '2', '3'])
      expect(github.writes().map((request) => `${request.method} ${request.path}`)).toEqual([
        `PATCH /repos/${OWNER}/${REPO}/issues/comments/${ours}`
      ])
      expect(github.state.comments.find((comment) => comment.id === ours)?.body).toBe(
        `new preview\n\n${marker}`
      )

      github.resetLog()
      const again = await gh.upsertStickyComment({
        issueNumber: 7,
        key: 'preview:wx1234567890abcdef',
        body: 'new preview'
      })
      expect(again).toMatchObject({ id: ours, changed: false })
      expect(github.writes()).toEqual([])
    })

    it('ignores the marker in comments of other users and creates its own comment', async () => {
      github.addPullRequest({ number: 8, headSha: SHA })
      const marker = stickyMarker('review')
      const copied = github.addComment(8, {
        body: `quoting the bot:\n${marker}`,
        login: 'mallory',
        type: 'User'
      })
      const gh = client()
      const result = await gh.upsertStickyComment({ issueNumber: 8, key: 'review', body: 'Review: approved' })
      expect(result.changed).toBe(true)
      expect(result.id).not.toBe(copied.id)
      expect(github.state.comments.find((comment) => comment.id === copied.id)?.body).toBe(
        `quoting the bot:\n${marker}`
      )
      expect(github.state.comments.find((comment) => comment.id === result.id)?.user).toEqual({
        login: 'github-actions[bot]',
        type: 'Bot'
      })
      // A different key is a different comment.
      const other = await gh.upsertStickyComment({ issueNumber: 8, key: 'preview', body: 'Review: approved' })
      expect(other.id).not.toBe(result.id)
    })

    it('recognises its own comments when the token is a personal access token', async () => {
      await withFake({ userTokens: { ghp_personaltoken123: 'release-manager' } }, async (fake) => {
        fake.addPullRequest({ number: 3, headSha: SHA })
        fake.addComment(3, { body: `copied ${stickyMarker('review')}`, login: 'someone-else', type: 'User' })
        const gh = createGitHubClient({
          token: 'ghp_personaltoken123',
          apiUrl: fake.url,
          owner: OWNER,
          repo: REPO
        })
        const first = await gh.upsertStickyComment({ issueNumber: 3, key: 'review', body: 'one' })
        const second = await gh.upsertStickyComment({ issueNumber: 3, key: 'review', body: 'two' })
        expect(second.id).toBe(first.id)
        expect(
          fake.state.comments.filter((comment) => comment.user.login === 'release-manager')
        ).toHaveLength(1)
      })
    })

    it('cuts a body over 65536 characters with a notice and keeps the marker', async () => {
      github.addPullRequest({ number: 9, headSha: SHA })
      const body = Array.from({ length: 1000 }, (_, index) => `| row ${index} | ${'y'.repeat(80)} |`).join(
        '\n'
      )
      await client().upsertStickyComment({ issueNumber: 9, key: 'big', body })
      const stored = github.state.comments.find((comment) => comment.issue_number === 9)?.body ?? ''
      expect(stored.length).toBeLessThanOrEqual(65536)
      expect(stored).toContain("… (cut to fit GitHub's 65536-character limit)")
      expect(stored.endsWith(stickyMarker('big'))).toBe(true)
    })
  })

  describe('permissions', () => {
    it('turns a refused write into GitHubPermissionError naming the permission', async () => {
      await withFake(
        {
          permissions: {
            checks: 'read',
            'pull-requests': 'read',
            issues: 'read',
            deployments: 'read',
            contents: 'read'
          }
        },
        async (fake) => {
          fake.addCommit(SHA)
          fake.addPullRequest({ number: 1, headSha: SHA })
          const gh = createGitHubClient({ token: TOKEN, apiUrl: fake.url, owner: OWNER, repo: REPO })
          const attempts: Array<[() => Promise<unknown>, string]> = [
            [() => gh.upsertCheckRun(desired()), 'checks: write'],
            [() => gh.upsertStickyComment({ issueNumber: 1, key: 'k', body: 'b' }), 'pull-requests: write'],
            [
              () =>
                gh.recordDeployment({
                  ref: SHA,
                  environment: 'wechat-production',
                  version: '1.2.3',
                  operation: 'release',
                  description: 'Released 1.2.3',
                  logUrl: 'https://example.com/run',
                  state: 'success'
                }),
              'deployments: write'
            ],
            [
              () =>
                gh.putFile({ branch: 'previews', path: 'qr.jpg', content: Buffer.from('qr'), message: 'QR' }),
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
            expect((error as Error).message).toContain('Resource not accessible by integration')
          }
          expect(fake.state.checkRuns).toEqual([])
          expect(fake.state.comments).toEqual([])
          expect(fake.state.deployments).toEqual([])
          expect(fake.state.files).toEqual({ main: {} })
        }
      )
    })

    it('explains that check runs refuse personal access tokens', async () => {
      github.failNext('POST', `/repos/${OWNER}/${REPO}/check-runs`, 403, {
        message: 'You must authenticate via a GitHub App.'
      })
      const error = await client()
        .upsertCheckRun(desired())
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubPermissionError)
      expect((error as GitHubPermissionError).hint).toContain('GitHub App token such as GITHUB_TOKEN')
    })
  })

  describe('tags, pull requests and the repository', () => {
    it('resolves lightweight and annotated tags to their commit, and a missing tag to undefined', async () => {
      github.addTag('v1.2.3', SHA)
      github.addTag('v1.2.4', OTHER_SHA, { annotated: true })
      github.addTag('release/2.0.0', OTHER_SHA, { annotated: true })
      const gh = client()
      expect(await gh.resolveTag('v1.2.3')).toEqual({ sha: SHA })
      expect(await gh.resolveTag('v1.2.4')).toEqual({ sha: OTHER_SHA })
      expect(await gh.resolveTag('release/2.0.0')).toEqual({ sha: OTHER_SHA })
      expect(await gh.resolveTag('v9.9.9')).toBeUndefined()
      const paths = github.requests().map((request) => request.path)
      expect(paths.filter((path) => path.includes('/git/tags/'))).toHaveLength(2)
    })

    it('lists the pull requests of a commit and reads the default branch', async () => {
      github.addPullRequest({ number: 41, headSha: OTHER_SHA })
      github.addPullRequest({ number: 42, headSha: OTHER_SHA, state: 'closed' })
      const gh = client()
      expect(await gh.findPullRequestsForCommit(OTHER_SHA)).toEqual(
        expect.arrayContaining([
          { number: 41, headSha: OTHER_SHA, state: 'open', baseRef: 'main' },
          { number: 42, headSha: OTHER_SHA, state: 'closed', baseRef: 'main' }
        ])
      )
      expect(await gh.getDefaultBranch()).toBe('main')
    })
  })

  describe('deployments', () => {
    const record = {
      ref: 'v1.2.3',
      environment: 'wechat-wx1234567890abcdef',
      version: '1.2.3',
      operation: 'release',
      description: 'Released 1.2.3 to everyone',
      payload: { appid: 'wx1234567890abcdef' },
      logUrl: 'https://github.com/octo-org/mini-app/actions/runs/1',
      environmentUrl: 'https://mp.weixin.qq.com',
      state: 'success' as const
    }

    it('records a deployment once, adds only a status when the outcome changes, and a new one for a new version', async () => {
      github.addTag('v1.2.3', SHA)
      github.addTag('v1.2.4', OTHER_SHA)
      const gh = client()
      const first = await gh.recordDeployment(record)
      expect(first.changed).toBe(true)
      expect(github.writes().map((request) => request.path)).toEqual([
        `/repos/${OWNER}/${REPO}/deployments`,
        `/repos/${OWNER}/${REPO}/deployments/${first.id}/statuses`
      ])
      expect(github.writes()[0]?.body).toEqual({
        ref: 'v1.2.3',
        environment: 'wechat-wx1234567890abcdef',
        description: 'Released 1.2.3 to everyone',
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
        transient_environment: false,
        payload: { appid: 'wx1234567890abcdef', version: '1.2.3', operation: 'release' }
      })
      expect(github.writes()[1]?.body).toMatchObject({
        state: 'success',
        log_url: record.logUrl,
        environment_url: 'https://mp.weixin.qq.com'
      })

      github.resetLog()
      expect(await gh.recordDeployment(record)).toEqual({ id: first.id, changed: false })
      expect(github.writes()).toEqual([])

      const failed = await gh.recordDeployment({ ...record, state: 'failure' })
      expect(failed).toEqual({ id: first.id, changed: true })
      expect(github.writes().map((request) => request.path)).toEqual([
        `/repos/${OWNER}/${REPO}/deployments/${first.id}/statuses`
      ])
      expect(github.writes()[0]?.body).not.toHaveProperty('environment_url')

      const next = await gh.recordDeployment({ ...record, ref: 'v1.2.4', version: '1.2.4' })
      expect(next.id).not.toBe(first.id)
      const listed = await gh.listDeployments(record.environment)
      expect(
        listed.map((deployment) => [deployment.version, deployment.operation, deployment.latestState])
      ).toEqual([
        ['1.2.4', 'release', 'success'],
        ['1.2.3', 'release', 'failure']
      ])
      expect(listed[1]).toMatchObject({ ref: 'v1.2.3', sha: SHA, payload: { appid: 'wx1234567890abcdef' } })
    })
  })

  describe('files', () => {
    it('creates an orphan branch for the first file, skips identical content, updates changed content', async () => {
      const gh = client()
      const qr = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
      const request = {
        branch: 'wechat-previews',
        path: 'previews/pr-7.jpg',
        content: qr,
        message: 'Preview QR'
      }
      const created = await gh.putFile(request)
      expect(created).toEqual({
        url: `${github.serverUrl}/${OWNER}/${REPO}/blob/wechat-previews/previews/pr-7.jpg?raw=true`,
        changed: true
      })
      expect(github.writes().map((entry) => entry.path.replace(`/repos/${OWNER}/${REPO}`, ''))).toEqual([
        '/git/blobs',
        '/git/trees',
        '/git/commits',
        '/git/refs'
      ])
      expect(github.writes()[2]?.body).toMatchObject({ parents: [] })
      expect(github.state.files['wechat-previews']?.['previews/pr-7.jpg']).toEqual(qr)
      expect(Object.keys(github.state.files.main ?? {})).toEqual([])

      github.resetLog()
      expect((await gh.putFile(request)).changed).toBe(false)
      expect(github.writes()).toEqual([])

      const newer = Buffer.from([0xff, 0xd8, 9, 9])
      expect((await gh.putFile({ ...request, content: newer })).changed).toBe(true)
      expect(github.writes().map((entry) => entry.method)).toEqual(['PUT'])
      expect(github.writes()[0]?.body).toMatchObject({ branch: 'wechat-previews', sha: gitBlobSha(qr) })
      expect(github.state.files['wechat-previews']?.['previews/pr-7.jpg']).toEqual(newer)

      await gh.putFile({ ...request, path: 'previews/pr-8.jpg' })
      expect(Object.keys(github.state.files['wechat-previews'] ?? {}).sort()).toEqual([
        'previews/pr-7.jpg',
        'previews/pr-8.jpg'
      ])
    })

    it('re-reads and decides again when another job wrote the file in between', async () => {
      const gh = client()
      const request = { branch: 'race', path: 'qr.jpg', content: Buffer.from('one'), message: 'QR' }
      await gh.putFile(request)
      github.failNext('PUT', `/repos/${OWNER}/${REPO}/contents/qr.jpg`, 409, {
        message: 'qr.jpg does not match'
      })
      github.resetLog()
      expect((await gh.putFile({ ...request, content: Buffer.from('two') })).changed).toBe(true)
      expect(github.writes().map((entry) => entry.method)).toEqual(['PUT', 'PUT'])
      expect(github.state.files.race?.['qr.jpg']?.toString()).toBe('two')
    })
  })

  describe('dry run', () => {
    it('reads as usual, makes no write, and reports one line per write it would make', async () => {
      github.addPullRequest({ number: 11, headSha: SHA })
      github.addTag('v1.2.3', SHA)
      const real = client({ onWrite: () => undefined })
      await real.upsertCheckRun(desired({ name: 'WeChat gray release', externalId: 'gray:wx1:1.2.3' }))
      github.resetLog()

      const dry = client({ dryRun: true })
      expect(dry.dryRun).toBe(true)
      const created = await dry.upsertCheckRun(desired())
      const unchanged = await dry.upsertCheckRun(
        desired({ name: 'WeChat gray release', externalId: 'gray:wx1:1.2.3' })
      )
      const updated = await dry.upsertCheckRun(
        desired({
          name: 'WeChat gray release',
          externalId: 'gray:wx1:1.2.3',
          status: 'completed',
          conclusion: 'success'
        })
      )
      const comment = await dry.upsertStickyComment({ issueNumber: 11, key: 'review', body: 'hello' })
      const deployment = await dry.recordDeployment({
        ref: 'v1.2.3',
        environment: 'wechat-production',
        version: '1.2.3',
        operation: 'gray',
        description: 'Gray 5%',
        payload: {},
        logUrl: 'https://example.com/run',
        state: 'success'
      })
      const file = await dry.putFile({
        branch: 'previews',
        path: 'qr.jpg',
        content: Buffer.from('qr'),
        message: 'QR'
      })

      expect(github.writes()).toEqual([])
      expect(github.requests().length).toBeGreaterThan(0)
      expect([
        created.changed,
        unchanged.changed,
        updated.changed,
        comment.changed,
        deployment.changed,
        file.changed
      ]).toEqual([true, false, true, true, true, true])
      expect(created).toEqual({ id: 0, url: '', changed: true })
      const runId = github.state.checkRuns[0]?.id
      expect(writeLines).toEqual([
        `would POST /repos/${OWNER}/${REPO}/check-runs: "WeChat review" on aaaaaaa (in_progress) "Under review: 1.2.3"`,
        `would PATCH /repos/${OWNER}/${REPO}/check-runs/${runId}: "WeChat gray release" (in_progress → completed/success; changes status, conclusion) "Under review: 1.2.3"`,
        expect.stringMatching(
          new RegExp(
            `^would POST /repos/${OWNER}/${REPO}/issues/11/comments: sticky comment "review" \\(\\d+ characters\\)$`
          )
        ),
        `would POST /repos/${OWNER}/${REPO}/deployments: wechat-production 1.2.3 (gray) at v1.2.3, then status success`,
        `would POST /repos/${OWNER}/${REPO}/git/refs: create orphan branch previews holding qr.jpg (2 bytes)`
      ])
    })
  })

  describe('retries', () => {
    it('retries a read answered with 502 and backs off', async () => {
      github.failNext('GET', `/repos/${OWNER}/${REPO}/commits/${SHA}/check-runs`, 502)
      github.failNext('GET', `/repos/${OWNER}/${REPO}/commits/${SHA}/check-runs`, 502)
      const debugLines: string[] = []
      const runs = await client({ log: (line) => debugLines.push(line) }).findCheckRuns(SHA, 'WeChat review')
      expect(runs).toEqual([])
      expect(sleeps).toEqual([1000, 2000])
      expect(github.requests()).toHaveLength(3)
      expect(debugLines[0]).toContain('answered 502')
    })

    it('honours retry-after on a secondary rate limit and gives up after the bounded number of retries', async () => {
      github.failNext(
        'GET',
        `/repos/${OWNER}/${REPO}`,
        403,
        { message: 'You have exceeded a secondary rate limit.' },
        { 'retry-after': '7' }
      )
      expect(await client().getDefaultBranch()).toBe('main')
      expect(sleeps).toEqual([7000])

      sleeps.length = 0
      for (let attempt = 0; attempt < 4; attempt++) github.failNext('GET', `/repos/${OWNER}/${REPO}`, 503)
      const error = await client()
        .getDefaultBranch()
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubApiError)
      expect((error as GitHubApiError).status).toBe(503)
      expect(sleeps).toEqual([1000, 2000, 4000])
    })

    it('does not retry a write blindly', async () => {
      github.failNext('POST', `/repos/${OWNER}/${REPO}/check-runs`, 502)
      const error = await client()
        .upsertCheckRun(desired())
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(GitHubApiError)
      expect(github.writes()).toHaveLength(1)
      expect(sleeps).toEqual([])
    })
  })

  it('derives the web URL from the API URL', () => {
    expect(serverUrlFromApiUrl('https://api.github.com')).toBe('https://github.com')
    expect(serverUrlFromApiUrl('https://ghes.example.com/api/v3/')).toBe('https://ghes.example.com')
    expect(serverUrlFromApiUrl('https://api.acme.ghe.com')).toBe('https://acme.ghe.com')
  })
})
