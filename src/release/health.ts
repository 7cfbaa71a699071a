/**
 * The health gate compares the gray version's JS errors with the online version's over the same dates.
 * Error users are normalised by each version's share of traffic (the gray percentage), because WeChat
 * gives no per-version user count: the comparison is "error users per percent of traffic".
 */
import type { ErrorGroup, HealthObservation } from './model.js'
import type { HealthGate } from './settings.js'

export interface HealthResult {
  pass: boolean
  /** Error groups seen in the gray version and not in the online version (by key). */
  newGroups: ErrorGroup[]
  grayUv: number
  onlineUv: number
  /** (gray uv / gray %) ÷ (online uv / online %); undefined when it could not be judged. */
  ratio: number | undefined
  /** One sentence for the check run and the summary. */
  reason: string
}

function sumUv(groups: ErrorGroup[]): number {
  return groups.reduce((sum, group) => sum + Math.max(0, group.uv), 0)
}

export function evaluateHealth(obs: HealthObservation, gate: HealthGate, grayPercent: number): HealthResult {
  const onlineKeys = new Set(obs.online.map((group) => group.key))
  const newGroups = obs.gray.filter((group) => !onlineKeys.has(group.key)).sort((a, b) => b.uv - a.uv)
  const grayUv = sumUv(obs.gray)
  const onlineUv = sumUv(obs.online)
  const problems: string[] = []
  const remarks: string[] = []

  if (newGroups.length > gate.maxNewErrorGroups) {
    problems.push(
      `${newGroups.length} new error group${newGroups.length === 1 ? '' : 's'} in ${obs.grayVersion} (at most ${gate.maxNewErrorGroups} allowed)`
    )
  } else {
    remarks.push(
      `${newGroups.length} new error group${newGroups.length === 1 ? '' : 's'} (limit ${gate.maxNewErrorGroups})`
    )
  }

  let ratio: number | undefined
  if (grayPercent <= 0 || grayPercent >= 100) {
    remarks.push(`error ratio not judged: at ${grayPercent} % there is no traffic split to compare`)
  } else if (onlineUv < gate.minOnlineBaseline || onlineUv === 0) {
    remarks.push(
      `error ratio skipped: the online version has ${onlineUv} error users, below the baseline of ${Math.max(1, gate.minOnlineBaseline)} needed to judge it`
    )
  } else {
    ratio = grayUv / grayPercent / (onlineUv / (100 - grayPercent))
    const detail = `${grayUv} error users at ${grayPercent} % vs ${onlineUv} at ${100 - grayPercent} %`
    if (ratio > gate.maxErrorUvRatio) {
      problems.push(`error ratio ${ratio.toFixed(2)} is above ${gate.maxErrorUvRatio} (${detail})`)
    } else {
      remarks.push(`error ratio ${ratio.toFixed(2)} (limit ${gate.maxErrorUvRatio}; ${detail})`)
    }
  }

  const pass = problems.length === 0
  const examples = newGroups
    .slice(0, 3)
    .map((group) => `"${group.message.split('\n')[0]?.slice(0, 120)}" (${group.uv} users)`)
  const reason = pass
    ? `Health gate passed: ${remarks.join('; ')}.`
    : `Health gate failed: ${problems.join('; ')}.${examples.length > 0 ? ` New: ${examples.join(', ')}${newGroups.length > 3 ? ', …' : ''}.` : ''}`
  return { pass, newGroups, grayUv, onlineUv, ratio, reason }
}
