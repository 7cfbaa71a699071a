/**
 * Runs runMiniprogramCi from the sources in a process of its own (started by ci-child.ts with tsx), the
 * way the action runs it: miniprogram-ci keeps module state, workers and handles, and trusts the test CA
 * only from the start of a process. The options come as JSON in CI_RUN_OPTIONS; the run's clock is a
 * ManualClock that moves only when the parent sends `{ advance: ms }`. Every log line, the result and the
 * error go to stdout as JSON lines. No process.exit: the process has to end by itself once the run is
 * over, which shows that the compiler was ended.
 */
import { runMiniprogramCi, type CiLog, type CiRunOptions } from '../src/ci/run.js'
import { ManualClock } from './manual-clock.js'

type Options = Omit<CiRunOptions, 'log' | 'clock'>

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

const clock = new ManualClock()
process.on('message', (message: { advance?: number }) => {
  if (typeof message.advance === 'number') clock.advance(message.advance)
  emit({ advanced: clock.now() })
})
// The control channel must not keep the process alive.
process.channel?.unref()

const line =
  (level: string) =>
  (message: string): void =>
    emit({ level, message })
const log: CiLog = {
  info: line('info'),
  warning: line('warning'),
  debug: line('debug'),
  startGroup: line('group'),
  endGroup: () => emit({ level: 'endgroup', message: '' })
}

const options = JSON.parse(process.env.CI_RUN_OPTIONS ?? '{}') as Options
runMiniprogramCi({ ...options, log, clock }).then(
  (result) => emit({ result }),
  (error: unknown) => {
    const failure = error as Record<string, unknown> & { name?: unknown; message?: unknown }
    emit({
      error: {
        name: failure.name,
        message: failure.message,
        kind: failure.kind,
        code: failure.code,
        server: failure.server,
        input: failure.input
      }
    })
    process.exitCode = 1
  }
)
