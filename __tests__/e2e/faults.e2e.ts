/**
 * The fault matrix through the bundled action: every WeChat endpoint the action calls × system error,
 * rate limit, HTTP 502, timeout, malformed body, dropped connection and expired token, each once, plus two
 * reads whose fault does not go away. Nothing may be submitted, released, grayed or rolled back twice; a
 * write whose reply was lost is never sent again; a read or a refused write that fails once still succeeds;
 * and every failed run says which endpoint or WeChat errcode stopped it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  ENDPOINTS,
  FAULT_KINDS,
  FAULT_MATRIX_WORLD,
  faultMatrixAppCount,
  firstErrorLine,
  renderFaultMatrix,
  runFaultMatrix,
  type FaultMatrixOptions,
  type FaultMatrixRow
} from '../../scripts/fault-matrix.js'
import { startWorld, type World } from '../../test-support/world.js'

const OPTIONS: FaultMatrixOptions = {
  // Long enough that only the injected delay times out, even on a busy 2-core machine.
  timeoutSeconds: 4,
  concurrency: 2,
  // Each submit cell compiles the sample project (~7 s): the read before it and the write get the faults that
  // decide their behaviour; scripts/fault-matrix.ts runs the full grid.
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

let world: World
let rows: FaultMatrixRow[] = []

beforeAll(async () => {
  world = await startWorld({ ...FAULT_MATRIX_WORLD, extraApps: faultMatrixAppCount(OPTIONS) })
  world.github.addCommit('f'.repeat(40))
  rows = await runFaultMatrix(world, OPTIONS)
}, 300_000)

afterAll(async () => {
  await world?.close()
})

const single = (): FaultMatrixRow[] => rows.filter((row) => row.grid)
const label = (row: FaultMatrixRow): string =>
  `${row.endpoint} × ${row.kind}${row.times > 1 ? ` ×${row.times}` : ''}`

describe('the fault matrix', () => {
  it('covers every endpoint × every fault kind, and the further cases', () => {
    const kindsOf = (id: (typeof ENDPOINTS)[number]['id']) => OPTIONS.kindsFor?.[id] ?? FAULT_KINDS
    const expected = ENDPOINTS.reduce((sum, endpoint) => sum + kindsOf(endpoint.id).length, 0)
    expect(single()).toHaveLength(expected)
    for (const endpoint of ENDPOINTS) {
      for (const kind of kindsOf(endpoint.id)) {
        expect(single().filter((row) => row.endpoint === endpoint.id && row.kind === kind)).toHaveLength(1)
      }
    }
    expect(rows.filter((row) => !row.grid)).toHaveLength(3)
    // Each cell reached the endpoint it is about (otherwise the fault was never exercised).
    for (const row of rows)
      expect({ cell: label(row), reached: row.requests > 0 }).toEqual({ cell: label(row), reached: true })
  })

  it('keeps every invariant in every cell', () => {
    const broken = rows
      .filter((row) => row.violations.length > 0)
      .map((row) => `${label(row)}: ${row.violations.join('; ')}`)
    expect(broken).toEqual([])
  })

  it('never carries a write out twice, and never submits twice', () => {
    for (const row of rows) {
      const twice = Object.entries(row.effects).filter(([, count]) => count > 1)
      expect({ cell: label(row), twice, audits: Math.min(row.audits, 2) }).toEqual({
        cell: label(row),
        twice: [],
        audits: Math.min(row.audits, 1)
      })
    }
  })

  it('reads, refused writes and expired tokens that fail once still succeed', () => {
    // A token service answering 42001 itself has no token to give: that cell is checked with the further cases.
    const recoverable = single().filter(
      (row) =>
        (row.access === 'read' || !UNKNOWN_OUTCOME.has(row.kind)) &&
        !(row.kind === 'expired-token' && row.tokenSource === 'token-url')
    )
    const failed = recoverable
      .filter((row) => row.exitCode !== 0)
      .map((row) => `${label(row)}: exit ${row.exitCode}: ${row.firstError ?? ''}`)
    expect(failed).toEqual([])
    // The write happened exactly once where it succeeded after a refused or token-rejected attempt.
    for (const row of recoverable.filter((candidate) => candidate.access === 'write')) {
      expect({ cell: label(row), effects: row.effects[row.path] }).toEqual({ cell: label(row), effects: 1 })
    }
  })

  it('never repeats a write whose reply was lost', () => {
    const ambiguous = single().filter((row) => row.access === 'write' && UNKNOWN_OUTCOME.has(row.kind))
    expect(ambiguous.length).toBeGreaterThan(0)
    for (const row of ambiguous) {
      expect({ cell: label(row), sent: row.requests }).toEqual({ cell: label(row), sent: 1 })
    }
  })

  it('adopts the review when submit_audit carried it out but the reply was lost', () => {
    const submits = single().filter((row) => row.endpoint === 'submit_audit' && UNKNOWN_OUTCOME.has(row.kind))
    for (const row of submits) {
      expect({ cell: label(row), audits: row.audits }).toEqual({ cell: label(row), audits: 1 })
    }
  })

  it('stops on a 42001 when token-url cannot give a new token, saying so', () => {
    const fromService = single().find(
      (row) => row.endpoint === 'token-service' && row.kind === 'expired-token'
    )
    expect(fromService?.exitCode).toBe(1)
    expect(fromService?.firstError ?? '').toMatch(/token-url/)
    const row = rows.find(
      (candidate) =>
        candidate.kind === 'expired-token' && candidate.tokenSource === 'token-url' && !candidate.grid
    )
    expect(row?.exitCode).toBe(1)
    expect(row?.firstError ?? '').toMatch(/42001/)
    // Not repeated with the token WeChat rejected.
    expect(row?.requests).toBe(1)
  })

  it('stops a read whose fault does not go away, naming the endpoint', () => {
    for (const row of rows.filter((candidate) => candidate.times > 1)) {
      expect(row.exitCode).toBe(1)
      expect(row.firstError ?? '').toContain(row.path.split('/').pop() as string)
      // Retries are bounded: the first attempt and 3 retries.
      expect(row.requests).toBe(4)
    }
  })

  it('names the endpoint or the WeChat errcode in every failed run', () => {
    for (const row of rows.filter((candidate) => candidate.exitCode !== 0)) {
      expect({ cell: label(row), error: row.firstError !== undefined }).toEqual({
        cell: label(row),
        error: true
      })
    }
    expect(firstErrorLine('x\n::error::/wxa/release failed\n::error::second')).toBe('/wxa/release failed')
  })

  it('renders the table with one line per endpoint', () => {
    const markdown = renderFaultMatrix(rows, OPTIONS)
    for (const endpoint of ENDPOINTS) expect(markdown).toContain(endpoint.path)
    expect(markdown).toContain('errcode 45011')
    expect(markdown).not.toMatch(/127\.0\.0\.1/)
  })
})
