/**
 * Checks an installed miniprogram-ci tree (a runner's tool cache folder, a restored cache entry, a fresh
 * install) against the lockfile shipped with the action before anything in it is loaded:
 *
 * - npm's record of the install (`node_modules/.package-lock.json`, written by `npm ci`) lists exactly the
 *   shipped lockfile's packages at the same version and integrity; only optional packages of other
 *   platforms may be missing;
 * - every package folder on disk is one of those, holds a package.json with that name and version, and is
 *   a real folder (no links out of the tree);
 * - no other package folder exists anywhere in the tree (a planted `node_modules/electron` would be
 *   loaded by miniprogram-ci's optional requires).
 *
 * File contents inside a package are not re-hashed (the lockfile's integrity is of the tarballs): npm
 * checked every tarball at install time, and an Actions cache entry is written only by a run of the same
 * repository ("Workflow runs can restore caches created in either the current branch or the default
 * branch", GitHub Docs, dependency caching; low-trust events such as pull_request_target get read-only
 * cache access). A run that can already write the default branch's cache could change a file inside a
 * package; this check does not stop that.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

interface LockedPackage {
  version?: string
  integrity?: string
  name?: string
  optional?: boolean
  link?: boolean
}

interface Lockfile {
  packages?: Record<string, LockedPackage>
}

export type Verification = { ok: true; packages: number } | { ok: false; reason: string }

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown
}

function packagesOf(lockfile: unknown): Record<string, LockedPackage> | undefined {
  const packages = (lockfile as Lockfile | undefined)?.packages
  return packages && typeof packages === 'object' ? packages : undefined
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameFromKey(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
}

function isRealDirectory(target: string): boolean {
  try {
    return lstatSync(target).isDirectory()
  } catch {
    return false
  }
}

/** Keys (`node_modules/…`) of every package folder found on disk, recursing into nested node_modules. */
function packageFoldersOnDisk(installDir: string): string[] {
  const found: string[] = []
  const visit = (nodeModulesKey: string): void => {
    const folder = path.join(installDir, nodeModulesKey)
    let entries: string[]
    try {
      entries = readdirSync(folder)
    } catch {
      return
    }
    for (const entry of entries) {
      // .bin holds npm's links to executables; .package-lock.json and other dot entries are npm's own.
      if (entry.startsWith('.')) continue
      if (entry.startsWith('@')) {
        let scoped: string[]
        try {
          scoped = readdirSync(path.join(folder, entry))
        } catch {
          found.push(`${nodeModulesKey}/${entry}`)
          continue
        }
        for (const name of scoped) found.push(`${nodeModulesKey}/${entry}/${name}`)
      } else {
        found.push(`${nodeModulesKey}/${entry}`)
      }
    }
  }
  visit('node_modules')
  for (let i = 0; i < found.length; i++) {
    const nested = `${found[i]}/node_modules`
    if (isRealDirectory(path.join(installDir, nested))) visit(nested)
  }
  return found
}

/** Verifies `installDir` against the shipped lockfile; the reason names the first difference found. */
export function verifyInstall(installDir: string, shippedLockfile: unknown): Verification {
  const shipped = packagesOf(shippedLockfile)
  if (!shipped) return { ok: false, reason: 'the shipped lockfile lists no packages' }
  if (!isRealDirectory(path.join(installDir, 'node_modules'))) {
    return { ok: false, reason: 'node_modules is missing or not a real folder' }
  }
  let recorded: Record<string, LockedPackage> | undefined
  try {
    recorded = packagesOf(readJson(path.join(installDir, 'node_modules', '.package-lock.json')))
  } catch {
    recorded = undefined
  }
  if (!recorded)
    return { ok: false, reason: "npm's record of the install (node_modules/.package-lock.json) is missing" }

  for (const [key, locked] of Object.entries(shipped)) {
    if (key === '') continue
    const installed = recorded[key]
    if (!installed) {
      // Optional packages for other platforms (@swc/core-darwin-arm64 …) are not installed.
      if (locked.optional) continue
      return { ok: false, reason: `${key} is missing` }
    }
    if (installed.version !== locked.version) {
      return {
        ok: false,
        reason: `${key} is ${installed.version ?? '?'}, the lockfile pins ${locked.version ?? '?'}`
      }
    }
    if (installed.integrity !== locked.integrity) {
      return {
        ok: false,
        reason: `${key} ${locked.version ?? ''} was installed from another tarball (integrity differs)`
      }
    }
  }
  for (const key of Object.keys(recorded)) {
    if (key !== '' && !shipped[key]) return { ok: false, reason: `${key} is not in the lockfile` }
  }

  const onDisk = packageFoldersOnDisk(installDir)
  const expected = new Set(Object.keys(recorded).filter((key) => key !== ''))
  for (const key of onDisk) {
    if (!expected.has(key)) return { ok: false, reason: `${key} is not in the lockfile` }
  }
  for (const key of expected) {
    const folder = path.join(installDir, key)
    if (!isRealDirectory(folder)) return { ok: false, reason: `${key} is missing or not a real folder` }
    let manifest: { name?: unknown; version?: unknown }
    try {
      manifest = readJson(path.join(folder, 'package.json')) as { name?: unknown; version?: unknown }
    } catch {
      return { ok: false, reason: `${key}/package.json is missing or unreadable` }
    }
    const locked = shipped[key] as LockedPackage
    const name = locked.name ?? nameFromKey(key)
    if (manifest.name !== name || manifest.version !== locked.version) {
      return {
        ok: false,
        reason: `${key}/package.json says ${String(manifest.name)}@${String(manifest.version)}, the lockfile pins ${name}@${locked.version ?? '?'}`
      }
    }
  }
  return { ok: true, packages: expected.size }
}
