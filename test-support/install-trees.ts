/**
 * Small synthetic npm installs for the loader's unit tests: a lockfile in npm's v3 format and a tree laid
 * out as `npm ci` leaves it (package folders with their package.json, node_modules/.package-lock.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface LockedPackage {
  version: string
  integrity?: string
  optional?: boolean
  /** The package's name when the folder is an alias. */
  name?: string
}

export type LockedPackages = Record<string, LockedPackage>

/** miniprogram-ci with one direct, one nested, one scoped dependency and an optional native binding. */
export function samplePackages(miniprogramCiVersion: string): LockedPackages {
  return {
    'node_modules/miniprogram-ci': { version: miniprogramCiVersion, integrity: 'sha512-ci' },
    'node_modules/request': { version: '2.88.2', integrity: 'sha512-request' },
    'node_modules/request/node_modules/qs': { version: '6.5.3', integrity: 'sha512-qs' },
    'node_modules/@babel/core': { version: '7.21.4', integrity: 'sha512-babel' },
    'node_modules/@swc/core-linux-x64-gnu': {
      version: '1.15.33',
      integrity: 'sha512-swc-linux',
      optional: true
    },
    'node_modules/@swc/core-darwin-arm64': {
      version: '1.15.33',
      integrity: 'sha512-swc-darwin',
      optional: true
    }
  }
}

export function writeLockfile(dir: string, packages: LockedPackages): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'tool',
      private: true,
      dependencies: { 'miniprogram-ci': packages['node_modules/miniprogram-ci']?.version }
    })
  )
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify(
      { name: 'tool', lockfileVersion: 3, requires: true, packages: { '': { name: 'tool' }, ...packages } },
      null,
      2
    )
  )
}

function nameOf(key: string, locked: LockedPackage): string {
  return locked.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
}

/**
 * Lays out `packages` under `dir` as npm would, leaving out `skip` (optional packages of other platforms).
 * miniprogram-ci's index.js exports `{ marker }`.
 */
export function writeInstall(
  dir: string,
  packages: LockedPackages,
  options: { skip?: string[]; marker?: string } = {}
): void {
  const installed: LockedPackages = {}
  for (const [key, locked] of Object.entries(packages)) {
    if (options.skip?.includes(key)) continue
    installed[key] = locked
    const folder = path.join(dir, key)
    mkdirSync(folder, { recursive: true })
    writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: nameOf(key, locked), version: locked.version, main: 'index.js' })
    )
    writeFileSync(
      path.join(folder, 'index.js'),
      key === 'node_modules/miniprogram-ci'
        ? `module.exports = { marker: ${JSON.stringify(options.marker ?? 'installed')} }\n`
        : 'module.exports = {}\n'
    )
  }
  writeFileSync(
    path.join(dir, 'node_modules', '.package-lock.json'),
    JSON.stringify({ name: 'tool', lockfileVersion: 3, requires: true, packages: installed }, null, 2)
  )
}
