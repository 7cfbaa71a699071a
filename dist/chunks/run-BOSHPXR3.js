import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  InputError,
  redact,
  registerSecret
} from "./chunk-SLBY5ZIU.js";

// src/ci/run.ts
import { existsSync as existsSync3 } from "node:fs";
import { mkdir as mkdir3 } from "node:fs/promises";
import os2 from "node:os";
import path4 from "node:path";
import { format } from "node:util";

// src/ci/errors.ts
var CiError = class extends Error {
  constructor(kind, code, summary, hint, server) {
    super(redact(hint ? `${summary}. ${hint}` : summary));
    this.kind = kind;
    this.code = code;
    this.hint = hint;
    this.server = server;
  }
  kind;
  code;
  hint;
  server;
  name = "CiError";
};
var CI_CODES = {
  PARAM_ERROR: 1e4,
  GET_RAND_STRING: 20001,
  LOCAL_SIGNATURE: 20002,
  UPLOAD_CGI: 20003
};
var NETWORK_FAILURE = /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ESOCKETTIMEDOUT|socket hang up|tunneling socket|self[- ]signed certificate|unable to verify the first certificate/i;
var IP_WHITELIST = /white\s*-?list|白名单|\bip\b/i;
var KEY_REJECTED = /signature|签名|private\s*key|密钥|秘钥/i;
function parseServerError(message) {
  const json = /\{[^{}]*"errCode"\s*:\s*(-?\d+)[^{}]*\}/.exec(message);
  if (json) {
    try {
      const parsed = JSON.parse(json[0]);
      return { errCode: Number(parsed.errCode), errMsg: String(parsed.errMsg ?? parsed.errmsg ?? "") };
    } catch {
      return { errCode: Number(json[1]), errMsg: "" };
    }
  }
  const text = /errCode:\s*(-?\d+);\s*errMsg:\s*([^\n]*)/.exec(message);
  if (text) return { errCode: Number(text[1]), errMsg: (text[2] ?? "").trim() };
  return void 0;
}
function numericCode(error) {
  const code = error?.code;
  if (typeof code === "number") return code;
  if (typeof code === "string" && /^-?\d+$/.test(code)) return Number(code);
  return void 0;
}
function rawMessage(error) {
  const message = error?.message;
  if (typeof message === "string") return message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
function toCiError(error, context) {
  if (error instanceof CiError) return error;
  const code = numericCode(error);
  const message = rawMessage(error).replace(/^Error:\s*/, "");
  const filePath = error?.path;
  if (code === CI_CODES.PARAM_ERROR) {
    const named = /"([^"]+)"/.exec(message)?.[1];
    const what = named ? `parameter "${named}"` : "a parameter";
    return new CiError(
      "parameter",
      code,
      `miniprogram-ci rejected ${what}: ${message}`,
      /appid/.test(message) ? 'Set the appid input or put "appid" in project.config.json.' : "Check the corresponding action input."
    );
  }
  if (code === CI_CODES.LOCAL_SIGNATURE) {
    return new CiError(
      "private-key",
      code,
      `miniprogram-ci could not sign the ${context.command} request (${message})`,
      "The private key is not a valid PEM RSA key; paste the whole file content including BEGIN/END lines (the code upload key from mp.weixin.qq.com \u2192 \u5F00\u53D1\u7BA1\u7406 \u2192 \u5F00\u53D1\u8BBE\u7F6E \u2192 \u5C0F\u7A0B\u5E8F\u4EE3\u7801\u4E0A\u4F20)."
    );
  }
  if (NETWORK_FAILURE.test(message) && (code === void 0 || code >= 2e4)) {
    const via = context.proxy ? ` through the proxy ${context.proxy}` : "";
    return new CiError(
      "network",
      code,
      `miniprogram-ci could not reach servicewechat.com${via}: ${message}`,
      context.proxy ? "Check that the proxy is running and allows CONNECT to servicewechat.com:443." : `Check the runner's network. If it needs a proxy, or you relay uploads through a host with a fixed egress IP, set the "proxy" input (miniprogram-ci only honours ci.proxy(), which that input sets).`
    );
  }
  const server = parseServerError(message);
  if (server) {
    const said = `WeChat answered errCode ${server.errCode}${server.errMsg ? ` (${server.errMsg})` : ""}`;
    if (IP_WHITELIST.test(server.errMsg)) {
      return new CiError(
        "ip-whitelist",
        code,
        `The ${context.command} of ${context.appid} was refused: ${said}`,
        `This is the code upload IP whitelist: add the runner's egress IP in mp.weixin.qq.com \u2192 \u5F00\u53D1\u7BA1\u7406 \u2192 \u5F00\u53D1\u8BBE\u7F6E \u2192 \u5C0F\u7A0B\u5E8F\u4EE3\u7801\u4E0A\u4F20 \u2192 IP\u767D\u540D\u5355, or turn the whitelist off (GitHub-hosted runners change IPs), or set the "proxy" input to a host with a fixed egress IP that is on the whitelist.`,
        server
      );
    }
    if (KEY_REJECTED.test(server.errMsg)) {
      return new CiError(
        "key-rejected",
        code,
        `The ${context.command} of ${context.appid} was refused: ${said}`,
        `The private key is well formed but WeChat does not accept it for ${context.appid}: use the code upload key of this appid (resetting the key in mp.weixin.qq.com invalidates the previous one).`,
        server
      );
    }
    return new CiError(
      "server",
      code,
      `The ${context.command} of ${context.appid} was refused: ${said}`,
      "Look up this errCode in the WeChat documentation; the request itself was sent correctly.",
      server
    );
  }
  if (typeof filePath === "string" && filePath) {
    return new CiError(
      "compile",
      code,
      `Compiling the mini program failed in ${filePath}${code ? ` (code ${code})` : ""}: ${message}`,
      "Fix the file and push again; WeChat DevTools reports the same error when it compiles the project."
    );
  }
  if (code !== void 0 && code >= 10001 && code < 2e4) {
    return new CiError(
      "compile",
      code,
      `Compiling the mini program failed (code ${code}): ${message}`,
      "Fix the project and push again; WeChat DevTools reports the same error when it compiles the project."
    );
  }
  return new CiError(
    "unknown",
    code,
    `miniprogram-ci ${context.command} failed${code !== void 0 ? ` (code ${code})` : ""}: ${message}`,
    ""
  );
}

// src/ci/loader.ts
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
var MINIPROGRAM_CI_VERSION = "2.1.42";
var COMPLETE_MARKER = ".complete";
var INSTALL_TIMEOUT_MS = 10 * 6e4;
function defaultToolCacheDir() {
  return process.env.RUNNER_TOOL_CACHE || os.tmpdir();
}
function lockfileHash(lockfileDir) {
  const lockfile = path.join(lockfileDir, "package-lock.json");
  let content;
  try {
    content = readFileSync(lockfile);
  } catch {
    throw new CiError(
      "setup",
      void 0,
      `The pinned miniprogram-ci lockfile is missing (${lockfile})`,
      "The action was packaged without dist/miniprogram-ci; use a released version of the action."
    );
  }
  return createHash("sha256").update(content).digest("hex").slice(0, 12);
}
function toolInstallDir(toolCacheDir, lockfileDir) {
  return path.join(toolCacheDir, "miniprogram-ci", MINIPROGRAM_CI_VERSION, lockfileHash(lockfileDir));
}
function searchFolders(projectPath, repositoryRoot) {
  const start = path.resolve(projectPath);
  let stop = repositoryRoot ? path.resolve(repositoryRoot) : void 0;
  if (!stop) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, ".git"))) {
        stop = dir;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  const folders = [start];
  if (!stop || path.relative(stop, start).startsWith("..")) return folders;
  for (let dir = start; dir !== stop && path.dirname(dir) !== dir; ) {
    dir = path.dirname(dir);
    folders.push(dir);
  }
  return folders;
}
function packageVersion(packageDir) {
  try {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    return typeof manifest.version === "string" ? manifest.version : "unknown";
  } catch {
    return "unknown";
  }
}
function requireFrom(folder) {
  return createRequire(path.join(folder, "package.json"))("miniprogram-ci");
}
function findInProject(projectPath, repositoryRoot) {
  for (const folder of searchFolders(projectPath, repositoryRoot)) {
    if (existsSync(path.join(folder, "node_modules", "miniprogram-ci", "package.json"))) return folder;
  }
  return void 0;
}
function isComplete(installDir) {
  return existsSync(path.join(installDir, COMPLETE_MARKER)) && existsSync(path.join(installDir, "node_modules", "miniprogram-ci", "package.json"));
}
function runNpmCi(cwd, log) {
  const args = ["ci", "--no-audit", "--no-fund", "--loglevel=error"];
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, {
      cwd,
      env: process.env,
      shell: process.platform === "win32",
      stdio: ["ignore", "pipe", "pipe"]
    });
    let output = "";
    const collect = (chunk) => {
      output = (output + chunk.toString()).slice(-8e3);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), INSTALL_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(
        new CiError(
          "setup",
          void 0,
          `Could not start npm to install miniprogram-ci ${MINIPROGRAM_CI_VERSION}: ${error.message}`,
          "npm must be on PATH (it is on GitHub-hosted runners), or add miniprogram-ci to the project's devDependencies."
        )
      );
    });
    child.on("close", (code, signal2) => {
      clearTimeout(timer);
      if (code === 0) {
        log.debug(redact(output.trim()));
        resolve();
        return;
      }
      reject(
        new CiError(
          "setup",
          void 0,
          `npm ci of miniprogram-ci ${MINIPROGRAM_CI_VERSION} failed (${signal2 ? `killed by ${signal2}` : `exit code ${code}`}): ${redact(output.trim().slice(-2e3))}`,
          `Check the runner can reach the npm registry (or its configured mirror), or add miniprogram-ci@${MINIPROGRAM_CI_VERSION} to the project's devDependencies and install it before this step.`
        )
      );
    });
  });
}
async function install(installDir, lockfileDir, log) {
  const parent = path.dirname(installDir);
  await mkdir(parent, { recursive: true });
  const staging = `${installDir}.tmp-${randomBytes(6).toString("hex")}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const file of ["package.json", "package-lock.json"]) {
      await copyFile(path.join(lockfileDir, file), path.join(staging, file));
    }
    await runNpmCi(staging, log);
    if (!existsSync(path.join(staging, "node_modules", "miniprogram-ci", "package.json"))) {
      throw new CiError(
        "setup",
        void 0,
        `npm ci finished but node_modules/miniprogram-ci is missing in ${staging}`,
        "The shipped lockfile does not list miniprogram-ci; use a released version of the action."
      );
    }
    await writeFile(path.join(staging, COMPLETE_MARKER), `${(/* @__PURE__ */ new Date()).toISOString()}
`);
    try {
      await rename(staging, installDir);
    } catch (error) {
      if (!isComplete(installDir)) {
        await rm(installDir, { recursive: true, force: true });
        await rename(staging, installDir);
      } else {
        log.debug(`Using the install another run completed first (${error.message}).`);
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
async function loadMiniprogramCi(options) {
  const started = Date.now();
  const { log } = options;
  const projectFolder = findInProject(options.projectPath, options.repositoryRoot);
  if (projectFolder) {
    const resolvedFrom2 = path.join(projectFolder, "node_modules", "miniprogram-ci");
    const version2 = packageVersion(resolvedFrom2);
    if (version2 !== MINIPROGRAM_CI_VERSION) {
      log.warning(
        `Using miniprogram-ci ${version2} from the project (${resolvedFrom2}); this action is tested with ${MINIPROGRAM_CI_VERSION}. Pin "miniprogram-ci": "${MINIPROGRAM_CI_VERSION}" in the project, or remove it to let the action install its own.`
      );
    } else {
      log.info(`Using miniprogram-ci ${version2} from the project (${resolvedFrom2}).`);
    }
    const ci2 = requireFrom(projectFolder);
    return { ci: ci2, source: "project", version: version2, resolvedFrom: resolvedFrom2, setupMs: Date.now() - started };
  }
  const installDir = toolInstallDir(options.toolCacheDir || defaultToolCacheDir(), options.lockfileDir);
  let source = "cache";
  if (isComplete(installDir)) {
    log.info(`Using miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the tool cache (${installDir}).`);
  } else {
    source = "installed";
    log.info(
      `Installing miniprogram-ci ${MINIPROGRAM_CI_VERSION} from the action's lockfile into ${installDir} (about 30 s; later runs on this runner reuse it).`
    );
    await install(installDir, options.lockfileDir, log);
  }
  const resolvedFrom = path.join(installDir, "node_modules", "miniprogram-ci");
  const version = packageVersion(resolvedFrom);
  const ci = requireFrom(installDir);
  return { ci, source, version, resolvedFrom, setupMs: Date.now() - started };
}

// src/ci/processes.ts
import { execFile } from "node:child_process";
import { readdirSync, readFileSync as readFileSync2 } from "node:fs";
import { promisify } from "node:util";
var execFileAsync = promisify(execFile);
async function listDescendants(rootPid = process.pid) {
  const found = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of await listChildren(pid)) {
      if (found.includes(child) || child === rootPid) continue;
      queue.push(child);
      if (isAlive(child)) found.push(child);
    }
  }
  return found;
}
async function listChildren(pid) {
  if (process.platform === "linux") return linuxChildren(pid);
  if (process.platform === "win32") return windowsChildren(pid);
  return pgrepChildren(pid);
}
function linuxChildren(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = /* @__PURE__ */ new Set();
  for (const task of tasks) {
    try {
      for (const field of readFileSync2(`/proc/${pid}/task/${task}/children`, "utf8").split(/\s+/)) {
        const child = Number(field);
        if (Number.isInteger(child) && child > 0) children.add(child);
      }
    } catch {
    }
  }
  return [...children];
}
async function pgrepChildren(pid) {
  try {
    const { stdout } = await execFileAsync("pgrep", ["-P", String(pid)]);
    return parsePidList(stdout);
  } catch {
    return [];
  }
}
async function windowsChildren(pid) {
  try {
    const { stdout } = await execFileAsync(
      "powershell.exe",
      [
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        `Get-CimInstance Win32_Process -Filter "ParentProcessId=${pid}" | ForEach-Object { $_.ProcessId }`
      ],
      { windowsHide: true }
    );
    return parsePidList(stdout);
  } catch {
    return [];
  }
}
function parsePidList(text) {
  return text.split(/\s+/).map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
}
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === "EPERM";
  }
  if (process.platform === "linux") {
    try {
      const stat = readFileSync2(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  }
  return true;
}
function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
  }
}
async function terminateChildProcesses(options = {}) {
  const except = new Set(options.except ?? []);
  const targets = (await listDescendants()).filter((pid) => !except.has(pid));
  if (targets.length === 0) return [];
  if (process.platform === "win32") {
    await Promise.all(
      targets.map(
        (pid) => execFileAsync("taskkill", ["/PID", String(pid), "/T", "/F"], { windowsHide: true }).catch(
          () => void 0
        )
      )
    );
    return targets;
  }
  for (const pid of targets) signal(pid, "SIGTERM");
  const deadline = Date.now() + (options.graceMs ?? 3e3);
  while (Date.now() < deadline && targets.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of targets.filter(isAlive)) signal(pid, "SIGKILL");
  const reapDeadline = Date.now() + 1e3;
  while (Date.now() < reapDeadline && targets.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return targets;
}

// src/ci/private-key.ts
import { createPrivateKey, randomBytes as randomBytes2 } from "node:crypto";
import { mkdir as mkdir2, readFile, rm as rm2, writeFile as writeFile2 } from "node:fs/promises";
import path2 from "node:path";
var PEM_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;
function normalisePem(text) {
  let candidate = text.trim().replace(/^["']|["']$/g, "");
  candidate = candidate.replace(/\\r\\n|\\n|\\r/g, "\n").replace(/\r\n?/g, "\n");
  if (!candidate.includes("-----BEGIN") && /^[A-Za-z0-9+/=\s]+$/.test(candidate)) {
    const decoded = Buffer.from(candidate.replace(/\s+/g, ""), "base64").toString("utf8");
    if (decoded.includes("-----BEGIN")) candidate = decoded.trim().replace(/\r\n?/g, "\n");
  }
  const match = PEM_BLOCK.exec(candidate);
  if (!match) return void 0;
  const label = match[1];
  const body = match[2].replace(/\s+/g, "");
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----
${lines.join("\n")}
-----END ${label}-----
`;
}
function registerKey(pem) {
  registerSecret(pem);
  const body = pem.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
  registerSecret(body);
}
async function resolvePrivateKey(source) {
  let input;
  let text;
  if (source.privateKey !== void 0 && source.privateKey.trim() !== "") {
    input = "private-key";
    text = source.privateKey;
    registerSecret(text);
  } else if (source.privateKeyPath) {
    input = "private-key-path";
    try {
      text = await readFile(source.privateKeyPath, "utf8");
    } catch (error) {
      throw new InputError(
        input,
        `cannot read ${source.privateKeyPath} (${error.code ?? "error"})`
      );
    }
    registerSecret(text);
  } else {
    throw new InputError(
      "private-key",
      "is required for preview and upload: the code upload key from mp.weixin.qq.com (\u5F00\u53D1\u7BA1\u7406 \u2192 \u5F00\u53D1\u8BBE\u7F6E \u2192 \u5C0F\u7A0B\u5E8F\u4EE3\u7801\u4E0A\u4F20), or set private-key-path"
    );
  }
  const pem = normalisePem(text);
  if (!pem) {
    throw new InputError(
      input,
      "is not a PEM private key; paste the whole key file including the -----BEGIN RSA PRIVATE KEY----- and -----END RSA PRIVATE KEY----- lines"
    );
  }
  registerKey(pem);
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") {
      throw new InputError(
        input,
        `is a ${key.asymmetricKeyType ?? "non-RSA"} key; WeChat code upload keys are RSA`
      );
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      input,
      "has PEM lines but the key inside cannot be read (truncated or altered while pasting); paste the whole key file again"
    );
  }
  return pem;
}
async function writePrivateKeyFile(pem, tempDir) {
  const folder = path2.join(tempDir, `wechat-ci-${randomBytes2(8).toString("hex")}`);
  await mkdir2(folder, { recursive: true, mode: 448 });
  const keyPath = path2.join(folder, "private.key");
  await writeFile2(keyPath, pem, { mode: 384, flag: "wx" });
  return {
    path: keyPath,
    dispose: () => rm2(folder, { recursive: true, force: true })
  };
}

// src/ci/project-config.ts
import { existsSync as existsSync2, readFileSync as readFileSync3 } from "node:fs";
import path3 from "node:path";
var PROJECT_TYPES = {
  miniprogram: "miniProgram",
  plugin: "miniProgramPlugin",
  game: "miniGame",
  gamePlugin: "miniGamePlugin"
};
function projectTypeFor(compileType) {
  return PROJECT_TYPES[compileType ?? "miniprogram"] ?? "miniProgram";
}
function readProjectConfig(projectPath) {
  const file = path3.join(projectPath, "project.config.json");
  if (!existsSync2(file)) {
    throw new InputError(
      "project-path",
      `${projectPath} has no project.config.json; point project-path at the folder WeChat DevTools opens`
    );
  }
  let raw;
  try {
    raw = JSON.parse(readFileSync3(file, "utf8"));
  } catch (error) {
    throw new InputError("project-path", `${file} is not valid JSON (${error.message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InputError("project-path", `${file} must hold a JSON object`);
  }
  const compileType = typeof raw.compileType === "string" ? raw.compileType : "miniprogram";
  const setting = typeof raw.setting === "object" && raw.setting !== null ? raw.setting : {};
  const packOptions = raw.packOptions ?? {};
  const packIgnore = Array.isArray(packOptions.ignore) ? packOptions.ignore.filter(
    (entry) => typeof entry === "object" && entry !== null && typeof entry.value === "string"
  ) : [];
  const miniprogramRoot = typeof raw.miniprogramRoot === "string" ? raw.miniprogramRoot : "";
  return {
    ...typeof raw.appid === "string" && raw.appid.trim() !== "" ? { appid: raw.appid.trim() } : {},
    miniprogramRoot,
    compileType,
    projectType: projectTypeFor(compileType),
    setting,
    packIgnore
  };
}
function miniprogramRootPath(projectPath, config) {
  return path3.resolve(projectPath, config.miniprogramRoot || ".");
}

// src/ci/run.ts
var DEFAULT_TIMEOUT_MS = 15 * 6e4;
var DEFAULT_HEARTBEAT_MS = 15e3;
var FULL_PACKAGE = "__FULL__";
var MAIN_PACKAGES = /* @__PURE__ */ new Set(["__APP__", "__GAME__"]);
function validate(options) {
  if (!Number.isInteger(options.robot) || options.robot < 1 || options.robot > 30) {
    throw new InputError("robot", `must be an integer from 1 to 30 (got ${String(options.robot)})`);
  }
  if (options.command === "upload" && !options.version.trim()) {
    throw new InputError("version", "must not be empty for upload");
  }
  if (options.proxy !== void 0) {
    let url;
    try {
      url = new URL(options.proxy);
    } catch {
      throw new InputError("proxy", "must be a URL such as http://proxy.example:3128");
    }
    if (url.password) registerSecret(decodeURIComponent(url.password));
  }
}
function mapSizes(result) {
  const sizes = { subpackages: [], plugins: [] };
  for (const entry of result.subPackageInfo ?? []) {
    if (entry.name === FULL_PACKAGE) sizes.total = entry.size;
    else if (MAIN_PACKAGES.has(entry.name)) sizes.main = entry.size;
    else sizes.subpackages.push({ name: entry.name, size: entry.size });
  }
  for (const plugin of result.pluginInfo ?? []) {
    sizes.plugins.push({ appid: plugin.pluginProviderAppid, version: plugin.version, size: plugin.size });
  }
  return sizes;
}
function compileSettingsFor(overrides) {
  return { useProjectConfig: true, ...overrides ?? {} };
}
function captureConsole(log) {
  const methods = ["log", "info", "debug", "warn", "error"];
  const originals = methods.map((name) => console[name]);
  let forwarding = false;
  methods.forEach((name, index) => {
    const original = originals[index];
    console[name] = (...args) => {
      if (forwarding) return original(...args);
      forwarding = true;
      try {
        const line = format(...args).replace(/\u001b\[[0-9;]*m/g, "");
        if (line.startsWith("[warn]")) log.info(redact(line));
        else log.debug(redact(line));
      } finally {
        forwarding = false;
      }
    };
  });
  return () => {
    methods.forEach((name, index) => {
      console[name] = originals[index];
    });
  };
}
var ProgressLog = class {
  constructor(log) {
    this.log = log;
  }
  log;
  seen = /* @__PURE__ */ new Set();
  lastStep = "";
  update = (progress) => {
    const { message, status } = typeof progress === "string" ? { message: progress, status: "info" } : { ...progress, status: progress.status ?? "info" };
    const text = (message ?? "").trim();
    if (!text) return;
    const key = `${status}\0${text}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (status === "warn") {
      this.log.warning(redact(`miniprogram-ci: ${text}`));
      return;
    }
    if (status === "done") return;
    this.lastStep = text;
    this.log.info(redact(status === "fail" ? `failed: ${text}` : text));
  };
};
var activeRun;
var watchingRejections = false;
function watchUnhandledRejections() {
  if (watchingRejections) return;
  watchingRejections = true;
  process.on("unhandledRejection", (reason) => {
    if (activeRun?.fail) {
      activeRun.fail(reason);
      return;
    }
    const text = reason?.message ?? String(reason);
    activeRun?.log.debug(redact(`miniprogram-ci reported after the run ended: ${String(text)}`));
  });
}
function withTimeout(work, timeoutMs, onTimeout) {
  work.catch(() => void 0);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
async function packNpmIfNeeded(ci, project, rootPath, requested, log) {
  const hasPackageJson = existsSync3(path4.join(rootPath, "package.json"));
  const enabled = requested ?? hasPackageJson;
  if (!enabled) return;
  if (!hasPackageJson) {
    throw new InputError(
      "pack-npm",
      `is on but ${rootPath} has no package.json to build miniprogram_npm from`
    );
  }
  if (!existsSync3(path4.join(rootPath, "node_modules"))) {
    throw new InputError(
      "pack-npm",
      `needs the mini program's dependencies installed: run npm ci in ${rootPath} before this step (or set pack-npm: false)`
    );
  }
  log.info("Building miniprogram_npm from the installed npm dependencies (\u6784\u5EFA npm).");
  const warnings = await ci.packNpm(project, {
    reporter: (message) => log.debug(redact(typeof message === "string" ? message : JSON.stringify(message)))
  });
  for (const warning of warnings.slice(0, 20)) {
    log.warning(
      redact(
        `pack-npm: ${warning.jsPath ?? ""}${warning.startLine ? `:${warning.startLine}` : ""} ${warning.msg ?? ""}`.trim()
      )
    );
  }
}
async function runMiniprogramCi(options) {
  const started = Date.now();
  const { log, command } = options;
  validate(options);
  const projectPath = path4.resolve(options.projectPath);
  const config = readProjectConfig(projectPath);
  const appid = options.appid ?? config.appid;
  if (!appid) {
    throw new InputError("appid", 'is required: set it or put "appid" in project.config.json');
  }
  const projectType = options.projectType ?? config.projectType;
  if (config.packIgnore.length > 0) {
    log.debug(
      `project.config.json packOptions.ignore: ${config.packIgnore.length} rule(s), applied by miniprogram-ci`
    );
  }
  const pem = await resolvePrivateKey({
    ...options.privateKey !== void 0 ? { privateKey: options.privateKey } : {},
    ...options.privateKeyPath !== void 0 ? { privateKeyPath: options.privateKeyPath } : {}
  });
  const tempDir = options.tempDir || process.env.RUNNER_TEMP || os2.tmpdir();
  const errorContext = { command, appid, proxy: options.proxy ? redact(options.proxy) : void 0 };
  let loaded;
  try {
    loaded = await loadMiniprogramCi({
      projectPath,
      toolCacheDir: options.toolCacheDir,
      lockfileDir: options.lockfileDir,
      log
    });
  } catch (error) {
    throw toCiError(error, errorContext);
  }
  const { ci } = loaded;
  watchUnhandledRejections();
  const setup = { source: loaded.source, version: loaded.version, setupMs: loaded.setupMs };
  log.info(
    `miniprogram-ci ${loaded.version} ready (${loaded.source}, ${(loaded.setupMs / 1e3).toFixed(1)} s).`
  );
  const qrcodePath = command === "preview" ? path4.resolve(options.qrcodeOutputPath ?? path4.join(tempDir, `wechat-preview-${appid}.jpg`)) : void 0;
  const pagePath = options.pagePath ? `${options.pagePath}${options.searchQuery ? `?${options.searchQuery}` : ""}` : void 0;
  const existingChildren = new Set(await listDescendants());
  const keyFile = await writePrivateKeyFile(pem, tempDir);
  const progress = new ProgressLog(log);
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const insideFailure = new Promise((_, reject) => {
    activeRun = { fail: reject, log };
  });
  insideFailure.catch(() => void 0);
  let restoreConsole;
  let heartbeat;
  let groupOpen = false;
  try {
    log.startGroup(`miniprogram-ci: compile and ${command}`);
    groupOpen = true;
    heartbeat = setInterval(() => {
      const elapsed = Math.round((Date.now() - started) / 1e3);
      log.info(
        redact(
          `\u2026 still working (${elapsed} s elapsed${progress.lastStep ? `; last step: ${progress.lastStep}` : ""})`
        )
      );
    }, heartbeatMs);
    heartbeat.unref();
    restoreConsole = captureConsole(log);
    if (options.proxy) ci.proxy(options.proxy);
    const work = (async () => {
      const project = new ci.Project({
        projectPath,
        type: projectType,
        appid,
        privateKeyPath: keyFile.path
      });
      await project.attr();
      await packNpmIfNeeded(ci, project, miniprogramRootPath(projectPath, config), options.packNpm, log);
      const common = {
        project,
        version: options.version,
        desc: options.description,
        robot: options.robot,
        setting: compileSettingsFor(options.compileSettings),
        onProgressUpdate: progress.update,
        ...options.threads ? { threads: options.threads } : {}
      };
      if (command === "upload") return ci.upload(common);
      if (qrcodePath) await mkdir3(path4.dirname(qrcodePath), { recursive: true });
      return ci.preview({
        ...common,
        qrcodeFormat: "image",
        qrcodeOutputDest: qrcodePath,
        ...options.pagePath ? { pagePath: options.pagePath } : {},
        ...options.searchQuery ? { searchQuery: options.searchQuery } : {},
        ...options.scene ? { scene: options.scene } : {}
      });
    })();
    let result;
    try {
      result = await withTimeout(
        Promise.race([work, insideFailure]),
        timeoutMs,
        () => new CiError(
          "timeout",
          void 0,
          `miniprogram-ci ${command} did not finish within ${Math.round(timeoutMs / 1e3)} s` + (progress.lastStep ? ` (last step: ${progress.lastStep})` : ""),
          "Large projects compile for minutes on two cores: raise ci-timeout-minutes, or check the network to servicewechat.com if the compile had finished."
        )
      );
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw toCiError(error, errorContext);
    }
    const sizes = mapSizes(result);
    return {
      appid,
      version: options.version,
      description: options.description,
      robot: options.robot,
      sizes,
      ...qrcodePath ? { qrcodePath } : {},
      ...pagePath ? { pagePath } : {},
      durationMs: Date.now() - started,
      setup
    };
  } finally {
    activeRun = { log };
    clearInterval(heartbeat);
    const ended = await terminateChildProcesses({ except: existingChildren });
    if (ended.length > 0) log.debug(`Ended ${ended.length} miniprogram-ci process(es): ${ended.join(", ")}`);
    restoreConsole?.();
    if (groupOpen) log.endGroup();
    await keyFile.dispose();
  }
}
export {
  CiError,
  MINIPROGRAM_CI_VERSION,
  compileSettingsFor,
  mapSizes,
  runMiniprogramCi,
  terminateChildProcesses
};
