import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fitJobSummary, JOB_SUMMARY_LIMIT, writeJobSummary } from '../src/github/job-summary.js'
import { cutNotice, fitText, sizeOf } from '../src/github/truncate.js'

describe('fitText', () => {
  const chars = { limit: 100, unit: 'characters' as const, notice: cutNotice(100, 'characters') }
  const bytes = { limit: 100, unit: 'bytes' as const, notice: cutNotice(100, 'bytes') }

  it('leaves a text within the limit alone', () => {
    expect(fitText('short\ntext', chars)).toBe('short\ntext')
    expect(fitText('x'.repeat(100), chars)).toBe('x'.repeat(100))
    expect(fitText('x'.repeat(100), bytes)).toBe('x'.repeat(100))
  })

  it('cuts at a line boundary and ends with the notice', () => {
    const text = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n')
    const cut = fitText(text, chars)
    expect(cut.length).toBeLessThanOrEqual(100)
    expect(cut).toBe(`line 0\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\n${chars.notice}`)
  })

  it('counts UTF-8 bytes where GitHub does: CJK text within the characters but over the bytes is cut', () => {
    const text = Array.from({ length: 10 }, () => '审核'.repeat(5)).join('\n')
    expect(text.length).toBeLessThan(200)
    expect(Buffer.byteLength(text)).toBeGreaterThan(200)
    const cut = fitText(text, { ...bytes, limit: 200, notice: cutNotice(200, 'bytes') })
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(200)
    expect(cut).toMatch(/^((审核){5}\n)+… \(cut to fit GitHub's limit of 200 bytes\)$/u)
  })

  it('cuts inside a single long line without splitting a UTF-8 sequence or a surrogate pair', () => {
    for (const unit of ['bytes', 'characters'] as const) {
      const cut = fitText('😀'.repeat(100), { limit: 80, unit, notice: 'cut' })
      expect(sizeOf(cut, unit)).toBeLessThanOrEqual(80)
      expect(cut).toMatch(/^(😀)+\ncut$/u)
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut)
    }
  })

  it('cuts inside a very long line rather than dropping it whole', () => {
    const text = `Rejected:\n${'理由'.repeat(100)}\n| table |`
    const cut = fitText(text, { ...bytes, limit: 300, notice: 'cut' })
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(300)
    expect(cut).toMatch(/^Rejected:\n(理由)+理?\ncut$/u)
    expect(cut.length).toBeGreaterThan(80)
  })

  it('keeps the given tails, and the hidden markers the cut would lose, whole', () => {
    const marker = '<!-- wechat-miniprogram-release:state {"step":2} -->'
    const text = `${'a\n'.repeat(200)}${marker}`
    const kept = fitText(text, { ...bytes, limit: 150, keepMarkers: true, keep: ['<!-- keep me -->'] })
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(150)
    expect(kept.endsWith(`${bytes.notice}\n<!-- keep me -->\n${marker}`)).toBe(true)
    // A marker still inside the kept part is not repeated.
    const early = fitText(`${marker}\n${'b\n'.repeat(200)}`, { ...bytes, limit: 150, keepMarkers: true })
    expect(early.split(marker)).toHaveLength(2)
  })

  it('returns the notice alone when nothing else fits', () => {
    expect(fitText('abcdef', { limit: 3, unit: 'bytes', notice: 'notice' })).toBe('not')
  })
})

describe('job summary', () => {
  // core.summary remembers the file of its first write, as one step has one summary file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'summary-'))
  const file = path.join(dir, 'summary.md')
  const saved = process.env.GITHUB_STEP_SUMMARY

  beforeEach(() => {
    writeFileSync(file, '')
    process.env.GITHUB_STEP_SUMMARY = file
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
    else process.env.GITHUB_STEP_SUMMARY = saved
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('appends to the step summary file', async () => {
    writeFileSync(file, '# Earlier\n')
    await writeJobSummary('| a | b |\n| - | - |')
    expect(readFileSync(file, 'utf8')).toBe('# Earlier\n| a | b |\n| - | - |\n')
  })

  it('cuts to the bytes the step has left, with a notice', async () => {
    writeFileSync(file, 'x'.repeat(JOB_SUMMARY_LIMIT - 1000))
    await writeJobSummary(Array.from({ length: 200 }, () => '表'.repeat(20)).join('\n'))
    const written = readFileSync(file)
    expect(written.length).toBeLessThanOrEqual(JOB_SUMMARY_LIMIT)
    expect(written.toString('utf8')).toContain('… (cut to fit the 1 MiB job summary limit)')
  })

  it('fits multi-byte text to a byte budget', () => {
    const text = Array.from({ length: 50 }, () => '表'.repeat(30)).join('\n')
    const fitted = fitJobSummary(text, 500)
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(500)
    expect(fitted.endsWith('… (cut to fit the 1 MiB job summary limit)')).toBe(true)
  })

  it('only logs a debug line when GITHUB_STEP_SUMMARY is unset', async () => {
    delete process.env.GITHUB_STEP_SUMMARY
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await writeJobSummary('hello')
      expect(write.mock.calls.map(([chunk]) => String(chunk)).join('')).toContain(
        '::debug::GITHUB_STEP_SUMMARY is not set'
      )
    } finally {
      write.mockRestore()
    }
  })
})
