/**
 * Untrusted text in Markdown: everything WeChat returns, commit subjects, tag names, file names, issue and
 * PR text. `inlineText` makes one inert line (no HTML, no mention, no issue or commit reference, no link,
 * image or emphasis, no table cell break); `codeBlock` fences text so nothing inside it can end the fence.
 * Special characters become numeric character references, which read the same in Markdown and inside
 * raw HTML such as `<summary>`, where backslash escapes would show. Secrets are redacted first: escaping
 * changes the text (`access_token` becomes `access&#95;token`), so redaction afterwards would miss them.
 */
import { redact } from '../redact.js'

/** GitHub links neither a mention nor a reference that a zero-width space interrupts. */
const BREAK = '\u200b'

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '#': '&#35;',
  '|': '&#124;',
  '~': '&#126;',
  $: '&#36;'
}

/** A list item or a setext underline when the text opens a line (`- x`, `+ x`, `1. x`, `---`, `===`). */
const BLOCK_START = /^(?:[-+](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-=]+$)/

export function inlineText(text: string): string {
  const line = redact(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    // Mentions and e-mail autolinks, references (#1, owner/repo#1, GH-1), bare SHAs and www. autolinks.
    .replace(/@/g, `@${BREAK}`)
    .replace(/#(?=\d)/g, `#${BREAK}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${BREAK}`)
    .replace(/[0-9a-f]{7,}/gi, (run) => run.match(/.{1,6}/g)?.join(BREAK) ?? run)
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}${BREAK}.`)
    .replace(/:\/\//g, `:${BREAK}//`)
  const escaped = line.replace(/[&<>"'\\`*_[\]#|~$]/g, (char) => ENTITIES[char] ?? char)
  return escaped.replace(BLOCK_START, (start) =>
    start.replace(/[-+=.)]/, (char) => `&#${char.charCodeAt(0)};`)
  )
}

/** A fenced code block with a fence longer than any run of backticks in the text. */
export function codeBlock(text: string, lang?: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  const language = lang && /^[\w+-]{1,30}$/.test(lang) ? lang : ''
  const body = redact(text).replace(/\r\n?/g, '\n').replace(/\n+$/, '')
  return `${fence}${language}\n${body}\n${fence}`
}
