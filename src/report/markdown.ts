/**
 * Untrusted text in Markdown (WeChat replies, commits, tags, file names, issue text, event payloads).
 * `inlineText` makes one inert line: HTML escaped, mentions and issue/commit references broken with a
 * zero-width space, link and image syntax escaped, bare URLs not auto-linked, table pipes escaped.
 * `codeBlock` fences text with a fence longer than any backtick run inside it, so it cannot end early.
 */

const ZERO_WIDTH = '&#8203;'

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** Markdown punctuation that could start emphasis, code, links, images, headings or tables. */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()!#|~$]/g

export function inlineText(text: string): string {
  return (
    text
      .replace(/[\r\n\u2028\u2029]+/g, ' ')
      // Control characters other than tab show as nothing useful.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      // Markdown first, so the entities made next keep their own "#" and ";".
      .replace(MARKDOWN_PUNCTUATION, (char) => `\\${char}`)
      .replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)
      // @mention (and e-mail auto-links): GitHub does not see a mention after a zero-width space.
      .replace(/@/g, `@${ZERO_WIDTH}`)
      // #123 and owner/repo#123 references: an escaped "#" still links, a zero-width space does not.
      .replace(/\\#(?=\d)/g, `\\#${ZERO_WIDTH}`)
      // GH-123 references.
      .replace(/\b(GH)-(?=\d)/gi, `$1${ZERO_WIDTH}-`)
      // Bare commit SHAs (7 to 40 hex digits) are auto-linked to commits.
      .replace(/\b([0-9a-f])(?=[0-9a-f]{6,39}\b)/gi, `$1${ZERO_WIDTH}`)
      // Bare URLs and www. names are auto-linked.
      .replace(/:\/\//g, `:${ZERO_WIDTH}//`)
      .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}${ZERO_WIDTH}.`)
  )
}

export function codeBlock(text: string, lang?: string): string {
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = '`'.repeat(Math.max(3, longestRun + 1))
  const language = lang && /^[\w+-]{1,30}$/.test(lang) ? lang : ''
  const body = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '')
  return `${fence}${language}\n${body}\n${fence}`
}
