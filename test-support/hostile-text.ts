/**
 * Hostile strings for fuzz tests: the shapes untrusted text takes when it tries to become markup, a
 * reference, a notification or a runner command, mixed at random with separators, line breaks and
 * invisible characters. Seeded, so every run generates the same strings on every machine.
 */

/** mulberry32: a small, well-known 32-bit PRNG; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Each one alone is live somewhere: GitHub Markdown, GitHub's reference pass, or the runner's log. */
export const HOSTILE_ATOMS: readonly string[] = [
  // Mentions and references.
  '@octocat',
  '@octo-org/release-team',
  '#1',
  '#12345',
  'GH-7',
  'gh-42',
  'octo/shop#3',
  'octocat#4',
  'a5c3785ed8d6a35868bc169f07e40e889087fd2e',
  'deadbee',
  'octocat@a5c3785',
  'octo/shop@a5c3785ed8d6a35868bc169f07e40e889087fd2e',
  'a5c3785...b6d4896',
  '&#64;octocat',
  '&#x23;9',
  '&commat;octocat',
  // Links and images.
  'https://evil.example/phish',
  'http://evil.example',
  'HTTPS://EVIL.EXAMPLE/X',
  'www.evil.example',
  'WWW.evil.example/path',
  'admin@evil.example',
  'mailto:admin@evil.example',
  'ftp://evil.example/f',
  '<https://evil.example>',
  '[click here](https://evil.example)',
  '![pixel](https://evil.example/t.png)',
  '[ref][1]',
  '[1]: https://evil.example',
  '[^note]',
  '[^note]: footnote',
  'https://github.com/octo/shop/issues/1',
  // HTML.
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '</details>',
  '</summary>',
  '<details open>',
  '<!-- hidden -->',
  '<a href="https://evil.example">x</a>',
  '<b>bold</b>',
  '&lt;img src=x&gt;',
  '<?php ?>',
  '<![CDATA[x]]>',
  // Markdown structure.
  '# heading',
  '## heading',
  '> quote',
  '- item',
  '* item',
  '+ item',
  '1. item',
  '2) item',
  '---',
  '***',
  '===',
  '    indented code',
  '```',
  '````js',
  '~~~',
  '`code`',
  '``',
  '*emphasis*',
  '**strong**',
  '_under_',
  '~~strike~~',
  '$x^2$',
  '$$',
  '- [ ] task',
  '| a | b |',
  '|---|',
  '\\|',
  '\\',
  ':shipit:',
  // Runner commands.
  '::error::x',
  '::set-output name=a::b',
  '::add-mask::x',
  '::stop-commands::token',
  '::warning file=a.js,line=1::x',
  '##[error]x',
  '##[group]x',
  '%0A::error::x'
]

/** What may stand between atoms: nothing, spaces, every kind of line break, pipes, invisible characters. */
const SEPARATORS = [
  '',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  '\t',
  '|',
  '\u2028',
  '\u0085',
  '\u200b',
  '\u00ad',
  '\ufeff',
  '\u202e',
  '\u0000',
  '\u001b[31m',
  ' ... '
]

/** Plain words and non-ASCII text, so hostile parts also sit inside ordinary text. */
const FILLERS = ['Rejected', 'version 1.2.3', '审核未通过', 'émoji 🎉', 'page/index', '50%', 'x', '']

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T
}

/** `count` different hostile strings from `seed`; the first ones are the atoms alone, the rest mixtures. */
export function hostileStrings(count: number, seed = 0x5ec0de): string[] {
  const random = seededRandom(seed)
  const strings = new Set<string>(HOSTILE_ATOMS.slice(0, count))
  while (strings.size < count) {
    const parts: string[] = []
    const atoms = 1 + Math.floor(random() * 5)
    for (let i = 0; i < atoms; i++) {
      if (random() < 0.3) parts.push(pick(random, FILLERS))
      let atom = pick(random, HOSTILE_ATOMS)
      if (random() < 0.15) atom = atom.toUpperCase()
      parts.push(atom)
      parts.push(pick(random, SEPARATORS))
    }
    strings.add(parts.join(''))
  }
  return [...strings]
}
