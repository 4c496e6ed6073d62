// A stand-in for the hub's part in MLS, for the device-side tests: the device directory (`devices`),
// the KeyPackage directory (`keypackages`, `claim`) and one room's ordered log, where a Commit is
// accepted only for the room's current epoch (the first wins, a later one is stale). Devices pass
// encoded messages through it in an explicit order; no network, no cryptography of its own.
import { toBase64 } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { Device, type Vouch } from '#core/client/e2e/device'
import {
  type DeviceContext,
  type PendingCommit,
  type Processed,
  RoomGroup,
} from '#core/client/e2e/group'
import {
  keepKeyPackages,
  makeKeyPackages,
  withoutUsedKeyPackage,
} from '#core/client/e2e/key-packages'
import { type DeviceStore, MemoryDeviceStore, type StoredKeyPackage } from '#core/client/e2e/store'
import { DeviceTrust } from '#core/client/e2e/trust'

interface LogEntry {
  seq: number
  data: Uint8Array
  /** The sending device (`user/device`). */
  from: string
  kind: 'application' | 'commit'
}

export class FakeHub {
  private readonly devices = new Map<string, DeviceView[]>()
  private readonly keyPackages = new Map<string, Uint8Array[]>()
  readonly log: LogEntry[] = []
  /** The room's epoch as the hub tracks it: one accepted Commit moves it on. */
  epoch = 0
  private readonly welcomes = new Map<string, { seq: number; data: Uint8Array }>()

  /** What the `devices` frame answers: a copy, as from the network. */
  readonly directory = async (user: string): Promise<DeviceView[]> =>
    structuredClone(this.devices.get(user) ?? [])

  register(user: string, device: Device, vouch?: Vouch): void {
    const list = this.devices.get(user) ?? []
    list.push({
      device: device.id,
      name: device.name,
      key: toBase64(device.publicKey),
      first: list.length === 0,
      ...(vouch ? { vouch } : {}),
      createdAt: Date.now(),
    })
    this.devices.set(user, list)
  }

  /** A malicious hub: list a device of its own under `user`, as it pleases. */
  forge(user: string, view: DeviceView): void {
    this.devices.set(user, [...(this.devices.get(user) ?? []), view])
  }

  publish(user: string, device: string, packages: Uint8Array[]): void {
    const key = `${user}/${device}`
    this.keyPackages.set(key, [...(this.keyPackages.get(key) ?? []), ...packages])
  }

  /** One KeyPackage of each device of `user` that has one (`claim`), or of the devices named. */
  claim(user: string, only?: string[]): Uint8Array[] {
    return (this.devices.get(user) ?? [])
      .filter((d) => !only || only.includes(d.device))
      .flatMap((d) => this.keyPackages.get(`${user}/${d.device}`)?.splice(0, 1) ?? [])
  }

  post(from: TestDevice, data: Uint8Array): number {
    return this.append(from, data, 'application')
  }

  /** The `mls` frame with a Commit: accepted (its seq) only for the current epoch, else 'stale'. */
  commit(from: TestDevice, pending: PendingCommit): number | 'stale' {
    if (pending.epoch !== this.epoch) return 'stale'
    this.epoch++
    const seq = this.append(from, pending.commit, 'commit')
    if (pending.welcome)
      for (const user of pending.added) this.welcomes.set(user, { seq, data: pending.welcome })
    return seq
  }

  welcomeFor(user: string): { seq: number; data: Uint8Array } {
    const welcome = this.welcomes.get(user)
    if (!welcome) throw new Error(`no Welcome for ${user}`)
    return welcome
  }

  private append(from: TestDevice, data: Uint8Array, kind: LogEntry['kind']): number {
    const seq = this.log.length + 1
    this.log.push({ seq, data, from: `${from.user}/${from.device.id}`, kind })
    return seq
  }
}

/** A device as a client holds it: identity, store, trust, kept KeyPackages, the room's group, and how far it read. */
export interface TestDevice {
  user: string
  device: Device
  store: DeviceStore
  trust: DeviceTrust
  ctx: DeviceContext
  kept: StoredKeyPackage[]
  group?: RoomGroup
  /** The last seq processed. */
  cursor: number
}

/** A new device of `user`, registered (vouched for by `vouchedBy`) with `packages` KeyPackages published. */
export const newDevice = async (
  hub: FakeHub,
  user: string,
  options: {
    vouchedBy?: TestDevice
    packages?: number
    store?: DeviceStore
    Trust?: typeof DeviceTrust
  } = {},
): Promise<TestDevice> => {
  const device = await Device.create(`${user}'s device`)
  const store = options.store ?? new MemoryDeviceStore()
  await store.saveDevice(device.toJSON())
  const vouch =
    options.vouchedBy &&
    (await options.vouchedBy.device.vouchFor(user, device.id, device.publicKey))
  hub.register(user, device, vouch)
  const trust = new (options.Trust ?? DeviceTrust)({
    store,
    directory: hub.directory,
    self: { user, device },
  })
  const batch = await makeKeyPackages(user, device, options.packages ?? 2, { lastResort: true })
  hub.publish(user, device.id, batch.packages)
  const kept = keepKeyPackages([], batch)
  return { user, device, store, trust, ctx: { user, device, trust }, kept, cursor: 0 }
}

export const groupOf = (d: TestDevice): RoomGroup => {
  if (!d.group) throw new Error(`${d.user}/${d.device.id} has no group`)
  return d.group
}

/** Join from the Welcome the hub holds for the device's user, and read on from the Commit that made it. */
export const joinFromWelcome = async (hub: FakeHub, d: TestDevice): Promise<void> => {
  const welcome = hub.welcomeFor(d.user)
  const { group, keyPackage } = await RoomGroup.join(d.ctx, welcome.data, d.kept)
  d.kept = withoutUsedKeyPackage(d.kept, keyPackage)
  d.group = group
  d.cursor = welcome.seq
}

/** Process what the room got since the device last read, in order, skipping its own (as the SDK does). */
export const catchUp = async (hub: FakeHub, d: TestDevice): Promise<Processed[]> => {
  const out: Processed[] = []
  for (const entry of hub.log.filter((e) => e.seq > d.cursor)) {
    d.cursor = entry.seq
    if (entry.from === `${d.user}/${d.device.id}`) continue
    out.push(await groupOf(d).process(entry.data))
  }
  return out
}

/** Propose, have the hub accept, confirm: a Commit that is not raced. */
export const commitNow = async (
  hub: FakeHub,
  d: TestDevice,
  intent: Parameters<RoomGroup['proposeCommit']>[0],
): Promise<PendingCommit> => {
  const pending = await groupOf(d).proposeCommit(intent)
  if (!pending) throw new Error('nothing to commit')
  const seq = hub.commit(d, pending)
  if (seq === 'stale') throw new Error('stale commit')
  groupOf(d).confirm()
  return pending
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** Encrypt `text` on `d` and post it; its seq. */
export const say = async (hub: FakeHub, d: TestDevice, text: string): Promise<number> =>
  hub.post(d, await groupOf(d).encrypt(utf8.encode(text)))

/** The texts of the application messages among `processed`. */
export const textsOf = (processed: Processed[]): string[] =>
  processed.flatMap((p) => (p.kind === 'application' ? [fromUtf8.decode(p.bytes)] : []))
