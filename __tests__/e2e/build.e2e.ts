import { expectSuccess } from '../../test-support/run-action.js'
/**
 * preview and upload through the bundled action, with the real pinned miniprogram-ci compiling the sample
 * project and uploading it through a TLS-intercepting proxy into the WeChat emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { startWorld, type World } from '../../test-support/world.js'

const HEAD = 'c0ffee1'.padEnd(40, '0')
let world: World
let devKey: string

beforeAll(async () => {
  world = await startWorld()
  devKey = world.emulator.credentials.apps.find((app) => app.appid === world.emulator.credentials.devAppid)
    ?.uploadPrivateKeyPem as string
  world.github.addCommit(HEAD)
  world.github.addPullRequest({ number: 7, headSha: HEAD })
}, 60_000)

afterAll(async () => {
  await world?.close()
})

function buildInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'project-path': 'sample/miniprogram-project',
    'private-key': devKey,
    proxy: world.servicewechat.proxyUrl,
    'github-token': 'ghs_faketoken_for_tests',
    ...extra
  }
}

describe('preview on a pull request', () => {
  it('compiles, commits the QR image and keeps one sticky comment up to date', async () => {
    const payload = { pull_request: { number: 7, head: { sha: HEAD } } }
    const first = await world.run({
      inputs: buildInputs({ command: 'preview', 'preview-page-path': 'pages/index/index' }),
      eventName: 'pull_request',
      payload,
      ref: 'refs/pull/7/merge',
      sha: 'd'.repeat(40)
    })
    expect(first.stderr + first.stdout).not.toMatch(/::error::/)
    expectSuccess(first)
    expect(first.leftoverPids).toEqual([])
    expect(existsSync(first.outputs['qrcode-path'] ?? '')).toBe(true)
    const sizes = JSON.parse(first.outputs['package-size'] ?? '{}') as { total: number; main: number }
    expect(sizes.total).toBeGreaterThan(0)
    expect(first.outputs['qrcode-url']).toContain('/blob/wechat-qrcodes/previews/pr-7.jpg')

    const comments = world.github.state.comments.filter((comment) => comment.issue_number === 7)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain(first.outputs['qrcode-url'])
    expect(comments[0]?.body).toContain('pages/index/index')
    expect(first.summary).toContain(first.outputs['qrcode-url'])

    // A second push updates the same comment instead of adding one.
    const second = await world.run({
      inputs: buildInputs({ command: 'preview' }),
      eventName: 'pull_request',
      payload,
      ref: 'refs/pull/7/merge'
    })
    expectSuccess(second)
    expect(world.github.state.comments.filter((comment) => comment.issue_number === 7)).toHaveLength(1)
    const previews = world.servicewechat
      .requests()
      .filter((request) => request.path.startsWith('/wxa/ci/testSourceURL'))
    expect(previews.length).toBe(2)
  }, 120_000)
})

describe('upload on a tag push', () => {
  it('uploads version 1.2.3 with the commit as description and lands as the trial version', async () => {
    const run = await world.run({
      inputs: buildInputs({ command: 'upload', robot: '3' }),
      eventName: 'push',
      ref: 'refs/tags/v1.2.3',
      sha: HEAD,
      payload: { head_commit: { message: 'Add the order page\n\nLonger body' } }
    })
    expectSuccess(run)
    expect(run.leftoverPids).toEqual([])
    expect(run.outputs.version).toBe('1.2.3')
    expect(JSON.parse(run.outputs['package-size'] ?? '{}').total).toBeGreaterThan(0)
    const upload = world.servicewechat.requests().find((request) => request.path.startsWith('/wxa/ci/upload'))
    expect(upload?.query).toMatchObject({ version: '1.2.3', robot: '3' })
    // The commit marker at the end finds this version's commit later (see release/commit-marker.ts).
    expect(String(upload?.query.desc)).toBe(`Add the order page (c0ffee1) [wxrelease:${HEAD}]`)
    const state = world.emulator.control.state() as {
      apps: Record<string, { trial?: { version: string }; uploads?: unknown }>
    }
    expect(state.apps['wxa000000000000001']?.trial?.version).toBe('1.2.3')
    expect(run.summary).toContain('1.2.3')
  }, 120_000)

  it('fails clearly when the server refuses the upload, and leaves no process behind', async () => {
    world.servicewechat.failNext('/wxa/ci/upload', {
      errCode: -10008,
      errMsg:
        'invalid ip: 203.0.113.9, reference: https://developers.weixin.qq.com/miniprogram/dev/devtools/ci.html'
    })
    const run = await world.run({
      inputs: buildInputs({ command: 'upload', version: '1.2.4' }),
      ref: 'refs/heads/main',
      sha: HEAD
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*whitelist/i)
    expect(run.leftoverPids).toEqual([])
    // The runner hides ::add-mask:: lines; everything else must not carry the key.
    const shown = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const line of devKey
      .split('\n')
      .filter((keyLine) => keyLine.length > 20 && !keyLine.startsWith('-----'))) {
      expect(shown).not.toContain(line)
    }
  }, 120_000)
})

describe('commands that do not upload', () => {
  it('fail on bad input without loading miniprogram-ci', async () => {
    const githubBefore = world.github.requests().length
    const wechatBefore = world.emulator.control.requests().length
    const run = await world.run({ inputs: { command: 'sync' } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Input "token-url"')
    expect(run.stdout).not.toContain('miniprogram-builder')
    expect(world.github.requests()).toHaveLength(githubBefore)
    expect(world.emulator.control.requests()).toHaveLength(wechatBefore)
  })

  it('keep miniprogram-ci out of the entry chunk', () => {
    const entry = readFileSync(new URL('../../dist/index.js', import.meta.url), 'utf8')
    expect(entry).not.toContain('createRequire(path.join(')
    expect(entry).not.toMatch(/onProgressUpdate/)
  })
})
