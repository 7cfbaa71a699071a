import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'
import {
  assertFollowedDocumentsAndReset,
  clientFor,
  TEST_OWNER,
  TEST_REPO
} from '../test-support/github-client-harness.js'

const sha = (char: string) => char.repeat(40)

describe('pull requests, commit ranges and tags', () => {
  let github: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({ owner: TEST_OWNER, repo: TEST_REPO })
  })
  afterAll(async () => {
    await github.close()
  })
  afterEach(() => {
    assertFollowedDocumentsAndReset(github)
  })

  it('lists the merged pull request of a commit on the default branch, and open and merged ones elsewhere', async () => {
    // #1 merged into main; #2 open with the same head commit as a later push; #3 open on a branch.
    github.addPullRequest({ number: 1, headSha: sha('1'), title: 'Feature one' })
    const merge = github.mergePullRequest(1)
    github.addPullRequest({ number: 2, headSha: sha('1'), title: 'Reopened work' })
    github.addPullRequest({ number: 3, headSha: sha('3'), title: 'Open work', base: 'develop' })
    const { client } = clientFor(github)

    expect(await client.findPullRequestsForCommit(sha('1'))).toEqual([
      expect.objectContaining({
        number: 1,
        state: 'closed',
        baseRef: 'main',
        title: 'Feature one',
        mergedAt: expect.any(String)
      })
    ])
    expect(await client.findPullRequestsForCommit(merge)).toEqual([expect.objectContaining({ number: 1 })])
    expect(await client.findPullRequestsForCommit(sha('3'))).toEqual([
      expect.objectContaining({
        number: 3,
        state: 'open',
        mergedAt: null,
        baseRef: 'develop',
        headSha: sha('3')
      })
    ])
  })

  it('compares two tags page by page, oldest commit first, and says when it stopped early', async () => {
    const start = github.commitToBranch('main', 'Release 1.0.0')
    github.addTag('v1.0.0', start)
    const made: string[] = []
    for (let index = 0; index < 130; index++) made.push(github.commitToBranch('main', `Change ${index}`))
    github.addTag('v1.1.0', made.at(-1) as string)
    const { client } = clientFor(github)

    const all = await client.compareCommits('v1.0.0', 'v1.1.0')
    expect(all).toMatchObject({
      status: 'ahead',
      aheadBy: 130,
      behindBy: 0,
      totalCommits: 130,
      truncated: false
    })
    expect(all.commits.map((commit) => commit.sha)).toEqual(made)
    expect(all.commits[0]?.message).toBe('Change 0')
    const pages = github.requests().filter((request) => request.path.includes('/compare/'))
    expect(pages.map((request) => request.query)).toEqual([
      { per_page: '100', page: '1' },
      { per_page: '100', page: '2' }
    ])

    const capped = await client.compareCommits('v1.0.0', 'v1.1.0', { maxCommits: 50 })
    expect(capped).toMatchObject({ totalCommits: 130, truncated: true })
    expect(capped.commits).toHaveLength(50)
    expect(await client.compareCommits('v1.1.0', 'v1.0.0')).toMatchObject({
      status: 'behind',
      aheadBy: 0,
      commits: []
    })
    expect(await client.compareCommits('v1.1.0', 'v1.1.0')).toMatchObject({
      status: 'identical',
      totalCommits: 0
    })
  })

  it('resolves lightweight and annotated tags to their commit, and a missing tag to undefined', async () => {
    github.addTag('v1.2.3', sha('a'))
    github.addTag('v1.2.4', sha('b'), { annotated: true })
    github.addTag('release/2.0.0', sha('b'), { annotated: true })
    github.resetLog()
    const { client } = clientFor(github)
    expect(await client.resolveTag('v1.2.3')).toEqual({ sha: sha('a') })
    expect(await client.resolveTag('v1.2.4')).toEqual({ sha: sha('b') })
    expect(await client.resolveTag('release/2.0.0')).toEqual({ sha: sha('b') })
    expect(await client.resolveTag('v9.9.9')).toBeUndefined()
    expect(github.requests().filter((request) => request.path.includes('/git/tags/'))).toHaveLength(2)
  })

  it('resolves a short commit SHA, and reads the default branch', async () => {
    github.addCommit(sha('d'))
    const { client } = clientFor(github)
    expect(await client.resolveCommit('ddddddd')).toBe(sha('d'))
    expect(await client.resolveCommit('0123456')).toBeUndefined()
    expect(await client.getDefaultBranch()).toBe('main')
  })
})
