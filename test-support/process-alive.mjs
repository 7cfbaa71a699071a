// Whether a process still runs (signal 0 tests without sending): the test run's CPU queue and temp-folder
// cleanup use it to tell tickets and folders of killed processes. Plain JavaScript, since the Jest global
// setup (test-temp.mjs) imports it without a compiler. A process of another user answers EPERM: alive.
export function processAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}
