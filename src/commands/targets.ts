/**
 * Which mini programs a command acts on: `targets`, else `appid`, else what the project says
 * (ext.json's extAppid for the direct route, otherwise project.config.json's appid).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { RunContext } from '../context.js'
import { errorMessage, InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'

interface ProjectFiles {
  appid?: string
  extAppid?: string
  directCommit: boolean
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InputError('project-path', `${path.basename(file)} is not valid JSON (${errorMessage(error)})`)
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined
}

export function readProjectFiles(inputs: Inputs, context: RunContext): ProjectFiles {
  const projectPath = path.resolve(context.workspace, inputs.projectPath)
  const config = readJson(path.join(projectPath, 'project.config.json'))
  const root = typeof config?.miniprogramRoot === 'string' ? config.miniprogramRoot : ''
  const ext = readJson(path.join(projectPath, root, 'ext.json'))
  return {
    ...(typeof config?.appid === 'string' ? { appid: config.appid } : {}),
    ...(typeof ext?.extAppid === 'string' && ext.extEnable === true ? { extAppid: ext.extAppid } : {}),
    directCommit: ext?.extEnable === true && ext?.directCommit === true
  }
}

export function resolveTargets(inputs: Inputs, context: RunContext): string[] {
  if (inputs.targets.length > 0) return inputs.targets
  if (inputs.appid) return [inputs.appid]
  const project = readProjectFiles(inputs, context)
  const appid = project.extAppid ?? project.appid
  if (!appid) {
    throw new InputError(
      'targets',
      'no mini program to act on: set targets or appid (no project.config.json or ext.json with an appid was found)'
    )
  }
  return [appid]
}
