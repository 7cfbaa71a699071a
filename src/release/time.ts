/** Times in the plain-text messages of the decisions (and in everything report/ renders). */

/** Unix seconds as `2026-01-02 03:04 UTC`. */
export function formatUtc(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}
