import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { hasRoleAtLeast, hiddenMarker, type IssueUpsert } from '../src/github/client.js'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'
import { clientFor, TEST_OWNER, TEST_REPO } from '../test-support/github-client-harness.js'
import { validateWebhookPayload, WebhookPayloadError } from '../test-support/github-webhooks.js'

const REPO_PATH = `/repos/${TEST_OWNER}/${TEST_REPO}`
const LABEL = { name: 'wechat-release', color: '0e8a16', description: 'WeChat release dashboard' }
const APP_TOKEN = 'ghs_releasebotinstallation'

function dashboard(body: string, overrides: Partial<IssueUpsert> = {}): IssueUpsert {
  return { label: LABEL, markerKey: 'dashboard', title: 'WeChat release dashboard', body, ...overrides }
}

describe('the dashboard issue', () => {
  let github: FakeGitHub

  beforeEach(async () => {
    github = await startFakeGitHub({
      owner: TEST_OWNER,
      repo: TEST_REPO,
      appTokens: { [APP_TOKEN]: { slug: 'release-bot' } }
    })
  })
  afterEach(async () => {
    await github.close()
    github.assertFollowedDocuments()
  })

  const writes = () => github.writes().map((request) => `${request.method} ${request.path}`)

  it('creates the issue with its label on first need, then writes only when the body sent would differ', async () => {
    const { client } = clientFor(github)
    const created = await client.upsertIssue(dashboard('## State\n- [ ] advance'))
    expect(created).toMatchObject({ number: 1, created: true, changed: true })
    expect(writes()).toEqual([`POST ${REPO_PATH}/labels`, `POST ${REPO_PATH}/issues`])
    expect(github.state.labels).toEqual([
      expect.objectContaining({ name: 'wechat-release', color: '0e8a16' })
    ])
    const issue = github.state.issues[0]
    expect(issue).toMatchObject({
      labels: ['wechat-release'],
      user: { login: 'github-actions[bot]', type: 'Bot' }
    })
    expect(issue?.body).toBe(`## State\n- [ ] advance\n\n${hiddenMarker('dashboard')}`)

    github.resetLog()
    expect(await client.upsertIssue(dashboard('## State\n- [ ] advance'))).toMatchObject({
      number: 1,
      changed: false
    })
    expect(github.writes()).toEqual([])

    expect(await client.upsertIssue(dashboard('## State\n- [ ] release'))).toMatchObject({
      number: 1,
      changed: true
    })
    expect(writes()).toEqual([`PATCH ${REPO_PATH}/issues/1`])
    expect(github.writes()[0]?.body).toEqual({
      body: `## State\n- [ ] release\n\n${hiddenMarker('dashboard')}`
    })
  })

  it('finds its own issue only: same label and marker from someone else, or from another App, is ignored', async () => {
    const marker = hiddenMarker('dashboard')
    github.openIssue({
      title: 'Fake dashboard',
      body: `- [x] release\n${marker}`,
      labels: ['wechat-release'],
      login: 'mallory'
    })
    github.openIssue({
      title: 'Other bot',
      body: `copied\n${marker}`,
      labels: ['wechat-release'],
      login: 'renovate[bot]',
      type: 'Bot'
    })
    github.addPullRequest({ number: 3, headSha: 'c'.repeat(40), title: 'A pull request' })
    const { client } = clientFor(github)
    expect(await client.findOwnIssue({ label: 'wechat-release', markerKey: 'dashboard' })).toBeUndefined()
    const created = await client.upsertIssue(dashboard('mine'))
    expect(created.number).toBe(4)
    const own = await client.findOwnIssue({ label: 'wechat-release', markerKey: 'dashboard' })
    expect(own).toMatchObject({ number: 4, ownedByAction: true, labels: ['wechat-release'], state: 'open' })
    expect(await client.getIssue(1)).toMatchObject({ ownedByAction: false, author: { login: 'mallory' } })
    // Pull requests share the numbers but are not issues here.
    expect(await client.getIssue(3)).toBeUndefined()
    await expect(client.updateIssue(1, { body: 'hijack' })).rejects.toThrow('was not opened by the action')
    expect(github.state.issues[0]?.body).toContain('[x] release')
  })

  it('reopens its closed issue by default, or leaves it closed when asked', async () => {
    const { client } = clientFor(github)
    await client.upsertIssue(dashboard('v1'))
    github.state.issues[0]!.state = 'closed'
    expect(await client.upsertIssue(dashboard('v1', { whenClosed: 'leave' }))).toMatchObject({
      changed: false
    })
    expect(github.state.issues[0]?.state).toBe('closed')
    await client.upsertIssue(dashboard('v1'))
    expect(github.state.issues[0]?.state).toBe('open')
    expect(github.state.issues).toHaveLength(1)
  })

  it('recognises an App token’s issue by its bot login', async () => {
    const { client } = clientFor(github, { token: APP_TOKEN, appSlug: 'release-bot' })
    await client.upsertIssue(dashboard('v1'))
    expect(github.state.issues[0]?.user.login).toBe('release-bot[bot]')
    github.resetLog()
    expect(await client.upsertIssue(dashboard('v1'))).toMatchObject({ changed: false })
    // GITHUB_TOKEN's client does not take the App's issue for its own.
    expect(
      await clientFor(github).client.findOwnIssue({ label: 'wechat-release', markerKey: 'dashboard' })
    ).toBeUndefined()
  })

  it('keeps an existing label and tolerates one created in between', async () => {
    const { client } = clientFor(github)
    github.state.labels.push({ id: 9, name: 'wechat-release', color: 'ff0000', description: null })
    expect(await client.ensureLabel(LABEL)).toEqual({ changed: false })
    github.failNext('GET', `${REPO_PATH}/labels/other`, 404)
    github.state.labels.push({ id: 10, name: 'other', color: 'ff0000', description: null })
    expect(await client.ensureLabel({ ...LABEL, name: 'other' })).toEqual({ changed: true })
    await expect(client.ensureLabel({ ...LABEL, color: '#0e8a16' })).rejects.toThrow('six hex digits')
  })

  it('a person’s edit comes as the issues.edited payload GitHub sends, checked against its webhook schema', async () => {
    const { client } = clientFor(github)
    const { number } = await client.upsertIssue(dashboard('- [ ] advance the gray'))
    const before = github.state.issues[0]?.body
    const payload = github.editIssueAsUser(number, 'alice', (before ?? '').replace('- [ ]', '- [x]'))
    expect(payload).toMatchObject({
      action: 'edited',
      changes: { body: { from: before } },
      sender: { login: 'alice', type: 'User' },
      issue: {
        number,
        user: { login: 'github-actions[bot]' },
        body: expect.stringContaining('- [x] advance')
      },
      repository: { full_name: `${TEST_OWNER}/${TEST_REPO}` }
    })
    expect(() => validateWebhookPayload('issues', 'edited', { ...payload, sender: undefined })).toThrow(
      WebhookPayloadError
    )
    expect(() => validateWebhookPayload('check_run', 'unknown_action', {})).toThrow('GitHub documents no')
    const comment = github.commentAsUser(number, 'bob', 'Why was this refused?')
    expect(comment).toMatchObject({
      action: 'created',
      comment: { user: { login: 'bob' } },
      issue: { number }
    })
  })

  describe('collaborator permissions', () => {
    it('reads role_name, counts a custom role as its base permission, and an unknown user as none', async () => {
      github.setRole('maya', 'maintain')
      github.setRole('tri', 'triage')
      github.setRole('custom', { name: 'release-captain', base: 'maintain' })
      const { client } = clientFor(github)
      // GitHub reports a custom role's base as the legacy permission: maintain becomes write (fail safe).
      const expected: Array<[string, string, string, string]> = [
        ['maya', 'write', 'maintain', 'maintain'],
        ['tri', 'read', 'triage', 'triage'],
        ['custom', 'write', 'release-captain', 'write'],
        ['stranger', 'none', 'none', 'none']
      ]
      for (const [login, permission, roleName, role] of expected) {
        expect(await client.getCollaboratorPermission(login)).toEqual({ permission, roleName, role })
      }
      expect(await client.getCollaboratorPermission(TEST_OWNER)).toMatchObject({ role: 'admin' })
      expect(hasRoleAtLeast('maintain', 'maintain')).toBe(true)
      expect(hasRoleAtLeast('write', 'maintain')).toBe(false)
      expect(hasRoleAtLeast('admin', 'maintain')).toBe(true)
    })
  })
})
