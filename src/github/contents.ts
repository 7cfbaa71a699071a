/**
 * Files on a branch (the preview QR codes): written only when the content differs from the branch's copy
 * (compared by git blob id, without downloading it). A missing branch is created as an orphan holding the
 * file, so preview images never mix with the project's history.
 */
import { createHash } from 'node:crypto'
import type { GitHubCore } from './core.js'
import { unlessNotFound } from './core.js'
import { GitHubApiError } from './errors.js'

export interface PutFileRequest {
  branch: string
  path: string
  content: Buffer
  message: string
}

/** Git's blob id of a content: lets the client compare a file with the repository's copy without downloading it. */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.from(`blob ${content.length}\0`))
    .update(content)
    .digest('hex')
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

export function createContents(core: GitHubCore) {
  const { octokit, owner, repo, repoPath } = core

  async function putFile(request: PutFileRequest, attempt = 0): Promise<{ url: string; changed: boolean }> {
    const { branch, path, content } = request
    const url = `${core.serverUrl}/${owner}/${repo}/blob/${encodePath(branch)}/${encodePath(path)}?raw=true`
    const current = await readContent(branch, path)
    const currentFile = current && !Array.isArray(current.data) ? current.data : undefined
    if (current && (!currentFile || currentFile.type !== 'file')) {
      throw new Error(`"${path}" on branch "${branch}" exists and is not a file.`)
    }
    if (currentFile?.sha === gitBlobSha(content)) {
      core.debug(`${path} on ${branch} is unchanged; no write.`)
      // On a second look after an unanswered write, the write did land.
      return { url, changed: attempt > 0 }
    }
    try {
      if (currentFile) {
        if (
          !core.announce(`PUT ${repoPath}/contents/${path}: update on ${branch} (${content.length} bytes)`)
        ) {
          return { url, changed: true }
        }
        await writeFile(request, currentFile.sha)
        return { url, changed: true }
      }
      const branchRef = await unlessNotFound(() =>
        core.call(`GET ${repoPath}/git/ref/heads/${branch}`, 'contents: read', false, () =>
          octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })
        )
      )
      if (branchRef) {
        if (
          !core.announce(`PUT ${repoPath}/contents/${path}: create on ${branch} (${content.length} bytes)`)
        ) {
          return { url, changed: true }
        }
        await writeFile(request, undefined)
        return { url, changed: true }
      }
      const line = `POST ${repoPath}/git/refs: create orphan branch ${branch} holding ${path} (${content.length} bytes)`
      if (!core.announce(line)) return { url, changed: true }
      await createOrphanBranch(request)
      return { url, changed: true }
    } catch (error) {
      // Another job wrote the file or branch in between, or GitHub did not answer: read again and decide again, once.
      const status = error instanceof GitHubApiError ? error.status : undefined
      if (attempt === 0 && status !== undefined && (status === 409 || status === 422 || status >= 500)) {
        core.debug(`Writing ${path} on ${branch} got HTTP ${status}; reading it again.`)
        return putFile(request, attempt + 1)
      }
      throw error
    }
  }

  /** The contents API's answer for a path on a branch; undefined when the branch or the path does not exist. */
  function readContent(branch: string, path: string) {
    return unlessNotFound(() =>
      core.call(`GET ${repoPath}/contents/${path}?ref=${branch}`, 'contents: read', false, () =>
        octokit.rest.repos.getContent({ owner, repo, path, ref: branch })
      )
    )
  }

  /** A file's content on a branch; undefined when the branch or the file does not exist. */
  async function getFile(request: { branch: string; path: string }): Promise<Buffer | undefined> {
    const current = await readContent(request.branch, request.path)
    const file = current && !Array.isArray(current.data) ? current.data : undefined
    if (!file || file.type !== 'file' || !('content' in file)) return undefined
    return Buffer.from(file.content, 'base64')
  }

  async function writeFile(request: PutFileRequest, sha: string | undefined): Promise<void> {
    await core.call(`PUT ${repoPath}/contents/${request.path}`, 'contents: write', true, () =>
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: request.path,
        branch: request.branch,
        message: request.message,
        content: request.content.toString('base64'),
        ...(sha ? { sha } : {})
      })
    )
  }

  async function createOrphanBranch(request: PutFileRequest): Promise<void> {
    const blob = await core.call(`POST ${repoPath}/git/blobs`, 'contents: write', true, () =>
      octokit.rest.git.createBlob({
        owner,
        repo,
        content: request.content.toString('base64'),
        encoding: 'base64'
      })
    )
    const tree = await core.call(`POST ${repoPath}/git/trees`, 'contents: write', true, () =>
      octokit.rest.git.createTree({
        owner,
        repo,
        tree: [{ path: request.path, mode: '100644', type: 'blob', sha: blob.data.sha }]
      })
    )
    const commit = await core.call(`POST ${repoPath}/git/commits`, 'contents: write', true, () =>
      octokit.rest.git.createCommit({
        owner,
        repo,
        message: request.message,
        tree: tree.data.sha,
        parents: []
      })
    )
    await core.call(`POST ${repoPath}/git/refs`, 'contents: write', true, () =>
      octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${request.branch}`, sha: commit.data.sha })
    )
  }

  return { putFile: (request: PutFileRequest) => putFile(request), getFile }
}
