/** The GitHub client's module is loaded at its first call, not when the command starts. */
import { describe, expect, it } from '@jest/globals'
import { loadOnFirstCall } from '../src/load-on-first-call.js'

interface Client {
  readonly dryRun: boolean
  add(a: number, b: number): Promise<number>
  name(): Promise<string>
}

describe('loadOnFirstCall', () => {
  it('loads once, on the first method call, and forwards calls with their arguments and this', async () => {
    let loads = 0
    const client = loadOnFirstCall<Client>({ dryRun: true }, async () => {
      loads += 1
      return {
        dryRun: true,
        prefix: 'client',
        add: async (a, b) => a + b,
        async name(this: { prefix: string }) {
          return this.prefix
        }
      } as Client
    })
    expect(client.dryRun).toBe(true)
    expect(loads).toBe(0)
    await expect(Promise.all([client.add(2, 3), client.add(4, 5)])).resolves.toEqual([5, 9])
    await expect(client.name()).resolves.toBe('client')
    expect(loads).toBe(1)
  })

  it('is not mistaken for a promise, so it can be returned from an async function', async () => {
    const client = loadOnFirstCall<Client>({ dryRun: false }, async () => {
      throw new Error('must not load')
    })
    const returned = await (async () => client)()
    expect(returned).toBe(client)
  })

  it('reports a failed load on the call that needed it', async () => {
    const client = loadOnFirstCall<Client>({ dryRun: false }, async () => {
      throw new Error('Cannot find module')
    })
    await expect(client.add(1, 2)).rejects.toThrow('Cannot find module')
  })
})
