/**
 * The log's one output path: the runner reads no command in anything the action did not issue itself,
 * and the process does not end before its output has left it. Output is parsed as the runner parses it
 * (test-support/runner-commands.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { asOwnCommand, drain, guardOutput, log, neutraliseCommands } from '../src/log.js'
import { clearSecrets, registerSecret } from '../src/redact.js'
import { repoRoot } from '../test-support/run-action.js'
import { runnerCommands } from '../test-support/runner-commands.js'

/** Lines the runner reads as commands (and one it might, were its comparison to skip the accent). */
const HOSTILE_LINES: Array<[string, string]> = [
  ['a command', '::error::x'],
  ['an output', '::set-output name=a::b'],
  ['a command after spaces', '   ::warning::x'],
  ['a command after a tab', '\t::add-mask::x'],
  ['a command after a no-break space', '\u00a0::error::x'],
  ['a command after an ideographic space', '\u3000::error::x'],
  ['a command after a zero-width space', '\u200b::error::x'],
  ['a command after a soft hyphen', '\u00ad::error::x'],
  ['a command after a byte order mark', '\ufeff::error::x'],
  ['colons split by an invisible character', ':\u200b:error::x'],
  ['a stop of command processing', '::stop-commands::token'],
  ['an old-style command', '##[error]x'],
  ['an old-style command inside a line', 'file name ##[set-output name=a;]b'],
  ['an old-style command split by an invisible character', '#\u200b#[error]x']
]

describe('neutraliseCommands', () => {
  it.each(HOSTILE_LINES)('leaves no command in %s', (_name, line) => {
    expect(runnerCommands(line)).toHaveLength(1)
    expect(runnerCommands(neutraliseCommands(line))).toEqual([])
  })

  it('guards a line that starts with a character the runner’s comparison might skip', () => {
    expect(neutraliseCommands('\u0301::error::x')).toBe('\u0301:%3Aerror:%3Ax')
  })

  it('writes every line break as the runner escape, so a message stays one line', () => {
    const text = 'version 1.0\n::error::x\r::set-output name=a::b\r\n##[error]y'
    const line = neutraliseCommands(text)
    expect(line).toBe('version 1.0%0A::error::x%0D::set-output name=a::b%0D%0A##%5Berror]y')
    expect(line.split(/\r|\n/)).toHaveLength(1)
    expect(runnerCommands(line)).toEqual([])
  })

  it('leaves ordinary text as it is', () => {
    const text =
      'Uploaded 1.2.3 of wxa000000000000001: 50% done, see https://example.com/a?b=c#d [info] 构建 npm'
    expect(neutraliseCommands(text)).toBe(text)
  })

  it('marks a leading colon as escaped, visibly', () => {
    expect(neutraliseCommands('  ::error::x')).toBe('  %3A:error::x')
  })
})

describe('log', () => {
  let written: string
  let restore: () => void

  beforeEach(() => {
    written = ''
    const original = process.stdout.write
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written += chunk.toString()
      return true
    }) as typeof process.stdout.write
    restore = () => {
      process.stdout.write = original
    }
  })

  afterEach(() => {
    restore()
    clearSecrets()
  })

  const hostile = 'WeChat says 1.0.0\n::error::x\n::set-output name=a::b\r##[warning]y'

  it('info: no command in any line', () => {
    log.info(hostile)
    expect(runnerCommands(written)).toEqual([])
    expect(written.trimEnd().split(/\r|\n/)).toHaveLength(1)
  })

  it.each(['warning', 'error', 'debug'] as const)('%s: one command that carries the whole text', (level) => {
    log[level](hostile)
    expect(runnerCommands(written)).toEqual([expect.objectContaining({ command: level, data: hostile })])
  })

  it('groups: the name stays inside the group command', () => {
    log.startGroup(hostile)
    log.endGroup()
    expect(runnerCommands(written).map((command) => command.command)).toEqual(['group', 'endgroup'])
  })

  it('fail: one error annotation with the redacted message, and a failed step', () => {
    registerSecret('s3cr3t-value')
    const before = process.exitCode
    log.fail(`${hostile} s3cr3t-value`)
    process.exitCode = before
    expect(runnerCommands(written)).toEqual([
      expect.objectContaining({ command: 'error', data: `${hostile} ***` })
    ])
  })

  it('redacts before anything is written', () => {
    registerSecret('another-secret')
    log.info('token another-secret in ::error::another-secret')
    expect(written).not.toContain('another-secret')
  })
})

describe('guardOutput', () => {
  function fakeStream() {
    const stream = {
      text: '',
      write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
        stream.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString()
        const done = typeof encoding === 'function' ? encoding : callback
        if (typeof done === 'function') process.nextTick(done as () => void)
        return true
      }
    }
    return stream
  }

  afterEach(() => clearSecrets())

  it('neutralises what others write, line by line, even a command written in pieces', () => {
    const stream = fakeStream()
    const off = guardOutput(stream)
    stream.write('[info] ignoring files: a.js\n::error::x\n')
    stream.write(' ')
    stream.write(':')
    stream.write(Buffer.from(':set-output name=a::b\n##'))
    stream.write('[error]y\r\n')
    off()
    expect(runnerCommands(stream.text)).toEqual([])
    expect(stream.text.split('\n')[0]).toBe('[info] ignoring files: a.js')
  })

  it('passes the action’s own commands through, after any partial line of others', () => {
    const stream = fakeStream()
    const off = guardOutput(stream)
    stream.write('::error::half')
    asOwnCommand(() => stream.write('::warning::own\n'))
    off()
    expect(runnerCommands(stream.text)).toEqual([
      expect.objectContaining({ command: 'warning', data: 'own' })
    ])
    expect(stream.text).toBe('%3A:error::half\n::warning::own\n')
  })

  it('keeps a character split across two writes whole', () => {
    const stream = fakeStream()
    const off = guardOutput(stream)
    const bytes = Buffer.from('构建\n')
    stream.write(bytes.subarray(0, 2))
    stream.write(bytes.subarray(2))
    off()
    expect(stream.text).toBe('构建\n')
  })

  it('redacts secrets in what others write', () => {
    registerSecret('third-party-secret')
    const stream = fakeStream()
    const off = guardOutput(stream)
    stream.write('proxy https://user:third-party-secret@proxy\n')
    off()
    expect(stream.text).not.toContain('third-party-secret')
  })

  it('calls the writer back even when the line is held', async () => {
    const stream = fakeStream()
    const off = guardOutput(stream)
    await new Promise<void>((resolve) => stream.write('partial', () => resolve()))
    off()
    expect(stream.text).toBe('partial\n')
  })
})

describe('drain and exit', () => {
  it('drain waits for writes the stream has not finished', async () => {
    const callbacks: Array<() => void> = []
    const stream = {
      write(_chunk: string, callback: () => void) {
        callbacks.push(callback)
        return false
      }
    }
    let drained = false
    const waiting = drain(stream).then(() => (drained = true))
    await Promise.resolve()
    expect(drained).toBe(false)
    callbacks.forEach((callback) => callback())
    await waiting
    expect(drained).toBe(true)
  })

  /**
   * The child writes 2 MiB while nobody reads its stdout, fails, and exits. The reader starts only when
   * the child says it is exiting (or has exited), so whatever the child had not flushed by then is lost
   * unless it waits for its output to drain.
   */
  async function runChild(mode: 'drain' | 'bare'): Promise<{ stdout: string; code: number | null }> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test-support/exit-after-output-child.ts'), mode],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    child.stdout.pause()
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => (stdout += chunk))
    const startReading = () => child.stdout.resume()
    child.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('exiting')) startReading()
    })
    child.on('exit', startReading)
    const code = await new Promise<number | null>((resolve) =>
      child.on('close', (exitCode) => resolve(exitCode))
    )
    return { stdout, code }
  }

  it('a failing run exits only after its last line reached a slow reader', async () => {
    const { stdout, code } = await runChild('drain')
    expect(code).toBe(1)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2049)
    expect(lines.at(-1)).toBe('::error::the final line')
  }, 60_000)

  it('a bare process.exit() loses it (what the drain prevents)', async () => {
    const { stdout } = await runChild('bare')
    expect(stdout).not.toContain('::error::the final line')
  }, 60_000)
})
