/**
 * Finds the commit a WeChat version came from: the commit marker the action put in its upload description
 * (see release/commit-marker.ts), else its tag (`v1.2.3` or `1.2.3`), else this run's commit when the run
 * builds that version. Bracketed hex in a commit subject never counts.
 */
import type { GitHubClient } from '../github/client.js'
import { commitFromDescription } from '../release/commit-marker.js'

export class CommitFinder {
  private readonly cache = new Map<string, Promise<string | undefined>>()
  private readonly descriptions = new Map<string, string>()

  constructor(
    private readonly github: GitHubClient | undefined,
    private readonly runSha: string,
    /** The version this run's commit builds (submit, or a tag push); other versions are looked up. */
    private readonly runVersion: string | undefined
  ) {}

  /** A version's description as WeChat reports it; its commit marker is tried before the tags. */
  remember(version: string | undefined, description: string | undefined): void {
    if (version && description && !this.descriptions.has(version)) this.descriptions.set(version, description)
  }

  find(version: string | undefined): Promise<string | undefined> {
    if (!version) return Promise.resolve(undefined)
    if (version === this.runVersion) return Promise.resolve(this.runSha)
    let found = this.cache.get(version)
    if (!found) {
      found = this.lookup(version)
      this.cache.set(version, found)
    }
    return found
  }

  private async lookup(version: string): Promise<string | undefined> {
    if (!this.github) return undefined
    const marked = commitFromDescription(this.descriptions.get(version))
    if (marked) {
      const sha = await this.github.resolveCommit(marked)
      if (sha) return sha
    }
    for (const tag of [`v${version}`, version]) {
      const resolved = await this.github.resolveTag(tag)
      if (resolved) return resolved.sha
    }
    return undefined
  }
}
