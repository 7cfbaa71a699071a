import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  compile,
  describeUpload,
  execute,
  packageSizeOutput,
  uploadVersion
} from "./chunk-ODATJO6Q.js";
import "./chunk-QLTGABCN.js";
import "./chunk-GF7QCOQF.js";
import "./chunk-SLBY5ZIU.js";
export {
  compile,
  describeUpload,
  execute,
  packageSizeOutput,
  uploadVersion
};
