/**
 * A tool-cache folder or a restored cache entry is loaded only when it is exactly the shipped lockfile's
 * tree: no marker file, record or folder name stands in for that.
 */
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { verifyInstall } from '../src/ci/verify-install.js'
import { samplePackages, writeInstall, type LockedPackages } from '../test-support/install-trees.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'ci-verify-install-test-'))
let dir: string
let packages: LockedPackages
let caseNumber = 0
const OTHER_PLATFORM = ['node_modules/@swc/core-darwin-arm64']

function lockfile(entries: LockedPackages = packages): unknown {
  return { lockfileVersion: 3, packages: { '': { name: 'tool' }, ...entries } }
}

function recorded(): { packages: Record<string, Record<string, unknown>> } {
  return JSON.parse(readFileSync(path.join(dir, 'node_modules/.package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown>>
  }
}

function rewriteRecord(
  change: (record: { packages: Record<string, Record<string, unknown>> }) => void
): void {
  const record = recorded()
  change(record)
  writeFileSync(path.join(dir, 'node_modules/.package-lock.json'), JSON.stringify(record))
}

beforeEach(() => {
  caseNumber += 1
  dir = path.join(root, `case-${caseNumber}`)
  packages = samplePackages('2.1.42')
  writeInstall(dir, packages, { skip: OTHER_PLATFORM })
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('verifyInstall', () => {
  it('accepts the tree npm ci leaves, without the optional packages of other platforms', () => {
    expect(verifyInstall(dir, lockfile())).toEqual({ ok: true, packages: 5 })
  })

  it('accepts an aliased package whose folder name differs from its name', () => {
    packages['node_modules/string-width-cjs'] = {
      version: '4.2.3',
      integrity: 'sha512-sw',
      name: 'string-width'
    }
    writeInstall(dir, packages, { skip: OTHER_PLATFORM })
    expect(verifyInstall(dir, lockfile()).ok).toBe(true)
  })

  it.each([
    [
      'a folder with a marker file but no node_modules',
      () => rmSync(path.join(dir, 'node_modules'), { recursive: true }),
      /node_modules is missing/
    ],
    [
      "no record of npm's install",
      () => rmSync(path.join(dir, 'node_modules/.package-lock.json')),
      /package-lock\.json\) is missing/
    ],
    [
      'a required package missing from the record',
      () => rewriteRecord((record) => delete record.packages['node_modules/request']),
      /node_modules\/request is missing/
    ],
    [
      'another version in the record',
      () =>
        rewriteRecord(
          (record) => ((record.packages['node_modules/request'] as { version: string }).version = '2.88.0')
        ),
      /node_modules\/request is 2\.88\.0, the lockfile pins 2\.88\.2/
    ],
    [
      'another integrity in the record',
      () =>
        rewriteRecord(
          (record) =>
            ((record.packages['node_modules/request'] as { integrity: string }).integrity = 'sha512-evil')
        ),
      /node_modules\/request 2\.88\.2 was installed from another tarball/
    ],
    [
      'a package the lockfile does not list, in the record',
      () => rewriteRecord((record) => (record.packages['node_modules/electron'] = { version: '1.0.0' })),
      /node_modules\/electron is not in the lockfile/
    ],
    [
      'a planted top-level package folder',
      () => {
        mkdirSync(path.join(dir, 'node_modules/electron'), { recursive: true })
        writeFileSync(
          path.join(dir, 'node_modules/electron/package.json'),
          '{"name":"electron","version":"1.0.0"}'
        )
      },
      /node_modules\/electron is not in the lockfile/
    ],
    [
      'a planted scoped package folder',
      () => mkdirSync(path.join(dir, 'node_modules/@swc/wasm'), { recursive: true }),
      /node_modules\/@swc\/wasm is not in the lockfile/
    ],
    [
      'a planted nested package folder',
      () => mkdirSync(path.join(dir, 'node_modules/request/node_modules/tough-cookie'), { recursive: true }),
      /node_modules\/request\/node_modules\/tough-cookie is not in the lockfile/
    ],
    [
      'a package.json with another version',
      () =>
        writeFileSync(
          path.join(dir, 'node_modules/@babel/core/package.json'),
          '{"name":"@babel/core","version":"7.0.0"}'
        ),
      /@babel\/core\/package\.json says @babel\/core@7\.0\.0, the lockfile pins @babel\/core@7\.21\.4/
    ],
    [
      'a package.json with another name',
      () =>
        writeFileSync(
          path.join(dir, 'node_modules/request/package.json'),
          '{"name":"evil","version":"2.88.2"}'
        ),
      /says evil@2\.88\.2/
    ],
    [
      'a package folder that is a link out of the tree',
      () => {
        const elsewhere = path.join(root, `elsewhere-${caseNumber}`)
        mkdirSync(elsewhere, { recursive: true })
        writeFileSync(path.join(elsewhere, 'package.json'), '{"name":"request","version":"2.88.2"}')
        rmSync(path.join(dir, 'node_modules/request/package.json'))
        rmSync(path.join(dir, 'node_modules/request/index.js'))
        rmSync(path.join(dir, 'node_modules/request/node_modules'), { recursive: true })
        rmSync(path.join(dir, 'node_modules/request'), { recursive: true })
        symlinkSync(elsewhere, path.join(dir, 'node_modules/request'), 'dir')
      },
      /node_modules\/request is missing or not a real folder/
    ]
  ])('refuses %s', (_label, tamper, reason) => {
    tamper()
    const result = verifyInstall(dir, lockfile())
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.reason).toMatch(reason)
  })

  it('refuses node_modules that is a link to another tree', () => {
    const linked = path.join(root, `linked-${caseNumber}`)
    mkdirSync(linked)
    symlinkSync(path.join(dir, 'node_modules'), path.join(linked, 'node_modules'), 'dir')
    expect(verifyInstall(linked, lockfile())).toEqual({
      ok: false,
      reason: 'node_modules is missing or not a real folder'
    })
  })

  it('refuses a required package that npm did not install', () => {
    const withOptionalRequired = {
      ...packages,
      'node_modules/@swc/core-darwin-arm64': { version: '1.15.33', integrity: 'x' }
    }
    expect(verifyInstall(dir, lockfile(withOptionalRequired))).toEqual({
      ok: false,
      reason: 'node_modules/@swc/core-darwin-arm64 is missing'
    })
  })

  it('refuses against a lockfile without packages', () => {
    expect(verifyInstall(dir, { lockfileVersion: 1 })).toEqual({
      ok: false,
      reason: 'the shipped lockfile lists no packages'
    })
  })
})
