/**
 * sync, release, gray, revert-gray, rollback, withdraw and speedup: the same pipeline with a different
 * decision. A check-run button (check_run: requested_action) runs here too, as gray/release/revert-gray.
 */
import type { RunContext } from '../context.js'
import { versionFromTag } from '../context.js'
import { InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import { log } from '../log.js'
import { actionForIdentifier } from '../release/decide.js'
import type { ReleaseCommand } from '../release/settings.js'
import { gitHubFor } from './github.js'
import { runPipeline, type Pipeline } from './pipeline.js'
import { resolveTargets } from './targets.js'
import type { CommandResult } from './types.js'
import { wechatClientFor } from './wechat.js'

/** `wechat-gray:<appid>:<version>`, the external id of a gray check run. */
function parseGrayExternalId(externalId: string | undefined): { appid: string; version: string } | undefined {
  const match = /^wechat-gray:(wx[0-9a-f]{16}):(.+)$/.exec(externalId ?? '')
  return match ? { appid: match[1] as string, version: match[2] as string } : undefined
}

export async function execute(inputs: Inputs, context: RunContext): Promise<CommandResult> {
  let command = inputs.command as ReleaseCommand
  let advance = false
  let version = inputs.version ?? versionFromTag(context.tag)
  let targets: string[] | undefined
  let nameTargetCount: number | undefined

  const pressed = context.requestedAction
  if (pressed) {
    const button = actionForIdentifier(pressed.identifier)
    const origin = parseGrayExternalId(pressed.externalId)
    if (!button || !origin) {
      log.info(`The check-run button "${pressed.identifier}" is not one of this action's; nothing to do.`)
      return { outputs: {}, summary: '', failures: [] }
    }
    command = button.command
    advance = 'advance' in button
    version = origin.version
    targets = [origin.appid]
    // Keep the check-run name the button was pressed on ("… (wx…)" when the run covered several targets).
    if (pressed.checkRunName?.includes(`(${origin.appid})`)) nameTargetCount = 2
    log.info(
      `Check-run button "${pressed.identifier}": ${command}${advance ? ' (next step)' : ''} for ${origin.appid} ${origin.version}`
    )
  }
  targets ??= resolveTargets(inputs, context)
  if (command === 'release' && !version) {
    throw new InputError(
      'version',
      'release needs the version you mean (input version, or run it from a v1.2.3 tag)'
    )
  }

  const client = wechatClientFor(inputs, targets)
  const pipeline: Pipeline = {
    inputs,
    context,
    client,
    github: gitHubFor(inputs, context),
    command,
    advance,
    ...(version ? { version } : {}),
    // A button is pressed on the version's own check run; a tag push names the version of its commit.
    ...(pressed && version ? { versionAtRunCommit: version } : {}),
    ...(!pressed && context.tag && version === versionFromTag(context.tag)
      ? { versionAtRunCommit: version }
      : {}),
    ...(nameTargetCount ? { nameTargetCount } : {}),
    startedAt: Date.now()
  }
  try {
    return await runPipeline(pipeline, targets)
  } finally {
    await client.close()
  }
}
