/**
 * Contract tests of the fake GitHub API itself: that it answers as GitHub's documents say (OpenAPI validation,
 * byte limits, App ownership, stale runs, issues, permissions, pull requests, compare, rate limits) and that
 * every answer follows the description's response schemas (checked after each test).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'

const SHA = 'c'.repeat(40)
const AUTH = { authorization: 'token ghs_fake000000', 'content-type': 'application/json' }
const APP_AUTH = { ...AUTH, authorization: 'token ghs_otherapp' }
const USER_AUTH = { ...AUTH, authorization: 'token ghp_user' }
const DAY = 24 * 3600 * 1000

describe('fake GitHub API', () => {
  let github: FakeGitHub
  let readOnly: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({
      owner: 'o',
      repo: 'r',
      defaultBranch: 'trunk',
      appTokens: { ghs_otherapp: { slug: 'other-app', id: 4242 } },
      userTokens: { ghp_user: 'person' }
    })
    readOnly = await startFakeGitHub({
      owner: 'o',
      repo: 'r',
      permissions: { checks: 'read', contents: 'none' }
    })
    github.addCommit(SHA)
    readOnly.addCommit(SHA)
  })
  afterAll(async () => {
    await Promise.all([github.close(), readOnly.close()])
  })
  afterEach(() => {
    // Every answer must follow the response schemas; requests tests sent on purpose are cleared per test.
    try {
      expect(github.fakeFindings()).toEqual([])
      expect(readOnly.fakeFindings()).toEqual([])
    } finally {
      github.clearViolations()
      readOnly.clearViolations()
    }
  })

  async function call(
    fake: FakeGitHub,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = AUTH
  ) {
    const response = await fetch(`${fake.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {}
    }
  }

  const createRun = (body: Record<string, unknown>, headers = AUTH) =>
    call(github, 'POST', '/repos/o/r/check-runs', { name: 'WeChat review', head_sha: SHA, ...body }, headers)

  it('serves a loopback API root below /api/v3, requires authentication, and records requests', async () => {
    expect(github.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
    expect(github.serverUrl).toBe(github.url.replace(/\/api\/v3$/, ''))
    github.resetLog()
    expect((await call(github, 'GET', '/repos/o/r', undefined, {})).status).toBe(401)
    const repo = await call(github, 'GET', '/repos/o/r', undefined, { authorization: 'Bearer abc' })
    expect(repo.body).toMatchObject({ full_name: 'o/r', default_branch: 'trunk' })
    expect(github.requests()[0]).toMatchObject({ method: 'GET', path: '/repos/o/r', query: {} })
    expect(github.requests()[0]?.headers).not.toHaveProperty('authorization')
  })

  describe('validation against GitHub’s OpenAPI description', () => {
    it('answers 404 for an undocumented route or method, and records it', async () => {
      expect((await call(github, 'GET', '/repos/o/r/no-such-thing')).status).toBe(404)
      expect((await call(github, 'DELETE', '/repos/o/r/check-runs/1')).status).toBe(404)
      expect(github.violations()).toEqual([
        expect.objectContaining({
          kind: 'rejected',
          status: 404,
          message: expect.stringContaining('No documented route')
        }),
        expect.objectContaining({
          kind: 'rejected',
          status: 404,
          message: expect.stringContaining('is documented for GET, PATCH, not DELETE')
        })
      ])
      expect(() => github.assertFollowedDocuments()).toThrow('did not follow GitHub')
    })

    it('answers 422 for a body or parameter that breaks the schema, as GitHub does', async () => {
      const bad: Array<[unknown, RegExp]> = [
        [{ output: { summary: 's' } }, /"title" wasn't supplied/],
        [{ status: 'done' }, /For '\/status', "done" is not a valid value/],
        [
          { output: { title: 't', summary: 'y'.repeat(65536) } },
          /Only 65535 characters are allowed; 65536 were supplied/
        ],
        [{ actions: [{ label: 'l'.repeat(21), description: 'd', identifier: 'i' }] }, /Only 20 characters/],
        [{ name: undefined }, /"name" wasn't supplied/]
      ]
      for (const [body, message] of bad) {
        const response = await createRun(body as Record<string, unknown>)
        expect(response.status).toBe(422)
        expect(String(response.body.message)).toMatch(/^Invalid request\.\n\n/)
        expect(String(response.body.message)).toMatch(message)
      }
      expect((await call(github, 'GET', `/repos/o/r/commits/${SHA}/check-runs?per_page=many`)).status).toBe(
        422
      )
      expect(
        github.violations().every((violation) => violation.kind === 'rejected' && violation.status === 422)
      ).toBe(true)
      expect(github.state.checkRuns).toEqual([])
    })

    it('accepts what GitHub ignores but records it as undocumented', async () => {
      const response = await createRun({ output: { title: 't', summary: 's' }, colour: 'blue' })
      expect(response.status).toBe(201)
      expect((await call(github, 'GET', '/repos/o/r?verbose=1')).status).toBe(200)
      expect(github.violations()).toEqual([
        expect.objectContaining({
          kind: 'undocumented',
          message: expect.stringContaining('Body field "/colour"')
        }),
        expect.objectContaining({
          kind: 'undocumented',
          message: expect.stringContaining('Query parameter "verbose"')
        })
      ])
    })

    it('answers 501 for a documented route it does not model, so no test mistakes it for GitHub', async () => {
      expect((await call(github, 'GET', '/repos/o/r/releases')).status).toBe(501)
    })
  })

  describe('check runs', () => {
    it('creates runs with GitHub shapes, limits output in UTF-8 bytes, and refuses the conclusion stale', async () => {
      const created = await createRun({
        external_id: 'review:wx1',
        status: 'completed',
        conclusion: 'success',
        output: { title: 'Approved', summary: 'ok' },
        actions: [{ label: 'Release', description: 'Release it', identifier: 'release' }]
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        external_id: 'review:wx1',
        status: 'completed',
        conclusion: 'success',
        html_url: `${github.serverUrl}/o/r/runs/${String(created.body.id)}`,
        app: { id: 15368, slug: 'github-actions' },
        output: { title: 'Approved', summary: 'ok', text: null, annotations_count: 0 }
      })
      expect(created.body).not.toHaveProperty('actions')

      // 30,000 CJK characters: within the schema's 65535 characters, over GitHub's 65535 bytes.
      const cjk = await createRun({ output: { title: 't', summary: '审'.repeat(30000) } })
      expect(cjk.status).toBe(422)
      expect(cjk.body).toMatchObject({
        message: 'Validation Failed',
        errors: [
          {
            resource: 'CheckRun',
            code: 'custom',
            field: 'summary',
            message: 'summary exceeds a maximum bytesize of 65535'
          }
        ]
      })
      expect((await createRun({ output: { title: 't', summary: 'y'.repeat(65535) } })).status).toBe(201)
      expect((await createRun({ conclusion: 'stale' })).status).toBe(422)
      expect((await createRun({ status: 'completed' })).body.message).toMatch(/"conclusion" wasn't supplied/)
      expect((await createRun({ head_sha: 'd'.repeat(40) })).body.message).toMatch(/No commit found for SHA/)
    })

    it('lets only the App that created a run modify it, and no personal token create one', async () => {
      const created = await createRun({ status: 'in_progress' })
      const id = String(created.body.id)
      const refused = await call(
        github,
        'PATCH',
        `/repos/o/r/check-runs/${id}`,
        { status: 'completed', conclusion: 'success' },
        APP_AUTH
      )
      expect(refused.status).toBe(403)
      expect(refused.body.message).toBe(
        'Invalid app_id `15368` - check run can only be modified by the GitHub App that created it.'
      )
      const own = await createRun({ status: 'in_progress' }, APP_AUTH)
      expect(own.body.app).toMatchObject({ id: 4242, slug: 'other-app' })
      expect((await createRun({}, USER_AUTH)).body.message).toBe('You must authenticate via a GitHub App.')
      const listed = await call(github, 'GET', `/repos/o/r/commits/${SHA}/check-runs?filter=all&app_id=4242`)
      expect(listed.body.total_count).toBe(1)
    })

    it('marks a run incomplete for 14 days stale, and records updates GitHub does not document', async () => {
      const created = await createRun({ status: 'in_progress', external_id: 'stale-test' })
      const id = String(created.body.id)
      github.advance(14 * DAY + 1000)
      const read = await call(github, 'GET', `/repos/o/r/check-runs/${id}`)
      expect(read.body).toMatchObject({
        status: 'completed',
        conclusion: 'stale',
        completed_at: expect.any(String)
      })
      expect(github.violations()).toEqual([])
      await call(github, 'PATCH', `/repos/o/r/check-runs/${id}`, { output: { title: 't', summary: 's' } })
      expect(github.violations()).toEqual([
        expect.objectContaining({ kind: 'undocumented', message: expect.stringContaining('is stale') })
      ])

      const done = await createRun({ status: 'completed', conclusion: 'success' })
      await call(github, 'PATCH', `/repos/o/r/check-runs/${String(done.body.id)}`, { status: 'in_progress' })
      expect(github.violations()[1]?.message).toContain('sending it back to "in_progress" is not documented')
    })

    it('lists only the newest run per name unless filter=all', async () => {
      for (const conclusion of ['failure', 'success'])
        await createRun({ name: 'dup', status: 'completed', conclusion })
      const latest = await call(github, 'GET', `/repos/o/r/commits/${SHA}/check-runs?check_name=dup`)
      expect(latest.body.total_count).toBe(1)
      expect((latest.body.check_runs as Array<{ conclusion: string }>)[0]?.conclusion).toBe('success')
      const all = await call(github, 'GET', `/repos/o/r/commits/${SHA}/check-runs?check_name=dup&filter=all`)
      expect(all.body.total_count).toBe(2)
    })
  })

  describe('issues, comments and people', () => {
    it('paginates comments with a Link header that honours per_page and page', async () => {
      github.addPullRequest({ number: 5, headSha: SHA })
      for (let index = 0; index < 25; index++)
        github.addComment(5, { body: `c${index}`, login: 'u', type: 'User' })
      const first = await call(github, 'GET', '/repos/o/r/issues/5/comments?per_page=10')
      expect(first.body).toHaveLength(10)
      const link = first.headers.get('link') ?? ''
      expect(link).toContain(`<${github.url}/repos/o/r/issues/5/comments?per_page=10&page=2>; rel="next"`)
      expect(link).toContain('page=3>; rel="last"')
      const last = await call(github, 'GET', '/repos/o/r/issues/5/comments?per_page=10&page=3')
      expect((last.body as unknown as Array<{ body: string }>).map((comment) => comment.body)).toEqual([
        'c20',
        'c21',
        'c22',
        'c23',
        'c24'
      ])
      expect((await call(github, 'GET', '/repos/o/r/issues/404/comments')).status).toBe(404)
    })

    it('limits bodies to 65536 characters and sets the author from the token', async () => {
      expect(
        (await call(github, 'POST', '/repos/o/r/issues/5/comments', { body: 'z'.repeat(65537) })).status
      ).toBe(422)
      const created = await call(github, 'POST', '/repos/o/r/issues/5/comments', { body: 'hello' })
      expect(created.body.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
      const byApp = await call(github, 'POST', '/repos/o/r/issues/5/comments', { body: 'hi' }, APP_AUTH)
      expect(byApp.body.user).toMatchObject({ login: 'other-app[bot]', type: 'Bot' })
      expect((await call(github, 'GET', '/user')).status).toBe(403)
      expect((await call(github, 'GET', '/user', undefined, USER_AUTH)).body).toMatchObject({
        login: 'person'
      })
    })

    it('keeps issues with labels, lists pull requests among them, and refuses a label twice', async () => {
      const label = await call(github, 'POST', '/repos/o/r/labels', {
        name: 'wechat-release',
        color: '0e8a16',
        description: 'Dashboard'
      })
      expect(label.status).toBe(201)
      const again = await call(github, 'POST', '/repos/o/r/labels', {
        name: 'WeChat-Release',
        color: '0e8a16'
      })
      expect(again.body).toMatchObject({ message: 'Validation Failed', errors: [{ code: 'already_exists' }] })
      const issue = await call(github, 'POST', '/repos/o/r/issues', {
        title: 'Dashboard',
        body: 'b',
        labels: ['wechat-release']
      })
      expect(issue.body).toMatchObject({
        number: 6,
        user: { login: 'github-actions[bot]' },
        labels: [{ name: 'wechat-release' }]
      })
      await call(github, 'PATCH', '/repos/o/r/issues/6', { state: 'closed' })
      const open = await call(github, 'GET', '/repos/o/r/issues?labels=wechat-release')
      expect(open.body).toEqual([])
      const all = await call(github, 'GET', '/repos/o/r/issues?labels=wechat-release&state=all')
      expect((all.body as unknown as Array<{ number: number }>).map((entry) => entry.number)).toEqual([6])
      const everything = await call(github, 'GET', '/repos/o/r/issues?state=all&direction=asc')
      expect(
        (everything.body as unknown as Array<{ number: number; pull_request?: unknown }>).map((entry) => [
          entry.number,
          Boolean(entry.pull_request)
        ])
      ).toEqual([
        [5, true],
        [6, false]
      ])
    })

    it('answers a collaborator’s permission and role, and 404 for someone unknown', async () => {
      github.setRole('maya', 'maintain')
      const maya = await call(github, 'GET', '/repos/o/r/collaborators/maya/permission')
      expect(maya.body).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'maya' } })
      expect((await call(github, 'GET', '/repos/o/r/collaborators/stranger/permission')).status).toBe(404)
    })

    it('returns the issues.edited payload of a person’s edit, valid per GitHub’s webhook schema', async () => {
      const issue = github.openIssue({ title: 'T', body: '- [ ] a', login: 'octocat' })
      const payload = github.editIssueAsUser(issue.number, 'maya', '- [x] a')
      expect(payload).toMatchObject({
        changes: { body: { from: '- [ ] a' } },
        sender: { login: 'maya' },
        issue: { body: '- [x] a' }
      })
    })
  })

  describe('pull requests and commits', () => {
    it('answers /commits/{sha}/pulls as documented: the merged pull request on the default branch, open and merged elsewhere', async () => {
      const feature = 'f'.repeat(40)
      github.addPullRequest({ number: 20, headSha: feature })
      github.addPullRequest({ number: 21, headSha: feature, state: 'closed' })
      const before = await call(github, 'GET', `/repos/o/r/commits/${feature}/pulls`)
      // Not on the default branch yet: the open one (a closed, unmerged one is not associated).
      expect((before.body as unknown as Array<{ number: number }>).map((pull) => pull.number)).toEqual([20])
      github.mergePullRequest(20)
      const after = await call(github, 'GET', `/repos/o/r/commits/${feature}/pulls`)
      expect(after.body).toEqual([
        expect.objectContaining({ number: 20, state: 'closed', merged_at: expect.any(String) })
      ])
      const byBranch = await call(github, 'GET', '/repos/o/r/commits/trunk/pulls')
      expect((byBranch.body as unknown as Array<{ number: number }>).map((pull) => pull.number)).toEqual([20])
    })

    it('compares as documented: chronological, at most 250 commits without paging, paged with per_page', async () => {
      const base = github.commitToBranch('trunk', 'base')
      for (let index = 0; index < 260; index++) github.commitToBranch('trunk', `c${index}`)
      const unpaged = await call(github, 'GET', `/repos/o/r/compare/${base}...trunk`)
      const commits = unpaged.body.commits as Array<{ commit: { message: string } }>
      expect(unpaged.body).toMatchObject({ status: 'ahead', ahead_by: 260, total_commits: 260 })
      expect(commits).toHaveLength(250)
      expect(commits.at(-1)?.commit.message).toBe('c259')
      const paged = await call(github, 'GET', `/repos/o/r/compare/${base}...trunk?per_page=100&page=3`)
      expect(
        (paged.body.commits as Array<{ commit: { message: string } }>).map((commit) => commit.commit.message)
      ).toEqual(Array.from({ length: 60 }, (_, index) => `c${index + 200}`))
      expect((await call(github, 'GET', '/repos/o/r/compare/nope...trunk')).status).toBe(404)
    })

    it('resolves lightweight and annotated tags like GitHub', async () => {
      github.addTag('v1.0.0', SHA)
      github.addTag('v2.0.0', SHA, { annotated: true })
      expect((await call(github, 'GET', '/repos/o/r/git/ref/tags/v1.0.0')).body).toMatchObject({
        ref: 'refs/tags/v1.0.0',
        object: { type: 'commit', sha: SHA }
      })
      const annotated = await call(github, 'GET', '/repos/o/r/git/ref/tags%2Fv2.0.0')
      expect(annotated.body).toMatchObject({ ref: 'refs/tags/v2.0.0', object: { type: 'tag' } })
      const tag = await call(
        github,
        'GET',
        `/repos/o/r/git/tags/${(annotated.body.object as { sha: string }).sha}`
      )
      expect(tag.body).toMatchObject({ tag: 'v2.0.0', object: { type: 'commit', sha: SHA } })
      expect((await call(github, 'GET', '/repos/o/r/git/ref/tags/nope')).status).toBe(404)
    })

    it('keeps file contents per branch and rejects a stale sha with 409', async () => {
      const put = (body: Record<string, unknown>) =>
        call(github, 'PUT', '/repos/o/r/contents/docs/a.txt', body)
      const content = Buffer.from('v1').toString('base64')
      expect((await put({ message: 'm', content, branch: 'missing' })).status).toBe(404)
      const created = await put({ message: 'm', content, branch: 'trunk' })
      expect(created.status).toBe(201)
      const sha = (created.body.content as { sha: string }).sha
      expect((await put({ message: 'm', content, branch: 'trunk' })).status).toBe(422)
      expect((await put({ message: 'm', content, branch: 'trunk', sha: 'f'.repeat(40) })).status).toBe(409)
      expect(
        (await put({ message: 'm', content: Buffer.from('v2').toString('base64'), branch: 'trunk', sha }))
          .status
      ).toBe(200)
      const read = await call(github, 'GET', '/repos/o/r/contents/docs/a.txt?ref=trunk')
      expect(Buffer.from(String(read.body.content), 'base64').toString()).toBe('v2')
      expect(github.state.files.trunk?.['docs/a.txt']?.toString()).toBe('v2')
    })

    it('keeps deployments and statuses newest first', async () => {
      github.addTag('v3.0.0', SHA)
      const deployment = await call(github, 'POST', '/repos/o/r/deployments', {
        ref: 'v3.0.0',
        environment: 'prod',
        payload: { version: '3.0.0' },
        auto_merge: false,
        required_contexts: []
      })
      expect(deployment.body).toMatchObject({
        sha: SHA,
        ref: 'v3.0.0',
        environment: 'prod',
        payload: { version: '3.0.0' }
      })
      expect((await call(github, 'POST', '/repos/o/r/deployments', { ref: 'no-such-ref' })).status).toBe(422)
      const id = String(deployment.body.id)
      expect(
        (await call(github, 'POST', `/repos/o/r/deployments/${id}/statuses`, { state: 'bogus' })).status
      ).toBe(422)
      await call(github, 'POST', `/repos/o/r/deployments/${id}/statuses`, { state: 'in_progress' })
      await call(github, 'POST', `/repos/o/r/deployments/${id}/statuses`, {
        state: 'success',
        log_url: 'https://l'
      })
      const statuses = await call(github, 'GET', `/repos/o/r/deployments/${id}/statuses?per_page=1`)
      expect(statuses.body).toEqual([expect.objectContaining({ state: 'success', log_url: 'https://l' })])
    })
  })

  describe('permissions and failures', () => {
    it('refuses what GITHUB_TOKEN may not do with 403', async () => {
      readOnly.resetLog()
      const refused = await call(readOnly, 'POST', '/repos/o/r/check-runs', {
        name: 'x',
        head_sha: SHA,
        output: { title: 't', summary: 's' }
      })
      expect(refused.status).toBe(403)
      expect(refused.body.message).toBe('Resource not accessible by integration')
      expect((await call(readOnly, 'GET', `/repos/o/r/commits/${SHA}/check-runs`)).status).toBe(200)
      expect((await call(readOnly, 'GET', '/repos/o/r/git/ref/heads/main')).status).toBe(403)
      expect(readOnly.writes()).toEqual([
        expect.objectContaining({ method: 'POST', path: '/repos/o/r/check-runs' })
      ])
      expect(readOnly.state.checkRuns).toEqual([])
    })

    it('fails the next matching request once, loses an answer after making the request, and refuses with rate limits', async () => {
      github.failNext('GET', /^\/repos\/o\/r$/, 502, { message: 'Bad gateway' }, { 'retry-after': '1' })
      const failed = await call(github, 'GET', '/repos/o/r')
      expect(failed.status).toBe(502)
      expect(failed.headers.get('retry-after')).toBe('1')
      expect((await call(github, 'GET', '/repos/o/r')).status).toBe(200)

      github.loseAnswerNext('POST', '/repos/o/r/labels')
      expect(
        (await call(github, 'POST', '/repos/o/r/labels', { name: 'lost', color: '000000' })).status
      ).toBe(502)
      expect(github.state.labels.some((label) => label.name === 'lost')).toBe(true)

      github.rateLimitNext('GET', '/repos/o/r', { kind: 'secondary', status: 429, retryAfterSeconds: 30 })
      const secondary = await call(github, 'GET', '/repos/o/r')
      expect(secondary.status).toBe(429)
      expect(secondary.headers.get('retry-after')).toBe('30')
      expect(secondary.body.message).toContain('secondary rate limit')
      github.rateLimitNext('GET', '/repos/o/r', { kind: 'primary', resetAtSeconds: 1_900_000_000 })
      const primary = await call(github, 'GET', '/repos/o/r')
      expect(primary.status).toBe(403)
      expect(primary.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(primary.headers.get('x-ratelimit-reset')).toBe('1900000000')
    })
  })
})
