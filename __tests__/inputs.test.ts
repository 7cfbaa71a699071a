import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InputError } from '../src/errors.js'
import { checkPathsInWorkspace, parseVersion, readInputs, splitList } from '../src/inputs.js'
import { redact, clearSecrets } from '../src/redact.js'

const platform = { 'authorizer-access-token': 'token-for-tests-123456' }
/** The category part every review item needs. */
const CATEGORY = '  first_class: 工具\n  second_class: 效率\n  first_id: 287\n  second_id: 612'

type Values = Partial<Record<string, string>>

function read(values: Values) {
  return readInputs((name) => values[name] ?? '')
}

function failure(values: Values): InputError {
  try {
    read(values)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

describe('readInputs: defaults', () => {
  it('fills the documented defaults for preview', () => {
    const inputs = read({ command: 'preview' })
    expect(inputs).toMatchObject({
      command: 'preview',
      projectPath: '.',
      robot: 1,
      packNpm: 'auto',
      ciTimeoutMs: 15 * 60_000,
      apiBaseUrl: 'https://api.weixin.qq.com',
      route: 'direct',
      concurrency: 4,
      grayDeadlineAction: 'warn',
      grayDeadlineMarginHours: 24,
      releaseOnApproval: 'off',
      checkRuns: true,
      prComment: true,
      dryRun: false,
      qrcodeBranch: 'wechat-qrcodes',
      deploymentEnvironment: 'wechat',
      dashboard: true,
      controlPermission: 'maintain'
    })
  })

  it('reads the dashboard inputs', () => {
    expect(read({ command: 'sync', ...platform, dashboard: 'false' }).dashboard).toBe(false)
    expect(read({ command: 'sync', ...platform, 'control-permission': 'admin' }).controlPermission).toBe(
      'admin'
    )
  })

  it('strips a leading v from version and rollback-to', () => {
    expect(read({ command: 'release', version: 'v1.2.3', ...platform }).version).toBe('1.2.3')
    expect(read({ command: 'rollback', 'rollback-to': 'v1.2.2', ...platform }).rollbackTo).toBe('1.2.2')
  })

  it('reads lists one a line or comma-separated, with comments', () => {
    expect(splitList('a, b\n c # note\n\n#x')).toEqual(['a', 'b', 'c'])
  })

  it('parses review items from YAML and joins tag lists', () => {
    const inputs = read({
      command: 'submit',
      ...platform,
      'review-items':
        '- address: pages/index/index\n  tag: [shop, cart]\n  first_class: 工具\n  second_class: 效率\n  first_id: 1\n  second_id: "2"\n  title: Home'
    })
    expect(inputs.reviewItems).toEqual([
      {
        address: 'pages/index/index',
        tag: 'shop cart',
        first_class: '工具',
        second_class: '效率',
        first_id: 1,
        second_id: 2,
        title: 'Home'
      }
    ])
  })

  it('takes review items without a page, tag or title: only the category is required', () => {
    const inputs = read({ command: 'submit', ...platform, 'review-items': `-\n${CATEGORY}` })
    expect(inputs.reviewItems).toEqual([
      { first_class: '工具', second_class: '效率', first_id: 287, second_id: 612 }
    ])
    expect(read({ command: 'submit', ...platform, 'review-items': '[]' }).reviewItems).toBeUndefined()
  })

  it('accepts plain http for loopback addresses only', () => {
    const local = read({ command: 'sync', ...platform, 'api-base-url': 'http://127.0.0.1:8080/' })
    expect(local.apiBaseUrl).toBe('http://127.0.0.1:8080')
    expect(read({ command: 'sync', 'token-url': 'http://localhost:9/t' }).credentials).toEqual({
      authorizer: { kind: 'token-url', url: 'http://localhost:9/t' },
      component: { kind: 'token-url', url: 'http://localhost:9/t' }
    })
  })

  it('takes the component token from token-url unless component-access-token is given', () => {
    const given = read({
      command: 'submit',
      'token-url': 'https://tokens.example/t',
      'token-url-secret': 'bearer-secret-123',
      'component-access-token': 'component-token-123',
      route: 'template',
      targets: 'wxa000000000000001'
    })
    expect(given.credentials).toEqual({
      authorizer: { kind: 'token-url', url: 'https://tokens.example/t', secret: 'bearer-secret-123' },
      component: { kind: 'component-token', token: 'component-token-123' }
    })
    const single = read({ command: 'sync', ...platform, 'component-access-token': 'component-token-123' })
    expect(single.credentials).toEqual({
      authorizer: { kind: 'authorizer-token', token: 'token-for-tests-123456' },
      component: { kind: 'component-token', token: 'component-token-123' }
    })
  })

  it('maps refresh tokens per appid and a single token to the one appid', () => {
    const many = read({
      command: 'sync',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'component-token-123',
      targets: 'wxa000000000000001, wxa000000000000002',
      'authorizer-refresh-tokens': 'wxa000000000000001: refresh-one-123\nwxa000000000000002: refresh-two-123'
    })
    expect(many.credentials).toEqual({
      authorizer: {
        kind: 'refresh-tokens',
        componentAppid: 'wxcafe000000000001',
        refreshTokens: { wxa000000000000001: 'refresh-one-123', wxa000000000000002: 'refresh-two-123' }
      },
      component: { kind: 'component-token', token: 'component-token-123' }
    })
    const one = read({
      command: 'sync',
      appid: 'wxa000000000000001',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'component-token-123',
      'authorizer-refresh-tokens': 'refresh-single-123'
    })
    expect(one.credentials?.authorizer).toMatchObject({
      refreshTokens: { wxa000000000000001: 'refresh-single-123' }
    })
  })

  it('registers every secret input for redaction', () => {
    clearSecrets()
    read({ command: 'sync', appsecret: 'appsecret-value-987654', 'github-token': 'ghs_abcdefghijkl' })
    expect(redact('x appsecret-value-987654 y ghs_abcdefghijkl')).toBe('x *** y ***')
  })

  it('parses a gray schedule', () => {
    const inputs = read({
      command: 'sync',
      ...platform,
      'gray-schedule': '1, 5@24h, 20@24h, 50@48h, 100@48h'
    })
    expect(inputs.graySchedule).toBeDefined()
  })
})

// Each case: inputs → the input named in the error and a fragment of the rule.
const badInputs: Array<[string, Values, string, RegExp]> = [
  [
    'template route without a component token source',
    { command: 'submit', ...platform, route: 'template', targets: 'wxa000000000000001' },
    'token-url',
    /template library, which needs a component_access_token/
  ],
  [
    'the removed component-appsecret',
    { command: 'sync', ...platform, 'component-appsecret': 'component-secret-123' },
    'component-appsecret',
    /never mints a component_access_token.*token-url.*component-access-token/
  ],
  [
    'the removed component-verify-ticket',
    { command: 'sync', 'token-url': 'https://t.example', 'component-verify-ticket': 'ticket@@@123456' },
    'component-verify-ticket',
    /12 hours/
  ],
  [
    'plain http to a remote api-base-url',
    { command: 'sync', ...platform, 'api-base-url': 'http://relay.example.com' },
    'api-base-url',
    /plain http to relay\.example\.com.*loopback addresses only/
  ],
  [
    'plain http to a remote token-url',
    { command: 'sync', 'token-url': 'http://10.0.0.8/token' },
    'token-url',
    /plain http to 10\.0\.0\.8/
  ],
  [
    'credentials in token-url',
    { command: 'sync', 'token-url': 'https://user:pa55word@tokens.example/t' },
    'token-url',
    /user name or password; put the bearer secret in token-url-secret/
  ],
  ['token-url scheme', { command: 'sync', 'token-url': 'ftp://tokens.example/t' }, 'token-url', /https/],
  [
    'allow-paths-outside-workspace value',
    { command: 'upload', 'allow-paths-outside-workspace': 'yes' },
    'allow-paths-outside-workspace',
    /true or false/
  ],
  [
    'direct route with several targets',
    { command: 'submit', 'token-url': 'https://t.example', targets: 'wxa000000000000001,wxa000000000000002' },
    'targets',
    /route "template"/
  ],
  [
    'appsecret-only sync that would release',
    { command: 'sync', appsecret: 'own-secret-123', 'release-on-approval': 'full' },
    'release-on-approval',
    /read-only/
  ],
  [
    'appsecret-only sync that would revert',
    { command: 'sync', appsecret: 'own-secret-123', 'gray-deadline-action': 'revert' },
    'gray-deadline-action',
    /only "warn"/
  ],
  [
    'health gate without platform',
    { command: 'sync', appsecret: 'own-secret-123', 'health-max-new-error-groups': '0' },
    'health-max-new-error-groups',
    /platform credentials/
  ],
  ['no command', {}, 'command', /required/],
  ['unknown command', { command: 'deploy' }, 'command', /one of preview, upload/],
  ['appid shape', { command: 'preview', appid: 'wx123' }, 'appid', /16 hex/],
  ['robot 0', { command: 'upload', robot: '0' }, 'robot', /from 1 to 30/],
  ['robot 31', { command: 'upload', robot: '31' }, 'robot', /from 1 to 30/],
  ['robot not a number', { command: 'upload', robot: 'two' }, 'robot', /whole number/],
  ['version with spaces', { command: 'upload', version: '1.0 beta' }, 'version', /letters, digits/],
  ['version too long', { command: 'upload', version: '1'.repeat(65) }, 'version', /1–64/],
  [
    'both key inputs',
    { command: 'upload', 'private-key': 'k', 'private-key-path': 'p' },
    'private-key',
    /not both/
  ],
  ['pack-npm value', { command: 'preview', 'pack-npm': 'yes' }, 'pack-npm', /auto, true, false/],
  ['proxy not a URL', { command: 'upload', proxy: 'proxy:3128' }, 'proxy', /URL/],
  ['timeout 0', { command: 'upload', 'ci-timeout-minutes': '0' }, 'ci-timeout-minutes', /from 1 to 360/],
  ['compile-settings list', { command: 'upload', 'compile-settings': '[1]' }, 'compile-settings', /object/],
  [
    'compile-settings bad yaml',
    { command: 'upload', 'compile-settings': '{a: [' },
    'compile-settings',
    /YAML/
  ],
  [
    'api-base-url',
    { command: 'sync', ...platform, 'api-base-url': 'relay' },
    'api-base-url',
    /absolute http\(s\) URL/
  ],
  [
    'wechat timeout',
    { command: 'sync', ...platform, 'wechat-timeout-seconds': '0' },
    'wechat-timeout-seconds',
    /1 to 300/
  ],
  ['token-url', { command: 'sync', 'token-url': 'tokens' }, 'token-url', /URL/],
  [
    'two sources of authorizer tokens',
    { command: 'sync', ...platform, 'token-url': 'https://t.example' },
    'authorizer-access-token',
    /one source of authorizer tokens, not both token-url and authorizer-access-token/
  ],
  [
    'a component token alone',
    { command: 'sync', 'component-access-token': 'ct-123456' },
    'component-access-token',
    /only the template library/
  ],
  [
    'refresh tokens without component-appid',
    { command: 'sync', appid: 'wxa000000000000001', 'authorizer-refresh-tokens': 'r-123456' },
    'component-appid',
    /required with authorizer-refresh-tokens/
  ],
  [
    'refresh tokens without a component token',
    {
      command: 'sync',
      appid: 'wxa000000000000001',
      'component-appid': 'wxcafe000000000001',
      'authorizer-refresh-tokens': 'r-123456'
    },
    'component-access-token',
    /never mints a component_access_token/
  ],
  [
    'refresh tokens for an unknown target',
    {
      command: 'sync',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'ct-123456',
      targets: 'wxa000000000000001',
      'authorizer-refresh-tokens': 'wxa000000000000002: r-123456'
    },
    'authorizer-refresh-tokens',
    /no refresh token for wxa000000000000001/
  ],
  [
    'refresh token key not appid',
    {
      command: 'sync',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'ct-123456',
      'authorizer-refresh-tokens': 'shop: r-123456'
    },
    'authorizer-refresh-tokens',
    /not an appid/
  ],
  [
    'single refresh token without appid',
    {
      command: 'sync',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'ct-123456',
      'authorizer-refresh-tokens': 'r-123456'
    },
    'authorizer-refresh-tokens',
    /needs `appid`/
  ],
  ['target not an appid', { command: 'sync', ...platform, targets: 'shop' }, 'targets', /not an appid/],
  [
    'target twice',
    { command: 'sync', 'token-url': 'https://t.example', targets: 'wxa000000000000001,wxa000000000000001' },
    'targets',
    /twice/
  ],
  [
    'one authorizer token, many targets',
    { command: 'sync', ...platform, targets: 'wxa000000000000001,wxa000000000000002' },
    'authorizer-access-token',
    /one mini program/
  ],
  ['route value', { command: 'submit', ...platform, route: 'draft' }, 'route', /direct, template, none/],
  [
    'template route without targets',
    { command: 'submit', ...platform, route: 'template' },
    'targets',
    /authorized appids/
  ],
  ['ext-json not an object', { command: 'submit', ...platform, 'ext-json': '"x"' }, 'ext-json', /object/],
  ['concurrency 0', { command: 'sync', ...platform, concurrency: '0' }, 'concurrency', /1 to 32/],
  [
    'six review items',
    {
      command: 'submit',
      ...platform,
      'review-items': JSON.stringify(Array.from({ length: 6 }, () => ({ address: 'p' })))
    },
    'review-items',
    /holds 6 items; WeChat takes at most 5/
  ],
  [
    'review item without its category',
    { command: 'submit', ...platform, 'review-items': '- address: pages/index/index\n  tag: a' },
    'review-items',
    /^Input "review-items": item 1: first_class is required: copy it from get_category/
  ],
  [
    'review item with only part of its category',
    {
      command: 'submit',
      ...platform,
      'review-items': '- first_class: 工具\n  second_class: 效率\n  first_id: 287'
    },
    'review-items',
    /item 1: second_id is required/
  ],
  [
    'review item id not a number',
    { command: 'submit', ...platform, 'review-items': `-\n${CATEGORY.replace('287', 'tools')}` },
    'review-items',
    /item 1: first_id must be a whole number, got "tools"/
  ],
  [
    'review items not a list of mappings',
    { command: 'submit', ...platform, 'review-items': '- pages/index/index' },
    'review-items',
    /item 1: must be a mapping with first_class, second_class, first_id, second_id/
  ],
  [
    'review item unknown key',
    { command: 'submit', ...platform, 'review-items': `- page: x\n${CATEGORY}` },
    'review-items',
    /item 1: has a field WeChat does not know, "page"/
  ],
  [
    'eleven tags',
    { command: 'submit', ...platform, 'review-items': `- tag: ${'t '.repeat(11)}\n${CATEGORY}` },
    'review-items',
    /11 tags; WeChat allows at most 10/
  ],
  [
    'long tag',
    { command: 'submit', ...platform, 'review-items': `- tag: ${'x'.repeat(21)}\n${CATEGORY}` },
    'review-items',
    /longer than 20/
  ],
  [
    'long title',
    { command: 'submit', ...platform, 'review-items': `- title: ${'x'.repeat(33)}\n${CATEGORY}` },
    'review-items',
    /title is longer than 32/
  ],
  ['feedback too long', { command: 'submit', ...platform, feedback: 'x'.repeat(201) }, 'feedback', /200/],
  [
    'six feedback media',
    { command: 'submit', ...platform, 'feedback-media': 'a|b|c|d|e|f' },
    'feedback-media',
    /at most 5/
  ],
  [
    'privacy flag',
    { command: 'submit', ...platform, 'privacy-api-not-use': 'yes' },
    'privacy-api-not-use',
    /true or false/
  ],
  ['submit without platform', { command: 'submit' }, 'token-url', /third-party platform/],
  ['release without platform', { command: 'release' }, 'token-url', /WeChat console/],
  [
    'rollback without platform',
    { command: 'rollback', appsecret: 'own-secret-123' },
    'token-url',
    /third-party/
  ],
  ['sync without any credentials', { command: 'sync' }, 'token-url', /read-only gray monitoring/],
  [
    'gray percent 101',
    { command: 'gray', ...platform, 'gray-percent': '101' },
    'gray-percent',
    /from 0 to 100/
  ],
  [
    'gray percent fraction',
    { command: 'gray', ...platform, 'gray-percent': '2.5' },
    'gray-percent',
    /whole number/
  ],
  [
    'gray percent negative',
    { command: 'gray', ...platform, 'gray-percent': '-1' },
    'gray-percent',
    /from 0 to 100/
  ],
  ['gray without percent', { command: 'gray', ...platform }, 'gray-percent', /needs gray-percent/],
  [
    'gray 0 without members',
    { command: 'gray', ...platform, 'gray-percent': '0' },
    'gray-percent',
    /reaches nobody/
  ],
  [
    'gray members flag',
    { command: 'gray', ...platform, 'gray-percent': '5', 'gray-project-members': 'on' },
    'gray-project-members',
    /true or false/
  ],
  [
    'whitelist id',
    { command: 'gray', ...platform, 'gray-percent': '5', 'gray-whitelist': 'alice, 张三' },
    'gray-whitelist',
    /not a WeChat ID/
  ],
  [
    'whitelist over 100',
    {
      command: 'gray',
      ...platform,
      'gray-percent': '5',
      'gray-whitelist': Array.from({ length: 101 }, (_, i) => `user${i}`).join(',')
    },
    'gray-whitelist',
    /at most 100/
  ],
  [
    'deadline action',
    { command: 'sync', ...platform, 'gray-deadline-action': 'ignore' },
    'gray-deadline-action',
    /release, revert, warn/
  ],
  [
    'deadline margin',
    { command: 'sync', ...platform, 'gray-deadline-margin-hours': '0' },
    'gray-deadline-margin-hours',
    /1 to 168/
  ],
  [
    'release-on-approval',
    { command: 'sync', ...platform, 'release-on-approval': 'yes' },
    'release-on-approval',
    /off, full, gray/
  ],
  [
    'release-on-approval gray without schedule',
    { command: 'sync', ...platform, 'release-on-approval': 'gray' },
    'release-on-approval',
    /gray-schedule/
  ],
  [
    'schedule decreasing',
    { command: 'sync', ...platform, 'gray-schedule': '10, 5@24h' },
    'gray-schedule',
    /increas/
  ],
  [
    'schedule over 15 days',
    { command: 'sync', ...platform, 'gray-schedule': '1, 50@10d, 100@10d' },
    'gray-schedule',
    /15/
  ],
  ['schedule garbage', { command: 'sync', ...platform, 'gray-schedule': 'soon' }, 'gray-schedule', /./],
  [
    'health ratio',
    { command: 'sync', ...platform, 'health-max-error-ratio': '-1' },
    'health-max-error-ratio',
    /at least 0/
  ],
  [
    'health action',
    { command: 'sync', ...platform, 'health-action': 'stop' },
    'health-action',
    /halt, revert/
  ],
  ['dry-run value', { command: 'sync', ...platform, 'dry-run': 'maybe' }, 'dry-run', /true or false/],
  ['check-runs value', { command: 'sync', ...platform, 'check-runs': '1' }, 'check-runs', /true or false/],
  [
    'control-permission below write (everyone reads a public repository)',
    { command: 'sync', ...platform, 'control-permission': 'read' },
    'control-permission',
    /must be one of write, maintain, admin, got "read"/
  ],
  ['dashboard value', { command: 'sync', ...platform, dashboard: 'yes' }, 'dashboard', /true or false/],
  [
    'rollback-to shape',
    { command: 'rollback', ...platform, 'rollback-to': 'last one' },
    'rollback-to',
    /letters, digits/
  ]
]

describe('readInputs: bad input names the input and the rule', () => {
  it.each(badInputs)('%s', (_title, values, input, rule) => {
    const error = failure(values)
    expect(error.input).toBe(input)
    expect(error.message).toMatch(rule)
    expect(error.message.startsWith(`Input "${input}": `)).toBe(true)
  })

  it('has at least 40 cases', () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(40)
  })
})

describe('parseVersion: the version pattern for every source', () => {
  it('strips a leading v and accepts refs/tags/ for tags', () => {
    expect(parseVersion('tag', 'v1.2.3')).toBe('1.2.3')
    expect(parseVersion('tag', 'refs/tags/v2.0.0-rc.1')).toBe('2.0.0-rc.1')
    expect(parseVersion('version', 'release_7')).toBe('release_7')
  })

  it.each([
    ['a newline', 'v1.2.3\n::error::x'],
    ['markup', 'v1<img src=x>'],
    ['a space', '1.0 beta'],
    ['65 characters', '1'.repeat(65)],
    ['empty', '']
  ])('refuses a tag with %s, naming the version input', (_name, tag) => {
    expect(() => parseVersion('tag', tag)).toThrow(InputError)
    try {
      parseVersion('tag', tag)
    } catch (error) {
      expect((error as InputError).input).toBe('version')
      expect((error as Error).message).toMatch(/does not give a version .*set the version input/)
      expect((error as Error).message).not.toContain('\n')
    }
  })

  it('names the input a bad version came from', () => {
    expect(() => parseVersion('rollback-to', 'last one')).toThrow(/Input "rollback-to": must be 1–64/)
  })
})

describe('checkPathsInWorkspace', () => {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'workspace-'))
  const outside = mkdtempSync(path.join(os.tmpdir(), 'outside-'))
  mkdirSync(path.join(workspace, 'app'))
  writeFileSync(path.join(outside, 'key.pem'), 'key')
  symlinkSync(outside, path.join(workspace, 'escape'))
  const paths = (projectPath: string, privateKeyPath?: string, allow = false) => ({
    projectPath,
    privateKeyPath,
    allowPathsOutsideWorkspace: allow
  })

  it('accepts paths inside the workspace, existing or not', () => {
    expect(() => checkPathsInWorkspace(paths('app', 'keys/upload.key'), workspace)).not.toThrow()
    expect(() => checkPathsInWorkspace(paths('.'), workspace)).not.toThrow()
  })

  it('refuses a path outside, by .. or absolute, naming the input', () => {
    expect(() => checkPathsInWorkspace(paths('../elsewhere'), workspace)).toThrow(
      /Input "project-path": points outside the workspace .*allow-paths-outside-workspace: true/
    )
    expect(() => checkPathsInWorkspace(paths('.', path.join(outside, 'key.pem')), workspace)).toThrow(
      /Input "private-key-path": points outside/
    )
  })

  it('takes a key in RUNNER_TEMP, where workflows write secrets to files, and nothing else there', () => {
    expect(() =>
      checkPathsInWorkspace(paths('app', path.join(outside, 'key.pem')), workspace, outside)
    ).not.toThrow()
    expect(() => checkPathsInWorkspace(paths(outside), workspace, outside)).toThrow(
      /Input "project-path": points outside the workspace/
    )
    expect(() => checkPathsInWorkspace(paths('.', '/etc/key.pem'), workspace, outside)).toThrow(
      /Input "private-key-path": points outside the workspace .* or RUNNER_TEMP/
    )
  })

  it('refuses a path that leads outside through a symbolic link', () => {
    expect(() => checkPathsInWorkspace(paths('escape'), workspace)).toThrow(
      /Input "project-path": leads outside the workspace .* through a symbolic link/
    )
  })

  it('allows them all when allow-paths-outside-workspace is true', () => {
    expect(() =>
      checkPathsInWorkspace(paths('../elsewhere', path.join(outside, 'key.pem'), true), workspace)
    ).not.toThrow()
    expect(
      read({ command: 'upload', 'allow-paths-outside-workspace': 'true' }).allowPathsOutsideWorkspace
    ).toBe(true)
  })
})

describe('messages that name what the workflow set', () => {
  it('an unknown command quotes the value given', () => {
    expect(() => read({ command: 'relase' })).toThrow(/Input "command": must be one of .*; got "relase"/)
  })

  it('a health gate without platform credentials names the health input that was set', () => {
    expect(() =>
      read({
        command: 'sync',
        appid: 'wx0123456789abcdef',
        appsecret: 'secret-value-1',
        'health-action': 'halt'
      })
    ).toThrow(/Input "health-action": the health gate .* only platform credentials/)
  })
})
