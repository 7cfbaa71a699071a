// Rewrites the generated parts of the documentation from their sources, so the manual cannot drift from the code:
//   README.md                 <!-- inputs:start --> … <!-- inputs:end -->    every input of action.yml, with the commands
//                                                                            that read it (INPUT_USAGE in src/inputs.ts)
//   README.md                 <!-- outputs:start --> … <!-- outputs:end -->  every output of action.yml
//   docs/troubleshooting.md   <!-- errcodes:start --> … <!-- errcodes:end --> the WeChat errcode table of src/wechat/errors.ts
//   README.md, CONTRIBUTING.md and docs/*.md: every `uses:` line of this action names package.json's `repository`
//                             at the major version of package.json's `version` (`uses: owner/name@v1`).
// It also checks that action.yml's `author` is package.json's `author`, and that every relative link of those files
// leads to an existing file and heading.
// `node scripts/docs.mjs` writes the files; `node scripts/docs.mjs --check` only reports whether they are current
// (exit code 1 when not), for CI.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import { isMap, parseDocument } from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const actionPath = path.join(root, 'action.yml')
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

/** Text for one markdown table cell: one line, no column breaks, no raw HTML (`<token-url>` would vanish). */
function cell(value) {
  return String(value ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .trim()
}

function table(headers, rows) {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`)
  ].join('\n')
}

function codeSpan(value) {
  return `\`${String(value).replace(/`/g, "'")}\``
}

/** `# --- build (preview, upload, submit) ---` → `Build (preview, upload, submit)`. */
function groupTitle(comment) {
  const text = comment
    .split('\n')
    .map((line) => line.replace(/^\s*-+\s*|\s*-+\s*$/g, '').trim())
    .filter(Boolean)
    .join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** `owner/name` from package.json `repository` (a string or `{ url }`, with or without git+https and .git). */
export function repositorySlug(pkg) {
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url
  const match = /(?:github\.com[/:]|^github:|^)([A-Za-z0-9][\w.-]*)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
    String(raw ?? '')
  )
  if (!match) throw new Error('package.json needs "repository" naming the GitHub repository (owner/name)')
  return `${match[1]}/${match[2]}`
}

/** The ref users pin: the major tag of package.json's version (`1.4.2` → `v1`). */
export function majorTag(pkg) {
  const major = /^(\d+)\./.exec(String(pkg.version ?? ''))?.[1]
  if (!major) throw new Error('package.json needs a semver "version"')
  return `v${major}`
}

function readAction() {
  const document = parseDocument(readFileSync(actionPath, 'utf8'))
  if (document.errors.length > 0) throw new Error(`action.yml: ${document.errors[0].message}`)
  const inputs = document.get('inputs')
  const outputs = document.get('outputs')
  if (!isMap(inputs) || !isMap(outputs)) throw new Error('action.yml must have inputs and outputs maps')
  return { inputs, outputs, author: document.get('author') }
}

/** "all", a list, or "all but …" — whichever is shorter. */
export function commandList(commands, allCommands) {
  if (commands.length === allCommands.length) return 'all'
  const listed = commands.join(', ')
  const others = allCommands.filter((command) => !commands.includes(command))
  const allBut = `all but ${others.join(', ')}`
  return allBut.length < listed.length ? allBut : listed
}

function renderInputs(inputs, usage, allCommands) {
  const groups = [{ title: 'Command', rows: [] }]
  const missing = []
  for (const pair of inputs.items) {
    const name = String(pair.key.value)
    // A `# --- group ---` comment above an input starts a new group.
    if (pair.key.commentBefore) groups.push({ title: groupTitle(pair.key.commentBefore), rows: [] })
    const spec = pair.value?.toJSON() ?? {}
    const readers = usage[name]
    if (!readers) missing.push(name)
    const required = spec.required === true
    const defaultValue = spec.default === undefined || spec.default === '' ? '–' : codeSpan(spec.default)
    groups[groups.length - 1].rows.push([
      codeSpan(name),
      commandList(readers ?? [], allCommands),
      required ? '**required**' : defaultValue,
      cell(spec.description)
    ])
  }
  if (missing.length > 0) {
    throw new Error(`INPUT_USAGE in src/inputs.ts has no entry for ${missing.join(', ')}`)
  }
  return groups
    .filter((group) => group.rows.length > 0)
    .map(
      (group) => `**${group.title}**\n\n${table(['Input', 'Used by', 'Default', 'Description'], group.rows)}`
    )
    .join('\n\n')
}

function renderOutputs(outputs) {
  const rows = outputs.items.map((pair) => [
    codeSpan(String(pair.key.value)),
    cell(pair.value?.toJSON()?.description)
  ])
  return table(['Output', 'Description'], rows)
}

function renderErrcodes(errcodes) {
  const rows = Object.entries(errcodes)
    .map(([errcode, explanation]) => [Number(errcode), explanation])
    .sort((a, b) => a[0] - b[0])
    .map(([errcode, { meaning, advice }]) => [codeSpan(errcode), cell(meaning), cell(advice)])
  return table(['errcode', 'Meaning', 'What to do'], rows)
}

/** Replaces what is between `<!-- name:start -->` and `<!-- name:end -->`; both markers must exist once. */
function replaceBetween(text, file, name, content) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0) {
    throw new Error(`${file} needs exactly one "${start}" followed by "${end}"`)
  }
  return `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`
}

/**
 * Points every `uses:` line of this action at `slug@ref`. A line is this action's when its repository name
 * is the package's name or the current repository's name, or its owner is the placeholder OWNER.
 */
export function rewriteUses(text, slug, ref, packageName) {
  const names = new Set([packageName, slug.split('/')[1]])
  return text.replace(/(uses:\s*)([A-Za-z0-9][\w.-]*)\/([\w.-]+)@([\w.-]+)/g, (line, prefix, owner, name) =>
    owner === 'OWNER' || names.has(name) ? `${prefix}${slug}@${ref}` : line
  )
}

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, `_` and `-` kept), spaces → `-`. */
export function headingAnchor(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-')
}

function anchorsOf(text) {
  const withoutCode = text.replace(/^```[\s\S]*?^```/gm, '')
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => headingAnchor(match[1])))
}

/** Relative links of a Markdown file whose file or heading does not exist. */
export function brokenLinks(file, text, read) {
  const broken = []
  const withoutCode = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
  for (const [, target] of withoutCode.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue
    const [linkPath, anchor] = target.split('#')
    const resolved = linkPath ? path.join(path.dirname(file), linkPath) : file
    const content = read(resolved)
    if (content === undefined) broken.push(`${file}: link to ${target}: no such file`)
    else if (anchor && resolved.endsWith('.md') && !anchorsOf(content).has(anchor)) {
      broken.push(`${file}: link to ${target}: no such heading`)
    }
  }
  return broken
}

function documentationFiles() {
  const docsDir = path.join(root, 'docs')
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir)
        .filter((file) => file.endsWith('.md'))
        .map((file) => path.join('docs', file))
    : []
  return ['README.md', 'CONTRIBUTING.md', ...docs].filter((file) => existsSync(path.join(root, file)))
}

async function main() {
  const check = process.argv.includes('--check')
  const { inputs, outputs, author } = readAction()
  const { INPUT_USAGE, COMMANDS } = await tsImport('../src/inputs.ts', import.meta.url)
  const { ERRCODES } = await tsImport('../src/wechat/errors.ts', import.meta.url)
  const slug = repositorySlug(packageJson)
  const ref = majorTag(packageJson)

  const generated = {
    'README.md': [
      ['inputs', renderInputs(inputs, INPUT_USAGE, COMMANDS)],
      ['outputs', renderOutputs(outputs)]
    ],
    'docs/troubleshooting.md': [['errcodes', renderErrcodes(ERRCODES)]]
  }

  const problems = []
  if (String(author ?? '') !== String(packageJson.author ?? '')) {
    problems.push(
      `action.yml author is "${author}", package.json author is "${packageJson.author}": make them one`
    )
  }
  const stale = []
  for (const file of documentationFiles()) {
    const current = readFileSync(path.join(root, file), 'utf8')
    let next = rewriteUses(current, slug, ref, packageJson.name)
    for (const [name, content] of generated[file] ?? []) next = replaceBetween(next, file, name, content)
    if (next === current) continue
    stale.push(file)
    if (!check) writeFileSync(path.join(root, file), next)
  }
  for (const file of Object.keys(generated)) {
    if (!existsSync(path.join(root, file))) problems.push(`${file} is missing`)
  }
  const read = (file) => {
    const absolute = path.join(root, file)
    if (!existsSync(absolute)) return undefined
    return statSync(absolute).isDirectory() ? '' : readFileSync(absolute, 'utf8')
  }
  for (const file of documentationFiles()) problems.push(...new Set(brokenLinks(file, read(file), read)))

  for (const problem of problems) console.error(problem)
  if (stale.length === 0 && problems.length === 0) {
    console.log(
      `Documentation is up to date (action.yml, src/inputs.ts, src/wechat/errors.ts, uses: ${slug}@${ref}).`
    )
  } else if (check && stale.length > 0) {
    console.error(`Out of date: ${stale.join(', ')}. Run \`node scripts/docs.mjs\` and commit the result.`)
    process.exitCode = 1
  } else if (stale.length > 0) {
    console.log(
      `Rewrote ${stale.join(', ')} (${inputs.items.length} inputs, ${outputs.items.length} outputs, uses: ${slug}@${ref}).`
    )
  }
  if (problems.length > 0) process.exitCode = 1
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
