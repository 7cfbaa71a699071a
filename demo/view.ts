/**
 * What a user would see on GitHub after each step of the demo, in two forms: a few compact lines for the
 * terminal and a full Markdown section for the report. Every text passes through `redact`.
 */
import { redact } from '../src/redact.js'
import type {
  FakeCheckRun,
  FakeComment,
  FakeDeployment,
  FakeDeploymentStatus,
  FakeGitHub,
  FakeIssue
} from '../test-support/fake-github.js'
import type { ActionRun } from '../test-support/run-action.js'

/** The GitHub objects the action writes, by id, serialised so that a later change shows as a difference. */
export interface GitHubSnapshot {
  checkRuns: Map<number, string>
  comments: Map<number, string>
  /** Issues (not pull requests), by number: the release dashboard. */
  issues: Map<number, string>
  deployments: Map<number, string>
  deploymentStatuses: Map<number, string>
}

export interface GitHubChanges {
  checkRuns: Array<FakeCheckRun & { change: 'created' | 'updated' }>
  comments: Array<FakeComment & { change: 'created' | 'updated' }>
  issues: Array<FakeIssue & { change: 'created' | 'updated' }>
  deployments: FakeDeployment[]
  deploymentStatuses: FakeDeploymentStatus[]
}

export interface StepRecord {
  number: number
  title: string
  /** How the workflow run started: event, ref and commit. */
  trigger: { eventName: string; ref: string; sha: string }
  /** The inputs given to the action (secrets are redacted when rendered). */
  inputs: Record<string, string>
  run: ActionRun
  changes: GitHubChanges
  /** The write requests (method and path) the action sent to GitHub. */
  githubWrites: string[]
  /** One line on the emulated WeChat state after the step. */
  wechatState: string
  /** Expectations that did not hold; empty when the step did what it should. */
  problems: string[]
  /** How many expectations were checked. */
  checked: number
}

function byId<T extends { id: number }>(items: T[]): Map<number, string> {
  return new Map(items.map((item) => [item.id, JSON.stringify(item)]))
}

function ownIssues(github: FakeGitHub): FakeIssue[] {
  return github.state.issues.filter((issue) => !issue.pull_request)
}

/** What a reader of an issue sees change: its title, body and state (not its comment count). */
function issueText(issue: FakeIssue): string {
  return JSON.stringify([issue.title, issue.body, issue.state])
}

function byNumber(issues: FakeIssue[]): Map<number, string> {
  return new Map(issues.map((issue) => [issue.number, issueText(issue)]))
}

export function snapshotGitHub(github: FakeGitHub): GitHubSnapshot {
  return {
    checkRuns: byId(github.state.checkRuns),
    comments: byId(github.state.comments),
    issues: byNumber(ownIssues(github)),
    deployments: byId(github.state.deployments),
    deploymentStatuses: byId(github.state.deploymentStatuses)
  }
}

function changed<T extends { id: number }>(
  before: Map<number, string>,
  items: T[]
): Array<T & { change: 'created' | 'updated' }> {
  const result: Array<T & { change: 'created' | 'updated' }> = []
  for (const item of items) {
    const previous = before.get(item.id)
    if (previous === undefined) result.push({ ...item, change: 'created' })
    else if (previous !== JSON.stringify(item)) result.push({ ...item, change: 'updated' })
  }
  return result
}

export function githubChanges(before: GitHubSnapshot, github: FakeGitHub): GitHubChanges {
  return {
    checkRuns: changed(before.checkRuns, github.state.checkRuns),
    comments: changed(before.comments, github.state.comments),
    issues: ownIssues(github).flatMap((issue): Array<FakeIssue & { change: 'created' | 'updated' }> => {
      const previous = before.issues.get(issue.number)
      if (previous === undefined) return [{ ...issue, change: 'created' }]
      return previous === issueText(issue) ? [] : [{ ...issue, change: 'updated' }]
    }),
    deployments: github.state.deployments.filter((deployment) => !before.deployments.has(deployment.id)),
    deploymentStatuses: github.state.deploymentStatuses.filter(
      (status) => !before.deploymentStatuses.has(status.id)
    )
  }
}

function clip(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > width ? `${line.slice(0, width - 1)}…` : line
}

/** The first lines a reader sees: no hidden markers, no blank lines, no table rulers. */
function leadingLines(text: string | null | undefined, count: number): string[] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('<!--') && !/^\|?[\s:|-]+\|?$/.test(line))
    .slice(0, count)
}

/**
 * Values the action asked the runner to mask (`::add-mask::`, percent-encoded). The runner hides these
 * lines and the values everywhere; the demo registers them for `redact` and leaves the lines out.
 */
export function maskedValues(run: ActionRun): string[] {
  return (run.stdout + '\n' + run.stderr)
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) =>
      line.slice('::add-mask::'.length).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
    )
}

function shownLog(run: ActionRun): string {
  return (run.stdout + (run.stderr ? `\n${run.stderr}` : ''))
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
}

/** Error and warning annotations the action printed (the runner shows them on the run page). */
export function annotations(run: ActionRun): string[] {
  return (run.stdout + run.stderr)
    .split('\n')
    .filter((line) => /^::(error|warning)/.test(line))
    .map((line) => line.replace(/^::(error|warning)[^:]*::/, (_match, kind: string) => `${kind}: `))
}

function checkState(run: FakeCheckRun): string {
  return run.status === 'completed' ? `${run.conclusion ?? 'completed'}` : run.status
}

/** Compact lines for the terminal. */
export function consoleLines(step: StepRecord): string[] {
  const { run, changes } = step
  const lines: string[] = []
  const shownInputs = Object.entries(step.inputs)
    .filter(([name]) => STEP_INPUT_NAMES.has(name))
    .map(([name, value]) => `${name}: ${clip(value, 40)}`)
  lines.push(`  ${step.trigger.eventName} ${step.trigger.ref} · ${shownInputs.join(' · ')}`)
  lines.push(`  exit ${run.exitCode ?? run.signal} · ${(run.durationMs / 1000).toFixed(1)} s`)
  const outputs = Object.entries(run.outputs).filter(([, value]) => value !== '')
  if (outputs.length > 0) {
    lines.push(`  outputs: ${clip(outputs.map(([name, value]) => `${name}=${value}`).join('  '), 200)}`)
  }
  for (const check of changes.checkRuns) {
    lines.push(
      `  check run "${check.name}" ${check.change}: ${checkState(check)} — ${clip(check.output.title ?? '', 80)}`
    )
    for (const line of leadingLines(check.output.summary, 2)) lines.push(`      ${clip(line, 110)}`)
  }
  if (step.githubWrites.length === 0) lines.push('  GitHub: no write (nothing changed)')
  for (const issue of changes.issues) {
    lines.push(`  issue #${issue.number} "${issue.title}" ${issue.change}:`)
    for (const line of dashboardLines(issue.body)) lines.push(`      ${clip(line, 110)}`)
  }
  for (const comment of changes.comments) {
    lines.push(`  #${comment.issue_number} comment ${comment.change}:`)
    for (const line of leadingLines(comment.body, 3)) lines.push(`      ${clip(line, 110)}`)
  }
  for (const deployment of changes.deployments) {
    lines.push(`  deployment to "${deployment.environment}": ${clip(deployment.description ?? '', 90)}`)
  }
  for (const note of annotations(run)) lines.push(`  ${clip(note, 160)}`)
  lines.push(`  WeChat now: ${step.wechatState}`)
  return lines.map((line) => redact(line))
}

/** The dashboard as a reader scans it: each mini program's rows and its boxes, without the hidden markers. */
function dashboardLines(body: string | null): string[] {
  return (body ?? '')
    .split('\n')
    .map((line) => line.replace(/<!--[\s\S]*?-->/g, '').trim())
    .filter((line) => /^(### |\| \*\*|- \[[ x]\] )/.test(line))
}

/** Inputs that tell the story of a step; the platform addresses and credentials are the same every time. */
const STEP_INPUT_NAMES = new Set([
  'command',
  'version',
  'review-items',
  'review-notes',
  'gray-percent',
  'gray-whitelist',
  'gray-schedule',
  'preview-page-path'
])

function fence(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/~+/g)].map((match) => match[0].length))
  const marker = '~'.repeat(longest + 1)
  return `${marker}${info}\n${text.replace(/\n$/, '')}\n${marker}`
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}

function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body.trim()}\n\n</details>`
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')
}

/** The full record of one step, as Markdown. */
export function markdownSection(step: StepRecord): string {
  const { run, changes } = step
  const parts: string[] = []
  const verdict =
    step.problems.length === 0 ? `✅ ${step.checked} expectations held` : '❌ did not do what it should'
  parts.push(`## ${step.number}. ${step.title}`)
  parts.push(
    `Event \`${step.trigger.eventName}\` on \`${step.trigger.ref}\` (commit \`${step.trigger.sha.slice(0, 7)}\`) · ` +
      `exit code **${run.exitCode ?? run.signal}** · ${(run.durationMs / 1000).toFixed(1)} s · ${verdict}`
  )
  if (step.problems.length > 0) parts.push(step.problems.map((problem) => `- ❌ ${problem}`).join('\n'))
  parts.push(`WeChat after the step: ${step.wechatState}`)

  parts.push('### Inputs')
  parts.push(
    [
      '| Input | Value |',
      '| --- | --- |',
      ...Object.entries(step.inputs).map(([name, value]) => `| \`${name}\` | ${cell(value)} |`)
    ].join('\n')
  )

  parts.push('### Outputs')
  const outputs = Object.entries(run.outputs)
  parts.push(
    outputs.length === 0
      ? '_none_'
      : [
          '| Output | Value |',
          '| --- | --- |',
          ...outputs.map(([name, value]) => `| \`${name}\` | ${cell(value)} |`)
        ].join('\n')
  )

  parts.push('### GitHub writes')
  parts.push(
    step.githubWrites.length === 0
      ? '_None: the state on GitHub was already up to date._'
      : step.githubWrites.map((write) => `- \`${write}\``).join('\n')
  )
  parts.push('### Check runs created or changed in this step')
  if (changes.checkRuns.length === 0) parts.push('_None._')
  for (const check of changes.checkRuns) {
    parts.push(
      `**${check.name}** (${check.change}) on \`${check.head_sha.slice(0, 7)}\`: ${checkState(check)} · ` +
        `external_id \`${check.external_id}\``
    )
    parts.push(`Title: ${check.output.title ?? '_none_'}`)
    if (check.output.summary) parts.push(quote(check.output.summary))
    if (check.output.text) parts.push(details('Details text', check.output.text))
    if (check.actions.length > 0) {
      parts.push(
        `Buttons: ${check.actions.map((action) => `\`${action.label}\` (${action.identifier})`).join(', ')}`
      )
    }
  }

  if (changes.issues.length > 0) {
    parts.push('### Issues')
    for (const issue of changes.issues) {
      parts.push(`Issue #${issue.number} "${issue.title}" (${issue.change}) by ${issue.user.login}:`)
      parts.push(quote(issue.body ?? ''))
    }
  }

  if (changes.comments.length > 0) {
    parts.push('### Comments')
    for (const comment of changes.comments) {
      parts.push(
        `#${comment.issue_number}, comment ${comment.id} (${comment.change}) by ${comment.user.login}:`
      )
      parts.push(quote(comment.body))
    }
  }

  if (changes.deployments.length > 0 || changes.deploymentStatuses.length > 0) {
    parts.push('### Deployments')
    for (const deployment of changes.deployments) {
      parts.push(
        `- Deployment ${deployment.id} to \`${deployment.environment}\` from \`${deployment.ref}\`: ` +
          `${deployment.description ?? ''} · payload \`${JSON.stringify(deployment.payload)}\``
      )
    }
    for (const status of changes.deploymentStatuses) {
      parts.push(`- Deployment ${status.deployment_id} status **${status.state}**: ${status.description}`)
    }
  }

  parts.push('### Job summary')
  parts.push(
    run.summary.trim() ? details('Job summary as rendered on the run page', run.summary, true) : '_empty_'
  )
  parts.push(
    details(
      'Action log (stdout and stderr; ::add-mask:: lines left out, as the runner does)',
      fence(shownLog(run))
    )
  )
  return redact(parts.join('\n\n'))
}
