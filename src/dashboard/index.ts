/**
 * The release dashboard: one issue per repository (label `wechat-release`, found by its hidden marker and
 * its author) with every target's state and task-list boxes as controls. Pure functions only; the GitHub
 * client reads and writes the issue, the pipeline runs a granted control's command.
 *
 * A run that keeps the dashboard up to date:
 *   previous = parseState(issue.body)
 *   { body, transitions } = renderDashboard({ targets, settings, controlPermission, previous })
 *   post renderNotification(t) for each transition (skip one whose noticeMarker(t.key) is already there),
 *   then write `body` only when it differs from the issue's body.
 *
 * An `issues: edited` run:
 *   ignore the edit when isOwnEdit(sender, identity)
 *   for each tick of findNewTicks(changes.body.from, issue.body):
 *     refusal = authorizeTick(...)                 → no WeChat call when refused
 *     decision = matchTick(tick, observe(appid), settings)
 *     granted: run the pipeline with decision.command; record operationFor(...)
 *     comment renderOutcomeComment(...) in every case, then re-render the body.
 */
export {
  BODY_LIMIT,
  CONTROL_KINDS,
  DASHBOARD_LABEL,
  DASHBOARD_MARKER,
  DASHBOARD_TITLE,
  OPERATIONS_KEPT,
  type Control,
  type ControlCommand,
  type ControlKind,
  type ControlMarker,
  type DashboardState,
  type OperationEntry,
  type OperationResult,
  type TargetSnapshot
} from './model.js'
export {
  DEFAULT_CONTROL_PERMISSION,
  PERMISSION_LEVELS,
  effectivePermission,
  parseControlPermission,
  permissionAtLeast,
  type PermissionLevel,
  type RepositoryPermission
} from './permission.js'
export { hasDashboardMarker, parseState, serializeControlMarker } from './markers.js'
export {
  availableControls,
  commandFor,
  controlLabel,
  fingerprint,
  settingsFor,
  GRAY_LADDER,
  UNKNOWN_VERSION
} from './controls.js'
export { findNewTicks, parseBoxes, type ParsedBox, type Tick } from './ticks.js'
export {
  authorizeTick,
  decideTick,
  isOwnDashboard,
  isOwnEdit,
  matchTick,
  notObserved,
  type AuthorizeRequest,
  type DashboardIssue,
  type GitHubActor,
  type RefusalReason,
  type TickDecision
} from './decide.js'
export {
  detectTransitions,
  mention,
  noticeMarker,
  renderNotification,
  renderOutcomeComment,
  snapshotOf,
  type DashboardTarget,
  type OutcomeCommentInput,
  type Transition,
  type TransitionKind
} from './notify.js'
export { renderDashboard, type DashboardRenderInput, type RenderedDashboard } from './render.js'

import type { ControlMarker, OperationEntry, OperationResult } from './model.js'

/** The operations-log line for a tick (the box's fields, who, when, what came of it, which run). */
export function operationFor(
  control: Omit<ControlMarker, 'fingerprint'>,
  outcome: { actor: string; at: number; result: OperationResult; message?: string; runId?: string }
): OperationEntry {
  return {
    at: outcome.at,
    actor: outcome.actor.slice(0, 100),
    appid: control.appid,
    control: control.control,
    version: control.version,
    ...(control.percent !== undefined ? { percent: control.percent } : {}),
    ...(control.from !== undefined ? { from: control.from } : {}),
    result: outcome.result,
    ...(outcome.message ? { message: outcome.message.slice(0, 300) } : {}),
    ...(outcome.runId && /^\d{1,20}$/.test(outcome.runId) ? { runId: outcome.runId } : {})
  }
}
