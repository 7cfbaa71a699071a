// Preloaded (`node --import`) into the bundled action by the end-to-end harness. A real runner's clock and
// WeChat's agree; the emulator's clock is emulated (it starts on a fixed day and jumps when a test advances
// it), so the harness starts the action's clock at the emulator's time: RUNNER_CLOCK_START_MS, in epoch ms.
// From there it runs at real speed. Without the variable nothing changes.
const start = Number(process.env.RUNNER_CLOCK_START_MS)
if (process.env.RUNNER_CLOCK_START_MS && Number.isFinite(start)) {
  const RealDate = Date
  const offset = start - RealDate.now()
  const now = () => RealDate.now() + offset
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget)
    },
    apply() {
      return new RealDate(now()).toString()
    },
    get(target, property, receiver) {
      return property === 'now' ? now : Reflect.get(target, property, receiver)
    }
  })
}
