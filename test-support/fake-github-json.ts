/**
 * The JSON the fake GitHub answers with, shaped as GitHub's OpenAPI description and webhook schema require
 * (every required field present, URLs where URLs are expected), so a client that reads a field GitHub
 * documents finds it here too. Values that tests do not care about are plausible constants.
 */

export interface JsonContext {
  /** Web root, e.g. http://127.0.0.1:1234 */
  serverUrl: string
  /** API root, e.g. http://127.0.0.1:1234/api/v3 */
  apiUrl: string
  owner: string
  repo: string
  defaultBranch: string
}

export interface FakeUser {
  login: string
  type: 'Bot' | 'User' | 'Organization'
}

export interface FakeAppInfo {
  id: number
  slug: string
  name: string
}

const EPOCH = '2024-01-01T00:00:00Z'

/** Stable numeric ids for logins, as GitHub gives every account one. */
const knownIds: Record<string, number> = { 'github-actions[bot]': 41898282 }
export function userId(login: string): number {
  let id = knownIds[login]
  if (id === undefined) {
    id =
      1000 + [...login].reduce((sum, char, index) => (sum * 31 + char.charCodeAt(0) + index) % 9_000_000, 7)
    knownIds[login] = id
  }
  return id
}

export function userJson(context: JsonContext, user: FakeUser): Record<string, unknown> {
  const id = userId(user.login)
  const api = `${context.apiUrl}/users/${encodeURIComponent(user.login)}`
  return {
    login: user.login,
    id,
    node_id: `U_${id}`,
    avatar_url: `${context.serverUrl}/avatars/u/${id}`,
    gravatar_id: '',
    url: api,
    html_url: `${context.serverUrl}/${encodeURIComponent(user.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false
  }
}

export function appJson(context: JsonContext, app: FakeAppInfo): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: `A_${app.id}`,
    client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
    owner: userJson(context, {
      login: app.slug === 'github-actions' ? 'github' : `${app.slug}-owner`,
      type: 'Organization'
    }),
    name: app.name,
    description: `${app.name} (fake)`,
    external_url: `${context.serverUrl}/apps/${app.slug}`,
    html_url: `${context.serverUrl}/apps/${app.slug}`,
    created_at: EPOCH,
    updated_at: EPOCH,
    permissions: { checks: 'write', issues: 'write', metadata: 'read', pull_requests: 'write' },
    events: []
  }
}

/** The repository, in the shape both the REST API and webhook payloads use. */
export function repositoryJson(context: JsonContext): Record<string, unknown> {
  const full = `${context.owner}/${context.repo}`
  const api = `${context.apiUrl}/repos/${full}`
  const html = `${context.serverUrl}/${full}`
  const url = (suffix: string) => `${api}${suffix}`
  return {
    id: 1296269,
    node_id: 'R_fake',
    name: context.repo,
    full_name: full,
    private: false,
    owner: userJson(context, { login: context.owner, type: 'Organization' }),
    html_url: html,
    description: null,
    fork: false,
    url: api,
    archive_url: url('/{archive_format}{/ref}'),
    assignees_url: url('/assignees{/user}'),
    blobs_url: url('/git/blobs{/sha}'),
    branches_url: url('/branches{/branch}'),
    collaborators_url: url('/collaborators{/collaborator}'),
    comments_url: url('/comments{/number}'),
    commits_url: url('/commits{/sha}'),
    compare_url: url('/compare/{base}...{head}'),
    contents_url: url('/contents/{+path}'),
    contributors_url: url('/contributors'),
    deployments_url: url('/deployments'),
    downloads_url: url('/downloads'),
    events_url: url('/events'),
    forks_url: url('/forks'),
    git_commits_url: url('/git/commits{/sha}'),
    git_refs_url: url('/git/refs{/sha}'),
    git_tags_url: url('/git/tags{/sha}'),
    git_url: `git://127.0.0.1/${full}.git`,
    issue_comment_url: url('/issues/comments{/number}'),
    issue_events_url: url('/issues/events{/number}'),
    issues_url: url('/issues{/number}'),
    keys_url: url('/keys{/key_id}'),
    labels_url: url('/labels{/name}'),
    languages_url: url('/languages'),
    merges_url: url('/merges'),
    milestones_url: url('/milestones{/number}'),
    notifications_url: url('/notifications{?since,all,participating}'),
    pulls_url: url('/pulls{/number}'),
    releases_url: url('/releases{/id}'),
    ssh_url: `git@127.0.0.1:${full}.git`,
    stargazers_url: url('/stargazers'),
    statuses_url: url('/statuses/{sha}'),
    subscribers_url: url('/subscribers'),
    subscription_url: url('/subscription'),
    tags_url: url('/tags'),
    teams_url: url('/teams'),
    trees_url: url('/git/trees{/sha}'),
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: url('/hooks'),
    svn_url: html,
    homepage: null,
    language: 'JavaScript',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 100,
    default_branch: context.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: EPOCH,
    created_at: EPOCH,
    updated_at: EPOCH,
    license: null,
    allow_forking: true,
    web_commit_signoff_required: false,
    network_count: 0,
    subscribers_count: 0
  }
}

export interface FakeLabel {
  id: number
  name: string
  color: string
  description: string | null
}

export function labelJson(context: JsonContext, label: FakeLabel): Record<string, unknown> {
  return {
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${context.apiUrl}/repos/${context.owner}/${context.repo}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description
  }
}

export interface FakeIssue {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  user: FakeUser
  labels: string[]
  comments: number
  created_at: string
  updated_at: string
  closed_at: string | null
  /** Set for pull requests, which GitHub's issues API lists too. */
  pull_request?: { merged_at: string | null }
}

function reactions(url: string): Record<string, unknown> {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0
  }
}

export function issueJson(
  context: JsonContext,
  issue: FakeIssue,
  labels: (name: string) => FakeLabel
): Record<string, unknown> {
  const api = `${context.apiUrl}/repos/${context.owner}/${context.repo}`
  const url = `${api}/issues/${issue.number}`
  const kind = issue.pull_request ? 'pull' : 'issues'
  return {
    id: issue.id,
    node_id: `I_${issue.id}`,
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${context.serverUrl}/${context.owner}/${context.repo}/${kind}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.state === 'closed' ? 'completed' : null,
    title: issue.title,
    body: issue.body,
    user: userJson(context, issue.user),
    labels: issue.labels.map((name) => labelJson(context, labels(name))),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments,
    closed_at: issue.closed_at,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    author_association: issue.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    reactions: reactions(url),
    ...(issue.pull_request
      ? {
          pull_request: {
            url: `${api}/pulls/${issue.number}`,
            html_url: `${context.serverUrl}/${context.owner}/${context.repo}/pull/${issue.number}`,
            diff_url: `${context.serverUrl}/${context.owner}/${context.repo}/pull/${issue.number}.diff`,
            patch_url: `${context.serverUrl}/${context.owner}/${context.repo}/pull/${issue.number}.patch`,
            merged_at: issue.pull_request.merged_at
          }
        }
      : {})
  }
}

export interface FakeComment {
  id: number
  issue_number: number
  body: string
  user: FakeUser
  created_at: string
  updated_at: string
}

export function commentJson(
  context: JsonContext,
  comment: FakeComment,
  isPullRequest: boolean
): Record<string, unknown> {
  const api = `${context.apiUrl}/repos/${context.owner}/${context.repo}`
  const url = `${api}/issues/comments/${comment.id}`
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url,
    html_url: `${context.serverUrl}/${context.owner}/${context.repo}/${isPullRequest ? 'pull' : 'issues'}/${comment.issue_number}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.issue_number}`,
    body: comment.body,
    user: userJson(context, comment.user),
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    author_association: comment.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    reactions: reactions(url)
  }
}

export interface FakeCommitInfo {
  sha: string
  tree: string
  parents: string[]
  message: string
}

export function commitJson(
  context: JsonContext,
  commit: FakeCommitInfo,
  date: string
): Record<string, unknown> {
  const api = `${context.apiUrl}/repos/${context.owner}/${context.repo}`
  const person = { name: 'Octo Dev', email: 'dev@example.com', date }
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: `C_${commit.sha.slice(0, 12)}`,
    html_url: `${context.serverUrl}/${context.owner}/${context.repo}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: person,
      committer: person,
      message: commit.message,
      comment_count: 0,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
    },
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${context.serverUrl}/${context.owner}/${context.repo}/commit/${sha}`
    }))
  }
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
