// Bundles the action into dist/ and ships the pinned miniprogram-ci lockfile next to it.
//
// - Two entries: dist/index.js (the step) and dist/post.js (the post step that saves miniprogram-ci's
//   install to the Actions cache).
// - Code is split so that each command loads only its own modules: a `sync` never loads the upload code,
//   loads Octokit only at its first GitHub call, undici only when a proxy is configured, and the YAML parser
//   only when an input needs it.
// - Chunk names are stable (`chunks/<what is inside>.js`, no content hashes), so a change to the sources
//   shows in `git diff dist/` as a change to the same files.
// - Built for node24, action.yml's runtime. The end-to-end tests run the same files on Node 20 (CI) and on
//   Node 24 (scripts/e2e-node24.sh).
// - miniprogram-ci itself is never bundled: it forks child processes by file path (see the docs, "How
//   miniprogram-ci is run").
import { build } from 'esbuild'
import { cpSync, mkdirSync, rmSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeLicenses } from './licenses.mjs'
import { writeDistStamp } from './dist-stamp.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')

/**
 * @actions/core imports its OIDC client (and with it @actions/http-client and all of undici) at load time,
 * for getIDToken alone, which the action never calls. The OIDC module is loaded on first use instead.
 */
const oidcOnDemand = {
  name: 'oidc-on-demand',
  setup(build) {
    const realOidc = path.join(root, 'node_modules/@actions/core/lib/oidc-utils.js')
    build.onResolve({ filter: /\/oidc-utils\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}@actions${path.sep}core${path.sep}`) && args.importer !== realOidc
        ? { path: 'oidc-on-demand', namespace: 'oidc-on-demand' }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: 'oidc-on-demand' }, () => ({
      contents: `export class OidcClient {
  static async getIDToken(audience) {
    const { OidcClient } = await import(${JSON.stringify(realOidc)})
    return OidcClient.getIDToken(audience)
  }
}
`,
      loader: 'js',
      resolveDir: root
    }))
  }
}

/**
 * The YAML parser (about 160 kB) is needed only when an input that takes YAML is set, but inputs are read
 * synchronously. It is built into its own CommonJS file and required on the first parse; the rest of the
 * bundle sees a module with the same `parse`.
 */
const YAML_FILE = 'chunks/yaml.cjs'
const yamlOnDemand = {
  name: 'yaml-on-demand',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, (args) =>
      args.importer.startsWith(path.join(root, 'src'))
        ? { path: 'yaml-on-demand', namespace: 'yaml-on-demand' }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: 'yaml-on-demand' }, () => ({
      contents: `import { createRequire } from 'node:module'
let yaml
/** The bundled yaml package, loaded on first use (dist/${YAML_FILE}). */
function loadYaml() {
  // This code lands in dist/index.js or in a file of dist/chunks/.
  const inChunks = new URL('.', import.meta.url).pathname.endsWith('/chunks/')
  yaml ??= createRequire(import.meta.url)(inChunks ? './${path.basename(YAML_FILE)}' : './${YAML_FILE}')
  return yaml
}
export function parse(...args) {
  return loadYaml().parse(...args)
}
`,
      loader: 'js',
      resolveDir: root
    }))
  }
}

/**
 * @actions/cache (and @actions/glob, which it uses) log through @actions/core directly, and report a
 * failing cache service with core.error. Their @actions/core is src/ci/cache-log.ts: the same module
 * with the log functions routed through the action's log, errors as warnings.
 */
const cacheLogThroughActionLog = {
  name: 'cache-log-through-action-log',
  setup(build) {
    const toolkitPackages = ['cache', 'glob'].map(
      (name) => path.join(root, 'node_modules', '@actions', name) + path.sep
    )
    build.onResolve({ filter: /^@actions\/core$/ }, (args) =>
      toolkitPackages.some((folder) => args.importer.startsWith(folder))
        ? { path: path.join(root, 'src/ci/cache-log.ts') }
        : undefined
    )
  }
}

/**
 * `src/commands/build.ts` → `commands-build`; `node_modules/@octokit/core/…` → `octokit-core`, or for the
 * entry of a dynamic import, with the file: `…/@actions/core/lib/oidc-utils.js` → `actions-core-oidc-utils`.
 */
function moduleLabel(input, { withFile = false } = {}) {
  const fromPackage = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(input)
  if (fromPackage) {
    const name = fromPackage[1].replace(/^@/, '').replace('/', '-')
    return withFile ? `${name}-${path.basename(input).replace(/\.[^.]+$/, '')}` : name
  }
  const fromSource = /^src\/(.+)\.ts$/.exec(input)
  if (fromSource) return fromSource[1].replace(/\//g, '-')
  return path.basename(input).replace(/\.[^.]+$/, '')
}

/**
 * A stable name for every chunk: a dynamically imported module is named after its source file (with
 * `-entry` when its code lives in a shared chunk and the file only re-exports it), a shared chunk after
 * the package or source folder that makes up most of it (then the next one too when two agree).
 */
function stableChunkNames(metafile) {
  const names = new Map()
  const taken = new Set(['index', 'post'])
  const chunks = Object.entries(metafile.outputs).filter(
    ([file]) => file.startsWith('dist/chunks/') && file.endsWith('.js')
  )
  const ownCode = (output) => (output.entryPoint ? (output.inputs[output.entryPoint]?.bytesInOutput ?? 0) : 0)
  const rank = ([, output]) => (output.entryPoint ? (ownCode(output) > 0 ? 0 : 2) : 1)
  chunks.sort(
    ([fileA, a], [fileB, b]) =>
      rank([fileA, a]) - rank([fileB, b]) || b.bytes - a.bytes || fileA.localeCompare(fileB)
  )
  for (const [file, output] of chunks) {
    let ranked
    if (output.entryPoint) {
      ranked = [`${moduleLabel(output.entryPoint, { withFile: true })}${ownCode(output) > 0 ? '' : '-entry'}`]
    } else {
      const byLabel = new Map()
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const label = moduleLabel(input)
        byLabel.set(label, (byLabel.get(label) ?? 0) + bytesInOutput)
      }
      ranked = [...byLabel.entries()]
        .sort(([labelA, a], [labelB, b]) => b - a || labelA.localeCompare(labelB))
        .map(([label]) => label)
    }
    // A chunk without inputs holds only esbuild's module helpers.
    let name = ranked[0] ?? 'esbuild-runtime'
    for (let i = 1; taken.has(name) && i < ranked.length; i++) name = `${ranked[0]}+${ranked[i]}`
    for (let n = 2; taken.has(name); n++) name = `${ranked[0]}-${n}`
    taken.add(name)
    names.set(path.basename(file, '.js'), name)
  }
  return names
}

export async function buildAction({ outdir = dist, write = true } = {}) {
  // Whitespace and syntax only: identifiers stay readable in stack traces.
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node24',
    legalComments: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'warning'
  }
  const result = await build({
    ...common,
    entryPoints: { index: 'src/index.ts', post: 'src/post.ts' },
    outdir: 'dist',
    splitting: true,
    format: 'esm',
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [oidcOnDemand, yamlOnDemand, cacheLogThroughActionLog],
    // Some CommonJS dependencies call require() on Node built-ins; give the ESM bundle one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
    }
  })
  const yaml = await build({
    ...common,
    stdin: { contents: "module.exports = require('yaml')", resolveDir: root, sourcefile: 'yaml-entry.cjs' },
    outfile: path.join('dist', YAML_FILE),
    format: 'cjs'
  })

  const renames = stableChunkNames(result.metafile)
  const rename = (text) => text.replace(/[a-z0-9-]+-[A-Z2-7]{8}/g, (hashed) => renames.get(hashed) ?? hashed)
  const files = [...result.outputFiles, ...yaml.outputFiles].map((file) => {
    const relative = path.relative(path.join(root, 'dist'), file.path)
    return { relative: rename(relative), text: rename(file.text) }
  })

  if (write) {
    rmSync(outdir, { recursive: true, force: true })
    for (const file of files) {
      const target = path.join(outdir, file.relative)
      mkdirSync(path.dirname(target), { recursive: true })
      writeFileSync(target, file.text)
    }
    // Every package the bundle carries, with its license text (dist/licenses.txt).
    writeLicenses({ outputs: { ...result.metafile.outputs, ...yaml.metafile.outputs } }, outdir, root)
    const toolDir = path.join(outdir, 'miniprogram-ci')
    mkdirSync(toolDir, { recursive: true })
    for (const file of ['package.json', 'package-lock.json']) {
      cpSync(path.join(root, 'tools/miniprogram-ci', file), path.join(toolDir, file))
    }
  }
  return { files, metafiles: [result.metafile, yaml.metafile], renames }
}

function directorySize(dir) {
  let total = 0
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    const stat = statSync(full)
    total += stat.isDirectory() ? directorySize(full) : stat.size
  }
  return total
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAction()
  // npm test rebuilds dist/ only when this stamp no longer matches the sources.
  writeDistStamp(root)
  console.log(`dist/ built: ${(directorySize(dist) / 1024 / 1024).toFixed(2)} MiB`)
}
