import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  GitHubPermissionError,
  code,
  formatBytes,
  formatDuration,
  gitHubFor,
  table
} from "./chunk-QLTGABCN.js";
import {
  defaultDescription,
  log,
  versionFromTag
} from "./chunk-GF7QCOQF.js";
import {
  InputError,
  redact
} from "./chunk-SLBY5ZIU.js";

// src/commands/build.ts
import { mkdtempSync, readFileSync } from "node:fs";
import path from "node:path";

// src/report/build.ts
function sizeTable(sizes) {
  const rows = [];
  if (sizes.total !== void 0) rows.push(["**Total**", formatBytes(sizes.total)]);
  if (sizes.main !== void 0) rows.push(["Main package", formatBytes(sizes.main)]);
  for (const sub of sizes.subpackages) rows.push([`Subpackage ${code(sub.name)}`, formatBytes(sub.size)]);
  for (const plugin of sizes.plugins ?? [])
    rows.push([`Plugin ${code(plugin.appid)} ${plugin.version}`, formatBytes(plugin.size)]);
  if (rows.length === 0) return "WeChat reported no package sizes.";
  return table(["Package", "Size"], rows);
}
function renderPreviewComment(input) {
  const lines = ["### \u{1F4F1} WeChat preview", ""];
  const what = [
    input.appid ? `${code(input.appid)}` : "the mini program",
    input.version ? `version ${input.version}` : "",
    `commit ${code(input.commit.slice(0, 7))}`
  ].filter(Boolean).join(", ");
  if (input.qrImageUrl) {
    lines.push(`<img src="${input.qrImageUrl}" alt="Preview QR code" width="200">`, "");
    lines.push(
      `Scan with WeChat to open ${input.pagePath ? code(input.pagePath) : "the home page"} of ${what}.`
    );
  } else {
    lines.push(
      `The preview of ${what} is built${input.pagePath ? `; it opens ${code(input.pagePath)}` : ""}.`
    );
    lines.push(
      "",
      input.qrcodePath ? "The QR code image is attached to the workflow run." : "No QR code image was produced."
    );
  }
  if (input.fallbackNote) lines.push("", `> \u26A0\uFE0F ${input.fallbackNote}`);
  lines.push("", "**Package sizes**", "", sizeTable(input.sizes), "", `[Workflow run](${input.runUrl})`);
  return redact(lines.join("\n"));
}
function renderUploadSummary(input) {
  const { result } = input;
  const rows = [
    ["Mini program", result.appid],
    ["Version", result.version],
    ["Description", result.description],
    ["Robot", result.robot],
    ["Commit", input.commit.slice(0, 7)],
    ["Took", result.durationMs !== void 0 ? formatDuration(result.durationMs / 1e3) : void 0]
  ];
  const lines = [
    "## WeChat mini program: upload",
    "",
    `Uploaded version **${result.version}** of ${code(result.appid)}.`,
    "",
    table(
      ["", ""],
      rows.filter(([, value]) => value !== void 0).map(([key, value]) => [`**${key}**`, value])
    ),
    "",
    "**Package sizes**",
    "",
    sizeTable(result.sizes),
    "",
    `[Workflow run](${input.runUrl})`
  ];
  return redact(lines.join("\n"));
}

// src/commands/build.ts
function describeUpload(inputs, context) {
  const short = context.sha.slice(0, 7);
  const description = inputs.description ?? defaultDescription(context);
  return short && !description.includes(short) ? `${description} [${short}]` : description;
}
function uploadVersion(inputs, context) {
  const version = inputs.version ?? versionFromTag(context.tag);
  if (!version) {
    throw new InputError(
      "version",
      "is required when the run was not started by a tag push (v1.2.3 gives 1.2.3)"
    );
  }
  return version;
}
async function compile(command, inputs, context, version) {
  const { runMiniprogramCi } = await import("./run-BOSHPXR3.js");
  const projectPath = path.resolve(context.workspace, inputs.projectPath);
  const previousCwd = process.cwd();
  process.chdir(mkdtempSync(path.join(context.runnerTemp, "miniprogram-ci-")));
  try {
    return await runMiniprogramCiIn(runMiniprogramCi, projectPath, command, inputs, context, version);
  } finally {
    process.chdir(previousCwd);
  }
}
function runMiniprogramCiIn(runMiniprogramCi, projectPath, command, inputs, context, version) {
  return runMiniprogramCi({
    command,
    projectPath,
    ...inputs.appid ? { appid: inputs.appid } : {},
    ...inputs.privateKey ? { privateKey: inputs.privateKey } : {},
    ...inputs.privateKeyPath ? { privateKeyPath: path.resolve(context.workspace, inputs.privateKeyPath) } : {},
    robot: inputs.robot,
    version,
    description: describeUpload(inputs, context),
    ...inputs.compileSettings ? { compileSettings: inputs.compileSettings } : {},
    ...inputs.packNpm !== "auto" ? { packNpm: inputs.packNpm } : {},
    ...inputs.proxy ? { proxy: inputs.proxy } : {},
    ...inputs.previewPagePath ? { pagePath: inputs.previewPagePath } : {},
    ...inputs.previewQuery ? { searchQuery: inputs.previewQuery } : {},
    ...command === "preview" ? { qrcodeOutputPath: path.join(context.runnerTemp, "wechat-preview-qrcode.jpg") } : {},
    timeoutMs: inputs.ciTimeoutMs,
    tempDir: context.runnerTemp,
    toolCacheDir: context.toolCache,
    lockfileDir: path.join(context.actionPath, "dist", "miniprogram-ci"),
    log
  });
}
function packageSizeOutput(result) {
  return JSON.stringify({
    total: result.sizes.total ?? null,
    main: result.sizes.main ?? null,
    subpackages: result.sizes.subpackages
  });
}
function dryRunBuild(inputs, context, command, version) {
  const description = describeUpload(inputs, context);
  const line = command === "upload" ? `would compile ${inputs.projectPath} with miniprogram-ci and upload version ${version} under robot ${inputs.robot} ("${description}")` : `would compile ${inputs.projectPath} with miniprogram-ci, create a preview QR code${inputs.previewPagePath ? ` for ${inputs.previewPagePath}` : ""} and put it on ${context.prNumber ? `PR #${context.prNumber}` : "the job summary"}`;
  log.info(`[dry-run] ${line}`);
  return {
    outputs: { version, result: JSON.stringify([{ version, result: "dry-run", message: line }]) },
    summary: `## WeChat mini program: ${command}

> \u{1F9EA} Dry run: nothing was uploaded.

- ${line}
`,
    failures: []
  };
}
async function execute(inputs, context) {
  if (inputs.dryRun) {
    const command = inputs.command === "upload" ? "upload" : "preview";
    return dryRunBuild(
      inputs,
      context,
      command,
      command === "upload" ? uploadVersion(inputs, context) : "0.0.1"
    );
  }
  if (inputs.command === "upload") {
    const version = uploadVersion(inputs, context);
    const result2 = await compile("upload", inputs, context, version);
    const summary = renderUploadSummary({ result: result2, commit: context.sha, runUrl: context.runUrl });
    return {
      outputs: {
        version: result2.version,
        "package-size": packageSizeOutput(result2),
        result: JSON.stringify([{ appid: result2.appid, version: result2.version, result: "uploaded" }])
      },
      summary,
      failures: []
    };
  }
  const result = await compile("preview", inputs, context, inputs.version ?? "0.0.1");
  const github = gitHubFor(inputs, context);
  let qrImageUrl;
  let fallbackNote;
  if (github && inputs.qrcodeBranch && result.qrcodePath) {
    const name = context.prNumber ? `pr-${context.prNumber}` : context.sha.slice(0, 12);
    try {
      const file = await github.putFile({
        branch: inputs.qrcodeBranch,
        path: `previews/${name}.jpg`,
        content: readFileSync(result.qrcodePath),
        message: `Preview QR code for ${context.prNumber ? `#${context.prNumber}` : context.sha.slice(0, 7)}`
      });
      qrImageUrl = file.url;
    } catch (error) {
      if (!(error instanceof GitHubPermissionError)) throw error;
      fallbackNote = `The QR image could not be committed to "${inputs.qrcodeBranch}" (${error.permission} is missing); download it from the run's artifacts or set qrcode-branch: none.`;
      log.warning(fallbackNote);
    }
  }
  const body = renderPreviewComment({
    ...qrImageUrl ? { qrImageUrl } : {},
    ...result.qrcodePath ? { qrcodePath: result.qrcodePath } : {},
    ...result.pagePath ? { pagePath: result.pagePath } : {},
    sizes: result.sizes,
    appid: result.appid,
    commit: context.sha,
    runUrl: context.runUrl,
    ...fallbackNote ? { fallbackNote } : {}
  });
  if (github && inputs.prComment && context.prNumber) {
    try {
      await github.upsertStickyComment({
        issueNumber: context.prNumber,
        key: `preview:${result.appid}`,
        body
      });
    } catch (error) {
      if (!(error instanceof GitHubPermissionError)) throw error;
      log.warning(`The PR comment was not written: ${error.message}. The job summary has the same report.`);
    }
  }
  return {
    outputs: {
      version: result.version,
      "package-size": packageSizeOutput(result),
      ...result.qrcodePath ? { "qrcode-path": result.qrcodePath } : {},
      ...qrImageUrl ? { "qrcode-url": qrImageUrl } : {},
      result: JSON.stringify([{ appid: result.appid, version: result.version, result: "previewed" }])
    },
    summary: body,
    failures: []
  };
}

export {
  describeUpload,
  uploadVersion,
  compile,
  packageSizeOutput,
  execute
};
