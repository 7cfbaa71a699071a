/**
 * The runner boundary: read inputs and context, run one command, write outputs and the job summary,
 * and fail the step on any error. Everything below takes plain values and returns plain values.
 */
import * as core from '@actions/core'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CommandResult } from './commands/types.js'
import { readContext } from './context.js'
import { errorMessage } from './errors.js'
import { checkPathsInWorkspace, readInputs, UPLOADING_COMMANDS, type Command, type Inputs } from './inputs.js'
import { asOwnCommand, exitAfterOutput, guardProcessOutput, log } from './log.js'
import { redact, redactOutput, registerProxyEnvironment, setSecretSink } from './redact.js'
import { writeJobSummary } from './github/job-summary.js'

/** Each command's module is loaded only when it runs: sync and friends never load the upload code. */
const COMMAND_MODULES: Record<Command, () => Promise<{ execute: CommandExecutor }>> = {
  preview: () => import('./commands/build.js'),
  upload: () => import('./commands/build.js'),
  submit: () => import('./commands/submit.js'),
  sync: () => import('./commands/lifecycle.js'),
  release: () => import('./commands/lifecycle.js'),
  gray: () => import('./commands/lifecycle.js'),
  'revert-gray': () => import('./commands/lifecycle.js'),
  rollback: () => import('./commands/lifecycle.js'),
  withdraw: () => import('./commands/lifecycle.js'),
  speedup: () => import('./commands/lifecycle.js')
}

export type CommandExecutor = (
  inputs: Inputs,
  context: ReturnType<typeof readContext>
) => Promise<CommandResult>

function actionRoot(): string {
  // dist/index.js → the action's folder (holds dist/miniprogram-ci/ with the pinned lockfile).
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
}

export async function run(): Promise<void> {
  // From here on only the action's own log lines can be runner commands; anything else is neutralised.
  guardProcessOutput()
  setSecretSink((value) => log.mask(value))
  registerProxyEnvironment(process.env)
  let loadedMiniprogramCi = false
  try {
    const inputs = readInputs((name) => core.getInput(name))
    const context = readContext(process.env, actionRoot())
    checkPathsInWorkspace(inputs, context.workspace, context.runnerTemp)
    loadedMiniprogramCi = context.eventName !== 'issues' && UPLOADING_COMMANDS.includes(inputs.command)
    if (inputs.dryRun) log.info('Dry run: every write to WeChat and GitHub is printed, none is made.')
    // On an issue event the ticked dashboard box decides what runs, whatever `command` says.
    const { execute } =
      context.eventName === 'issues'
        ? await import('./commands/dashboard-event.js')
        : await COMMAND_MODULES[inputs.command]()
    const result = await execute(inputs, context)
    for (const [name, value] of Object.entries(result.outputs)) {
      if (value !== undefined) asOwnCommand(() => core.setOutput(name, redactOutput(String(value))))
    }
    await writeJobSummary(redact(result.summary))
    if (result.failures.length > 0) log.fail(result.failures.join('\n'))
  } catch (error) {
    log.fail(errorMessage(error))
    if (error instanceof Error && error.stack) log.debug(error.stack)
  } finally {
    if (loadedMiniprogramCi) {
      // miniprogram-ci leaves its compiler process running (and with it our event loop) after errors.
      const { terminateChildProcesses } = await import('./ci/run.js')
      await terminateChildProcesses()
      await exitAfterOutput()
    }
  }
}
