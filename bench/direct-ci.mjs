// miniprogram-ci called directly, as a baseline for the action's own preview/upload: the repository's
// pinned copy, the same project, the same options the action passes. Spawned by bench/run.ts with
// NODE_EXTRA_CA_CERTS set, so its traffic reaches the servicewechat.com fake through the given proxy.
// Usage: node bench/direct-ci.mjs '<JSON: command, projectPath, appid, privateKeyPath, proxy, version,
// desc, qrcodeOutputDest, pagePath, packNpm>' (packNpm: build miniprogram_npm first, as the action does
// when the mini program has a package.json)
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const options = JSON.parse(process.argv[2] ?? '{}')
const ci = createRequire(path.join(repoRoot, 'package.json'))('miniprogram-ci')

try {
  if (options.proxy) ci.proxy(options.proxy)
  const project = new ci.Project({
    projectPath: options.projectPath,
    type: 'miniProgram',
    appid: options.appid,
    privateKeyPath: options.privateKeyPath
  })
  if (options.packNpm) await ci.packNpm(project, {})
  const common = {
    project,
    version: options.version,
    desc: options.desc,
    robot: 1,
    setting: { useProjectConfig: true }
  }
  const result =
    options.command === 'upload'
      ? await ci.upload(common)
      : await ci.preview({
          ...common,
          qrcodeFormat: 'image',
          qrcodeOutputDest: options.qrcodeOutputDest,
          ...(options.pagePath ? { pagePath: options.pagePath } : {})
        })
  process.stdout.write(`${JSON.stringify({ ok: true, subPackageInfo: result.subPackageInfo ?? null })}\n`)
  // miniprogram-ci keeps its compiler process (and so this event loop) alive; the action exits the same way.
  process.exit(0)
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(error?.message ?? error) })}\n`)
  process.exit(1)
}
