/**
 * The fault matrix: every WeChat endpoint the action calls × the failures the platform and the network
 * produce (system error -1, rate limit 45011, HTTP 502, timeout, malformed body, dropped connection, expired
 * token 42001), each run through the bundled action against the emulator, with the outcome and the
 * invariants that matter: nothing submitted twice, no percentage moved twice, no write repeated after a
 * reply was lost, and a clear error where the action must stop.
 *
 * Run directly (`npx tsx scripts/fault-matrix.ts`) it writes docs/fault-matrix.md and prints it.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FaultSpec, RequestLogEntry } from '../emulator/index.js'
import { redact } from '../src/redact.js'
import type { ActionRun } from '../test-support/run-action.js'
import { repoRoot } from '../test-support/run-action.js'
import { emulatorClient, seedApprovedVersion } from '../test-support/seed-version.js'
import { SAMPLE_PROJECT, startWorld, type World } from '../test-support/world.js'

export type FaultKind =
  'system-error' | 'rate-limit' | 'http-502' | 'timeout' | 'malformed' | 'dropped' | 'expired-token'

export const FAULT_KINDS: readonly FaultKind[] = [
  'system-error',
  'rate-limit',
  'http-502',
  'timeout',
  'malformed',
  'dropped',
  'expired-token'
]

const FAULT_LABELS: Record<FaultKind, string> = {
  'system-error': 'errcode -1',
  'rate-limit': 'errcode 45011',
  'http-502': 'HTTP 502',
  timeout: 'timeout',
  malformed: 'malformed body',
  dropped: 'dropped connection',
  'expired-token': 'errcode 42001'
}

/** Faults after which a write's effect is unknown: the platform may have carried it out. */
const UNKNOWN_OUTCOME_KINDS: ReadonlySet<FaultKind> = new Set(['http-502', 'timeout', 'malformed', 'dropped'])

export type EndpointId =
  | 'get_latest_auditstatus'
  | 'getgrayreleaseplan'
  | 'getversioninfo'
  | 'queryquota'
  | 'submit_audit'
  | 'release'
  | 'grayrelease'
  | 'revertgrayrelease'
  | 'get_history_version'
  | 'revertcoderelease'
  | 'undocodeaudit'
  | 'speedupaudit'
  | 'bind_tester'
  | 'token-service'

/** Paths whose successful calls change the platform's state. */
const WRITE_PATHS = [
  '/wxa/submit_audit',
  '/wxa/release',
  '/wxa/grayrelease',
  '/wxa/revertgrayrelease',
  '/wxa/revertcoderelease',
  '/wxa/undocodeaudit',
  '/wxa/speedupaudit',
  '/wxa/bind_tester'
] as const

interface CellContext {
  world: World
  appid: string
  /** A version unique to the cell (submit tags must not collide). */
  version: string
  sha: string
  devKey: string
  timeoutSeconds: number
  tokenSource: TokenSource
}

interface Scenario {
  command: string
  inputs: Record<string, string>
  eventName: string
  ref: string
  sha: string
}

interface EndpointSpec {
  id: EndpointId
  /** The path the emulator matches. */
  path: string
  access: 'read' | 'write'
  /** The action's requests to `path` that precede the one to fault (they share the path). */
  skip?: number
  /** Whether a request to `path` is the one this row is about. */
  matches?: (entry: RequestLogEntry) => boolean
  /** Brings the cell's app to the state the command needs and returns the run. */
  prepare(context: CellContext): Promise<Scenario>
}

export interface FaultMatrixOptions {
  /** The action's `wechat-timeout-seconds`; the injected latency is 1.5 s longer. Default 1. */
  timeoutSeconds?: number
  /** Endpoints to cover; default all. */
  endpoints?: readonly EndpointId[]
  kinds?: readonly FaultKind[]
  /** Fewer kinds for some endpoints (each submit cell compiles the sample project with miniprogram-ci). */
  kindsFor?: Partial<Record<EndpointId, readonly FaultKind[]>>
  /**
   * Cells beyond the endpoint × fault grid: a read's fault injected 10 times (more than the retries) shows
   * where it must stop; a 42001 with `token-url` shows what happens when the source cannot renew the token.
   */
  additional?: readonly AdditionalCell[]
  /** Cells run at the same time; token-service cells always run alone (their fault matches any app). */
  concurrency?: number
  /** Called after each cell, e.g. to print progress. */
  onRow?: (row: FaultMatrixRow) => void
}

export interface AdditionalCell {
  endpoint: EndpointId
  kind: FaultKind
  /** Default 10 (a fault that does not go away); only reads may take more than 1. */
  times?: number
  tokenSource?: TokenSource
}

export interface FaultMatrixRow {
  endpoint: EndpointId
  path: string
  command: string
  access: 'read' | 'write'
  kind: FaultKind
  times: number
  tokenSource: TokenSource
  /** In the endpoint × fault grid (false for the additional cells). */
  grid: boolean
  appid: string
  exitCode: number | null
  /** The first `::error::` line, without the prefix, shortened. */
  firstError?: string
  /** Requests the action made to the faulted endpoint. */
  requests: number
  /** Writes the platform carried out, per path (only paths with at least one). */
  effects: Record<string, number>
  /** Reviews created for the app by submit_audit during the run. */
  audits: number
  outcome: string
  /** Broken invariants; empty when the cell behaved. */
  violations: string[]
  durationMs: number
}

/** How many of the emulator's extra apps (`startWorld({ extraApps })`) the matrix needs. */
export function faultMatrixAppCount(options: FaultMatrixOptions = {}): number {
  return planCells(options).length
}

export function extraAppid(index: number): string {
  return `wxa1${String(index).padStart(14, '0')}`
}

/**
 * How the action gets its tokens. `token-url` is the usual one; `component` (the app's refresh token with the
 * platform server's component token) is the source that can get a new authorizer token when WeChat rejects one.
 */
export type TokenSource = 'token-url' | 'component'

function tokenInputs(context: CellContext): Record<string, string> {
  const credentials = context.world.emulator.credentials
  if (context.tokenSource === 'token-url') {
    return { 'token-url': credentials.tokenServiceUrl, 'token-url-secret': credentials.tokenServiceSecret }
  }
  const app = credentials.apps.find((candidate) => candidate.appid === context.appid)
  if (!app) throw new Error(`${context.appid} is not authorized to the emulated platform`)
  return {
    'component-appid': credentials.componentAppid,
    'component-access-token': context.world.emulator.control.serverComponentToken(),
    'authorizer-refresh-tokens': `${app.appid}: ${app.refreshToken}`
  }
}

function platformInputs(context: CellContext): Record<string, string> {
  const { world } = context
  return {
    'api-base-url': world.emulator.url,
    ...tokenInputs(context),
    'github-token': 'ghs_faketoken_for_tests',
    'wechat-timeout-seconds': String(context.timeoutSeconds),
    appid: context.appid
  }
}

function dispatch(context: CellContext, command: string, extra: Record<string, string> = {}): Scenario {
  return {
    command,
    inputs: { command, ...platformInputs(context), ...extra },
    eventName: command === 'sync' ? 'schedule' : 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: 'f'.repeat(40)
  }
}

/** 1.0.0 online and `version` approved, not released. */
async function approved(context: CellContext): Promise<void> {
  context.world.emulator.control.setOnline(context.appid, '1.0.0')
  await seedApprovedVersion(context.world, context.appid, context.version, context.sha)
}

/** The sample project with its ext.json pointing at the cell's app (directCommit: upload = trial version). */
function directProjectFor(appid: string): string {
  const project = mkdtempSync(path.join(os.tmpdir(), 'fault-matrix-project-'))
  cpSync(SAMPLE_PROJECT, project, { recursive: true })
  writeFileSync(
    path.join(project, 'miniprogram/ext.json'),
    JSON.stringify({ extEnable: true, extAppid: appid, directCommit: true, ext: {} })
  )
  return project
}

async function submitScenario(context: CellContext): Promise<Scenario> {
  const { world, appid, version, sha } = context
  world.emulator.control.setOnline(appid, '1.0.0')
  world.github.addCommit(sha)
  world.github.addTag(`v${version}`, sha)
  // No appid input: the target is the extAppid in the project's ext.json, as in a real direct-route project.
  const { appid: _target, ...platform } = platformInputs(context)
  return {
    command: 'submit',
    inputs: {
      command: 'submit',
      ...platform,
      route: 'direct',
      'project-path': directProjectFor(appid),
      'allow-paths-outside-workspace': 'true',
      'private-key': context.devKey,
      proxy: world.servicewechat.proxyUrl
    },
    eventName: 'push',
    ref: `refs/tags/v${version}`,
    sha
  }
}

const isHistory = (entry: RequestLogEntry): boolean => entry.query.action === 'get_history_version'

export const ENDPOINTS: readonly EndpointSpec[] = [
  {
    id: 'get_latest_auditstatus',
    path: '/wxa/get_latest_auditstatus',
    access: 'read',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  {
    id: 'getgrayreleaseplan',
    path: '/wxa/getgrayreleaseplan',
    access: 'read',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  {
    id: 'getversioninfo',
    path: '/wxa/getversioninfo',
    access: 'read',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  { id: 'queryquota', path: '/wxa/queryquota', access: 'read', prepare: submitScenario },
  { id: 'submit_audit', path: '/wxa/submit_audit', access: 'write', prepare: submitScenario },
  {
    id: 'release',
    path: '/wxa/release',
    access: 'write',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'release', { version: context.version })
    }
  },
  {
    id: 'grayrelease',
    path: '/wxa/grayrelease',
    access: 'write',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'gray', { 'gray-percent': '10', version: context.version })
    }
  },
  {
    id: 'revertgrayrelease',
    path: '/wxa/revertgrayrelease',
    access: 'write',
    prepare: async (context) => {
      await approved(context)
      const client = emulatorClient(context.world)
      try {
        await client.grayRelease(context.appid, { gray_percentage: 10 })
      } finally {
        await client.close()
      }
      return dispatch(context, 'revert-gray', { version: context.version })
    }
  },
  {
    id: 'get_history_version',
    path: '/wxa/revertcoderelease',
    access: 'read',
    matches: isHistory,
    prepare: rollbackScenario
  },
  {
    id: 'revertcoderelease',
    path: '/wxa/revertcoderelease',
    access: 'write',
    // The rollback targets are listed (same path) before the rollback itself.
    skip: 1,
    matches: (entry) => !isHistory(entry),
    prepare: rollbackScenario
  },
  {
    id: 'undocodeaudit',
    path: '/wxa/undocodeaudit',
    access: 'write',
    prepare: async (context) => {
      context.world.emulator.control.setOnline(context.appid, '1.0.0')
      await seedApprovedVersion(context.world, context.appid, context.version, context.sha, {
        approve: false
      })
      return dispatch(context, 'withdraw', { version: context.version })
    }
  },
  {
    id: 'speedupaudit',
    path: '/wxa/speedupaudit',
    access: 'write',
    prepare: async (context) => {
      context.world.emulator.control.setOnline(context.appid, '1.0.0')
      await seedApprovedVersion(context.world, context.appid, context.version, context.sha, {
        approve: false
      })
      return dispatch(context, 'speedup', { version: context.version })
    }
  },
  {
    id: 'bind_tester',
    path: '/wxa/bind_tester',
    access: 'write',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'gray', {
        'gray-percent': '0',
        'gray-whitelist': 'alice',
        version: context.version
      })
    }
  },
  {
    id: 'token-service',
    path: '/__token-service/token',
    access: 'read',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  }
]

/** 1.0.0 then `version` released, so a rollback to 1.0.0 is possible. */
async function rollbackScenario(context: CellContext): Promise<Scenario> {
  await approved(context)
  const client = emulatorClient(context.world)
  try {
    await client.release(context.appid)
  } finally {
    await client.close()
  }
  return dispatch(context, 'rollback')
}

interface Cell {
  endpoint: EndpointSpec
  kind: FaultKind
  times: number
  tokenSource: TokenSource
  grid: boolean
}

function planCells(options: FaultMatrixOptions): Cell[] {
  const wanted = new Set(options.endpoints ?? ENDPOINTS.map((endpoint) => endpoint.id))
  const kinds = options.kinds ?? FAULT_KINDS
  const cells: Cell[] = []
  for (const endpoint of ENDPOINTS) {
    if (!wanted.has(endpoint.id)) continue
    for (const kind of options.kindsFor?.[endpoint.id] ?? kinds) {
      // Only a source that can mint another token can get past a rejected one; token-url is shown apart.
      const renewable = kind === 'expired-token' && endpoint.id !== 'token-service'
      cells.push({ endpoint, kind, times: 1, tokenSource: renewable ? 'component' : 'token-url', grid: true })
    }
  }
  for (const additional of options.additional ?? []) {
    const endpoint = ENDPOINTS.find((candidate) => candidate.id === additional.endpoint)
    if (!endpoint) throw new Error(`unknown endpoint ${additional.endpoint}`)
    const times = additional.times ?? 10
    if (times > 1 && endpoint.access !== 'read')
      throw new Error(`${endpoint.id}: repeated faults are for reads only`)
    cells.push({
      endpoint,
      kind: additional.kind,
      times,
      tokenSource: additional.tokenSource ?? 'token-url',
      grid: false
    })
  }
  return cells
}

function faultFor(cell: Cell, appid: string, latencyMs: number): FaultSpec {
  const write = cell.endpoint.access === 'write'
  // The token service is called before any token exists: its requests carry no appid to match.
  const base: FaultSpec = {
    path: cell.endpoint.path,
    times: cell.times,
    ...(cell.endpoint.id === 'token-service' ? {} : { appid })
  }
  // For writes, the ambiguous failures come after the platform carried the write out.
  const afterCommit = write && UNKNOWN_OUTCOME_KINDS.has(cell.kind) ? { afterCommit: true } : {}
  switch (cell.kind) {
    case 'system-error':
      return { ...base, errcode: -1, errmsg: 'system error' }
    case 'rate-limit':
      return { ...base, errcode: 45011, errmsg: 'api minute-quota reach limit mustslower retry next minute' }
    case 'http-502':
      return { ...base, httpStatus: 502, ...afterCommit }
    case 'timeout':
      // Latency alone does not fail the request: the platform answers (and a write takes effect) too late.
      return { ...base, latencyMs }
    case 'malformed':
      return { ...base, malformed: true, ...afterCommit }
    case 'dropped':
      return { ...base, dropConnection: true, ...afterCommit }
    case 'expired-token':
      return { ...base, errcode: 42001, errmsg: 'access_token expired' }
  }
}

/** The first `::error::` line of a run, without its prefix and properties. */
export function firstErrorLine(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const match = /^::error(?: [^:]*)?::(.*)$/.exec(line)
    if (match) return (match[1] ?? '').replace(/%0A/g, ' ').replace(/%25/g, '%').trim()
  }
  return undefined
}

function shorten(text: string, max = 140): string {
  // Loopback addresses change from run to run; the table should not.
  const flat = text
    .replace(/https?:\/\/127\.0\.0\.1:\d+/g, '<api>')
    // Every cell has its own app; the appid in front of each message says nothing here.
    .replace(/\bwx[0-9a-f]{16}: /g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

/** A write the platform carried out: answered errcode 0, or failed only after the effect. */
function carriedOut(entry: RequestLogEntry): boolean {
  return entry.errcode === 0 || (entry.fault?.includes('afterCommit') ?? false)
}

function writeEffects(entries: RequestLogEntry[]): Record<string, number> {
  const effects: Record<string, number> = {}
  for (const entry of entries) {
    const write = (WRITE_PATHS as readonly string[]).includes(entry.path)
    if (!write || (entry.path === '/wxa/revertcoderelease' && isHistory(entry))) continue
    if (carriedOut(entry)) effects[entry.path] = (effects[entry.path] ?? 0) + 1
  }
  return effects
}

/** Whether an error line tells which call failed: the endpoint, or the WeChat errcode and its meaning. */
function namesTheFailure(line: string, cell: Cell): boolean {
  const endpointName = cell.endpoint.path.split('/').pop() ?? cell.endpoint.path
  if (line.includes(endpointName)) return true
  if (cell.endpoint.id === 'token-service' && /token/i.test(line)) return true
  const errcode = { 'system-error': '-1', 'rate-limit': '45011', 'expired-token': '42001' }[
    cell.kind as string
  ]
  return errcode !== undefined && new RegExp(`(errcode|error) ?${errcode}\\b`).test(line)
}

/** A 42001 where the token source hands back the rejected token: stopping (not looping) is right. */
function cannotRenew(cell: Cell): boolean {
  return cell.kind === 'expired-token' && cell.tokenSource === 'token-url'
}

function judge(
  cell: Cell,
  run: ActionRun,
  faulted: RequestLogEntry[],
  effects: Record<string, number>,
  audits: number
): { outcome: string; violations: string[]; firstError?: string } {
  const violations: string[] = []
  const error = firstErrorLine(run.stdout)
  const write = cell.endpoint.access === 'write'
  const unknownOutcome = write && UNKNOWN_OUTCOME_KINDS.has(cell.kind)
  const success = run.exitCode === 0

  for (const [writePath, count] of Object.entries(effects)) {
    if (count > 1) violations.push(`${writePath} carried out ${count} times`)
  }
  if (audits > 1) violations.push(`${audits} reviews submitted`)
  if (run.leftoverPids.length > 0) violations.push(`left processes behind: ${run.leftoverPids.join(', ')}`)
  if (!success) {
    if (!error) violations.push(`exit ${run.exitCode ?? run.signal} without an ::error:: line`)
    else if (!namesTheFailure(error, cell))
      violations.push('the error names neither the endpoint nor the WeChat errcode')
  }
  if (unknownOutcome) {
    // The reply was lost after the effect: the same write must not be sent again.
    if (faulted.length > 1)
      violations.push(`${cell.endpoint.path} sent ${faulted.length} times after a lost reply`)
  } else if (cell.times === 1 && !success && !cannotRenew(cell)) {
    violations.push('a single transient failure stopped the run')
  }
  if (cell.times > 1 && success) violations.push('succeeded although every attempt failed')

  let outcome: string
  if (success) {
    if (cell.kind === 'expired-token' && faulted.length > 1) outcome = 'new token, repeated once, succeeded'
    else if (faulted.length > 1) outcome = `retried (${faulted.length} calls), succeeded`
    else if (/adopt/i.test(run.stdout)) outcome = 'not repeated; adopted the existing review'
    else if (unknownOutcome) outcome = 'not repeated; read back, succeeded'
    else outcome = 'succeeded'
  } else {
    outcome = `stopped${faulted.length > 0 ? ` after ${faulted.length} call${faulted.length > 1 ? 's' : ''}` : ''}: ${shorten(error ?? run.stderr.slice(-200), 120)}`
  }
  return { outcome, violations, ...(error ? { firstError: shorten(error) } : {}) }
}

async function runCell(
  world: World,
  cell: Cell,
  appid: string,
  index: number,
  devKey: string,
  timeoutSeconds: number
): Promise<FaultMatrixRow> {
  const control = world.emulator.control
  const context: CellContext = {
    world,
    appid,
    version: `3.${index}.0`,
    sha: `fa${index.toString(16).padStart(6, '0')}`.padEnd(40, 'd'),
    devKey,
    timeoutSeconds,
    tokenSource: cell.tokenSource
  }
  const scenario = await cell.endpoint.prepare(context)
  const latencyMs = timeoutSeconds * 1000 + 1500
  const logStart = control.requests().length
  const auditsBefore = control.auditCount(appid)
  const fault = faultFor(cell, appid, latencyMs)
  // A latency-only fault consumes a use without failing: it lets the requests sharing the path pass first.
  if (cell.endpoint.skip)
    control.injectFault({ path: fault.path, appid, times: cell.endpoint.skip, latencyMs: 1 })
  control.injectFault(fault)
  const run = await world.run({
    inputs: scenario.inputs,
    eventName: scenario.eventName,
    ref: scenario.ref,
    sha: scenario.sha,
    timeoutMs: 240_000
  })
  // A late answer (timeout) still lands, and a write takes effect, after the action gave up on it.
  if (cell.kind === 'timeout') await new Promise((resolve) => setTimeout(resolve, latencyMs))
  const ours = control
    .requests()
    .slice(logStart)
    .filter((entry) =>
      cell.endpoint.id === 'token-service' ? entry.query.appid === appid : entry.appid === appid
    )
  const faulted = ours.filter(
    (entry) => entry.path === cell.endpoint.path && (cell.endpoint.matches?.(entry) ?? true)
  )
  const effects = writeEffects(ours)
  const audits = control.auditCount(appid) - auditsBefore
  const verdict = judge(cell, run, faulted, effects, audits)
  return {
    endpoint: cell.endpoint.id,
    path: cell.endpoint.path,
    command: scenario.command,
    access: cell.endpoint.access,
    kind: cell.kind,
    times: cell.times,
    tokenSource: cell.tokenSource,
    grid: cell.grid,
    appid,
    exitCode: run.exitCode,
    requests: faulted.length,
    effects,
    audits,
    durationMs: run.durationMs,
    ...verdict
  }
}

/** Runs every cell on its own fresh extra app; token-service cells run alone after the others. */
export async function runFaultMatrix(
  world: World,
  options: FaultMatrixOptions = {}
): Promise<FaultMatrixRow[]> {
  const cells = planCells(options)
  const known = world.emulator.control.state().apps as Record<string, unknown>
  const missing = cells.map((_, index) => extraAppid(index + 1)).filter((appid) => !(appid in known))
  if (missing.length > 0)
    throw new Error(
      `the fault matrix needs ${cells.length} extra apps: start the world with extraApps: ${faultMatrixAppCount(options)}`
    )
  const devKey = world.emulator.credentials.apps.find(
    (app) => app.appid === world.emulator.credentials.devAppid
  )?.uploadPrivateKeyPem
  if (!devKey) throw new Error('the emulator has no upload key for its development mini program')
  const timeoutSeconds = options.timeoutSeconds ?? 3
  const rows: FaultMatrixRow[] = new Array<FaultMatrixRow>(cells.length)
  const runAt = async (index: number): Promise<void> => {
    const cell = cells[index] as Cell
    const row = await runCell(world, cell, extraAppid(index + 1), index + 1, devKey, timeoutSeconds)
    rows[index] = row
    options.onRow?.(row)
  }
  const indexes = cells.map((_, index) => index)
  const shared = indexes.filter((index) => cells[index]?.endpoint.id !== 'token-service')
  const alone = indexes.filter((index) => cells[index]?.endpoint.id === 'token-service')
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < shared.length) await runAt(shared[next++] as number)
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker))
  for (const index of alone) await runAt(index)
  return rows
}

function cellText(row: FaultMatrixRow): string {
  const mark = row.violations.length === 0 ? '' : ` **VIOLATION: ${row.violations.join('; ')}**`
  return `${row.outcome} (exit ${row.exitCode ?? 'killed'})${mark}`.replace(/\|/g, '\\|')
}

/** The Markdown page: the endpoint × fault grid, then the further cases. */
export function renderFaultMatrix(
  rows: readonly FaultMatrixRow[],
  options: { timeoutSeconds?: number } = {}
): string {
  const single = rows.filter((row) => row.grid)
  const additional = rows.filter((row) => !row.grid)
  const kinds = FAULT_KINDS.filter((kind) => single.some((row) => row.kind === kind))
  const endpoints = ENDPOINTS.filter((endpoint) => single.some((row) => row.endpoint === endpoint.id))
  const lines: string[] = [
    '# Fault matrix',
    '',
    'Generated by `npx tsx scripts/fault-matrix.ts` against the WeChat emulator, running the bundled action',
    `(\`dist/index.js\`) with \`wechat-timeout-seconds: ${options.timeoutSeconds ?? 3}\`. Each cell is one run on a fresh`,
    'mini program with the fault injected once into the named endpoint. Writes get the ambiguous faults',
    '(HTTP 502, malformed body, dropped connection) _after_ the platform carried the write out, and a timeout',
    'lets the write land after the action gave up: the action must not send it again. Reads and refused',
    'writes (-1, 45011, 42001) are safe to repeat. Every cell also checks that no write took effect twice',
    '(reviews, releases, gray percentages, rollbacks, withdrawals, speed-ups, experience members).',
    "Tokens come from `token-url`, except in the 42001 column, which uses the platform's credentials: they can",
    'mint a new token, which a token service that hands back the same one cannot (see the further cases).',
    '',
    `| Endpoint (command) | ${kinds.map((kind) => FAULT_LABELS[kind]).join(' | ')} |`,
    `| --- | ${kinds.map(() => '---').join(' | ')} |`
  ]
  for (const endpoint of endpoints) {
    const rowCells = kinds.map((kind) => {
      const row = single.find((candidate) => candidate.endpoint === endpoint.id && candidate.kind === kind)
      return row ? cellText(row) : '–'
    })
    const sample = single.find((row) => row.endpoint === endpoint.id)
    const name =
      endpoint.id === endpoint.path.split('/').pop() ? endpoint.path : `${endpoint.path} (${endpoint.id})`
    lines.push(`| \`${name}\` (${sample?.command ?? ''}, ${endpoint.access}) | ${rowCells.join(' | ')} |`)
  }
  if (additional.length > 0) {
    lines.push(
      '',
      '## Further cases',
      '',
      "A fault injected 10 times outlasts the action's retries of a read (the first attempt and 3 retries): the",
      'run must stop with an error that names the endpoint. A 42001 with `token-url`: the action fetches the',
      'token again, and when the service hands back the token WeChat just rejected it stops instead of',
      'repeating the call with it.',
      '',
      '| Endpoint (command) | Fault | Token source | Outcome |',
      '| --- | --- | --- | --- |'
    )
    for (const row of additional) {
      lines.push(
        `| \`${row.path}\` (${row.command}) | ${FAULT_LABELS[row.kind]} × ${row.times} | ${row.tokenSource} | ${cellText(row)} |`
      )
    }
  }
  const broken = rows.filter((row) => row.violations.length > 0).length
  lines.push(
    '',
    broken === 0 ? 'Every cell kept its invariants.' : `${broken} cell(s) broke an invariant (marked above).`,
    ''
  )
  return lines.join('\n')
}

/** The matrix the documentation shows: every endpoint × every fault, plus the further cases. */
export const DOCUMENTED_MATRIX: FaultMatrixOptions = {
  timeoutSeconds: 1,
  additional: [
    { endpoint: 'get_latest_auditstatus', kind: 'system-error' },
    { endpoint: 'getgrayreleaseplan', kind: 'http-502' },
    { endpoint: 'getversioninfo', kind: 'malformed' },
    { endpoint: 'queryquota', kind: 'timeout' },
    { endpoint: 'token-service', kind: 'rate-limit' },
    { endpoint: 'get_latest_auditstatus', kind: 'expired-token', times: 1, tokenSource: 'token-url' }
  ]
}

/** Emulator options the matrix needs besides its apps: enough review and speed-up quota for every cell. */
export const FAULT_MATRIX_WORLD = { auditQuota: 1000, speedupQuota: 1000 } as const

async function main(): Promise<void> {
  const options: FaultMatrixOptions = {
    ...DOCUMENTED_MATRIX,
    concurrency: Number(process.env.FAULT_MATRIX_CONCURRENCY ?? 3),
    onRow: (row) =>
      process.stderr.write(
        redact(`${row.endpoint} × ${row.kind}${row.times > 1 ? ` ×${row.times}` : ''}: ${row.outcome}\n`)
      )
  }
  const world = await startWorld({ ...FAULT_MATRIX_WORLD, extraApps: faultMatrixAppCount(options) })
  world.github.addCommit('f'.repeat(40))
  try {
    const rows = await runFaultMatrix(world, options)
    const markdown = renderFaultMatrix(rows, options)
    mkdirSync(path.join(repoRoot, 'docs'), { recursive: true })
    writeFileSync(path.join(repoRoot, 'docs/fault-matrix.md'), markdown)
    process.stdout.write(markdown)
    if (rows.some((row) => row.violations.length > 0)) process.exitCode = 1
  } finally {
    await world.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
