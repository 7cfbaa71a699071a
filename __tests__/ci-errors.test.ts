/** Error mapping of miniprogram-ci's failures, the key checks, and the project.config.json reading. */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseServerError, toCiError } from '../src/ci/errors.js'
import { normalisePem, resolvePrivateKey, writePrivateKeyFile } from '../src/ci/private-key.js'
import { projectTypeFor, readProjectConfig } from '../src/ci/project-config.js'
import { compileSettingsFor, mapSizes } from '../src/ci/run.js'
import { clearSecrets, redact } from '../src/redact.js'

const work = mkdtempSync(path.join(os.tmpdir(), 'ci-errors-test-'))
const context = { command: 'upload' as const, appid: 'wxd000000000000001' }
const { privateKey: pkcs1 } = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' }
})

/** miniprogram-ci's CodeError: an Error with a numeric code (and `path` for compile errors). */
function codeError(code: number, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra })
}

afterEach(() => clearSecrets())
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('toCiError', () => {
  it('names the parameter of a 10000', () => {
    const error = toCiError(codeError(10000, 'lack of parameter: "version"'), context)
    expect(error.kind).toBe('parameter')
    expect(error.message).toContain('parameter "version"')
  })

  it('points a missing appid at the input and project.config.json', () => {
    const error = toCiError(codeError(10000, 'appid should not be empty'), context)
    expect(error.message).toContain('Set the appid input')
  })

  it('explains a 20002 as a malformed key', () => {
    const error = toCiError(
      codeError(
        20002,
        'generate local signature fail. Detail: Error: error:1E08010C:DECODER routines::unsupported'
      ),
      context
    )
    expect(error.kind).toBe('private-key')
    expect(error.message).toContain(
      'not a valid PEM RSA key; paste the whole file content including BEGIN/END lines'
    )
  })

  it.each([
    'Error: getaddrinfo ENOTFOUND servicewechat.com',
    'Error: connect ECONNREFUSED 127.0.0.1:3128',
    'Error: connect ETIMEDOUT 1.2.3.4:443',
    'Error: tunneling socket could not be established, statusCode=403'
  ])('gives network advice for %s', (message) => {
    const error = toCiError(codeError(20001, message), { ...context, proxy: 'http://proxy.internal:3128' })
    expect(error.kind).toBe('network')
    expect(error.message).toContain('through the proxy http://proxy.internal:3128')
  })

  it.each([
    ['errCode: -80011; errMsg: ip 1.2.3.4 not in whitelist', 20001],
    ['{"errCode":-10008,"errMsg":"invalid ip, reference: 白名单"}', 20003],
    ['{"errCode":-10008,"errMsg":"IP white list check failed"}', 20003]
  ])('gives IP whitelist advice for %s', (message, code) => {
    const error = toCiError(codeError(code, `Error: ${message}`), context)
    expect(error.kind).toBe('ip-whitelist')
    expect(error.message).toContain("add the runner's egress IP")
    expect(error.message).toContain('turn the whitelist off')
  })

  it('keeps the server errCode and errMsg of other refusals', () => {
    const error = toCiError(
      codeError(20003, 'Error: {"errCode":-10009,"errMsg":"version format error"}'),
      context
    )
    expect(error.kind).toBe('server')
    expect(error.server).toEqual({ errCode: -10009, errMsg: 'version format error' })
    expect(error.message).toContain('errCode -10009 (version format error)')
  })

  it('names the file of a compile error', () => {
    const error = toCiError(
      codeError(10005, 'could not find the corresponding file: "pages/missing/index.wxml"', {
        path: 'app.json'
      }),
      context
    )
    expect(error.kind).toBe('compile')
    expect(error.message).toContain('in app.json (code 10005)')
  })

  it('redacts secrets from whatever miniprogram-ci said', () => {
    const error = toCiError(
      new Error('request failed: https://x.example/?access_token=SECRETTOKEN123&b=1'),
      context
    )
    expect(error.kind).toBe('unknown')
    expect(error.message).not.toContain('SECRETTOKEN123')
  })

  it('parses both server error forms', () => {
    expect(parseServerError('Error: errCode: -1; errMsg: system error')).toEqual({
      errCode: -1,
      errMsg: 'system error'
    })
    expect(parseServerError('no server here')).toBeUndefined()
  })
})

describe('private key', () => {
  const body = pkcs1.trim()

  it.each([
    ['literal \\n sequences', body.replace(/\n/g, '\\n')],
    ['CRLF line ends', body.replace(/\n/g, '\r\n')],
    ['surrounding quotes', `"${body}"`],
    ['the file base64-encoded again', Buffer.from(body).toString('base64')],
    ['base64 lines joined by spaces', body.replace(/\n(?!-----)/g, ' ').replace('----- ', '-----\n')]
  ])('repairs %s', (_name, text) => {
    expect(normalisePem(text)).toBe(`${body}\n`)
  })

  it('rejects text that is not PEM, naming the input', async () => {
    await expect(resolvePrivateKey({ privateKey: 'hunter2-not-a-key' })).rejects.toMatchObject({
      input: 'private-key',
      message: expect.stringContaining('BEGIN RSA PRIVATE KEY')
    })
  })

  it('rejects a PEM whose body was damaged', async () => {
    const damaged = body.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')
    await expect(resolvePrivateKey({ privateKey: damaged })).rejects.toMatchObject({ input: 'private-key' })
  })

  it('reads and checks a key file, and registers the key as a secret', async () => {
    const file = path.join(work, 'upload.key')
    writeFileSync(file, body.replace(/\n/g, '\\n'))
    const pem = await resolvePrivateKey({ privateKeyPath: file })
    expect(pem).toBe(`${body}\n`)
    const line = body.split('\n')[2] as string
    expect(redact(`leaked ${line}`)).toBe('leaked ***')
    await expect(resolvePrivateKey({ privateKeyPath: path.join(work, 'missing.key') })).rejects.toMatchObject(
      {
        input: 'private-key-path'
      }
    )
  })

  it('writes the key 0600 in its own folder and removes the folder', async () => {
    const file = await writePrivateKeyFile(`${body}\n`, work)
    expect(statSync(file.path).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(file.path)).mode & 0o777).toBe(0o700)
    await file.dispose()
    expect(existsSync(path.dirname(file.path))).toBe(false)
  })
})

describe('project.config.json', () => {
  it('maps compileType to the project type (games are games, not plugins)', () => {
    expect(projectTypeFor('miniprogram')).toBe('miniProgram')
    expect(projectTypeFor('plugin')).toBe('miniProgramPlugin')
    expect(projectTypeFor('game')).toBe('miniGame')
    expect(projectTypeFor('gamePlugin')).toBe('miniGamePlugin')
    expect(projectTypeFor(undefined)).toBe('miniProgram')
  })

  it('reads appid, root, setting and pack ignores, and names project-path when the file is missing', () => {
    const dir = path.join(work, 'game')
    mkdirSync(dir)
    writeFileSync(
      path.join(dir, 'project.config.json'),
      JSON.stringify({
        appid: 'wxgame0000000001',
        compileType: 'game',
        miniprogramRoot: 'src/',
        setting: { es6: true },
        packOptions: { ignore: [{ type: 'folder', value: 'docs' }] }
      })
    )
    expect(readProjectConfig(dir)).toEqual({
      appid: 'wxgame0000000001',
      miniprogramRoot: 'src/',
      compileType: 'game',
      projectType: 'miniGame',
      setting: { es6: true },
      packIgnore: [{ type: 'folder', value: 'docs' }]
    })
    expect(() => readProjectConfig(path.join(work, 'nowhere'))).toThrow(/project-path/)
  })
})

describe('results and settings', () => {
  it('maps subpackage and plugin sizes', () => {
    expect(
      mapSizes({
        subPackageInfo: [
          { name: '__FULL__', size: 300 },
          { name: '__APP__', size: 200 },
          { name: 'packageA', size: 100 }
        ],
        pluginInfo: [{ pluginProviderAppid: 'wxplugin', version: '1.0.0', size: 50 }]
      })
    ).toEqual({
      total: 300,
      main: 200,
      subpackages: [{ name: 'packageA', size: 100 }],
      plugins: [{ appid: 'wxplugin', version: '1.0.0', size: 50 }]
    })
    expect(mapSizes({})).toEqual({ subpackages: [], plugins: [] })
  })

  it("compiles with the project's own settings unless told otherwise", () => {
    expect(compileSettingsFor(undefined)).toEqual({ useProjectConfig: true })
    expect(compileSettingsFor({ minify: false })).toEqual({ useProjectConfig: true, minify: false })
    expect(compileSettingsFor({ useProjectConfig: false, es6: true })).toEqual({
      useProjectConfig: false,
      es6: true
    })
  })
})
