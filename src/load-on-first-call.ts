/**
 * A stand-in for an object whose module is expensive to load: the module is imported on the first method
 * call, not when the stand-in is made. Every method of T must return a promise; `known` gives the
 * non-method properties up front.
 */
export function loadOnFirstCall<T extends object>(known: Partial<T>, load: () => Promise<T>): T {
  let loaded: Promise<T> | undefined
  return new Proxy(known as T, {
    get(target, name, receiver) {
      if (name in target) return Reflect.get(target, name, receiver) as unknown
      // Not a thenable: `await standIn` must give the stand-in itself.
      if (name === 'then' || typeof name === 'symbol') return undefined
      return async (...args: unknown[]) => {
        loaded ??= load()
        const object = await loaded
        const method = Reflect.get(object, name) as unknown
        if (typeof method !== 'function') throw new TypeError(`${String(name)} is not a method`)
        return (method as (...parameters: unknown[]) => unknown).apply(object, args)
      }
    }
  })
}
