/**
 * What @actions/cache sees as @actions/core in the bundle (scripts/build.mjs aliases it): the action's log,
 * with a failing cache service reported as a warning, never as an error annotation.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import * as cacheLog from '../src/ci/cache-log.js'
import * as core from '@actions/core'
import { clearSecrets, redact, setSecretSink } from '../src/redact.js'

function stdoutOf(action: () => void): string {
  const written: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
  try {
    action()
  } finally {
    spy.mockRestore()
  }
  return written.join('')
}

afterEach(() => clearSecrets())

describe('the cache client’s @actions/core', () => {
  it('reports errors as warnings', () => {
    const out = stdoutOf(() => {
      cacheLog.error('Failed to restore: Cache service responded with 503')
      cacheLog.error(new Error('Failed to save: 500'))
    })
    expect(out).not.toMatch(/::error/)
    expect(out).toContain('::warning::Failed to restore: Cache service responded with 503')
    expect(out).toContain('::warning::Failed to save: 500')
  })

  it('masks and redacts the signatures it registers', () => {
    // As the step and the post step do at start.
    setSecretSink((value) => core.setSecret(value))
    const out = stdoutOf(() => cacheLog.setSecret('sig-abcdef0123456789'))
    setSecretSink(undefined)
    expect(out).toContain('::add-mask::sig-abcdef0123456789')
    expect(redact('https://x.blob.core.windows.net/c/b?sig=sig-abcdef0123456789')).not.toContain(
      'sig-abcdef0123456789'
    )
  })

  it('keeps the rest of @actions/core', () => {
    expect(typeof cacheLog.isDebug).toBe('function')
    expect(typeof cacheLog.getState).toBe('function')
  })
})
