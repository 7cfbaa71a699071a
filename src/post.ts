/**
 * The post step (action.yml `runs.post`): saves miniprogram-ci's install to the GitHub Actions cache when
 * the step had to install it. Every other run (the project had miniprogram-ci, the cache or tool cache had
 * it, or the command never compiles) reads one state value and ends. It never fails the job.
 */
import * as core from '@actions/core'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SAVE_STATE } from './ci/install-cache.js'
import { setSecretSink } from './redact.js'

/** dist/post.js → the action's folder, which holds dist/miniprogram-ci/ with the pinned lockfile. */
const lockfileDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'miniprogram-ci')

async function post(): Promise<void> {
  setSecretSink((value) => core.setSecret(value))
  const state = core.getState(SAVE_STATE)
  if (!state) return
  const [{ log }, { saveRecordedInstall }, { verifyAgainstLockfile }] = await Promise.all([
    import('./log.js'),
    import('./ci/install-cache.js'),
    import('./ci/loader.js')
  ])
  try {
    await saveRecordedInstall(state, (dir) => verifyAgainstLockfile(dir, lockfileDir), log)
  } catch (error) {
    log.warning(`miniprogram-ci is not saved to the cache: ${(error as Error).message}`)
  }
}

await post()
