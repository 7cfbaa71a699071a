/** What a route sees and answers, and the helpers routes share: body fields, ordering and pagination. */
import { API_PREFIX } from './context.js'
import { invalid } from './errors.js'
import type { Actor } from './identities.js'
import type { Violation } from './recorder.js'

export interface ParsedRequest {
  query: Record<string, string>
  body: Record<string, unknown>
  actor: Actor
  origin: string
  /** Records a finding against GitHub's documents for this request. */
  record: (violation: Omit<Violation, 'method' | 'path'>) => void
}

export interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/** A route below /repos/{owner}/{repo}: `pattern` matches the rest of the path. */
export interface Route {
  method: string
  pattern: RegExp
  handle: (match: string[], request: ParsedRequest) => Reply
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalid(`For '${key}', ${JSON.stringify(value)} is not a string.`)
  return value
}

export function newestFirst<T extends { id: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => b.id - a.id)
}

/** One page of `items` (per_page and page from the query) with GitHub's `link` header. */
export function paginate<T>(
  items: T[],
  request: ParsedRequest,
  path: string,
  defaultPerPage = 30
): Reply & { body: T[] } {
  const perPage = Math.min(
    100,
    Math.max(1, Number(request.query.per_page ?? defaultPerPage) || defaultPerPage)
  )
  const page = Math.max(1, Number(request.query.page ?? 1) || 1)
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const link = (target: number) => {
    const query = new URLSearchParams({ ...request.query, per_page: String(perPage), page: String(target) })
    return `<${request.origin}${API_PREFIX}${path}?${query.toString()}>`
  }
  const links: string[] = []
  if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`)
  if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`)
  return { status: 200, body: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} }
}
