/**
 * The fuzz of test-support/report-fuzz.ts, first part: the corpus itself, the checks' own sight, and the
 * helpers of src/report/markdown.ts in every context a renderer puts them.
 */
import { describe, expect, it } from '@jest/globals'
import { hostileStrings } from '../test-support/hostile-text.js'
import { HELPERS, HOSTILE, check, fuzzEach } from '../test-support/report-fuzz.js'

describe('1,000 hostile strings', () => {
  it('are 1,000 different strings, the same on every run', () => {
    expect(new Set(HOSTILE).size).toBe(1000)
    expect(hostileStrings(1000)).toEqual(HOSTILE)
  })

  it('the checks find what raw text makes live (they are not blind)', () => {
    const sample = HOSTILE.slice(0, 200)
    const raw = check({ name: 'raw text', render: (text) => `| a |\n| --- |\n| ${text} |` }, sample)
    const problems = raw.map((finding) => finding.problem.split(' ')[0])
    for (const kind of ['markup', 'references:', 'a']) expect(problems).toContain(kind)
    expect(new Set(raw.map((finding) => finding.index)).size).toBeGreaterThan(150)
  })
})

fuzzEach(HELPERS)
