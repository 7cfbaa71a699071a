/** Contract tests of the fake GitHub API itself: shapes, status codes, pagination, validation, permissions. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'

const SHA = 'c'.repeat(40)
const AUTH = { authorization: 'token ghs_fake000000', 'content-type': 'application/json' }

describe('fake GitHub API', () => {
  let github: FakeGitHub
  let readOnly: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({ owner: 'o', repo: 'r', defaultBranch: 'trunk' })
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

  it('serves a loopback API root below /api/v3 and a separate web root', () => {
    expect(github.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
    expect(github.serverUrl).toBe(github.url.replace(/\/api\/v3$/, ''))
  })

  it('requires an authorization header and records requests without it', async () => {
    github.resetLog()
    const anonymous = await call(github, 'GET', '/repos/o/r', undefined, {})
    expect(anonymous.status).toBe(401)
    const repo = await call(github, 'GET', '/repos/o/r', undefined, { authorization: 'Bearer abc' })
    expect(repo.status).toBe(200)
    expect(repo.body).toMatchObject({ full_name: 'o/r', default_branch: 'trunk' })
    const [first] = github.requests()
    expect(first).toMatchObject({ method: 'GET', path: '/repos/o/r', query: {} })
    expect(first?.headers).not.toHaveProperty('authorization')
    expect((await call(github, 'GET', '/repos/o/other')).status).toBe(404)
    expect((await call(github, 'DELETE', '/repos/o/r/check-runs')).status).toBe(404)
  })

  it('creates check runs with 201 and GitHub shapes, and validates them with 422', async () => {
    const created = await call(github, 'POST', '/repos/o/r/check-runs', {
      name: 'WeChat review',
      head_sha: SHA,
      external_id: 'review:wx1',
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Approved', summary: 'ok' },
      actions: [{ label: 'Release', description: 'Release it', identifier: 'release' }]
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      head_sha: SHA,
      external_id: 'review:wx1',
      status: 'completed',
      conclusion: 'success',
      html_url: `${github.serverUrl}/o/r/runs/${String(created.body.id)}`,
      output: { title: 'Approved', summary: 'ok', text: null, annotations_count: 0 }
    })
    expect(created.body.completed_at).toEqual(expect.any(String))
    expect(created.body).not.toHaveProperty('actions')

    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'x', head_sha: SHA, output: { summary: 's' } }, /"title" wasn't supplied/],
      [{ name: 'x', head_sha: SHA, status: 'completed' }, /"conclusion" wasn't supplied/],
      [{ name: 'x', head_sha: SHA, status: 'done' }, /'status'/],
      [
        { name: 'x', head_sha: SHA, output: { title: 't', summary: 'y'.repeat(65536) } },
        /Only 65535 characters/
      ],
      [
        { name: 'x', head_sha: SHA, actions: [{ label: 'l'.repeat(21), description: 'd', identifier: 'i' }] },
        /longer than 20/
      ],
      [{ name: 'x', head_sha: 'd'.repeat(40) }, /No commit found for SHA/],
      [{ head_sha: SHA }, /"name" wasn't supplied/]
    ]
    for (const [body, message] of bad) {
      const response = await call(github, 'POST', '/repos/o/r/check-runs', body)
      expect(response.status).toBe(422)
      expect(String(response.body.message)).toMatch(message)
    }
    // A summary of exactly 65535 characters is accepted.
    const atLimit = await call(github, 'POST', '/repos/o/r/check-runs', {
      name: 'limit',
      head_sha: SHA,
      output: { title: 't', summary: 'y'.repeat(65535) }
    })
    expect(atLimit.status).toBe(201)
  })

  it('lists only the newest run per name unless filter=all', async () => {
    for (const conclusion of ['failure', 'success']) {
      await call(github, 'POST', '/repos/o/r/check-runs', {
        name: 'dup',
        head_sha: SHA,
        status: 'completed',
        conclusion
      })
    }
    const latest = await call(github, 'GET', '/repos/o/r/commits/' + SHA + '/check-runs?check_name=dup')
    expect(latest.body.total_count).toBe(1)
    expect((latest.body.check_runs as Array<{ conclusion: string }>)[0]?.conclusion).toBe('success')
    const all = await call(
      github,
      'GET',
      '/repos/o/r/commits/' + SHA + '/check-runs?check_name=dup&filter=all'
    )
    expect(all.body.total_count).toBe(2)
  })

  it('paginates with a Link header that honours per_page and page', async () => {
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
    expect(last.headers.get('link')).toContain('rel="prev"')
    expect(last.headers.get('link')).not.toContain('rel="next"')
    expect((await call(github, 'GET', '/repos/o/r/issues/404/comments')).status).toBe(404)
  })

  it('enforces comment limits and sets the author from the token', async () => {
    const tooLong = await call(github, 'POST', '/repos/o/r/issues/5/comments', { body: 'z'.repeat(65537) })
    expect(tooLong.status).toBe(422)
    const created = await call(github, 'POST', '/repos/o/r/issues/5/comments', { body: 'hello' })
    expect(created.status).toBe(201)
    expect(created.body.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
    expect((await call(github, 'GET', '/user')).status).toBe(403)
  })

  it('refuses writes the token may not make with 403 and records them', async () => {
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
      expect.objectContaining({
        method: 'POST',
        path: '/repos/o/r/check-runs',
        body: expect.objectContaining({ name: 'x' })
      })
    ])
    expect(readOnly.state.checkRuns).toEqual([])
  })

  it('resolves lightweight and annotated tags like GitHub', async () => {
    github.addTag('v1.0.0', SHA)
    github.addTag('v2.0.0', SHA, { annotated: true })
    const light = await call(github, 'GET', '/repos/o/r/git/ref/tags/v1.0.0')
    expect(light.body).toMatchObject({ ref: 'refs/tags/v1.0.0', object: { type: 'commit', sha: SHA } })
    const annotated = await call(github, 'GET', '/repos/o/r/git/ref/tags%2Fv2.0.0')
    expect(annotated.body).toMatchObject({ ref: 'refs/tags/v2.0.0', object: { type: 'tag' } })
    const tagSha = (annotated.body.object as { sha: string }).sha
    const tag = await call(github, 'GET', `/repos/o/r/git/tags/${tagSha}`)
    expect(tag.body).toMatchObject({ tag: 'v2.0.0', object: { type: 'commit', sha: SHA } })
    expect((await call(github, 'GET', '/repos/o/r/git/ref/tags/nope')).status).toBe(404)
  })

  it('keeps file contents per branch and rejects a stale sha with 409', async () => {
    const put = (body: Record<string, unknown>) => call(github, 'PUT', '/repos/o/r/contents/docs/a.txt', body)
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
    expect(deployment.status).toBe(201)
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
    expect(github.state.deployments[0]).toMatchObject({ auto_merge: false, required_contexts: [] })
  })

  it('fails the next matching request once with the injected answer', async () => {
    github.failNext('GET', /^\/repos\/o\/r$/, 502, { message: 'Bad gateway' }, { 'retry-after': '1' })
    const failed = await call(github, 'GET', '/repos/o/r')
    expect(failed.status).toBe(502)
    expect(failed.headers.get('retry-after')).toBe('1')
    expect((await call(github, 'GET', '/repos/o/r')).status).toBe(200)
  })
})
