/**
 * The reproductions of the red-team pass, through the bundled action: untrusted text (file names that
 * miniprogram-ci echoes, a WeChat `user_version`, a commit subject) never becomes a runner command;
 * proxy passwords and URL credentials never show, however they are encoded; the upload key never outlives
 * its run, whether the run is cancelled (SIGINT, SIGTERM) or killed; and miniprogram-ci's compiler runs
 * without the step's inputs and tokens. stdout and stderr are parsed as the runner parses them
 * (test-support/runner-commands.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expectSuccess, type ActionRun } from '../../test-support/run-action.js'
import { runnerCommands, type RunnerCommand } from '../../test-support/runner-commands.js'
import { seedApprovedVersion } from '../../test-support/seed-version.js'
import { copySampleProject, startWorld, type World } from '../../test-support/world.js'

/** A line break, then a command, then an old-style command: each would be a command in a raw log line. */
const INJECTED = '\n::error::injected\n::set-output name=a::b\r##[warning]old-style'
/** The mini program that takes directCommit uploads of the sample project. */
const SHOP = 'wxa000000000000001'
const CAFE = 'wxa000000000000002'
/** A proxy password with the characters that URL encoding turns into something else: @ and !. */
const PROXY_PASSWORD = 'p@ss!w0rd-for-the-proxy'
const ENCODED_PROXY_PASSWORD = 'p%40ss!w0rd-for-the-proxy'
const PROXY_PASSWORD_FORMS = [PROXY_PASSWORD, ENCODED_PROXY_PASSWORD, 'p%40ss%21w0rd-for-the-proxy']
const HTTPS_PROXY_PASSWORD = 'https-proxy-password-in-the-environment'
const RELAY_PASSWORD = 'relay-password-in-api-base-url'

let world: World
let devKey: string

beforeAll(async () => {
  world = await startWorld()
  const credentials = world.emulator.credentials
  devKey = credentials.apps.find((app) => app.appid === credentials.devAppid)?.uploadPrivateKeyPem as string
}, 60_000)

afterAll(async () => {
  await world?.close()
})

/** Commands the runner would act on, from stdout and stderr (it reads both). */
function commandsOf(run: ActionRun): RunnerCommand[] {
  return [...runnerCommands(run.stdout), ...runnerCommands(run.stderr)]
}

/** No command the text could have injected: no output, no error annotation, no old-style warning. */
function expectNoInjectedCommand(run: ActionRun): void {
  const commands = commandsOf(run)
  expect(commands.filter((command) => command.command === 'set-output')).toEqual([])
  expect(commands.filter((command) => command.data === 'injected' || command.data === 'old-style')).toEqual(
    []
  )
  expect(commands.filter((command) => command.command === 'stop-commands')).toEqual([])
}

function withProxyCredentials(proxyUrl: string, password: string): string {
  const url = new URL(proxyUrl)
  return `${url.protocol}//builder:${password}@${url.host}`
}

/** Everything anyone can read after a run: the log, outputs, summary and what GitHub received. */
function readable(run: ActionRun): string {
  const shown = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  return [
    shown,
    run.stderr,
    JSON.stringify(run.outputs),
    run.summary,
    JSON.stringify(world.github.requests())
  ].join('\n')
}

function keyFolders(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('wechat-ci-'))
}

/** The compile's working folders (removed on a signal too; only SIGKILL leaves one). */
function scratchFolders(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('miniprogram-ci-cwd-'))
}

function uploadInputs(projectPath: string, proxy: string): Record<string, string> {
  return {
    command: 'upload',
    'project-path': projectPath,
    'private-key': devKey,
    proxy,
    'github-token': 'ghs_faketoken_for_tests'
  }
}

function tagPush(
  tag: string,
  sha: string,
  message: string
): Pick<Parameters<World['run']>[0], 'eventName' | 'ref' | 'sha' | 'payload'> {
  world.github.addCommit(sha)
  world.github.addTag(tag, sha)
  return { eventName: 'push', ref: `refs/tags/${tag}`, sha, payload: { head_commit: { message } } }
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid as number
}

describe('an upload of a mini program with hostile file names and a hostile commit subject', () => {
  let run: ActionRun
  let runnerTemp: string
  let envDumps: string
  let leftover: string

  beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'hostile-upload-'))
    const project = path.join(work, 'project')
    copySampleProject(project)
    // Unused files: miniprogram-ci names them in its "ignoring files" line.
    writeFileSync(path.join(project, 'miniprogram/utils', `unused${INJECTED}.js`), 'module.exports = 1\n')
    writeFileSync(path.join(project, 'miniprogram', `data${INJECTED}.json`), '{}')
    runnerTemp = path.join(work, 'runner-temp')
    mkdirSync(runnerTemp)
    // A key folder an earlier run left when it was killed.
    leftover = path.join(runnerTemp, `wechat-ci-${await deadPid()}-${'0f'.repeat(8)}`)
    mkdirSync(leftover)
    writeFileSync(path.join(leftover, 'private.key'), devKey)
    // Every node process of the run writes down its environment when it starts.
    envDumps = path.join(work, 'env')
    mkdirSync(envDumps)
    const dumper = path.join(work, 'dump-env.cjs')
    writeFileSync(
      dumper,
      `const { writeFileSync } = require('node:fs')
const { threadId } = require('node:worker_threads')
writeFileSync(${JSON.stringify(envDumps)} + '/' + process.pid + '-' + threadId + '.json',
  JSON.stringify({ pid: process.pid, argv: process.argv, env: process.env }))
`
    )
    run = await world.run({
      inputs: {
        ...uploadInputs(project, withProxyCredentials(world.servicewechat.proxyUrl, ENCODED_PROXY_PASSWORD)),
        // The hostile project is a copy in a temporary folder, outside the checkout.
        'allow-paths-outside-workspace': 'true'
      },
      ...tagPush('v1.3.0', 'c0ffee3'.padEnd(40, '0'), `Release${INJECTED}\nbody @octocat`),
      debug: true,
      env: {
        RUNNER_TEMP: runnerTemp,
        NODE_OPTIONS: `--require ${dumper}`,
        HTTPS_PROXY: `http://builder:${HTTPS_PROXY_PASSWORD}@127.0.0.1:9`,
        NO_PROXY: '127.0.0.1,localhost,servicewechat.com'
      }
    })
  }, 180_000)

  it('uploads', () => {
    expectSuccess(run)
    expect(run.outputs.version).toBe('1.3.0')
    expect(run.leftoverPids).toEqual([])
  })

  it('shows the file names miniprogram-ci echoes, but as text: no command', () => {
    // The "ignoring files" line carries the names, line breaks escaped.
    expect(run.stdout).toMatch(
      /^ignoring files: .*unused%0A::error::injected%0A::set-output name=a::b%0D##%5Bwarning\]old-style\.js/m
    )
    expectNoInjectedCommand(run)
  })

  it('masks the proxy password in every encoding, and HTTPS_PROXY’s', () => {
    expect(run.stdout).toMatch(/miniprogram-ci is using proxy: http:\/\/\*\*\*@127\.0\.0\.1:\d+/)
    const text = readable(run)
    for (const form of [...PROXY_PASSWORD_FORMS, HTTPS_PROXY_PASSWORD]) expect(text).not.toContain(form)
  })

  it('removes the key folder an earlier, killed run left, and its own', () => {
    expect(existsSync(leftover)).toBe(false)
    expect(run.stdout).toContain('Removed 1 upload key folder(s) that an earlier, killed run left')
    expect(keyFolders(runnerTemp)).toEqual([])
  })

  it('starts miniprogram-ci’s compiler without the step’s inputs and tokens', () => {
    const dumps = readdirSync(envDumps).map(
      (file) =>
        JSON.parse(readFileSync(path.join(envDumps, file), 'utf8')) as {
          pid: number
          argv: string[]
          env: Record<string, string>
        }
    )
    const action = dumps.find((dump) => dump.argv[1]?.endsWith(path.join('dist', 'index.js')))
    expect(action?.env['INPUT_PRIVATE-KEY']).toBeTruthy()
    const children = dumps.filter((dump) => dump.pid !== action?.pid)
    expect(children.length).toBeGreaterThan(0)
    for (const child of children) {
      expect(Object.keys(child.env).filter((name) => /^INPUT_|^ACTIONS_|^GITHUB_TOKEN$/i.test(name))).toEqual(
        []
      )
      expect(JSON.stringify(child.env)).not.toContain('BEGIN RSA PRIVATE KEY')
      // The runner's tracking id stays, so the runner can end a child the action could not.
      expect(child.env.RUNNER_TRACKING_ID).toBe(action?.env.RUNNER_TRACKING_ID)
    }
  })
})

describe('a WeChat version with a line break and commands in it', () => {
  const HOSTILE_VERSION = `2.0.0${INJECTED} @octocat #1 <img src=x>`

  beforeAll(async () => {
    world.emulator.control.setOnline(CAFE, '1.0.0')
    await seedApprovedVersion(world, CAFE, HOSTILE_VERSION, 'ca7e000'.padEnd(40, '0'))
    world.github.addCommit('f'.repeat(40))
  })

  it.each([
    ['sync', {}],
    ['a dry run that would release it', { 'release-on-approval': 'full', 'dry-run': 'true' }]
  ])('reaches the log as text in %s: no command', async (_name, extra) => {
    const run = await world.run({
      inputs: {
        command: 'sync',
        'api-base-url': world.emulator.url,
        'token-url': world.emulator.credentials.tokenServiceUrl,
        'token-url-secret': world.emulator.credentials.tokenServiceSecret,
        'github-token': 'ghs_faketoken_for_tests',
        appid: CAFE,
        ...extra
      },
      eventName: 'schedule',
      ref: 'refs/heads/main',
      sha: 'f'.repeat(40),
      debug: true
    })
    expectSuccess(run)
    // The version reaches the log (line breaks escaped, or flattened in a check run title)…
    expect(run.stdout).toMatch(/2\.0\.0(%0A| )::error::injected(%0A| )::set-output name=a::b/)
    // …and stays text.
    expectNoInjectedCommand(run)
  })
})

describe('credentials in URLs that fail', () => {
  it('a proxy that refuses: the error names it without its password', async () => {
    const closed = withProxyCredentials('http://127.0.0.1:9', ENCODED_PROXY_PASSWORD)
    const run = await world.run({
      inputs: uploadInputs('sample/miniprogram-project', closed),
      ...tagPush('v1.4.0', 'c0ffee4'.padEnd(40, '0'), 'Release 1.4.0'),
      debug: true
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/^::error::.*proxy/im)
    const text = readable(run)
    for (const form of PROXY_PASSWORD_FORMS) expect(text).not.toContain(form)
    expect(run.leftoverPids).toEqual([])
  }, 120_000)

  it('an api-base-url with credentials that cannot be reached: no password in any message', async () => {
    const run = await world.run({
      inputs: {
        command: 'sync',
        'api-base-url': `http://relay:${RELAY_PASSWORD}@127.0.0.1:9`,
        'authorizer-access-token': 'emu-token-authorizer-for-an-unreachable-relay',
        'github-token': 'ghs_faketoken_for_tests',
        appid: SHOP,
        'wechat-timeout-seconds': '5'
      },
      eventName: 'schedule',
      ref: 'refs/heads/main',
      sha: 'f'.repeat(40),
      debug: true
    })
    expect(run.exitCode).toBe(1)
    expect(readable(run)).not.toContain(RELAY_PASSWORD)
  }, 60_000)
})

describe('an upload that is stopped', () => {
  /** Kills the upload once miniprogram-ci compiles: the key file is on disk and the compiler runs. */
  async function stoppedUpload(signal: NodeJS.Signals, tag: string, sha: string) {
    const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'stopped-upload-'))
    const run = await world.run({
      inputs: uploadInputs('sample/miniprogram-project', world.servicewechat.proxyUrl),
      ...tagPush(tag, sha, `Release ${tag}`),
      env: { RUNNER_TEMP: runnerTemp },
      killWhen: { pattern: /^Compiling app\.js$/m, signal }
    })
    return { run, runnerTemp }
  }

  it.each<[NodeJS.Signals, number]>([
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ])(
    'by %s (a cancelled job): key removed, no process left',
    async (signal, code) => {
      const { run, runnerTemp } = await stoppedUpload(signal, `v1.5.${code}`, `5709${code}`.padEnd(40, '0'))
      expect(run.exitCode).toBe(code)
      expect(run.stdout).toContain(`::warning::Stopped by ${signal}: the upload key is removed`)
      expect(keyFolders(runnerTemp)).toEqual([])
      expect(scratchFolders(runnerTemp)).toEqual([])
      expect(run.leftoverPids).toEqual([])
    },
    120_000
  )

  it('by SIGKILL: the key stays (nothing can run), until the next run removes it', async () => {
    const { run, runnerTemp } = await stoppedUpload('SIGKILL', 'v1.6.0', '5709aaa'.padEnd(40, '0'))
    expect(run.signal).toBe('SIGKILL')
    const left = keyFolders(runnerTemp)
    expect(left).toHaveLength(1)
    expect(existsSync(path.join(runnerTemp, left[0] as string, 'private.key'))).toBe(true)

    const next = await world.run({
      inputs: uploadInputs('sample/miniprogram-project', world.servicewechat.proxyUrl),
      ...tagPush('v1.6.1', '5709bbb'.padEnd(40, '0'), 'Release 1.6.1'),
      env: { RUNNER_TEMP: runnerTemp }
    })
    expectSuccess(next)
    expect(keyFolders(runnerTemp)).toEqual([])
  }, 180_000)
})
