/**
 * The action's one output path. Every line reaches the runner redacted, and only the action's own
 * runner commands (`::warning::`, `::group::`, `::add-mask::`, …) are commands: text from anywhere else —
 * a WeChat version, a file name miniprogram-ci echoes, a commit subject — can never start one.
 *
 * What the runner reads as a command (actions/runner, src/Runner.Common/ActionCommand.cs): a line that,
 * after its leading white space is trimmed, starts with `::` and names a registered command before the
 * next `::` (TryParseV2), or a line that contains `##[` followed by a registered command name and `]`
 * anywhere (TryParse, the older form). Lines end at LF, CR or CRLF (.NET StreamReader.ReadLine), on stdout
 * and on stderr alike. The comparison is culture-sensitive, so invisible characters (which collation
 * ignores) in front of `::` do not protect a line; they are removed from log lines.
 */
import * as core from '@actions/core'
import { StringDecoder } from 'node:string_decoder'
import { redact } from './redact.js'

export interface Log {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  startGroup(name: string): void
  endGroup(): void
  /** Marks the step failed with this message (an error annotation). */
  fail(message: string): void
  /** Asks the runner to mask a secret in the raw log (`::add-mask::`). */
  mask(value: string): void
}

/** Controls (but tab), format characters and the other default-ignorable code points. */
const INVISIBLE =
  /(?![\t])[\p{Cc}\p{Cf}]|\u034f|\u115f|\u1160|\u17b4|\u17b5|[\u180b-\u180f]|\u3164|[\ufe00-\ufe0f]|\uffa0/gu
/** `\s` in JavaScript covers .NET's char.IsWhiteSpace, which the runner trims. */
const LEADING_SPACE = /^\s*/

/**
 * One line of the log that no runner parses as a command: line breaks are written as the runner's own
 * escapes (`%0D`, `%0A`), invisible characters are removed, a leading `:` becomes `%3A`, and a `[` after
 * `##` becomes `%5B`. Text that is no command comes out unchanged.
 */
export function neutraliseCommands(text: string): string {
  let line = text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(INVISIBLE, '')
  const indent = (LEADING_SPACE.exec(line) as RegExpExecArray)[0]
  const rest = line.slice(indent.length)
  if (rest.startsWith(':')) {
    line = `${indent}%3A${rest.slice(1)}`
  } else if (/^[^\x20-\x7e]/.test(rest) && line.includes('::')) {
    // A first character the runner's culture-sensitive comparison might skip: no `::` anywhere then.
    line = line.replace(/::/g, ':%3A')
  }
  // Non-ASCII characters are ignored here as the runner's comparison might ignore them.
  if (line.replace(/[^\x20-\x7e]/g, '').includes('##[')) line = line.replace(/\[/g, '%5B')
  return line
}

/**
 * Runs `write` as the action's own runner command: what it prints is passed through verbatim by the
 * output guard. Only this module and main's outputs use it.
 */
let ownWrite = 0
export function asOwnCommand<T>(write: () => T): T {
  ownWrite++
  try {
    return write()
  } finally {
    ownWrite--
  }
}

export const log: Log = {
  info: (message) => asOwnCommand(() => core.info(neutraliseCommands(redact(message)))),
  // @actions/core escapes CR, LF and % in a command's data, so the message stays inside the command.
  warning: (message) => asOwnCommand(() => core.warning(redact(message))),
  error: (message) => asOwnCommand(() => core.error(redact(message))),
  debug: (message) => asOwnCommand(() => core.debug(redact(message))),
  startGroup: (name) => asOwnCommand(() => core.startGroup(redact(name))),
  endGroup: () => asOwnCommand(() => core.endGroup()),
  fail: (message) => asOwnCommand(() => core.setFailed(redact(message))),
  mask: (value) => asOwnCommand(() => core.setSecret(value))
}

type WriteCallback = (error?: Error | null) => void
type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean

interface GuardedStream {
  write: Write
}

const guards: Array<{ flush(): void }> = []
const MAX_PENDING = 64 * 1024

/**
 * Puts the guard on a stream (stdout, stderr): everything written to it by anyone but `log`
 * (miniprogram-ci, libraries, Node's own warnings) is redacted and neutralised line by line. A partial
 * line waits for its end, so a command cannot be assembled from several writes; it is written when the
 * action writes its own line or exits. Returns a function that takes the guard off.
 */
export function guardOutput(stream: GuardedStream): () => void {
  const original = stream.write
  const decoder = new StringDecoder('utf8')
  let pending = ''
  const emit = (text: string, callback?: WriteCallback): boolean =>
    original.call(stream, text, 'utf8', callback)
  const flush = (): void => {
    if (pending === '') return
    const line = pending
    pending = ''
    emit(`${neutraliseCommands(redact(line))}\n`)
  }
  const guarded: Write = function (this: unknown, chunk, encoding, callback) {
    const done = (typeof encoding === 'function' ? encoding : callback) as WriteCallback | undefined
    if (ownWrite > 0) {
      flush()
      return original.call(stream, chunk, encoding, callback)
    }
    const text = typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk as Uint8Array))
    const lines = (pending + text).split(/\r\n|\r|\n/)
    pending = lines.pop() ?? ''
    // A partial line without end is written once it is long, so memory stays bounded.
    if (pending.length > MAX_PENDING) {
      lines.push(pending)
      pending = ''
    }
    if (lines.length === 0) {
      if (done) process.nextTick(done)
      return true
    }
    return emit(lines.map((line) => `${neutraliseCommands(redact(line))}\n`).join(''), done)
  }
  stream.write = guarded
  const guard = { flush }
  guards.push(guard)
  return () => {
    flush()
    stream.write = original
    guards.splice(guards.indexOf(guard), 1)
  }
}

/** Guards stdout and stderr for the life of the process (the entry point calls this first). */
export function guardProcessOutput(): () => void {
  const offStdout = guardOutput(process.stdout as unknown as GuardedStream)
  const offStderr = guardOutput(process.stderr as unknown as GuardedStream)
  return () => {
    offStdout()
    offStderr()
  }
}

interface DrainableStream {
  write(chunk: string, callback: WriteCallback): boolean
  destroyed?: boolean
  writableEnded?: boolean
}

/** Resolves once everything written to the stream so far has been handed to the OS (or it failed). */
export function drain(stream: DrainableStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) {
      resolve()
      return
    }
    // Write callbacks run in order, so this one runs after every earlier write has been flushed.
    asOwnCommand(() => stream.write('', () => resolve()))
  })
}

let signalExitCode: number | undefined

/**
 * The process is ending because of a signal: whichever path ends it from now on (the signal handler or
 * the run failing because its children were ended), it exits with 128 + the signal's number.
 */
export function endingBySignal(signalNumber: number): number {
  signalExitCode ??= 128 + signalNumber
  return signalExitCode
}

/**
 * Ends the process once stdout and stderr are flushed. `process.exit()` alone drops what a slow pipe
 * has not taken yet — such as the final `::error::` line.
 */
export async function exitAfterOutput(code?: number): Promise<never> {
  for (const guard of guards) guard.flush()
  await Promise.all([drain(process.stdout), drain(process.stderr)])
  const final = signalExitCode ?? code
  // Node 20 exits with 0 for process.exit(undefined), ignoring process.exitCode; process.exit() keeps it.
  return final === undefined ? process.exit() : process.exit(final)
}
