/**
 * Comments on issues and pull requests (a pull request's conversation is its issue's). A person's comment in
 * GitHub's UI yields the `issue_comment.created` webhook payload.
 */
import { commentJson, repositoryJson, type FakeComment, type FakeUser } from '../fake-github-json.js'
import { validateWebhookPayload } from '../github-webhooks.js'
import type { FakeContext } from './context.js'
import { notFound } from './errors.js'
import { authorOf, type Identities } from './identities.js'
import { checkBodyLength, type IssueStore } from './issues.js'
import { paginate, type Route } from './routing.js'

export type Comments = ReturnType<typeof createComments>

export function createComments(context: FakeContext, issues: IssueStore) {
  const { state } = context

  function commentOf(comment: FakeComment): Record<string, unknown> {
    const isPull = state.issues.some((issue) => issue.number === comment.issue_number && issue.pull_request)
    return commentJson(context.json(), comment, isPull)
  }

  function commentOn(issueNumber: number, body: string, user: FakeUser): FakeComment {
    const comment: FakeComment = {
      id: context.newId(),
      issue_number: issueNumber,
      body,
      user,
      created_at: context.now(),
      updated_at: context.now()
    }
    state.comments.push(comment)
    return comment
  }

  /** A comment by someone (a person or a bot), on an issue made up when it does not exist. */
  function addComment(
    issueNumber: number,
    comment: { body: string; login: string; type: 'Bot' | 'User' }
  ): FakeComment {
    const issue =
      state.issues.find((candidate) => candidate.number === issueNumber) ??
      issues.createIssueRecord({
        number: issueNumber,
        title: `Issue ${issueNumber}`,
        body: null,
        labels: [],
        user: { login: 'octocat', type: 'User' }
      })
    const created = commentOn(issue.number, comment.body, { login: comment.login, type: comment.type })
    issue.comments++
    return created
  }

  /** A person comments on an issue; returns the `issue_comment.created` payload. */
  function commentAsUser(issueNumber: number, login: string, body: string): Record<string, unknown> {
    const issue = state.issues.find((candidate) => candidate.number === issueNumber)
    if (!issue) throw new Error(`Fake GitHub: no issue #${issueNumber}.`)
    const comment = commentOn(issueNumber, body, { login, type: 'User' })
    issue.comments++
    return validateWebhookPayload('issue_comment', 'created', {
      action: 'created',
      comment: { ...commentOf(comment), performed_via_github_app: null },
      issue: issues.webhookIssue(issue),
      repository: repositoryJson(context.json()),
      sender: issues.sender(login)
    })
  }

  return { commentOf, commentOn, addComment, commentAsUser }
}

export function commentRoutes(
  context: FakeContext,
  { requirePermission }: Identities,
  issues: IssueStore,
  comments: Comments
): Route[] {
  const { state, owner, repo } = context
  const { commentOf } = comments
  const findComment = (id: string | undefined): FakeComment => {
    const comment = state.comments.find((candidate) => candidate.id === Number(id))
    if (!comment) throw notFound()
    return comment
  }
  return [
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, issue], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'read')
        issues.findIssue(Number(issue))
        const found = state.comments.filter((comment) => comment.issue_number === Number(issue))
        const page = paginate(found, request, `/repos/${owner}/${repo}/issues/${issue}/comments`)
        return { ...page, body: page.body.map(commentOf) }
      }
    },
    {
      method: 'POST',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([, number], request) => {
        const issue = issues.findIssue(Number(number))
        requirePermission(request.actor, issue.pull_request ? ['issues', 'pull-requests'] : 'issues', 'write')
        const body = String(request.body.body)
        checkBodyLength(body, 'IssueComment')
        const comment = comments.commentOn(issue.number, body, authorOf(request.actor))
        issue.comments++
        return { status: 201, body: commentOf(comment) }
      }
    },
    {
      method: 'GET',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'read')
        return { status: 200, body: commentOf(findComment(id)) }
      }
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([, id], request) => {
        requirePermission(request.actor, ['issues', 'pull-requests'], 'write')
        const comment = findComment(id)
        const body = String(request.body.body)
        checkBodyLength(body, 'IssueComment')
        comment.body = body
        comment.updated_at = context.now()
        return { status: 200, body: commentOf(comment) }
      }
    }
  ]
}
