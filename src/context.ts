/**
 * The GitHub run as a plain value, read once from the runner's environment and event payload.
 * Nothing below main.ts reads process.env.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { errorMessage, InputError } from './errors.js'
import { log } from './log.js'

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
  /** pull_request events: the branch merged into, the PR's own branch, and whether it lives in this repository. */
  pullRequest?: { baseRef: string; headRef: string; sameRepository: boolean }
  /** The pushed head commit's subject, from the event payload (defaultDescription asks git when absent). */
  commitSubject?: string
  /** `issues` events: what happened to which issue, and who did it (the dashboard's ticks). */
  issueEvent?: IssueEvent
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

/** The parts of an `issues` event payload the dashboard reads (GitHub's webhook payload of the event). */
export interface IssueEvent {
  /** `opened`, `edited`, `labeled`, … */
  action: string
  issueNumber: number
  /** The body after the event. */
  body: string
  /** `changes.body.from` of an `edited` event: the body before the edit; absent when only the title changed. */
  bodyBefore?: string
  sender: { login: string; type: string }
}

type Env = Record<string, string | undefined>

function readPayload(env: Env): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH
  if (!path) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    // The event only refines the context (PR head, commit subject); the run goes on without it, and says so.
    log.warning(`The event payload (GITHUB_EVENT_PATH) could not be read: ${errorMessage(error)}`)
    return {}
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
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
  } catch (error) {
    // No checkout, or a shallow one without the commit: the description falls back to the short SHA.
    log.debug(`No commit subject from git for ${sha}: ${errorMessage(error)}`)
    return undefined
  }
}

function readIssueEvent(payload: Record<string, unknown>): IssueEvent | undefined {
  const action = get(payload, 'action')
  const issueNumber = get(payload, 'issue', 'number')
  const login = get(payload, 'sender', 'login')
  if (typeof action !== 'string' || typeof issueNumber !== 'number' || typeof login !== 'string')
    return undefined
  const body = get(payload, 'issue', 'body')
  const before = get(payload, 'changes', 'body', 'from')
  const type = get(payload, 'sender', 'type')
  return {
    action,
    issueNumber,
    body: typeof body === 'string' ? body : '',
    ...(typeof before === 'string' ? { bodyBefore: before } : {}),
    sender: { login, type: typeof type === 'string' ? type : 'User' }
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
  let pullRequest: RunContext['pullRequest']
  const pr = get(payload, 'pull_request')
  if (pr && typeof pr === 'object') {
    prNumber = Number(get(pr, 'number')) || undefined
    sha = String(get(pr, 'head', 'sha') ?? sha)
    const baseRef = get(pr, 'base', 'ref')
    const headRef = get(pr, 'head', 'ref')
    if (typeof baseRef === 'string' && typeof headRef === 'string') {
      const headRepository = get(pr, 'head', 'repo', 'full_name')
      pullRequest = {
        baseRef,
        headRef,
        sameRepository:
          typeof headRepository === 'string' &&
          headRepository.toLowerCase() === `${owner}/${repo}`.toLowerCase()
      }
    }
  }
  const issueEvent = eventName === 'issues' ? readIssueEvent(payload) : undefined
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
    ...(pullRequest ? { pullRequest } : {}),
    ...(commitSubject ? { commitSubject } : {}),
    ...(issueEvent ? { issueEvent } : {}),
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

/** The rule of the `version` input, applied to versions from tags too (the same pattern as inputs.ts). */
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/

/**
 * `v1.2.3` → `1.2.3`; other tag names are used as they are. A tag name is not trusted: a version made from
 * it must follow the `version` input's rule, or the run stops before any write.
 */
export function versionFromTag(tag: string | undefined): string | undefined {
  if (!tag) return undefined
  const version = tag.replace(/^v(?=\d)/, '')
  if (!VERSION_PATTERN.test(version)) {
    throw new InputError(
      'version',
      `the tag ${JSON.stringify(tag)} gives the version ${JSON.stringify(version)}, which is not 1–64 characters of letters, digits and . + _ - (set version, or push a tag such as v1.2.3)`
    )
  }
  return version
}

/** Whether the run's tag names `version` (`v1.2.3` or `1.2.3` for 1.2.3): the run's commit builds it. */
export function tagNamesVersion(tag: string | undefined, version: string | undefined): boolean {
  return tag !== undefined && version !== undefined && tag.replace(/^v(?=\d)/, '') === version
}

/** Default upload description: the commit subject and the short SHA. */
export function defaultDescription(context: RunContext): string {
  const short = context.sha.slice(0, 7)
  const subject = (
    context.commitSubject ?? (context.sha ? commitSubjectFromGit(context.workspace, context.sha) : undefined)
  )?.trim()
  return subject ? `${subject} (${short})` : `commit ${short}`
}
