/**
 * Deciding a tick. In two steps, so that nobody without the right causes a WeChat call:
 * 1. `authorizeTick` (no WeChat needed): the issue is the action's own dashboard (marker and author), the
 *    sender's repository permission is at least `control-permission`, and the appid is configured.
 * 2. `matchTick` (with WeChat's state observed now): the control still applies and WeChat's state still
 *    matches the fingerprint the box was rendered with.
 * A refusal carries a message worded for a comment that mentions the sender.
 */
import type { TargetObservation } from '../release/model.js'
import type { ReleaseSettings } from '../release/settings.js'
import { availableControls, commandFor, decisionFor, sameControl } from './controls.js'
import { hasDashboardMarker } from './markers.js'
import type { Control, ControlCommand } from './model.js'
import {
  effectivePermission,
  permissionAtLeast,
  type PermissionLevel,
  type RepositoryPermission
} from './permission.js'
import type { Tick } from './ticks.js'

export interface GitHubActor {
  login: string
  type?: string
}

/** The issue as GitHub reports it now (read with the action's token, not taken from the event). */
export interface DashboardIssue {
  number: number
  author: GitHubActor | null | undefined
  body: string | null | undefined
}

export type RefusalReason =
  'not-the-dashboard' | 'permission' | 'appid-not-configured' | 'not-observed' | 'no-longer-applies' | 'stale'

export type TickDecision =
  | { granted: true; control: Control; command: ControlCommand }
  | { granted: false; reason: RefusalReason; message: string }

function sameLogin(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase()
}

/** The edit was made by the action itself (its own re-render): there is nothing to act on. */
export function isOwnEdit(sender: GitHubActor | null | undefined, identity: { login: string }): boolean {
  return sameLogin(sender?.login, identity.login)
}

/** The issue is the action's dashboard: the marker on its first line and created by the action's identity. */
export function isOwnDashboard(issue: DashboardIssue, identity: { login: string }): boolean {
  return hasDashboardMarker(issue.body) && sameLogin(issue.author?.login ?? undefined, identity.login)
}

export interface AuthorizeRequest {
  tick: Tick
  issue: DashboardIssue
  /** The login of the identity the action's token acts as (e.g. `github-actions[bot]`). */
  identity: { login: string }
  sender: GitHubActor
  /** The permission endpoint's reply for the sender; undefined when it could not be read. */
  senderPermission: RepositoryPermission | undefined
  requiredPermission: PermissionLevel
  configuredAppids: readonly string[]
}

type Refusal = Extract<TickDecision, { granted: false }>

/** Step 1: undefined when the tick may go on to WeChat, else the refusal. */
export function authorizeTick(request: AuthorizeRequest): Refusal | undefined {
  const { tick, issue, identity, sender } = request
  if (!isOwnDashboard(issue, identity)) {
    return {
      granted: false,
      reason: 'not-the-dashboard',
      message: `issue #${issue.number} was not created by this action (${identity.login}) as its release dashboard, so its boxes control nothing.`
    }
  }
  const level = effectivePermission(request.senderPermission)
  if (!permissionAtLeast(level, request.requiredPermission)) {
    return {
      granted: false,
      reason: 'permission',
      message: `the dashboard's controls need the ${request.requiredPermission} permission on this repository or higher (input control-permission); ${sender.login} has ${level ?? 'no'} permission.`
    }
  }
  if (!request.configuredAppids.includes(tick.marker.appid)) {
    return {
      granted: false,
      reason: 'appid-not-configured',
      message: `${tick.marker.appid} is not one of the mini programs this workflow is configured for (appid / targets), so it is not touched.`
    }
  }
  return undefined
}

/** The refusal when WeChat's state could not be read, so the box could not be checked against it. */
export function notObserved(appid: string): Refusal {
  return {
    granted: false,
    reason: 'not-observed',
    message: `WeChat's current state of ${appid} could not be read, so the box could not be checked against it; nothing was done. Tick it again later.`
  }
}

/**
 * Step 2: the control the box names must still be offered for WeChat's current state, with the same
 * fingerprint. `observation` is undefined when WeChat could not be read: then nothing is done.
 */
export function matchTick(
  tick: Tick,
  observation: TargetObservation | undefined,
  settings: ReleaseSettings
): TickDecision {
  if (!observation) return notObserved(tick.marker.appid)
  const current = availableControls(observation, settings).find((control) =>
    sameControl(control, tick.marker)
  )
  if (!current) {
    const decision = decisionFor(tick.marker, observation, settings)
    const why = decision.refused ?? decision.outputs.message
    return {
      granted: false,
      reason: 'no-longer-applies',
      message: `this control does not apply to WeChat's current state of ${tick.marker.appid}${why ? `: ${why}` : '.'} The dashboard shows what applies now.`
    }
  }
  if (current.fingerprint !== tick.marker.fingerprint) {
    return {
      granted: false,
      reason: 'stale',
      message: `WeChat's state of ${tick.marker.appid} changed after the box was rendered (its fingerprint no longer matches), so it was not acted on. The dashboard shows the current state; tick the box again if it still applies.`
    }
  }
  return { granted: true, control: current, command: commandFor(current) }
}

/** Both steps, for callers that already have the observation. */
export function decideTick(
  request: AuthorizeRequest & { observation: TargetObservation | undefined; settings: ReleaseSettings }
): TickDecision {
  return authorizeTick(request) ?? matchTick(request.tick, request.observation, request.settings)
}
