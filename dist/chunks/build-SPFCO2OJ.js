import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{compile,describeUpload,execute,packageSizeOutput,uploadVersion}from"./chunk-TW4KDXLM.js";import"./chunk-DX7DQXXB.js";import"./chunk-BLL6HJKI.js";import"./chunk-DH43WCJZ.js";export{compile,describeUpload,execute,packageSizeOutput,uploadVersion};
