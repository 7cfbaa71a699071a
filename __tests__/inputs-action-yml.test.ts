// One source of truth: the input schemas of src/inputs.ts and the inputs of action.yml agree on names,
// defaults and which inputs are required.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { INPUT_FIELDS, INPUT_NAMES, REMOVED_INPUTS, readInputs } from '../src/inputs.js'
import { repoRoot } from '../test-support/run-action.js'

interface ActionInput {
  description?: string
  default?: string
  required?: boolean
}

const action = parseYaml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, ActionInput>
}
const declared = Object.entries(action.inputs)

describe('src/inputs.ts against action.yml', () => {
  it('has a schema for every input of action.yml and no other', () => {
    expect([...INPUT_NAMES].sort()).toEqual(declared.map(([name]) => name).sort())
  })

  it('lists no removed input in action.yml', () => {
    for (const name of Object.keys(REMOVED_INPUTS)) expect(action.inputs[name]).toBeUndefined()
  })

  it.each(declared.filter(([, spec]) => spec.default !== undefined && !String(spec.default).includes('${{')))(
    'applies the default of %s that action.yml declares',
    (name, spec) => {
      const schema = INPUT_FIELDS[name as keyof typeof INPUT_FIELDS]
      expect(schema.parse(undefined)).toEqual(schema.parse(String(spec.default)))
    }
  )

  it('requires exactly the inputs action.yml marks required', () => {
    const required = declared.filter(([, spec]) => spec.required === true).map(([name]) => name)
    expect(required).toEqual(['command'])
    for (const name of INPUT_NAMES) {
      const result = INPUT_FIELDS[name].safeParse(undefined)
      expect([name, result.success]).toEqual([name, !required.includes(name)])
    }
    expect(() => readInputs(() => '')).toThrow(/Input "command": is required/)
  })
})
