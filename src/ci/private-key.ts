/**
 * The code upload key: normalised, validated before anything runs, registered as a secret, and only
 * ever on disk as a 0600 file in a private temp folder that is removed after the run — also when the
 * run is stopped by a signal or exits early, and, should it be killed outright, by the next run.
 */
import { createPrivateKey, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { InputError } from '../errors.js'
import { registerSecret } from '../redact.js'

const PEM_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/

/**
 * Repairs the usual ways a PEM gets mangled when pasted into a secret: literal `\n` sequences,
 * CRLF line ends, surrounding quotes, or the whole file base64-encoded once more.
 * Returns undefined when the text does not contain a PEM private key.
 */
export function normalisePem(text: string): string | undefined {
  let candidate = text.trim().replace(/^["']|["']$/g, '')
  candidate = candidate.replace(/\\r\\n|\\n|\\r/g, '\n').replace(/\r\n?/g, '\n')
  if (!candidate.includes('-----BEGIN') && /^[A-Za-z0-9+/=\s]+$/.test(candidate)) {
    const decoded = Buffer.from(candidate.replace(/\s+/g, ''), 'base64').toString('utf8')
    if (decoded.includes('-----BEGIN')) candidate = decoded.trim().replace(/\r\n?/g, '\n')
  }
  const match = PEM_BLOCK.exec(candidate)
  if (!match) return undefined
  const label = match[1] as string
  // Rewrap the body: some paste paths join the base64 lines with spaces.
  const body = (match[2] as string).replace(/\s+/g, '')
  const lines = body.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** Registers the key (whole, line by line and as one base64 line) so no log line can carry it. */
function registerKey(pem: string): void {
  registerSecret(pem)
  const body = pem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .join('')
  registerSecret(body)
}

/**
 * Reads the key from the input text or the file, and checks it is an RSA private key Node can load,
 * so a broken secret fails with the input's name instead of miniprogram-ci's decoder error.
 */
export async function resolvePrivateKey(source: {
  privateKey?: string
  privateKeyPath?: string
}): Promise<string> {
  let input: 'private-key' | 'private-key-path'
  let text: string
  if (source.privateKey !== undefined && source.privateKey.trim() !== '') {
    input = 'private-key'
    text = source.privateKey
    registerSecret(text)
  } else if (source.privateKeyPath) {
    input = 'private-key-path'
    try {
      text = await readFile(source.privateKeyPath, 'utf8')
    } catch (error) {
      throw new InputError(
        input,
        `cannot read ${source.privateKeyPath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`
      )
    }
    registerSecret(text)
  } else {
    throw new InputError(
      'private-key',
      'is required for preview and upload: the code upload key from mp.weixin.qq.com (开发管理 → 开发设置 → 小程序代码上传), or set private-key-path'
    )
  }

  const pem = normalisePem(text)
  if (!pem) {
    throw new InputError(
      input,
      'is not a PEM private key; paste the whole key file including the -----BEGIN RSA PRIVATE KEY----- and -----END RSA PRIVATE KEY----- lines'
    )
  }
  registerKey(pem)
  try {
    const key = createPrivateKey(pem)
    if (key.asymmetricKeyType !== 'rsa') {
      throw new InputError(
        input,
        `is a ${key.asymmetricKeyType ?? 'non-RSA'} key; WeChat code upload keys are RSA`
      )
    }
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError(
      input,
      'has PEM lines but the key inside cannot be read (truncated or altered while pasting); paste the whole key file again'
    )
  }
  return pem
}

export interface PrivateKeyFile {
  path: string
  /** Removes the key and its folder; safe to call more than once. */
  dispose(): Promise<void>
}

/** Key folders are `<tempDir>/wechat-ci-<pid>-<random>`: the pid tells a later run whether the owner lives. */
export const KEY_FOLDER_PREFIX = 'wechat-ci-'
const KEY_FOLDER = /^wechat-ci-(\d+)-[0-9a-f]{16}$/

/** The key folders of this process that still exist. */
const liveFolders = new Set<string>()
let removeOnExit = false

/** Removes every key folder of this process now, synchronously: for signal and exit handlers. */
export function removeKeyFoldersNow(): void {
  for (const folder of liveFolders) {
    try {
      rmSync(folder, { recursive: true, force: true })
    } catch {
      // Nothing more can be done this late; the next run removes it.
    }
  }
  liveFolders.clear()
}

/** Writes the key as `<tempDir>/wechat-ci-<pid>-<random>/private.key`, readable by this user only. */
export async function writePrivateKeyFile(pem: string, tempDir: string): Promise<PrivateKeyFile> {
  const folder = path.join(tempDir, `${KEY_FOLDER_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`)
  if (!removeOnExit) {
    // process.exit() anywhere (or an uncaught error) still runs 'exit' listeners.
    process.on('exit', removeKeyFoldersNow)
    removeOnExit = true
  }
  liveFolders.add(folder)
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const keyPath = path.join(folder, 'private.key')
  await writeFile(keyPath, pem, { mode: 0o600, flag: 'wx' })
  return {
    path: keyPath,
    dispose: async () => {
      await rm(folder, { recursive: true, force: true })
      liveFolders.delete(folder)
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes key folders that earlier runs left in `tempDir` (killed before they could remove them):
 * those whose process no longer exists. Folders of a live process — another run on the same runner,
 * or this one — are left alone. Returns the folders removed.
 */
export async function removeLeftoverKeyFolders(
  tempDir: string,
  exists: (pid: number) => boolean = processExists
): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(tempDir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const entry of entries) {
    const match = KEY_FOLDER.exec(entry)
    if (!match) continue
    const pid = Number(match[1])
    const folder = path.join(tempDir, entry)
    if (pid === process.pid || liveFolders.has(folder) || exists(pid)) continue
    await rm(folder, { recursive: true, force: true })
    removed.push(folder)
  }
  return removed
}
