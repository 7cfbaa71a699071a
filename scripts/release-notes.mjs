// `node scripts/release-notes.mjs vX.Y.Z` prints the notes of version X.Y.Z from CHANGELOG.md (the text under its
// `## [X.Y.Z]` heading), after checking that the tag, package.json's version and CHANGELOG.md agree. The release
// workflow publishes the printed notes; any disagreement stops the release before anything is published.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The body of the `## [version]` section of a Keep a Changelog file, or undefined when there is none. */
export function releaseNotes(changelog, version) {
  const lines = changelog.replace(/\r\n/g, '\n').split('\n')
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\](\\s|$)`)
  const start = lines.findIndex((line) => heading.test(line))
  if (start < 0) return undefined
  const rest = lines.slice(start + 1)
  // The section ends at the next version heading or at the link definitions at the bottom.
  const end = rest.findIndex((line) => /^## /.test(line) || /^\[[^\]]+\]:\s/.test(line))
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
  return body || undefined
}

/** Throws with what disagrees; returns the notes for the tag. */
export function checkRelease(tag, packageVersion, changelog) {
  const match = /^v(\d+\.\d+\.\d+)$/.exec(tag)
  if (!match) throw new Error(`the tag "${tag}" is not vX.Y.Z`)
  const version = match[1]
  if (packageVersion !== version) {
    throw new Error(
      `the tag is ${tag} but package.json's version is ${packageVersion}: release the version it names`
    )
  }
  const notes = releaseNotes(changelog, version)
  if (!notes)
    throw new Error(`CHANGELOG.md has no notes under "## [${version}]": move the Unreleased notes there`)
  return notes
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
    const changelog = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')
    process.stdout.write(`${checkRelease(process.argv[2] ?? '', pkg.version, changelog)}\n`)
  } catch (error) {
    console.error(`Release refused: ${error.message}`)
    process.exitCode = 1
  }
}
