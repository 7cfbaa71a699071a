/**
 * What @actions/cache and @actions/glob get when they import @actions/core (scripts/build.mjs points their
 * imports here): their lines go through the action's log, redacted like every other line, and their
 * errors (a cache service answering 5xx) become warnings, because a cache never fails a run. Everything
 * else is @actions/core's own.
 */
import { log } from '../log.js'
import { registerSecret } from '../redact.js'

export * from '@actions/core'

export function info(message: string): void {
  log.info(message)
}

export function debug(message: string): void {
  log.debug(message)
}

export function warning(message: string | Error): void {
  log.warning(message instanceof Error ? message.message : message)
}

export function error(message: string | Error): void {
  warning(message)
}

/** The signatures of the cache's download and upload URLs: masked by the runner and redacted here. */
export function setSecret(secret: string): void {
  registerSecret(secret)
}
