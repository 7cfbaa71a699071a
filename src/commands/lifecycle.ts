/**
 * sync, release, gray, revert-gray, rollback, withdraw and speedup: the same pipeline with a different
 * decision. Check runs report status only; people act through these commands (workflow_dispatch).
 */
import type { RunContext } from '../context.js'
import { tagNamesVersion, versionFromTag } from '../context.js'
import { InputError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { ReleaseCommand } from '../release/settings.js'
import { gitHubFor } from './github.js'
import { realTime, runPipeline, type Pipeline } from './pipeline.js'
import { resolveTargets } from './targets.js'
import type { CommandResult } from './types.js'
import { wechatClientFor } from './wechat.js'

export async function execute(inputs: Inputs, context: RunContext): Promise<CommandResult> {
  const command = inputs.command as ReleaseCommand
  const version = inputs.version ?? versionFromTag(context.tag)
  const targets = resolveTargets(inputs, context)
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
    ...(version ? { version } : {}),
    // A tag push names the version of its commit.
    ...(version && tagNamesVersion(context.tag, version) ? { versionAtRunCommit: version } : {}),
    startedAt: realTime.clock(),
    ...realTime
  }
  try {
    return await runPipeline(pipeline, targets)
  } finally {
    await client.close()
  }
}
