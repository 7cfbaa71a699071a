/**
 * What each entry of the bundle loads before it can do anything, read from dist/ itself: the static
 * imports of dist/index.js, of a command's chunk and of dist/post.js. Start-up time is measured by
 * `npm run bench`; this keeps the structure that makes it short from regressing.
 */
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from '../../test-support/run-action.js'

const dist = path.join(repoRoot, 'dist')

/** Relative imports in `import … from "./x.js"` / `import "./x.js"` statements (dynamic imports excluded). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  for (const match of text.matchAll(
    /(?:^|[;}\n])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.{1,2}\/[^"']+)["']/g
  )) {
    found.push(path.join(path.dirname(file), match[1] as string))
  }
  return found
}

/** Every file loaded before the first line of `entries` runs. */
function staticClosure(...entries: string[]): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const imported of staticImports(file)) visit(imported)
  }
  for (const entry of entries) visit(path.join(dist, entry))
  return [...seen].map((file) => path.relative(dist, file)).sort()
}

function bytes(files: string[]): number {
  return files.reduce((total, file) => total + statSync(path.join(dist, file)).size, 0)
}

describe('the bundle', () => {
  it('names its chunks after their contents, without content hashes', () => {
    const chunks = readdirSync(path.join(dist, 'chunks'))
    expect(chunks.length).toBeGreaterThan(5)
    for (const chunk of chunks) expect(chunk).not.toMatch(/-[A-Z2-7]{8}\.(js|cjs)$/)
    expect(chunks).toEqual(
      expect.arrayContaining(['zod.js', 'undici.js', 'commands-lifecycle.js', 'yaml.cjs'])
    )
  })

  it('loads neither undici, Octokit, the YAML parser, the cache client nor miniprogram-ci before a sync starts', () => {
    const loaded = staticClosure('index.js', 'chunks/commands-lifecycle.js')
    for (const heavy of [
      'undici',
      'github-client',
      'yaml',
      'actions-cache',
      'ci-run',
      'ci-loader',
      'tunnel'
    ]) {
      expect(loaded.filter((file) => file.includes(heavy))).toEqual([])
    }
    // Today about 320 kB; 1.7 MB before the entry was split. A margin, not a target.
    expect(bytes(loaded)).toBeLessThan(450_000)
  })

  it('bundles zod without its locales', () => {
    // `import { z } from 'zod'` anywhere brings in every locale (about 600 kB); `import * as z` does not.
    expect(statSync(path.join(dist, 'chunks/zod.js')).size).toBeLessThan(200_000)
  })

  it('keeps the post step to a few kilobytes when there is nothing to save', () => {
    const loaded = staticClosure('post.js')
    expect(loaded.filter((file) => /actions-cache|zod|undici|ci-loader/.test(file))).toEqual([])
    expect(bytes(loaded)).toBeLessThan(60_000)
  })

  it('ships the pinned lockfile next to the bundle', () => {
    expect(readFileSync(path.join(dist, 'miniprogram-ci/package-lock.json'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'tools/miniprogram-ci/package-lock.json'), 'utf8')
    )
  })
})
