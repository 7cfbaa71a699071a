/**
 * The README's "used by" column comes from INPUT_USAGE: every input of action.yml must say which
 * commands read it, and name only real commands.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { COMMANDS, INPUT_NAMES, INPUT_USAGE } from '../src/inputs.js'

const action = parseYaml(readFileSync(path.join(process.cwd(), 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>
}
const actionInputs = Object.keys(action.inputs)

describe('INPUT_USAGE', () => {
  it('has an entry for every input of action.yml, and no other', () => {
    expect(Object.keys(INPUT_USAGE).sort()).toEqual([...actionInputs].sort())
    expect(Object.keys(INPUT_USAGE).sort()).toEqual([...INPUT_NAMES].sort())
  })

  it.each(Object.entries(INPUT_USAGE))(
    '%s is read by at least one real command, each once',
    (_, commands) => {
      expect(commands.length).toBeGreaterThan(0)
      for (const command of commands) expect(COMMANDS).toContain(command)
      expect(new Set(commands).size).toBe(commands.length)
    }
  )
})
