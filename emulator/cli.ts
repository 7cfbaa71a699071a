/**
 * `npm run emulator [-- --port 8080]`: starts the WeChat emulator on loopback, prints its address, the
 * seeded credentials and a short guide, and runs until Ctrl-C.
 */
import { startEmulator, type EmulatorOptions, type RunningEmulator } from './index.js'

const USAGE = `Usage: tsx emulator/cli.ts [--port N] [--extra-apps N] [--auto-approve-after SECONDS] [--latency-ms N] [--start-time UNIX_SECONDS]`

function parseArgs(argv: string[]): EmulatorOptions {
  // By hand, the emulated clock starts now, so the action's check of WeChat's Date header against the
  // runner's clock passes; tests pass their own start.
  const options: EmulatorOptions = { startTime: Math.floor(Date.now() / 1000) }
  const numberAfter = (index: number, flag: string): number => {
    const value = Number(argv[index + 1])
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${flag} needs a non-negative integer\n${USAGE}`)
    return value
  }
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    switch (flag) {
      case '--port':
        options.port = numberAfter(index++, flag)
        break
      case '--extra-apps':
        options.extraApps = numberAfter(index++, flag)
        break
      case '--auto-approve-after':
        options.autoApproveAfterSeconds = numberAfter(index++, flag)
        break
      case '--start-time':
        options.startTime = numberAfter(index++, flag)
        break
      case '--latency-ms':
        options.latencyMs = numberAfter(index++, flag)
        break
      case '--help':
      case '-h':
        console.log(USAGE)
        process.exit(0)
        break
      default:
        throw new Error(`Unknown argument ${String(flag)}\n${USAGE}`)
    }
  }
  return options
}

function guide(emulator: RunningEmulator): string {
  const { url, credentials } = emulator
  const lines = [
    `WeChat emulator listening on ${url}`,
    '',
    'Credentials (emulated; safe to share):',
    `  token-url                  ${credentials.tokenServiceUrl}`,
    `  token-url-secret (Bearer)  ${credentials.tokenServiceSecret}`,
    '    ?appid=<appid> gives an authorizer token, ?component=1 the component token (template route)',
    `  component-appid            ${credentials.componentAppid}`,
    `  development mini program   ${credentials.devAppid}`,
    '',
    'Authorized mini programs (appid, name, appsecret, authorizer refresh token):'
  ]
  for (const app of credentials.apps.slice(0, 6)) {
    lines.push(`  ${app.appid}  ${app.name.padEnd(22)} ${app.appsecret}  ${app.refreshToken}`)
  }
  if (credentials.apps.length > 6) lines.push(`  … and ${credentials.apps.length - 6} more`)
  lines.push(
    `Standalone mini program (own token only): ${credentials.standaloneApp.appid}  ${credentials.standaloneApp.appsecret}`,
    '',
    'Upload keys: GET /__emulator/state does not print them; read them in-process from credentials.',
    '',
    'Use it from a workflow step or a local run:',
    `  api-base-url: ${url}`,
    `  token-url: ${credentials.tokenServiceUrl}`,
    '',
    'Drive the platform (JSON bodies):',
    `  curl ${url}/__emulator/state`,
    `  curl ${url}/__emulator/requests`,
    `  curl -X POST ${url}/__emulator/advance -d '{"seconds":86400}'`,
    `  curl -X POST ${url}/__emulator/approve -d '{"appid":"${credentials.apps[0]?.appid ?? ''}"}'`,
    `  curl -X POST ${url}/__emulator/reject -d '{"appid":"…","reason":"…","screenshots":["media-1"]}'`,
    `  curl -X POST ${url}/__emulator/delay -d '{"appid":"…","reason":"…"}'`,
    `  curl -X POST ${url}/__emulator/setOnline -d '{"appid":"…","version":"1.0.0"}'`,
    `  curl -X POST ${url}/__emulator/injectFault -d '{"path":"/wxa/submit_audit","errcode":-1}'`,
    `  curl -X POST ${url}/__emulator/setReplyVariants -d '{"latestAuditWithoutUserVersion":true}'`,
    '  Also: setJsErrors, clearFaults, setUnsearchable, setTooManyMemberships, setQuota, resetRequests,',
    '  setGrayFinish, rotateVerifyTicket (POST) and now, auditCount?appid=, currentVerifyTicket,',
    '  serverComponentTokenValid (GET).',
    '',
    'Ctrl-C stops it.'
  )
  return lines.join('\n')
}

async function main(): Promise<void> {
  const emulator = await startEmulator(parseArgs(process.argv.slice(2)))
  console.log(guide(emulator))
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping the emulator`)
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
