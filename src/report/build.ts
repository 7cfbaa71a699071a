/** Reports of preview and upload: the sticky PR comment with the QR code, and the upload summary. */
import { redact } from '../redact.js'
import { code, formatBytes, formatDuration, table } from './format.js'

export interface PackageSizes {
  total?: number
  main?: number
  subpackages: Array<{ name: string; size: number }>
  plugins?: Array<{ appid: string; version: string; size: number }>
}

function sizeTable(sizes: PackageSizes): string {
  const rows: Array<[string, string]> = []
  if (sizes.total !== undefined) rows.push(['**Total**', formatBytes(sizes.total)])
  if (sizes.main !== undefined) rows.push(['Main package', formatBytes(sizes.main)])
  for (const sub of sizes.subpackages) rows.push([`Subpackage ${code(sub.name)}`, formatBytes(sub.size)])
  for (const plugin of sizes.plugins ?? [])
    rows.push([`Plugin ${code(plugin.appid)} ${plugin.version}`, formatBytes(plugin.size)])
  if (rows.length === 0) return 'WeChat reported no package sizes.'
  return table(['Package', 'Size'], rows)
}

export interface PreviewCommentInput {
  /** A URL GitHub can show as an image (the QR committed to a branch). */
  qrImageUrl?: string
  /** Where the QR image was written on the runner. */
  qrcodePath?: string
  /** The page the QR code opens. */
  pagePath?: string
  sizes: PackageSizes
  appid?: string
  version?: string
  commit: string
  runUrl: string
  fallbackNote?: string
}

export function renderPreviewComment(input: PreviewCommentInput): string {
  const lines = ['### 📱 WeChat preview', '']
  const what = [
    input.appid ? `${code(input.appid)}` : 'the mini program',
    input.version ? `version ${input.version}` : '',
    `commit ${code(input.commit.slice(0, 7))}`
  ]
    .filter(Boolean)
    .join(', ')
  if (input.qrImageUrl) {
    lines.push(`<img src="${input.qrImageUrl}" alt="Preview QR code" width="200">`, '')
    lines.push(
      `Scan with WeChat to open ${input.pagePath ? code(input.pagePath) : 'the home page'} of ${what}.`
    )
  } else {
    lines.push(
      `The preview of ${what} is built${input.pagePath ? `; it opens ${code(input.pagePath)}` : ''}.`
    )
    lines.push(
      '',
      input.qrcodePath
        ? 'The QR code image is attached to the workflow run.'
        : 'No QR code image was produced.'
    )
  }
  if (input.fallbackNote) lines.push('', `> ⚠️ ${input.fallbackNote}`)
  lines.push('', '**Package sizes**', '', sizeTable(input.sizes), '', `[Workflow run](${input.runUrl})`)
  return redact(lines.join('\n'))
}

export interface UploadSummaryInput {
  result: {
    appid: string
    version: string
    description?: string
    robot?: number
    sizes: PackageSizes
    durationMs?: number
  }
  commit: string
  runUrl: string
}

export function renderUploadSummary(input: UploadSummaryInput): string {
  const { result } = input
  const rows: Array<[string, string | number | undefined]> = [
    ['Mini program', result.appid],
    ['Version', result.version],
    ['Description', result.description],
    ['Robot', result.robot],
    ['Commit', input.commit.slice(0, 7)],
    ['Took', result.durationMs !== undefined ? formatDuration(result.durationMs / 1000) : undefined]
  ]
  const lines = [
    '## WeChat mini program: upload',
    '',
    `Uploaded version **${result.version}** of ${code(result.appid)}.`,
    '',
    table(
      ['', ''],
      rows.filter(([, value]) => value !== undefined).map(([key, value]) => [`**${key}**`, value])
    ),
    '',
    '**Package sizes**',
    '',
    sizeTable(result.sizes),
    '',
    `[Workflow run](${input.runUrl})`
  ]
  return redact(lines.join('\n'))
}
