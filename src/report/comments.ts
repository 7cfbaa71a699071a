/** The sticky PR comment for the review of a version (the GitHub client adds the hidden marker). */
import type { GrayObservation, ReviewObservation } from '../release/model.js'
import { redact } from '../redact.js'
import { renderReviewCheck } from './checks.js'
import { code, progressBar } from './format.js'

export interface ReviewCommentInput {
  appid: string
  review: ReviewObservation
  commit?: string
  runUrl: string
  checkUrl?: string
  onlineVersion?: string
  gray?: GrayObservation
  releaseOnApproval?: 'off' | 'full' | 'gray'
}

const ICON: Record<ReviewObservation['status'], string> = {
  none: '⏳',
  under_review: '🔍',
  delayed: '⏳',
  approved: '✅',
  rejected: '❌',
  withdrawn: '↩️'
}

export function renderReviewComment(input: ReviewCommentInput): string {
  const check = renderReviewCheck({
    appid: input.appid,
    review: input.review,
    ...(input.onlineVersion !== undefined ? { onlineVersion: input.onlineVersion } : {}),
    ...(input.releaseOnApproval ? { releaseOnApproval: input.releaseOnApproval } : {})
  })
  const lines = [`### ${ICON[input.review.status]} WeChat review: ${check.title}`, '', check.summary]
  if (input.gray && input.gray.status !== 'none') {
    lines.push(
      '',
      `Gray release: ${progressBar(input.gray.status === 'finished' ? 100 : input.gray.percentage)} (${input.gray.status})`
    )
  }
  const links = [
    input.commit ? `commit ${code(input.commit.slice(0, 7))}` : '',
    input.checkUrl ? `[check run](${input.checkUrl})` : '',
    `[workflow run](${input.runUrl})`
  ].filter(Boolean)
  lines.push('', links.join(' · '))
  return redact(lines.join('\n'))
}
