/** The fuzz of test-support/report-fuzz.ts: 1,000 hostile strings through the release dashboard's body, notifications and replies. */
import { DASHBOARD_RENDERERS, fuzzEach } from '../test-support/report-fuzz.js'

fuzzEach(DASHBOARD_RENDERERS)
