/** What every command returns to main: outputs, the job summary, and what failed (if anything). */
export interface CommandResult {
  outputs: Partial<Record<OutputName, string | number>>
  summary: string
  failures: string[]
}

export type OutputName =
  | 'version'
  | 'audit-id'
  | 'review-status'
  | 'gray-percentage'
  | 'gray-status'
  | 'online-version'
  | 'qrcode-path'
  | 'qrcode-url'
  | 'package-size'
  | 'check-run-url'
  | 'result'
