import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { stickyMarker } from '../src/github/client.js'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'
import {
  assertFollowedDocumentsAndReset,
  clientFor,
  TEST_OWNER,
  TEST_REPO
} from '../test-support/github-client-harness.js'

const SHA = 'a'.repeat(40)
const PERSONAL_TOKEN = 'ghp_personaltoken123'
const REPO_PATH = `/repos/${TEST_OWNER}/${TEST_REPO}`

describe('comments', () => {
  let github: FakeGitHub
  let pull = 100

  beforeAll(async () => {
    github = await startFakeGitHub({
      owner: TEST_OWNER,
      repo: TEST_REPO,
      userTokens: { [PERSONAL_TOKEN]: 'release-manager' }
    })
  })
  afterAll(async () => {
    await github.close()
  })
  beforeEach(() => {
    pull++
    github.addPullRequest({ number: pull, headSha: SHA })
    github.resetLog()
  })
  afterEach(() => {
    assertFollowedDocumentsAndReset(github)
  })

  const commentsOn = (issueNumber: number) =>
    github.state.comments.filter((comment) => comment.issue_number === issueNumber)

  it('finds its sticky comment on page 3 of 250, updates it in place, then skips an unchanged body', async () => {
    const marker = stickyMarker('preview:wx1234567890abcdef')
    let ours = 0
    for (let index = 0; index < 250; index++) {
      const isOurs = index === 230
      const comment = github.addComment(pull, {
        body: isOurs ? `old preview\n\n${marker}` : `comment ${index}`,
        login: isOurs ? 'github-actions[bot]' : `user${index % 5}`,
        type: isOurs ? 'Bot' : 'User'
      })
      if (isOurs) ours = comment.id
    }
    const { client } = clientFor(github)
    const request = { issueNumber: pull, key: 'preview:wx1234567890abcdef', body: 'new preview' }
    const result = await client.upsertStickyComment(request)
    expect(result).toMatchObject({ id: ours, changed: true })
    expect(result.url).toContain(`/pull/${pull}#issuecomment-${ours}`)
    const pages = github
      .requests()
      .filter((entry) => entry.path.endsWith(`/issues/${pull}/comments`))
      .map((entry) => entry.query.page ?? '1')
    expect(pages).toEqual(['1', '2', '3'])
    expect(github.writes().map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      `PATCH ${REPO_PATH}/issues/comments/${ours}`
    ])
    expect(commentsOn(pull).find((comment) => comment.id === ours)?.body).toBe(`new preview\n\n${marker}`)

    github.resetLog()
    expect(await client.upsertStickyComment(request)).toMatchObject({ id: ours, changed: false })
    expect(github.writes()).toEqual([])
  })

  it('ignores the marker in comments of other users and of other bots, and makes its own', async () => {
    const marker = stickyMarker('review')
    const byPerson = github.addComment(pull, {
      body: `quoting the bot:\n${marker}`,
      login: 'mallory',
      type: 'User'
    })
    const byOtherBot = github.addComment(pull, {
      body: `copied ${marker}`,
      login: 'renovate[bot]',
      type: 'Bot'
    })
    const { client } = clientFor(github)
    const result = await client.upsertStickyComment({
      issueNumber: pull,
      key: 'review',
      body: 'Review: approved'
    })
    expect([byPerson.id, byOtherBot.id]).not.toContain(result.id)
    expect(commentsOn(pull).find((comment) => comment.id === byOtherBot.id)?.body).toBe(`copied ${marker}`)
    expect(commentsOn(pull).find((comment) => comment.id === result.id)?.user).toEqual({
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    // A different key is a different comment.
    const other = await client.upsertStickyComment({ issueNumber: pull, key: 'preview', body: 'x' })
    expect(other.id).not.toBe(result.id)
  })

  it('recognises its own comments when the token is a personal access token', async () => {
    github.addComment(pull, { body: `copied ${stickyMarker('review')}`, login: 'someone-else', type: 'User' })
    const { client } = clientFor(github, { token: PERSONAL_TOKEN })
    expect(await client.ownLogin()).toBe('release-manager')
    const first = await client.upsertStickyComment({ issueNumber: pull, key: 'review', body: 'one' })
    const second = await client.upsertStickyComment({ issueNumber: pull, key: 'review', body: 'two' })
    expect(second.id).toBe(first.id)
    expect(commentsOn(pull).filter((comment) => comment.user.login === 'release-manager')).toHaveLength(1)
  })

  it('cuts a body over 65536 characters with a notice and keeps the marker', async () => {
    const body = Array.from({ length: 1000 }, (_, index) => `| row ${index} | ${'y'.repeat(80)} |`).join('\n')
    await clientFor(github).client.upsertStickyComment({ issueNumber: pull, key: 'big', body })
    const stored = commentsOn(pull)[0]?.body ?? ''
    expect(stored.length).toBeLessThanOrEqual(65536)
    expect(stored).toContain("… (cut to fit GitHub's limit of 65536 characters)")
    expect(stored.endsWith(stickyMarker('big'))).toBe(true)
  })

  it('refuses a key that could close the HTML comment it goes into', async () => {
    await expect(
      clientFor(github).client.upsertStickyComment({ issueNumber: pull, key: 'x -->', body: 'b' })
    ).rejects.toThrow('may hold only letters')
  })

  it('makes a keyed comment once, so a rerun does not notify people twice', async () => {
    const { client } = clientFor(github)
    const request = { issueNumber: pull, body: 'Review approved for 1.2.3', onceKey: 'approved:wx1:1.2.3' }
    const first = await client.addIssueComment(request)
    const again = await client.addIssueComment(request)
    expect(first.changed).toBe(true)
    expect(again).toEqual({ ...first, changed: false })
    expect(commentsOn(pull)).toHaveLength(1)
    // Unkeyed comments are always new.
    await client.addIssueComment({ issueNumber: pull, body: 'plain' })
    await client.addIssueComment({ issueNumber: pull, body: 'plain' })
    expect(commentsOn(pull)).toHaveLength(3)
  })

  it('reads again instead of posting twice when the answer to a new comment is lost', async () => {
    const { client } = clientFor(github)
    github.loseAnswerNext('POST', `${REPO_PATH}/issues/${pull}/comments`)
    const result = await client.upsertStickyComment({ issueNumber: pull, key: 'lost', body: 'hello' })
    expect(result.changed).toBe(true)
    expect(commentsOn(pull)).toHaveLength(1)
    expect(result.id).toBe(commentsOn(pull)[0]?.id)
  })
})
