/**
 * `npm run demo`: the whole release story of the sample mini program, run with the bundled action against
 * the WeChat emulator and the fake GitHub, as a newcomer's first look at the product.
 *
 * PR preview → tag v1.1.0 submit (1.0.0 is online) → review approved → sync → gray to a whitelist and 5 %
 * → a gray schedule advanced over simulated days → a maintainer ticks "50 %" in the release dashboard → full
 * release → rollback.
 *
 * Each step prints what a user would see on GitHub and is checked against what it should have done; the
 * full record goes to demo-report.md. Exits 1 when any step misbehaved. The story goes on after a failed
 * step so that the report shows everything at once; later failures may follow from the first one.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { registerSecret } from '../src/redact.js'
import { repoRoot, type ActionRun } from '../test-support/run-action.js'
import { startWorld, type World } from '../test-support/world.js'
import type { AppSnapshot } from '../emulator/index.js'
import { ensureFreshDist } from './fresh-dist.js'
import { tickBox } from '../test-support/dashboard-tick.js'
import {
  annotations,
  consoleLines,
  githubChanges,
  markdownSection,
  maskedValues,
  snapshotGitHub,
  type GitHubChanges,
  type StepRecord
} from './view.js'

const APP = 'wxa000000000000001'
const PULL_REQUEST = 7
const PR_HEAD = 'c0ffee1'.padEnd(40, '0')
const TAG_COMMIT = '1a2b3c4'.padEnd(40, 'd')
const DEFAULT_BRANCH_HEAD = 'f'.repeat(40)
const HOUR = 3600
const DAY = 24 * HOUR
const SCHEDULE = '5, 20@24h, 50@24h, 100@24h'
const REPORT_FILE = 'demo-report.md'
/** A maintainer of the repository, who ticks a box of the release dashboard. */
const MAINTAINER = 'alice'
const GRAY_PLAN_STATUS: Record<number, string> = {
  0: 'initial',
  1: 'running',
  2: 'paused',
  3: 'finished',
  4: 'reverted'
}
const REVIEW_STATUS: Record<number, string> = {
  0: 'approved',
  1: 'rejected',
  2: 'under review',
  3: 'withdrawn',
  4: 'delayed'
}

/** The expectations of one step; each failed one is a line in the report. */
class Expectations {
  readonly problems: string[] = []
  checked = 0

  that(condition: boolean, problem: string): void {
    this.checked += 1
    if (!condition) this.problems.push(problem)
  }

  equal(actual: unknown, expected: unknown, what: string): void {
    this.that(
      actual === expected,
      `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
    )
  }
}

interface StepPlan {
  title: string
  /** What happens outside the action before it runs (the reviewer decides, days pass), for the reader. */
  meanwhile?: { note: string; apply: () => void }
  eventName: string
  ref: string
  sha: string
  payload?: Record<string, unknown>
  inputs: Record<string, string>
  expect: (run: ActionRun, changes: GitHubChanges & { writes: string[] }, expectations: Expectations) => void
}

interface Demo {
  world: World
  steps: StepRecord[]
  startTime: number
}

function app(world: World): AppSnapshot {
  const snapshot = world.emulator.control.state().apps[APP]
  if (!snapshot) throw new Error(`the emulator has no app ${APP}`)
  return snapshot
}

function runningGrayPercent(world: World): number | undefined {
  const gray = app(world).gray
  return gray?.status === 1 ? gray.percentage : undefined
}

/** WeChat keeps a finished plan at the percentage of its last step, which may read as a partial release. */
function describeGray(gray: { userVersion: string; percentage: number; status: number }): string {
  const status = GRAY_PLAN_STATUS[gray.status] ?? String(gray.status)
  return gray.status === 3
    ? `${gray.userVersion} plan finished (its last step was ${gray.percentage} %)`
    : `${gray.userVersion} ${gray.percentage} % ${status}`
}

function describeWeChat(demo: Demo): string {
  const state = app(demo.world)
  const audit = state.audits.at(-1)
  const gray = state.gray
  const day = (demo.world.emulator.control.now() - demo.startTime) / DAY
  return [
    `online ${state.online?.version ?? 'none'}`,
    `trial ${state.trial?.version ?? 'none'}`,
    `review ${audit ? `${audit.version} ${REVIEW_STATUS[audit.status] ?? audit.status}` : 'none'}`,
    `gray ${gray ? describeGray(gray) : 'none'}`,
    `experience members ${state.testers.map((tester) => tester.wechatid ?? tester.userstr).join(', ') || 'none'}`,
    `clock day ${day.toFixed(day % 1 === 0 ? 0 : 2)}`
  ].join(' · ')
}

/** The action's release dashboard issue. */
function dashboardIssue(world: World) {
  return world.github.state.issues.find(
    (issue) => issue.labels.includes('wechat-release') && issue.user.login === 'github-actions[bot]'
  )
}

function checkRunsNamed(world: World, name: string, sha: string) {
  return world.github.state.checkRuns.filter((run) => run.name === name && run.head_sha === sha)
}

async function runStep(demo: Demo, plan: StepPlan): Promise<StepRecord> {
  const number = demo.steps.length + 1
  console.log(`\n▶ ${number}. ${plan.title}`)
  if (plan.meanwhile) {
    console.log(`  meanwhile: ${plan.meanwhile.note}`)
    plan.meanwhile.apply()
  }
  const before = snapshotGitHub(demo.world.github)
  demo.world.github.resetLog()
  const run = await demo.world.run({
    inputs: plan.inputs,
    eventName: plan.eventName,
    ref: plan.ref,
    sha: plan.sha,
    ...(plan.payload ? { payload: plan.payload } : {})
  })
  for (const value of maskedValues(run)) registerSecret(value)
  const changes = githubChanges(before, demo.world.github)
  const githubWrites = demo.world.github.writes().map((write) => `${write.method} ${write.path}`)
  const expectations = new Expectations()
  expectations.equal(run.exitCode, 0, 'exit code')
  expectations.that(
    annotations(run).every((line) => !line.startsWith('error')),
    `the action reported an error: ${annotations(run).find((line) => line.startsWith('error')) ?? ''}`
  )
  expectations.that(run.leftoverPids.length === 0, `processes left running: ${run.leftoverPids.join(', ')}`)
  try {
    plan.expect(run, { ...changes, writes: githubWrites }, expectations)
  } catch (error) {
    expectations.that(
      false,
      `checking the result failed: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  const record: StepRecord = {
    number,
    title: plan.meanwhile ? `${plan.title} (meanwhile: ${plan.meanwhile.note})` : plan.title,
    trigger: { eventName: plan.eventName, ref: plan.ref, sha: plan.sha },
    inputs: plan.inputs,
    run,
    changes,
    githubWrites,
    wechatState: describeWeChat(demo),
    problems: expectations.problems,
    checked: expectations.checked
  }
  demo.steps.push(record)
  for (const line of consoleLines(record)) console.log(line)
  if (record.problems.length === 0) console.log(`  ✔ ${record.checked} expectations held`)
  for (const problem of record.problems) console.log(`  ✘ ${problem}`)
  return record
}

/** The story, step by step; each plan is built when its turn comes, from the state the earlier steps left. */
function storyline(demo: Demo): Array<() => StepPlan> {
  const { world } = demo
  const credentials = world.emulator.credentials
  const devKey = credentials.apps.find(
    (candidate) => candidate.appid === credentials.devAppid
  )?.uploadPrivateKeyPem
  if (!devKey) throw new Error('the emulator has no upload key for the development mini program')
  const githubToken = 'ghs_demo_token_0123456789'
  for (const secret of [devKey, credentials.tokenServiceSecret, githubToken]) registerSecret(secret)

  const platform = {
    'api-base-url': world.emulator.url,
    'token-url': credentials.tokenServiceUrl,
    'token-url-secret': credentials.tokenServiceSecret,
    'github-token': githubToken
  }
  const build = {
    'project-path': 'sample/miniprogram-project',
    'private-key': devKey,
    proxy: world.servicewechat.proxyUrl
  }
  const onDefaultBranch = { ref: 'refs/heads/main', sha: DEFAULT_BRANCH_HEAD }
  const sync = (extra: Record<string, string> = {}) => ({
    eventName: 'schedule',
    ...onDefaultBranch,
    inputs: { command: 'sync', ...platform, appid: APP, ...extra }
  })
  const reviewCheck = () => checkRunsNamed(world, 'WeChat review', TAG_COMMIT)
  const grayCheck = () => checkRunsNamed(world, 'WeChat gray release', TAG_COMMIT)

  const scheduleStep =
    (day: number, expectedPercent: number): (() => StepPlan) =>
    () => ({
      title: `Day ${day}: scheduled sync moves the gray release to ${expectedPercent} %`,
      meanwhile: { note: '24 hours pass', apply: () => world.emulator.control.advance(DAY) },
      ...sync({ 'gray-schedule': SCHEDULE }),
      expect: (run, changes, expect) => {
        expect.equal(runningGrayPercent(world), expectedPercent, 'gray percentage on WeChat')
        expect.equal(run.outputs['gray-percentage'], String(expectedPercent), 'output gray-percentage')
        expect.equal(grayCheck().length, 1, 'one "WeChat gray release" check run on the tag commit')
        expect.that(
          changes.checkRuns.some((check) => check.name === 'WeChat gray release'),
          'the gray check run was updated'
        )
        expect.that(
          (grayCheck()[0]?.output.summary ?? '').includes(`${expectedPercent}`),
          `the gray check run summary shows ${expectedPercent} %`
        )
      }
    })

  return [
    () => ({
      title: `Pull request #${PULL_REQUEST} → preview: QR code and package size on the PR`,
      eventName: 'pull_request',
      ref: `refs/pull/${PULL_REQUEST}/merge`,
      sha: 'd'.repeat(40),
      payload: { pull_request: { number: PULL_REQUEST, head: { sha: PR_HEAD } } },
      inputs: {
        command: 'preview',
        ...build,
        'github-token': githubToken,
        'preview-page-path': 'pages/index/index'
      },
      expect: (run, changes, expect) => {
        expect.that(Boolean(run.outputs['qrcode-path']), 'output qrcode-path is set')
        const sizes = JSON.parse(run.outputs['package-size'] ?? '{}') as { total?: number }
        expect.that(
          (sizes.total ?? 0) > 0,
          `output package-size has a total (${run.outputs['package-size'] ?? ''})`
        )
        const comments = world.github.state.comments.filter(
          (comment) => comment.issue_number === PULL_REQUEST
        )
        expect.equal(comments.length, 1, `sticky comments on PR #${PULL_REQUEST}`)
        expect.that(changes.comments.length === 1, 'the PR comment was written')
        expect.that(
          (comments[0]?.body ?? '').includes('pages/index/index'),
          'the PR comment names the preview page'
        )
        expect.that(run.summary.trim().length > 0, 'the job summary is written')
      }
    }),
    () => ({
      title: 'Tag v1.1.0 pushed → submit: upload 1.1.0 and send it to review (1.0.0 is online)',
      eventName: 'push',
      ref: 'refs/tags/v1.1.0',
      sha: TAG_COMMIT,
      payload: { head_commit: { message: 'Release 1.1.0: the order page' } },
      inputs: {
        command: 'submit',
        ...platform,
        ...build,
        'review-items':
          '- address: pages/index/index\n  tag: shop\n  title: Home\n  first_class: 商家自营\n  second_class: 百货\n  first_id: 304\n  second_id: 305',
        'review-notes': 'Adds the order page'
      },
      expect: (run, _changes, expect) => {
        expect.equal(run.outputs.version, '1.1.0', 'output version')
        expect.equal(run.outputs['review-status'], 'under_review', 'output review-status')
        expect.that(Number(run.outputs['audit-id']) > 0, 'output audit-id is a review id')
        expect.equal(world.emulator.control.auditCount(APP), 1, 'reviews submitted on WeChat')
        expect.equal(app(world).trial?.version, '1.1.0', 'trial version on WeChat')
        expect.equal(reviewCheck().length, 1, 'one "WeChat review" check run on the tag commit')
        expect.equal(reviewCheck()[0]?.status, 'in_progress', 'review check status')
      }
    }),
    () => ({
      title: 'Scheduled sync while WeChat reviews: nothing changed, nothing written',
      meanwhile: { note: '2 hours pass', apply: () => world.emulator.control.advance(2 * HOUR) },
      ...sync(),
      expect: (run, changes, expect) => {
        expect.equal(run.outputs['review-status'], 'under_review', 'output review-status')
        expect.equal(changes.writes.join(', '), '', 'GitHub writes')
      }
    }),
    () => ({
      title: 'Scheduled sync after the review: the check turns green',
      meanwhile: {
        note: 'the WeChat reviewer approves 1.1.0',
        apply: () => world.emulator.control.approve(APP)
      },
      ...sync(),
      expect: (run, _changes, expect) => {
        expect.equal(run.outputs['review-status'], 'approved', 'output review-status')
        expect.equal(run.outputs.version, '1.1.0', 'output version')
        expect.equal(reviewCheck()[0]?.status, 'completed', 'review check status')
        expect.equal(reviewCheck()[0]?.conclusion, 'success', 'review check conclusion')
        const body = dashboardIssue(world)?.body ?? ''
        expect.that(body.includes('✅ Approved **1.1.0**'), 'the release dashboard shows the approval')
        expect.that(
          body.includes('- [ ] ') && body.includes('Release **1.1.0** to everyone'),
          'the release dashboard offers to release 1.1.0'
        )
        const notice = world.github.state.comments.find((comment) =>
          comment.body.startsWith('✅ WeChat approved **1.1.0**')
        )
        expect.that(notice !== undefined, 'the dashboard announces the approval in a comment')
      }
    }),
    () => ({
      title: 'workflow_dispatch → gray: whitelist alice and bob, and 5 % of users',
      eventName: 'workflow_dispatch',
      ...onDefaultBranch,
      inputs: {
        command: 'gray',
        ...platform,
        appid: APP,
        version: '1.1.0',
        'gray-percent': '5',
        'gray-whitelist': 'alice, bob'
      },
      expect: (run, _changes, expect) => {
        expect.equal(runningGrayPercent(world), 5, 'gray percentage on WeChat')
        expect.equal(app(world).gray?.experiencerFirst, true, 'experience members first on WeChat')
        const members = app(world).testers.map((tester) => tester.wechatid)
        expect.that(
          members.includes('alice') && members.includes('bob'),
          `alice and bob are experience members (${members.join(', ')})`
        )
        expect.equal(run.outputs['gray-percentage'], '5', 'output gray-percentage')
        expect.equal(app(world).online?.version, '1.0.0', 'online version on WeChat')
        expect.equal(grayCheck().length, 1, 'one "WeChat gray release" check run on the tag commit')
      }
    }),
    () => ({
      title: 'Scheduled sync with gray-schedule, 1 hour in: the 24 h dwell is not over, nothing moves',
      meanwhile: { note: '1 hour passes', apply: () => world.emulator.control.advance(HOUR) },
      ...sync({ 'gray-schedule': SCHEDULE }),
      expect: (run, _changes, expect) => {
        expect.equal(runningGrayPercent(world), 5, 'gray percentage on WeChat')
        expect.equal(run.outputs['gray-percentage'], '5', 'output gray-percentage')
        const grayWrites = world.emulator.control
          .requests()
          .filter((request) => /\/wxa\/grayrelease$|\/wxa\/release$/.test(request.path))
        expect.equal(grayWrites.length, 1, 'grayrelease/release calls on WeChat so far (only the gray step)')
      }
    }),
    scheduleStep(1, 20),
    () => {
      const issue = dashboardIssue(world)
      if (!issue) throw new Error('no release dashboard issue')
      // The person's edit in GitHub's UI; GitHub starts the dashboard workflow with this payload.
      const payload = world.github.editIssueAsUser(
        issue.number,
        MAINTAINER,
        tickBox(issue.body ?? '', 'gray-to', 50)
      )
      return {
        title: `Release dashboard: ${MAINTAINER} (maintain) ticks "Gray-release 1.1.0 to 50 % of users" without waiting for the schedule`,
        meanwhile: { note: '2 hours pass', apply: () => world.emulator.control.advance(2 * HOUR) },
        eventName: 'issues',
        ...onDefaultBranch,
        payload,
        inputs: { command: 'sync', ...platform, appid: APP, 'gray-schedule': SCHEDULE },
        expect: (run, _changes, expect) => {
          expect.equal(runningGrayPercent(world), 50, 'gray percentage on WeChat')
          expect.equal(run.outputs['gray-percentage'], '50', 'output gray-percentage')
          const body = dashboardIssue(world)?.body ?? ''
          expect.that(!body.includes('- [x]'), 'the ticked box is unticked again')
          expect.that(
            body.includes(`| ${MAINTAINER} | Gray-release **1.1.0** to 50 % of users`),
            'the operation is logged in the dashboard'
          )
          const answer = world.github.state.comments.at(-1)?.body ?? ''
          expect.that(
            answer.startsWith(`@${MAINTAINER} ✅ Done: Gray-release **1.1.0** to 50 % of users`),
            `the answer mentions ${MAINTAINER} (${answer.split('\n')[0] ?? ''})`
          )
        }
      }
    },
    () => ({
      title: "Day 2: the schedule's last step (100 %), 24 h after the tick, is a full release of 1.1.0",
      meanwhile: { note: '24 hours pass', apply: () => world.emulator.control.advance(DAY) },
      ...sync({ 'gray-schedule': SCHEDULE }),
      expect: (_run, changes, expect) => {
        expect.equal(app(world).online?.version, '1.1.0', 'online version on WeChat')
        expect.that(app(world).gray?.status !== 1, 'the gray plan has ended')
        expect.equal(grayCheck()[0]?.status, 'completed', 'gray check status')
        expect.equal(grayCheck()[0]?.conclusion, 'success', 'gray check conclusion')
        expect.that(changes.deployments.length >= 1, 'a deployment records the release')
      }
    }),
    () => ({
      title: 'workflow_dispatch → rollback: 1.0.0 is online again',
      meanwhile: {
        note: '2 hours pass and a bug report comes in',
        apply: () => world.emulator.control.advance(2 * HOUR)
      },
      eventName: 'workflow_dispatch',
      ...onDefaultBranch,
      inputs: { command: 'rollback', ...platform, appid: APP },
      expect: (run, _changes, expect) => {
        expect.equal(app(world).online?.version, '1.0.0', 'online version on WeChat')
        expect.that(run.summary.includes('1.0.0'), 'the job summary names 1.0.0')
        expect.equal(run.outputs['online-version'], '1.0.0', 'output online-version')
      }
    })
  ]
}

function failedCount(demo: Demo): number {
  return demo.steps.filter((step) => step.problems.length > 0).length
}

function renderReport(demo: Demo, failed: StepRecord | undefined, totalMs: number): string {
  const lines = [
    '# WeChat mini program release: the demo',
    '',
    'Generated by `npm run demo`: the bundled action (`dist/index.js`) run as GitHub runs it, against the WeChat ' +
      'emulator (emulated clock) and a fake GitHub API, with the real miniprogram-ci compiling ' +
      '`sample/miniprogram-project`. Secrets are shown as `***`.',
    '',
    failed
      ? `**Result: ${failedCount(demo)} of ${demo.steps.length} steps did not do what they should; the first was step ${failed.number} ` +
        '(later failures may follow from it).**'
      : `**Result: all ${demo.steps.length} steps did what they should.** Wall time ${(totalMs / 1000).toFixed(1)} s.`,
    '',
    '| # | Step | Exit | Time | Outcome |',
    '| --- | --- | --- | --- | --- |',
    ...demo.steps.map(
      (step) =>
        `| ${step.number} | ${step.title.replace(/\|/g, '\\|')} | ${step.run.exitCode ?? step.run.signal} | ` +
        `${(step.run.durationMs / 1000).toFixed(1)} s | ${step.problems.length === 0 ? '✅' : `❌ ${step.problems.length} problem(s)`} |`
    ),
    ''
  ]
  return [...lines, ...demo.steps.map((step) => markdownSection(step))].join('\n') + '\n'
}

async function main(): Promise<number> {
  const started = performance.now()
  ensureFreshDist((line) => console.log(line))
  const world = await startWorld()
  const demo: Demo = { world, steps: [], startTime: world.emulator.control.now() }
  let failed: StepRecord | undefined
  try {
    // The repository as it would be on GitHub: the default branch, an open PR, a tagged release commit;
    // and 1.0.0 live on WeChat.
    world.github.addCommit(DEFAULT_BRANCH_HEAD, 'Merge pull request #7')
    world.github.addCommit(PR_HEAD)
    world.github.addPullRequest({ number: PULL_REQUEST, headSha: PR_HEAD })
    world.github.addCommit(TAG_COMMIT, 'Release 1.1.0: the order page')
    world.github.addTag('v1.1.0', TAG_COMMIT)
    world.emulator.control.setOnline(APP, '1.0.0')
    world.github.setRole(MAINTAINER, 'maintain')
    console.log(
      `WeChat emulator ${world.emulator.url} · fake GitHub ${world.github.url} · ${APP} has 1.0.0 online`
    )

    for (const plan of storyline(demo)) {
      const step = await runStep(demo, plan())
      if (step.problems.length > 0) failed ??= step
    }
  } finally {
    await world.close()
  }
  const totalMs = performance.now() - started
  const reportPath = path.join(repoRoot, REPORT_FILE)
  writeFileSync(reportPath, renderReport(demo, failed, totalMs))
  console.log('')
  if (failed) {
    console.log(
      `✘ ${failedCount(demo)} of ${demo.steps.length} steps did not do what they should; the first was step ${failed.number} ` +
        `("${failed.title}"). The action's logs are in the report.`
    )
  } else {
    console.log(`✔ All ${demo.steps.length} steps did what they should, in ${(totalMs / 1000).toFixed(1)} s.`)
  }
  console.log(
    `Full report (inputs, outputs, job summaries, check runs, comments, deployments): ${REPORT_FILE}`
  )
  return failed ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exitCode = 1
  }
)
