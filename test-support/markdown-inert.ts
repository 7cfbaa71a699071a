/**
 * What a piece of Markdown makes live once GitHub renders it: parsed as GFM (remark-parse + remark-gfm:
 * autolink literals, tables, strikethrough, footnotes), then GitHub's reference pass as remark-github
 * reproduces it (mentions, `#1`, `GH-1`, `user/repo#1`, `user#1`, SHAs, `user@sha`). Tests compare the
 * live markup of a render with untrusted text against the same render with benign text: anything the
 * untrusted text added (an HTML node, a link, an image, a mention, a reference, a table cell, a block) is
 * markup it was not allowed to make.
 */
import remarkGfm from 'remark-gfm'
import remarkGithub from 'remark-github'
import remarkParse from 'remark-parse'
import { unified } from 'unified'

interface Node {
  type: string
  value?: string
  url?: string
  children?: Node[]
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkGithub, { repository: 'octo/shop' })

/** The syntax tree GitHub would render, references already turned into links. */
export function renderTree(markdown: string): Node {
  return processor.runSync(processor.parse(markdown)) as unknown as Node
}

/** The tags and comments in a piece of raw HTML, without their text or attributes' values. */
function htmlTags(html: string): string {
  return [...html.matchAll(/<(\/?[A-Za-z][A-Za-z0-9-]*)|<!--|<!\[CDATA\[|<[?!]/g)]
    .map((match) => match[0])
    .join(' ')
}

/** The text a browser shows for raw HTML: tags removed, character references decoded. */
function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_match, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_match, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(
      /&(lt|gt|quot|amp);/g,
      (_match, name: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[name] ?? ''
    )
}

/** Node types that only carry text, or only group it; they appear however many lines a text has. */
const TEXTUAL = new Set(['text', 'break', 'root', 'paragraph'])

export interface Inspection {
  /**
   * A signature of everything live in the Markdown: each node that is not plain text, in document order,
   * with the address of links and images and the tags of raw HTML.
   */
  markup: string[]
  /** All decoded text GitHub would scan for references: text outside code and links, also inside raw HTML. */
  text: string
}

/** Parses once and reads both the live markup and the text GitHub scans. */
export function inspect(markdown: string): Inspection {
  const markup: string[] = []
  const text: string[] = []
  const walk = (node: Node, inLinkOrCode: boolean): void => {
    if (!TEXTUAL.has(node.type)) {
      if (node.type === 'link' || node.type === 'image' || node.type === 'definition') {
        markup.push(`${node.type} ${node.url ?? ''}`)
      } else if (node.type === 'html') {
        markup.push(`html ${htmlTags(node.value ?? '')}`)
      } else {
        markup.push(node.type)
      }
    }
    if (!inLinkOrCode && node.type === 'text') text.push(node.value ?? '')
    if (!inLinkOrCode && node.type === 'html') text.push(htmlText(node.value ?? ''))
    const hidden = inLinkOrCode || node.type === 'link' || node.type === 'inlineCode' || node.type === 'code'
    for (const child of node.children ?? []) walk(child, hidden)
  }
  walk(renderTree(markdown), false)
  return { markup, text: text.join('\n') }
}

export function liveMarkup(markdown: string): string[] {
  return inspect(markdown).markup
}

export function visibleText(markdown: string): string {
  return inspect(markdown).text
}

/**
 * GitHub's reference patterns as its documentation lists them ("Autolinked references and URLs"),
 * checked on decoded text as a second opinion next to remark-github.
 */
const REFERENCE_PATTERNS: Array<[string, RegExp]> = [
  ['mention', /(?:^|[^\w`])@[a-z0-9]/i],
  ['issue reference', /#[0-9]/],
  ['GH- reference', /\bgh-[0-9]/i],
  ['commit SHA', /\b[0-9a-f]{7,40}\b/i],
  ['URL', /[a-z][a-z0-9+.-]*:\/\//i],
  ['www address', /\bwww\./i]
]

export function referencesIn(text: string): string[] {
  return REFERENCE_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name)
}
