/**
 * The fault matrix's plan and page, without running it: the shares the e2e files run are the whole matrix,
 * each cell once; docs/fault-matrix.md has the layout scripts/fault-matrix.ts writes and shows every cell
 * the e2e matrix checks against it.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  cellKey,
  DOCUMENTED_MATRIX,
  ENDPOINTS,
  FAULT_KINDS,
  FAULT_MATRIX_PAGE,
  faultMatrixAppCount,
  firstErrorLine,
  outcomeClass,
  planFaultMatrix,
  readFaultMatrixPage,
  renderFaultMatrix,
  type FaultMatrixRow
} from '../scripts/fault-matrix.js'
import { FAULT_MATRIX_SHARES, FAULT_MATRIX_TEST } from '../test-support/fault-matrix-suite.js'

const page = readFileSync(FAULT_MATRIX_PAGE, 'utf8')

describe('the plan', () => {
  it('has every endpoint × every fault kind once, and the further cases', () => {
    const grid = planFaultMatrix(DOCUMENTED_MATRIX).filter((cell) => cell.grid)
    expect(grid.map((cell) => cellKey(cell)).sort()).toEqual(
      ENDPOINTS.flatMap((endpoint) => FAULT_KINDS.map((kind) => `${endpoint.id} × ${kind}`)).sort()
    )
    expect(planFaultMatrix(DOCUMENTED_MATRIX).filter((cell) => !cell.grid)).toHaveLength(
      DOCUMENTED_MATRIX.additional?.length ?? 0
    )
  })

  it.each([
    ['the e2e matrix', FAULT_MATRIX_TEST],
    ['the documented matrix', DOCUMENTED_MATRIX]
  ])('shares %s out into parts that are the whole, each cell with its own app', (_name, options) => {
    const whole = planFaultMatrix(options)
    const shares = Array.from({ length: FAULT_MATRIX_SHARES }, (_, index) =>
      planFaultMatrix({ ...options, shard: { index: index + 1, count: FAULT_MATRIX_SHARES } })
    )
    const together = shares.flat()
    expect(together).toHaveLength(whole.length)
    expect(new Set(together.map((cell) => `${cellKey(cell)} ${cell.appid}`))).toEqual(
      new Set(whole.map((cell) => `${cellKey(cell)} ${cell.appid}`))
    )
    expect(new Set(whole.map((cell) => cell.appid)).size).toBe(whole.length)
    expect(faultMatrixAppCount({ ...options, shard: { index: 1, count: FAULT_MATRIX_SHARES } })).toBe(
      whole.length
    )
    // Every share has work, and none more than twice the lightest's number of cells.
    const sizes = shares.map((share) => share.length)
    expect(Math.min(...sizes)).toBeGreaterThan(0)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2 * Math.min(...sizes))
  })

  it('has no share that does not exist', () => {
    expect(() => planFaultMatrix({ shard: { index: 3, count: 2 } })).toThrow(/shard 3 of 2/)
  })
})

describe('docs/fault-matrix.md', () => {
  it('has the layout scripts/fault-matrix.ts writes (regenerate it with npx tsx scripts/fault-matrix.ts)', () => {
    expect(readFaultMatrixPage(page).problems).toEqual([])
  })

  it('shows an outcome for every cell the e2e matrix checks against it', () => {
    const { outcomes } = readFaultMatrixPage(page)
    const missing = planFaultMatrix(FAULT_MATRIX_TEST)
      .map((cell) => cellKey(cell))
      .filter((key) => !outcomes.has(key))
    expect(missing).toEqual([])
  })

  it('reports a page that no longer fits the plan', () => {
    const edited = page.replace('| errcode -1 | errcode 45011 |', '| errcode -1 |')
    expect(readFaultMatrixPage(edited).problems).toEqual([expect.stringMatching(/^line \d+: expected/)])
    expect(readFaultMatrixPage(page.replace('## Further cases', '## More')).problems).toHaveLength(1)
  })
})

describe('rendering', () => {
  const row = (overrides: Partial<FaultMatrixRow>): FaultMatrixRow => ({
    ...planFaultMatrix(DOCUMENTED_MATRIX)[0]!,
    exitCode: 0,
    requests: 2,
    effects: {},
    audits: 0,
    outcome: 'retried (2 calls), succeeded',
    violations: [],
    durationMs: 1,
    ...overrides
  })

  it('renders one line per endpoint, labels the faults, and keeps loopback addresses out', () => {
    const rows = planFaultMatrix(DOCUMENTED_MATRIX).map((cell) => row({ ...cell }))
    const markdown = renderFaultMatrix(rows, DOCUMENTED_MATRIX)
    for (const endpoint of ENDPOINTS) expect(markdown).toContain(endpoint.path)
    expect(markdown).toContain('errcode 45011')
    expect(markdown).not.toMatch(/127\.0\.0\.1/)
    expect(readFaultMatrixPage(markdown).problems).toEqual([])
  })

  it('marks a broken invariant in the cell and under the table', () => {
    const markdown = renderFaultMatrix([row({ violations: ['/wxa/release carried out 2 times'] })])
    expect(markdown).toContain('**VIOLATION: /wxa/release carried out 2 times**')
    expect(markdown).toContain('1 cell(s) broke an invariant')
  })

  it('reads the outcome class of a cell, without the run-specific details', () => {
    expect(outcomeClass('retried (2 calls), succeeded (exit 0)')).toBe(
      'retried (2 calls), succeeded (exit 0)'
    )
    expect(
      outcomeClass(
        'stopped after 1 call: /wxa/release failed: no reply within 1000 ms from <api>/wxa/release (exit 1)'
      )
    ).toBe('stopped after 1 call (exit 1)')
    expect(outcomeClass('succeeded (exit 0) **VIOLATION: left processes behind: 12**')).toBe(
      'succeeded (exit 0)'
    )
  })

  it('takes the first ::error:: line of a run', () => {
    expect(firstErrorLine('x\n::error::/wxa/release failed\n::error::second')).toBe('/wxa/release failed')
    expect(firstErrorLine('::error file=a.ts,line=1::first%0Aline')).toBe('first line')
    expect(firstErrorLine('no errors')).toBeUndefined()
  })
})
