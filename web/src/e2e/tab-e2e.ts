// This tab's side of end-to-end encrypted rooms, kept by the ChatStore. Dormant until an encrypted
// room needs it (the account has one, one is opened, joined or created, the device list is shown,
// or a safety number): only then does its code load (browser-device.ts, then ts-mls), so a chat
// without encrypted rooms carries none of it. Awake, it is this browser's device, or why this tab
// has none: another tab uses it, or the page cannot (plain http); and the users verified with it.
import type { ChatClient } from '#core/client/sdk'
import type { AttachmentView, EventOf } from '#core/protocol/messages'
import type { BrowserDevice, DeviceRow, E2eSetup } from './browser-device.ts'
import type { DeviceLock } from './device-lock.ts'
import type { Verifications } from './verifications.ts'

export type TabE2eState = { kind: 'dormant' } | E2eSetup

/** Encrypt a file for an encrypted room and hand the ciphertext to `store`, which uploads it. */
export type Encrypter = (
  bytes: Uint8Array,
  name: string,
  store: (ciphertext: Uint8Array) => Promise<AttachmentView>,
) => Promise<AttachmentView>

export class TabE2e {
  state: TabE2eState = { kind: 'dormant' }
  /** This browser's device as the account lists it (undefined while it has none): its trust. */
  device: DeviceRow | undefined = undefined
  /** Safety numbers, and the users verified in this browser (when this tab has the device). */
  verified: Verifications | undefined = undefined
  private waking: Promise<void> | undefined

  constructor(
    private readonly client: ChatClient,
    private readonly user: string,
    private readonly changed: () => void,
    /** The device's lock, taken over from another tab that let it go. */
    private readonly held?: DeviceLock,
  ) {
    // The account's devices changed (one vouched for, renamed, removed): this one's trust may have.
    client.on('devices', (e: EventOf<'devices'>) => {
      if (e.user === user) void this.refreshDevice()
    })
  }

  /** This browser's device, when this tab has it. */
  get ready(): BrowserDevice | undefined {
    return this.state.kind === 'ready' ? this.state.device : undefined
  }

  /** Load the E2E code and attach this browser's device (once; later calls wait for the first). */
  wake(): Promise<void> {
    this.waking ??= (async () => {
      const { setUpE2e } = await import('./browser-device.ts')
      this.state = await setUpE2e(this.client, this.user, this.held)
      if (this.state.kind === 'ready') {
        this.verified = this.state.device.watchVerifications(this.changed)
        void this.verified.load().catch(() => {})
      }
      this.changed()
      await this.refreshDevice()
    })()
    return this.waking
  }

  /** Why this tab neither reads nor sends in encrypted rooms, or undefined when it does (or is dormant). */
  problem(): string | undefined {
    if (this.state.kind === 'busy')
      return 'This browser’s keys for encrypted rooms are in use in another tab of it: they work in one tab at a time, so this tab neither reads nor sends in encrypted rooms. Use that tab, or close it: this one then takes over.'
    if (this.state.kind === 'unavailable') return this.state.why
    return undefined
  }

  /** This browser's device and its trust as the hub lists it now (for the notice of an unvouched device). */
  async refreshDevice(): Promise<void> {
    const ready = this.ready
    if (!ready) return
    const device = await ready.own().catch(() => this.device)
    const same = device?.device === this.device?.device && device?.status === this.device?.status && device?.name === this.device?.name
    if (same) return
    this.device = device
    this.changed()
  }

  /** How a file goes to an encrypted room: encrypted by the SDK's E2E session, `store` uploading the ciphertext. */
  encrypterFor(room: string): Encrypter | undefined {
    const session = this.ready?.session
    return session && ((bytes, name, store) => session.upload(room, bytes, { name }, store))
  }

  /** Let another tab have the device (logout). */
  close(): void {
    this.ready?.close()
  }
}
