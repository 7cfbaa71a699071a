import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{SAVE_STATE,actionsInstallCache,parseSaveRequest,saveRecordedInstall}from"./ci-install-cache.js";import"./actions-exec.js";import"./esbuild-runtime.js";export{SAVE_STATE,actionsInstallCache,parseSaveRequest,saveRecordedInstall};
