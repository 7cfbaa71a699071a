/** The release workflow publishes notes from CHANGELOG.md only when the tag, package.json and the file agree. */
import { describe, expect, it } from '@jest/globals'
// @ts-expect-error a plain ESM script without types
import { checkRelease, releaseNotes } from '../scripts/release-notes.mjs'

const CHANGELOG = `# Changelog

## [Unreleased]

### Fixed
- Something not yet released.

## [1.2.0] - 2026-12-01

### Added
- The dashboard.

## [1.1.0] - 2026-11-01

- Older notes.

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
`

describe('release notes', () => {
  it('takes the section of the version, up to the next heading', () => {
    expect(releaseNotes(CHANGELOG, '1.2.0')).toBe('### Added\n- The dashboard.')
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('- Older notes.')
    expect(releaseNotes(CHANGELOG, '1.2')).toBeUndefined()
    expect(releaseNotes(CHANGELOG, '1.3.0')).toBeUndefined()
  })

  it('refuses a tag that disagrees with package.json or has no notes', () => {
    expect(checkRelease('v1.2.0', '1.2.0', CHANGELOG)).toContain('The dashboard.')
    expect(() => checkRelease('v1.2.0', '1.1.0', CHANGELOG)).toThrow(/package.json's version is 1.1.0/)
    expect(() => checkRelease('v1.3.0', '1.3.0', CHANGELOG)).toThrow(/no notes under "## \[1.3.0\]"/)
    expect(() => checkRelease('v1', '1.0.0', CHANGELOG)).toThrow(/not vX.Y.Z/)
  })
})
