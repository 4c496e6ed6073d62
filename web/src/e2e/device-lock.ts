// One tab at a time uses a device: two tabs advancing one MLS member's ratchets independently
// would each delete keys the other still needs, and their groups would fork. A Web Lock named
// after the device is held for as long as the tab uses it (the browser releases it when the tab
// closes or crashes); another tab of the same browser finds it taken and waits.

export interface DeviceLock {
  /** Let the next tab have the device (logout). */
  release(): void
}

const lockName = (key: string): string => `chathub-e2e-device:${key}`

const request = (key: string, options: LockOptions): Promise<DeviceLock | undefined> =>
  new Promise((resolve, reject) => {
    navigator.locks
      .request(lockName(key), options, (lock) => {
        if (!lock) return resolve(undefined)
        // Held until released: the callback's promise is the lock's lifetime.
        return new Promise<void>((release) => resolve({ release: () => release() }))
      })
      .catch((err: unknown) => {
        // Aborted while waiting (the page moved on): nobody waits for this any more.
        if (err instanceof DOMException && err.name === 'AbortError') return
        reject(err)
      })
  })

/** The device's lock if no other tab holds it; undefined when one does. */
export const tryDeviceLock = (key: string): Promise<DeviceLock | undefined> => request(key, { ifAvailable: true })

/** The device's lock once the tab holding it lets it go (resolves never if `signal` aborts first). */
export const waitForDeviceLock = (key: string, signal: AbortSignal): Promise<DeviceLock> =>
  request(key, { signal }) as Promise<DeviceLock>
