/**
 * One rehearsal world for end-to-end tests and the demo: the WeChat emulator, the servicewechat.com fake
 * behind a TLS-intercepting proxy (so the real miniprogram-ci uploads into the emulator), a fake GitHub,
 * and a tool cache pre-populated with the repo's own pinned miniprogram-ci (no install per run).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { startEmulator, type RunningEmulator, type EmulatorOptions } from '../emulator/index.js'
import { startServiceWechatFake } from '../emulator/servicewechat.js'
import { toolInstallDir } from '../src/ci/loader.js'
import { startFakeGitHub, type FakeGitHubOptions } from './fake-github.js'
import { repoRoot, runAction, type ActionRun, type RunActionOptions } from './run-action.js'

export const OWNER = 'octo'
export const REPO = 'shop'
export const SAMPLE_PROJECT = path.join(repoRoot, 'sample/miniprogram-project')
/** Starts the action's clock at the emulator's time (see runner-clock.mjs). */
const RUNNER_CLOCK = pathToFileURL(path.join(repoRoot, 'test-support/runner-clock.mjs')).href

export interface World {
  emulator: RunningEmulator
  servicewechat: Awaited<ReturnType<typeof startServiceWechatFake>>
  github: Awaited<ReturnType<typeof startFakeGitHub>>
  toolCache: string
  /** Runs dist/index.js with the world's addresses filled in. */
  run(options: Omit<RunActionOptions, 'githubApiUrl'> & { githubApiUrl?: string }): Promise<ActionRun>
  close(): Promise<void>
}

/** A tool cache where the pinned miniprogram-ci is already "installed" (a link to the repo's copy). */
export function prepopulatedToolCache(): string {
  const toolCache = mkdtempSync(path.join(os.tmpdir(), 'tool-cache-'))
  const target = toolInstallDir(toolCache, path.join(repoRoot, 'tools/miniprogram-ci'))
  mkdirSync(target, { recursive: true })
  if (!existsSync(path.join(target, 'node_modules'))) {
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(target, 'node_modules'), 'dir')
  }
  writeFileSync(path.join(target, '.complete'), 'linked for tests\n')
  return toolCache
}

export async function startWorld(
  options: EmulatorOptions = {},
  githubOptions: Omit<FakeGitHubOptions, 'owner' | 'repo'> = {}
): Promise<World> {
  const emulator = await startEmulator(options)
  const servicewechat = await startServiceWechatFake({
    onUpload: (upload) => emulator.recordCiUpload(upload),
    publicKeyFor: (appid) => emulator.uploadPublicKey(appid)
  })
  const github = await startFakeGitHub({ ...githubOptions, owner: OWNER, repo: REPO })
  const toolCache = prepopulatedToolCache()
  return {
    emulator,
    servicewechat,
    github,
    toolCache,
    run: (runOptions) =>
      runAction({
        githubApiUrl: github.url,
        repository: `${OWNER}/${REPO}`,
        toolCache,
        ...runOptions,
        env: {
          NODE_EXTRA_CA_CERTS: servicewechat.caCertPath,
          // The runner's clock agrees with WeChat's, as on a real runner: here, with the emulated clock.
          NODE_OPTIONS: `--import=${RUNNER_CLOCK}`,
          RUNNER_CLOCK_START_MS: String(emulator.control.now() * 1000),
          ...runOptions.env
        }
      }),
    close: async () => {
      await Promise.all([emulator.close(), servicewechat.close(), github.close()])
      // Every request the action made must follow GitHub's OpenAPI description (fails the test file otherwise).
      github.assertFollowedDocuments()
    }
  }
}
