/** scripts/docs.mjs: the used-by wording, the one place that names the action, and links that lead somewhere. */
import { describe, expect, it } from '@jest/globals'
// @ts-expect-error a plain ESM script without types
import { brokenLinks, commandList, majorTag, repositorySlug, rewriteUses } from '../scripts/docs.mjs'

const ALL = ['preview', 'upload', 'submit', 'sync', 'release']

describe('docs.mjs', () => {
  it('says "all", a list, or "all but", whichever is shorter', () => {
    expect(commandList(ALL, ALL)).toBe('all')
    expect(commandList(['preview'], ALL)).toBe('preview')
    expect(commandList(['upload', 'submit', 'sync', 'release'], ALL)).toBe('all but preview')
  })

  it('takes owner/name from package.json and the major tag from its version', () => {
    const pkg = { repository: { url: 'git+https://github.com/octo/mp-release.git' }, version: '2.3.4' }
    expect(repositorySlug(pkg)).toBe('octo/mp-release')
    expect(repositorySlug({ repository: 'github:octo/mp-release' })).toBe('octo/mp-release')
    expect(majorTag(pkg)).toBe('v2')
    expect(() => repositorySlug({})).toThrow(/repository/)
  })

  it("rewrites this action's uses: lines and leaves other actions alone", () => {
    const text = [
      '- uses: OWNER/wechat-miniprogram-release-action@v1',
      '- uses: old-owner/wechat-miniprogram-release-action@v0',
      '- uses: actions/checkout@v7',
      '- uses: ./'
    ].join('\n')
    expect(rewriteUses(text, 'octo/mp-release', 'v2', 'wechat-miniprogram-release-action')).toBe(
      [
        '- uses: octo/mp-release@v2',
        '- uses: octo/mp-release@v2',
        '- uses: actions/checkout@v7',
        '- uses: ./'
      ].join('\n')
    )
  })

  it('finds links to missing files and headings, ignoring code and external links', () => {
    const files: Record<string, string> = {
      'README.md': '# Title\n## Schedule → sync\n',
      'docs/a.md': [
        '[ok](../README.md#schedule--sync) [gone](missing.md) [bad anchor](../README.md#nope)',
        '[web](https://example.com/x.md) `[code](nowhere.md)` [self](#here)',
        '```',
        '[fenced](nowhere.md)',
        '```',
        '## Here'
      ].join('\n')
    }
    const read = (file: string) => files[file]
    expect(brokenLinks('docs/a.md', files['docs/a.md'], read)).toEqual([
      'docs/a.md: link to missing.md: no such file',
      'docs/a.md: link to ../README.md#nope: no such heading'
    ])
  })
})
