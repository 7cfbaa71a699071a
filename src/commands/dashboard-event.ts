/**
 * The `issues` event: someone edited an issue, perhaps ticking boxes of the release dashboard. Whatever
 * `command` says, the ticked box decides what runs. Each box ticked by this edit is checked in order:
 *
 * 1. the issue is the action's own dashboard (the marker on its first line, created by the action's identity);
 * 2. the person's repository permission is at least `control-permission`;
 * 3. the box's appid is one of the workflow's `appid` / `targets`;
 *    (no WeChat call for a box that fails 1–3)
 * 4. the command's own input rules hold, and WeChat's state read now still offers the box, with the
 *    fingerprint it was rendered with (checked inside the pipeline, on the observation it decides from).
 *
 * Then the box's command runs through the same pipeline as workflow_dispatch runs it (the same rules, dry
 * run, idempotence). The dashboard is rendered again (the box unticked, the operation logged) and every
 * ticked box gets a comment that mentions the person and says what happened, or why nothing did.
 */
import { createHash } from 'node:crypto'
import type { IssueEvent, RunContext } from '../context.js'
import {
  authorizeTick,
  commandFor,
  findNewTicks,
  isOwnEdit,
  matchTick,
  notObserved,
  operationFor,
  renderOutcomeComment,
  UNKNOWN_VERSION,
  type OperationEntry,
  type OperationResult,
  type RepositoryPermission,
  type Tick
} from '../dashboard/index.js'
import { errorMessage } from '../errors.js'
import type { GitHubClient, IssueRef } from '../github/client.js'
import { checkCommandRules, type Inputs } from '../inputs.js'
import { log } from '../log.js'
import type { ReleaseCommand } from '../release/settings.js'
import { inlineText } from '../report/markdown.js'
import type { TargetReport } from '../report/summary.js'
import type { WeChatClient } from '../wechat/client.js'
import { CommitFinder } from './commits.js'
import { observeForDashboard, updateDashboard } from './dashboard.js'
import { gitHubFor } from './github.js'
import { realTime, releaseSettings, runPipelineReports, type Pipeline } from './pipeline.js'
import { resolveTargets } from './targets.js'
import type { CommandResult } from './types.js'
import { wechatClientFor } from './wechat.js'

/** What became of one ticked box. */
interface Answer {
  tick: Tick
  outcome: OperationResult
  /** One sentence: what happened, or why nothing did (worded to follow "Refused because"). */
  message: string
  /** The box passed the checks that need no WeChat call, so WeChat was read for it. */
  reachedWeChat: boolean
  /** The pipeline's result, when the box's command ran. */
  result?: CommandResult
}

function summaryOf(lines: string[]): string {
  return ['## WeChat release dashboard', '', ...lines, ''].join('\n')
}

function nothingToDo(line: string): CommandResult {
  log.info(line)
  return { outputs: {}, summary: summaryOf([inlineText(line)]), failures: [] }
}

/** The edit to act on, or why there is nothing to do. */
function editToHandle(inputs: Inputs, event: IssueEvent | undefined): string | IssueEvent {
  if (!event) return 'The issues event names no issue or sender; nothing to do.'
  if (event.action !== 'edited') {
    return `Issue #${event.issueNumber} was ${event.action}; only an edit of the release dashboard (a ticked box) starts an operation. Nothing to do.`
  }
  if (!inputs.dashboard) return 'dashboard is false, so ticked boxes are not acted on. Nothing to do.'
  return event
}

export async function execute(inputs: Inputs, context: RunContext): Promise<CommandResult> {
  const edit = editToHandle(inputs, context.issueEvent)
  if (typeof edit === 'string') return nothingToDo(edit)
  const github = gitHubFor(inputs, context)
  if (!github) return nothingToDo('Without github-token the dashboard cannot be read; nothing to do.')
  const identity = { login: await github.ownLogin() }
  // GITHUB_TOKEN's edits start no workflow; an App token's do, and they are the action's own re-renders.
  if (isOwnEdit(edit.sender, identity)) {
    return nothingToDo(`Issue #${edit.issueNumber} was edited by the action itself; nothing to do.`)
  }
  const ticks = findNewTicks(edit.bodyBefore, edit.body)
  if (ticks.length === 0) {
    return nothingToDo(
      `No dashboard box was ticked in this edit of issue #${edit.issueNumber}; nothing to do.`
    )
  }
  const issue = await github.getIssue(edit.issueNumber)
  if (!issue) return nothingToDo(`Issue #${edit.issueNumber} is gone; nothing to do.`)
  return new TickRun(inputs, context, github, edit, issue, identity).handle(ticks)
}

class TickRun {
  private readonly configured: string[]
  private client: WeChatClient | undefined
  private permission: Promise<RepositoryPermission | undefined> | undefined

  constructor(
    private readonly inputs: Inputs,
    private readonly context: RunContext,
    private readonly github: GitHubClient,
    private readonly edit: IssueEvent,
    private readonly issue: IssueRef,
    private readonly identity: { login: string }
  ) {
    this.configured = resolveTargets(inputs, context)
  }

  async handle(ticks: Tick[]): Promise<CommandResult> {
    try {
      const answers: Answer[] = []
      const operations: OperationEntry[] = []
      for (const tick of ticks) {
        const answer = await this.answer(tick)
        answers.push(answer)
        if (answer.reachedWeChat) {
          operations.unshift(
            operationFor(tick.marker, {
              actor: this.edit.sender.login,
              at: this.wechat().now(),
              result: answer.outcome,
              message: answer.message,
              runId: this.context.runId
            })
          )
        }
      }
      const lines: string[] = []
      // A box refused before WeChat was read leaves the dashboard as it is: rendering it would read WeChat.
      if (operations.length > 0) lines.push(...(await this.rerender(operations)))
      lines.push(...(await this.comment(answers)))
      return this.result(answers, lines)
    } finally {
      await this.client?.close()
    }
  }

  private wechat(): WeChatClient {
    this.client ??= wechatClientFor(this.inputs, this.configured)
    return this.client
  }

  /** The sender's permission, read once; undefined when it cannot be read (then it is never enough). */
  private senderPermission(): Promise<RepositoryPermission | undefined> {
    this.permission ??= this.github.getCollaboratorPermission(this.edit.sender.login).then(
      (reply) => ({ permission: reply.permission, role_name: reply.roleName }),
      (error: unknown) => {
        log.warning(`The permission of ${this.edit.sender.login} could not be read: ${errorMessage(error)}`)
        return undefined
      }
    )
    return this.permission
  }

  private async answer(tick: Tick): Promise<Answer> {
    const refused = authorizeTick({
      tick,
      issue: { number: this.issue.number, author: this.issue.author, body: this.issue.body },
      identity: this.identity,
      sender: this.edit.sender,
      senderPermission: await this.senderPermission(),
      requiredPermission: this.inputs.controlPermission,
      configuredAppids: this.configured
    })
    if (refused) {
      log.info(`Box "${tick.marker.control}" of ${tick.marker.appid} refused: ${refused.message}`)
      return { tick, outcome: 'refused', message: refused.message, reachedWeChat: false }
    }
    const inputs = this.inputsFor(tick)
    try {
      checkCommandRules(inputs)
    } catch (error) {
      const message = `this workflow's inputs do not allow it: ${errorMessage(error)}`
      return { tick, outcome: 'refused', message, reachedWeChat: false }
    }
    return this.run(tick, inputs)
  }

  /** The workflow's inputs with the box's command and the settings that name its target. */
  private inputsFor(tick: Tick): Inputs {
    const { command, version, grayPercent, rollbackTo } = commandFor(tick.marker)
    return {
      ...this.inputs,
      command,
      version: version === undefined || version === UNKNOWN_VERSION ? undefined : version,
      grayPercent,
      rollbackTo
    }
  }

  private async run(tick: Tick, inputs: Inputs): Promise<Answer> {
    let guardMessage: string | undefined
    const pipeline: Pipeline = {
      inputs,
      context: this.context,
      client: this.wechat(),
      github: this.github,
      command: inputs.command as ReleaseCommand,
      ...(inputs.version ? { version: inputs.version } : {}),
      tick: true,
      guard: (observation, settings) => {
        const decision = matchTick(tick, observation, settings)
        if (!decision.granted) guardMessage = decision.message
        return decision.granted ? undefined : decision.message
      },
      startedAt: realTime.clock(),
      ...realTime
    }
    const { result, reports } = await runPipelineReports(pipeline, [tick.marker.appid])
    const outcome = outcomeOf(tick, reports[0], guardMessage)
    return { tick, ...outcome, reachedWeChat: true, result }
  }

  private async rerender(operations: OperationEntry[]): Promise<string[]> {
    const pipeline: Pipeline = {
      inputs: this.inputs,
      context: this.context,
      client: this.wechat(),
      github: this.github,
      command: 'sync',
      startedAt: realTime.clock(),
      ...realTime
    }
    const commits = new CommitFinder(this.github, this.context.sha, undefined)
    const gate = releaseSettings(pipeline, this.wechat().now())
    const { targets, now } = await observeForDashboard(pipeline, this.configured, commits, gate)
    // The issue as it is now: the body the person's edit left, which the new render replaces.
    const issue = (await this.github.getIssue(this.issue.number)) ?? this.issue
    return updateDashboard(pipeline, {
      targets,
      settings: releaseSettings(pipeline, now),
      newOperations: operations,
      issue
    })
  }

  /** One answer per box, mentioning the person; a rerun of this workflow run does not answer again. */
  private async comment(answers: Answer[]): Promise<string[]> {
    const lines: string[] = []
    for (const answer of answers) {
      const box = createHash('sha256').update(answer.tick.markerText).digest('hex').slice(0, 16)
      try {
        await this.github.addIssueComment({
          issueNumber: this.edit.issueNumber,
          body: renderOutcomeComment({
            sender: this.edit.sender.login,
            control: answer.tick.marker,
            outcome: answer.outcome,
            message: answer.message,
            runUrl: this.context.runUrl
          }),
          onceKey: `answer:${this.context.runId}:${box}`
        })
      } catch (error) {
        log.warning(`The answer to ${this.edit.sender.login} was not posted: ${errorMessage(error)}`)
        lines.push(`The answer on issue #${this.edit.issueNumber} was not posted (see the log).`)
      }
    }
    return lines
  }

  private result(answers: Answer[], githubLines: string[]): CommandResult {
    const ran = answers.filter((answer) => answer.result)
    const last = ran.at(-1)?.result
    const table = [
      '| Box | Who | Result |',
      '| --- | --- | --- |',
      ...answers.map(
        (answer) =>
          `| ${answer.tick.marker.control} · \`${answer.tick.marker.appid}\` · ${inlineText(answer.tick.marker.version)} | ${inlineText(this.edit.sender.login)} | ${answer.outcome}: ${inlineText(answer.message)} |`
      )
    ]
    const lines = [
      `Boxes ticked in issue #${this.edit.issueNumber} by ${inlineText(this.edit.sender.login)}:`,
      '',
      ...table,
      '',
      ...githubLines.map((line) => `- ${line}`)
    ]
    return {
      outputs: last?.outputs ?? {},
      summary: [summaryOf(lines), ...ran.map((answer) => answer.result?.summary ?? '')].join('\n'),
      failures: ran.flatMap((answer) => answer.result?.failures ?? [])
    }
  }
}

/** The answer to a box whose command ran (or was stopped by the check against WeChat's state). */
function outcomeOf(
  tick: Tick,
  report: TargetReport | undefined,
  guardMessage: string | undefined
): Pick<Answer, 'outcome' | 'message'> {
  if (guardMessage) return { outcome: 'refused', message: guardMessage }
  if (!report?.observation) {
    const why = report?.run.error ? ` (${report.run.error})` : ''
    return { outcome: 'refused', message: `${notObserved(tick.marker.appid).message}${why}` }
  }
  const { decision, run, outputs } = report
  if (decision.refused) {
    return {
      outcome: 'refused',
      message: `the ${commandFor(tick.marker).command} command refused it: ${decision.refused}`
    }
  }
  if (run.status === 'failed') return { outcome: 'failed', message: run.error ?? 'WeChat refused a write.' }
  return { outcome: 'done', message: outputs.message ?? 'Done.' }
}
