// Jest's own order (files that failed last time first, then the slowest by the timings Jest remembers),
// with the durations of a measured run (test-durations.json, scripts/test-durations.mjs) for the files
// Jest has no timing of: on a fresh clone Jest would otherwise order by file size, and the fuzz and the
// Actions cache round trips, which are small files, would start last and leave the other cores idle.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import TestSequencer from '@jest/test-sequencer'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const measured = JSON.parse(readFileSync(path.join(here, 'test-durations.json'), 'utf8'))

export default class SlowestFirst extends TestSequencer.default {
  time(test) {
    const remembered = super.time(test)
    if (remembered != null) return remembered
    const seconds = measured[path.relative(root, test.path).split(path.sep).join('/')]
    return seconds == null ? undefined : seconds * 1000
  }
}
