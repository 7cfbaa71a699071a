/**
 * submit (on a tag push): upload the build, bring it to review by the configured route, submit it, and
 * open the "WeChat review" check run. The code is uploaded only when a review will really be submitted,
 * so a rerun that adopts an existing review (or is refused) uploads nothing.
 */
import type { RunContext } from '../context.js'
import { errorMessage, InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import type { WeChatClient, Template } from '../wechat/client.js'
import { compile, describeUpload, execute as executeBuild, uploadVersion } from './build.js'
import { gitHubFor } from './github.js'
import { realTime, runPipeline, type Pipeline } from './pipeline.js'
import { readProjectFiles, resolveTargets } from './targets.js'
import type { CommandResult } from './types.js'
import { wechatClientFor } from './wechat.js'

/** Templates this action made carry this tag in their description; only those are ever pruned. */
export const TEMPLATE_MARKER = '#wechat-release-action'
/** The library holds 200; prune the action's oldest templates once it gets this full. */
const TEMPLATE_PRUNE_AT = 190

function once<T>(work: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined
  return () => (promise ??= work())
}

/** Upload from the development mini program, then draft → template. Returns the template id. */
async function uploadToTemplate(
  client: WeChatClient,
  inputs: Inputs,
  context: RunContext,
  version: string
): Promise<number> {
  const before = new Set((await client.getTemplateDraftList()).map((draft) => draft.draft_id))
  await compile(
    'upload',
    { ...inputs, description: `${describeUpload(inputs, context)} ${TEMPLATE_MARKER}` },
    context,
    version
  )
  const drafts = await client.getTemplateDraftList()
  const draft = drafts
    .filter((candidate) => candidate.user_version === version && !before.has(candidate.draft_id))
    .sort((a, b) => b.create_time - a.create_time)[0]
  if (!draft)
    throw new Error(
      `The upload of ${version} did not appear in the platform's draft box (gettemplatedraftlist).`
    )
  const templates = await client.getTemplateList()
  await pruneTemplates(client, templates)
  // Matched by draft_id, or by version and description where the list has no draft_id (older replies).
  const template = await client.addToTemplateAndFind(draft, templates)
  log.info(`Template ${template.template_id} made from draft ${draft.draft_id} (${version}).`)
  return template.template_id
}

/** Keeps room in the 200-template library by deleting the oldest templates this action made, never others. */
async function pruneTemplates(client: WeChatClient, templates: Template[]): Promise<void> {
  if (templates.length < TEMPLATE_PRUNE_AT) return
  const ours = templates
    .filter((template) => template.user_desc.includes(TEMPLATE_MARKER))
    .sort((a, b) => a.create_time - b.create_time)
  const excess = templates.length - TEMPLATE_PRUNE_AT + 1
  for (const template of ours.slice(0, excess)) {
    log.info(
      `Template library nearly full (${templates.length}/200): deleting template ${template.template_id} (${template.user_version}) made by this action.`
    )
    await client.deleteTemplate(template.template_id)
  }
}

export async function execute(inputs: Inputs, context: RunContext): Promise<CommandResult> {
  const version = uploadVersion(inputs, context)
  if (inputs.route === 'none') {
    const result = await executeBuild({ ...inputs, command: 'upload', version }, context)
    const note =
      '\n\n**Route `none`:** the code was uploaded as the development version of this robot. Make it the trial version, submit it for review and release it in the WeChat console (or use a third-party platform and `route: direct` / `template`).\n'
    return { ...result, summary: result.summary + note }
  }
  const targets = resolveTargets(inputs, context)
  if (inputs.route === 'template' && readProjectFiles(inputs, context).directCommit) {
    throw new InputError(
      'route',
      '"template" needs uploads to reach the draft box, but the project\'s ext.json has extEnable and directCommit, which send them straight to its extAppid: remove directCommit, or use route "direct"'
    )
  }
  const client = wechatClientFor(inputs, targets)
  const description = describeUpload(inputs, context)

  let beforeSubmit: (appid: string) => Promise<void>
  if (inputs.route === 'direct') {
    // ext.json's directCommit sends the upload straight to the authorized mini program as its trial version.
    const upload = once(() => compile('upload', inputs, context, version))
    beforeSubmit = async () => {
      await upload()
    }
  } else {
    const template = once(() => uploadToTemplate(client, inputs, context, version))
    beforeSubmit = async (appid) => {
      const templateId = await template()
      await client.commit(appid, {
        template_id: templateId,
        ext_json: { ...(inputs.extJson ?? {}), extEnable: true, extAppid: appid },
        user_version: version,
        user_desc: description
      })
      log.info(`${appid}: template ${templateId} committed as the trial version ${version}.`)
    }
  }

  const pipeline: Pipeline = {
    inputs,
    context,
    client,
    github: gitHubFor(inputs, context),
    command: 'submit',
    version,
    versionAtRunCommit: version,
    beforeSubmit: async (appid) => {
      try {
        await beforeSubmit(appid)
      } catch (error) {
        throw new Error(`Bringing ${version} to review failed before submit_audit: ${errorMessage(error)}`, {
          cause: error
        })
      }
    },
    startedAt: realTime.clock(),
    ...realTime
  }
  try {
    return await runPipeline(pipeline, targets)
  } finally {
    await client.close()
  }
}
