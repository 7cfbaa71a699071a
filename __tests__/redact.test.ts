/** Secrets stay secret in every form they take: proxy passwords encoded or not, URL userinfo. */
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  clearSecrets,
  redact,
  redactMarkdown,
  redactDeep,
  redactOutput,
  registerProxyEnvironment,
  registerProxySecrets,
  setSecretSink,
  stripUrlUserinfo
} from '../src/redact.js'

afterEach(() => {
  clearSecrets()
  setSecretSink(undefined)
})

describe('proxy credentials', () => {
  // The password is p@ss!word(1)*'; in a URL its @ must be encoded, the rest may be.
  const proxy = "http://builder:p%40ss!word(1)*'@proxy.example:3128"
  const forms = [
    "p%40ss!word(1)*'",
    "p@ss!word(1)*'",
    'p%40ss%21word%281%29%2A%27',
    'p%40ss%21word%281%29%2a%27',
    "p%40ss!word(1)*'".toLowerCase()
  ]

  it.each(forms)('masks the password written as %s', (form) => {
    registerProxySecrets(proxy)
    expect(redact(`connect failed: ${form} rejected`)).toBe('connect failed: *** rejected')
  })

  it('masks the whole URL, as given and as URL parsers print it', () => {
    registerProxySecrets(proxy)
    expect(redact(`proxy ${proxy}`)).not.toContain('p%40ss')
    expect(redact(`proxy ${new URL(proxy).href}`)).not.toContain('ss!word')
    expect(redact("tunnel via builder:p%40ss!word(1)*'@proxy.example")).not.toContain('word')
  })

  it('hands every form to the runner to mask as well', () => {
    const masked: string[] = []
    setSecretSink((value) => masked.push(value))
    registerProxySecrets(proxy)
    expect(masked).toEqual(expect.arrayContaining([proxy, "p@ss!word(1)*'", 'p%40ss%21word%281%29%2A%27']))
  })

  it('registers nothing for a proxy without credentials', () => {
    const masked: string[] = []
    setSecretSink((value) => masked.push(value))
    registerProxySecrets('http://proxy.example:3128')
    expect(masked).toEqual([])
    expect(redact('via http://proxy.example:3128')).toBe('via http://proxy.example:3128')
  })

  it('registers HTTP_PROXY, HTTPS_PROXY and ALL_PROXY in any case', () => {
    registerProxyEnvironment({
      HTTPS_PROXY: 'http://u:upper-case-secret@proxy:1',
      http_proxy: 'http://u:lower%2Dcase%2Dsecret@proxy:2',
      All_Proxy: 'socks5://u:mixed-case-secret@proxy:3',
      NO_PROXY: 'localhost',
      PATH: '/usr/bin'
    })
    expect(redact('upper-case-secret lower-case-secret lower%2Dcase%2Dsecret mixed-case-secret')).toBe(
      '*** *** *** ***'
    )
  })
})

describe('URL userinfo', () => {
  it.each([
    [
      'a password',
      'fetch failed for https://relay:hunter2@relay.example/cgi-bin/token',
      'fetch failed for https://***@relay.example/cgi-bin/token'
    ],
    ['a user only', 'GET http://user@127.0.0.1:8080/x', 'GET http://***@127.0.0.1:8080/x'],
    [
      'an unencoded @ in the password',
      'proxy http://u:p@ss@proxy:3128 down',
      'proxy http://***@proxy:3128 down'
    ],
    ['a short password', 'socks5://a:b@h', 'socks5://***@h'],
    ['quoted in JSON', '{"url":"https://u:pw@host/p"}', '{"url":"https://***@host/p"}']
  ])('is stripped from a URL with %s', (_name, text, expected) => {
    expect(stripUrlUserinfo(text)).toBe(expected)
    expect(redact(text)).toBe(expected)
  })

  it('leaves URLs without userinfo and e-mail addresses alone', () => {
    const text = 'see https://example.com/a@b?c=d@e#f@g and mail me@example.com'
    expect(stripUrlUserinfo(text)).toBe(text)
  })
})

describe('redacting what is serialised', () => {
  it('keeps a JSON record readable when a quoted URL ends in a query token', () => {
    const record = { haltedReason: 'request:fail https://api.example.com/cart?access_token=abc"', step: 1 }
    const json = JSON.stringify(redactDeep(record))
    expect(JSON.parse(json)).toEqual({
      haltedReason: 'request:fail https://api.example.com/cart?access_token=***"',
      step: 1
    })
    // Redacting the serialised text again finds nothing to cut.
    expect(redact(json)).toBe(json)
  })

  it('does not let a query token swallow a JSON escape', () => {
    const json = JSON.stringify({ message: 'see ?secret=abc"then' })
    expect(() => JSON.parse(redact(json)) as unknown).not.toThrow()
  })

  it('redacts a JSON output field by field and any other output as text', () => {
    const output = JSON.stringify([{ message: 'https://x.example/?access_token=abc" done' }])
    expect(JSON.parse(redactOutput(output))).toEqual([
      { message: 'https://x.example/?access_token=***" done' }
    ])
    expect(redactOutput('plain ?access_token=abc')).toBe('plain ?access_token=***')
    expect(redactOutput('[not json ?access_token=abc')).toBe('[not json ?access_token=***')
  })
})

describe('Markdown for GitHub', () => {
  afterEach(() => clearSecrets())

  it("leaves the action's own markers whole when a secret spells part of them", () => {
    registerProxySecrets('http://user:release@proxy.example:3128')
    const text = 'proxy password release <!-- wechat-miniprogram-release:state {"step":1} --> release'
    expect(redactMarkdown(text)).toBe(
      'proxy password *** <!-- wechat-miniprogram-release:state {"step":1} --> ***'
    )
    // Text that only looks like a marker from outside (escaped by the Markdown helpers) is redacted.
    expect(redactMarkdown('&lt;!-- wechat-miniprogram-release:x release --&gt;')).not.toContain('release --')
  })
})
