/**
 * The release dashboard on GitHub. After a run, its body is rendered again from what the run observed and
 * did; the transitions people must know about are comments on it, posted before the body is written (so a
 * run that fails in between announces them on the next run, once); and the body is written only when it
 * differs from GitHub's, so an unchanged sync makes no write to it. The dashboard never fails a release: a
 * run that cannot keep it warns once and goes on.
 */
import {
  BODY_LIMIT,
  DASHBOARD_LABEL,
  DASHBOARD_TITLE,
  parseState,
  renderDashboard,
  renderNotification,
  type DashboardTarget,
  type OperationEntry
} from '../dashboard/index.js'
import { errorMessage } from '../errors.js'
// Not from client.js: that module loads Octokit, which a run loads only at its first GitHub call.
import type { IssueRef, LabelSpec } from '../github/client.js'
import { GitHubPermissionError } from '../github/errors.js'
import { hiddenMarker } from '../github/markers.js'
import { log } from '../log.js'
import { recordedFor } from '../release/common.js'
import { evaluateHealth } from '../release/health.js'
import { isGrayActive, type Decision, type TargetObservation } from '../release/model.js'
import type { ReleaseSettings } from '../release/settings.js'
import type { CommitFinder } from './commits.js'
import { keepsDashboard, observeFully, readRecords } from './observation.js'
import type { Pipeline } from './pipeline.js'
import type { TargetOutcome } from './publish.js'

/** The key of the hidden marker GitHub's client finds the issue by: the dashboard's first-line marker. */
export const DASHBOARD_MARKER_KEY = 'dashboard'

const LABEL: LabelSpec = {
  name: DASHBOARD_LABEL,
  color: '1d76db',
  description: 'The WeChat release dashboard: state and controls of the mini programs'
}

/** The client appends the marker again after a blank line; the body leaves room for it. */
const BODY_ROOM = BODY_LIMIT - hiddenMarker(DASHBOARD_MARKER_KEY).length - 2

/**
 * The health gate's verdict and why the rollout is halted, as the next sync would see them: the verdict from
 * the JS errors observed, the halt from the action's own rollout record (or from a failing gate).
 * `decision` is this run's, when there is one: its gate verdict says whether the gate halted the rollout.
 */
export function dashboardTarget(
  observation: TargetObservation,
  settings: ReleaseSettings,
  decision?: Decision
): DashboardTarget {
  const gate = settings.healthGate
  const health =
    gate && observation.jsErrors && isGrayActive(observation.gray)
      ? evaluateHealth(observation.jsErrors, gate, observation.gray.percentage)
      : undefined
  const decided = decision?.checks.find((check) => check.kind === 'gray')
  const decidedHealth = decided?.kind === 'gray' ? decided.state.health : undefined
  const failing = [health, decidedHealth].find((verdict) => verdict !== undefined && !verdict.pass)
  const reason = recordedFor(observation)?.haltedReason ?? failing?.reason
  return {
    appid: observation.appid,
    observation,
    ...(health ? { health: { pass: health.pass, reason: health.reason } } : {}),
    ...(reason ? { halted: { reason, byHealthGate: failing !== undefined } } : {})
  }
}

/** Why the workflow offers no box at all: it cannot act on WeChat. */
export function noControlsReason(pipeline: Pick<Pipeline, 'inputs'>): string | undefined {
  return pipeline.inputs.credentials
    ? undefined
    : 'No controls: this workflow reads WeChat without third-party platform credentials (read-only).'
}

export interface DashboardUpdate {
  targets: DashboardTarget[]
  settings: ReleaseSettings
  /** Operations this run made from the dashboard, newest first. */
  newOperations?: OperationEntry[]
  /** The dashboard as this run already read it (a tick's issue); found by label, marker and author otherwise. */
  issue?: IssueRef
}

/** Writes the dashboard; returns lines for the job summary. Never throws: a failure is a warning. */
export async function updateDashboard(pipeline: Pipeline, update: DashboardUpdate): Promise<string[]> {
  const { github, inputs, context } = pipeline
  if (!github) return []
  try {
    const issue =
      update.issue ?? (await github.findOwnIssue({ label: DASHBOARD_LABEL, markerKey: DASHBOARD_MARKER_KEY }))
    const noControls = noControlsReason(pipeline)
    const rendered = renderDashboard({
      targets: update.targets,
      settings: update.settings,
      runUrl: context.runUrl,
      controlPermission: inputs.controlPermission,
      previous: parseState(issue?.body),
      limit: BODY_ROOM,
      ...(update.newOperations ? { newOperations: update.newOperations } : {}),
      ...(noControls ? { noControls } : {})
    })
    if (!issue) {
      // A new dashboard starts from what it sees: nothing to announce yet.
      const created = await github.upsertIssue({
        label: LABEL,
        markerKey: DASHBOARD_MARKER_KEY,
        title: DASHBOARD_TITLE,
        body: rendered.body,
        whenClosed: 'leave'
      })
      return [`Release dashboard ${created.number ? `#${created.number} ` : ''}created.`]
    }
    const lines: string[] = []
    for (const transition of rendered.transitions) {
      const posted = await github.addIssueComment({
        issueNumber: issue.number,
        body: renderNotification(transition),
        onceKey: `notice:${transition.key}`
      })
      if (posted.changed)
        lines.push(`Release dashboard #${issue.number}: announced ${transition.kind} of ${transition.appid}.`)
    }
    const written = await github.updateIssue(
      issue.number,
      { body: rendered.body, markerKey: DASHBOARD_MARKER_KEY },
      issue
    )
    lines.push(
      written.changed
        ? `Release dashboard #${issue.number} updated.`
        : `Release dashboard #${issue.number}: unchanged, not written.`
    )
    return lines
  } catch (error) {
    const fix =
      error instanceof GitHubPermissionError
        ? ' Give the job `issues: write`, or set `dashboard: false`.'
        : ''
    log.warning(`The release dashboard was not updated: ${errorMessage(error)}.${fix} The release goes on.`)
    return [`The release dashboard was not updated (see the log).`]
  }
}

/** A target as the dashboard shows it, and when WeChat was read for it. */
interface View {
  target: DashboardTarget
  at?: number
}

/**
 * The dashboard after a pipeline run: a target this run changed (a WeChat write, a check run and with it
 * a record) is observed again, as the next run will see it; the others are shown as observed. The body is
 * rendered at the time WeChat was last read, as the next run renders it at the time it reads WeChat.
 */
export async function refreshDashboard(
  pipeline: Pipeline,
  targets: string[],
  outcomes: TargetOutcome[],
  changedTargets: ReadonlySet<string>,
  commits: CommitFinder,
  settingsAt: (now: number) => ReleaseSettings
): Promise<string[]> {
  if (!keepsDashboard(pipeline)) return []
  const gate = settingsAt(pipeline.client.now())
  const views: View[] = []
  for (const [index, appid] of targets.entries()) {
    const changed = changedTargets.has(appid)
    views.push(await viewAfter(pipeline, appid, outcomes[index], changed, targets.length, commits, gate))
  }
  return updateDashboard(pipeline, {
    targets: views.map((view) => view.target),
    settings: settingsAt(latest(views) ?? pipeline.client.now())
  })
}

function latest(views: View[]): number | undefined {
  const times = views.flatMap((view) => (view.at === undefined ? [] : [view.at]))
  return times.length > 0 ? Math.max(...times) : undefined
}

async function viewAfter(
  pipeline: Pipeline,
  appid: string,
  outcome: TargetOutcome | undefined,
  checkChanged: boolean,
  targetCount: number,
  commits: CommitFinder,
  settings: ReleaseSettings
): Promise<View> {
  const observed = outcome?.observation
  if (!outcome || !observed) {
    return { target: { appid, error: outcome?.run.error ?? 'not observed in this run' } }
  }
  const { run } = outcome
  const at = outcome.observedAt !== undefined ? { at: outcome.observedAt } : {}
  const acted = run.status !== 'dry-run'
  const wechatChanged = acted && (run.writesMade > 0 || run.status === 'failed')
  if (!wechatChanged && !(acted && checkChanged)) {
    return { target: dashboardTarget(observed, settings, outcome.decision), ...at }
  }
  try {
    if (!wechatChanged) {
      // Only GitHub changed (a check run, and with it a record): WeChat is as this run read it, so only
      // the records are read again, not WeChat.
      const again = structuredClone(observed)
      await readRecords(pipeline, commits, again, targetCount)
      return { target: dashboardTarget(again, settings, outcome.decision), ...at }
    }
    const again = await observeFully(pipeline, appid, targetCount, commits, {})
    return { target: dashboardTarget(again.observation, settings, outcome.decision), at: again.now }
  } catch (error) {
    return { target: { appid, error: errorMessage(error) } }
  }
}

/**
 * Every configured target observed now, for a dashboard rendered outside a pipeline run (a tick's), and
 * the time WeChat was last read.
 */
export async function observeForDashboard(
  pipeline: Pipeline,
  targets: string[],
  commits: CommitFinder,
  settings: ReleaseSettings
): Promise<{ targets: DashboardTarget[]; now: number }> {
  const views: View[] = []
  for (const appid of targets) {
    try {
      const { observation, now } = await observeFully(pipeline, appid, targets.length, commits, {})
      views.push({ target: dashboardTarget(observation, settings), at: now })
    } catch (error) {
      views.push({ target: { appid, error: errorMessage(error) } })
    }
  }
  return { targets: views.map((view) => view.target), now: latest(views) ?? pipeline.client.now() }
}
