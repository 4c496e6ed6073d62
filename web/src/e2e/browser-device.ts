// This browser as a device of the account in end-to-end encrypted rooms (docs/e2e.md, "In the
// browser"): the SDK's E2E session attached to the chat's client, with its keys in IndexedDB, used
// by one tab at a time; what the settings' device list does with the account's devices (list
// with fingerprints and trust, vouch, rename, remove); and the users verified here (verifications.ts).
// Loaded beside the connection, so the login view does not carry it; the MLS code itself (ts-mls)
// loads only once an E2E room needs it.
import { E2eSession } from '#core/client/e2e/session'
import { fingerprint } from '#core/client/e2e/fingerprint'
import type { DeviceStatus } from '#core/client/e2e/trust'
import type { ChatClient } from '#core/client/sdk'
import { ChatError, isChatError } from '#core/errors'
import { fromBase64 } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { type DeviceLock, tryDeviceLock, waitForDeviceLock } from './device-lock.ts'
import { thisBrowser } from './device-name.ts'
import { IndexedDbDeviceStore } from './indexeddb-store.ts'
import { Verifications } from './verifications.ts'

/** Whether this tab can use E2E rooms, and if not, why. */
export type E2eSetup =
  | { kind: 'ready'; device: BrowserDevice }
  /** Another tab of this browser uses the device: this one waits for it (`whenFree`). */
  | { kind: 'busy'; whenFree: (signal: AbortSignal) => Promise<DeviceLock> }
  | { kind: 'unavailable'; why: string }

/** A device of the account as the device list shows it. */
export interface DeviceRow extends DeviceView {
  /** The key as people compare it (the same string as `chathub devices`). */
  fingerprint: string
  /** As this browser's device judges it: first device, vouched for by a trusted one, or neither. */
  status: DeviceStatus
  /** The trusted device that vouched for it. */
  by?: string
  /** This browser. */
  current: boolean
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

/** What a page needs for E2E rooms; a plain-http page on another host than localhost has none of it. */
const missingSupport = (): string | undefined => {
  if (!globalThis.isSecureContext || globalThis.crypto?.subtle === undefined || !('locks' in navigator))
    return 'End-to-end encrypted rooms need this page over https (its keys use the browser’s Web Crypto, which plain http does not offer).'
  if (!('indexedDB' in globalThis)) return 'End-to-end encrypted rooms need IndexedDB, which this browser does not offer here.'
  return undefined
}

/**
 * Attach this browser's device to `client` for `user`, unless another tab uses it. `held`: the
 * device's lock, already taken (after waiting for another tab).
 */
export const setUpE2e = async (client: ChatClient, user: string, held?: DeviceLock): Promise<E2eSetup> => {
  const missing = missingSupport()
  if (missing) return { kind: 'unavailable', why: missing }
  // One device per account and hub in this browser (the hub is this page's origin).
  const key = `${user}@${location.host}`
  const lock = held ?? (await tryDeviceLock(key))
  if (!lock) return { kind: 'busy', whenFree: (signal) => waitForDeviceLock(key, signal) }
  try {
    const store = await IndexedDbDeviceStore.open(key)
    const session = await E2eSession.attach(client, { deviceName: thisBrowser(), store })
    return { kind: 'ready', device: new BrowserDevice(client, session, store, lock) }
  } catch (err) {
    lock.release()
    return { kind: 'unavailable', why: `This browser’s device for encrypted rooms could not start: ${errorText(err)}` }
  }
}

export class BrowserDevice {
  constructor(
    private readonly client: ChatClient,
    readonly session: E2eSession,
    private readonly store: IndexedDbDeviceStore,
    private readonly lock: DeviceLock,
  ) {}

  /** This browser's device id, once it has one (it registers when an E2E room first needs it). */
  async id(): Promise<string | undefined> {
    return (await this.store.loadDevice())?.id
  }

  /** Register this browser as a device now (it otherwise does when an E2E room first needs it). */
  enable(): Promise<void> {
    return this.session.enable()
  }

  /** `user`'s devices (default: the account's own) with fingerprints and trust as this device sees them. */
  async list(user = this.client.user): Promise<DeviceRow[]> {
    const [{ devices }, own] = await Promise.all([this.client.request('devices', { user }), this.id()])
    // The trust rules check vouch signatures with the MLS code: not loaded for an empty list.
    if (devices.length === 0) return []
    const { assessDevices } = await import('#core/client/e2e/trust')
    const assessed = await assessDevices(user, devices, await this.store.loadPins(user))
    return Promise.all(
      devices.map(async (d): Promise<DeviceRow> => {
        const judged = assessed.find((a) => a.device === d.device)
        return {
          ...d,
          fingerprint: await fingerprint(d.key),
          status: judged?.status ?? 'unvouched',
          ...(judged?.by === undefined ? {} : { by: judged.by }),
          current: user === this.client.user && d.device === own,
        }
      }),
    )
  }

  /** This browser's row in the account's list, or undefined while it has no device. */
  async own(): Promise<DeviceRow | undefined> {
    if ((await this.id()) === undefined) return undefined
    return (await this.list()).find((d) => d.current)
  }

  /**
   * Vouch for another device of the account, as listed with `key` when its fingerprint was compared
   * (a key the hub lists differently now is refused: the comparison was not about it). Then this
   * browser adds it to the E2E rooms it is in (the others' devices do too when online).
   */
  async vouch(device: string, key: string): Promise<void> {
    const user = this.client.user
    await this.session.enable()
    const { Device } = await import('#core/client/e2e/device')
    const me = Device.fromJSON(await this.store.loadDevice())
    const { devices } = await this.client.request('devices', { user })
    const target = devices.find((d) => d.device === device)
    if (!target) throw new ChatError('CHATHUB_E2E_DEVICE_NOT_FOUND', `You have no device "${device}"; the list shows yours.`, 404)
    if (target.key !== key) {
      throw new ChatError(
        'E2E_DEVICE_KEY_CHANGED',
        `The key of device "${device}" is not the one whose fingerprint you compared. Compare again before vouching.`,
        409,
      )
    }
    const vouch = await me.vouchFor(user, target.device, fromBase64(target.key))
    await this.client.request('vouch', { device: target.device, by: vouch.by, signature: vouch.signature })
    const { rooms } = await this.client.rooms()
    for (const room of rooms) {
      if (room.e2e && room.role !== undefined) await this.session.addUser(room.name, user).catch(() => {})
    }
  }

  rename(device: string, name: string): Promise<unknown> {
    return this.client.request('device.rename', { device, name })
  }

  /** Take a device out of the account (lost, sold): the E2E rooms remove it from their groups. */
  remove(device: string): Promise<unknown> {
    return this.client.request('device.remove', { device })
  }

  /** Safety numbers with other users, and a watch on those verified here; `changed` hears their status change. */
  watchVerifications(changed: () => void): Verifications {
    return new Verifications(this.client, this.session, this.store, changed)
  }

  /** Let another tab have the device (logout). */
  close(): void {
    this.store.close()
    this.lock.release()
  }
}
