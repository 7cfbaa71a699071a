/**
 * Imported first by the entry points, before any schema is built. zod compiles a fast parser
 * (`new Function`) for each object schema on its first parse; that pays off for schemas parsed
 * thousands of times, while the action parses each one a few times per run.
 */
import * as z from 'zod'

z.config({ jitless: true })
