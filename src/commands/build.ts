/**
 * preview and upload: compile with the pinned miniprogram-ci, then report. preview puts the QR code,
 * the page it opens and the package sizes on the PR (one sticky comment) and in the job summary.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { CiResult, CiRunOptions } from '../ci/run.js'
import { defaultDescription, versionFromTag, type RunContext } from '../context.js'
import { errorMessage, InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { inlineText } from '../report/markdown.js'
import { GitHubPermissionError } from '../github/errors.js'
import {
  describeExceeded,
  evaluateSizes,
  parseSizeRecord,
  serializeSizeRecord,
  sizeRecordPath,
  type SizeBaseline,
  type SizeReport
} from '../report/package-size.js'
import { renderPreviewComment, renderUploadSummary } from '../report/preview.js'
import type { GitHubClient } from '../github/client.js'
import { withCommitMarker } from '../release/commit-marker.js'
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

export function packageSizeOutput(result: CiResult, report?: SizeReport): string {
  const base = report?.baseline
  return JSON.stringify({
    total: result.sizes.total ?? null,
    main: result.sizes.main ?? null,
    subpackages: result.sizes.subpackages,
    ...(report ? { status: report.status } : {}),
    ...(base
      ? {
          base: {
            branch: base.branch,
            commit: base.commit,
            total: base.sizes.total ?? null,
            main: base.sizes.main ?? null
          }
        }
      : {})
  })
}

/**
 * The branch whose last preview this one is compared with, and the branch this preview is recorded for.
 * A pull request compares with its base branch and records its own branch (so a PR stacked on it finds it),
 * but only when that branch lives in this repository: a fork's branch name could shadow one of ours.
 * A push compares with the branch's previous preview and records the new one.
 */
export function sizeBranches(context: RunContext): { base?: string; record?: string } {
  if (context.pullRequest) {
    return {
      base: context.pullRequest.baseRef,
      ...(context.pullRequest.sameRepository ? { record: context.pullRequest.headRef } : {})
    }
  }
  if (context.ref.startsWith('refs/heads/')) {
    const branch = context.ref.slice('refs/heads/'.length)
    return { base: branch, record: branch }
  }
  return {}
}

async function readSizeBaseline(
  github: GitHubClient,
  sideBranch: string,
  appid: string,
  branch: string
): Promise<SizeBaseline | undefined> {
  try {
    const file = await github.getFile({ branch: sideBranch, path: sizeRecordPath(appid, branch) })
    return parseSizeRecord(file?.toString('utf8'), branch)
  } catch (error) {
    log.warning(
      `The sizes of the last preview of ${branch} could not be read from "${sideBranch}" (${errorMessage(error)}); the report shows no change column.`
    )
    return undefined
  }
}

async function recordSizes(
  github: GitHubClient,
  sideBranch: string,
  result: CiResult,
  branch: string,
  commit: string
): Promise<void> {
  try {
    await github.putFile({
      branch: sideBranch,
      path: sizeRecordPath(result.appid, branch),
      content: Buffer.from(serializeSizeRecord(result.appid, branch, commit, result.sizes), 'utf8'),
      message: `Preview package sizes of ${branch} at ${commit.slice(0, 7)}`
    })
  } catch (error) {
    // The record only feeds later comparisons: the preview itself succeeded and is reported.
    const why =
      error instanceof GitHubPermissionError ? `${error.permission} is missing` : errorMessage(error)
    log.warning(
      `The package sizes were not recorded on "${sideBranch}" (${why}); later previews cannot compare with this one.`
    )
  }
}

/** Warns about (or, with package-size-budget-action: fail, fails on) each package over its budget or limit. */
function sizeFailures(report: SizeReport): string[] {
  const problems = describeExceeded(report)
  if (report.policy.action === 'fail') return problems
  for (const problem of problems) log.warning(problem)
  return []
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
    // The line quotes the commit subject: untrusted text, rendered inert like everywhere else.
    summary: `## WeChat mini program: ${command}\n\n> 🧪 Dry run: nothing was uploaded.\n\n- ${inlineText(line)}\n`,
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
    const sizeReport = evaluateSizes(result.sizes, inputs.packageSizePolicy)
    const summary = renderUploadSummary({
      result,
      sizeReport,
      commit: context.sha,
      runUrl: context.runUrl
    })
    return {
      outputs: {
        version: result.version,
        'package-size': packageSizeOutput(result, sizeReport),
        result: JSON.stringify([{ appid: result.appid, version: result.version, result: 'uploaded' }])
      },
      summary,
      failures: sizeFailures(sizeReport)
    }
  }

  const result = await compile('preview', inputs, context, inputs.version ?? '0.0.1')
  const github = gitHubFor(inputs, context)
  const sizeBranch = sizeBranches(context)
  const sideBranch = inputs.qrcodeBranch
  const baseline =
    github && sideBranch && sizeBranch.base
      ? await readSizeBaseline(github, sideBranch, result.appid, sizeBranch.base)
      : undefined
  const sizeReport = evaluateSizes(
    result.sizes,
    inputs.packageSizePolicy,
    sideBranch && sizeBranch.base ? { branch: sizeBranch.base, ...(baseline ? { baseline } : {}) } : undefined
  )
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
    sizeReport,
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
  if (github && sideBranch && sizeBranch.record) {
    await recordSizes(github, sideBranch, result, sizeBranch.record, context.sha)
  }
  return {
    outputs: {
      version: result.version,
      'package-size': packageSizeOutput(result, sizeReport),
      ...(result.qrcodePath ? { 'qrcode-path': result.qrcodePath } : {}),
      ...(qrImageUrl ? { 'qrcode-url': qrImageUrl } : {}),
      result: JSON.stringify([{ appid: result.appid, version: result.version, result: 'previewed' }])
    },
    summary: body,
    failures: sizeFailures(sizeReport)
  }
}
