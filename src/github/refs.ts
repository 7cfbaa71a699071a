/** Tags, commits and the default branch: how a WeChat version finds the commit it came from. */
import type { GitHubCore } from './core.js'
import { unlessNotFound } from './core.js'
import { GitHubApiError } from './errors.js'

/** Tags of tags are legal; following more than this many is refused. */
const MAX_TAG_DEPTH = 5

export function createRefs(core: GitHubCore) {
  const { octokit, owner, repo, repoPath } = core

  /** The commit a tag points at (through annotated tag objects), or undefined when there is no such tag. */
  async function resolveTag(tag: string): Promise<{ sha: string } | undefined> {
    const ref = await unlessNotFound(() =>
      core.call(`GET ${repoPath}/git/ref/tags/${tag}`, 'contents: read', false, () =>
        octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })
      )
    )
    if (!ref) return undefined
    let object = ref.data.object
    for (let depth = 0; object.type === 'tag'; depth++) {
      if (depth >= MAX_TAG_DEPTH)
        throw new Error(`Tag "${tag}" is nested more than ${MAX_TAG_DEPTH} tag objects deep.`)
      const tagSha = object.sha
      const tagObject = await core.call(`GET ${repoPath}/git/tags/${tagSha}`, 'contents: read', false, () =>
        octokit.rest.git.getTag({ owner, repo, tag_sha: tagSha })
      )
      object = tagObject.data.object
    }
    if (object.type !== 'commit') throw new Error(`Tag "${tag}" points at a ${object.type}, not a commit.`)
    return { sha: object.sha }
  }

  /** The full SHA of a commit given by a (short) SHA, or undefined when no commit matches. */
  async function resolveCommit(ref: string): Promise<string | undefined> {
    try {
      const commit = await unlessNotFound(() =>
        core.call(`GET ${repoPath}/commits/${ref}`, 'contents: read', false, () =>
          octokit.rest.repos.getCommit({ owner, repo, ref })
        )
      )
      return commit?.data.sha
    } catch (error) {
      // 422: no commit for that SHA (or an ambiguous short SHA).
      if (error instanceof GitHubApiError && error.status === 422) return undefined
      throw error
    }
  }

  async function getDefaultBranch(): Promise<string> {
    const response = await core.call(`GET ${repoPath}`, 'contents: read', false, () =>
      octokit.rest.repos.get({ owner, repo })
    )
    return response.data.default_branch
  }

  return { resolveTag, resolveCommit, getDefaultBranch }
}
