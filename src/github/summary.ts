/**
 * The job summary: needs no token or permission, so it is the report of last resort (fork pull requests).
 * The runner drops a step's summary above 1 MiB with an error, so the text is cut to fit what the step has
 * left, with a visible notice.
 */
import { statSync } from 'node:fs'
import * as core from '@actions/core'
import { log } from '../log.js'
import { truncateForGitHub } from './truncate.js'

/** The runner's limit for one step's summary, in bytes. */
export const JOB_SUMMARY_LIMIT = 1024 * 1024

const NOTICE = '… (cut to fit the 1 MiB job summary limit)'

/** Cuts `markdown` to at most `budget` UTF-8 bytes at a line boundary, ending with a notice. */
export function fitJobSummary(markdown: string, budget: number): string {
  if (Buffer.byteLength(markdown) <= budget) return markdown
  let charLimit = Math.min(markdown.length, budget)
  for (;;) {
    const cut = truncateForGitHub(markdown, charLimit, NOTICE)
    const excess = Buffer.byteLength(cut) - budget
    if (excess <= 0 || charLimit <= NOTICE.length) return cut
    // Multi-byte characters: shrink by the bytes still in excess (at least one character) and cut again.
    charLimit = Math.max(NOTICE.length, charLimit - Math.max(1, Math.ceil(excess / 2)))
  }
}

function usedBytes(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** Appends markdown to the step's summary; without GITHUB_STEP_SUMMARY (local runs) it only logs a debug line. */
export async function writeJobSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) {
    log.debug('GITHUB_STEP_SUMMARY is not set; the job summary is not written.')
    return
  }
  const budget = Math.max(0, JOB_SUMMARY_LIMIT - usedBytes(file))
  const text = fitJobSummary(markdown.endsWith('\n') ? markdown : `${markdown}\n`, budget)
  if (text.length === 0) return
  await core.summary.addRaw(text).write()
}
