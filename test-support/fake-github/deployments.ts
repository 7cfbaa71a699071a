/** Deployments and their statuses. */
import { userJson } from '../fake-github-json.js'
import type { CommitGraph } from './commits.js'
import type { FakeContext } from './context.js'
import { notFound, validationFailed } from './errors.js'
import { authorOf, type Identities } from './identities.js'
import { newestFirst, optionalString, paginate, type Route } from './routing.js'
import type { FakeDeployment, FakeDeploymentStatus } from './state.js'

function deploymentJson(context: FakeContext, deployment: FakeDeployment): Record<string, unknown> {
  const repoApi = context.repoApi()
  return {
    id: deployment.id,
    node_id: `DE_${deployment.id}`,
    url: `${repoApi}/deployments/${deployment.id}`,
    statuses_url: `${repoApi}/deployments/${deployment.id}/statuses`,
    repository_url: repoApi,
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userJson(context.json(), deployment.creator),
    created_at: deployment.created_at,
    updated_at: deployment.created_at,
    transient_environment: deployment.transient_environment,
    production_environment: deployment.production_environment
  }
}

function statusJson(context: FakeContext, status: FakeDeploymentStatus): Record<string, unknown> {
  const repoApi = context.repoApi()
  return {
    id: status.id,
    node_id: `DES_${status.id}`,
    url: `${repoApi}/deployments/${status.deployment_id}/statuses/${status.id}`,
    deployment_url: `${repoApi}/deployments/${status.deployment_id}`,
    repository_url: repoApi,
    state: status.state,
    description: status.description,
    environment: '',
    ...(status.environment_url ? { environment_url: status.environment_url } : {}),
    ...(status.log_url ? { log_url: status.log_url } : {}),
    target_url: status.log_url,
    creator: userJson(context.json(), status.creator),
    created_at: status.created_at,
    updated_at: status.created_at
  }
}

export function deploymentRoutes(
  context: FakeContext,
  { requirePermission }: Identities,
  graph: CommitGraph
): Route[] {
  const { state, owner, repo } = context
  const requireDeployment = (id: string | undefined) => {
    if (!state.deployments.some((deployment) => deployment.id === Number(id))) throw notFound()
  }
  return [
    {
      method: 'GET',
      pattern: /^\/deployments$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'deployments', 'read')
        let deployments = newestFirst(state.deployments)
        for (const key of ['environment', 'ref', 'sha', 'task'] as const) {
          const wanted = request.query[key]
          if (wanted !== undefined)
            deployments = deployments.filter((deployment) => deployment[key] === wanted)
        }
        const page = paginate(deployments, request, `/repos/${owner}/${repo}/deployments`)
        return { ...page, body: page.body.map((deployment) => deploymentJson(context, deployment)) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/deployments$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'deployments', 'write')
        const { body } = request
        const ref = String(body.ref)
        const sha = graph.resolveCommitish(ref)
        if (!sha) throw validationFailed('Deployment', 'ref', 'invalid', `No ref found for: ${ref}`)
        const deployment: FakeDeployment = {
          id: context.newId(),
          ref,
          sha,
          environment: optionalString(body, 'environment') ?? 'production',
          description: optionalString(body, 'description') ?? null,
          // GitHub stores a string payload as given and an object as an object.
          payload: body.payload ?? {},
          task: optionalString(body, 'task') ?? 'deploy',
          auto_merge: body.auto_merge !== false,
          required_contexts: Array.isArray(body.required_contexts)
            ? body.required_contexts.map(String)
            : undefined,
          production_environment: body.production_environment === true,
          transient_environment: body.transient_environment === true,
          creator: authorOf(request.actor),
          created_at: context.now()
        }
        state.deployments.push(deployment)
        return { status: 201, body: deploymentJson(context, deployment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/deployments\/(\d+)\/statuses$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'deployments', 'read')
        requireDeployment(id)
        const statuses = newestFirst(
          state.deploymentStatuses.filter((status) => status.deployment_id === Number(id))
        )
        const page = paginate(statuses, request, `/repos/${owner}/${repo}/deployments/${id}/statuses`)
        return { ...page, body: page.body.map((status) => statusJson(context, status)) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/deployments\/(\d+)\/statuses$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, 'deployments', 'write')
        requireDeployment(id)
        const status: FakeDeploymentStatus = {
          id: context.newId(),
          deployment_id: Number(id),
          state: String(request.body.state),
          description: optionalString(request.body, 'description') ?? '',
          log_url:
            optionalString(request.body, 'log_url') ?? optionalString(request.body, 'target_url') ?? '',
          environment_url: optionalString(request.body, 'environment_url') ?? '',
          creator: authorOf(request.actor),
          created_at: context.now()
        }
        state.deploymentStatuses.push(status)
        return { status: 201, body: statusJson(context, status) }
      }
    }
  ]
}
