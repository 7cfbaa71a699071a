/**
 * Requests and answers checked against GitHub's OpenAPI description (github-openapi.ts): an unknown route or
 * method answers 404, a parameter or body that breaks the schema answers 422, and every finding is recorded.
 */
import { checkRequest, checkResponse, type RequestCheck } from '../github-openapi.js'
import { invalid, notFound } from './errors.js'
import type { Recorder } from './recorder.js'
import type { ParsedRequest, Reply } from './routing.js'

/**
 * Where GitHub's documents say more than the response schema: GitHub's checks guide documents the conclusion
 * `stale` (set by GitHub alone), which the check-run response schema's enum leaves out.
 */
function documentedBeyondSchema(path: string, value: unknown): boolean {
  if (value === 'stale' && /\/conclusion$/.test(path)) return true
  // A deployment status made without a log URL: the schema requires target_url, GitHub has none to give.
  // The action always sends log_url, so only the fake's own tests meet this.
  return value === '' && /\/target_url$/.test(path)
}

/** The request's operation and findings; none when validation is off. */
export function checkAgainstDescription(
  validate: boolean,
  method: string,
  rawPath: string,
  query: Record<string, string>,
  body: unknown,
  hasBody: boolean
): RequestCheck {
  return validate ? checkRequest(method, rawPath, query, body, { hasBody }) : { findings: [] }
}

/** Records every finding; throws GitHub's answer when the request is one GitHub rejects. */
export function enforceFindings(check: RequestCheck, record: ParsedRequest['record']): void {
  for (const finding of check.findings) record(finding)
  const rejected = check.findings.filter((finding) => finding.kind === 'rejected')
  if (rejected.some((finding) => finding.status === 404)) throw notFound()
  if (rejected.length > 0) throw invalid(rejected.map((finding) => finding.message).join('\n'))
}

/** Records where the fake's own answer breaks the description's response schema. */
export function checkAnswer(
  recorder: Recorder,
  method: string,
  rawPath: string,
  template: string,
  reply: Reply
): void {
  for (const finding of checkResponse(method, rawPath, reply.status, reply.body, documentedBeyondSchema)) {
    recorder.fakeFindings.push(`${method} ${template} → ${reply.status}: ${finding}`)
  }
}
