/**
 * A GitHub Actions cache that cannot be used costs an install and a warning, never the run: no cache
 * service on the runner, a service that refuses, an entry that does not match the lockfile. Commands that
 * never compile do not touch the cache at all. (The round trip itself: cache-roundtrip.e2e.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { installCacheKey, toolInstallDir } from '../../src/ci/loader.js'
import { archiveLikeTheClient, startFakeActionsCache } from '../../test-support/fake-actions-cache.js'
import {
  setupSourceOf,
  startHostedRunner,
  warningsOf,
  type HostedRunner
} from '../../test-support/hosted-runner.js'
import { ACTION_LOCKFILE_DIR } from '../../test-support/miniprogram-ci-install.js'
import { expectSuccess } from '../../test-support/run-action.js'

let runner: HostedRunner

beforeAll(async () => {
  runner = await startHostedRunner()
}, 10 * 60_000)

afterAll(async () => {
  await runner?.close()
})

describe('a cache that cannot be used', () => {
  it(
    'warns and installs when the runner has no cache service; the post step does nothing',
    async () => {
      const run = await runner.previewJob({})
      expectSuccess(run)
      expect(setupSourceOf(run)).toBe('installed')
      expect(warningsOf(run)).toEqual([
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
        trustAlso: [runner.world.servicewechat.caCertPath]
      })
      try {
        cache.failOperation('GetCacheEntryDownloadURL', 401)
        cache.failOperation('CreateCacheEntry', 401)
        const run = await runner.previewJob(cache.env())
        expectSuccess(run)
        expect(setupSourceOf(run)).toBe('installed')
        expect(warningsOf(run).join('\n')).toMatch(/Failed to restore: .*401/)
        for (const output of [run.stdout, run.post?.stdout ?? '']) expect(output).not.toMatch(/^::error/m)
        expect(run.post?.exitCode).toBe(0)
        expect(run.post?.stdout).not.toContain('Saved miniprogram-ci')
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
        trustAlso: [runner.world.servicewechat.caCertPath]
      })
      try {
        // The real tree with a planted package, saved where and as a job would have saved it.
        const installDir = toolInstallDir(runner.toolCache, ACTION_LOCKFILE_DIR)
        rmSync(runner.toolCache, { recursive: true, force: true })
        mkdirSync(path.dirname(installDir), { recursive: true })
        execFileSync('cp', ['-al', runner.installed, installDir])
        mkdirSync(path.join(installDir, 'node_modules/electron'))
        writeFileSync(
          path.join(installDir, 'node_modules/electron/package.json'),
          '{"name":"electron","version":"1.0.0"}'
        )
        cache.seedEntry(
          installCacheKey(ACTION_LOCKFILE_DIR),
          [installDir],
          archiveLikeTheClient(runner.workspace, [installDir])
        )

        const npmBefore = runner.npm.calls().length
        const run = await runner.previewJob(cache.env())
        expectSuccess(run)
        expect(cache.requests().map((request) => request.operation)).toContain('blob:get-range')
        expect(warningsOf(run).join('\n')).toMatch(
          /restored from the GitHub Actions cache .*node_modules\/electron is not in the lockfile/
        )
        expect(setupSourceOf(run)).toBe('installed')
        expect(runner.npm.calls()).toHaveLength(npmBefore + 1)
      } finally {
        await cache.close()
      }
    },
    5 * 60_000
  )
})

describe('commands that never compile', () => {
  it('touch neither the cache nor npm, and their post step ends at once', async () => {
    const cache = await startFakeActionsCache({
      protocol: 'v2',
      trustAlso: [runner.world.servicewechat.caCertPath]
    })
    try {
      const credentials = runner.world.emulator.credentials
      const npmBefore = runner.npm.calls().length
      const run = await runner.world.run({
        inputs: {
          command: 'sync',
          'api-base-url': runner.world.emulator.url,
          'token-url': credentials.tokenServiceUrl,
          'token-url-secret': credentials.tokenServiceSecret,
          appid: 'wxa000000000000001',
          'github-token': 'ghs_faketoken_for_tests'
        },
        eventName: 'schedule',
        workspace: runner.workspace,
        toolCache: runner.toolCache,
        env: { ...cache.env(), PATH: runner.path() },
        runPost: true
      })
      expectSuccess(run)
      expect(run.state).toEqual({})
      expect(run.post).toMatchObject({ exitCode: 0, stdout: '' })
      expect(cache.requests()).toEqual([])
      expect(runner.npm.calls()).toHaveLength(npmBefore)
    } finally {
      await cache.close()
    }
  })
})
