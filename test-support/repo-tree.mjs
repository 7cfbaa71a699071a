// The repository's files and folders, to tell whether a test run left anything behind in it.
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// Never walked: git's own folder and the installed packages.
const SKIPPED = new Set(['.git', 'node_modules'])

/** Every file and folder under the repository (folders end with `/`), except .git and node_modules. */
export function listTree(root = repoRoot) {
  const entries = []
  const walk = (relative) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue
      const child = relative ? `${relative}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        entries.push(`${child}/`)
        walk(child)
      } else {
        entries.push(child)
      }
    }
  }
  walk('')
  return entries
}

/** The entries git ignores (.gitignore): build output, coverage, caches. */
function ignoredByGit(root, entries) {
  if (entries.length === 0) return new Set()
  try {
    const output = execFileSync('git', ['check-ignore', '--stdin'], {
      cwd: root,
      input: entries.join('\n'),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore']
    })
    return new Set(output.split('\n').filter(Boolean))
  } catch (error) {
    // Exit code 1: none of them is ignored. Anything else (no git): treat none as ignored.
    return new Set(typeof error?.stdout === 'string' ? error.stdout.split('\n').filter(Boolean) : [])
  }
}

/** Entries present now that were not in `before` and that git does not ignore. */
export function strayEntries(before, root = repoRoot) {
  const known = new Set(before)
  const added = listTree(root).filter((entry) => !known.has(entry))
  const ignored = ignoredByGit(root, added)
  // A folder that git ignores takes everything inside it along.
  const ignoredFolders = [...ignored].filter((entry) => entry.endsWith('/'))
  return added.filter(
    (entry) => !ignored.has(entry) && !ignoredFolders.some((folder) => entry.startsWith(folder))
  )
}
