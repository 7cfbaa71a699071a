/**
 * One rehearsal world for end-to-end tests and the demo: the WeChat emulator, the servicewechat.com fake
 * behind a TLS-intercepting proxy (so the real miniprogram-ci uploads into the emulator), a fake GitHub,
 * and an empty tool cache.
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startEmulator, type RunningEmulator, type EmulatorOptions } from '../emulator/index.js'
import { startServiceWechatFake, type CiUpload } from '../emulator/servicewechat.js'
import { startFakeGitHub } from './fake-github.js'
import { repoRoot, runAction, type ActionRun, type RunActionOptions } from './run-action.js'

export const OWNER = 'octo'
export const REPO = 'shop'
export const SAMPLE_PROJECT = path.join(repoRoot, 'sample/miniprogram-project')

export interface World {
  emulator: RunningEmulator
  servicewechat: Awaited<ReturnType<typeof startServiceWechatFake>>
  github: Awaited<ReturnType<typeof startFakeGitHub>>
  toolCache: string
  /** Runs dist/index.js with the world's addresses filled in. */
  run(options: Omit<RunActionOptions, 'githubApiUrl'> & { githubApiUrl?: string }): Promise<ActionRun>
  close(): Promise<void>
}

/**
 * An empty tool cache. Projects inside the repository use its node_modules (the project's own
 * miniprogram-ci comes first); a tool-cache folder is loaded only when it verifies against the action's
 * lockfile, so none is faked here (see miniprogram-ci-install.ts for a real one).
 */
export function emptyToolCache(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tool-cache-'))
}

export interface WorldOptions extends EmulatorOptions {
  /** Sees every package miniprogram-ci uploads (preview or upload) before the emulator records it. */
  onCiUpload?: (upload: CiUpload) => void
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const { onCiUpload, ...emulatorOptions } = options
  const emulator = await startEmulator(emulatorOptions)
  const servicewechat = await startServiceWechatFake({
    onUpload: (upload) => {
      onCiUpload?.(upload)
      return emulator.recordCiUpload(upload)
    },
    publicKeyFor: (appid) => emulator.uploadPublicKey(appid)
  })
  const github = await startFakeGitHub({ owner: OWNER, repo: REPO })
  const toolCache = emptyToolCache()
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
        env: { NODE_EXTRA_CA_CERTS: servicewechat.caCertPath, ...runOptions.env }
      }),
    close: async () => {
      await Promise.all([emulator.close(), servicewechat.close(), github.close()])
    }
  }
}
