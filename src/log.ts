/** The action's log: @actions/core with every line redacted first. */
import * as core from '@actions/core'
import { redact } from './redact.js'

export interface Log {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

export const log: Log = {
  info: (message) => core.info(redact(message)),
  warning: (message) => core.warning(redact(message)),
  error: (message) => core.error(redact(message)),
  debug: (message) => core.debug(redact(message)),
  startGroup: (name) => core.startGroup(redact(name)),
  endGroup: () => core.endGroup()
}
