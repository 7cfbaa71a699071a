/** Small pure formatters shared by every rendered text. Same input → same text; no clock is read here. */

const BAR_WIDTH = 10

/** `█████░░░░░ 50%`: any non-zero share shows at least one block, anything short of 100 % at most nine. */
export function progressBar(percent: number): string {
  const clamped = Math.min(100, Math.max(0, Math.round(percent)))
  let filled = Math.round(clamped / (100 / BAR_WIDTH))
  if (clamped > 0 && filled === 0) filled = 1
  if (clamped < 100 && filled === BAR_WIDTH) filled = BAR_WIDTH - 1
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${clamped}%`
}

/** Bytes as WeChat DevTools shows package sizes (base 1024): `512 B`, `12.7 KB`, `1.85 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown'
  if (bytes < 1024) return `${Math.round(bytes)} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`
}

/** A duration in seconds, to two units: `45 s`, `5 min`, `3 h 20 min`, `2 d 4 h`. Negative counts as 0. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds))
  if (total < 60) return `${total} s`
  if (total < 3600) return `${Math.floor(total / 60)} min`
  if (total < 86_400) {
    const hours = Math.floor(total / 3600)
    const minutes = Math.floor((total % 3600) / 60)
    return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`
  }
  const days = Math.floor(total / 86_400)
  const hours = Math.floor((total % 86_400) / 3600)
  return hours === 0 ? `${days} d` : `${days} d ${hours} h`
}

/** One Markdown table cell: one line, literal pipes escaped (untrusted text is already inert, see markdown.ts). */
export function cell(text: string | number | undefined): string {
  if (text === undefined || text === '') return '–'
  return String(text).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

export function table(header: string[], rows: Array<Array<string | number | undefined>>): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`)
  return lines.join('\n')
}

/** "Check run" text limits are the GitHub client's job; titles are kept short here because GitHub shows them in one line. */
export function shortTitle(title: string, max = 120): string {
  const flat = title.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}
