// Types of dist-stamp.mjs (plain JavaScript: the build and Jest's global setup run it without a compiler).
export declare const BUILD_INPUTS: readonly string[]
export declare function writeDistStamp(root: string): void
export declare function distIsCurrent(root: string): boolean
