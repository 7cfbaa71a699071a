/**
 * Reads a process's output as the GitHub runner does (actions/runner: ProcessInvoker reads lines with
 * .NET StreamReader.ReadLine — LF, CR or CRLF end a line; ActionCommandManager.TryProcessCommand tries
 * ActionCommand.TryParseV2, then TryParse, and follows `::stop-commands::<token>` … `::<token>::`).
 * Conservative where .NET compares culture-sensitively: invisible characters (which collation ignores)
 * are dropped before the comparison, so a line the runner might read as a command counts as one here.
 */

/** Commands the runner registers (src/Runner.Worker/ActionCommandManager.cs and its extensions). */
export const REGISTERED_COMMANDS = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo'
] as const

export interface RunnerCommand {
  command: string
  /** The text after the command, unescaped as the runner does (%0D, %0A, %25). */
  data: string
  line: string
}

const IGNORABLE =
  /[\p{Cc}\p{Cf}]|\u034f|\u115f|\u1160|\u17b4|\u17b5|[\u180b-\u180f]|\u3164|[\ufe00-\ufe0f]|\uffa0/gu

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function parseV2(line: string, registered: Set<string>): RunnerCommand | undefined {
  const message = line.replace(IGNORABLE, '').trimStart()
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
  if (!registered.has(command)) return undefined
  return { command, data: unescapeData(message.slice(end + 2)), line }
}

function parseV1(line: string, registered: Set<string>): RunnerCommand | undefined {
  const message = line.replace(IGNORABLE, '')
  const prefix = message.indexOf('##[')
  if (prefix < 0) return undefined
  const close = message.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = message.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
  if (!registered.has(command)) return undefined
  return { command, data: unescapeData(message.slice(close + 1)), line }
}

/** Every command the runner would act on in this output, in order (a stop counts; what it stops does not). */
export function runnerCommands(output: string): RunnerCommand[] {
  const registered = new Set<string>(REGISTERED_COMMANDS)
  let stopToken: string | undefined
  const found: RunnerCommand[] = []
  for (const line of output.split(/\r\n|\r|\n/)) {
    if (line === '') continue
    const parsed = parseV2(line, registered) ?? parseV1(line, registered)
    if (!parsed) continue
    if (stopToken !== undefined) {
      if (parsed.command === stopToken.toLowerCase()) {
        registered.delete(stopToken.toLowerCase())
        stopToken = undefined
      }
      continue
    }
    found.push(parsed)
    if (parsed.command === 'stop-commands') {
      stopToken = parsed.data
      registered.add(stopToken.toLowerCase())
    }
  }
  return found
}
