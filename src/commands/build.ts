/**
 * preview and upload: compile with the pinned miniprogram-ci, then report. preview puts the QR code,
 * the page it opens and the package sizes on the PR (one sticky comment) and in the job summary.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { CiResult, CiRunOptions } from '../ci/run.js'
import { defaultDescription, versionFromTag, type RunContext } from '../context.js'
import { InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { GitHubPermissionError } from '../github/errors.js'
import { withCommitMarker } from '../release/commit-marker.js'
import { renderPreviewComment, renderUploadSummary } from '../report/build.js'
import { gitHubFor } from './github.js'
import type { CommandResult } from './types.js'

/** The commit marker at the end of the description lets `sync` find the commit a WeChat version came from. */
export function describeUpload(inputs: Inputs, context: RunContext): string {
  return withCommitMarker(inputs.description ?? defaultDescription(context), context.sha)
}

export function uploadVersion(inputs: Inputs, context: RunContext): string {
  const version = inputs.version ?? versionFromTag(context.tag)
  if (!version) {
    throw new InputError(
      'version',
      'is required when the run was not started by a tag push (v1.2.3 gives 1.2.3)'
    )
  }
  return version
}

export async function compile(
  command: 'preview' | 'upload',
  inputs: Inputs,
  context: RunContext,
  version: string
): Promise<CiResult> {
  const { runMiniprogramCi } = await import('../ci/run.js')
  const projectPath = path.resolve(context.workspace, inputs.projectPath)
  const options: CiRunOptions = {
    command,
    projectPath,
    ...(inputs.appid ? { appid: inputs.appid } : {}),
    ...(inputs.privateKey ? { privateKey: inputs.privateKey } : {}),
    ...(inputs.privateKeyPath
      ? { privateKeyPath: path.resolve(context.workspace, inputs.privateKeyPath) }
      : {}),
    robot: inputs.robot,
    version,
    description: describeUpload(inputs, context),
    ...(inputs.compileSettings ? { compileSettings: inputs.compileSettings } : {}),
    ...(inputs.packNpm !== 'auto' ? { packNpm: inputs.packNpm } : {}),
    ...(inputs.proxy ? { proxy: inputs.proxy } : {}),
    ...(inputs.previewPagePath ? { pagePath: inputs.previewPagePath } : {}),
    ...(inputs.previewQuery ? { searchQuery: inputs.previewQuery } : {}),
    ...(command === 'preview'
      ? { qrcodeOutputPath: path.join(context.runnerTemp, 'wechat-preview-qrcode.jpg') }
      : {}),
    timeoutMs: inputs.ciTimeoutMs,
    tempDir: context.runnerTemp,
    toolCacheDir: context.toolCache,
    lockfileDir: path.join(context.actionPath, 'dist', 'miniprogram-ci'),
    log
  }
  // miniprogram-ci leaves empty scratch folders in its working directory: keep them out of the checkout.
  const previousCwd = process.cwd()
  process.chdir(mkdtempSync(path.join(context.runnerTemp, 'miniprogram-ci-')))
  try {
    return await runMiniprogramCi(options)
  } finally {
    process.chdir(previousCwd)
  }
}

export function packageSizeOutput(result: CiResult): string {
  return JSON.stringify({
    total: result.sizes.total ?? null,
    main: result.sizes.main ?? null,
    subpackages: result.sizes.subpackages
  })
}

/** Dry run: a preview or an upload is a write to WeChat, so it is described, not made. */
function dryRunBuild(
  inputs: Inputs,
  context: RunContext,
  command: 'preview' | 'upload',
  version: string
): CommandResult {
  const description = describeUpload(inputs, context)
  const line =
    command === 'upload'
      ? `would compile ${inputs.projectPath} with miniprogram-ci and upload version ${version} under robot ${inputs.robot} ("${description}")`
      : `would compile ${inputs.projectPath} with miniprogram-ci, create a preview QR code${inputs.previewPagePath ? ` for ${inputs.previewPagePath}` : ''} and put it on ${context.prNumber ? `PR #${context.prNumber}` : 'the job summary'}`
  log.info(`[dry-run] ${line}`)
  return {
    outputs: { version, result: JSON.stringify([{ version, result: 'dry-run', message: line }]) },
    summary: `## WeChat mini program: ${command}\n\n> 🧪 Dry run: nothing was uploaded.\n\n- ${line}\n`,
    failures: []
  }
}

export async function execute(inputs: Inputs, context: RunContext): Promise<CommandResult> {
  if (inputs.dryRun) {
    const command = inputs.command === 'upload' ? 'upload' : 'preview'
    return dryRunBuild(
      inputs,
      context,
      command,
      command === 'upload' ? uploadVersion(inputs, context) : '0.0.1'
    )
  }
  if (inputs.command === 'upload') {
    const version = uploadVersion(inputs, context)
    const result = await compile('upload', inputs, context, version)
    const summary = renderUploadSummary({ result, commit: context.sha, runUrl: context.runUrl })
    return {
      outputs: {
        version: result.version,
        'package-size': packageSizeOutput(result),
        result: JSON.stringify([{ appid: result.appid, version: result.version, result: 'uploaded' }])
      },
      summary,
      failures: []
    }
  }

  const result = await compile('preview', inputs, context, inputs.version ?? '0.0.1')
  const github = gitHubFor(inputs, context)
  let qrImageUrl: string | undefined
  let fallbackNote: string | undefined
  if (github && inputs.qrcodeBranch && result.qrcodePath) {
    // GitHub strips data: images from comments; a file in the repository renders for everyone who can read it.
    const name = context.prNumber ? `pr-${context.prNumber}` : context.sha.slice(0, 12)
    try {
      const file = await github.putFile({
        branch: inputs.qrcodeBranch,
        path: `previews/${name}.jpg`,
        content: readFileSync(result.qrcodePath),
        message: `Preview QR code for ${context.prNumber ? `#${context.prNumber}` : context.sha.slice(0, 7)}`
      })
      qrImageUrl = file.url
    } catch (error) {
      if (!(error instanceof GitHubPermissionError)) throw error
      fallbackNote = `The QR image could not be committed to "${inputs.qrcodeBranch}" (${error.permission} is missing); download it from the run's artifacts or set qrcode-branch: none.`
      log.warning(fallbackNote)
    }
  }
  const body = renderPreviewComment({
    ...(qrImageUrl ? { qrImageUrl } : {}),
    ...(result.qrcodePath ? { qrcodePath: result.qrcodePath } : {}),
    ...(result.pagePath ? { pagePath: result.pagePath } : {}),
    sizes: result.sizes,
    appid: result.appid,
    commit: context.sha,
    runUrl: context.runUrl,
    ...(fallbackNote ? { fallbackNote } : {})
  })
  if (github && inputs.prComment && context.prNumber) {
    try {
      await github.upsertStickyComment({
        issueNumber: context.prNumber,
        key: `preview:${result.appid}`,
        body
      })
    } catch (error) {
      if (!(error instanceof GitHubPermissionError)) throw error
      log.warning(`The PR comment was not written: ${error.message}. The job summary has the same report.`)
    }
  }
  return {
    outputs: {
      version: result.version,
      'package-size': packageSizeOutput(result),
      ...(result.qrcodePath ? { 'qrcode-path': result.qrcodePath } : {}),
      ...(qrImageUrl ? { 'qrcode-url': qrImageUrl } : {}),
      result: JSON.stringify([{ appid: result.appid, version: result.version, result: 'previewed' }])
    },
    summary: body,
    failures: []
  }
}
