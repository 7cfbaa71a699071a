/**
 * No secret reaches anything a user or a log store can read. Every command runs through the bundled action
 * with debug logging on, each credential style at least once, and afterwards every channel is searched for
 * every secret value: stdout and stderr (without the `::add-mask::` lines the runner hides), the outputs,
 * the job summary, every request the fake GitHub received, and the request logs of the WeChat emulator and
 * of the servicewechat.com fake. The secrets are every credential passed in, every token the emulator
 * issued (`emu-token-<kind>-<32 hex>`), and each line of the upload key's PEM body.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { startWorld, type World } from '../../test-support/world.js'

/** Gets the directCommit uploads of the sample project; token-url credentials. */
const SHOP = 'wxa000000000000001'
/** Gray, release and rollback; component credentials, then an authorizer access token. */
const CAFE = 'wxa000000000000002'
const ISSUED_TOKEN = /emu-token-([a-z]+)-[0-9a-f]{32}/g
/** Shorter lines (the PEM's last one) could occur by chance in base64 content such as the QR image. */
const MIN_KEY_LINE_LENGTH = 16
const GITHUB_TOKEN = 'ghs_SecretScanInstallationToken0123456789'
const PR_HEAD = 'a11ce00'.padEnd(40, '0')
const DEFAULT_BRANCH_HEAD = 'f'.repeat(40)

interface Secret {
  name: string
  value: string
}

interface Channel {
  name: string
  text: string
}

/**
 * One line per leak: which secret (by name, never by value) was found in which channel. An issued token
 * that is not one of the named secrets is named by its kind.
 */
function findLeaks(secrets: readonly Secret[], channels: readonly Channel[]): string[] {
  const leaks = new Set<string>()
  for (const channel of channels) {
    for (const secret of secrets) {
      if (channel.text.includes(secret.value)) leaks.add(`${secret.name} found in ${channel.name}`)
    }
    for (const match of channel.text.matchAll(ISSUED_TOKEN)) {
      const named = secrets.find((secret) => secret.value === match[0])
      leaks.add(`${named?.name ?? `an issued ${match[1]} token`} found in ${channel.name}`)
    }
  }
  return [...leaks]
}

let world: World
let devKey: string
const secrets: Secret[] = []
let servicewechatSeen = 0

function addSecret(name: string, value: string): void {
  if (value === '') throw new Error(`the secret ${name} is empty, so searching for it proves nothing`)
  secrets.push({ name, value })
}

/** Everything the run and the servers it talked to let anyone read. */
function channelsOf(label: string, run: ActionRun): Channel[] {
  const shownStdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const channels: Channel[] = [
    { name: `${label}: stdout`, text: shownStdout },
    { name: `${label}: stderr`, text: run.stderr },
    { name: `${label}: outputs`, text: JSON.stringify(run.outputs) },
    { name: `${label}: job summary`, text: run.summary }
  ]
  for (const request of world.github.requests()) {
    channels.push({
      name: `${label}: GitHub request ${request.method} ${request.path}`,
      text: JSON.stringify({
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: request.body
      })
    })
  }
  for (const request of world.emulator.control.requests()) {
    channels.push({
      name: `${label}: WeChat emulator request log ${request.path}`,
      text: JSON.stringify(request)
    })
  }
  const uploads = world.servicewechat.requests()
  for (const request of uploads.slice(servicewechatSeen)) {
    channels.push({
      name: `${label}: servicewechat.com request ${request.path}`,
      text: JSON.stringify(request)
    })
  }
  servicewechatSeen = uploads.length
  return channels
}

/** Runs one command with debug logging on and checks that it succeeded and leaked nothing. */
async function scanRun(label: string, options: Parameters<World['run']>[0]): Promise<ActionRun> {
  world.github.resetLog()
  world.emulator.control.resetRequests()
  const run = await world.run({ ...options, debug: true })
  expectSuccess(run)
  expect(run.leftoverPids).toEqual([])
  // Debug logging really was on: the WeChat client and the toolkit log through ::debug::.
  expect(run.stdout).toContain('::debug::')
  expect(findLeaks(secrets, channelsOf(label, run))).toEqual([])
  return run
}

function buildInputs(): Record<string, string> {
  return {
    'project-path': 'sample/miniprogram-project',
    'private-key': devKey,
    proxy: world.servicewechat.proxyUrl,
    'github-token': GITHUB_TOKEN
  }
}

function tokenUrlInputs(appid: string): Record<string, string> {
  return {
    'api-base-url': world.emulator.url,
    'token-url': world.emulator.credentials.tokenServiceUrl,
    'token-url-secret': world.emulator.credentials.tokenServiceSecret,
    'github-token': GITHUB_TOKEN,
    appid
  }
}

function withoutAppid(inputs: Record<string, string>): Record<string, string> {
  const { appid: _appid, ...rest } = inputs
  return rest
}

function componentInputs(appid: string): Record<string, string> {
  const credentials = world.emulator.credentials
  return {
    'api-base-url': world.emulator.url,
    'component-appid': credentials.componentAppid,
    'component-access-token': world.emulator.control.serverComponentToken(),
    'authorizer-refresh-tokens': `${appid}: ${refreshTokenOf(appid)}`,
    'github-token': GITHUB_TOKEN,
    appid
  }
}

function refreshTokenOf(appid: string): string {
  const app = world.emulator.credentials.apps.find((candidate) => candidate.appid === appid)
  if (!app) throw new Error(`the emulator has no authorized app ${appid}`)
  return app.refreshToken
}

/** What a user's own token service hands out, fetched the way a workflow step before the action would. */
async function authorizerTokenFromService(appid: string): Promise<string> {
  const { tokenServiceUrl, tokenServiceSecret } = world.emulator.credentials
  const response = await fetch(`${tokenServiceUrl}?appid=${appid}`, {
    headers: { authorization: `Bearer ${tokenServiceSecret}` }
  })
  const body = (await response.json()) as { access_token?: string; authorizer_access_token?: string }
  const token = body.access_token ?? body.authorizer_access_token
  if (response.status !== 200 || !token) throw new Error(`the token service answered ${response.status}`)
  return token
}

function dispatch(command: string, inputs: Record<string, string>): Parameters<World['run']>[0] {
  return {
    inputs: { command, ...inputs },
    eventName: 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: DEFAULT_BRANCH_HEAD
  }
}

function appState(appid: string) {
  return (
    world.emulator.control.state() as unknown as {
      apps: Record<string, { online?: { version: string }; gray?: { status: number } }>
    }
  ).apps[appid]
}

beforeAll(async () => {
  world = await startWorld()
  const credentials = world.emulator.credentials
  devKey = credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem as string
  world.github.addCommit(DEFAULT_BRANCH_HEAD)
  world.github.addCommit(PR_HEAD)
  world.github.addPullRequest({ number: 12, headSha: PR_HEAD })
  world.emulator.control.setOnline(SHOP, '1.0.0')
  world.emulator.control.setOnline(CAFE, '1.0.0')
  await seedApprovedVersion(world, CAFE, '2.0.0', 'cafe200'.padEnd(40, '0'))

  addSecret('github-token', GITHUB_TOKEN)
  addSecret('token-url-secret', credentials.tokenServiceSecret)
  // The platform's AppSecret never reaches the action; it must not appear anywhere either.
  addSecret('component appsecret (the platform server’s)', credentials.componentAppsecret)
  addSecret('component-access-token', world.emulator.control.serverComponentToken())
  addSecret(`authorizer-refresh-tokens (${CAFE})`, refreshTokenOf(CAFE))
  addSecret(`appsecret (${credentials.standaloneApp.appid})`, credentials.standaloneApp.appsecret)
  const keyLines = devKey
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_KEY_LINE_LENGTH && !line.startsWith('-----'))
  expect(keyLines.length).toBeGreaterThan(20)
  keyLines.forEach((line, index) => addSecret(`private-key PEM line ${index + 2}`, line))
}, 60_000)

afterAll(async () => {
  await world?.close()
})

describe('the leak search itself', () => {
  it('names the secret and the channel of every hit, and issued tokens by kind', () => {
    const planted: Secret[] = [
      { name: 'component-appsecret', value: 'emu-secret-planted' },
      { name: 'authorizer-access-token', value: `emu-token-authorizer-${'a'.repeat(32)}` }
    ]
    const leaks = findLeaks(planted, [
      { name: 'clean', text: 'nothing here, access_token=***' },
      { name: 'summary', text: `| secret | emu-secret-planted |` },
      {
        name: 'check run',
        text: `token emu-token-authorizer-${'a'.repeat(32)} and emu-token-component-${'0'.repeat(32)}`
      }
    ])
    expect(leaks).toEqual([
      'component-appsecret found in summary',
      'authorizer-access-token found in check run',
      'an issued component token found in check run'
    ])
  })
})

describe('every command, with debug logging, leaks no secret', () => {
  it('preview on a pull request (upload key)', async () => {
    const run = await scanRun('preview', {
      inputs: { command: 'preview', ...buildInputs(), 'preview-page-path': 'pages/index/index' },
      eventName: 'pull_request',
      payload: { pull_request: { number: 12, head: { sha: PR_HEAD } } },
      ref: 'refs/pull/12/merge',
      sha: 'd'.repeat(40)
    })
    expect(run.outputs['qrcode-url']).toBeTruthy()
  }, 120_000)

  it('upload on a tag (upload key)', async () => {
    const sha = '0a10ad0'.padEnd(40, '0')
    world.github.addCommit(sha)
    world.github.addTag('v1.1.0', sha)
    const run = await scanRun('upload', {
      inputs: { command: 'upload', ...buildInputs() },
      eventName: 'push',
      ref: 'refs/tags/v1.1.0',
      sha
    })
    expect(run.outputs.version).toBe('1.1.0')
  }, 120_000)

  it('submit on a tag (upload key, token-url with its secret)', async () => {
    const sha = '50b0170'.padEnd(40, '0')
    world.github.addCommit(sha)
    world.github.addTag('v1.2.0', sha)
    const run = await scanRun('submit', {
      // No appid: the upload is the development program's (project.config.json), its ext.json names SHOP.
      inputs: { command: 'submit', ...buildInputs(), ...withoutAppid(tokenUrlInputs(SHOP)) },
      eventName: 'push',
      ref: 'refs/tags/v1.2.0',
      sha,
      payload: { head_commit: { message: 'Release 1.2.0' } }
    })
    expect(run.outputs['review-status']).toBe('under_review')
  }, 120_000)

  it('speedup of the review (token-url)', async () => {
    const run = await scanRun('speedup', dispatch('speedup', tokenUrlInputs(SHOP)))
    expect(run.outputs.result).toBeTruthy()
  })

  it('withdraw of the review (token-url)', async () => {
    const run = await scanRun('withdraw', dispatch('withdraw', { ...tokenUrlInputs(SHOP), version: '1.2.0' }))
    expect(run.outputs['review-status']).toBe('withdrawn')
  })

  it('sync of an approved review (component access token and refresh token)', async () => {
    const run = await scanRun('sync (component credentials)', {
      ...dispatch('sync', componentInputs(CAFE)),
      eventName: 'schedule'
    })
    expect(run.outputs['review-status']).toBe('approved')
  })

  it('gray to a whitelist and 10 % (component credentials)', async () => {
    await scanRun(
      'gray',
      dispatch('gray', {
        ...componentInputs(CAFE),
        version: '2.0.0',
        'gray-percent': '10',
        'gray-whitelist': 'alice'
      })
    )
    expect(appState(CAFE)?.gray?.status).toBe(1)
  })

  it('revert-gray (component credentials)', async () => {
    await scanRun('revert-gray', dispatch('revert-gray', componentInputs(CAFE)))
    expect(appState(CAFE)?.gray?.status).toBe(4)
  })

  it('release (an authorizer access token from the token service)', async () => {
    const token = await authorizerTokenFromService(CAFE)
    addSecret('authorizer-access-token', token)
    await scanRun(
      'release',
      dispatch('release', {
        'api-base-url': world.emulator.url,
        'authorizer-access-token': token,
        'github-token': GITHUB_TOKEN,
        appid: CAFE,
        version: '2.0.0'
      })
    )
    expect(appState(CAFE)?.online?.version).toBe('2.0.0')
  })

  it('rollback (the same authorizer access token)', async () => {
    const token = secrets.find((secret) => secret.name === 'authorizer-access-token')?.value
    expect(token).toBeDefined()
    await scanRun(
      'rollback',
      dispatch('rollback', {
        'api-base-url': world.emulator.url,
        'authorizer-access-token': token as string,
        'github-token': GITHUB_TOKEN,
        appid: CAFE
      })
    )
    expect(appState(CAFE)?.online?.version).toBe('1.0.0')
  })

  it('read-only sync with the mini program’s own appsecret', async () => {
    const standalone = world.emulator.credentials.standaloneApp
    await scanRun('sync (appsecret)', {
      ...dispatch('sync', {
        'api-base-url': world.emulator.url,
        appsecret: standalone.appsecret,
        'github-token': GITHUB_TOKEN,
        appid: standalone.appid
      }),
      eventName: 'schedule'
    })
    const ownTokenCalls = world.emulator.control
      .requests()
      .filter((request) => request.path === '/cgi-bin/stable_token')
    expect(ownTokenCalls.length).toBeGreaterThan(0)
  })
})
