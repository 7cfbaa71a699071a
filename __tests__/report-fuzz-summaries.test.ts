/** The fuzz of test-support/report-fuzz.ts: 1,000 hostile strings through the job summaries and the preview comment. */
import { SUMMARY_RENDERERS, fuzzEach } from '../test-support/report-fuzz.js'

fuzzEach(SUMMARY_RENDERERS)
