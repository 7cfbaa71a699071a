/**
 * A stateful fake of the GitHub REST API on loopback (node:http, 127.0.0.1, port 0), laid out like GitHub
 * Enterprise Server (`<server>/api/v3`) so that API and web URLs differ as they do on github.com.
 *
 * It follows GitHub's documents, not the action's client:
 * - Every request is checked against GitHub's official OpenAPI description (github-openapi.ts): an unknown
 *   route or method answers 404, a parameter or body that breaks the schema answers 422 "Invalid request",
 *   and every finding (also undocumented fields GitHub would ignore) is recorded; `violations()` lists them
 *   and end-to-end worlds fail on any. Every answer the fake gives is checked against the description's
 *   response schema too, so the fake cannot drift from GitHub's shapes unnoticed (`fakeFindings()`).
 * - Behaviour beyond the schema rests on GitHub's documents (cited in docs/platform-conformance.md (GitHub)):
 *   check-run output limited in UTF-8 bytes; runs owned by the App that created them (PATCH by another App
 *   → 403); `stale` after 14 days incomplete (injectable clock); issues, labels and comments with authors;
 *   issue edits by people with the `issues.edited` webhook payload; collaborator permissions per user;
 *   `/commits/{sha}/pulls` returning the merged pull request for a commit on the default branch and merged
 *   and open ones otherwise; compare over a commit graph; primary and secondary rate limits on demand.
 *
 * Tokens: any token acts as GitHub Actions' installation (GITHUB_TOKEN) unless listed in `appTokens` (another
 * App's installation token) or `userTokens` (a personal access token).
 */
import type { FakeAppInfo, FakeComment, FakeIssue } from './fake-github-json.js'
import { addCheckRunOfApp, checkRoutes, markStaleRuns } from './fake-github/checks.js'
import { collaboratorRoutes } from './fake-github/collaborators.js'
import { commentRoutes, createComments } from './fake-github/comments.js'
import { commitRoutes, createCommitGraph } from './fake-github/commits.js'
import { API_PREFIX, createContext, type FakeGitHubOptions } from './fake-github/context.js'
import { contentRoutes } from './fake-github/contents.js'
import { deploymentRoutes } from './fake-github/deployments.js'
import { createFaults, type RateLimit } from './fake-github/faults.js'
import { addTag, gitDatabaseRoutes } from './fake-github/git-database.js'
import { createIdentities } from './fake-github/identities.js'
import { createIssueStore, issueRoutes } from './fake-github/issues.js'
import { addPullRequest, mergePullRequest, pullRoutes, type NewPullRequest } from './fake-github/pulls.js'
import { createRecorder, recorderApi, type RecordedRequest, type Violation } from './fake-github/recorder.js'
import { repositoryRoutes } from './fake-github/repository.js'
import { closeServer, startServer } from './fake-github/server.js'
import type { FakeCheckRun, FakeGitHubState, FakePullRequest, FakeRole } from './fake-github/state.js'

export type { FakeAppInfo, FakeComment, FakeIssue, FakeLabel, FakeUser } from './fake-github-json.js'
export type { FakeGitHubOptions, FakeLevel, FakeScope } from './fake-github/context.js'
export type { RateLimit } from './fake-github/faults.js'
export { GITHUB_ACTIONS_APP } from './fake-github/identities.js'
export type { RecordedRequest, Violation } from './fake-github/recorder.js'
export type {
  FakeCheckRun,
  FakeDeployment,
  FakeDeploymentStatus,
  FakeGitHubState,
  FakePullRequest,
  FakeRole
} from './fake-github/state.js'

export interface FakeGitHub {
  /** API root, for GITHUB_API_URL. */
  url: string
  /** Web root, for GITHUB_SERVER_URL. */
  serverUrl: string
  state: FakeGitHubState
  /** The fake's clock now (ms); moved on by `advance`. */
  now(): number
  advance(ms: number): void
  addCommit(sha: string, message?: string, options?: { parents?: string[] }): void
  /** A new commit on top of the branch (created from the default branch when missing); returns its sha. */
  commitToBranch(branch: string, message: string, sha?: string): string
  addTag(name: string, sha: string, options?: { annotated?: boolean }): void
  addPullRequest(pull: NewPullRequest): FakePullRequest
  /** Merges the pull request into its base branch with a merge commit; returns the merge commit's sha. */
  mergePullRequest(number: number, options?: { mergeSha?: string }): string
  addComment(issueNumber: number, comment: { body: string; login: string; type: 'Bot' | 'User' }): FakeComment
  /** An issue opened by someone (a person, or another App's bot). */
  openIssue(issue: {
    title: string
    body: string
    labels?: string[]
    login: string
    type?: 'Bot' | 'User'
  }): FakeIssue
  /**
   * A person edits an issue's body in GitHub's UI: the body changes and the `issues.edited` webhook payload
   * GitHub would send is returned (checked against GitHub's webhook schema).
   */
  editIssueAsUser(issueNumber: number, login: string, body: string): Record<string, unknown>
  /** A person comments on an issue; returns the `issue_comment.created` payload (checked against the schema). */
  commentAsUser(issueNumber: number, login: string, body: string): Record<string, unknown>
  /** The user's role on the repository (GET …/collaborators/{username}/permission). */
  setRole(login: string, role: FakeRole | { name: string; base: FakeRole }): void
  /** A check run made by another App (planted, or by other CI). */
  addCheckRunOfApp(
    app: FakeAppInfo,
    run: Partial<Omit<FakeCheckRun, 'app' | 'id'>> & { head_sha: string; name: string }
  ): FakeCheckRun
  requests(): RecordedRequest[]
  /** Non-GET requests only. */
  writes(): RecordedRequest[]
  resetLog(): void
  /** Requests that did not follow GitHub's OpenAPI description or documented rules. */
  violations(): Violation[]
  clearViolations(): void
  /** Answers of the fake's that do not follow the description's response schemas (bugs of the fake). */
  fakeFindings(): string[]
  /** Throws, listing them, when any request broke GitHub's documents or any answer broke the fake's shapes. */
  assertFollowedDocuments(): void
  /** The next request matching method and path (exact string or pattern) fails once with this answer. */
  failNext(
    method: string,
    pathPattern: string | RegExp,
    status: number,
    body?: unknown,
    headers?: Record<string, string>
  ): void
  /** The next matching request is made, but its answer is lost: the client sees `status` (default 502). */
  loseAnswerNext(method: string, pathPattern: string | RegExp, status?: number): void
  /** The next matching request is refused by a rate limit, as GitHub refuses it. */
  rateLimitNext(method: string, pathPattern: string | RegExp, limit: RateLimit): void
  close(): Promise<void>
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const context = createContext(options)
  const { state } = context
  const graph = createCommitGraph(context)
  const identities = createIdentities(context)
  const issues = createIssueStore(context)
  const comments = createComments(context, issues)
  const recorder = createRecorder()
  const faults = createFaults()
  // Paths below /repos/{owner}/{repo}; no two routes match the same request.
  const routes = [
    ...repositoryRoutes(context),
    ...checkRoutes(context, identities, graph),
    ...issueRoutes(context, identities, issues),
    ...commentRoutes(context, identities, issues, comments),
    ...collaboratorRoutes(context),
    ...commitRoutes(context, identities, graph),
    ...pullRoutes(context, identities, graph),
    ...gitDatabaseRoutes(context, identities, graph),
    ...contentRoutes(context, identities, graph),
    ...deploymentRoutes(context, identities, graph)
  ]
  const beforeRoute = () => markStaleRuns(context)
  const server = await startServer(context, { identities, recorder, faults, routes, beforeRoute })

  return {
    url: `${context.serverUrl}${API_PREFIX}`,
    serverUrl: context.serverUrl,
    state,
    now: context.clock,
    advance: context.advance,
    addCommit: graph.addCommit,
    commitToBranch: graph.commitToBranch,
    addTag: (name, sha, tagOptions) => addTag(context, graph, name, sha, tagOptions),
    addPullRequest: (pull) => addPullRequest(context, graph, issues, pull),
    mergePullRequest: (number, mergeOptions) => mergePullRequest(context, graph, number, mergeOptions),
    addComment: comments.addComment,
    openIssue: (issue) =>
      issues.createIssueRecord({
        title: issue.title,
        body: issue.body,
        labels: issue.labels ?? [],
        user: { login: issue.login, type: issue.type ?? 'User' }
      }),
    editIssueAsUser: issues.editIssueAsUser,
    commentAsUser: comments.commentAsUser,
    setRole(login, role) {
      state.collaborators.set(login, role)
    },
    addCheckRunOfApp: (app, run) => addCheckRunOfApp(context, graph, app, run),
    ...recorderApi(recorder),
    failNext: faults.failNext,
    loseAnswerNext: faults.loseAnswerNext,
    rateLimitNext: faults.rateLimitNext,
    close: () => closeServer(server)
  }
}
