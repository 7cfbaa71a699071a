import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { DesiredCheckRun } from '../src/github/client.js'
import { clearSecrets, registerSecret } from '../src/redact.js'
import {
  GITHUB_ACTIONS_APP,
  startFakeGitHub,
  type FakeAppInfo,
  type FakeGitHub
} from '../test-support/fake-github.js'
import {
  assertFollowedDocumentsAndReset,
  clientFor,
  TEST_OWNER,
  TEST_REPO
} from '../test-support/github-client-harness.js'

const SHA = 'a'.repeat(40)
const OTHER_SHA = 'b'.repeat(40)
const APP_TOKEN = 'ghs_releasebotinstallation'
const RELEASE_BOT = { slug: 'release-bot', id: 777, name: 'Release Bot' }
const DAY = 24 * 3600 * 1000
const RUNS = `/repos/${TEST_OWNER}/${TEST_REPO}/check-runs`

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

describe('check runs', () => {
  let github: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({
      owner: TEST_OWNER,
      repo: TEST_REPO,
      appTokens: { [APP_TOKEN]: RELEASE_BOT }
    })
  })
  afterAll(async () => {
    await github.close()
  })
  beforeEach(() => {
    github.state.checkRuns.length = 0
    github.addCommit(SHA)
    github.addCommit(OTHER_SHA)
    github.resetLog()
  })
  afterEach(() => {
    clearSecrets()
    assertFollowedDocumentsAndReset(github)
  })

  const writes = () => github.writes().map((request) => `${request.method} ${request.path}`)
  /** An open review run of that App with the name and external_id the action uses. */
  const plantReviewRun = (app: FakeAppInfo) =>
    github.addCheckRunOfApp(app, {
      head_sha: SHA,
      name: 'WeChat review',
      external_id: desired().externalId,
      status: 'in_progress',
      conclusion: null
    })

  it('creates, updates only what changed, and makes no write when nothing changed', async () => {
    const { client, writeLines } = clientFor(github)
    const created = await client.upsertCheckRun(desired({ detailsUrl: 'https://example.com/run/1' }))
    expect(created.changed).toBe(true)
    expect(created.url).toBe(`${github.serverUrl}/${TEST_OWNER}/${TEST_REPO}/runs/${created.id}`)
    expect(writes()).toEqual([`POST ${RUNS}`])
    expect(github.writes()[0]?.body).toMatchObject({
      name: 'WeChat review',
      head_sha: SHA,
      external_id: 'review:wx1234567890abcdef:1.2.3',
      status: 'in_progress',
      details_url: 'https://example.com/run/1',
      output: { title: 'Under review: 1.2.3', summary: 'Version **1.2.3** is under review.' }
    })
    expect(github.writes()[0]?.body).not.toHaveProperty('actions')

    github.resetLog()
    const completed = desired({ status: 'completed', conclusion: 'success', title: 'Approved: 1.2.3' })
    expect(await client.upsertCheckRun(completed)).toEqual({
      id: created.id,
      url: created.url,
      changed: true
    })
    expect(writes()).toEqual([`PATCH ${RUNS}/${created.id}`])
    expect(writeLines.at(-1)).toContain('in_progress → completed/success; changes status, conclusion, title')

    github.resetLog()
    // A new details URL (every workflow run has its own) is not a reason to write.
    const again = await client.upsertCheckRun({ ...completed, detailsUrl: 'https://example.com/run/2' })
    expect(again).toEqual({ id: created.id, url: created.url, changed: false })
    expect(github.writes()).toEqual([])

    const [found] = await client.findCheckRuns(SHA, 'WeChat review')
    expect(found).toMatchObject({
      id: created.id,
      externalId: 'review:wx1234567890abcdef:1.2.3',
      status: 'completed',
      conclusion: 'success',
      title: 'Approved: 1.2.3',
      text: 'Submitted 2026-01-01 08:00 UTC',
      headSha: SHA,
      app: { id: GITHUB_ACTIONS_APP.id, slug: 'github-actions' },
      ownedByAction: true
    })
    expect(await client.getCheckRun(created.id)).toEqual(found)
  })

  it('pages through more than 100 runs of one name', async () => {
    for (let index = 0; index < 130; index++) {
      github.addCheckRunOfApp(GITHUB_ACTIONS_APP, {
        head_sha: OTHER_SHA,
        name: 'WeChat gray release',
        external_id: `gray:wx${index}`,
        status: 'queued',
        conclusion: null
      })
    }
    const runs = await clientFor(github).client.findCheckRuns(OTHER_SHA, 'WeChat gray release')
    expect(runs).toHaveLength(130)
    expect(new Set(runs.map((run) => run.externalId)).size).toBe(130)
    expect(github.requests().map((request) => request.query.page ?? '1')).toEqual(['1', '2'])
    // The list asks for every run of that name (filter=all), 100 a page.
    expect(github.requests()[0]?.query).toMatchObject({
      check_name: 'WeChat gray release',
      filter: 'all',
      per_page: '100'
    })
  })

  it('matches by external_id among runs of the same name on the same commit', async () => {
    const { client } = clientFor(github)
    const first = await client.upsertCheckRun(desired({ externalId: 'review:wxaaaaaaaaaaaaaaaa:1.2.3' }))
    const second = await client.upsertCheckRun(desired({ externalId: 'review:wxbbbbbbbbbbbbbbbb:1.2.3' }))
    expect(second.id).not.toBe(first.id)
    github.resetLog()
    await client.upsertCheckRun(
      desired({ externalId: 'review:wxbbbbbbbbbbbbbbbb:1.2.3', status: 'completed', conclusion: 'failure' })
    )
    expect(writes()).toEqual([`PATCH ${RUNS}/${second.id}`])
  })

  describe('runs of other Apps', () => {
    it('never returns a planted run as the action’s own and never modifies it', async () => {
      const planted = github.addCheckRunOfApp(RELEASE_BOT, {
        head_sha: SHA,
        name: 'WeChat gray release',
        external_id: 'gray:wx1234567890abcdef:1.2.3',
        status: 'in_progress',
        conclusion: null,
        output: {
          title: 'Gray 50%',
          summary: 'planted',
          text: '<!-- wechat-miniprogram-release:gray {"stepIndex":3} -->'
        }
      })
      const { client } = clientFor(github)
      expect(await client.findCheckRuns(SHA, 'WeChat gray release')).toEqual([])
      const all = await client.findCheckRuns(SHA, 'WeChat gray release', { includeOtherApps: true })
      expect(all).toEqual([
        expect.objectContaining({
          id: planted.id,
          ownedByAction: false,
          app: expect.objectContaining({ slug: 'release-bot' })
        })
      ])

      const result = await client.upsertCheckRun(
        desired({
          name: 'WeChat gray release',
          externalId: 'gray:wx1234567890abcdef:1.2.3',
          title: 'Gray 5%'
        })
      )
      expect(result.id).not.toBe(planted.id)
      expect(writes()).toEqual([`POST ${RUNS}`])
      expect(github.state.checkRuns.find((run) => run.id === planted.id)?.output.summary).toBe('planted')
    })

    it('with an App token, takes that App’s runs as its own and leaves GitHub Actions’ runs alone', async () => {
      const actionsRun = plantReviewRun(GITHUB_ACTIONS_APP)
      const { client, warnings } = clientFor(github, { token: APP_TOKEN, appSlug: 'release-bot' })
      expect(client.appSlug).toBe('release-bot')
      const created = await client.upsertCheckRun(desired())
      expect(created.id).not.toBe(actionsRun.id)
      github.resetLog()
      await client.upsertCheckRun(desired({ status: 'completed', conclusion: 'success' }))
      expect(writes()).toEqual([`PATCH ${RUNS}/${created.id}`])
      expect(warnings).toEqual([])
    })

    it('learns its App from the first run it creates when github-app-slug names another, and says so', async () => {
      const { client, warnings } = clientFor(github, { token: APP_TOKEN })
      expect(client.appSlug).toBe('github-actions')
      await client.upsertCheckRun(desired())
      expect(client.appSlug).toBe('release-bot')
      expect(warnings).toEqual([expect.stringContaining('set the input github-app-slug: release-bot')])
      const [own] = await client.findCheckRuns(SHA, 'WeChat review')
      expect(own?.app?.slug).toBe('release-bot')
    })

    it('creates its own run when GitHub refuses to let it modify a run of another App', async () => {
      // Misconfigured: the App token's client believes GitHub Actions' runs are its own.
      const actionsRun = plantReviewRun(GITHUB_ACTIONS_APP)
      const { client, warnings } = clientFor(github, { token: APP_TOKEN })
      const result = await client.upsertCheckRun(
        desired({ title: 'Approved', status: 'completed', conclusion: 'success' })
      )
      expect(writes()).toEqual([`PATCH ${RUNS}/${actionsRun.id}`, `POST ${RUNS}`])
      expect(result.id).not.toBe(actionsRun.id)
      expect(warnings[0]).toContain(`Check run ${actionsRun.id} belongs to another GitHub App`)
      expect(github.state.checkRuns.find((run) => run.id === actionsRun.id)?.status).toBe('in_progress')
    })
  })

  describe('completed and stale runs', () => {
    it('never sends a completed run back to in_progress: a new run replaces it', async () => {
      const { client, writeLines } = clientFor(github)
      const done = await client.upsertCheckRun(
        desired({ status: 'completed', conclusion: 'success', title: 'Approved' })
      )
      github.resetLog()
      const reopened = await client.upsertCheckRun(desired({ status: 'in_progress', title: 'Gray 5%' }))
      expect(reopened.id).not.toBe(done.id)
      expect(writes()).toEqual([`POST ${RUNS}`])
      expect(writeLines.at(-1)).toContain(
        `replacing run ${done.id}: it is completed and is never reopened as in_progress`
      )
      // The newest run is the current one from now on.
      github.resetLog()
      await client.upsertCheckRun(desired({ status: 'completed', conclusion: 'success', title: 'Released' }))
      expect(writes()).toEqual([`PATCH ${RUNS}/${reopened.id}`])
      expect(github.state.checkRuns.find((run) => run.id === done.id)).toMatchObject({
        status: 'completed',
        output: expect.objectContaining({ title: 'Approved' })
      })
    })

    it('updates the output of a completed run that stays completed', async () => {
      const { client } = clientFor(github)
      const done = await client.upsertCheckRun(
        desired({ status: 'completed', conclusion: 'success', title: 'Approved' })
      )
      github.resetLog()
      await client.upsertCheckRun(
        desired({ status: 'completed', conclusion: 'success', title: 'Approved', summary: 'More detail' })
      )
      expect(writes()).toEqual([`PATCH ${RUNS}/${done.id}`])
    })

    it('replaces a run GitHub marked stale after 14 days incomplete', async () => {
      const { client, writeLines } = clientFor(github)
      const open = await client.upsertCheckRun(desired({ status: 'in_progress' }))
      github.advance(15 * DAY)
      const [stale] = await client.findCheckRuns(SHA, 'WeChat review')
      expect(stale).toMatchObject({ id: open.id, status: 'completed', conclusion: 'stale' })
      github.resetLog()
      const fresh = await client.upsertCheckRun(
        desired({ status: 'completed', conclusion: 'success', title: 'Approved' })
      )
      expect(fresh.id).not.toBe(open.id)
      expect(writes()).toEqual([`POST ${RUNS}`])
      expect(writeLines.at(-1)).toContain('it went stale')
    })
  })

  describe('output limits', () => {
    it('cuts summary and text to 65535 UTF-8 bytes at a line boundary, keeps hidden markers, and compares the cut text', async () => {
      const { client } = clientFor(github)
      // 30,000 CJK characters: 90,000 bytes, fewer than 65,535 characters.
      const line = '审核通过'.repeat(25)
      const summary = Array.from({ length: 300 }, () => line).join('\n')
      const marker = '<!-- wechat-miniprogram-release:state {"version":"1.2.3"} -->'
      await client.upsertCheckRun(desired({ summary, text: `${summary}\n${marker}` }))
      const stored = github.state.checkRuns[0]?.output
      expect(Buffer.byteLength(stored?.summary ?? '')).toBeLessThanOrEqual(65535)
      expect(stored?.summary).toMatch(/审核通过\n… \(cut to fit GitHub's limit of 65535 bytes\)$/)
      expect(Buffer.byteLength(stored?.text ?? '')).toBeLessThanOrEqual(65535)
      expect(stored?.text?.endsWith(`bytes)\n${marker}`)).toBe(true)
      github.resetLog()
      expect((await client.upsertCheckRun(desired({ summary, text: `${summary}\n${marker}` }))).changed).toBe(
        false
      )
      expect(github.writes()).toEqual([])
    })

    it('redacts secrets from every text it sends', async () => {
      registerSecret('wechat-authorizer-token-123')
      await clientFor(github).client.upsertCheckRun(
        desired({
          title: 'Failed: token wechat-authorizer-token-123',
          summary: 'GET /wxa/get_auditstatus?access_token=wechat-authorizer-token-123 failed'
        })
      )
      expect(github.state.checkRuns[0]?.output).toMatchObject({
        title: 'Failed: token ***',
        summary: 'GET /wxa/get_auditstatus?access_token=*** failed'
      })
    })

    it('refuses a run GitHub would refuse before any request', async () => {
      const { client } = clientFor(github)
      await expect(client.upsertCheckRun(desired({ status: 'completed' }))).rejects.toThrow(
        'has no conclusion'
      )
      await expect(client.upsertCheckRun(desired({ conclusion: 'success' }))).rejects.toThrow(
        'a conclusion completes the run'
      )
      await expect(client.upsertCheckRun(desired({ title: ' ' }))).rejects.toThrow('needs a title')
      expect(github.requests()).toEqual([])
    })

    it('clears a text an earlier state had', async () => {
      const { client } = clientFor(github)
      await client.upsertCheckRun(desired({ text: 'details' }))
      github.resetLog()
      await client.upsertCheckRun(desired({ text: '' }))
      expect(github.writes()[0]?.body).toMatchObject({ output: { text: '' } })
      expect(github.state.checkRuns[0]?.output.text).toBe('')
    })
  })

  it('reads again instead of creating a second run when the answer to a create is lost', async () => {
    const { client } = clientFor(github)
    github.loseAnswerNext('POST', RUNS)
    const result = await client.upsertCheckRun(desired())
    expect(result.changed).toBe(true)
    expect(github.state.checkRuns).toHaveLength(1)
    expect(result.id).toBe(github.state.checkRuns[0]?.id)
    expect(writes()).toEqual([`POST ${RUNS}`])
  })
})
