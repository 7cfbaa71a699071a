import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  compile,
  describeUpload,
  execute,
  uploadVersion
} from "./chunk-ODATJO6Q.js";
import {
  readProjectFiles,
  resolveTargets,
  runPipeline,
  wechatClientFor
} from "./chunk-O4ZAVJCH.js";
import "./chunk-M3G4WSFZ.js";
import {
  gitHubFor
} from "./chunk-QLTGABCN.js";
import {
  log
} from "./chunk-GF7QCOQF.js";
import {
  InputError,
  errorMessage
} from "./chunk-SLBY5ZIU.js";

// src/commands/submit.ts
var TEMPLATE_MARKER = "#wechat-release-action";
var TEMPLATE_PRUNE_AT = 190;
function once(work) {
  let promise;
  return () => promise ??= work();
}
async function uploadToTemplate(client, inputs, context, version) {
  const before = new Set((await client.getTemplateDraftList()).map((draft2) => draft2.draft_id));
  await compile(
    "upload",
    { ...inputs, description: `${describeUpload(inputs, context)} ${TEMPLATE_MARKER}` },
    context,
    version
  );
  const drafts = await client.getTemplateDraftList();
  const draft = drafts.filter((candidate) => candidate.user_version === version && !before.has(candidate.draft_id)).sort((a, b) => b.create_time - a.create_time)[0];
  if (!draft)
    throw new Error(
      `The upload of ${version} did not appear in the platform's draft box (gettemplatedraftlist).`
    );
  const templates = await client.getTemplateList();
  await pruneTemplates(client, templates);
  await client.addToTemplate(draft.draft_id);
  const template = (await client.getTemplateList()).find((candidate) => candidate.draft_id === draft.draft_id);
  if (!template)
    throw new Error(`Draft ${draft.draft_id} was added to the template library but is not listed there.`);
  log.info(`Template ${template.template_id} made from draft ${draft.draft_id} (${version}).`);
  return template.template_id;
}
async function pruneTemplates(client, templates) {
  if (templates.length < TEMPLATE_PRUNE_AT) return;
  const ours = templates.filter((template) => template.user_desc.includes(TEMPLATE_MARKER)).sort((a, b) => a.create_time - b.create_time);
  const excess = templates.length - TEMPLATE_PRUNE_AT + 1;
  for (const template of ours.slice(0, excess)) {
    log.info(
      `Template library nearly full (${templates.length}/200): deleting template ${template.template_id} (${template.user_version}) made by this action.`
    );
    await client.deleteTemplate(template.template_id);
  }
}
async function execute2(inputs, context) {
  const version = uploadVersion(inputs, context);
  if (inputs.route === "none") {
    const result = await execute({ ...inputs, command: "upload", version }, context);
    const note = "\n\n**Route `none`:** the code was uploaded as the development version of this robot. Make it the trial version, submit it for review and release it in the WeChat console (or use a third-party platform and `route: direct` / `template`).\n";
    return { ...result, summary: result.summary + note };
  }
  const targets = resolveTargets(inputs, context);
  if (inputs.route === "template" && readProjectFiles(inputs, context).directCommit) {
    throw new InputError(
      "route",
      `"template" needs uploads to reach the draft box, but the project's ext.json has extEnable and directCommit, which send them straight to its extAppid: remove directCommit, or use route "direct"`
    );
  }
  const client = wechatClientFor(inputs, targets);
  const description = describeUpload(inputs, context);
  let beforeSubmit;
  if (inputs.route === "direct") {
    const upload = once(() => compile("upload", inputs, context, version));
    beforeSubmit = async () => {
      await upload();
    };
  } else {
    const template = once(() => uploadToTemplate(client, inputs, context, version));
    beforeSubmit = async (appid) => {
      const templateId = await template();
      await client.commit(appid, {
        template_id: templateId,
        ext_json: { ...inputs.extJson ?? {}, extEnable: true, extAppid: appid },
        user_version: version,
        user_desc: description
      });
      log.info(`${appid}: template ${templateId} committed as the trial version ${version}.`);
    };
  }
  const pipeline = {
    inputs,
    context,
    client,
    github: gitHubFor(inputs, context),
    command: "submit",
    version,
    versionAtRunCommit: version,
    beforeSubmit: async (appid) => {
      try {
        await beforeSubmit(appid);
      } catch (error) {
        throw new Error(`Bringing ${version} to review failed before submit_audit: ${errorMessage(error)}`, {
          cause: error
        });
      }
    },
    startedAt: Date.now()
  };
  try {
    return await runPipeline(pipeline, targets);
  } finally {
    await client.close();
  }
}
export {
  TEMPLATE_MARKER,
  execute2 as execute
};
