// Types of process-alive.mjs.
export declare function processAlive(pid: number): boolean
