/**
 * One rehearsal world for end-to-end tests and the demo: the WeChat emulator, the servicewechat.com fake
 * behind a TLS-intercepting proxy (so the real miniprogram-ci uploads into the emulator), a fake GitHub,
 * and an empty tool cache.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { startEmulator, type RunningEmulator, type EmulatorOptions } from '../emulator/index.js'
import { startServiceWechatFake, type CiUpload } from '../emulator/servicewechat.js'
import { startFakeGitHub, type FakeGitHubOptions } from './fake-github.js'
import { compiles, withCpuSlot } from './cpu-slots.js'
import { runInProcess, type InProcessRun } from './in-process-run.js'
import {
  killRunningActions,
  repoRoot,
  runAction,
  type ActionRun,
  type RunActionOptions
} from './run-action.js'

export const OWNER = 'octo'
export const REPO = 'shop'
export const SAMPLE_PROJECT = path.join(repoRoot, 'sample/miniprogram-project')
/** Starts the action's clock at the emulator's time (see runner-clock.mjs). */
const RUNNER_CLOCK = pathToFileURL(path.join(repoRoot, 'test-support/runner-clock.mjs')).href
/** The token the fake GitHub accepts. */
export const GITHUB_TOKEN = 'ghs_faketoken_for_tests'

export interface World {
  emulator: RunningEmulator
  servicewechat: Awaited<ReturnType<typeof startServiceWechatFake>>
  github: Awaited<ReturnType<typeof startFakeGitHub>>
  toolCache: string
  /** The inputs that point the action at the world and give it a way to WeChat tokens. */
  credentials: {
    /** The emulator's token service (`token-url`), for `appid` when given. */
    tokenUrl(appid?: string): Record<string, string>
    /** The third-party platform's own credentials, with the refresh token of each target. */
    component(targets: string[]): Record<string, string>
  }
  /** Runs dist/index.js with the world's addresses filled in. */
  run(options: Omit<RunActionOptions, 'githubApiUrl'> & { githubApiUrl?: string }): Promise<ActionRun>
  /** Runs run() of src/main.ts in this process, the same way (commands that never compile). */
  runInProcess(
    options: Omit<RunActionOptions, 'githubApiUrl'> & { githubApiUrl?: string }
  ): Promise<InProcessRun>
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

/**
 * Copies the sample project to a folder outside the repository, with a node_modules link to the
 * repository's: the project's own miniprogram-ci, as a user's checkout after `npm ci` has it (the loader's
 * first choice). The link sits next to project.config.json, outside miniprogramRoot, so nothing of it is packed.
 */
export function copySampleProject(destination: string): string {
  cpSync(SAMPLE_PROJECT, destination, { recursive: true })
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(destination, 'node_modules'), 'dir')
  return destination
}

export interface WorldOptions extends EmulatorOptions {
  /** Sees every package miniprogram-ci uploads (preview or upload) before the emulator records it. */
  onCiUpload?: (upload: CiUpload) => void
}

export async function startWorld(
  options: WorldOptions = {},
  githubOptions: Omit<FakeGitHubOptions, 'owner' | 'repo'> = {}
): Promise<World> {
  const { onCiUpload, ...emulatorOptions } = options
  const emulator = await startEmulator(emulatorOptions)
  const servicewechat = await startServiceWechatFake({
    onUpload: (upload) => {
      onCiUpload?.(upload)
      return emulator.recordCiUpload(upload)
    },
    publicKeyFor: (appid) => emulator.uploadPublicKey(appid)
  })
  const github = await startFakeGitHub({ ...githubOptions, owner: OWNER, repo: REPO })
  const toolCache = emptyToolCache()
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'world-'))
  const emulated = emulator.credentials
  const refreshTokenOf = (appid: string): string => {
    const app = emulated.apps.find((candidate) => candidate.appid === appid)
    if (!app) throw new Error(`${appid} is not authorized to the emulated platform`)
    return app.refreshToken
  }
  return {
    emulator,
    servicewechat,
    github,
    toolCache,
    credentials: {
      tokenUrl: (appid) => ({
        'api-base-url': emulator.url,
        'token-url': emulated.tokenServiceUrl,
        'token-url-secret': emulated.tokenServiceSecret,
        'github-token': GITHUB_TOKEN,
        ...(appid ? { appid } : {})
      }),
      component: (targets) => ({
        'api-base-url': emulator.url,
        'component-appid': emulated.componentAppid,
        // The platform server's current component token: the action never mints one.
        'component-access-token': emulator.control.serverComponentToken(),
        'authorizer-refresh-tokens': targets.map((appid) => `${appid}: ${refreshTokenOf(appid)}`).join('\n'),
        'github-token': GITHUB_TOKEN,
        targets: targets.join('\n')
      })
    },
    run: (runOptions) => {
      const run = () =>
        runAction({
          githubApiUrl: github.url,
          repository: `${OWNER}/${REPO}`,
          toolCache,
          parentDir: scratch,
          ...runOptions,
          env: {
            NODE_EXTRA_CA_CERTS: servicewechat.caCertPath,
            // The runner's clock agrees with WeChat's, as on a real runner: here, with the emulated clock.
            NODE_OPTIONS: `--import=${RUNNER_CLOCK}`,
            RUNNER_CLOCK_START_MS: String(emulator.control.now() * 1000),
            ...runOptions.env
          }
        })
      return compiles(runOptions.inputs.command) ? withCpuSlot(run) : run()
    },
    runInProcess: (runOptions) =>
      runInProcess(
        {
          githubApiUrl: github.url,
          repository: `${OWNER}/${REPO}`,
          toolCache,
          parentDir: scratch,
          ...runOptions
        },
        path.join(scratch, 'step-summary.md')
      ),
    close: async () => {
      killRunningActions()
      await Promise.all([emulator.close(), servicewechat.close(), github.close()])
      rmSync(toolCache, { recursive: true, force: true })
      rmSync(scratch, { recursive: true, force: true })
      // Every request the action made must follow GitHub's OpenAPI description (fails the test file otherwise).
      github.assertFollowedDocuments()
    }
  }
}
