/**
 * The part of miniprogram-ci's API the action uses, typed here rather than imported: its own typings
 * pull in files the package does not ship, and a type-only view keeps the package out of the bundle.
 * Shapes follow `dist/@types/ci/*.d.ts` and the minified code of the pinned version.
 */

export type ProjectType = 'miniProgram' | 'miniProgramPlugin' | 'miniGame' | 'miniGamePlugin'

export interface CiProjectOptions {
  projectPath: string
  type: ProjectType
  appid: string
  privateKeyPath: string
  ignores?: string[]
}

/** An opaque `ci.Project` instance; only passed back into the other calls. */
export interface CiProject {
  readonly appid: string
  readonly type: string
  readonly miniprogramRoot: string
  /** Fetches (getrandstr + signed getattr) and caches the app's attributes; the compile reuses them. */
  attr(): Promise<unknown>
}

/** `setting` of upload/preview: compile switches, `useProjectConfig` merges them over project.config.json. */
export type CompileSettings = { useProjectConfig?: boolean } & Record<string, unknown>

export interface CiProgress {
  id?: string
  message?: string
  status?: 'doing' | 'done' | 'fail' | 'warn' | 'info' | string
}

export interface CiUploadOptions {
  project: CiProject
  version: string
  desc?: string
  robot?: number
  setting?: CompileSettings
  threads?: number
  useCOS?: boolean
  onProgressUpdate?: (progress: CiProgress | string) => void
}

export interface CiPreviewOptions extends CiUploadOptions {
  qrcodeFormat: 'image' | 'base64' | 'terminal'
  qrcodeOutputDest: string
  pagePath?: string
  searchQuery?: string
  scene?: number
}

export interface CiSubPackageInfo {
  name: string
  size: number
}

export interface CiPluginInfo {
  pluginProviderAppid: string
  version: string
  size: number
}

export interface CiUploadResult {
  subPackageInfo?: CiSubPackageInfo[]
  pluginInfo?: CiPluginInfo[]
  devPluginId?: string
  strUint64Version?: string
}

export interface CiPackNpmWarning {
  jsPath?: string
  code?: string
  msg?: string
  startLine?: number
  endLine?: number
}

export interface MiniprogramCi {
  Project: new (options: CiProjectOptions) => CiProject
  upload(options: CiUploadOptions): Promise<CiUploadResult>
  preview(options: CiPreviewOptions): Promise<CiUploadResult>
  packNpm(
    project: CiProject,
    options?: { ignores?: string[]; reporter?: (message: unknown) => void }
  ): Promise<CiPackNpmWarning[]>
  /** The only proxy switch that works: the documented `proxy` option field is ignored. */
  proxy(url: string): void
}
