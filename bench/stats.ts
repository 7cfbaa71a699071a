/** Small helpers shared by the benchmark's sections: medians, readable durations, notes. */

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

export function spread(values: number[]): string {
  return values.length > 1 ? `range ${ms(Math.min(...values))}–${ms(Math.max(...values))}` : ''
}

export function note(...parts: string[]): string {
  return parts.filter((part) => part).join('; ')
}

export interface Row {
  measure: string
  value: string
  n: number
  notes: string
}
