/** JSON parsing for text that comes from a client: a syntax error is an expected answer, anything else a bug. */
export function parseJsonOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    // JSON.parse throws SyntaxError for text that is not JSON; that is the client's mistake, not ours.
    if (error instanceof SyntaxError) return fallback
    throw error
  }
}

/** Marks "not JSON" apart from every JSON value (null included). */
export const NOT_JSON: unique symbol = Symbol('not JSON')
