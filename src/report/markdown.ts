/**
 * Untrusted text in Markdown: everything WeChat returns, commit subjects, tag names, file names, issue and
 * PR text. `inlineText` makes one inert line (no HTML, no mention, no issue or commit reference, no link,
 * image or emphasis, no table cell break); `codeBlock` fences text so nothing inside it can end the fence.
 * Special characters become numeric character references, which read the same in Markdown and inside
 * raw HTML such as `<summary>`, where backslash escapes would show.
 */

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
  '(': '&#40;',
  ')': '&#41;',
  '!': '&#33;',
  '#': '&#35;',
  '|': '&#124;',
  '~': '&#126;',
  $: '&#36;',
  ':': '&#58;'
}

/** Characters that start a block (list, heading rule, ordered list) when they open a line. */
const BLOCK_START = /^([-+=]|\d+[.)])/

export function inlineText(text: string): string {
  const line = text
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
  const escaped = line.replace(/[&<>"'\\`*_[\]()!#|~$:]/g, (char) => ENTITIES[char] ?? char)
  return escaped.replace(BLOCK_START, (start) =>
    start.replace(/[-+=.)]/, (char) => `&#${char.charCodeAt(0)};`)
  )
}

/** A fenced code block with a fence longer than any run of backticks in the text. */
export function codeBlock(text: string, lang?: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  const language = lang && /^[\w+-]{1,30}$/.test(lang) ? lang : ''
  const body = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '')
  return `${fence}${language}\n${body}\n${fence}`
}
