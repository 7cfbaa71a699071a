/**
 * The preview's package-size report: WeChat's limits, budgets, the change against the base branch's last
 * preview, the record kept on the QR side branch, and the inputs that configure it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { sizeBranches } from '../src/commands/build.js'
import type { RunContext } from '../src/context.js'
import { createGitHubClient } from '../src/github/client.js'
import { readInputs, type InputName } from '../src/inputs.js'
import {
  DEFAULT_SIZE_POLICY,
  MIB,
  describeExceeded,
  evaluateSizes,
  formatDelta,
  parseSize,
  parseSizeBudget,
  parseSizeRecord,
  renderSizeReport,
  serializeSizeRecord,
  sizeRecordPath,
  type PackageSizes,
  type SizePolicy
} from '../src/report/package-size.js'
import { liveMarkup, referencesIn, visibleText } from '../test-support/markdown-inert.js'
import { renderPreviewComment } from '../src/report/preview.js'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'

const KIB = 1024
const COMMIT = 'c0ffee1'.padEnd(40, '0')

const sizes: PackageSizes = {
  total: 1_500 * KIB,
  main: 1_200 * KIB,
  subpackages: [{ name: 'packageOrder', size: 300 * KIB }],
  plugins: []
}

function policy(patch: Partial<SizePolicy> = {}): SizePolicy {
  return { ...DEFAULT_SIZE_POLICY, ...patch }
}

describe('sizes and budgets as written in inputs', () => {
  it.each([
    ['2097152', 2 * MIB],
    ['1.5MB', 1.5 * MIB],
    ['800 KB', 800 * KIB],
    ['2 MiB', 2 * MIB],
    ['512b', 512]
  ])('reads %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it('refuses a size without a known unit', () => {
    expect(() => parseSize('2 GB')).toThrow('"2 GB" is not a size such as 1.5MB, 800KB or 2097152 (bytes)')
  })

  it('reads a percentage, absolute budgets per kind, or both', () => {
    expect(parseSizeBudget(undefined)).toEqual({ percent: 90, budgets: {} })
    expect(parseSizeBudget('80%')).toEqual({ percent: 80, budgets: {} })
    expect(parseSizeBudget('main=1.5MB, subpackages: 1MB\ntotal=15MB')).toEqual({
      percent: 90,
      budgets: { main: 1.5 * MIB, subpackage: MIB, total: 15 * MIB }
    })
    expect(parseSizeBudget('75%, main=1.8MB')).toEqual({
      percent: 75,
      budgets: { main: Math.round(1.8 * MIB) }
    })
  })

  it.each([
    ['0%', '0% is not a percentage from 1 to 100'],
    ['150%', '150% is not a percentage from 1 to 100'],
    ['80%, 90%', 'gives a percentage twice'],
    ['main=1MB, main=2MB', 'gives the main budget twice'],
    ['vendor=1MB', '"vendor=1MB" is neither a percentage'],
    ['main=big', '"big" is not a size']
  ])('refuses %s', (text, message) => {
    expect(() => parseSizeBudget(text)).toThrow(message)
  })

  it('names the input and the rule when an input is wrong', () => {
    const read = (values: Partial<Record<InputName, string>>) =>
      readInputs((name) => values[name as InputName] ?? '')
    expect(read({ command: 'preview' }).packageSizePolicy).toEqual({
      totalLimit: 20 * MIB,
      percent: 90,
      budgets: {},
      action: 'warn'
    })
    expect(
      read({
        command: 'preview',
        'package-size-budget': 'main=1.8MB',
        'package-size-budget-action': 'fail',
        'package-size-total-limit': '30MB'
      }).packageSizePolicy
    ).toEqual({ totalLimit: 30 * MIB, percent: 90, budgets: { main: Math.round(1.8 * MIB) }, action: 'fail' })
    expect(() => read({ command: 'preview', 'package-size-budget': '95' })).toThrow(
      'Input "package-size-budget": "95" is neither a percentage'
    )
    expect(() => read({ command: 'preview', 'package-size-total-limit': 'lots' })).toThrow(
      'Input "package-size-total-limit": "lots" is not a size'
    )
    expect(() => read({ command: 'preview', 'package-size-budget-action': 'error' })).toThrow(
      'Input "package-size-budget-action": must be one of warn, fail, got "error"'
    )
  })
})

describe('judging the sizes', () => {
  it('is within budget below 90 % of each limit', () => {
    const report = evaluateSizes(sizes)
    expect(report.status).toBe('ok')
    expect(report.rows.map((row) => [row.kind, row.status, row.limit, row.budget])).toEqual([
      ['main', 'ok', 2 * MIB, Math.floor(2 * MIB * 0.9)],
      ['subpackage', 'ok', 2 * MIB, Math.floor(2 * MIB * 0.9)],
      ['total', 'ok', 20 * MIB, Math.floor(20 * MIB * 0.9)]
    ])
  })

  it('is over budget above 90 % and over the limit above 2 MB', () => {
    const big = { ...sizes, main: 1.9 * MIB, subpackages: [{ name: 'huge', size: 2 * MIB + 1 }] }
    const report = evaluateSizes(big)
    expect(report.status).toBe('over-limit')
    expect(report.exceeded.map((row) => [row.kind, row.status])).toEqual([
      ['main', 'over-budget'],
      ['subpackage', 'over-limit']
    ])
    expect(describeExceeded(report)).toEqual([
      "The main package is 1.90 MB, over its budget of 1.80 MB (WeChat's limit is 2.00 MB).",
      'Subpackage "huge" is 2.00 MB, over WeChat\'s limit of 2.00 MB; WeChat refuses such an upload.'
    ])
  })

  it('uses absolute budgets and the configured total limit', () => {
    const report = evaluateSizes(sizes, policy({ budgets: { main: MIB, total: MIB }, totalLimit: 30 * MIB }))
    expect(report.rows.find((row) => row.kind === 'total')).toMatchObject({
      limit: 30 * MIB,
      budget: MIB,
      status: 'over-budget'
    })
    expect(report.rows.find((row) => row.kind === 'main')).toMatchObject({
      budget: MIB,
      status: 'over-budget'
    })
  })

  it('compares with the base: changed, new and removed subpackages', () => {
    const baseline = {
      branch: 'main',
      commit: COMMIT,
      sizes: {
        total: 1_400 * KIB,
        main: 1_200 * KIB,
        subpackages: [
          { name: 'packageOrder', size: 200 * KIB },
          { name: 'packageOld', size: 20 * KIB }
        ]
      }
    }
    const current = { ...sizes, subpackages: [...sizes.subpackages, { name: 'packageNew', size: 10 * KIB }] }
    const table = renderSizeReport(evaluateSizes(current, DEFAULT_SIZE_POLICY, { branch: 'main', baseline }))
    expect(table).toContain('| Package | Size | Change | Budget | WeChat limit | Used |')
    expect(table).toContain('| Main package | 1.17 MB | ±0 B | 1.80 MB | 2.00 MB | ✅ 59 % |')
    expect(table).toContain(
      '| Subpackage <code>packageOrder</code> | 300.0 KB | +100.0 KB | 1.80 MB | 2.00 MB | ✅ 15 % |'
    )
    expect(table).toContain('| Subpackage <code>packageNew</code> | 10.0 KB | new |')
    expect(table).toContain('| Subpackage <code>packageOld</code> | – | removed (−20.0 KB) | – | – | – |')
    expect(table).toContain('| **Total** | 1.46 MB | +100.0 KB | 18.00 MB | 20.00 MB | ✅ 7 % |')
    expect(table).toContain('Change: against the last preview of `main` (commit `c0ffee1`).')
  })

  it('says when the base has no recorded preview', () => {
    const table = renderSizeReport(evaluateSizes(sizes, DEFAULT_SIZE_POLICY, { branch: 'main' }))
    expect(table).not.toContain('| Change |')
    expect(table).toContain('No earlier preview of `main` is recorded to compare with')
    expect(table).toContain(
      "Budget: 90 % of WeChat's limit otherwise (package-size-budget); going over it warns (package-size-budget-action)."
    )
  })

  it('renders hostile subpackage and branch names inert', () => {
    const hostile = 'a`b``|<img src=x>@alice\\'
    const report = evaluateSizes(
      { total: 1, main: 1, subpackages: [{ name: hostile, size: 1 }] },
      DEFAULT_SIZE_POLICY,
      { branch: '`x` | @bob' }
    )
    const table = renderSizeReport(report)
    const benign = renderSizeReport(
      evaluateSizes({ total: 1, main: 1, subpackages: [{ name: 'a', size: 1 }] }, DEFAULT_SIZE_POLICY, {
        branch: 'x'
      })
    )
    // The same table cells and the same markup as for plain names; no mention, no HTML image.
    expect(liveMarkup(table)).toEqual(liveMarkup(benign))
    expect(referencesIn(visibleText(table))).toEqual([])
    expect(visibleText(table).replace(/\u200b/g, '')).toContain(hostile)
  })

  it('keeps the columns the PR comment had before', () => {
    const body = renderPreviewComment({
      sizes,
      commit: COMMIT,
      runUrl: 'https://github.com/o/r/actions/runs/1'
    })
    expect(body).toContain('| **Total** | 1.46 MB |')
    expect(body).toContain('| Subpackage <code>packageOrder</code> | 300.0 KB |')
  })

  it('formats changes with a sign', () => {
    expect([formatDelta(0), formatDelta(2048), formatDelta(-512)]).toEqual(['±0 B', '+2.0 KB', '−512 B'])
  })
})

describe('the record of a preview', () => {
  it('round-trips, and is the same bytes for the same commit and sizes', () => {
    const text = serializeSizeRecord('wxd000000000000001', 'main', COMMIT, sizes)
    expect(serializeSizeRecord('wxd000000000000001', 'main', COMMIT, sizes)).toBe(text)
    expect(parseSizeRecord(text, 'main')).toEqual({
      branch: 'main',
      commit: COMMIT,
      sizes: { total: sizes.total, main: sizes.main, subpackages: sizes.subpackages }
    })
  })

  it('refuses a record of another branch, or anything the action would not write', () => {
    const text = serializeSizeRecord('wxd000000000000001', 'main', COMMIT, sizes)
    expect(parseSizeRecord(text, 'develop')).toBeUndefined()
    expect(parseSizeRecord('not json', 'main')).toBeUndefined()
    expect(
      parseSizeRecord(JSON.stringify({ ...JSON.parse(text), commit: 'javascript:alert(1)' }), 'main')
    ).toBeUndefined()
    expect(
      parseSizeRecord(JSON.stringify({ ...JSON.parse(text), sizes: { main: -1, subpackages: [] } }), 'main')
    ).toBeUndefined()
    expect(parseSizeRecord(' '.repeat(300_000), 'main')).toBeUndefined()
  })

  it('keeps each branch in its own safe file', () => {
    const paths = ['feature/x', 'feature_x', '../../etc', 'main'].map((branch) =>
      sizeRecordPath('wxd000000000000001', branch)
    )
    expect(new Set(paths).size).toBe(4)
    for (const path of paths)
      expect(path).toMatch(/^previews\/sizes\/wxd000000000000001-[0-9a-f]{8}\/[\w.-]+\.json$/)
    expect(paths[2]).not.toContain('..')
  })

  it('compares a pull request with its base and records its own branch only from this repository', () => {
    const context = (patch: Partial<RunContext>): RunContext =>
      ({ ref: 'refs/pull/7/merge', ...patch }) as RunContext
    expect(
      sizeBranches(context({ pullRequest: { baseRef: 'main', headRef: 'feat', sameRepository: true } }))
    ).toEqual({
      base: 'main',
      record: 'feat'
    })
    expect(
      sizeBranches(context({ pullRequest: { baseRef: 'main', headRef: 'main', sameRepository: false } }))
    ).toEqual({
      base: 'main'
    })
    expect(sizeBranches(context({ ref: 'refs/heads/main' }))).toEqual({ base: 'main', record: 'main' })
    expect(sizeBranches(context({ ref: 'refs/tags/v1.2.3' }))).toEqual({})
  })
})

describe('reading a file back from the side branch', () => {
  let github: FakeGitHub
  beforeAll(async () => {
    github = await startFakeGitHub({ owner: 'octo', repo: 'shop' })
  })
  afterAll(async () => {
    await github.close()
  })

  it('gives the content, or undefined when the branch or the file does not exist', async () => {
    const client = createGitHubClient({
      token: 'ghs_fake_token_0000',
      apiUrl: github.url,
      owner: 'octo',
      repo: 'shop'
    })
    expect(await client.getFile({ branch: 'wechat-qrcodes', path: 'previews/sizes/a.json' })).toBeUndefined()
    await client.putFile({
      branch: 'wechat-qrcodes',
      path: 'previews/sizes/a.json',
      content: Buffer.from('{"a":1}'),
      message: 'sizes'
    })
    expect(
      (await client.getFile({ branch: 'wechat-qrcodes', path: 'previews/sizes/a.json' }))?.toString()
    ).toBe('{"a":1}')
    expect(await client.getFile({ branch: 'wechat-qrcodes', path: 'previews/sizes/b.json' })).toBeUndefined()
  })
})
