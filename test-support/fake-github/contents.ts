/** Repository contents: reading a file at a ref and creating or updating one with a commit on a branch. */
import type { CommitGraph } from './commits.js'
import { gitBlobSha } from './commits.js'
import type { FakeContext } from './context.js'
import { HttpError, invalid, notFound } from './errors.js'
import type { Identities } from './identities.js'
import { optionalString, type Route } from './routing.js'

function fileJson(
  context: FakeContext,
  branch: string,
  path: string,
  blobSha: string,
  content: Buffer
): Record<string, unknown> {
  const web = `${context.serverUrl}/${context.owner}/${context.repo}`
  const url = `${context.repoApi()}/contents/${path}?ref=${branch}`
  const html = `${web}/blob/${branch}/${path}`
  const git = `${context.repoApi()}/git/blobs/${blobSha}`
  return {
    type: 'file',
    encoding: 'base64',
    size: content.length,
    name: path.split('/').pop(),
    path,
    sha: blobSha,
    content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
    url,
    html_url: html,
    download_url: `${web}/raw/${branch}/${path}`,
    git_url: git,
    _links: { self: url, git, html }
  }
}

export function contentRoutes(
  context: FakeContext,
  { requirePermission }: Identities,
  graph: CommitGraph
): Route[] {
  const { state, defaultBranch } = context
  return [
    {
      method: 'GET',
      pattern: /^\/contents\/(.+)$/,
      handle: ([, path], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const ref = request.query.ref ?? defaultBranch
        const commitSha = graph.resolveCommitish(ref)
        if (!commitSha) throw new HttpError(404, `No commit found for the ref ${ref}`)
        const tree = state.trees.get(state.commits.get(commitSha)?.tree ?? '')
        const blobSha = tree?.get(path ?? '')
        const content = blobSha ? state.blobs.get(blobSha) : undefined
        if (!blobSha || !content) throw notFound()
        return { status: 200, body: fileJson(context, ref, path ?? '', blobSha, content) }
      }
    },
    {
      method: 'PUT',
      pattern: /^\/contents\/(.+)$/,
      handle: ([, rawPath], request) => {
        requirePermission(request.actor, 'contents', 'write')
        const path = rawPath ?? ''
        const message = String(request.body.message)
        const content = String(request.body.content)
        const branch = optionalString(request.body, 'branch') ?? defaultBranch
        const givenSha = optionalString(request.body, 'sha')
        const head = state.refs.get(`refs/heads/${branch}`)
        if (!head) throw new HttpError(404, `Branch ${branch} not found`)
        const tree = new Map(state.trees.get(state.commits.get(head)?.tree ?? '') ?? [])
        const existing = tree.get(path)
        if (existing && givenSha === undefined) throw invalid(`"sha" wasn't supplied.`)
        if (existing && givenSha !== existing) throw new HttpError(409, `${path} does not match ${givenSha}`)
        const data = Buffer.from(content, 'base64')
        const blobSha = gitBlobSha(data)
        state.blobs.set(blobSha, data)
        tree.set(path, blobSha)
        const commitSha = graph.storeCommit(graph.storeTree(tree), [head], message)
        state.refs.set(`refs/heads/${branch}`, commitSha)
        return {
          status: existing ? 200 : 201,
          body: {
            content: fileJson(context, branch, path, blobSha, data),
            commit: graph.gitCommitJson(commitSha)
          }
        }
      }
    }
  ]
}
