/**
 * The renderer for untrusted text, checked against a GFM parser and GitHub's reference pass
 * (test-support/markdown-inert.ts): the text stays visible as written and makes nothing live.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { clearSecrets, registerSecret } from '../src/redact.js'
import { blockquote, codeBlock, inlineCode, inlineText } from '../src/report/markdown.js'
import { liveMarkup, referencesIn, renderTree, visibleText } from '../test-support/markdown-inert.js'

const ZWSP = /\u200B/g

/** What a reader sees of the Markdown, without the zero-width spaces. */
function seen(markdown: string): string {
  return visibleText(markdown).replace(ZWSP, '')
}

function expectInert(markdown: string): void {
  expect(liveMarkup(markdown)).toEqual([])
  expect(referencesIn(visibleText(markdown))).toEqual([])
}

describe('inlineText', () => {
  it.each([
    ['a mention', 'thanks @octocat', 'mention'],
    ['a team mention', 'ping @octo-org/release-team', 'mention'],
    ['an issue reference', 'fixes #12', 'issue reference'],
    ['a GH- reference', 'see GH-34', 'GH- reference'],
    ['a cross-repository reference', 'see octo/shop#5 and octocat#6', 'issue reference'],
    ['a short SHA', 'reverts deadbee', 'commit SHA'],
    ['a full SHA', `built from ${'a5c3785ed8d6a35868bc169f07e40e889087fd2e'}`, 'commit SHA'],
    ['a SHA of another user', 'octocat@a5c3785ed8d6a35868bc169f07e40e889087fd2e', 'commit SHA'],
    ['a URL', 'see https://evil.example/phish', 'URL'],
    ['a www address', 'see www.evil.example', 'www address'],
    ['an image', '![pixel](https://evil.example/t.png)', 'URL'],
    ['a link', '[release notes](https://evil.example)', 'URL'],
    ['a reference link', '[click][1] [1]: https://evil.example', 'URL'],
    ['an angle autolink', '<https://evil.example>', 'URL'],
    ['an e-mail address', 'mail admin@evil.example', undefined],
    ['an HTML image', '<img src="https://evil.example/t.png">', 'URL'],
    ['an end of details', '</details><script>alert(1)</script>', undefined],
    ['an HTML comment', '<!-- hidden -->', undefined],
    ['an entity that decodes to @', '&#64;octocat &#x23;12', undefined],
    ['emphasis and code', '*bold* __strong__ `code` ~~gone~~ $x^2$', undefined],
    ['a footnote', 'text[^1]', undefined]
  ])('neutralises %s, and the reader still sees the same text', (_name, text, pattern) => {
    if (pattern) expect(referencesIn(text)).toContain(pattern)
    const rendered = inlineText(text)
    expectInert(rendered)
    expect(seen(rendered)).toBe(text)
  })

  it.each([
    ['a heading', '# Release'],
    ['a bullet', '- item'],
    ['a plus bullet', '+ item'],
    ['an ordered item', '1. item'],
    ['an ordered item with a parenthesis', '2) item'],
    ['a quote', '> quoted'],
    ['a thematic break', '---'],
    ['a setext underline', '==='],
    ['a code fence', '```js'],
    ['a tilde fence', '~~~'],
    ['an indented code block', '        code'],
    ['a table row', '| a | b |']
  ])('starts no block with %s, even after a list marker or at the start of a line', (_name, text) => {
    const rendered = inlineText(text)
    for (const markdown of [rendered, `- ${rendered}`, `Title\n${rendered}`]) {
      const benign = markdown.replace(rendered, 'plain')
      expect(liveMarkup(markdown)).toEqual(liveMarkup(benign))
    }
    expect(seen(rendered)).toBe(text.trim())
  })

  it('keeps a table cell one cell', () => {
    const table = (cell: string) => `| Version | Reason |\n| --- | --- |\n| 1.0.0 | ${cell} |`
    const rendered = table(inlineText('a | b \\| c || d\nnext line'))
    expect(liveMarkup(rendered)).toEqual(liveMarkup(table('plain')))
    expect(seen(rendered)).toContain('a | b \\| c || d next line')
  })

  it('stays text inside details and summary (raw HTML blocks)', () => {
    const hostile = '</summary></details><img src=x onerror=alert(1)> @octocat #1'
    const page = (text: string) => `<details><summary>${text}</summary>\n\nbody\n\n</details>`
    expect(liveMarkup(page(inlineText(hostile)))).toEqual(liveMarkup(page('plain')))
  })

  it('writes one line: line breaks become spaces, controls and bidirectional overrides go', () => {
    expect(inlineText('a\r\nb\rc\nd\u2028e\u2029f\u0085g\vh\fi\tj')).toBe('a b c d e f g h i j')
    expect(inlineText('ab\u0000c\u001b[31md\u007f\u202eevil\u2066')).toBe('abc&#91;31mdevil')
    expect(inlineText('  spaced   out  ')).toBe('spaced out')
  })

  it('starts no workflow command, should the text reach a log', () => {
    expect(inlineText('::error::x')).toBe('&#58;:error::x')
  })

  it('gives an empty string for nothing', () => {
    expect(inlineText(undefined)).toBe('')
    expect(inlineText(null)).toBe('')
    expect(inlineText(' \n ')).toBe('')
  })

  it('leaves ordinary text readable in the source', () => {
    expect(inlineText('Version 1.2.3 of wxa000000000000001, 50% of users')).toBe(
      'Version 1.2.3 of wxa000000000000001, 50% of users'
    )
  })
})

describe('inlineCode', () => {
  it('shows the text verbatim in a code span longer than any backtick run inside', () => {
    const text = 'a `b` ``c`` <img src=x> @octocat #1'
    const rendered = inlineCode(text)
    expect(rendered.startsWith('```')).toBe(true)
    expect(liveMarkup(rendered)).toEqual(['inlineCode'])
    const tree = renderTree(rendered) as { children: Array<{ children: Array<{ value: string }> }> }
    expect(tree.children[0]?.children[0]?.value).toBe(text)
  })

  it('keeps backticks at the ends inside the span', () => {
    const tree = renderTree(inlineCode('`edge`')) as {
      children: Array<{ children: Array<{ value: string }> }>
    }
    expect(tree.children[0]?.children[0]?.value).toBe('`edge`')
  })

  it('keeps a table cell one cell, whatever pipes and backslashes the text has', () => {
    const table = (cell: string) => `| a |\n| --- |\n| ${cell} |`
    for (const text of ['x | y', 'a\\|b', 'a\\\\|b', '`|`']) {
      const rendered = table(inlineCode(text, { inTable: true }))
      expect(liveMarkup(rendered)).toEqual(liveMarkup(table(inlineCode('plain', { inTable: true }))))
      expect(seen(rendered)).toContain(text)
    }
  })
})

describe('codeBlock', () => {
  it('fences with more backticks than any run inside, so no line closes it', () => {
    const text = 'line 1\n```\n````\n</details>\n@octocat #1 <img src=x>'
    const rendered = codeBlock(text)
    expect(rendered).toContain('`````\n')
    const tree = renderTree(rendered) as { children: Array<{ type: string; value: string }> }
    expect(tree.children).toHaveLength(1)
    expect(tree.children[0]).toMatchObject({ type: 'code', value: text })
  })

  it('is still a code block right after <details><summary>', () => {
    const page = `<details><summary>Log</summary>${codeBlock('</details>\n<img src=x>')}</details>`
    expect(liveMarkup(page)).toEqual(['html <details <summary </summary', 'code', 'html </details'])
  })

  it('keeps a safe language and drops any other info string', () => {
    expect(codeBlock('x', 'json')).toBe('\n\n```json\nx\n```\n')
    expect(codeBlock('x', 'js onload=1`')).toBe('\n\n```\nx\n```\n')
  })

  it('normalises line ends and drops controls', () => {
    expect(codeBlock('a\r\nb\rc\u0000\n\n')).toBe('\n\n```\na\nb\nc\n```\n')
  })
})

describe('blockquote', () => {
  it('quotes each line as inert text and keeps the line breaks', () => {
    const rendered = blockquote('Rejected: see @octocat\n\n<img src=x>\n#1')
    expect(rendered).toBe('> Rejected: see @\u200Boctocat\n>\n> &lt;img src=x&gt;\\\n> &#35;\u200B1')
    expect(liveMarkup(rendered)).toEqual(['blockquote'])
    expect(referencesIn(visibleText(rendered))).toEqual([])
  })

  it('gives an empty string for blank text', () => {
    expect(blockquote('\n  \n')).toBe('')
  })
})

describe('secrets', () => {
  afterEach(() => clearSecrets())

  // Escaping changes the text a redaction looks for (`_` becomes `&#95;`, hex runs and `://` are split),
  // so every helper redacts first; a redaction of the finished Markdown would miss all of these.
  const TOKEN = 'a1b2c3d4e5f6a7b8c9d0_e1f2-TOKEN'
  const HELPERS: Array<[string, (text: string) => string]> = [
    ['inlineText', inlineText],
    ['inlineCode', inlineCode],
    ['inlineCode in a table', (text) => inlineCode(text, { inTable: true })],
    ['codeBlock', codeBlock],
    ['blockquote', blockquote]
  ]

  it.each(HELPERS)('%s redacts before it escapes', (_name, helper) => {
    registerSecret(TOKEN)
    const rendered = helper(
      `GET https://api.weixin.qq.com/wxa/x?access_token=QUERYTOKEN1 failed\n` +
        `relay https://user:p%40ss@relay.example/ token ${TOKEN} ` +
        `{"component_access_token":"FIELDTOKEN2"} hidden ${TOKEN.slice(0, 8)}\u0000${TOKEN.slice(8)}`
    )
    for (const secret of ['QUERYTOKEN1', 'p%40ss', 'user:', 'FIELDTOKEN2', TOKEN, TOKEN.slice(8)]) {
      expect(rendered).not.toContain(secret)
      expect(visibleText(rendered)).not.toContain(secret)
    }
  })
})
