/**
 * miniprogram-ci on a hosted runner, through the bundled action and its post step: each job starts with an
 * empty tool cache (as GitHub-hosted runners do); the first installs and its post step saves the install to
 * the Actions cache; the next restores it. The cache service is a loopback fake of the protocol the pinned
 * @actions/cache speaks (test-support/fake-actions-cache.ts); npm is a fake that hard-links a real install
 * of the action's lockfile, so every tree here is the real one and verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { installCacheKey, toolInstallDir } from '../../src/ci/loader.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-support/fake-actions-cache.js'
import {
  ACTION_LOCKFILE_DIR,
  fakeNpm,
  preparedInstall,
  type FakeNpm
} from '../../test-support/miniprogram-ci-install.js'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { SAMPLE_PROJECT, startWorld, type World } from '../../test-support/world.js'

const PR_HEAD = 'c0ffee1'.padEnd(40, '0')
const SAVED = /Saved miniprogram-ci to the cache as (miniprogram-ci-\S+) \(/
let world: World
let work: string
let workspace: string
let toolCache: string
let npm: FakeNpm
let devKey: string

beforeAll(async () => {
  const installed = await preparedInstall()
  world = await startWorld()
  devKey = world.emulator.credentials.apps.find((app) => app.appid === world.emulator.credentials.devAppid)
    ?.uploadPrivateKeyPem as string
  world.github.addCommit(PR_HEAD)
  world.github.addPullRequest({ number: 7, headSha: PR_HEAD })
  work = mkdtempSync(path.join(os.tmpdir(), 'cache-e2e-'))
  // Outside the repository, so the action does not find the repository's own miniprogram-ci.
  workspace = path.join(work, 'workspace')
  cpSync(SAMPLE_PROJECT, path.join(workspace, 'project'), { recursive: true })
  toolCache = path.join(work, 'tool-cache')
  npm = fakeNpm(work, installed)
}, 10 * 60_000)

afterAll(async () => {
  await world?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** One job on a fresh hosted runner: empty tool cache, then the step and its post step. */
function job(env: Record<string, string>): Promise<ActionRun> {
  rmSync(toolCache, { recursive: true, force: true })
  mkdirSync(toolCache, { recursive: true })
  return world.run({
    inputs: {
      command: 'preview',
      'project-path': 'project',
      'private-key': devKey,
      proxy: world.servicewechat.proxyUrl,
      'github-token': 'ghs_faketoken_for_tests'
    },
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    sha: 'd'.repeat(40),
    payload: { pull_request: { number: 7, head: { sha: PR_HEAD } } },
    workspace,
    toolCache,
    env: { ...env, PATH: `${npm.binDir}${path.delimiter}${process.env.PATH ?? ''}` },
    runPost: true,
    timeoutMs: 5 * 60_000
  })
}

function warnings(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::warning'))
}

function setupSource(run: ActionRun): string | undefined {
  return /miniprogram-ci \S+ ready \((\w+), /.exec(run.stdout)?.[1]
}

const operations = (cache: FakeActionsCache): string[] => cache.requests().map((request) => request.operation)

describe.each([
  ['v2 (hosted runners), archive in Azure Blob Storage', 'v2' as const],
  ['v1 (GHES)', 'v1' as const]
])('cache service %s', (_label, protocol) => {
  let cache: FakeActionsCache

  beforeAll(async () => {
    cache = await startFakeActionsCache({ protocol, trustAlso: [world.servicewechat.caCertPath] })
  })

  afterAll(async () => {
    await cache?.close()
  })

  it(
    'installs and saves in the first job, restores in the next without npm',
    async () => {
      const npmBefore = npm.calls().length
      const first = await job(cache.env())
      expectSuccess(first)
      expect(setupSource(first)).toBe('installed')
      expect(warnings(first)).toEqual([])
      expect(npm.calls()).toHaveLength(npmBefore + 1)
      expect(npm.calls().at(-1)?.args).toContain('--ignore-scripts')
      // The post step saved it under the key of this lockfile, OS, architecture and Node major.
      expect(first.post?.exitCode).toBe(0)
      expect(first.post?.stdout).toMatch(SAVED)
      const key = SAVED.exec(first.post?.stdout ?? '')?.[1]
      expect(key).toBe(installCacheKey(ACTION_LOCKFILE_DIR))
      expect(cache.entries()).toEqual([expect.objectContaining({ key, finalized: true })])
      expect(
        cache
          .requests()
          .every(
            (request) =>
              request.authorized ||
              request.operation.startsWith('blob') ||
              request.operation === 'v1:download'
          )
      ).toBe(true)
      expect(operations(cache)).toEqual(
        protocol === 'v2'
          ? ['GetCacheEntryDownloadURL', 'CreateCacheEntry', 'blob:put', 'FinalizeCacheEntryUpload']
          : [
              'v1:lookup',
              'v1:reserve',
              ...operations(cache).filter((operation) => operation === 'v1:upload-chunk'),
              'v1:commit'
            ]
      )

      const requestsBefore = cache.requests().length
      const second = await job(cache.env())
      expectSuccess(second)
      expect(setupSource(second)).toBe('restored')
      expect(second.stdout).toContain('restored from the GitHub Actions cache')
      expect(warnings(second)).toEqual([])
      expect(npm.calls()).toHaveLength(npmBefore + 1)
      const restoreOperations = operations(cache).slice(requestsBefore)
      expect(restoreOperations[0]).toBe(protocol === 'v2' ? 'GetCacheEntryDownloadURL' : 'v1:lookup')
      // The SDK's download: blob properties, then ranged reads; v1 a plain GET of the archive location.
      expect(restoreOperations.slice(1)).toEqual(
        protocol === 'v2'
          ? ['blob:properties', ...restoreOperations.slice(2).map(() => 'blob:get-range')]
          : ['v1:download']
      )
      // Nothing installed, so nothing to save: the post step ends without calling the service.
      expect(second.post?.exitCode).toBe(0)
      expect(cache.requests()).toHaveLength(requestsBefore + restoreOperations.length)
      expect(cache.entries()).toHaveLength(1)
    },
    10 * 60_000
  )
})

describe('a cache that cannot be used', () => {
  it(
    'warns and installs when the runner has no cache service; the post step does nothing',
    async () => {
      const run = await job({})
      expectSuccess(run)
      expect(setupSource(run)).toBe('installed')
      expect(warnings(run)).toEqual([
        expect.stringContaining('cache service is not available on this runner')
      ])
      expect(run.state).toEqual({})
      expect(run.post).toMatchObject({ exitCode: 0, stdout: '' })
    },
    5 * 60_000
  )

  it(
    'warns and installs when the service refuses, and the post step cannot save: never a failure',
    async () => {
      const cache = await startFakeActionsCache({
        protocol: 'v2',
        trustAlso: [world.servicewechat.caCertPath]
      })
      try {
        cache.failOperation('GetCacheEntryDownloadURL', 401)
        cache.failOperation('CreateCacheEntry', 401)
        const run = await job(cache.env())
        expectSuccess(run)
        expect(setupSource(run)).toBe('installed')
        expect(warnings(run).join('\n')).toMatch(/Failed to restore: .*401/)
        expect(run.stdout).not.toMatch(/^::error/m)
        expect(run.post?.exitCode).toBe(0)
        expect(run.post?.stdout).not.toMatch(/^::error/m)
        expect(run.post?.stdout).not.toMatch(SAVED)
        expect(cache.entries()).toEqual([])
      } finally {
        await cache.close()
      }
    },
    5 * 60_000
  )

  it(
    'does not load a cache entry that does not match the lockfile: warns and installs',
    async () => {
      const cache = await startFakeActionsCache({
        protocol: 'v2',
        trustAlso: [world.servicewechat.caCertPath]
      })
      try {
        const first = await job(cache.env())
        expectSuccess(first)
        const key = installCacheKey(ACTION_LOCKFILE_DIR)
        // The same tree with a planted package, archived as @actions/cache 6 archives it (tar, zstdmt).
        const installDir = toolInstallDir(toolCache, ACTION_LOCKFILE_DIR)
        mkdirSync(path.join(installDir, 'node_modules/electron'), { recursive: true })
        writeFileSync(
          path.join(installDir, 'node_modules/electron/package.json'),
          '{"name":"electron","version":"1.0.0"}'
        )
        const manifest = path.join(work, 'manifest.txt')
        writeFileSync(manifest, path.relative(workspace, installDir))
        const archive = path.join(work, 'tampered.tzst')
        execFileSync('tar', [
          '--posix',
          '-cf',
          archive,
          '-P',
          '-C',
          workspace,
          '--files-from',
          manifest,
          '--use-compress-program',
          'zstdmt'
        ])
        cache.replaceArchive(key, readFileSync(archive))

        const npmBefore = npm.calls().length
        const second = await job(cache.env())
        expectSuccess(second)
        expect(warnings(second).join('\n')).toMatch(
          /restored from the GitHub Actions cache .*node_modules\/electron is not in the lockfile/
        )
        expect(setupSource(second)).toBe('installed')
        expect(npm.calls()).toHaveLength(npmBefore + 1)
      } finally {
        await cache.close()
      }
    },
    10 * 60_000
  )
})

describe('commands that never compile', () => {
  it('touch neither the cache nor npm, and their post step ends at once', async () => {
    const cache = await startFakeActionsCache({ protocol: 'v2', trustAlso: [world.servicewechat.caCertPath] })
    try {
      const credentials = world.emulator.credentials
      const npmBefore = npm.calls().length
      const run = await world.run({
        inputs: {
          command: 'sync',
          'api-base-url': world.emulator.url,
          'token-url': credentials.tokenServiceUrl,
          'token-url-secret': credentials.tokenServiceSecret,
          appid: 'wxa000000000000001',
          'github-token': 'ghs_faketoken_for_tests'
        },
        eventName: 'schedule',
        workspace,
        toolCache,
        env: { ...cache.env(), PATH: `${npm.binDir}${path.delimiter}${process.env.PATH ?? ''}` },
        runPost: true
      })
      expectSuccess(run)
      expect(run.state).toEqual({})
      expect(run.post).toMatchObject({ exitCode: 0, stdout: '' })
      expect(cache.requests()).toEqual([])
      expect(npm.calls()).toHaveLength(npmBefore)
    } finally {
      await cache.close()
    }
  })
})
