/** The fuzz of test-support/report-fuzz.ts: 1,000 hostile strings through check runs and the released-in comment on a pull request. */
import { CHECK_RENDERERS, fuzzEach } from '../test-support/report-fuzz.js'

fuzzEach(CHECK_RENDERERS)
