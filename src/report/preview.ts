/** Reports of preview and upload: the sticky PR comment with the QR code and sizes, and the upload summary. */
import { redact } from '../redact.js'
import { formatDuration, table } from './format.js'
import { inlineCode, inlineText } from './markdown.js'
import { evaluateSizes, renderSizeReport, type PackageSizes, type SizeReport } from './package-size.js'

export type { PackageSizes } from './package-size.js'

export interface PreviewCommentInput {
  /** A URL GitHub can show as an image (the QR committed to a branch). */
  qrImageUrl?: string
  /** Where the QR image was written on the runner. */
  qrcodePath?: string
  /** The page the QR code opens. */
  pagePath?: string
  sizes: PackageSizes
  /** The sizes judged against WeChat's limits, the budget and the base branch; defaults apply without it. */
  sizeReport?: SizeReport
  appid?: string
  version?: string
  commit: string
  runUrl: string
  fallbackNote?: string
}

export function renderPreviewComment(input: PreviewCommentInput): string {
  const lines = ['### 📱 WeChat preview', '']
  const what = [
    input.appid ? `${inlineCode(input.appid)}` : 'the mini program',
    input.version ? `version ${inlineText(input.version)}` : '',
    `commit ${inlineCode(input.commit.slice(0, 7))}`
  ]
    .filter(Boolean)
    .join(', ')
  if (input.qrImageUrl) {
    lines.push(`<img src="${input.qrImageUrl}" alt="Preview QR code" width="200">`, '')
    lines.push(
      `Scan with WeChat to open ${input.pagePath ? inlineCode(input.pagePath) : 'the home page'} of ${what}.`
    )
  } else {
    lines.push(
      `The preview of ${what} is built${input.pagePath ? `; it opens ${inlineCode(input.pagePath)}` : ''}.`
    )
    lines.push(
      '',
      input.qrcodePath
        ? 'The QR code image is attached to the workflow run.'
        : 'No QR code image was produced.'
    )
  }
  if (input.fallbackNote) lines.push('', `> ⚠️ ${inlineText(input.fallbackNote)}`)
  const sizes = input.sizeReport ?? evaluateSizes(input.sizes)
  lines.push('', '**Package sizes**', '', renderSizeReport(sizes), '', `[Workflow run](${input.runUrl})`)
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
  /** The sizes judged against WeChat's limits and the budget; defaults apply without it. */
  sizeReport?: SizeReport
  commit: string
  runUrl: string
}

export function renderUploadSummary(input: UploadSummaryInput): string {
  const { result } = input
  const rows: Array<[string, string | number | undefined]> = [
    ['Mini program', inlineCode(result.appid)],
    ['Version', inlineText(result.version)],
    ['Description', result.description === undefined ? undefined : inlineText(result.description)],
    ['Robot', result.robot],
    ['Commit', inlineCode(input.commit.slice(0, 7))],
    ['Took', result.durationMs !== undefined ? formatDuration(result.durationMs / 1000) : undefined]
  ]
  const lines = [
    '## WeChat mini program: upload',
    '',
    `Uploaded version **${inlineText(result.version)}** of ${inlineCode(result.appid)}.`,
    '',
    table(
      ['', ''],
      rows.filter(([, value]) => value !== undefined).map(([key, value]) => [`**${key}**`, value])
    ),
    '',
    '**Package sizes**',
    '',
    renderSizeReport(input.sizeReport ?? evaluateSizes(result.sizes)),
    '',
    `[Workflow run](${input.runUrl})`
  ]
  return redact(lines.join('\n'))
}
