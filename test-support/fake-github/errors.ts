/** The error answers GitHub gives, as exceptions a route throws and the server turns into a reply. */
import type { Reply } from './routing.js'

export const DOCS = 'https://docs.github.com/rest'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

export const notFound = () => new HttpError(404, 'Not Found')
export const invalid = (detail: string) => new HttpError(422, `Invalid request.\n\n${detail}`)
/** GitHub's model-level refusals: "Validation Failed" with one error per field. */
export const validationFailed = (resource: string, field: string, code: string, message?: string) =>
  new HttpError(422, 'Validation Failed', {
    errors: [{ resource, code, field, ...(message ? { message } : {}) }]
  })

export function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: {
        message: error.message,
        ...error.extra,
        documentation_url: DOCS,
        status: String(error.status)
      },
      headers: error.headers
    }
  }
  return { status: 500, body: { message: error instanceof Error ? error.message : String(error) } }
}
