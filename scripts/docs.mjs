// Rewrites the generated parts of README.md from their sources, so the manual cannot drift from the code:
//   <!-- inputs:start --> … <!-- inputs:end -->      every input of action.yml, grouped as action.yml groups them
//   <!-- outputs:start --> … <!-- outputs:end -->    every output of action.yml
//   <!-- errcodes:start --> … <!-- errcodes:end -->  the WeChat errcode table of src/wechat/errors.ts
// `node scripts/docs.mjs` writes README.md; `node scripts/docs.mjs --check` only reports whether it is current
// (exit code 1 when not), for CI.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import { isMap, parseDocument } from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const readmePath = path.join(root, 'README.md')
const actionPath = path.join(root, 'action.yml')

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

function readAction() {
  const document = parseDocument(readFileSync(actionPath, 'utf8'))
  if (document.errors.length > 0) throw new Error(`action.yml: ${document.errors[0].message}`)
  const inputs = document.get('inputs')
  const outputs = document.get('outputs')
  if (!isMap(inputs) || !isMap(outputs)) throw new Error('action.yml must have inputs and outputs maps')
  return { inputs, outputs }
}

function renderInputs(inputs) {
  const groups = [{ title: 'Command', rows: [] }]
  for (const pair of inputs.items) {
    const name = String(pair.key.value)
    // A `# --- group ---` comment above an input starts a new group.
    if (pair.key.commentBefore) groups.push({ title: groupTitle(pair.key.commentBefore), rows: [] })
    const spec = pair.value?.toJSON() ?? {}
    const required = spec.required === true
    const defaultValue = spec.default === undefined || spec.default === '' ? '' : codeSpan(spec.default)
    const group = groups[groups.length - 1]
    group.rows.push([
      required ? `**${codeSpan(name)}** (required)` : codeSpan(name),
      defaultValue || '–',
      cell(spec.description)
    ])
  }
  return groups
    .filter((group) => group.rows.length > 0)
    .map((group) => `**${group.title}**\n\n${table(['Input', 'Default', 'Description'], group.rows)}`)
    .join('\n\n')
}

function renderOutputs(outputs) {
  const rows = outputs.items.map((pair) => [
    codeSpan(String(pair.key.value)),
    cell(pair.value?.toJSON()?.description)
  ])
  return table(['Output', 'Description'], rows)
}

async function renderErrcodes() {
  const { ERRCODES } = await tsImport('../src/wechat/errors.ts', import.meta.url)
  const rows = Object.entries(ERRCODES)
    .map(([errcode, explanation]) => [Number(errcode), explanation])
    .sort((a, b) => a[0] - b[0])
    .map(([errcode, { meaning, advice }]) => [codeSpan(errcode), cell(meaning), cell(advice)])
  return table(['errcode', 'Meaning', 'What to do'], rows)
}

/** Replaces what is between `<!-- name:start -->` and `<!-- name:end -->`; both markers must exist once. */
function replaceBetween(text, name, content) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0) {
    throw new Error(`README.md needs exactly one "${start}" followed by "${end}"`)
  }
  return `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`
}

const check = process.argv.includes('--check')
const { inputs, outputs } = readAction()
const current = readFileSync(readmePath, 'utf8')
let next = replaceBetween(current, 'inputs', renderInputs(inputs))
next = replaceBetween(next, 'outputs', renderOutputs(outputs))
next = replaceBetween(next, 'errcodes', await renderErrcodes())

if (next === current) {
  console.log('README.md is up to date with action.yml and src/wechat/errors.ts.')
} else if (check) {
  console.error('README.md is out of date: run `node scripts/docs.mjs` and commit the result.')
  process.exitCode = 1
} else {
  writeFileSync(readmePath, next)
  console.log(
    `README.md: ${inputs.items.length} inputs, ${outputs.items.length} outputs and the errcode table rewritten.`
  )
}
