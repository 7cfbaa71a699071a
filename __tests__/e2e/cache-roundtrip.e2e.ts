/**
 * miniprogram-ci on GitHub-hosted runners, through the bundled action and its post step: the first job
 * installs and its post step saves the install to the Actions cache; the next job, on an empty tool cache,
 * restores it without npm. The cache service is a loopback fake of the protocol the pinned @actions/cache
 * speaks (test-support/fake-actions-cache.ts), in both versions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { installCacheKey } from '../../src/ci/loader.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-support/fake-actions-cache.js'
import {
  setupSourceOf,
  startHostedRunner,
  warningsOf,
  type HostedRunner
} from '../../test-support/hosted-runner.js'
import { ACTION_LOCKFILE_DIR } from '../../test-support/miniprogram-ci-install.js'
import { expectSuccess } from '../../test-support/run-action.js'

const SAVED = /Saved miniprogram-ci to the cache as (miniprogram-ci-\S+) \(/
let runner: HostedRunner

beforeAll(async () => {
  runner = await startHostedRunner()
}, 10 * 60_000)

afterAll(async () => {
  await runner?.close()
})

const operations = (cache: FakeActionsCache): string[] => cache.requests().map((request) => request.operation)

describe.each([
  ['v2 (hosted runners), the archive in Azure Blob Storage', 'v2' as const],
  ['v1 (GHES)', 'v1' as const]
])('cache service %s', (_label, protocol) => {
  let cache: FakeActionsCache

  beforeAll(async () => {
    cache = await startFakeActionsCache({ protocol, trustAlso: [runner.world.servicewechat.caCertPath] })
  })

  afterAll(async () => {
    await cache?.close()
  })

  it(
    'installs and saves in the first job, restores in the next without npm',
    async () => {
      const npmBefore = runner.npm.calls().length
      const first = await runner.previewJob(cache.env())
      expectSuccess(first)
      expect(setupSourceOf(first)).toBe('installed')
      expect(warningsOf(first)).toEqual([])
      expect(runner.npm.calls()).toHaveLength(npmBefore + 1)
      expect(runner.npm.calls().at(-1)?.args).toContain('--ignore-scripts')
      // The post step saved it under the key of this lockfile, OS, architecture and Node major.
      expect(first.post?.exitCode).toBe(0)
      const key = SAVED.exec(first.post?.stdout ?? '')?.[1]
      expect(key).toBe(installCacheKey(ACTION_LOCKFILE_DIR))
      expect(cache.entries()).toEqual([expect.objectContaining({ key, finalized: true })])
      // The service calls carry the runtime token; the blob store and archive location are signed URLs.
      expect(cache.requests().filter((request) => !/^(blob|v1:download)/.test(request.operation))).toEqual(
        cache
          .requests()
          .filter((request) => !/^(blob|v1:download)/.test(request.operation) && request.authorized)
      )
      const saved = operations(cache)
      expect(saved).toEqual(
        protocol === 'v2'
          ? ['GetCacheEntryDownloadURL', 'CreateCacheEntry', 'blob:put', 'FinalizeCacheEntryUpload']
          : [
              'v1:lookup',
              'v1:reserve',
              ...saved.filter((operation) => operation === 'v1:upload-chunk'),
              'v1:commit'
            ]
      )

      const second = await runner.previewJob(cache.env())
      expectSuccess(second)
      expect(setupSourceOf(second)).toBe('restored')
      expect(second.stdout).toContain('restored from the GitHub Actions cache')
      expect(warningsOf(second)).toEqual([])
      expect(runner.npm.calls()).toHaveLength(npmBefore + 1)
      const restore = operations(cache).slice(saved.length)
      // The SDK's download: blob properties, then ranged reads; v1: one GET of the archive location. Nothing
      // was installed, so the post step does not call the service.
      expect(restore).toEqual(
        protocol === 'v2'
          ? ['GetCacheEntryDownloadURL', 'blob:properties', ...restore.slice(2).map(() => 'blob:get-range')]
          : ['v1:lookup', 'v1:download']
      )
      expect(restore.length).toBeGreaterThan(protocol === 'v2' ? 2 : 1)
      expect(second.post?.exitCode).toBe(0)
      expect(cache.entries()).toHaveLength(1)
    },
    10 * 60_000
  )
})
