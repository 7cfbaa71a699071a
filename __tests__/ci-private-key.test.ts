/** The upload key never outlives its run: removed after it, on exit, and by the next run if killed. */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  KEY_FOLDER_PREFIX,
  removeKeyFoldersNow,
  removeLeftoverKeyFolders,
  writePrivateKeyFile
} from '../src/ci/private-key.js'
import { repoRoot } from '../test-support/run-action.js'

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'key-folders-'))
}

function plantFolder(dir: string, pid: number): string {
  const folder = path.join(dir, `${KEY_FOLDER_PREFIX}${pid}-${'ab'.repeat(8)}`)
  mkdirSync(folder)
  writeFileSync(path.join(folder, 'private.key'), 'key')
  return folder
}

describe('key folders', () => {
  it('names the folder after this process and makes the key readable by its owner only', async () => {
    const dir = tempDir()
    const file = await writePrivateKeyFile('pem', dir)
    expect(path.basename(path.dirname(file.path))).toMatch(new RegExp(`^${KEY_FOLDER_PREFIX}${process.pid}-`))
    if (process.platform !== 'win32') {
      const { statSync } = await import('node:fs')
      expect(statSync(file.path).mode & 0o777).toBe(0o600)
    }
    await file.dispose()
    expect(readdirSync(dir)).toEqual([])
  })

  it('removeKeyFoldersNow removes the live folders at once (what the signal handlers call)', async () => {
    const dir = tempDir()
    const file = await writePrivateKeyFile('pem', dir)
    removeKeyFoldersNow()
    expect(existsSync(file.path)).toBe(false)
    await file.dispose()
  })

  it('removes the folders of processes that are gone, and leaves live ones and strangers alone', async () => {
    const dir = tempDir()
    const dead = plantFolder(dir, 999_991)
    const alive = plantFolder(dir, 999_992)
    const own = await writePrivateKeyFile('pem', dir)
    mkdirSync(path.join(dir, 'wechat-ci-something-else'))
    mkdirSync(path.join(dir, 'other-tool'))
    const removed = await removeLeftoverKeyFolders(dir, (pid) => pid === 999_992)
    expect(removed).toEqual([dead])
    expect(existsSync(alive)).toBe(true)
    expect(existsSync(own.path)).toBe(true)
    expect(readdirSync(dir).sort()).toEqual(
      [
        path.basename(alive),
        path.basename(path.dirname(own.path)),
        'other-tool',
        'wechat-ci-something-else'
      ].sort()
    )
    await own.dispose()
  })

  it('asks the system whether the owner lives by default', async () => {
    const dir = tempDir()
    const child = spawn(process.execPath, ['-e', ''])
    const pid = child.pid as number
    await new Promise((resolve) => child.on('exit', resolve))
    const dead = plantFolder(dir, pid)
    const alive = plantFolder(dir, process.ppid)
    await removeLeftoverKeyFolders(dir)
    expect(existsSync(dead)).toBe(false)
    expect(existsSync(alive)).toBe(true)
  })

  it('a process that exits without disposing still removes its key', async () => {
    const dir = tempDir()
    const script = [
      `import { writePrivateKeyFile } from ${JSON.stringify(path.join(repoRoot, 'src/ci/private-key.ts'))}`,
      `const file = await writePrivateKeyFile('pem', ${JSON.stringify(dir)})`,
      'console.log(file.path)',
      'process.exit(3)'
    ].join('\n')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(3)
    expect(out.trim()).toContain(dir)
    expect(readdirSync(dir)).toEqual([])
  }, 30_000)
})
