/**
 * The GitHub run as a plain value, read once from the runner's environment and event payload.
 * Nothing below main.ts reads process.env.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

export interface RunContext {
  owner: string
  repo: string
  eventName: string
  /** The commit the action reports on: the PR head for pull_request events, not the merge commit. */
  sha: string
  ref: string
  /** `v1.2.3` when the run was started by a tag push. */
  tag?: string
  prNumber?: number
  /** For check_run requested_action events: which button was pressed on which check run. */
  requestedAction?: {
    identifier: string
    checkRunId: number
    checkRunName?: string
    headSha: string
    externalId?: string
  }
  /** The pushed head commit's subject, from the event payload (defaultDescription asks git when absent). */
  commitSubject?: string
  serverUrl: string
  apiUrl: string
  runUrl: string
  /** GITHUB_RUN_ID: the same for every attempt (rerun) of a workflow run. */
  runId: string
  workspace: string
  runnerTemp: string
  toolCache: string
  actionPath: string
  debug: boolean
}

type Env = Record<string, string | undefined>

function readPayload(env: Env): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH
  if (!path) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

function get(object: unknown, ...keys: string[]): unknown {
  let current = object
  for (const key of keys) {
    if (!current || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function commitSubjectFromGit(workspace: string, sha: string): string | undefined {
  try {
    return execFileSync('git', ['log', '-1', '--format=%s', sha], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000
    }).trim()
  } catch {
    return undefined
  }
}

export function readContext(env: Env, actionPath: string): RunContext {
  const payload = readPayload(env)
  const [ownerFromEnv, repoFromEnv] = (env.GITHUB_REPOSITORY ?? '/').split('/')
  const owner = ownerFromEnv || String(get(payload, 'repository', 'owner', 'login') ?? '')
  const repo = repoFromEnv || String(get(payload, 'repository', 'name') ?? '')
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  const ref = env.GITHUB_REF ?? ''
  let sha = env.GITHUB_SHA ?? ''
  let prNumber: number | undefined
  const pr = get(payload, 'pull_request')
  if (pr && typeof pr === 'object') {
    prNumber = Number(get(pr, 'number')) || undefined
    sha = String(get(pr, 'head', 'sha') ?? sha)
  }
  let requestedAction: RunContext['requestedAction']
  if (eventName === 'check_run' && get(payload, 'action') === 'requested_action') {
    const identifier = String(get(payload, 'requested_action', 'identifier') ?? '')
    const checkRunId = Number(get(payload, 'check_run', 'id'))
    const headSha = String(get(payload, 'check_run', 'head_sha') ?? sha)
    const externalId = get(payload, 'check_run', 'external_id')
    const checkRunName = get(payload, 'check_run', 'name')
    requestedAction = {
      identifier,
      checkRunId,
      ...(typeof checkRunName === 'string' ? { checkRunName } : {}),
      headSha,
      ...(typeof externalId === 'string' && externalId ? { externalId } : {})
    }
    sha = headSha
  }
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '')
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd()
  // From the push payload when it has one; otherwise git is asked when an upload needs it (defaultDescription).
  const headCommitMessage = get(payload, 'head_commit', 'message')
  const commitSubject =
    typeof headCommitMessage === 'string' && headCommitMessage ? headCommitMessage.split('\n')[0] : undefined
  return {
    owner,
    repo,
    eventName,
    sha,
    ref,
    ...(tag ? { tag } : {}),
    ...(prNumber ? { prNumber } : {}),
    ...(requestedAction ? { requestedAction } : {}),
    ...(commitSubject ? { commitSubject } : {}),
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? '0'}`,
    runId: env.GITHUB_RUN_ID ?? '0',
    workspace,
    runnerTemp: env.RUNNER_TEMP ?? os.tmpdir(),
    toolCache: env.RUNNER_TOOL_CACHE ?? os.tmpdir(),
    actionPath,
    debug: env.RUNNER_DEBUG === '1'
  }
}

/** `v1.2.3` → `1.2.3`; other tag names are used as they are. */
export function versionFromTag(tag: string | undefined): string | undefined {
  if (!tag) return undefined
  return tag.replace(/^v(?=\d)/, '')
}

/** Default upload description: the commit subject and the short SHA. */
export function defaultDescription(context: RunContext): string {
  const short = context.sha.slice(0, 7)
  const subject = (
    context.commitSubject ?? (context.sha ? commitSubjectFromGit(context.workspace, context.sha) : undefined)
  )?.trim()
  return subject ? `${subject} (${short})` : `commit ${short}`
}
