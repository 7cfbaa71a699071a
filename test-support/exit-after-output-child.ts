/**
 * A process that writes far more than a pipe holds, then fails and exits as the action does
 * (`log.fail`, then `exitAfterOutput`), or with a bare `process.exit()` when told `bare`. It tells its
 * parent on stderr when it is about to exit, so the parent can start reading only then.
 */
import { exitAfterOutput, guardProcessOutput, log } from '../src/log.js'

guardProcessOutput()
const block = `${'x'.repeat(1023)}\n`
for (let i = 0; i < 2048; i++) log.info(block.trimEnd())
log.fail('the final line')
process.stderr.write('exiting\n')
if (process.argv[2] === 'bare') process.exit()
await exitAfterOutput()
