/**
 * A person ticking a box of the release dashboard, as GitHub's UI changes the body: the first unticked box
 * whose marker names `control` (and `percent`, when given) becomes `- [x] `.
 */
export function tickBox(body: string, control: string, percent?: number): string {
  const lines = body.split('\n')
  const index = lines.findIndex(
    (line) =>
      line.startsWith('- [ ] ') &&
      line.includes(`control=${control}&`) &&
      (percent === undefined || line.includes(`&percent=${percent}&`))
  )
  if (index < 0) {
    throw new Error(
      `No unticked "${control}${percent === undefined ? '' : ` ${percent} %`}" box in:\n${body}`
    )
  }
  lines[index] = lines[index]!.replace('- [ ] ', '- [x] ')
  return lines.join('\n')
}
