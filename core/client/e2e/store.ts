// Where a device keeps its end-to-end encryption secrets: its identity, the private parts of its
// KeyPackages, each room's MLS group state, the devices it pinned per user and the users whose
// safety numbers were compared (verified). One interface, async
// so that a browser's IndexedDB fits it; an in-memory store here, a file store in store-file.ts.
import { type Static, Type } from '#typebox'
import { DeviceId } from '#core/protocol/messages'
import { compile } from '#core/schema/validator'

/** Binary data as standard base64 (keys, encoded MLS structures). */
const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' })
const Member = Type.Object({ user: Type.String({ minLength: 1 }), device: DeviceId })

/** A device identity (device.ts). `signKey` is the Ed25519 private key: it never leaves the device. */
export const StoredDevice = Type.Object({
  id: DeviceId,
  name: Type.String({ minLength: 1, maxLength: 64 }),
  publicKey: Base64,
  signKey: Base64,
})
export type StoredDevice = Static<typeof StoredDevice>

/**
 * A KeyPackage this device published, with its private keys (key-packages.ts), found again by its
 * KeyPackageRef (RFC 9420 §5.2) when a Welcome names it. The signature key is the device's own.
 */
export const StoredKeyPackage = Type.Object({
  ref: Base64,
  /** The `mls_key_package` message as published. */
  message: Base64,
  initPrivateKey: Base64,
  hpkePrivateKey: Base64,
  /** Handed out by the hub when no one-time package is left, so used more than once (RFC 9420 §16.8). */
  lastResort: Type.Boolean(),
  createdAt: Type.Integer({ minimum: 0 }),
})
export type StoredKeyPackage = Static<typeof StoredKeyPackage>

/** A device of another user as this device last saw it (trust.ts): a change is reported, a new key refused. */
export const PinnedDevice = Type.Object({
  key: Base64,
  name: Type.String(),
  status: Type.Union([
    Type.Literal('first_use'),
    Type.Literal('vouched'),
    Type.Literal('unvouched'),
  ]),
  by: Type.Optional(Type.String()),
})
export type PinnedDevice = Static<typeof PinnedDevice>
/** A user's pinned devices by device id. */
export const PinnedDevices = Type.Record(Type.String(), PinnedDevice)
export type PinnedDevices = Static<typeof PinnedDevices>

/**
 * A user whose safety number the owner of this device compared with them out of band (`chathub
 * verify`, safety-number.ts): their trusted devices at that moment, so that a later change is shown.
 */
export const Verification = Type.Object({
  /** When it was recorded (ms since the epoch). */
  at: Type.Integer({ minimum: 0 }),
  /** The safety number compared, 60 digits. */
  safetyNumber: Type.String({ pattern: '^[0-9]{60}$' }),
  /** The user's trusted devices then, as pinned (only trusted ones). */
  devices: PinnedDevices,
})
export type Verification = Static<typeof Verification>

/**
 * The device was exported to another machine (`chathub devices export`): a store marked so refuses
 * to be used, because two copies of one MLS member break each other's ratchets.
 */
export const MovedMarker = Type.Object({
  at: Type.Integer({ minimum: 0 }),
})
export type MovedMarker = Static<typeof MovedMarker>

/** A Commit of this device sent to the hub and not yet accepted or refused (group.ts). */
export const StoredPendingCommit = Type.Object({
  /** The group state once the Commit is accepted (ts-mls encodeGroupState). */
  state: Base64,
  commit: Base64,
  groupInfo: Base64,
  welcome: Type.Optional(Base64),
  epoch: Type.Integer({ minimum: 0 }),
  added: Type.Array(Member),
  removed: Type.Array(Member),
})
export type StoredPendingCommit = Static<typeof StoredPendingCommit>

/** One room's group on this device (group.ts). */
export const StoredGroup = Type.Object({
  v: Type.Literal(1),
  suite: Type.Literal(1),
  /** The ts-mls group state (encodeGroupState); it holds the epoch secrets and the device's signature key. */
  state: Base64,
  /** The epoch this device joined at: earlier messages were never meant for it. */
  joinedAt: Type.Integer({ minimum: 0 }),
  pending: Type.Optional(StoredPendingCommit),
})
export type StoredGroup = Static<typeof StoredGroup>

/**
 * An E2E room as this device follows it (session.ts): how far it has processed the room's MLS
 * messages, and what it decrypted — the only copy of the plaintext: MLS keys are used once, so the
 * hub's ciphertext cannot be decrypted again. Messages are MessageViews, checked loosely (they were
 * written by this device).
 */
export const StoredRoom = Type.Object({
  /** The MLS group id, base64 (as the hub lists it). */
  group: Base64,
  suite: Type.Literal(1),
  /** Every MLS message up to this seq was processed (Commits applied, messages decrypted or marked). */
  processedSeq: Type.Integer({ minimum: 0 }),
  /** Decrypted (and undecryptable) messages, oldest first. */
  log: Type.Array(
    Type.Object({ seq: Type.Integer({ minimum: 1 }) }, { additionalProperties: true }),
  ),
})
export type StoredRoom = Static<typeof StoredRoom>

/** Everything a device store holds, as one JSON document (the file store writes exactly this). */
export const DeviceStoreData = Type.Object({
  v: Type.Literal(1),
  device: Type.Optional(StoredDevice),
  keyPackages: Type.Array(StoredKeyPackage),
  groups: Type.Record(Type.String(), StoredGroup),
  pins: Type.Record(Type.String(), PinnedDevices),
  rooms: Type.Optional(Type.Record(Type.String(), StoredRoom)),
  /** Verified users by name (absent in stores written before verification existed). */
  verified: Type.Optional(Type.Record(Type.String(), Verification)),
  /** Set by `chathub devices export` on the copy left behind (store-file.ts refuses to use it). */
  moved: Type.Optional(MovedMarker),
})
export type DeviceStoreData = Static<typeof DeviceStoreData>

export const emptyStoreData = (): DeviceStoreData => ({
  v: 1,
  keyPackages: [],
  groups: {},
  pins: {},
})

/** Checks a whole document (the file store's contents). */
export const storeDataChecker = compile(DeviceStoreData)

/** A device's secrets at rest. Every method is async (IndexedDB, files); values are copies. */
export interface DeviceStore {
  loadDevice(): Promise<StoredDevice | undefined>
  saveDevice(device: StoredDevice): Promise<void>
  loadKeyPackages(): Promise<StoredKeyPackage[]>
  saveKeyPackages(packages: StoredKeyPackage[]): Promise<void>
  /**
   * Change the kept KeyPackages as they are in the store when the change runs (one write): two
   * changes at once (a top-up, a Welcome using one) must not save over each other's.
   */
  updateKeyPackages(change: (kept: StoredKeyPackage[]) => StoredKeyPackage[]): Promise<void>
  loadGroup(room: string): Promise<StoredGroup | undefined>
  /** `undefined` forgets the room's group (left, removed). */
  saveGroup(room: string, group: StoredGroup | undefined): Promise<void>
  loadPins(user: string): Promise<PinnedDevices | undefined>
  savePins(user: string, pins: PinnedDevices): Promise<void>
  loadRoom(room: string): Promise<StoredRoom | undefined>
  /**
   * The room's record and its group in one write (a crash keeps both old or both new: a group
   * ahead of its record would skip messages; behind it, fail to decrypt them). `group`
   * undefined forgets the group (removed from it) and keeps the record.
   */
  saveRoom(room: string, record: StoredRoom, group: StoredGroup | undefined): Promise<void>
  loadVerification(user: string): Promise<Verification | undefined>
  /** `undefined` forgets it (the user is no longer verified on this device). */
  saveVerification(user: string, verification: Verification | undefined): Promise<void>
  /** Every verified user, by name. */
  loadVerifications(): Promise<Record<string, Verification>>
}

/**
 * A store over one JSON document: `read` gives the current document, `update` applies a change to
 * the current document and keeps it. The memory and file stores differ only in those two.
 */
export abstract class DocumentDeviceStore implements DeviceStore {
  protected abstract read(): Promise<DeviceStoreData>
  protected abstract update(change: (data: DeviceStoreData) => void): Promise<void>

  async loadDevice(): Promise<StoredDevice | undefined> {
    return (await this.read()).device
  }
  saveDevice(device: StoredDevice): Promise<void> {
    return this.update((data) => {
      data.device = structuredClone(device)
    })
  }
  async loadKeyPackages(): Promise<StoredKeyPackage[]> {
    return (await this.read()).keyPackages
  }
  saveKeyPackages(packages: StoredKeyPackage[]): Promise<void> {
    return this.update((data) => {
      data.keyPackages = structuredClone(packages)
    })
  }
  updateKeyPackages(change: (kept: StoredKeyPackage[]) => StoredKeyPackage[]): Promise<void> {
    return this.update((data) => {
      data.keyPackages = structuredClone(change(data.keyPackages))
    })
  }
  async loadGroup(room: string): Promise<StoredGroup | undefined> {
    return ownEntry((await this.read()).groups, room)
  }
  saveGroup(room: string, group: StoredGroup | undefined): Promise<void> {
    return this.update((data) => {
      if (group) data.groups[room] = structuredClone(group)
      else delete data.groups[room]
    })
  }
  async loadPins(user: string): Promise<PinnedDevices | undefined> {
    return ownEntry((await this.read()).pins, user)
  }
  savePins(user: string, pins: PinnedDevices): Promise<void> {
    return this.update((data) => {
      data.pins[user] = structuredClone(pins)
    })
  }
  async loadRoom(room: string): Promise<StoredRoom | undefined> {
    return ownEntry((await this.read()).rooms ?? {}, room)
  }
  saveRoom(room: string, record: StoredRoom, group: StoredGroup | undefined): Promise<void> {
    return this.update((data) => {
      data.rooms = { ...data.rooms, [room]: structuredClone(record) }
      if (group) data.groups[room] = structuredClone(group)
      else delete data.groups[room]
    })
  }
  async loadVerification(user: string): Promise<Verification | undefined> {
    return ownEntry((await this.read()).verified ?? {}, user)
  }
  saveVerification(user: string, verification: Verification | undefined): Promise<void> {
    return this.update((data) => {
      const verified = { ...data.verified }
      if (verification) verified[user] = structuredClone(verification)
      else delete verified[user]
      data.verified = verified
    })
  }
  async loadVerifications(): Promise<Record<string, Verification>> {
    return (await this.read()).verified ?? {}
  }
}

/** A record's own entry: room and user names must not reach Object.prototype ("constructor"). */
const ownEntry = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** A store in memory: for tests, and for a device that must leave nothing behind. */
export class MemoryDeviceStore extends DocumentDeviceStore {
  private data = emptyStoreData()

  protected async read(): Promise<DeviceStoreData> {
    // A copy, as a real store gives: callers changing what they loaded must not change the store.
    return structuredClone(this.data)
  }
  protected async update(change: (data: DeviceStoreData) => void): Promise<void> {
    change(this.data)
  }
}
