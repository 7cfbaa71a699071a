import { describe, expect, it } from '@jest/globals'
import { InputError } from '../src/errors.js'
import { readInputs, splitList, type InputName } from '../src/inputs.js'
import { redact, clearSecrets } from '../src/redact.js'

const platform = { 'authorizer-access-token': 'token-for-tests-123456' }

function read(values: Partial<Record<InputName, string>>) {
  return readInputs((name) => values[name] ?? '')
}

function failure(values: Partial<Record<InputName, string>>): InputError {
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
      deploymentEnvironment: 'wechat'
    })
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
        '- address: pages/index/index\n  tag: [shop, cart]\n  first_class: 工具\n  second_class: 效率\n  first_id: 1\n  second_id: 2\n  title: Home'
    })
    expect(inputs.reviewItems).toEqual([
      expect.objectContaining({ address: 'pages/index/index', tag: 'shop cart', first_id: 1, second_id: 2 })
    ])
  })

  it('maps refresh tokens per appid and a single token to the one appid', () => {
    const many = read({
      command: 'sync',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'component-token-123',
      targets: 'wxa000000000000001, wxa000000000000002',
      'authorizer-refresh-tokens': 'wxa000000000000001: refresh-one-123\nwxa000000000000002: refresh-two-123'
    })
    expect(many.credentials).toMatchObject({
      kind: 'component',
      refreshTokens: { wxa000000000000001: 'refresh-one-123', wxa000000000000002: 'refresh-two-123' }
    })
    const one = read({
      command: 'sync',
      appid: 'wxa000000000000001',
      'component-appid': 'wxcafe000000000001',
      'component-access-token': 'component-token-123',
      'authorizer-refresh-tokens': 'refresh-single-123'
    })
    expect(one.credentials).toMatchObject({ refreshTokens: { wxa000000000000001: 'refresh-single-123' } })
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
const badInputs: Array<[string, Partial<Record<InputName, string>>, string, RegExp]> = [
  [
    'template route without component credentials',
    { command: 'submit', 'token-url': 'https://t.example', route: 'template', targets: 'wxa000000000000001' },
    'component-appid',
    /template library/
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
    'health-max-error-ratio',
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
  ['api-base-url', { command: 'sync', ...platform, 'api-base-url': 'relay' }, 'api-base-url', /URL/],
  [
    'wechat timeout',
    { command: 'sync', ...platform, 'wechat-timeout-seconds': '0' },
    'wechat-timeout-seconds',
    /1 to 300/
  ],
  ['token-url', { command: 'sync', 'token-url': 'tokens' }, 'token-url', /URL/],
  [
    'two credential kinds',
    { command: 'sync', ...platform, 'token-url': 'https://t.example' },
    'token-url',
    /only one kind/
  ],
  [
    'component without secret',
    { command: 'sync', 'component-appid': 'wxcafe000000000001' },
    'component-appsecret',
    /component-access-token/
  ],
  [
    'component token without appid',
    { command: 'sync', 'component-access-token': 'ct-123456' },
    'component-appid',
    /required/
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
    /at most 5 groups/
  ],
  [
    'review item without a category',
    { command: 'submit', ...platform, 'review-items': '- tag: a' },
    'review-items',
    /item 1.first_class/
  ],
  [
    'review item unknown key',
    { command: 'submit', ...platform, 'review-items': '- address: p\n  page: x' },
    'review-items',
    /item 1/
  ],
  [
    'eleven tags',
    {
      command: 'submit',
      ...platform,
      'review-items': `- first_class: a\n  second_class: b\n  first_id: 1\n  second_id: 2\n  address: p\n  tag: ${'t '.repeat(11)}`
    },
    'review-items',
    /at most 10 tags/
  ],
  [
    'long tag',
    {
      command: 'submit',
      ...platform,
      'review-items': `- first_class: a\n  second_class: b\n  first_id: 1\n  second_id: 2\n  address: p\n  tag: ${'x'.repeat(21)}`
    },
    'review-items',
    /longer than 20/
  ],
  [
    'long title',
    {
      command: 'submit',
      ...platform,
      'review-items': `- first_class: a\n  second_class: b\n  first_id: 1\n  second_id: 2\n  address: p\n  title: ${'x'.repeat(33)}`
    },
    'review-items',
    /longer than 32/
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
  ['submit without platform', { command: 'submit' }, 'authorizer-access-token', /third-party platform/],
  ['release without platform', { command: 'release' }, 'authorizer-access-token', /WeChat console/],
  [
    'rollback without platform',
    { command: 'rollback', appsecret: 'own-secret-123' },
    'authorizer-access-token',
    /third-party/
  ],
  [
    'sync without any credentials',
    { command: 'sync' },
    'authorizer-access-token',
    /read-only gray monitoring/
  ],
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
    'rollback-to shape',
    { command: 'rollback', ...platform, 'rollback-to': 'last one' },
    'rollback-to',
    /version name/
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
