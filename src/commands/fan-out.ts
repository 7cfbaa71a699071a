/**
 * A fan-out over many mini programs has one deadline for the whole run: once it has passed, targets not
 * yet started are not attempted (and reported so), while targets already running finish. The report and
 * the outputs are written either way, before the job's own time limit can cut the run off.
 */
import { mapSettled } from '../concurrency.js'

/**
 * How long a run starts new targets: 30 minutes. A sync every 15–30 minutes, or a submit to many mini
 * programs, should never need longer; GitHub's default job limit (6 hours) would lose the whole report.
 */
export const FAN_OUT_DEADLINE_MS = 30 * 60_000

export type DeadlineSettled<R> = PromiseSettledResult<R> | { status: 'not-attempted' }

export async function mapUntilDeadline<T, R>(
  items: readonly T[],
  limit: number,
  deadlineAt: number,
  clock: () => number,
  work: (item: T, index: number) => Promise<R>
): Promise<Array<DeadlineSettled<R>>> {
  const skipped = new Set<number>()
  const settled = await mapSettled(items, limit, async (item, index) => {
    if (clock() >= deadlineAt) {
      skipped.add(index)
      return undefined
    }
    return work(item, index)
  })
  return settled.map((result, index) =>
    skipped.has(index) ? { status: 'not-attempted' } : (result as PromiseSettledResult<R>)
  )
}
