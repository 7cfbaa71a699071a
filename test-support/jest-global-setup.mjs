// Remembers the repository's tree before any test runs; the global teardown fails the run when the
// tests left anything in it (every file a test writes belongs in a temp folder).
import { listTree } from './repo-tree.mjs'

export default function rememberTree() {
  globalThis.__repositoryTreeBeforeTests = listTree()
}
