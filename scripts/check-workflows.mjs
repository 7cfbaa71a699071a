// The workflow policy, checked for every file in .github/workflows (scripts/lint-workflows.sh runs it after
// actionlint). It covers the audits of zizmor that matter here, since zizmor itself is not installable from the
// registries this project uses:
//   - every remote action and reusable workflow is pinned to a full commit SHA (unpinned-uses)
//   - no `${{ … }}` inside `run:`; values reach scripts through `env:` (template-injection)
//   - `permissions:` is set at the top (read-only or empty) and on every job (excessive-permissions)
//   - actions/checkout says whether it keeps credentials (artipacked)
//   - no pull_request_target or workflow_run triggers, no `secrets: inherit` (dangerous-triggers, secrets-inherit)
// and one of this repository: a `uses: ./` step passes only inputs that action.yml declares, and every required one.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHA_PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/
const DANGEROUS_TRIGGERS = ['pull_request_target', 'workflow_run']

function triggersOf(on) {
  if (typeof on === 'string') return [on]
  if (Array.isArray(on)) return on
  return Object.keys(on ?? {})
}

function isReadOnly(permissions) {
  if (permissions === 'read-all') return true
  if (permissions === null || typeof permissions !== 'object') return false
  return Object.values(permissions).every((level) => level === 'read' || level === 'none')
}

/** Problems in one workflow, as `where: what` lines. `action` is action.yml's parsed `inputs`. */
export function checkWorkflow(file, text, actionInputs) {
  const problems = []
  const report = (where, message) => problems.push(`${file}${where ? ` ${where}` : ''}: ${message}`)
  const workflow = parse(text)
  const on = workflow.on ?? workflow[true] // YAML 1.1 readers turn a bare `on` key into true
  for (const trigger of triggersOf(on)) {
    if (DANGEROUS_TRIGGERS.includes(trigger))
      report('', `the ${trigger} trigger runs with secrets on untrusted code`)
  }
  if (!('permissions' in workflow))
    report('', 'set `permissions:` at the top (e.g. `{}`) so jobs start from none')
  else if (!isReadOnly(workflow.permissions))
    report('', 'top-level permissions must be read-only; grant writes per job')

  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    const where = `job ${jobId}`
    if (!('permissions' in job)) report(where, 'set `permissions:` on the job')
    if (job.secrets === 'inherit')
      report(where, '`secrets: inherit` passes every secret; pass the ones needed')
    if (typeof job.uses === 'string' && !job.uses.startsWith('./') && !SHA_PINNED.test(job.uses)) {
      report(where, `pin the reusable workflow ${job.uses} to a full commit SHA`)
    }
    for (const [index, step] of (job.steps ?? []).entries()) {
      const at = `${where} step ${step.name ?? step.id ?? step.uses ?? index + 1}`
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        report(at, 'no `${{ }}` inside `run:`; pass the value through `env:`')
      }
      if (typeof step.uses !== 'string') continue
      if (step.uses === './') {
        checkLocalAction(at, step.with ?? {}, actionInputs, report)
      } else if (step.uses.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(step.uses)) report(at, 'pin the docker image by digest')
      } else if (!step.uses.startsWith('./') && !SHA_PINNED.test(step.uses)) {
        report(at, `pin ${step.uses} to a full commit SHA (with the version as a comment)`)
      }
      if (/^actions\/checkout@/.test(step.uses) && step.with?.['persist-credentials'] === undefined) {
        report(at, 'say `persist-credentials: false` (or true, for a job that pushes)')
      }
    }
  }
  return problems
}

function checkLocalAction(at, given, actionInputs, report) {
  for (const name of Object.keys(given)) {
    if (!(name in actionInputs)) report(at, `"${name}" is not an input of action.yml`)
  }
  for (const [name, spec] of Object.entries(actionInputs)) {
    if (spec?.required === true && !(name in given)) report(at, `the required input "${name}" is missing`)
  }
}

function main() {
  const dir = path.join(root, '.github/workflows')
  const actionInputs = parse(readFileSync(path.join(root, 'action.yml'), 'utf8')).inputs ?? {}
  const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))
  const problems = files.flatMap((file) =>
    checkWorkflow(
      path.join('.github/workflows', file),
      readFileSync(path.join(dir, file), 'utf8'),
      actionInputs
    )
  )
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) process.exitCode = 1
  else console.log(`Workflow policy: ${files.length} workflows pass.`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
