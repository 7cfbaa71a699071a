/**
 * Jobs of the bundled action as a GitHub-hosted runner runs them: every job starts with an empty tool cache
 * (at the same path, as RUNNER_TOOL_CACHE is on hosted runners), runs the step and then its post step. The
 * project is a copy of the sample outside the repository, so the repository's own miniprogram-ci is not
 * found; npm is a fake that hard-links a real install of the action's lockfile.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fakeNpm, preparedInstall, type FakeNpm } from './miniprogram-ci-install.js'
import type { ActionRun } from './run-action.js'
import { SAMPLE_PROJECT, startWorld, type World } from './world.js'

const PR_HEAD = 'c0ffee1'.padEnd(40, '0')

export interface HostedRunner {
  world: World
  /** GITHUB_WORKSPACE of every job; the project is at `project/`. */
  workspace: string
  /** RUNNER_TOOL_CACHE of every job, emptied before each. */
  toolCache: string
  npm: FakeNpm
  /** This runner's own copy of a real install of the lockfile, to hard-link trees from. */
  installed: string
  /** A scratch folder removed by close(). */
  work: string
  /** One preview job (step and post step) with this extra environment. */
  previewJob(env: Record<string, string>): Promise<ActionRun>
  /** PATH with the fake npm first, for jobs of other commands. */
  path(): string
  close(): Promise<void>
}

export async function startHostedRunner(): Promise<HostedRunner> {
  const installed = await preparedInstall()
  const world = await startWorld()
  const credentials = world.emulator.credentials
  const devKey = credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem ?? ''
  world.github.addCommit(PR_HEAD)
  world.github.addPullRequest({ number: 7, headSha: PR_HEAD })
  const work = mkdtempSync(path.join(os.tmpdir(), 'hosted-runner-'))
  const workspace = path.join(work, 'workspace')
  cpSync(SAMPLE_PROJECT, path.join(workspace, 'project'), { recursive: true })
  const toolCache = path.join(work, 'tool-cache')
  // A private copy to hard-link from: linking changes a file's ctime, so links made from the shared tree by
  // another test file while this runner's post step archives its tool cache would make tar fail with
  // "file changed as we read it". Each runner links only from its own copy.
  const ownTree = path.join(work, 'npm-tree')
  execFileSync('cp', ['-a', installed, ownTree])
  const npm = fakeNpm(work, ownTree)
  const withFakeNpm = (): string => `${npm.binDir}${path.delimiter}${process.env.PATH ?? ''}`
  return {
    world,
    workspace,
    toolCache,
    npm,
    installed: ownTree,
    work,
    path: withFakeNpm,
    previewJob: (env) => {
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
        env: { ...env, PATH: withFakeNpm() },
        runPost: true,
        timeoutMs: 5 * 60_000
      })
    },
    close: async () => {
      await world.close()
      rmSync(work, { recursive: true, force: true })
    }
  }
}

/** The ::warning lines of a run. */
export function warningsOf(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::warning'))
}

/** Where the run's miniprogram-ci came from, by its "miniprogram-ci … ready (<source>, …)" line. */
export function setupSourceOf(run: ActionRun): string | undefined {
  return /miniprogram-ci \S+ ready \((\w+), /.exec(run.stdout)?.[1]
}
