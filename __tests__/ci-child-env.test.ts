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
  NODE_AUTH_TOKEN: 'npm registry token',
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
    expect(env.NODE_AUTH_TOKEN).toBe('npm registry token')
    expect(
      Object.keys(env).filter((name) => /INPUT_|SECRET|ACTIONS_|GITHUB_TOKEN|NPM_TOKEN/i.test(name))
    ).toEqual([])
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

describe('the npm child of the miniprogram-ci install', () => {
  it('runs without the step’s inputs and tokens', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, chmodSync, readFileSync, cpSync } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const { loadMiniprogramCi } = await import('../src/ci/loader.js')
    const { repoRoot } = await import('../test-support/run-action.js')
    const work = mkdtempSync(path.join(os.tmpdir(), 'npm-env-'))
    const bin = path.join(work, 'bin')
    mkdirSync(bin)
    const dump = path.join(work, 'npm-env.txt')
    // An npm that writes down its environment, then installs a stand-in miniprogram-ci.
    writeFileSync(
      path.join(bin, 'npm'),
      `#!/bin/sh
env > "${dump}"
mkdir -p node_modules/miniprogram-ci
printf '{"name":"miniprogram-ci","version":"0.0.0","main":"index.js"}' > node_modules/miniprogram-ci/package.json
echo 'module.exports = {}' > node_modules/miniprogram-ci/index.js
`
    )
    chmodSync(path.join(bin, 'npm'), 0o755)
    const lockfileDir = path.join(work, 'lock')
    cpSync(path.join(repoRoot, 'tools/miniprogram-ci'), lockfileDir, { recursive: true })
    const project = path.join(work, 'project')
    mkdirSync(project)
    const full = process.env
    process.env = {
      ...full,
      PATH: `${bin}${path.delimiter}${full.PATH ?? ''}`,
      'INPUT_PRIVATE-KEY': 'pem-text-of-the-key',
      INPUT_PROXY: 'http://u:proxy-password@proxy:3128',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
      npm_config_registry: 'https://registry.example/'
    }
    try {
      const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined }
      // The stand-in is not the locked tree, so the install is refused after npm ran; its environment is what counts.
      await expect(
        loadMiniprogramCi({
          projectPath: project,
          repositoryRoot: project,
          toolCacheDir: path.join(work, 'cache'),
          lockfileDir,
          installCache: { restore: () => Promise.resolve('not-found'), saveAtEnd: () => undefined },
          log: quiet
        })
      ).rejects.toThrow(/does not match the action's lockfile/)
    } finally {
      process.env = full
    }
    const seen = readFileSync(dump, 'utf8')
    expect(seen).not.toMatch(/INPUT_|pem-text-of-the-key|proxy-password|runtime-token-value/)
    expect(seen).toContain('npm_config_registry=https://registry.example/')
  }, 30_000)
})
