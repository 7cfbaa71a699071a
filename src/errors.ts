/** A user mistake in the action's inputs, found before any write. The message names input and rule. */
export class InputError extends Error {
  override readonly name = 'InputError'
  constructor(
    readonly input: string,
    readonly rule: string
  ) {
    super(`Input "${input}": ${rule}`)
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
