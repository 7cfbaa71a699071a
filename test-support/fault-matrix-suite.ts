/**
 * The fault matrix through the bundled action (scripts/fault-matrix.ts), split into shares that run in
 * parallel: each e2e file `faults-<n>.e2e.ts` runs one share against a world of its own. Every cell is
 * checked on its own, so a share checks exactly the cells it ran; __tests__/fault-matrix.test.ts checks
 * that the shares together are the whole matrix.
 *
 * Nothing may be submitted, released, grayed or rolled back twice; a write whose reply was lost is never
 * sent again; a read or a refused write that fails once still succeeds; every failed run says which endpoint
 * or WeChat errcode stopped it; and each outcome is the one docs/fault-matrix.md shows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  cellKey,
  FAULT_MATRIX_PAGE,
  FAULT_MATRIX_WORLD,
  faultMatrixAppCount,
  outcomeClass,
  planFaultMatrix,
  readFaultMatrixPage,
  rowOutcomeClass,
  runFaultMatrix,
  type FaultMatrixOptions,
  type FaultMatrixRow,
  type PlannedCell
} from '../scripts/fault-matrix.js'
import { startWorld, type World } from './world.js'

/** How many e2e files share the matrix (`__tests__/e2e/faults-1.e2e.ts` … `faults-4.e2e.ts`). */
export const FAULT_MATRIX_SHARES = 4

export const FAULT_MATRIX_TEST: FaultMatrixOptions = {
  // Only the timeout cells use it: long enough that only the injected delay times out, even on a machine so
  // busy that a loopback answer takes seconds (4 s was seen to time out a retry at a load average of 14).
  timeoutSeconds: 15,
  concurrency: 2,
  // Each submit cell compiles the sample project: the read before it and the write get the faults that
  // decide their behaviour; `npx tsx scripts/fault-matrix.ts` runs the full grid for the page.
  kindsFor: {
    queryquota: ['http-502', 'expired-token'],
    submit_audit: ['system-error', 'http-502', 'timeout', 'dropped', 'expired-token']
  },
  additional: [
    { endpoint: 'get_latest_auditstatus', kind: 'system-error' },
    { endpoint: 'getgrayreleaseplan', kind: 'http-502' },
    { endpoint: 'get_latest_auditstatus', kind: 'expired-token', times: 1, tokenSource: 'token-url' }
  ]
}

const UNKNOWN_OUTCOME = new Set(['http-502', 'timeout', 'malformed', 'dropped'])

const label = (cell: PlannedCell): string =>
  `${cell.endpoint} × ${cell.kind}${cell.times > 1 ? ` ×${cell.times}` : ''}`

const isAmbiguousWrite = (cell: PlannedCell): boolean =>
  cell.grid && cell.access === 'write' && UNKNOWN_OUTCOME.has(cell.kind)
/** A 42001 where the token source hands back the rejected token: stopping is right. */
const cannotRenew = (cell: PlannedCell): boolean =>
  cell.kind === 'expired-token' && cell.tokenSource === 'token-url'
const isRecoverable = (cell: PlannedCell): boolean =>
  cell.grid && (cell.access === 'read' || !UNKNOWN_OUTCOME.has(cell.kind)) && !cannotRenew(cell)

export function describeFaultMatrixShare(share: number): void {
  const options: FaultMatrixOptions = {
    ...FAULT_MATRIX_TEST,
    shard: { index: share, count: FAULT_MATRIX_SHARES }
  }
  const planned = planFaultMatrix(options)
  let world: World | undefined
  let rows: FaultMatrixRow[] = []

  beforeAll(async () => {
    world = await startWorld({ ...FAULT_MATRIX_WORLD, extraApps: faultMatrixAppCount(options) })
    world.github.addCommit('f'.repeat(40))
    rows = await runFaultMatrix(world, options)
  }, 600_000)

  afterAll(async () => {
    await world?.close()
  })

  /** `it` for the checks that apply to some of the share's cells; each cell is checked on its own. */
  const eachCell = (
    name: string,
    applies: (cell: PlannedCell) => boolean,
    check: (row: FaultMatrixRow) => unknown,
    expected: (row: FaultMatrixRow) => unknown
  ): void => {
    if (!planned.some(applies)) return
    it(name, () => {
      const cells = rows.filter(applies)
      expect(cells.length).toBe(planned.filter(applies).length)
      expect(cells.map((row) => ({ cell: label(row), ...(check(row) as object) }))).toEqual(
        cells.map((row) => ({ cell: label(row), ...(expected(row) as object) }))
      )
    })
  }

  describe(`the fault matrix, share ${share} of ${FAULT_MATRIX_SHARES}`, () => {
    it('runs every cell of its share, and each cell reached the endpoint it is about', () => {
      expect(rows.map((row) => cellKey(row))).toEqual(planned.map((cell) => cellKey(cell)))
      // Otherwise the fault was never exercised; a cell that stopped before its endpoint shows why.
      expect(
        rows.map((row) =>
          row.requests > 0
            ? { cell: label(row), reached: true }
            : { cell: label(row), reached: false, outcome: row.outcome }
        )
      ).toEqual(rows.map((row) => ({ cell: label(row), reached: true })))
    })

    eachCell(
      'keeps every invariant in every cell',
      () => true,
      (row) => ({ violations: row.violations }),
      () => ({ violations: [] })
    )

    eachCell(
      'never carries a write out twice, and never submits twice',
      () => true,
      (row) => ({
        twice: Object.entries(row.effects).filter(([, count]) => count > 1),
        audits: Math.min(row.audits, 2)
      }),
      (row) => ({ twice: [], audits: Math.min(row.audits, 1) })
    )

    eachCell(
      'reads, refused writes and expired tokens that fail once still succeed, a write exactly once',
      isRecoverable,
      (row) => ({
        exit: row.exitCode,
        error: row.exitCode === 0 ? undefined : row.firstError,
        ...(row.access === 'write' ? { effects: row.effects[row.path] } : {})
      }),
      (row) => ({ exit: 0, error: undefined, ...(row.access === 'write' ? { effects: 1 } : {}) })
    )

    eachCell(
      'never repeats a write whose reply was lost',
      isAmbiguousWrite,
      (row) => ({ sent: row.requests }),
      () => ({ sent: 1 })
    )

    eachCell(
      'adopts the review when submit_audit carried it out but the reply was lost',
      (cell) => isAmbiguousWrite(cell) && cell.endpoint === 'submit_audit',
      (row) => ({ audits: row.audits }),
      () => ({ audits: 1 })
    )

    eachCell(
      'stops on a 42001 from token-url, which cannot give a new token, saying so',
      cannotRenew,
      (row) => ({
        exit: row.exitCode,
        says: new RegExp(row.endpoint === 'token-service' ? 'token-url' : '42001').test(row.firstError ?? ''),
        // Not repeated with the token WeChat rejected.
        sent: row.endpoint === 'token-service' ? 'the token service' : row.requests
      }),
      (row) => ({ exit: 1, says: true, sent: row.endpoint === 'token-service' ? 'the token service' : 1 })
    )

    eachCell(
      'stops a read whose fault does not go away, naming the endpoint, after 3 retries',
      (cell) => cell.times > 1,
      (row) => ({
        exit: row.exitCode,
        named: (row.firstError ?? '').includes(row.path.split('/').pop() as string),
        sent: row.requests
      }),
      () => ({ exit: 1, named: true, sent: 4 })
    )

    eachCell(
      'names the endpoint or the WeChat errcode in every failed run',
      () => true,
      (row) => ({ error: row.exitCode === 0 || row.firstError !== undefined }),
      () => ({ error: true })
    )

    it('shows the outcomes docs/fault-matrix.md documents', () => {
      const page = readFaultMatrixPage(readFileSync(FAULT_MATRIX_PAGE, 'utf8'))
      const documented = (row: FaultMatrixRow): string => {
        const text = page.outcomes.get(cellKey(row))
        return text === undefined ? 'not on the page' : outcomeClass(text)
      }
      expect(rows.map((row) => ({ cell: label(row), outcome: rowOutcomeClass(row) }))).toEqual(
        rows.map((row) => ({ cell: label(row), outcome: documented(row) }))
      )
    })
  })
}
