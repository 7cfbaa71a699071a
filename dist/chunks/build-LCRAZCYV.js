import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{compile,describeUpload,execute,packageSizeOutput,uploadVersion}from"./chunk-BRU5PQGO.js";import"./chunk-HVTT7AYO.js";import"./chunk-SZJ47KGR.js";import"./chunk-DH43WCJZ.js";export{compile,describeUpload,execute,packageSizeOutput,uploadVersion};
