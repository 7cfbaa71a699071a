/**
 * What the fake saw: every request, every finding against GitHub's documents, and every answer of the fake's
 * own that broke the description's response schemas.
 */

export interface RecordedRequest {
  method: string
  /** Path below the API root, decoded, without the query. */
  path: string
  query: Record<string, string>
  /** Lower-cased header names; `authorization` is left out. */
  headers: Record<string, string>
  body: unknown
}

/** A request that does not follow GitHub's OpenAPI description (or a documented rule beyond it). */
export interface Violation {
  method: string
  path: string
  /** `rejected`: GitHub refuses it too; `undocumented`: GitHub's behaviour is not documented for it. */
  kind: 'rejected' | 'undocumented'
  status?: number
  message: string
}

export interface Recorder {
  readonly log: RecordedRequest[]
  readonly violations: Violation[]
  readonly fakeFindings: string[]
}

export function createRecorder(): Recorder {
  return { log: [], violations: [], fakeFindings: [] }
}

/** The `FakeGitHub` methods that read and reset the records. */
export function recorderApi(recorder: Recorder) {
  const { log, violations, fakeFindings } = recorder
  return {
    requests: () => log.map((entry) => structuredClone(entry)),
    writes: () =>
      log
        .filter((entry) => entry.method !== 'GET' && entry.method !== 'HEAD')
        .map((entry) => structuredClone(entry)),
    resetLog: () => {
      log.length = 0
    },
    violations: () => violations.map((violation) => ({ ...violation })),
    clearViolations: () => {
      violations.length = 0
      fakeFindings.length = 0
    },
    fakeFindings: () => [...fakeFindings],
    assertFollowedDocuments() {
      const lines = [
        ...violations.map(
          (violation) =>
            `${violation.method} ${violation.path}: ${violation.kind}${violation.status ? ` (${violation.status})` : ''}: ${violation.message}`
        ),
        ...fakeFindings.map((finding) => `fake answer: ${finding}`)
      ]
      if (lines.length > 0) {
        throw new Error(`Requests to the fake GitHub did not follow GitHub's documents:\n${lines.join('\n')}`)
      }
    }
  }
}
