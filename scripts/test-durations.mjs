// Writes test-support/test-durations.json, the seconds each test file took in a measured run, from Jest's
// JSON report, written outside the repository (the tests fail a run that leaves files in it):
// `npm test -- --json --outputFile=/tmp/report.json && node scripts/test-durations.mjs /tmp/report.json`.
// The test sequencer (test-support/jest-sequencer.mjs) starts the slowest files first with it when Jest has
// no timings of its own yet (a fresh clone); it only orders the files, so an old figure costs a little time.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const [report] = process.argv.slice(2)
if (!report) {
  console.error('usage: node scripts/test-durations.mjs <jest --json report>')
  process.exit(2)
}
const file = path.join(root, 'test-support/test-durations.json')
const { testResults } = JSON.parse(readFileSync(report, 'utf8'))
// A report of some files (one tier, one file) updates those and keeps the others' figures; files that no
// longer exist are dropped.
const durations = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
for (const result of testResults) {
  // From the test folder on, so a report made in another clone of the repository serves as well.
  const name = result.name.split(path.sep).join('/')
  const at = name.lastIndexOf('/__tests__/')
  if (at < 0) continue
  durations[name.slice(at + 1)] = Math.round((result.endTime - result.startTime) / 100) / 10
}
const kept = Object.entries(durations)
  .filter(([relative]) => existsSync(path.join(root, relative)))
  .sort(([a], [b]) => (a < b ? -1 : 1))
writeFileSync(file, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`)
