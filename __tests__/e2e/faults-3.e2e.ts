// Share 3 of the fault matrix (see test-support/fault-matrix-suite.ts); the shares run in parallel.
import { describeFaultMatrixShare } from '../../test-support/fault-matrix-suite.js'

describeFaultMatrixShare(3)
