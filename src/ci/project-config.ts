/** project.config.json as WeChat DevTools reads it: where the code is, which appid, how to compile. */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { InputError } from '../errors.js'
import type { ProjectType } from './types.js'

export interface ProjectConfig {
  appid?: string
  /** The folder with app.json (or game.json), relative to the project; '' for the project root. */
  miniprogramRoot: string
  compileType: string
  projectType: ProjectType
  /** The `setting` object DevTools compiles with. */
  setting: Record<string, unknown>
  /** `packOptions.ignore` entries; miniprogram-ci applies them itself, they are read for the log. */
  packIgnore: Array<{ type: string; value: string }>
}

/** compileType in project.config.json → miniprogram-ci's project type. */
const PROJECT_TYPES: Record<string, ProjectType> = {
  miniprogram: 'miniProgram',
  plugin: 'miniProgramPlugin',
  game: 'miniGame',
  gamePlugin: 'miniGamePlugin'
}

export function projectTypeFor(compileType: string | undefined): ProjectType {
  return PROJECT_TYPES[compileType ?? 'miniprogram'] ?? 'miniProgram'
}

export function readProjectConfig(projectPath: string): ProjectConfig {
  const file = path.join(projectPath, 'project.config.json')
  if (!existsSync(file)) {
    throw new InputError(
      'project-path',
      `${projectPath} has no project.config.json; point project-path at the folder WeChat DevTools opens`
    )
  }
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new InputError('project-path', `${file} is not valid JSON (${(error as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError('project-path', `${file} must hold a JSON object`)
  }
  const compileType = typeof raw.compileType === 'string' ? raw.compileType : 'miniprogram'
  const setting =
    typeof raw.setting === 'object' && raw.setting !== null ? (raw.setting as Record<string, unknown>) : {}
  const packOptions = (raw.packOptions ?? {}) as { ignore?: unknown }
  const packIgnore = Array.isArray(packOptions.ignore)
    ? packOptions.ignore.filter(
        (entry): entry is { type: string; value: string } =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as { value?: unknown }).value === 'string'
      )
    : []
  // Games keep their code under miniprogramRoot too when set; plugins use pluginRoot for the plugin itself.
  const miniprogramRoot = typeof raw.miniprogramRoot === 'string' ? raw.miniprogramRoot : ''
  return {
    ...(typeof raw.appid === 'string' && raw.appid.trim() !== '' ? { appid: raw.appid.trim() } : {}),
    miniprogramRoot,
    compileType,
    projectType: projectTypeFor(compileType),
    setting,
    packIgnore
  }
}

/** Absolute path of the folder holding app.json. */
export function miniprogramRootPath(projectPath: string, config: ProjectConfig): string {
  return path.resolve(projectPath, config.miniprogramRoot || '.')
}
