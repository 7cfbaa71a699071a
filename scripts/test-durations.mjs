// Writes test-support/test-durations.json, the seconds each test file took in a measured run, from Jest's
// JSON report: `npm test -- --json --outputFile=<report> && node scripts/test-durations.mjs <report>`.
// The test sequencer (test-support/jest-sequencer.mjs) starts the slowest files first with it when Jest has
// no timings of its own yet (a fresh clone); it only orders the files, so an old figure costs a little time.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const [report] = process.argv.slice(2)
if (!report) {
  console.error('usage: node scripts/test-durations.mjs <jest --json report>')
  process.exit(2)
}
const { testResults } = JSON.parse(readFileSync(report, 'utf8'))
const durations = Object.fromEntries(
  testResults
    .map((result) => [
      path.relative(root, result.name).split(path.sep).join('/'),
      Math.round((result.endTime - result.startTime) / 100) / 10
    ])
    .sort(([a], [b]) => (a < b ? -1 : 1))
)
writeFileSync(path.join(root, 'test-support/test-durations.json'), `${JSON.stringify(durations, null, 2)}\n`)
