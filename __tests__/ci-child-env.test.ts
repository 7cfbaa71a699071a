/** Children get the least: no inputs, no tokens, only what a build needs. */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { childEnvironment, enterChildEnvironment } from '../src/ci/child-env.js'

const FULL: NodeJS.ProcessEnv = {
  PATH: '/usr/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TMPDIR: '/tmp',
  HTTPS_PROXY: 'http://proxy:3128',
  no_proxy: 'localhost',
  NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
  NODE_OPTIONS: '--max-old-space-size=4096',
  RUNNER_TRACKING_ID: 'github_1234',
  RUNNER_TEMP: '/runner/_temp',
  CI: 'true',
  GITHUB_ACTIONS: 'true',
  'INPUT_PRIVATE-KEY': '-----BEGIN RSA PRIVATE KEY-----',
  'INPUT_GITHUB-TOKEN': 'ghs_secret',
  INPUT_PROXY: 'http://u:pw@proxy:3128',
  ACTIONS_RUNTIME_TOKEN: 'runtime-secret',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-secret',
  GITHUB_TOKEN: 'ghs_other',
  NPM_TOKEN: 'npm_secret',
  WECHAT_APPSECRET: 'set by the workflow',
  npm_config_registry: 'https://registry.npmjs.org/',
  Path: 'C:\\Windows'
}

describe('childEnvironment', () => {
  it('keeps what a build needs and nothing else', () => {
    expect(Object.keys(childEnvironment(FULL)).sort()).toEqual(
      [
        'PATH',
        'Path',
        'HOME',
        'LANG',
        'LC_ALL',
        'TMPDIR',
        'HTTPS_PROXY',
        'no_proxy',
        'NODE_EXTRA_CA_CERTS',
        'NODE_OPTIONS',
        'RUNNER_TRACKING_ID',
        'RUNNER_TEMP',
        'CI',
        'GITHUB_ACTIONS'
      ].sort()
    )
  })

  it('gives npm its own configuration too, but still no token of the step', () => {
    const env = childEnvironment(FULL, { npm: true })
    expect(env.npm_config_registry).toBe('https://registry.npmjs.org/')
    expect(Object.keys(env).filter((name) => /INPUT_|TOKEN|SECRET/i.test(name))).toEqual([])
  })
})

describe('enterChildEnvironment', () => {
  it('makes children started meanwhile inherit the reduced environment, then restores the full one', () => {
    const full = process.env
    process.env = { ...full, 'INPUT_PRIVATE-KEY': 'pem text', ACTIONS_RUNTIME_TOKEN: 'runtime-secret' }
    const withSecrets = process.env
    try {
      const restore = enterChildEnvironment()
      const seen = execFileSync(process.execPath, [
        '-e',
        'console.log(JSON.stringify(Object.keys(process.env)))'
      ])
      restore()
      const names = JSON.parse(seen.toString()) as string[]
      expect(names).not.toContain('INPUT_PRIVATE-KEY')
      expect(names).not.toContain('ACTIONS_RUNTIME_TOKEN')
      expect(names).toContain('PATH')
      expect(process.env).toBe(withSecrets)
    } finally {
      process.env = full
    }
  })
})
