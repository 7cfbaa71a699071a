/**
 * The GitHub side of the action behind one small typed facade: check runs, comments, the dashboard issue,
 * collaborator permissions, pull requests and commit ranges, tags, deployments and files. Each area lives in
 * its own module over one request core (core.ts). Every write is idempotent (read, compare, write only what
 * differs) and every list is paginated. In a dry run the reads still happen, so the "unchanged, no write"
 * decision is the real one; each write is reported through `onWrite` as one line and not made.
 */
import {
  createChecks,
  type CheckRun,
  type DesiredCheckRun,
  type FindCheckRunsOptions,
  type WriteResult
} from './checks.js'
import { createCollaborators, type CollaboratorPermission } from './collaborators.js'
import { createComments, type IssueCommentRequest, type StickyCommentRequest } from './comments.js'
import { createContents, type PutFileRequest } from './contents.js'
import { createCore, type GitHubClientOptions } from './core.js'
import { createDeployments, type Deployment, type DeploymentRecord } from './deployments.js'
import {
  createIssues,
  type IssueRef,
  type IssueUpsert,
  type IssueWriteResult,
  type LabelSpec,
  type OwnIssueQuery
} from './issues.js'
import { createPulls, type CompareOptions, type Comparison, type PullRequestRef } from './pulls.js'
import { createRefs } from './refs.js'

export { GitHubApiError, GitHubPermissionError, type GitHubPermission } from './errors.js'
export { serverUrlFromApiUrl, type GitHubClientOptions } from './core.js'
export { GITHUB_ACTIONS_APP_SLUG, botLogin, type AppRef } from './identity.js'
export { stickyMarker, hiddenMarker } from './markers.js'
export { gitBlobSha, type PutFileRequest } from './contents.js'
export { CHECK_LIMITS } from './checks.js'
export { BODY_LIMIT_CHARACTERS } from './comments.js'
export { hasRoleAtLeast, roleOf, type CollaboratorPermission, type RepositoryRole } from './collaborators.js'
export type {
  CheckConclusion,
  CheckRun,
  CheckStatus,
  DesiredCheckRun,
  FindCheckRunsOptions,
  ObservedConclusion,
  ObservedStatus,
  WriteResult
} from './checks.js'
export type { IssueCommentRequest, StickyCommentRequest } from './comments.js'
export type { Deployment, DeploymentRecord, DeploymentState } from './deployments.js'
export type { IssueRef, IssueUpsert, IssueWriteResult, LabelSpec, OwnIssueQuery } from './issues.js'
export type { CommitRef, CompareOptions, Comparison, PullRequestRef } from './pulls.js'

export interface GitHubClient {
  readonly dryRun: boolean
  /** The slug of the App whose runs are the action's own (after learning from the action's own writes). */
  readonly appSlug: string
  /** The login the action's comments and issues carry (`<slug>[bot]`, or a personal token's user). */
  ownLogin(): Promise<string>

  // Check runs
  /** The runs of that name on the commit, newest first: only the action's own unless `includeOtherApps`. */
  findCheckRuns(sha: string, name: string, options?: FindCheckRunsOptions): Promise<CheckRun[]>
  getCheckRun(id: number): Promise<CheckRun>
  upsertCheckRun(desired: DesiredCheckRun): Promise<WriteResult>

  // Comments (on issues and pull requests)
  upsertStickyComment(request: StickyCommentRequest): Promise<WriteResult>
  /** A new comment; with `onceKey`, made only once per issue (a rerun finds it and makes no write). */
  addIssueComment(request: IssueCommentRequest): Promise<WriteResult>

  // Issues (the dashboard)
  getIssue(issueNumber: number): Promise<IssueRef | undefined>
  findOwnIssue(query: OwnIssueQuery): Promise<IssueRef | undefined>
  ensureLabel(label: LabelSpec): Promise<{ changed: boolean }>
  upsertIssue(request: IssueUpsert): Promise<IssueWriteResult>
  updateIssue(
    issueNumber: number,
    update: { title?: string; body?: string; markerKey?: string; state?: 'open' | 'closed' },
    current?: IssueRef
  ): Promise<IssueWriteResult>
  getCollaboratorPermission(username: string): Promise<CollaboratorPermission>

  // Pull requests and commits
  findPullRequestsForCommit(sha: string): Promise<PullRequestRef[]>
  compareCommits(base: string, head: string, options?: CompareOptions): Promise<Comparison>
  resolveTag(tag: string): Promise<{ sha: string } | undefined>
  /** The full SHA of a commit given by a (short) SHA, or undefined when no commit matches. */
  resolveCommit(ref: string): Promise<string | undefined>
  getDefaultBranch(): Promise<string>

  // Deployments and files
  recordDeployment(record: DeploymentRecord): Promise<{ id: number; changed: boolean }>
  listDeployments(environment: string, options?: { limit?: number }): Promise<Deployment[]>
  putFile(request: PutFileRequest): Promise<{ url: string; changed: boolean }>
  /** A file's content on a branch; undefined when the branch or the file does not exist. */
  getFile(request: { branch: string; path: string }): Promise<Buffer | undefined>
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const core = createCore(options)
  const checks = createChecks(core)
  // The sticky comment's home is a pull request; the dashboard's comments live on an issue.
  const prComments = createComments(core, { read: 'pull-requests: read', write: 'pull-requests: write' })
  const issueComments = createComments(core, { read: 'issues: read', write: 'issues: write' })
  const issues = createIssues(core)
  return {
    dryRun: core.dryRun,
    get appSlug() {
      return core.identity.appSlug
    },
    ownLogin: () => core.identity.ownLogin(),
    ...checks,
    upsertStickyComment: prComments.upsertStickyComment,
    addIssueComment: issueComments.addIssueComment,
    getIssue: issues.getIssue,
    findOwnIssue: issues.findOwnIssue,
    ensureLabel: issues.ensureLabel,
    upsertIssue: issues.upsertIssue,
    updateIssue: issues.updateIssue,
    ...createCollaborators(core),
    ...createPulls(core),
    ...createRefs(core),
    ...createDeployments(core),
    ...createContents(core)
  }
}
