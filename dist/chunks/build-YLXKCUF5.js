import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  compile,
  describeUpload,
  execute,
  packageSizeOutput,
  uploadVersion
} from "./chunk-EWBBKAOY.js";
import "./chunk-AX2LIVPV.js";
import "./chunk-BAW73DMT.js";
import "./chunk-SLBY5ZIU.js";
export {
  compile,
  describeUpload,
  execute,
  packageSizeOutput,
  uploadVersion
};
