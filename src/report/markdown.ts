/**
 * Untrusted text in Markdown: everything WeChat returns, commit subjects, tag names, file names, PR and
 * issue text, event payloads. What these helpers return renders as the same visible text on GitHub (check
 * runs, comments, issue bodies, the job summary) and never as markup: no HTML tag, no link or image, no
 * `@mention` that notifies someone, no `#123`, `GH-1`, `owner/repo#1` or commit-SHA reference.
 *
 * How GitHub turns text into references (docs.github.com, "Autolinked references and URLs"): after the
 * Markdown is rendered, it scans the text nodes outside `code`/`pre`/`a` for `@user`, `#26`, `GH-26`,
 * `user/repo#26`, `user#26`, SHAs of 7–40 hex digits (also `user@sha`, `user/repo@sha`) and URLs
 * (`https://…`, `www.…`, e-mail addresses). Markdown escapes do not help there, because the scan runs on
 * the decoded text. A zero-width space (U+200B) right after `@` and `#`, after `GH-`, inside every
 * run of 7 or more hex digits and inside `www.` and `://` keeps each pattern from matching while the
 * text looks the same — the way Renovate and Dependabot write release notes into pull requests.
 * Markdown and HTML syntax characters become character references, which CommonMark never reads as
 * structure (spec 0.31, "Entity and numeric character references") and which also decode inside raw
 * HTML blocks such as `<details>`.
 *
 * Each helper redacts the text before it escapes anything: escaping turns `access_token=` into
 * `access&#95;token=` and breaks hex runs and `://` apart, so a token or a URL's userinfo would no longer
 * be recognised by a redaction of the finished Markdown.
 */
import { redact } from '../redact.js'

const ZWSP = '\u200B'

/** Every way a line can end, for GitHub's renderer or a reader: CRLF, CR, LF, VT, FF, NEL, LS, PS. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g
/** C0 and C1 controls (tab and line breaks are handled before) and DEL: invisible, never wanted. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g
/** Bidirectional embeddings, overrides and isolates reorder what a reader sees ("Trojan Source"). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g

/** Characters that start Markdown or HTML syntax anywhere in a line, as character references. */
const SYNTAX_REFERENCES: Record<string, string> = {
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
  '|': '&#124;',
  '~': '&#126;',
  $: '&#36;',
  '#': '&#35;'
}
const SYNTAX = /[&<>"'\\`*_[\]|~$#]/g
/** Characters that matter only at the beginning of a line: list items, setext underlines. */
const LEADING_SYNTAX: Record<string, string> = {
  '-': '&#45;',
  '+': '&#43;',
  '=': '&#61;',
  '.': '&#46;',
  ')': '&#41;',
  // Not Markdown: a line that starts with "::" would be a workflow command if it reached the log.
  ':': '&#58;'
}

function withoutControls(text: string): string {
  return text.replace(CONTROL, '').replace(BIDI_CONTROL, '')
}

function asText(text: unknown): string {
  return text === undefined || text === null ? '' : String(text)
}

/**
 * Redacts secrets and URL userinfo once the controls are gone (none hidden inside a secret can keep it from
 * being found) and before anything is escaped.
 */
function redacted(text: string): string {
  return redact(withoutControls(text))
}

/** One line: every line break and tab becomes a space, runs of white space one space, no controls. */
function oneLine(text: unknown): string {
  return redacted(asText(text).replace(LINE_BREAK, ' ').replace(/\t/g, ' ')).replace(/\s+/g, ' ').trim()
}

/** Breaks every pattern GitHub links after rendering, keeping the visible text. */
function breakReferences(text: string): string {
  return (
    text
      .replace(/[@#]/g, (mark) => mark + ZWSP)
      .replace(/\b(gh)-/gi, (_match, prefix: string) => `${prefix}-${ZWSP}`)
      // Hex runs of 7+ digits (SHAs) in pieces of 6, each too short to be a reference.
      .replace(/\b[0-9a-f]{7,}\b/gi, (run) => (run.match(/.{1,6}/g) ?? [run]).join(ZWSP))
      .replace(/www\./gi, (match) => `${match.slice(0, 3)}${ZWSP}.`)
      .replace(/:\/\//g, `:${ZWSP}//`)
  )
}

function escapeSyntax(text: string): string {
  const escaped = text.replace(SYNTAX, (character) => SYNTAX_REFERENCES[character] ?? character)
  // "1. " or "2) " first would start an ordered list ("1.2.3" does not).
  const ordered = /^(\d{1,9})([.)])(?=\s|$)/.exec(escaped)
  if (ordered) {
    const [, digits, mark] = ordered as unknown as [string, string, string]
    return `${digits}${LEADING_SYNTAX[mark]}${escaped.slice(digits.length + 1)}`
  }
  // "- " and "+ " start a bullet list, "---" a thematic break, "===" a setext heading, "::" a command.
  if (/^(?:[-+=](?=\s|$|[-+=])|:)/.test(escaped)) {
    return `${LEADING_SYNTAX[escaped.charAt(0)] as string}${escaped.slice(1)}`
  }
  return escaped
}

/**
 * Untrusted text as one line of inert Markdown: safe in a paragraph, a heading, a list item, a table
 * cell (pipes are escaped) and inside raw HTML such as `<details>`/`<summary>`. Line breaks become spaces;
 * controls and bidirectional overrides are dropped. Returns '' for undefined, null or blank text.
 */
export function inlineText(text: unknown): string {
  return escapeSyntax(breakReferences(oneLine(text)))
}

/** The longest run of `character` in `text` (0 when there is none). */
function longestRun(text: string, character: string): number {
  let longest = 0
  let current = 0
  for (const each of text) {
    current = each === character ? current + 1 : 0
    if (current > longest) longest = current
  }
  return longest
}

export interface InlineCodeOptions {
  /**
   * For a GFM table cell. A `|` ends the cell even inside a code span, and parsers disagree on a
   * backslash before it (cmark-gfm escapes only `\|`, micromark also `\\`), so there the text is an
   * HTML `<code>` element around inert text, with no raw pipe or backslash at all.
   */
  inTable?: boolean
}

/**
 * Untrusted text as a code span (one line, shown verbatim in monospace). GitHub links nothing inside code,
 * and HTML in it is shown as text. The backtick fence is longer than any backtick run inside.
 */
export function inlineCode(text: unknown, options: InlineCodeOptions = {}): string {
  const flat = oneLine(text)
  if (!flat) return ''
  if (options.inTable) return `<code>${inlineText(flat)}</code>`
  const fence = '`'.repeat(longestRun(flat, '`') + 1)
  // A code span drops one space at each end when both are there; pad so backticks at the ends stay code.
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/**
 * Untrusted text, several lines, as a fenced code block shown verbatim. The fence is longer than any
 * backtick run inside, so no line of the text can close it. The block starts with a blank line and ends
 * with a line break: placed right after `<details><summary>…</summary>` it still is a code block (a blank
 * line ends an HTML block), and a `</details>` inside it stays text.
 */
export function codeBlock(text: unknown, lang = ''): string {
  const body = redacted(asText(text).replace(/\r\n?/g, '\n')).replace(/\n+$/, '')
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1))
  const info = /^[A-Za-z0-9_+.-]{1,30}$/.test(lang) ? lang : ''
  return `\n\n${fence}${info}\n${body}\n${fence}\n`
}

/**
 * Untrusted text, several lines, as a block quote of inert lines (each one as `inlineText` makes it),
 * keeping the line breaks. Blank lines stay blank lines of the quote. Returns '' for blank text.
 */
export function blockquote(text: unknown): string {
  const lines = redact(asText(text).replace(/\r\n?/g, '\n')).split('\n')
  while (lines.length > 0 && !lines[lines.length - 1]?.trim()) lines.pop()
  while (lines.length > 0 && !lines[0]?.trim()) lines.shift()
  if (lines.length === 0) return ''
  return lines
    .map((line, index) => {
      const inert = inlineText(line)
      if (!inert) return '>'
      // A backslash at the end of a line is a hard line break; the next line must hold text for it.
      const next = lines[index + 1]
      return next !== undefined && inlineText(next) ? `> ${inert}\\` : `> ${inert}`
    })
    .join('\n')
}
