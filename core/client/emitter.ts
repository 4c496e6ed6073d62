// A small event emitter for the client SDK, the same in Node and in browsers (node:events is not in
// a browser). on/off/once/emit/removeAllListeners/listenerCount, as Node's EventEmitter has them.

/** Any function: each event's listeners take what that event carries (as with Node's EventEmitter). */
type Listener = (...args: never[]) => void
type Call = (...args: unknown[]) => void

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>()

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }

  once(event: string, listener: Listener): this {
    const wrapped: Call = (...args) => {
      this.off(event, wrapped)
      ;(listener as Call)(...args)
    }
    return this.on(event, wrapped)
  }

  off(event: string, listener: Listener): this {
    const list = this.listeners.get(event)
    if (!list) return this
    const i = list.indexOf(listener)
    if (i >= 0) this.listeners.set(event, [...list.slice(0, i), ...list.slice(i + 1)])
    return this
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.listeners.clear()
    else this.listeners.delete(event)
    return this
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0
  }

  /** Call the event's listeners in order (a copy: listeners added or removed meanwhile wait). */
  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(event)
    if (!list || list.length === 0) return false
    for (const listener of list) (listener as Call)(...args)
    return true
  }
}
