/**
 * The fault matrix: every WeChat endpoint the action calls × the failures the platform and the network
 * produce (system error -1, rate limit 45011, HTTP 502, timeout, malformed body, dropped connection, expired
 * token 42001), each run through the bundled action against the emulator, with the outcome and the
 * invariants that matter: nothing submitted twice, no percentage moved twice, no write repeated after a
 * reply was lost, and a clear error where the action must stop.
 *
 * Run directly (`npx tsx scripts/fault-matrix.ts`) it runs the documented matrix, writes docs/fault-matrix.md
 * and prints it. With `--check` it only checks, without running anything, that docs/fault-matrix.md has the
 * layout this script would write (endpoints, fault kinds, further cases, text); the e2e fault matrix checks
 * the outcomes the page shows against the outcomes it observes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FaultSpec, RequestLogEntry } from '../emulator/index.js'
import { redact } from '../src/redact.js'
import type { ActionRun } from '../test-support/run-action.js'
import { repoRoot } from '../test-support/run-action.js'
import { emulatorClient, seedApprovedVersion } from '../test-support/seed-version.js'
import { copySampleProject, startWorld, type World } from '../test-support/world.js'

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

const DEFAULT_TIMEOUT_SECONDS = 3

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
  /** `wechat-timeout-seconds`; the action's default when unset. */
  timeoutSeconds?: number
  tokenSource: TokenSource
  /** Folders the cell made (removed after its run). */
  scratch: string[]
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
  /** The action's command that calls the endpoint in this row. */
  command: string
  /** The action's requests to `path` that precede the one to fault (they share the path). */
  skip?: number
  /** Whether a request to `path` is the one this row is about. */
  matches?: (entry: RequestLogEntry) => boolean
  /** Brings the cell's app to the state the command needs and returns the run. */
  prepare(context: CellContext): Promise<Scenario>
}

export interface FaultMatrixOptions {
  /**
   * The action's `wechat-timeout-seconds` in the timeout cells; the injected latency is 1.5 s longer. Default
   * 3. The other cells do not depend on time and run with the action's default, which a busy machine never
   * reaches.
   */
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
  /**
   * Only this share of the cells (`index` from 1 to `count`), so that shares run in parallel, each against
   * a world of its own. Every cell keeps its app, version and commit whichever share runs it.
   */
  shard?: { index: number; count: number } | undefined
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
  return planCells({ ...options, shard: undefined }).length
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
    // The matrix counts the calls of one command to the faulted endpoint; the dashboard's reading of WeChat
    // again after a write (docs/dashboard.md) is not part of what a cell shows.
    dashboard: 'false',
    ...(context.timeoutSeconds !== undefined
      ? { 'wechat-timeout-seconds': String(context.timeoutSeconds) }
      : {}),
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
function directProjectFor(context: CellContext): string {
  const { appid } = context
  const project = mkdtempSync(path.join(os.tmpdir(), 'fault-matrix-project-'))
  context.scratch.push(project)
  copySampleProject(project)
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
      'project-path': directProjectFor(context),
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
    command: 'sync',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  {
    id: 'getgrayreleaseplan',
    path: '/wxa/getgrayreleaseplan',
    access: 'read',
    command: 'sync',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  {
    id: 'getversioninfo',
    path: '/wxa/getversioninfo',
    access: 'read',
    command: 'sync',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'sync')
    }
  },
  { id: 'queryquota', path: '/wxa/queryquota', access: 'read', command: 'submit', prepare: submitScenario },
  {
    id: 'submit_audit',
    path: '/wxa/submit_audit',
    access: 'write',
    command: 'submit',
    prepare: submitScenario
  },
  {
    id: 'release',
    path: '/wxa/release',
    access: 'write',
    command: 'release',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'release', { version: context.version })
    }
  },
  {
    id: 'grayrelease',
    path: '/wxa/grayrelease',
    access: 'write',
    command: 'gray',
    prepare: async (context) => {
      await approved(context)
      return dispatch(context, 'gray', { 'gray-percent': '10', version: context.version })
    }
  },
  {
    id: 'revertgrayrelease',
    path: '/wxa/revertgrayrelease',
    access: 'write',
    command: 'revert-gray',
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
    command: 'rollback',
    matches: isHistory,
    prepare: rollbackScenario
  },
  {
    id: 'revertcoderelease',
    path: '/wxa/revertcoderelease',
    access: 'write',
    command: 'rollback',
    // The rollback targets are listed (same path) before the rollback itself.
    skip: 1,
    matches: (entry) => !isHistory(entry),
    prepare: rollbackScenario
  },
  {
    id: 'undocodeaudit',
    path: '/wxa/undocodeaudit',
    access: 'write',
    command: 'withdraw',
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
    command: 'speedup',
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
    command: 'gray',
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
    command: 'sync',
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
  /** 1-based position in the whole plan: the cell's app, version and commit derive from it. */
  index: number
  endpoint: EndpointSpec
  kind: FaultKind
  times: number
  tokenSource: TokenSource
  grid: boolean
}

/** What a planned cell is, before it runs. */
export type PlannedCell = Pick<FaultMatrixRow, 'endpoint' | 'path' | 'command' | 'access' | 'kind'> &
  Pick<FaultMatrixRow, 'times' | 'tokenSource' | 'grid' | 'appid'>

function describeCell(cell: Cell): PlannedCell {
  return {
    endpoint: cell.endpoint.id,
    path: cell.endpoint.path,
    command: cell.endpoint.command,
    access: cell.endpoint.access,
    kind: cell.kind,
    times: cell.times,
    tokenSource: cell.tokenSource,
    grid: cell.grid,
    appid: extraAppid(cell.index)
  }
}

/** The cells `options` describe (only the shard's, when it names one), in the order they are planned. */
export function planFaultMatrix(options: FaultMatrixOptions = {}): PlannedCell[] {
  return planCells(options).map(describeCell)
}

/**
 * Rough wall time of a cell, to share the cells out evenly: a submit compiles the project first, a
 * timeout waits for it (each attempt), and a fault that does not go away waits for the retries' back-off.
 */
function estimatedSeconds(cell: Cell, timeoutSeconds: number): number {
  const compile = cell.endpoint.command === 'submit' ? 8 : 0
  const waits = cell.kind === 'timeout' ? Math.min(cell.times, 4) * (timeoutSeconds + 1) : 0
  const backoff = cell.times > 1 ? 4 : 0
  return 1 + compile + waits + backoff
}

/** Splits the cells into `count` shares of about the same estimated time (longest first, to the lightest). */
function shareOut(cells: Cell[], count: number, timeoutSeconds: number): Cell[][] {
  const shares = Array.from({ length: count }, () => ({ cells: [] as Cell[], seconds: 0 }))
  const longestFirst = [...cells].sort(
    (a, b) => estimatedSeconds(b, timeoutSeconds) - estimatedSeconds(a, timeoutSeconds) || a.index - b.index
  )
  for (const cell of longestFirst) {
    const lightest = shares.reduce((best, share) => (share.seconds < best.seconds ? share : best))
    lightest.cells.push(cell)
    lightest.seconds += estimatedSeconds(cell, timeoutSeconds)
  }
  return shares.map((share) => share.cells.sort((a, b) => a.index - b.index))
}

function planCells(options: FaultMatrixOptions): Cell[] {
  const all = planAllCells(options)
  if (!options.shard) return all
  const { index, count } = options.shard
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count)
    throw new Error(`shard ${index} of ${count} does not exist`)
  return shareOut(all, count, options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS)[index - 1] as Cell[]
}

function planAllCells(options: FaultMatrixOptions): Cell[] {
  const wanted = new Set(options.endpoints ?? ENDPOINTS.map((endpoint) => endpoint.id))
  const kinds = options.kinds ?? FAULT_KINDS
  const cells: Cell[] = []
  for (const endpoint of ENDPOINTS) {
    if (!wanted.has(endpoint.id)) continue
    for (const kind of options.kindsFor?.[endpoint.id] ?? kinds) {
      // Only a source that can mint another token can get past a rejected one; token-url is shown apart.
      const renewable = kind === 'expired-token' && endpoint.id !== 'token-service'
      cells.push({
        index: cells.length + 1,
        endpoint,
        kind,
        times: 1,
        tokenSource: renewable ? 'component' : 'token-url',
        grid: true
      })
    }
  }
  for (const additional of options.additional ?? []) {
    const endpoint = ENDPOINTS.find((candidate) => candidate.id === additional.endpoint)
    if (!endpoint) throw new Error(`unknown endpoint ${additional.endpoint}`)
    const times = additional.times ?? 10
    if (times > 1 && endpoint.access !== 'read')
      throw new Error(`${endpoint.id}: repeated faults are for reads only`)
    cells.push({
      index: cells.length + 1,
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

/**
 * Resolves once `condition` holds, or after `atMostMs` when it never does (then the cell's checks tell what
 * went wrong). The condition depends on another process, hence the look every 50 ms.
 */
async function until(condition: () => boolean, atMostMs: number): Promise<void> {
  const deadline = Date.now() + atMostMs
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}

/** The requests of the cell's app; for the token service, the requests for a token of that app. */
function ofCellApp(cell: Cell, appid: string, entry: RequestLogEntry): boolean {
  return cell.endpoint.id === 'token-service' ? entry.query.appid === appid : entry.appid === appid
}

/** The requests the cell is about (its endpoint's, for its app). */
function ofCellEndpoint(cell: Cell, appid: string, entry: RequestLogEntry): boolean {
  return (
    ofCellApp(cell, appid, entry) &&
    entry.path === cell.endpoint.path &&
    (cell.endpoint.matches?.(entry) ?? true)
  )
}

async function runCell(
  world: World,
  cell: Cell,
  devKey: string,
  timeoutSeconds: number
): Promise<FaultMatrixRow> {
  const { index } = cell
  const appid = extraAppid(index)
  const context: CellContext = {
    world,
    appid,
    version: `3.${index}.0`,
    sha: `fa${index.toString(16).padStart(6, '0')}`.padEnd(40, 'd'),
    devKey,
    ...(cell.kind === 'timeout' ? { timeoutSeconds } : {}),
    tokenSource: cell.tokenSource,
    scratch: []
  }
  try {
    return await runPreparedCell(world, cell, context)
  } finally {
    for (const folder of context.scratch) rmSync(folder, { recursive: true, force: true })
  }
}

async function runPreparedCell(world: World, cell: Cell, context: CellContext): Promise<FaultMatrixRow> {
  const control = world.emulator.control
  const { appid } = context
  const scenario = await cell.endpoint.prepare(context)
  if (scenario.command !== cell.endpoint.command)
    throw new Error(
      `${cell.endpoint.id} is listed under ${cell.endpoint.command} but runs ${scenario.command}`
    )
  const latencyMs = (context.timeoutSeconds ?? 0) * 1000 + 1500
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
  // A late answer (timeout) still lands, and a write takes effect, after the action gave up on it: wait
  // until the emulator has answered the delayed requests (a read is tried at most 4 times).
  if (cell.kind === 'timeout') {
    const lateAnswers = (): number =>
      control
        .requests()
        .slice(logStart)
        .filter((entry) => entry.fault === `latency ${latencyMs}ms` && ofCellEndpoint(cell, appid, entry))
        .length
    await until(() => lateAnswers() >= Math.min(cell.times, 4), latencyMs)
  }
  const ours = control
    .requests()
    .slice(logStart)
    .filter((entry) => ofCellApp(cell, appid, entry))
  const faulted = ours.filter((entry) => ofCellEndpoint(cell, appid, entry))
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
  const missing = cells.map((cell) => extraAppid(cell.index)).filter((appid) => !(appid in known))
  if (missing.length > 0)
    throw new Error(
      `the fault matrix needs ${faultMatrixAppCount(options)} extra apps: start the world with extraApps: ${faultMatrixAppCount(options)}`
    )
  const devKey = world.emulator.credentials.apps.find(
    (app) => app.appid === world.emulator.credentials.devAppid
  )?.uploadPrivateKeyPem
  if (!devKey) throw new Error('the emulator has no upload key for its development mini program')
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
  const rows: FaultMatrixRow[] = new Array<FaultMatrixRow>(cells.length)
  const runAt = async (index: number): Promise<void> => {
    const row = await runCell(world, cells[index] as Cell, devKey, timeoutSeconds)
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

type CellIdentity = Pick<PlannedCell, 'endpoint' | 'kind' | 'times' | 'tokenSource' | 'grid'>

/** Names a cell the same way in the page and in a run's rows. */
export function cellKey(cell: CellIdentity): string {
  return cell.grid
    ? `${cell.endpoint} × ${cell.kind}`
    : `${cell.endpoint} × ${cell.kind} × ${cell.times} × ${cell.tokenSource}`
}

/**
 * What a cell's text says happened, without the details that depend on the run's settings (the timeout
 * in an error message): `retried (2 calls), succeeded (exit 0)`, `stopped after 1 call (exit 1)`.
 */
export function outcomeClass(text: string): string {
  const exit = / \(exit ([^)]+)\)(?: \*\*VIOLATION[^*]*\*\*)?$/.exec(text)
  const outcome = exit ? text.slice(0, exit.index) : text
  const head = outcome.split(': ')[0] ?? outcome
  return `${head} (exit ${exit?.[1] ?? '?'})`
}

/** The observed outcome of a row, as outcomeClass reads it from the page. */
export function rowOutcomeClass(row: FaultMatrixRow): string {
  return outcomeClass(cellText(row))
}

/** The Markdown page: the endpoint × fault grid, then the further cases. */
export function renderFaultMatrix(
  rows: readonly FaultMatrixRow[],
  options: { timeoutSeconds?: number } = {},
  textOf: (row: FaultMatrixRow) => string = cellText
): string {
  const single = rows.filter((row) => row.grid)
  const additional = rows.filter((row) => !row.grid)
  const kinds = FAULT_KINDS.filter((kind) => single.some((row) => row.kind === kind))
  const endpoints = ENDPOINTS.filter((endpoint) => single.some((row) => row.endpoint === endpoint.id))
  const lines: string[] = [
    '# Fault matrix',
    '',
    'Generated by `npx tsx scripts/fault-matrix.ts` against the WeChat emulator, running the bundled action',
    `(\`dist/index.js\`); the timeout cells run with \`wechat-timeout-seconds: ${options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS}\`. Each cell is one run on a fresh`,
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
      return row ? textOf(row) : '–'
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
        `| \`${row.path}\` (${row.command}) | ${FAULT_LABELS[row.kind]} × ${row.times} | ${row.tokenSource} | ${textOf(row)} |`
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

/** Splits a Markdown table line into its cells (a `\\|` inside a cell does not split it). */
function tableCells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim())
}

export interface FaultMatrixPage {
  /** Where the page differs from what this script writes, besides the outcomes. */
  problems: string[]
  /** The outcome text of each cell, by cellKey. */
  outcomes: Map<string, string>
}

/**
 * Reads docs/fault-matrix.md against the page this script writes for `options`: every line but the outcome
 * cells must be the same (title, text, endpoints, fault kinds, further cases). Nothing is run.
 */
export function readFaultMatrixPage(
  markdown: string,
  options: FaultMatrixOptions = DOCUMENTED_MATRIX
): FaultMatrixPage {
  const placeholder = (row: FaultMatrixRow): string => `{{${cellKey(row)}}}`
  const planned = planCells({ ...options, shard: undefined }).map((cell): FaultMatrixRow => ({
    ...describeCell(cell),
    exitCode: 0,
    requests: 0,
    effects: {},
    audits: 0,
    outcome: '',
    violations: [],
    durationMs: 0
  }))
  const expected = renderFaultMatrix(planned, options, placeholder).split('\n')
  const actual = markdown.split('\n')
  const problems: string[] = []
  const outcomes = new Map<string, string>()
  if (actual.length !== expected.length)
    problems.push(`the page has ${actual.length} lines where ${expected.length} are expected`)
  expected.forEach((line, index) => {
    const found = actual[index] ?? ''
    if (!line.includes('{{')) {
      if (found !== line)
        problems.push(`line ${index + 1}: expected ${JSON.stringify(line)}, found ${JSON.stringify(found)}`)
      return
    }
    const want = tableCells(line)
    const have = tableCells(found)
    if (have.length !== want.length) {
      problems.push(`line ${index + 1}: expected ${want.length} cells, found ${have.length}`)
      return
    }
    want.forEach((cell, column) => {
      const key = /^\{\{(.+)\}\}$/.exec(cell)?.[1]
      if (key) outcomes.set(key, have[column] as string)
      else if (have[column] !== cell)
        problems.push(
          `line ${index + 1}: expected ${JSON.stringify(cell)}, found ${JSON.stringify(have[column])}`
        )
    })
  })
  return { problems, outcomes }
}

export const FAULT_MATRIX_PAGE = path.join(repoRoot, 'docs/fault-matrix.md')

/** Emulator options the matrix needs besides its apps: enough review and speed-up quota for every cell. */
export const FAULT_MATRIX_WORLD = { auditQuota: 1000, speedupQuota: 1000 } as const

/** Runs the shares of the matrix at once, each against a world of its own, and returns the rows in plan order. */
export async function runFaultMatrixInShares(
  options: FaultMatrixOptions,
  shares: number
): Promise<FaultMatrixRow[]> {
  const results = await Promise.all(
    Array.from({ length: shares }, async (_, share) => {
      const world = await startWorld({ ...FAULT_MATRIX_WORLD, extraApps: faultMatrixAppCount(options) })
      world.github.addCommit('f'.repeat(40))
      try {
        return await runFaultMatrix(world, { ...options, shard: { index: share + 1, count: shares } })
      } finally {
        await world.close()
      }
    })
  )
  // Extra appids number the cells in plan order.
  return results.flat().sort((a, b) => a.appid.localeCompare(b.appid))
}

function check(): void {
  const { problems } = readFaultMatrixPage(readFileSync(FAULT_MATRIX_PAGE, 'utf8'))
  if (problems.length === 0) {
    process.stdout.write('docs/fault-matrix.md has the layout scripts/fault-matrix.ts writes.\n')
    return
  }
  process.stderr.write(
    `docs/fault-matrix.md is not what scripts/fault-matrix.ts writes; run \`npx tsx scripts/fault-matrix.ts\` and commit the page:\n  ${problems.slice(0, 20).join('\n  ')}\n`
  )
  process.exitCode = 1
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) return check()
  const options: FaultMatrixOptions = {
    ...DOCUMENTED_MATRIX,
    concurrency: Number(process.env.FAULT_MATRIX_CONCURRENCY ?? 2),
    onRow: (row) =>
      process.stderr.write(
        redact(`${row.endpoint} × ${row.kind}${row.times > 1 ? ` ×${row.times}` : ''}: ${row.outcome}\n`)
      )
  }
  const rows = await runFaultMatrixInShares(options, Number(process.env.FAULT_MATRIX_SHARES ?? 2))
  const markdown = renderFaultMatrix(rows, options)
  mkdirSync(path.dirname(FAULT_MATRIX_PAGE), { recursive: true })
  writeFileSync(FAULT_MATRIX_PAGE, markdown)
  process.stdout.write(markdown)
  if (rows.some((row) => row.violations.length > 0)) process.exitCode = 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
