/**
 * Issues and labels, with their authors. Pull requests share the issues' numbers, so their issue entries live
 * here too. A person's edit in GitHub's UI yields the `issues.edited` webhook payload.
 */
import {
  issueJson,
  labelJson,
  repositoryJson,
  userJson,
  type FakeIssue,
  type FakeLabel,
  type FakeUser
} from '../fake-github-json.js'
import { validateWebhookPayload } from '../github-webhooks.js'
import type { FakeContext } from './context.js'
import { notFound, validationFailed } from './errors.js'
import { authorOf, type Identities } from './identities.js'
import { optionalString, paginate, type Route } from './routing.js'

const BODY_CHARACTERS = 65536

export function checkBodyLength(body: string, resource: string): void {
  if ([...body].length > BODY_CHARACTERS) {
    throw validationFailed(
      resource,
      'body',
      'custom',
      `body is too long (maximum is ${BODY_CHARACTERS} characters)`
    )
  }
}

/** A label given by name (string) or as `{ name }`. */
const labelName = (label: unknown) =>
  typeof label === 'string' ? label : String((label as { name?: string }).name)

export type IssueStore = ReturnType<typeof createIssueStore>

export function createIssueStore(context: FakeContext) {
  const { state } = context

  function labelNamed(name: string): FakeLabel {
    let label = state.labels.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase())
    if (!label) {
      // GitHub creates a label named on an issue that does not exist yet (gray, no description).
      label = { id: context.newId(), name, color: 'ededed', description: null }
      state.labels.push(label)
    }
    return label
  }

  function issueOf(issue: FakeIssue): Record<string, unknown> {
    return issueJson(context.json(), issue, labelNamed)
  }

  function findIssue(issueNumber: number): FakeIssue {
    const issue = state.issues.find((candidate) => candidate.number === issueNumber)
    if (!issue) throw notFound()
    return issue
  }

  function nextIssueNumber(): number {
    return Math.max(0, ...state.issues.map((issue) => issue.number)) + 1
  }

  function createIssueRecord(fields: {
    number?: number
    title: string
    body: string | null
    labels: string[]
    user: FakeUser
    pull?: boolean
  }): FakeIssue {
    const issue: FakeIssue = {
      id: context.newId(),
      number: fields.number ?? nextIssueNumber(),
      title: fields.title,
      body: fields.body,
      state: 'open',
      user: fields.user,
      labels: fields.labels.map((name) => labelNamed(name).name),
      comments: 0,
      created_at: context.now(),
      updated_at: context.now(),
      closed_at: null,
      ...(fields.pull ? { pull_request: { merged_at: null } } : {})
    }
    state.issues.push(issue)
    return issue
  }

  /** The issue as webhook payloads carry it. */
  function webhookIssue(issue: FakeIssue): Record<string, unknown> {
    const json = issueOf(issue)
    return { ...json, performed_via_github_app: null }
  }

  /** The webhook payload's `sender`: a person. */
  function sender(login: string): Record<string, unknown> {
    return userJson(context.json(), { login, type: 'User' })
  }

  /** A person edits an issue's body in GitHub's UI; returns the `issues.edited` payload. */
  function editIssueAsUser(issueNumber: number, login: string, body: string): Record<string, unknown> {
    const issue = state.issues.find((candidate) => candidate.number === issueNumber)
    if (!issue) throw new Error(`Fake GitHub: no issue #${issueNumber}.`)
    const from = issue.body ?? ''
    issue.body = body
    issue.updated_at = context.now()
    return validateWebhookPayload('issues', 'edited', {
      action: 'edited',
      changes: { body: { from } },
      issue: webhookIssue(issue),
      repository: repositoryJson(context.json()),
      sender: sender(login)
    })
  }

  return { labelNamed, issueOf, findIssue, createIssueRecord, webhookIssue, sender, editIssueAsUser }
}

export function issueRoutes(context: FakeContext, identities: Identities, issues: IssueStore): Route[] {
  const { state, owner, repo } = context
  const { requirePermission } = identities
  const { labelNamed, issueOf, findIssue, createIssueRecord } = issues
  return [
    {
      method: 'GET',
      pattern: /^\/issues$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'read')
        const { query } = request
        const wantedState = query.state ?? 'open'
        let found = state.issues.filter((issue) => wantedState === 'all' || issue.state === wantedState)
        if (query.labels) {
          const wanted = query.labels.split(',').map((name) => name.trim().toLowerCase())
          found = found.filter((issue) =>
            wanted.every((name) => issue.labels.some((label) => label.toLowerCase() === name))
          )
        }
        if (query.creator) found = found.filter((issue) => issue.user.login === query.creator)
        const key = query.sort === 'updated' ? 'updated_at' : 'created_at'
        const sorted = [...found].sort((a, b) =>
          a[key] === b[key] ? a.number - b.number : a[key] < b[key] ? -1 : 1
        )
        if ((query.direction ?? 'desc') === 'desc') sorted.reverse()
        const page = paginate(sorted, request, `/repos/${owner}/${repo}/issues`)
        return { ...page, body: page.body.map(issueOf) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/issues$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'write')
        const body = optionalString(request.body, 'body') ?? null
        if (body !== null) checkBodyLength(body, 'Issue')
        const labels = Array.isArray(request.body.labels) ? request.body.labels.map(labelName) : []
        const issue = createIssueRecord({
          title: String(request.body.title),
          body,
          labels,
          user: authorOf(request.actor)
        })
        return { status: 201, body: issueOf(issue) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)$/,
      handle: ([, number], request) => {
        requirePermission(request.actor, 'issues', 'read')
        return { status: 200, body: issueOf(findIssue(Number(number))) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/(\d+)$/,
      handle: ([, number], request) => {
        requirePermission(request.actor, 'issues', 'write')
        const issue = findIssue(Number(number))
        const { body } = request
        if (typeof body.body === 'string') checkBodyLength(body.body, 'Issue')
        if (body.title !== undefined && body.title !== null) issue.title = String(body.title)
        if (body.body !== undefined) issue.body = (body.body as string | null) ?? null
        if (body.state === 'open' || body.state === 'closed') {
          issue.state = body.state
          issue.closed_at = body.state === 'closed' ? context.now() : null
        }
        if (Array.isArray(body.labels))
          issue.labels = body.labels.map((label) => labelNamed(labelName(label)).name)
        issue.updated_at = context.now()
        return { status: 200, body: issueOf(issue) }
      }
    },
    ...labelRoutes(context, identities)
  ]
}

function labelRoutes(context: FakeContext, { requirePermission }: Identities): Route[] {
  const { state } = context
  return [
    {
      method: 'GET',
      pattern: /^\/labels\/(.+)$/,
      handle: ([, name], request) => {
        requirePermission(request.actor, 'issues', 'read')
        const label = state.labels.find(
          (candidate) => candidate.name.toLowerCase() === (name ?? '').toLowerCase()
        )
        if (!label) throw notFound()
        return { status: 200, body: labelJson(context.json(), label) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/labels$/,
      handle: (_match, request) => {
        requirePermission(request.actor, 'issues', 'write')
        const name = String(request.body.name)
        if (state.labels.some((label) => label.name.toLowerCase() === name.toLowerCase())) {
          throw validationFailed('Label', 'name', 'already_exists')
        }
        const color = optionalString(request.body, 'color') ?? 'ededed'
        if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validationFailed('Label', 'color', 'invalid')
        const label: FakeLabel = {
          id: context.newId(),
          name,
          color,
          description: optionalString(request.body, 'description') ?? null
        }
        state.labels.push(label)
        return { status: 201, body: labelJson(context.json(), label) }
      }
    }
  ]
}
