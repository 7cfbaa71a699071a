import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/errors.ts
var InputError = class extends Error {
  constructor(input, rule) {
    super(`Input "${input}": ${rule}`);
    this.input = input;
    this.rule = rule;
  }
  input;
  rule;
  name = "InputError";
};
function errorMessage(error) {
  if (error instanceof Error) return error.message;
  return String(error);
}

// src/redact.ts
var secrets = /* @__PURE__ */ new Set();
var onRegister;
function setSecretSink(sink) {
  onRegister = sink;
}
function registerSecret(value) {
  if (!value) return;
  const trimmed = value.trim();
  if (trimmed.length < 6 || secrets.has(trimmed)) return;
  secrets.add(trimmed);
  onRegister?.(trimmed);
  if (trimmed.includes("\n")) {
    for (const line of trimmed.split(/\r?\n/)) {
      if (line.trim().length >= 16) registerSecret(line);
    }
  }
}
var TOKEN_PARAM = /((?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)=)[^&\s"'#]+/gi;
var TOKEN_FIELD = /("(?:access_token|component_access_token|authorizer_access_token|authorizer_refresh_token|component_appsecret|component_verify_ticket|secret|appsecret)"\s*:\s*")[^"]*"/gi;
function redact(text) {
  let out = text.replace(TOKEN_PARAM, "$1***").replace(TOKEN_FIELD, '$1***"');
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join("***");
  }
  return out;
}

export {
  __require,
  __commonJS,
  __export,
  __toESM,
  InputError,
  errorMessage,
  setSecretSink,
  registerSecret,
  redact
};
