/** GitHub's Git database API: refs, annotated tags, blobs, trees and commits. */
import type { CommitGraph } from './commits.js'
import { gitBlobSha, sha1 } from './commits.js'
import type { FakeContext } from './context.js'
import { HttpError, invalid, notFound } from './errors.js'
import type { Identities } from './identities.js'
import { optionalString, type Route } from './routing.js'

/** A tag on a commit: lightweight (a ref) or annotated (a ref to a tag object). */
export function addTag(
  context: FakeContext,
  graph: CommitGraph,
  name: string,
  sha: string,
  tagOptions: { annotated?: boolean } = {}
): void {
  const { state } = context
  graph.addCommit(sha)
  if (tagOptions.annotated) {
    const tagSha = sha1(`tag ${name} ${sha}`)
    state.tags.set(tagSha, {
      sha: tagSha,
      tag: name,
      message: `Release ${name}`,
      object: { type: 'commit', sha }
    })
    state.refs.set(`refs/tags/${name}`, tagSha)
  } else {
    state.refs.set(`refs/tags/${name}`, sha)
  }
}

function refJson(context: FakeContext, ref: string, sha: string): Record<string, unknown> {
  const type = context.state.tags.has(sha) ? 'tag' : 'commit'
  return {
    ref,
    node_id: `REF_${sha.slice(0, 8)}`,
    url: `${context.repoApi()}/git/${ref}`,
    object: { type, sha, url: `${context.repoApi()}/git/${type}s/${sha}` }
  }
}

export function gitDatabaseRoutes(context: FakeContext, identities: Identities, graph: CommitGraph): Route[] {
  return [...refRoutes(context, identities), ...objectRoutes(context, identities, graph)]
}

function refRoutes(context: FakeContext, { requirePermission }: Identities): Route[] {
  const { state } = context
  return [
    {
      method: 'GET',
      pattern: /^\/git\/ref\/(.+)$/,
      handle: ([, ref], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const full = `refs/${ref}`
        const sha = state.refs.get(full)
        if (!sha) throw notFound()
        return { status: 200, body: refJson(context, full, sha) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/git\/tags\/([0-9a-f]{40})$/,
      handle: ([, sha], request) => {
        requirePermission(request.actor, 'contents', 'read')
        const tag = state.tags.get(sha ?? '')
        if (!tag) throw notFound()
        return {
          status: 200,
          body: {
            sha: tag.sha,
            node_id: `TAG_${tag.sha.slice(0, 8)}`,
            tag: tag.tag,
            message: tag.message,
            url: `${context.repoApi()}/git/tags/${tag.sha}`,
            tagger: { name: 'Release Bot', email: 'release@example.com', date: context.now() },
            object: { ...tag.object, url: `${context.repoApi()}/git/${tag.object.type}s/${tag.object.sha}` },
            verification: {
              verified: false,
              reason: 'unsigned',
              signature: null,
              payload: null,
              verified_at: null
            }
          }
        }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/refs$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const ref = String(request.body.ref)
        const sha = String(request.body.sha)
        if (!/^refs\/.+\/.+/.test(ref))
          throw new HttpError(
            422,
            'Reference name is not valid (must start with refs/ and have at least two slashes)'
          )
        if (!state.commits.has(sha) && !state.tags.has(sha)) throw new HttpError(422, 'Object does not exist')
        if (state.refs.has(ref)) throw new HttpError(422, 'Reference already exists')
        state.refs.set(ref, sha)
        return { status: 201, body: refJson(context, ref, sha) }
      }
    }
  ]
}

function objectRoutes(context: FakeContext, { requirePermission }: Identities, graph: CommitGraph): Route[] {
  const { state } = context
  return [
    {
      method: 'POST',
      pattern: /^\/git\/blobs$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const content = String(request.body.content)
        const encoding = optionalString(request.body, 'encoding') ?? 'utf-8'
        const data = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8')
        const sha = gitBlobSha(data)
        state.blobs.set(sha, data)
        return { status: 201, body: { sha, url: `${context.repoApi()}/git/blobs/${sha}` } }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/trees$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const entries = request.body.tree as Array<Record<string, unknown>>
        const baseTree = optionalString(request.body, 'base_tree')
        const tree = new Map(baseTree ? (state.trees.get(baseTree) ?? []) : [])
        for (const entry of entries) {
          const path = String(entry.path)
          const sha = optionalString(entry, 'sha')
          if (entry.type !== 'blob' || !sha)
            throw invalid(`Only blob entries with a sha are supported by this fake.`)
          if (!state.blobs.has(sha)) throw new HttpError(422, `Tree entry ${path}: blob ${sha} not found`)
          tree.set(path, sha)
        }
        const sha = graph.storeTree(tree)
        const body = {
          sha,
          url: `${context.repoApi()}/git/trees/${sha}`,
          truncated: false,
          tree: [...tree].map(([path, blob]) => ({
            path,
            mode: '100644',
            type: 'blob',
            sha: blob,
            size: state.blobs.get(blob)?.length ?? 0,
            url: `${context.repoApi()}/git/blobs/${blob}`
          }))
        }
        return { status: 201, body }
      }
    },
    {
      method: 'POST',
      pattern: /^\/git\/commits$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'contents', 'write')
        const tree = String(request.body.tree)
        const parents = (request.body.parents as string[] | undefined) ?? []
        if (!state.trees.has(tree)) throw new HttpError(422, 'Tree SHA does not exist')
        if (parents.some((parent) => !state.commits.has(parent)))
          throw new HttpError(422, 'Parent SHA does not exist or is not a commit object')
        const sha = graph.storeCommit(tree, parents, String(request.body.message))
        return { status: 201, body: graph.gitCommitJson(sha) }
      }
    }
  ]
}
