/**
 * The package-size report of a preview (and an upload): the main package, each subpackage and the total
 * as miniprogram-ci reports them, against WeChat's limits, the team's budget, and the base branch's last
 * preview. Pure: the command reads the base record and writes this run's record.
 *
 * WeChat's limits (developers.weixin.qq.com/miniprogram/dev/framework/subpackages.html): every package
 * (the main package and each subpackage) at most 2 MB; all packages together at most 20 MB for mini
 * programs developed by a service provider (服务商代开发), 30 MB otherwise. The server's own message for
 * an oversize main package says "exceed max limit 2048KB", so MB is taken as 1024 × 1024 bytes.
 */
import { createHash } from 'node:crypto'
import * as z from 'zod'
import { formatBytes } from './format.js'
import { inlineCode } from './markdown.js'

export const MIB = 1024 * 1024
/** WeChat's limit for the main package and for each subpackage. */
export const PACKAGE_LIMIT = 2 * MIB
/** WeChat's limit for all packages of a mini program developed by a service provider (the stricter one). */
export const DEFAULT_TOTAL_LIMIT = 20 * MIB
/** Share of a limit a package may use before the budget is exceeded, unless an input says otherwise. */
export const DEFAULT_BUDGET_PERCENT = 90

export interface PackageSizes {
  total?: number
  main?: number
  subpackages: Array<{ name: string; size: number }>
  plugins?: Array<{ appid: string; version: string; size: number }>
}

export type BudgetKind = 'main' | 'subpackage' | 'total'

export interface SizePolicy {
  /** WeChat's limit for all packages together (package-size-total-limit). */
  totalLimit: number
  /** Share of each limit that is the budget, 1–100 (package-size-budget). */
  percent: number
  /** Absolute budgets that replace the percentage for one kind of package. */
  budgets: Partial<Record<BudgetKind, number>>
  /** What an exceeded budget or limit does (package-size-budget-action). */
  action: 'warn' | 'fail'
}

export const DEFAULT_SIZE_POLICY: SizePolicy = {
  totalLimit: DEFAULT_TOTAL_LIMIT,
  percent: DEFAULT_BUDGET_PERCENT,
  budgets: {},
  action: 'warn'
}

const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: MIB, mb: MIB, mib: MIB }

/** `1.5MB`, `800 KB`, `2097152` (bytes); KB and MB are 1024-based, as WeChat counts. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()]
  if (!match || unit === undefined) {
    throw new Error(`"${text.trim()}" is not a size such as 1.5MB, 800KB or 2097152 (bytes)`)
  }
  return Math.round(Number(match[1]) * unit)
}

/**
 * `package-size-budget`: a percentage of each WeChat limit (`90%`), and/or absolute budgets per kind
 * (`main=1.5MB, subpackage=1.8MB, total=15MB`). Kinds without their own budget use the percentage.
 */
export function parseSizeBudget(text: string | undefined): Pick<SizePolicy, 'percent' | 'budgets'> {
  const policy: Pick<SizePolicy, 'percent' | 'budgets'> = { percent: DEFAULT_BUDGET_PERCENT, budgets: {} }
  if (!text?.trim()) return policy
  let percentGiven = false
  for (const item of text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter(Boolean)) {
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(item)
    if (percent) {
      const value = Number(percent[1])
      if (value <= 0 || value > 100) throw new Error(`${item} is not a percentage from 1 to 100`)
      if (percentGiven) throw new Error('gives a percentage twice')
      percentGiven = true
      policy.percent = value
      continue
    }
    const entry = /^(main|subpackages?|total)\s*[=:]\s*(.+)$/i.exec(item)
    if (!entry) {
      throw new Error(
        `"${item}" is neither a percentage of WeChat's limits (90%) nor a budget such as main=1.5MB, subpackage=1.8MB or total=15MB`
      )
    }
    const kind = entry[1]!.toLowerCase().replace(/s$/, '') as BudgetKind
    if (policy.budgets[kind] !== undefined) throw new Error(`gives the ${kind} budget twice`)
    policy.budgets[kind] = parseSize(entry[2]!)
  }
  return policy
}

export type SizeStatus = 'ok' | 'over-budget' | 'over-limit' | 'removed' | 'no-limit'

export interface SizeRow {
  kind: BudgetKind | 'plugin'
  /** The subpackage's root, or the plugin's appid and version. */
  name?: string
  /** Undefined for a subpackage the base had and this preview has not. */
  size?: number
  /** The size in the base branch's last preview, when it had this package. */
  base?: number
  limit?: number
  budget?: number
  status: SizeStatus
}

/** The base branch's last preview, as recorded by the action. */
export interface SizeBaseline {
  branch: string
  commit: string
  sizes: PackageSizes
}

export interface SizeReport {
  rows: SizeRow[]
  policy: SizePolicy
  /** The branch compared with, whether or not a record of it was found. */
  baseBranch?: string
  baseline?: SizeBaseline
  /** Rows over their budget or over WeChat's limit. */
  exceeded: SizeRow[]
  /** The worst status of all rows. */
  status: 'ok' | 'over-budget' | 'over-limit'
}

function budgetOf(kind: BudgetKind, limit: number, policy: SizePolicy): number {
  return policy.budgets[kind] ?? Math.floor((limit * policy.percent) / 100)
}

function judged(
  kind: BudgetKind,
  size: number,
  base: number | undefined,
  policy: SizePolicy,
  name?: string
): SizeRow {
  const limit = kind === 'total' ? policy.totalLimit : PACKAGE_LIMIT
  const budget = budgetOf(kind, limit, policy)
  const status: SizeStatus = size > limit ? 'over-limit' : size > budget ? 'over-budget' : 'ok'
  return {
    kind,
    ...(name !== undefined ? { name } : {}),
    size,
    ...(base !== undefined ? { base } : {}),
    limit,
    budget,
    status
  }
}

export function evaluateSizes(
  sizes: PackageSizes,
  policy: SizePolicy = DEFAULT_SIZE_POLICY,
  base: { branch: string; baseline?: SizeBaseline } | undefined = undefined
): SizeReport {
  const baseline = base?.baseline
  const baseSubpackages = new Map((baseline?.sizes.subpackages ?? []).map((sub) => [sub.name, sub.size]))
  const rows: SizeRow[] = []
  if (sizes.main !== undefined) rows.push(judged('main', sizes.main, baseline?.sizes.main, policy))
  for (const sub of sizes.subpackages) {
    rows.push(judged('subpackage', sub.size, baseSubpackages.get(sub.name), policy, sub.name))
  }
  const current = new Set(sizes.subpackages.map((sub) => sub.name))
  for (const [name, size] of baseSubpackages) {
    if (!current.has(name)) rows.push({ kind: 'subpackage', name, base: size, status: 'removed' })
  }
  if (sizes.total !== undefined) rows.push(judged('total', sizes.total, baseline?.sizes.total, policy))
  for (const plugin of sizes.plugins ?? []) {
    rows.push({
      kind: 'plugin',
      name: `${plugin.appid} ${plugin.version}`,
      size: plugin.size,
      status: 'no-limit'
    })
  }
  const exceeded = rows.filter((row) => row.status === 'over-budget' || row.status === 'over-limit')
  const status = exceeded.some((row) => row.status === 'over-limit')
    ? 'over-limit'
    : exceeded.length > 0
      ? 'over-budget'
      : 'ok'
  return {
    rows,
    policy,
    ...(base ? { baseBranch: base.branch } : {}),
    ...(baseline ? { baseline } : {}),
    exceeded,
    status
  }
}

// ---- rendering ----------------------------------------------------------------------------------------

/** Folder names are untrusted: in a table cell a `|` would end the cell even inside a code span. */
const IN_TABLE = { inTable: true }

function rowLabel(row: SizeRow): string {
  switch (row.kind) {
    case 'main':
      return 'Main package'
    case 'subpackage':
      return `Subpackage ${inlineCode(row.name, IN_TABLE)}`
    case 'total':
      return '**Total**'
    case 'plugin':
      return `Plugin ${inlineCode(row.name, IN_TABLE)}`
  }
}

/** `+12.3 KB`, `−2.0 KB`, `±0 B`. */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '±0 B'
  return bytes > 0 ? `+${formatBytes(bytes)}` : `−${formatBytes(-bytes)}`
}

function change(row: SizeRow): string {
  if (row.status === 'removed') return `removed (${formatDelta(-(row.base ?? 0))})`
  if (row.base === undefined || row.size === undefined) return row.kind === 'plugin' ? '–' : 'new'
  return formatDelta(row.size - row.base)
}

function share(size: number, limit: number): string {
  return `${Math.round((size / limit) * 100)} %`
}

function statusText(row: SizeRow): string {
  if (row.size === undefined || row.limit === undefined) return '–'
  const used = share(row.size, row.limit)
  if (row.status === 'over-limit') return `❌ ${used}: over WeChat's limit`
  if (row.status === 'over-budget') return `⚠️ ${used}: over budget`
  return `✅ ${used}`
}

function budgetText(policy: SizePolicy): string {
  const kinds: BudgetKind[] = ['main', 'subpackage', 'total']
  const absolute = kinds
    .filter((kind) => policy.budgets[kind] !== undefined)
    .map((kind) => `${kind} ${formatBytes(policy.budgets[kind]!)}`)
  const rest = absolute.length < kinds.length ? [`${policy.percent} % of WeChat's limit otherwise`] : []
  const action = policy.action === 'fail' ? 'fails the step' : 'warns'
  return `Budget: ${[...absolute, ...rest].join(', ')} (package-size-budget); going over it ${action} (package-size-budget-action).`
}

/** The size table with its notes, for the PR comment and the job summary. */
export function renderSizeReport(report: SizeReport): string {
  if (report.rows.length === 0) return 'WeChat reported no package sizes.'
  const withChange = report.baseline !== undefined
  const header = ['Package', 'Size', ...(withChange ? ['Change'] : []), 'Budget', 'WeChat limit', 'Used']
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
  for (const row of report.rows) {
    const cells = [
      rowLabel(row),
      row.size !== undefined ? formatBytes(row.size) : '–',
      ...(withChange ? [change(row)] : []),
      row.budget !== undefined ? formatBytes(row.budget) : '–',
      row.limit !== undefined ? formatBytes(row.limit) : '–',
      statusText(row)
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const notes: string[] = []
  if (report.baseline) {
    notes.push(
      `Change: against the last preview of ${inlineCode(report.baseline.branch)} (commit ${inlineCode(report.baseline.commit.slice(0, 7))}).`
    )
  } else if (report.baseBranch !== undefined) {
    notes.push(
      `No earlier preview of ${inlineCode(report.baseBranch)} is recorded to compare with; a preview run on a push to it records one.`
    )
  }
  notes.push(budgetText(report.policy))
  return [...lines, '', ...notes].join('\n')
}

/** One line per exceeded row, for warnings and the failure message. */
export function describeExceeded(report: SizeReport): string[] {
  return report.exceeded.map((row) => {
    const what =
      row.kind === 'main'
        ? 'The main package'
        : row.kind === 'total'
          ? 'All packages together'
          : `Subpackage "${(row.name ?? '').replace(/[\r\n]+/g, ' ')}"`
    const size = formatBytes(row.size ?? 0)
    return row.status === 'over-limit'
      ? `${what} is ${size}, over WeChat's limit of ${formatBytes(row.limit ?? 0)}; WeChat refuses such an upload.`
      : `${what} is ${size}, over its budget of ${formatBytes(row.budget ?? 0)} (WeChat's limit is ${formatBytes(row.limit ?? 0)}).`
  })
}

// ---- the record of a preview, kept on the QR side branch -----------------------------------------------

/** A file name for any branch or appid: readable, safe in a path, and unique (a hash of the name). */
function fileKey(name: string): string {
  const readable = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 60)
  return `${readable || 'branch'}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`
}

/** Where a branch's last preview sizes are kept (on the QR side branch). */
export function sizeRecordPath(appid: string, branch: string): string {
  return `previews/sizes/${fileKey(appid)}/${fileKey(branch)}.json`
}

const recordSchema = z.object({
  schema: z.literal(1),
  appid: z.string().max(64),
  branch: z.string().min(1).max(255),
  commit: z.string().regex(/^[0-9a-f]{7,64}$/),
  sizes: z.object({
    total: z.number().int().min(0).max(1e12).optional(),
    main: z.number().int().min(0).max(1e12).optional(),
    subpackages: z
      .array(z.object({ name: z.string().max(300), size: z.number().int().min(0).max(1e12) }))
      .max(500)
  })
})

/** The record's content. No clock in it: a rerun of the same commit writes the same bytes (no write). */
export function serializeSizeRecord(
  appid: string,
  branch: string,
  commit: string,
  sizes: PackageSizes
): string {
  const record = {
    schema: 1,
    appid,
    branch,
    commit,
    sizes: {
      ...(sizes.total !== undefined ? { total: sizes.total } : {}),
      ...(sizes.main !== undefined ? { main: sizes.main } : {}),
      subpackages: sizes.subpackages.map((sub) => ({ name: sub.name, size: sub.size }))
    }
  }
  return `${JSON.stringify(record, null, 2)}\n`
}

/**
 * A record read back from the side branch; undefined when it is not one the action would write (anyone
 * who can push to the branch can change it, so it only ever feeds the "Change" column).
 */
export function parseSizeRecord(text: string | undefined, branch: string): SizeBaseline | undefined {
  if (!text || text.length > 200_000) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = recordSchema.safeParse(value)
  if (!parsed.success || parsed.data.branch !== branch) return undefined
  const { sizes, commit } = parsed.data
  return {
    branch,
    commit,
    sizes: {
      ...(sizes.total !== undefined ? { total: sizes.total } : {}),
      ...(sizes.main !== undefined ? { main: sizes.main } : {}),
      subpackages: sizes.subpackages
    }
  }
}
