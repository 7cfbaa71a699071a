/**
 * Starts the rehearsal world (the WeChat emulator, and the servicewechat.com fake behind its TLS-intercepting
 * proxy, so the real miniprogram-ci uploads into the emulator) and hands its addresses and credentials to later
 * workflow steps as step outputs. The CI job that runs the action with `uses: ./` starts it this way, and the test
 * that replays that job locally (__tests__/e2e/self-test-workflow.e2e.ts) starts the same world in-process.
 *
 *   tsx scripts/rehearsal-world.ts --background --outputs "$GITHUB_OUTPUT"
 *     starts the world in a detached process (its log goes to rehearsal-world.log in RUNNER_TEMP or the temp
 *     folder), waits until it listens, appends its outputs to the file, and returns; the runner ends the process
 *     with the job.
 *   tsx scripts/rehearsal-world.ts
 *     runs in the foreground and prints the outputs, until Ctrl-C.
 */
import { spawn } from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startWorld, type World } from '../test-support/world.js'

/** The authorized mini program that the sample project's ext.json names as its directCommit target. */
export const REHEARSAL_APPID = 'wxa000000000000001'

export interface Rehearsal {
  world: World
  /** What a workflow step reads as `steps.<id>.outputs.<name>`. */
  outputs: Record<string, string>
  close(): Promise<void>
}

export async function startRehearsal(): Promise<Rehearsal> {
  const world = await startWorld()
  const { credentials } = world.emulator
  const devApp = credentials.apps.find((app) => app.appid === credentials.devAppid)
  if (!devApp?.uploadPrivateKeyPem)
    throw new Error('the emulator seeded no upload key for its development program')
  const keyDir = mkdtempSync(path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'rehearsal-key-'))
  const privateKeyPath = path.join(keyDir, 'upload-key.pem')
  writeFileSync(privateKeyPath, devApp.uploadPrivateKeyPem, { mode: 0o600 })
  const outputs = {
    'api-base-url': world.emulator.url,
    'token-url': credentials.tokenServiceUrl,
    'token-url-secret': credentials.tokenServiceSecret,
    proxy: world.servicewechat.proxyUrl,
    'ca-cert': world.servicewechat.caCertPath,
    'private-key-path': privateKeyPath,
    appid: REHEARSAL_APPID,
    'control-url': `${world.emulator.url}/__emulator`
  }
  return {
    world,
    outputs,
    close: async () => {
      await world.close()
      rmSync(keyDir, { recursive: true, force: true })
    }
  }
}

/** GITHUB_OUTPUT lines (`name=value`; every value here is one line). */
export function outputLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('')
}

async function serve(readyFile: string | undefined): Promise<void> {
  const rehearsal = await startRehearsal()
  const text = outputLines(rehearsal.outputs)
  if (readyFile) {
    // Written whole, then renamed: the waiting process never reads half of it.
    writeFileSync(`${readyFile}.partial`, text)
    renameSync(`${readyFile}.partial`, readyFile)
  } else {
    process.stdout.write(`Rehearsal world listening; step outputs:\n${text}Ctrl-C stops it.\n`)
  }
  const stop = (): void => {
    rehearsal.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

/** Starts `serve` detached, waits for its outputs, and appends them to `outputsFile`. */
async function background(outputsFile: string): Promise<void> {
  const dir = process.env.RUNNER_TEMP ?? os.tmpdir()
  const readyFile = path.join(mkdtempSync(path.join(dir, 'rehearsal-')), 'outputs')
  const log = openSync(path.join(dir, 'rehearsal-world.log'), 'a')
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--ready-file', readyFile],
    { detached: true, stdio: ['ignore', log, log] }
  )
  child.unref()
  // Bounded wait: the world listens within seconds; a child that died says so in its log.
  for (let waited = 0; !existsSync(readyFile); waited += 100) {
    if (child.exitCode !== null || waited > 60_000) {
      throw new Error(`the rehearsal world did not start; see ${path.join(dir, 'rehearsal-world.log')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  appendFileSync(outputsFile, readFileSync(readyFile, 'utf8'))
  console.log(`Rehearsal world started (pid ${child.pid}); outputs appended to ${outputsFile}.`)
}

async function main(argv: string[]): Promise<void> {
  const valueAfter = (flag: string): string | undefined => {
    const index = argv.indexOf(flag)
    return index >= 0 ? argv[index + 1] : undefined
  }
  if (argv.includes('--background')) {
    const outputsFile = valueAfter('--outputs')
    if (!outputsFile) throw new Error('--background needs --outputs <file> (e.g. "$GITHUB_OUTPUT")')
    await background(outputsFile)
    return
  }
  await serve(valueAfter('--ready-file'))
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
}
