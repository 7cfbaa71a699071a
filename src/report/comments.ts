/**
 * The "released in" comment on each pull request a version releases, as semantic-release posts them: one
 * sticky comment per pull request and mini program (the GitHub client adds the hidden marker and skips an
 * unchanged body). The body depends only on the version and its stage, so it changes on transitions alone
 * (submitted, approved or rejected, gray started, released, rolled back), never on a rerun or a gray step.
 */
import type { ReleaseStage } from '../release/outcome.js'
import { redact } from '../redact.js'
import { inlineCode, inlineText } from './markdown.js'

/** The sticky comment's key: one comment per pull request and mini program. */
export function releaseCommentKey(appid: string): string {
  return `release:${appid}`
}

export interface ReleaseCommentInput {
  appid: string
  version: string
  stage: ReleaseStage
  /** The rejection reason (untrusted WeChat text). */
  reason?: string
  /** The commit the version was built from. */
  commit?: string
}

const STAGE_LINE: Record<ReleaseStage, string> = {
  submitted: '🔍 Submitted for WeChat review.',
  approved: '✅ Approved by WeChat review; not released yet.',
  rejected: '❌ Rejected by WeChat review.',
  withdrawn: '↩️ The review was withdrawn.',
  gray: '🌗 In gray release: part of the users have it.',
  released: '🚀 Released to everyone.',
  'rolled-back': '⏪ Rolled back: users are back on an earlier version.'
}

export function renderReleaseComment(input: ReleaseCommentInput): string {
  const version = inlineText(input.version)
  const lines = [
    `### WeChat mini program ${inlineCode(input.appid)}: version ${version}`,
    '',
    `This pull request is part of version **${version}**${input.commit ? ` (commit ${inlineCode(input.commit.slice(0, 7))})` : ''}.`,
    '',
    STAGE_LINE[input.stage]
  ]
  if (input.stage === 'rejected')
    lines.push('', `> ${inlineText(input.reason?.trim() || 'WeChat gave no reason.')}`)
  return redact(lines.join('\n'))
}
