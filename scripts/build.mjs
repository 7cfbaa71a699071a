// Bundles the action into dist/ (ESM, code-split so that only preview/upload/submit load the
// miniprogram-ci wrapper) and ships the pinned miniprogram-ci lockfile next to it. miniprogram-ci
// itself is never bundled: it forks child processes by file path (see README, "How miniprogram-ci is run").
import { build } from 'esbuild'
import { cpSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeLicenses } from './licenses.mjs'
import { writeDistStamp } from './dist-stamp.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
const result = await build({
  metafile: true,
  entryPoints: { index: path.join(root, 'src/index.ts') },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  // Whitespace and syntax only: identifiers stay readable in stack traces; keeps dist/ well under 5 MB.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  logLevel: 'warning',
  // Some CommonJS dependencies call require() on Node built-ins; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  }
})

writeLicenses(result.metafile, dist)

const toolDir = path.join(dist, 'miniprogram-ci')
mkdirSync(toolDir, { recursive: true })
for (const file of ['package.json', 'package-lock.json']) {
  cpSync(path.join(root, 'tools/miniprogram-ci', file), path.join(toolDir, file))
}

let total = 0
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    const stat = statSync(full)
    if (stat.isDirectory()) walk(full)
    else total += stat.size
  }
}
walk(dist)
console.log(`dist/ built: ${(total / 1024 / 1024).toFixed(2)} MiB`)
// npm test rebuilds dist/ only when this stamp no longer matches the sources.
writeDistStamp(root)
