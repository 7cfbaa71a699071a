import './zod-config.js'
import { run } from './main.js'

await run()
