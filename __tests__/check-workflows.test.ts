/** The workflow policy (scripts/check-workflows.mjs) catches what zizmor would, and checks `uses: ./` inputs. */
import { describe, expect, it } from '@jest/globals'
// @ts-expect-error a plain ESM script without types
import { checkWorkflow } from '../scripts/check-workflows.mjs'

const SHA = 'a'.repeat(40)
const INPUTS = { command: { required: true }, appid: {} }

function workflow(jobBody: string, top = 'permissions: {}'): string {
  return `name: t\non: push\n${top}\njobs:\n  build:\n    runs-on: ubuntu-latest\n${jobBody}`
}

describe('workflow policy', () => {
  it('passes a workflow that follows it', () => {
    const text = workflow(
      `    permissions:\n      contents: read\n    steps:\n` +
        `      - uses: actions/checkout@${SHA} # v7.0.1\n        with:\n          persist-credentials: false\n` +
        `      - env:\n          TITLE: \${{ github.event.head_commit.message }}\n        run: echo "$TITLE"\n` +
        `      - uses: ./\n        with:\n          command: sync\n          appid: \${{ vars.APPID }}\n`
    )
    expect(checkWorkflow('ok.yml', text, INPUTS)).toEqual([])
  })

  it('names each breach', () => {
    const text = workflow(
      `    steps:\n` +
        `      - uses: actions/checkout@v7\n` +
        `      - run: echo "\${{ github.event.head_commit.message }}"\n` +
        `      - uses: ./\n        with:\n          appid: wx1\n          gray-percnt: 5\n`,
      'permissions: write-all'
    ).replace('on: push', 'on: [push, pull_request_target]')
    const problems = checkWorkflow('bad.yml', text, INPUTS).join('\n')
    expect(problems).toMatch(/pull_request_target trigger/)
    expect(problems).toMatch(/top-level permissions must be read-only/)
    expect(problems).toMatch(/job build: set `permissions:` on the job/)
    expect(problems).toMatch(/pin actions\/checkout@v7 to a full commit SHA/)
    expect(problems).toMatch(/persist-credentials/)
    expect(problems).toMatch(/no `\$\{\{ \}\}` inside `run:`/)
    expect(problems).toMatch(/"gray-percnt" is not an input of action.yml/)
    expect(problems).toMatch(/the required input "command" is missing/)
  })
})
