import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { gitBlobSha, type DeploymentRecord } from '../src/github/client.js'
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js'
import {
  assertFollowedDocumentsAndReset,
  clientFor,
  TEST_OWNER,
  TEST_REPO
} from '../test-support/github-client-harness.js'

const SHA = 'a'.repeat(40)
const OTHER_SHA = 'b'.repeat(40)
const REPO_PATH = `/repos/${TEST_OWNER}/${TEST_REPO}`

describe('deployments and files', () => {
  let github: FakeGitHub

  beforeAll(async () => {
    github = await startFakeGitHub({ owner: TEST_OWNER, repo: TEST_REPO })
    github.addTag('v1.2.3', SHA)
    github.addTag('v1.2.4', OTHER_SHA)
  })
  afterAll(async () => {
    await github.close()
  })
  beforeEach(() => {
    github.state.deployments.length = 0
    github.state.deploymentStatuses.length = 0
    github.resetLog()
  })
  afterEach(() => {
    assertFollowedDocumentsAndReset(github)
  })

  const paths = () => github.writes().map((request) => request.path.replace(REPO_PATH, ''))

  describe('deployments', () => {
    const record: DeploymentRecord = {
      ref: 'v1.2.3',
      environment: 'wechat',
      version: '1.2.3',
      operation: 'release',
      description: 'Released 1.2.3 to everyone',
      payload: { appid: 'wx1234567890abcdef' },
      logUrl: 'https://github.com/octo-org/mini-app/actions/runs/1',
      environmentUrl: 'https://mp.weixin.qq.com',
      state: 'success'
    }

    it('records a deployment once, adds only a status when the outcome changes, and a new one for a new version', async () => {
      const { client } = clientFor(github)
      const first = await client.recordDeployment(record)
      expect(first.changed).toBe(true)
      expect(paths()).toEqual(['/deployments', `/deployments/${first.id}/statuses`])
      expect(github.writes()[0]?.body).toEqual({
        ref: 'v1.2.3',
        environment: 'wechat',
        description: 'Released 1.2.3 to everyone',
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
        transient_environment: false,
        payload: { appid: 'wx1234567890abcdef', version: '1.2.3', operation: 'release' }
      })
      expect(github.writes()[1]?.body).toMatchObject({
        state: 'success',
        log_url: record.logUrl,
        environment_url: 'https://mp.weixin.qq.com'
      })

      github.resetLog()
      expect(await client.recordDeployment(record)).toEqual({ id: first.id, changed: false })
      expect(github.writes()).toEqual([])

      expect(await client.recordDeployment({ ...record, state: 'failure' })).toEqual({
        id: first.id,
        changed: true
      })
      expect(paths()).toEqual([`/deployments/${first.id}/statuses`])
      expect(github.writes()[0]?.body).not.toHaveProperty('environment_url')

      const next = await client.recordDeployment({ ...record, ref: 'v1.2.4', version: '1.2.4' })
      expect(next.id).not.toBe(first.id)
      const listed = await client.listDeployments('wechat')
      expect(
        listed.map((deployment) => [
          deployment.appid,
          deployment.version,
          deployment.operation,
          deployment.latestState
        ])
      ).toEqual([
        ['wx1234567890abcdef', '1.2.4', 'release', 'success'],
        ['wx1234567890abcdef', '1.2.3', 'release', 'failure']
      ])
      expect(listed[1]).toMatchObject({ ref: 'v1.2.3', sha: SHA })
    })

    it('records each mini program’s release of the same version: one appid never stands in for another', async () => {
      const { client } = clientFor(github)
      const a = await client.recordDeployment({ ...record, payload: { appid: 'wxaaaaaaaaaaaaaaaa' } })
      const b = await client.recordDeployment({ ...record, appid: 'wxbbbbbbbbbbbbbbbb', payload: {} })
      expect(b.changed).toBe(true)
      expect(b.id).not.toBe(a.id)
      expect(
        github.state.deployments.map((deployment) => (deployment.payload as { appid: string }).appid)
      ).toEqual(['wxaaaaaaaaaaaaaaaa', 'wxbbbbbbbbbbbbbbbb'])
      // Each is found again by its own appid, also behind the other's newer record.
      github.resetLog()
      expect(await client.recordDeployment({ ...record, payload: { appid: 'wxaaaaaaaaaaaaaaaa' } })).toEqual({
        id: a.id,
        changed: false
      })
      expect(github.writes()).toEqual([])
    })
  })

  describe('files', () => {
    it('creates an orphan branch for the first file, skips identical content, updates changed content', async () => {
      const { client } = clientFor(github)
      const qr = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
      const request = {
        branch: 'wechat-previews',
        path: 'previews/pr-7.jpg',
        content: qr,
        message: 'Preview QR'
      }
      expect(await client.putFile(request)).toEqual({
        url: `${github.serverUrl}/${TEST_OWNER}/${TEST_REPO}/blob/wechat-previews/previews/pr-7.jpg?raw=true`,
        changed: true
      })
      expect(paths()).toEqual(['/git/blobs', '/git/trees', '/git/commits', '/git/refs'])
      expect(github.writes()[2]?.body).toMatchObject({ parents: [] })
      expect(github.state.files['wechat-previews']?.['previews/pr-7.jpg']).toEqual(qr)

      github.resetLog()
      expect((await client.putFile(request)).changed).toBe(false)
      expect(github.writes()).toEqual([])

      const newer = Buffer.from([0xff, 0xd8, 9, 9])
      expect((await client.putFile({ ...request, content: newer })).changed).toBe(true)
      expect(github.writes().map((entry) => entry.method)).toEqual(['PUT'])
      expect(github.writes()[0]?.body).toMatchObject({ branch: 'wechat-previews', sha: gitBlobSha(qr) })
      await client.putFile({ ...request, path: 'previews/pr-8.jpg' })
      expect(Object.keys(github.state.files['wechat-previews'] ?? {}).sort()).toEqual([
        'previews/pr-7.jpg',
        'previews/pr-8.jpg'
      ])
    })

    it('reads again and decides again when another job wrote the file in between, or the answer was lost', async () => {
      const { client } = clientFor(github)
      const request = { branch: 'race', path: 'qr.jpg', content: Buffer.from('one'), message: 'QR' }
      await client.putFile(request)
      github.failNext('PUT', `${REPO_PATH}/contents/qr.jpg`, 409, { message: 'qr.jpg does not match' })
      github.resetLog()
      expect((await client.putFile({ ...request, content: Buffer.from('two') })).changed).toBe(true)
      expect(github.writes().map((entry) => entry.method)).toEqual(['PUT', 'PUT'])
      expect(github.state.files.race?.['qr.jpg']?.toString()).toBe('two')

      github.loseAnswerNext('PUT', `${REPO_PATH}/contents/qr.jpg`)
      github.resetLog()
      expect((await client.putFile({ ...request, content: Buffer.from('three') })).changed).toBe(true)
      expect(github.writes().map((entry) => entry.method)).toEqual(['PUT'])
      expect(github.state.files.race?.['qr.jpg']?.toString()).toBe('three')
    })
  })
})
