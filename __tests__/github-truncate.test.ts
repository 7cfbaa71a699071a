import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fitJobSummary, JOB_SUMMARY_LIMIT, writeJobSummary } from '../src/github/summary.js'
import { cutNotice, truncateForGitHub } from '../src/github/truncate.js'

describe('truncateForGitHub', () => {
  const notice = cutNotice(100)

  it('leaves a text within the limit alone', () => {
    expect(truncateForGitHub('short\ntext', 100, notice)).toBe('short\ntext')
    expect(truncateForGitHub('x'.repeat(100), 100, notice)).toBe('x'.repeat(100))
  })

  it('cuts at a line boundary and ends with the notice', () => {
    const text = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n')
    const cut = truncateForGitHub(text, 100, notice)
    expect(cut.length).toBeLessThanOrEqual(100)
    // Whole lines only: eight of them fit next to the notice.
    expect(cut).toBe(`line 0\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\n${notice}`)
  })

  it('cuts inside a single long line without splitting a surrogate pair', () => {
    const text = '😀'.repeat(100)
    const cut = truncateForGitHub(text, 80, notice)
    expect(cut.length).toBeLessThanOrEqual(80)
    expect(cut).toMatch(/^(😀)+\n…/u)
  })

  it('keeps the given tails whole', () => {
    const marker = '<!-- keep me -->'
    const cut = truncateForGitHub('a\n'.repeat(200), 100, notice, { keep: [marker] })
    expect(cut.length).toBeLessThanOrEqual(100)
    expect(cut.endsWith(`${notice}\n${marker}`)).toBe(true)
  })

  it('returns the notice alone when nothing else fits', () => {
    expect(truncateForGitHub('abcdef', 3, 'notice')).toBe('not')
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
