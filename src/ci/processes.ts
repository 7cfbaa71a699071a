/**
 * miniprogram-ci forks a compiler process (which starts its own workers) and only stops it after a
 * successful upload; after an error or a timeout the compiler stays up for ten minutes and keeps our
 * process alive. These helpers find every descendant of this process and end it.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/**
 * Every live descendant of `rootPid` (children, grandchildren, …), parents before their children.
 * Zombies (ended, not yet reaped by their parent) are not listed: they hold nothing but a pid.
 */
export async function listDescendants(rootPid: number = process.pid): Promise<number[]> {
  const found: number[] = []
  const queue = [rootPid]
  while (queue.length > 0) {
    const pid = queue.shift() as number
    for (const child of await listChildren(pid)) {
      if (found.includes(child) || child === rootPid) continue
      queue.push(child)
      if (isAlive(child)) found.push(child)
    }
  }
  return found
}

async function listChildren(pid: number): Promise<number[]> {
  if (process.platform === 'linux') return linuxChildren(pid)
  if (process.platform === 'win32') return windowsChildren(pid)
  return pgrepChildren(pid)
}

function linuxChildren(pid: number): number[] {
  // Each thread has its own children file; the compiler is forked from whichever thread ran the call.
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const children = new Set<number>()
  for (const task of tasks) {
    try {
      for (const field of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/)) {
        const child = Number(field)
        if (Number.isInteger(child) && child > 0) children.add(child)
      }
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return [...children]
}

async function pgrepChildren(pid: number): Promise<number[]> {
  try {
    const { stdout } = await execFileAsync('pgrep', ['-P', String(pid)])
    return parsePidList(stdout)
  } catch {
    // pgrep exits 1 when there are no children.
    return []
  }
}

async function windowsChildren(pid: number): Promise<number[]> {
  try {
    const { stdout } = await execFileAsync(
      'powershell.exe',
      [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        `Get-CimInstance Win32_Process -Filter "ParentProcessId=${pid}" | ForEach-Object { $_.ProcessId }`
      ],
      { windowsHide: true }
    )
    return parsePidList(stdout)
  } catch {
    return []
  }
}

function parsePidList(text: string): number[] {
  return text
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0)
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // Field 3, after the parenthesised command name, is the state.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      return state !== 'Z' && state !== 'X'
    } catch {
      return false
    }
  }
  return true
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

export interface TerminateOptions {
  /** Leave these alone (for example processes that existed before a run started). */
  except?: Iterable<number>
  /** How long SIGTERM gets before SIGKILL. */
  graceMs?: number
}

/**
 * Ends every descendant of this process: SIGTERM, then SIGKILL for whatever is still alive after the
 * grace period (Windows: `taskkill /T /F`, which has no gentle form for these processes).
 * Returns the pids that were signalled.
 */
export async function terminateChildProcesses(options: TerminateOptions = {}): Promise<number[]> {
  const except = new Set(options.except ?? [])
  const targets = (await listDescendants()).filter((pid) => !except.has(pid))
  if (targets.length === 0) return []

  if (process.platform === 'win32') {
    await Promise.all(
      targets.map((pid) =>
        execFileAsync('taskkill', ['/PID', String(pid), '/T', '/F'], { windowsHide: true }).catch(
          () => undefined
        )
      )
    )
    return targets
  }

  for (const pid of targets) signal(pid, 'SIGTERM')
  const deadline = Date.now() + (options.graceMs ?? 3000)
  while (Date.now() < deadline && targets.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  for (const pid of targets.filter(isAlive)) signal(pid, 'SIGKILL')
  // Give the event loop a moment to reap direct children so no zombie outlives the call.
  const reapDeadline = Date.now() + 1000
  while (Date.now() < reapDeadline && targets.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return targets
}
