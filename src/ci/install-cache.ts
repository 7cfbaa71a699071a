/**
 * miniprogram-ci's install in the GitHub Actions cache, as actions/setup-node keeps node_modules: the step
 * restores it and, when it had to install, records what to save; the post step (src/post.ts) saves it at
 * the end of the job. The cache is an optimisation only: a cache service that is absent, slow or failing
 * costs an install and a warning, never the run.
 *
 * @actions/cache speaks to the service the runner names in its environment (ACTIONS_RESULTS_URL with
 * ACTIONS_CACHE_SERVICE_V2, else ACTIONS_CACHE_URL; ACTIONS_RUNTIME_TOKEN) and is loaded only here.
 */
import * as core from '@actions/core'

/** A download slower than an install (30–90 s) is not worth waiting for; @actions/cache then gives up. */
const DOWNLOAD_TIMEOUT_MS = 2 * 60_000

/** The post step's state: what to save, under which key. */
export const SAVE_STATE = 'miniprogram-ci-cache'

export type RestoreOutcome = 'restored' | 'not-found' | 'unavailable'

export interface InstallCache {
  /**
   * Restores the folder saved under `key` into `dir`. 'not-found' covers a miss and a failing service
   * (@actions/cache has warned about the latter); 'unavailable' means the runner has no cache service.
   */
  restore(dir: string, key: string): Promise<RestoreOutcome>
  /** Asks the post step to save `dir` under `key` when the job ends. */
  saveAtEnd(dir: string, key: string): void
}

export interface SaveRequest {
  dir: string
  key: string
}

/** The runner's cache service through @actions/cache; state for the post step through @actions/core. */
export const actionsInstallCache: InstallCache = {
  async restore(dir, key) {
    const cache = await import('@actions/cache')
    if (!cache.isFeatureAvailable()) return 'unavailable'
    try {
      const options = { segmentTimeoutInMs: DOWNLOAD_TIMEOUT_MS }
      return (await cache.restoreCache([dir], key, [], options)) ? 'restored' : 'not-found'
    } catch (error) {
      // restoreCache reports service failures itself and throws only on a key it refuses.
      throw new Error(`the cache key ${key} was refused: ${(error as Error).message}`)
    }
  },
  saveAtEnd(dir, key) {
    core.saveState(SAVE_STATE, JSON.stringify({ dir, key }))
  }
}

/** The post step's request, or undefined when the step installed nothing to save. */
export function parseSaveRequest(state: string): SaveRequest | undefined {
  if (!state) return undefined
  try {
    const parsed = JSON.parse(state) as Partial<SaveRequest>
    return typeof parsed.dir === 'string' && typeof parsed.key === 'string'
      ? { dir: parsed.dir, key: parsed.key }
      : undefined
  } catch {
    return undefined
  }
}

export interface SaveLog {
  info(message: string): void
  warning(message: string): void
}

/**
 * The post step's work: saves the install the step made, if it made one and it still verifies (a later
 * step of the job could have changed the folder). Never throws: a cache that cannot be saved costs the
 * next job an install, not this one its result.
 */
export async function saveRecordedInstall(
  state: string,
  verify: (dir: string) => { ok: true } | { ok: false; reason: string },
  log: SaveLog
): Promise<'saved' | 'nothing-to-save' | 'not-saved'> {
  const request = parseSaveRequest(state)
  if (!request) return 'nothing-to-save'
  const verified = verify(request.dir)
  if (!verified.ok) {
    log.warning(`miniprogram-ci is not saved to the cache: ${verified.reason}.`)
    return 'not-saved'
  }
  try {
    const cache = await import('@actions/cache')
    if (!cache.isFeatureAvailable()) return 'not-saved'
    const started = Date.now()
    // saveCache warns about a failing service itself and returns -1.
    const id = await cache.saveCache([request.dir], request.key)
    if (id === -1) return 'not-saved'
    log.info(
      `Saved miniprogram-ci to the cache as ${request.key} (${((Date.now() - started) / 1000).toFixed(1)} s).`
    )
    return 'saved'
  } catch (error) {
    log.warning(`miniprogram-ci is not saved to the cache: ${(error as Error).message}`)
    return 'not-saved'
  }
}
