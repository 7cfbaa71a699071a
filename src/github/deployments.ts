/**
 * Deployments record what reached users (release, gray, rollback) per environment. A record is matched by
 * mini program (appid), version and operation, so one mini program's release never stands in for another's
 * of the same version; an unchanged outcome is not written again.
 */
import { redact } from '../redact.js'
import type { GitHubCore } from './core.js'

export type DeploymentState = 'success' | 'failure' | 'inactive'

export interface DeploymentRecord {
  ref: string
  environment: string
  version: string
  /** The mini program; defaults to `payload.appid`. Part of the match, and stored in the payload. */
  appid?: string
  /** What the deployment records (release, gray, rollback…); stored in the payload and compared. */
  operation?: string
  description: string
  payload?: Record<string, unknown>
  logUrl: string
  /** Sent only with a success state. */
  environmentUrl?: string
  state: DeploymentState
}

export interface Deployment {
  id: number
  ref: string
  sha: string
  environment: string
  description: string
  payload: Record<string, unknown>
  appid?: string
  version?: string
  operation?: string
  createdAt: string
  /** State of the newest status; undefined when the deployment has none. */
  latestState?: string
}

/** GitHub's limit for a deployment's and a status's description. */
const DESCRIPTION_LIMIT = 140
/** How far back a record looks for the same mini program's deployment. */
const MATCH_WINDOW = 20

function parsePayload(payload: unknown): Record<string, unknown> {
  if (typeof payload === 'string') {
    try {
      const parsed: unknown = JSON.parse(payload)
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
    } catch {
      // A payload another tool wrote as plain text: nothing of ours in it.
      return {}
    }
  }
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {}
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

function description(text: string): string {
  return [...redact(text)].slice(0, DESCRIPTION_LIMIT).join('')
}

export function createDeployments(core: GitHubCore) {
  const { octokit, owner, repo, repoPath } = core

  async function latestStatus(deploymentId: number): Promise<string | undefined> {
    const response = await core.call(
      `GET ${repoPath}/deployments/${deploymentId}/statuses`,
      'deployments: read',
      false,
      () =>
        octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deploymentId, per_page: 1 })
    )
    return response.data[0]?.state
  }

  /** The environment's deployments, newest first, with the state of each one's newest status. */
  async function listDeployments(
    environment: string,
    options: { limit?: number } = {}
  ): Promise<Deployment[]> {
    const limit = options.limit ?? 20
    const deployments: Deployment[] = []
    await core.call(`GET ${repoPath}/deployments`, 'deployments: read', false, async () => {
      const pages = octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
        owner,
        repo,
        environment,
        per_page: Math.min(100, limit)
      })
      for await (const page of pages) {
        for (const raw of page.data) {
          if (deployments.length >= limit) break
          const payload = parsePayload(raw.payload)
          const appid = stringField(payload, 'appid')
          const version = stringField(payload, 'version')
          const operation = stringField(payload, 'operation')
          const latestState = await latestStatus(raw.id)
          deployments.push({
            id: raw.id,
            ref: raw.ref,
            sha: raw.sha,
            environment: raw.environment,
            description: raw.description ?? '',
            payload,
            ...(appid !== undefined ? { appid } : {}),
            ...(version !== undefined ? { version } : {}),
            ...(operation !== undefined ? { operation } : {}),
            createdAt: raw.created_at,
            ...(latestState !== undefined ? { latestState } : {})
          })
        }
        if (deployments.length >= limit) break
      }
    })
    return deployments
  }

  async function postStatus(deploymentId: number, record: DeploymentRecord): Promise<void> {
    await core.call(`POST ${repoPath}/deployments/${deploymentId}/statuses`, 'deployments: write', true, () =>
      octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: deploymentId,
        state: record.state,
        log_url: record.logUrl,
        description: description(record.description),
        ...(record.state === 'success' && record.environmentUrl
          ? { environment_url: record.environmentUrl }
          : {})
      })
    )
  }

  async function recordDeployment(record: DeploymentRecord): Promise<{ id: number; changed: boolean }> {
    const appid = record.appid ?? stringField(record.payload ?? {}, 'appid')
    const payload: Record<string, unknown> = {
      ...record.payload,
      ...(appid !== undefined ? { appid } : {}),
      version: record.version,
      ...(record.operation !== undefined ? { operation: record.operation } : {})
    }
    const operation = stringField(payload, 'operation')
    // The newest deployment of the same mini program in this environment.
    const newest = (await listDeployments(record.environment, { limit: MATCH_WINDOW })).find(
      (deployment) => deployment.appid === appid
    )
    const label = `${record.environment} ${appid ? `${appid} ` : ''}${record.version}`
    if (newest && newest.version === record.version && newest.operation === operation) {
      if (newest.latestState === record.state) {
        core.debug(`Deployment ${newest.id} (${label}) is already ${record.state}; no write.`)
        return { id: newest.id, changed: false }
      }
      // The same deployment with another outcome (or a run that crashed before its status): add the status.
      if (!core.announce(`POST ${repoPath}/deployments/${newest.id}/statuses: ${record.state} (${label})`)) {
        return { id: newest.id, changed: true }
      }
      await postStatus(newest.id, record)
      return { id: newest.id, changed: true }
    }
    const line = `POST ${repoPath}/deployments: ${label}${operation ? ` (${operation})` : ''} at ${record.ref}, then status ${record.state}`
    if (!core.announce(line)) return { id: 0, changed: true }
    const response = await core.call(`POST ${repoPath}/deployments`, 'deployments: write', true, () =>
      octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: record.ref,
        environment: record.environment,
        description: description(record.description),
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
        transient_environment: false,
        payload: payload as { [key: string]: unknown }
      })
    )
    // 202 "Auto-merged" carries no deployment; auto_merge is off, so anything but 201 is unexpected.
    if (response.status !== 201 || !('id' in response.data)) {
      throw new Error(`GitHub did not create the deployment for ${label} (HTTP ${response.status}).`)
    }
    const id = response.data.id
    // The creation line above already announced this status.
    await postStatus(id, record)
    return { id, changed: true }
  }

  return { listDeployments, recordDeployment }
}
