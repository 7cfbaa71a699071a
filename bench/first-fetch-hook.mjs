// Preloaded with `node --import` by the start-up benchmark: when the process creates its first HTTP request
// with fetch (Node's own or the undici package: both publish `undici:request:create`), it prints the CPU time
// used so far, so start-up can be compared in CPU time as well as in wall time (CPU time hardly moves with
// the load of a shared machine).
import diagnosticsChannel from 'node:diagnostics_channel'

function report() {
  diagnosticsChannel.unsubscribe('undici:request:create', report)
  const { user, system } = process.cpuUsage()
  process.stderr.write(`first-request-cpu-us=${user + system}\n`)
}
diagnosticsChannel.subscribe('undici:request:create', report)
