/**
 * A dry-run preview or upload quotes the commit subject (untrusted: on a pull request it is the author's) in
 * the job summary; like every other renderer it goes through src/report/markdown.ts and makes nothing live.
 */
import { describe, expect, it } from '@jest/globals'
import { execute } from '../src/commands/build.js'
import type { RunContext } from '../src/context.js'
import { readInputs } from '../src/inputs.js'
import { liveMarkup } from '../test-support/markdown-inert.js'

function context(commitSubject: string): RunContext {
  return {
    owner: 'octo',
    repo: 'shop',
    eventName: 'pull_request',
    sha: 'a'.repeat(40),
    ref: 'refs/pull/7/merge',
    prNumber: 7,
    pullRequest: { baseRef: 'main', headRef: 'feature', sameRepository: false },
    commitSubject,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runUrl: 'https://github.com/octo/shop/actions/runs/1',
    runId: '1',
    workspace: process.cwd(),
    runnerTemp: process.cwd(),
    toolCache: process.cwd(),
    actionPath: process.cwd(),
    debug: false
  }
}

async function summaryFor(subject: string): Promise<string> {
  const values: Record<string, string> = {
    command: 'upload',
    appid: 'wx0123456789abcdef',
    version: '1.0.0',
    'dry-run': 'true'
  }
  const inputs = readInputs((name) => values[name] ?? '')
  return (await execute(inputs, context(subject))).summary
}

describe('the dry-run summary of upload', () => {
  it('renders the commit subject inert (no image, link, HTML or mention it did not have)', async () => {
    const benign = await summaryFor('Fix the cart')
    const hostile = await summaryFor(
      'Fix <img src="https://attacker.example/p.png"> [approve here](https://attacker.example) @octo/admins'
    )
    expect(liveMarkup(hostile)).toEqual(liveMarkup(benign))
    expect(hostile).not.toContain('@octo/admins')
  })
})
