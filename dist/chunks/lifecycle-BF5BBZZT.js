import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  actionForIdentifier,
  resolveTargets,
  runPipeline,
  wechatClientFor
} from "./chunk-O4ZAVJCH.js";
import "./chunk-M3G4WSFZ.js";
import {
  gitHubFor
} from "./chunk-QLTGABCN.js";
import {
  log,
  versionFromTag
} from "./chunk-GF7QCOQF.js";
import {
  InputError
} from "./chunk-SLBY5ZIU.js";

// src/commands/lifecycle.ts
function parseGrayExternalId(externalId) {
  const match = /^wechat-gray:(wx[0-9a-f]{16}):(.+)$/.exec(externalId ?? "");
  return match ? { appid: match[1], version: match[2] } : void 0;
}
async function execute(inputs, context) {
  let command = inputs.command;
  let advance = false;
  let version = inputs.version ?? versionFromTag(context.tag);
  let targets;
  let nameTargetCount;
  const pressed = context.requestedAction;
  if (pressed) {
    const button = actionForIdentifier(pressed.identifier);
    const origin = parseGrayExternalId(pressed.externalId);
    if (!button || !origin) {
      log.info(`The check-run button "${pressed.identifier}" is not one of this action's; nothing to do.`);
      return { outputs: {}, summary: "", failures: [] };
    }
    command = button.command;
    advance = "advance" in button;
    version = origin.version;
    targets = [origin.appid];
    if (pressed.checkRunName?.includes(`(${origin.appid})`)) nameTargetCount = 2;
    log.info(
      `Check-run button "${pressed.identifier}": ${command}${advance ? " (next step)" : ""} for ${origin.appid} ${origin.version}`
    );
  }
  targets ??= resolveTargets(inputs, context);
  if (command === "release" && !version) {
    throw new InputError(
      "version",
      "release needs the version you mean (input version, or run it from a v1.2.3 tag)"
    );
  }
  const client = wechatClientFor(inputs, targets);
  const pipeline = {
    inputs,
    context,
    client,
    github: gitHubFor(inputs, context),
    command,
    advance,
    ...version ? { version } : {},
    // A button is pressed on the version's own check run; a tag push names the version of its commit.
    ...pressed && version ? { versionAtRunCommit: version } : {},
    ...!pressed && context.tag && version === versionFromTag(context.tag) ? { versionAtRunCommit: version } : {},
    ...nameTargetCount ? { nameTargetCount } : {},
    startedAt: Date.now()
  };
  try {
    return await runPipeline(pipeline, targets);
  } finally {
    await client.close();
  }
}
export {
  execute
};
