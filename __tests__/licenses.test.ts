/**
 * dist/licenses.txt lists the packages whose code is in the bundle: the innermost package of every module that
 * contributes bytes to an output, each once, with its license text.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// @ts-expect-error a plain ESM script without types
import { bundledPackageDirs, packageDirOf, renderLicenses } from '../scripts/licenses.mjs'

describe('licenses of the bundled packages', () => {
  it('finds the innermost package of a module path, scoped or nested', () => {
    expect(packageDirOf('node_modules/zod/v4/core/core.js')).toBe('node_modules/zod')
    expect(packageDirOf('node_modules/@actions/core/lib/core.js')).toBe('node_modules/@actions/core')
    expect(packageDirOf('node_modules/@actions/github/node_modules/@actions/http-client/lib/index.js')).toBe(
      'node_modules/@actions/github/node_modules/@actions/http-client'
    )
    expect(packageDirOf('src/main.ts')).toBeUndefined()
  })

  it('counts only modules that put bytes into an output', () => {
    const metafile = {
      outputs: {
        'dist/index.js': {
          inputs: {
            'src/main.ts': { bytesInOutput: 120 },
            'node_modules/yaml/dist/index.js': { bytesInOutput: 40 },
            'node_modules/tree-shaken/index.js': { bytesInOutput: 0 }
          }
        },
        'dist/chunks/a.js': { inputs: { 'node_modules/yaml/dist/parse.js': { bytesInOutput: 10 } } }
      }
    }
    expect(bundledPackageDirs(metafile)).toEqual(['node_modules/yaml'])
  })

  it('writes each package once, sorted, with its license text or a notice that it has none', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'licenses-'))
    const add = (dir: string, pkg: Record<string, unknown>, license?: string) => {
      mkdirSync(path.join(root, dir), { recursive: true })
      writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(pkg))
      if (license) writeFileSync(path.join(root, dir, 'LICENSE'), license)
    }
    add('node_modules/zeta', { name: 'zeta', version: '1.0.0', license: 'MIT' }, 'MIT text of zeta\r\n')
    add('node_modules/@scope/alpha', { name: '@scope/alpha', version: '2.1.0', license: 'ISC' })
    const { text, missing, count } = renderLicenses(root, [
      'node_modules/zeta',
      'node_modules/@scope/alpha',
      'node_modules/zeta'
    ])
    expect(count).toBe(2)
    expect(missing).toEqual(['@scope/alpha@2.1.0'])
    expect(text.indexOf('@scope/alpha 2.1.0')).toBeLessThan(text.indexOf('zeta 1.0.0'))
    expect(text).toContain('License: MIT\n\nMIT text of zeta\n')
    expect(text).not.toContain('\r')
  })
})
