/**
 * The package-size report through the bundled action: a preview on a push to main records its sizes on the
 * QR side branch; a pull request into main then shows each package's change against it, and a budget
 * with package-size-budget-action: fail fails the step after the report is written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sizeRecordPath } from '../../src/report/package-size.js'
import { expectSuccess } from '../../test-support/run-action.js'
import { copySampleProject, startWorld, type World } from '../../test-support/world.js'

const MAIN_SHA = 'a1b2c3d'.padEnd(40, '0')
const PR_SHA = 'feed123'.padEnd(40, '0')
const SIDE_BRANCH = 'wechat-qrcodes'
let world: World
let devKey: string
let devAppid: string

beforeAll(async () => {
  world = await startWorld()
  devAppid = world.emulator.credentials.devAppid
  devKey = world.emulator.credentials.apps.find((app) => app.appid === devAppid)
    ?.uploadPrivateKeyPem as string
  world.github.addCommit(MAIN_SHA)
  world.github.addPullRequest({ number: 9, headSha: PR_SHA })
}, 60_000)

afterAll(async () => {
  await world?.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'preview',
    'project-path': 'sample/miniprogram-project',
    'private-key': devKey,
    proxy: world.servicewechat.proxyUrl,
    'github-token': 'ghs_faketoken_for_tests',
    ...extra
  }
}

/** A checkout of the sample whose subpackage grew by a few kilobytes. */
function biggerWorkspace(): string {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'bigger-'))
  const project = path.join(workspace, 'sample/miniprogram-project')
  copySampleProject(project)
  const detail = path.join(project, 'miniprogram/packageOrder/pages/detail/detail.js')
  const notes = 'Freshly roasted beans, ground to order. '.repeat(100)
  writeFileSync(
    detail,
    readFileSync(detail, 'utf8').replace(
      "'flat-white': 'Flat white' }",
      `'flat-white': 'Flat white', notes: '${notes}' }`
    )
  )
  return workspace
}

function fileOnSideBranch(filePath: string): string | undefined {
  return world.github.state.files[SIDE_BRANCH]?.[filePath]?.toString('utf8')
}

describe('package sizes against the base branch', () => {
  it('records a push preview of main, then shows a pull request’s change against it', async () => {
    const mainRun = await world.run({
      inputs: inputs(),
      eventName: 'push',
      ref: 'refs/heads/main',
      sha: MAIN_SHA
    })
    expectSuccess(mainRun)
    expect(mainRun.summary).toContain('No earlier preview of `main` is recorded to compare with')
    const mainRecord = JSON.parse(fileOnSideBranch(sizeRecordPath(devAppid, 'main')) ?? '{}') as {
      commit: string
      sizes: { total: number; subpackages: Array<{ name: string; size: number }> }
    }
    expect(mainRecord.commit).toBe(MAIN_SHA)
    expect(mainRecord.sizes.total).toBeGreaterThan(0)

    const prRun = await world.run({
      inputs: inputs({ 'package-size-budget': 'main=1KB', 'package-size-budget-action': 'fail' }),
      eventName: 'pull_request',
      ref: 'refs/pull/9/merge',
      sha: 'd'.repeat(40),
      workspace: biggerWorkspace(),
      payload: {
        pull_request: {
          number: 9,
          head: { sha: PR_SHA, ref: 'feature/notes', repo: { full_name: 'octo/shop' } },
          base: { ref: 'main', sha: MAIN_SHA, repo: { full_name: 'octo/shop' } }
        }
      }
    })
    // The budget fails the step, after the comment, the summary and the record are written.
    expect(prRun.exitCode).toBe(1)
    expect(prRun.stdout).toMatch(/::error::.*The main package is [\d.]+ KB, over its budget of 1\.0 KB/)
    expect(prRun.leftoverPids).toEqual([])

    const size = JSON.parse(prRun.outputs['package-size'] ?? '{}') as {
      total: number
      subpackages: Array<{ name: string; size: number }>
      status: string
      base: { branch: string; commit: string; total: number }
    }
    expect(size.status).toBe('over-budget')
    expect(size.base).toMatchObject({ branch: 'main', commit: MAIN_SHA, total: mainRecord.sizes.total })
    const grown = (size.subpackages[0]?.size ?? 0) - (mainRecord.sizes.subpackages[0]?.size ?? 0)
    expect(grown).toBeGreaterThan(3000)

    const comments = world.github.state.comments.filter((comment) => comment.issue_number === 9)
    expect(comments).toHaveLength(1)
    const body = comments[0]?.body ?? ''
    expect(body).toContain('| Package | Size | Change | Budget | WeChat limit | Used |')
    expect(body).toMatch(/\| Subpackage <code>packageOrder<\/code> \| [\d.]+ KB \| \+[\d.]+ KB \|/)
    expect(body).toMatch(
      /\| Main package \| [\d.]+ KB \| ±0 B \| 1\.0 KB \| 2\.00 MB \| ⚠️ \d+ %: over budget \|/
    )
    expect(body).toContain('Change: against the last preview of `main` (commit `a1b2c3d`).')
    expect(prRun.summary).toContain('| Package | Size | Change |')

    // The pull request's own branch is recorded too, for a pull request stacked on it.
    expect(fileOnSideBranch(sizeRecordPath(devAppid, 'feature/notes'))).toContain(PR_SHA)
  }, 180_000)
})
